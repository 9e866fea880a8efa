"""Setting up and unloading a power manager config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from . import history
from .const import HEATING_PLATFORMS, MANAGER_PLATFORMS
from .core import PowerManager

type PowerManagerConfigEntry = ConfigEntry[PowerManager]


def platforms(entry: PowerManagerConfigEntry) -> list[str]:
    """The platforms of a power manager: climate only when it heats."""
    manager = entry.runtime_data
    return MANAGER_PLATFORMS + (HEATING_PLATFORMS if manager.heating else [])


async def async_setup_entry(hass: HomeAssistant, entry: PowerManagerConfigEntry) -> bool:
    """Create the manager and its entities (they restore its state), then start it."""
    manager = PowerManager(hass, entry)
    entry.runtime_data = manager
    await hass.config_entries.async_forward_entry_setups(entry, platforms(entry))
    await manager.async_start()
    entry.async_on_unload(manager.async_stop)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PowerManagerConfigEntry) -> bool:
    """Stop deciding and write the miners' histories; the miners keep their last state."""
    if not await hass.config_entries.async_unload_platforms(entry, platforms(entry)):
        return False
    manager = entry.runtime_data
    manager.async_stop()
    await manager.history.async_flush()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: PowerManagerConfigEntry) -> None:
    """Delete the removed manager's stored histories."""
    await history.async_remove(hass, entry.entry_id)
