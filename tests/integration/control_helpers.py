"""Helpers shared by the tests of controls and services (entity lookups are in helpers.py)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
from simulator import MinerSimulator


def device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The id of the miner's device."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, str(entry.unique_id)), entry.entry_id
    )
    assert device is not None
    return device.id


def enable_entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> None:
    """Register a disabled-by-default entity as enabled, before the entry is set up."""
    er.async_get(hass).async_get_or_create(
        platform, DOMAIN, f"{entry.unique_id}_{key}", config_entry=entry
    )


async def after_btminer_restart(simulator: MinerSimulator, entry: MockConfigEntry) -> None:
    """Let the miner finish restarting btminer (after a restart-causing write), then poll."""
    simulator.clock.advance(simulator.miners[0].timing.btminer_restart_s + 1)
    await entry.runtime_data.async_refresh()
