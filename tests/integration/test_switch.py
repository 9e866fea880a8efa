"""Switches against a simulated miner: each changes the miner and Home Assistant shows it."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from simulator import SimulatedMiner
from simulator.v2.writes import WRITES

from .control_helpers import enable_entity
from .helpers import entity_id


async def _switch(hass: HomeAssistant, target: str, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, "turn_on" if on else "turn_off", {ATTR_ENTITY_ID: target}, blocking=True
    )


async def test_mining_switch(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Mining follows the miner's status; turning it off and on powers the hashboards."""
    switch = entity_id(hass, init_integration, SWITCH_DOMAIN, "mining")
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["reported_by_miner"] is True
    assert not state.attributes.get(ATTR_ASSUMED_STATE)

    await _switch(hass, switch, False)
    assert miner.state.mining is False
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]
    assert miner.counters.commands["power_off"] == 1

    await _switch(hass, switch, True)
    assert miner.state.mining is True
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]


async def test_mining_switch_shows_request_until_miner_reports_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the miner still reports the old state, the request is shown for a bounded time."""
    # Like firmware whose power_off acknowledges but does not stick (spec 6, 3.3).
    monkeypatch.setitem(WRITES, "power_off", lambda m, req: None)
    switch = entity_id(hass, init_integration, SWITCH_DOMAIN, "mining")
    await _switch(hass, switch, False)
    assert miner.state.mining is True
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]

    freezer.tick(timedelta(minutes=2))
    await init_integration.runtime_data.async_refresh()
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]

    freezer.tick(timedelta(minutes=2))
    await init_integration.runtime_data.async_refresh()
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("key", "attr"),
    [
        ("web_pools", "web_pools"),
        ("poweroff_cool", "poweroff_cool"),
        ("fan_zero_speed", "fan_zero_speed"),
        ("mining_at_boot", "btminer_init"),
    ],
)
async def test_setting_switches_not_reported(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    key: str,
    attr: str,
) -> None:
    """Settings the API does not report show the value last set, marked as assumed."""
    switch = entity_id(hass, init_integration, SWITCH_DOMAIN, key)
    state = hass.states.get(switch)
    assert state is not None
    assert state.attributes[ATTR_ASSUMED_STATE] is True
    assert state.attributes["reported_by_miner"] is False

    initial = getattr(miner.state, attr)
    await _switch(hass, switch, not initial)
    assert getattr(miner.state, attr) is (not initial)
    assert hass.states.get(switch).state == (STATE_OFF if initial else STATE_ON)  # type: ignore[union-attr]

    await _switch(hass, switch, initial)
    assert getattr(miner.state, attr) is initial
    assert hass.states.get(switch).state == (STATE_ON if initial else STATE_OFF)  # type: ignore[union-attr]


async def test_fast_boot_reported(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Fast boot is reported by summary, so the switch shows the miner's value."""
    switch = entity_id(hass, init_integration, SWITCH_DOMAIN, "fast_boot")
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]
    await _switch(hass, switch, True)
    assert miner.state.fast_boot is True
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["reported_by_miner"] is True

    miner.state.fast_boot = False  # changed elsewhere: the miner's value wins once reported
    await init_integration.runtime_data.async_refresh()
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("key", "cmd"), [("fast_mining", "set_fast_mining"), ("fast_hash", "set_fast_hash")]
)
async def test_later_firmware_switches(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    key: str,
    cmd: str,
) -> None:
    """Commands of later manuals are off by default; firmware without them refuses clearly,
    and the switch goes (it would only fail again)."""
    mock_config_entry.add_to_hass(hass)
    enable_entity(hass, mock_config_entry, SWITCH_DOMAIN, key)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    switch = entity_id(hass, mock_config_entry, SWITCH_DOMAIN, key)
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, switch, True)
    assert err.value.translation_key == "unsupported_command"
    assert miner.counters.commands[cmd] == 1
    await hass.async_block_till_done()
    assert hass.states.get(switch) is None
    assert er.async_get(hass).async_get(switch).disabled_by is er.RegistryEntryDisabler.INTEGRATION  # type: ignore[union-attr]


async def test_assumed_value_restored(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """After a restart, a setting the API does not report shows the value last set."""
    mock_config_entry.add_to_hass(hass)
    switch_id = "switch.whatsminer_cool_while_stopped"
    mock_restore_cache_with_extra_data(hass, [(State(switch_id, STATE_ON), {"last_set": True})])
    er.async_get(hass).async_get_or_create(
        SWITCH_DOMAIN,
        "whatsminer",
        f"{mock_config_entry.unique_id}_poweroff_cool",
        config_entry=mock_config_entry,
        suggested_object_id="whatsminer_cool_while_stopped",
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(switch_id)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["reported_by_miner"] is False


@pytest.mark.parametrize("profile", ["m56s_hydro"])
async def test_hydro_has_no_fan_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Water-cooled miners have no fans to stop."""
    assert (
        er.async_get(hass).async_get_entity_id(
            SWITCH_DOMAIN, "whatsminer", f"{init_integration.unique_id}_fan_zero_speed"
        )
        is None
    )
