"""Small helpers shared by the integration tests."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.const import DEFAULT_SCAN_INTERVAL


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """The entity id of the entity with this description key."""
    registry = er.async_get(hass)
    found = registry.async_get_entity_id(platform, "whatsminer", f"{entry.unique_id}_{key}")
    assert found is not None, f"no {platform} entity {key}"
    return found


def state_of(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> State:
    """The current state of the entity with this description key."""
    state = hass.states.get(entity_id(hass, entry, platform, key))
    assert state is not None
    return state


async def next_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, interval: timedelta = DEFAULT_SCAN_INTERVAL
) -> None:
    """Let the clock run to the next poll and wait for it to finish."""
    freezer.tick(interval)
    async_fire_time_changed(hass)
    # Scheduled refreshes run as background tasks, over real loopback sockets.
    await hass.async_block_till_done(wait_background_tasks=True)
