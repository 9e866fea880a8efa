"""Climate: the power manager's heating thermostat (power manager entries only)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .manager.entities import async_setup_climate
from .manager.setup import PowerManagerConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerManagerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the heating thermostat of a power manager."""
    await async_setup_climate(hass, entry, async_add_entities)
