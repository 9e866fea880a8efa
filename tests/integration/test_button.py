"""Buttons against a simulated miner."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from simulator import SimulatedMiner

from .control_helpers import enable_entity
from .helpers import entity_id


async def _press(hass: HomeAssistant, target: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: target}, blocking=True
    )


async def test_identify_and_led_auto(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Identify flashes the LED (a diagnostic button); LED automatic gives it back."""
    identify = entity_id(hass, init_integration, BUTTON_DOMAIN, "identify")
    entry = er.async_get(hass).async_get(identify)
    assert entry is not None
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    await _press(hass, identify)
    assert miner.state.led.mode == "manual"
    assert miner.state.led.color == "red"
    assert init_integration.runtime_data.data.info.led_auto is False  # type: ignore[union-attr]

    await _press(hass, entity_id(hass, init_integration, BUTTON_DOMAIN, "led_auto"))
    assert miner.state.led.mode == "auto"
    assert init_integration.runtime_data.data.info.led_auto is True  # type: ignore[union-attr]


async def test_restart_mining(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Restart mining restarts btminer."""
    started = miner.state.btminer_start_at
    await _press(hass, entity_id(hass, init_integration, BUTTON_DOMAIN, "restart_mining"))
    assert miner.counters.commands["restart_btminer"] == 1
    assert miner.state.btminer_start_at > started


async def test_reboot(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Reboot restarts the control board."""
    await _press(hass, entity_id(hass, init_integration, BUTTON_DOMAIN, "reboot"))
    assert miner.counters.commands["reboot"] == 1
    assert miner.state.reboot_until > 0


async def test_restore_power_percent(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """restore_power_pct (later manuals) is a button that is off by default."""
    mock_config_entry.add_to_hass(hass)
    enable_entity(hass, mock_config_entry, BUTTON_DOMAIN, "restore_power_percent")
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    miner.state.power_pct = 50
    await _press(hass, entity_id(hass, mock_config_entry, BUTTON_DOMAIN, "restore_power_percent"))
    assert miner.state.power_pct == 100


async def test_identify_ends_by_itself(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """After two minutes the LED goes back to automatic, so it shows faults again."""
    await _press(hass, entity_id(hass, init_integration, BUTTON_DOMAIN, "identify"))
    assert miner.state.led.mode == "manual"
    freezer.tick(timedelta(seconds=119))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert miner.state.led.mode == "manual"
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert miner.state.led.mode == "auto"
