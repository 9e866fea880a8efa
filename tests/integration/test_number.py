"""Numbers against a simulated miner: range checks, writes, reported and assumed values."""

from __future__ import annotations

from homeassistant.components.number import (
    ATTR_MAX,
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.whatsminer.const import CONF_RESTART_INTERVAL, DOMAIN
from simulator import MinerSimulator, SimulatedMiner

from .control_helpers import after_btminer_restart, enable_entity
from .helpers import entity_id


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """No coalescing here (tested in test_coalesce.py)."""
    return MockConfigEntry(
        domain=mock_config_entry.domain,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data=mock_config_entry.data,
        options={CONF_RESTART_INTERVAL: 0},
    )


async def _set(hass: HomeAssistant, target: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: target, ATTR_VALUE: value}, blocking=True
    )


@pytest.mark.parametrize(
    ("key", "value", "check"),
    [
        ("power_percent_fast", 60, lambda m: m.state.power_pct == 60),
        ("power_percent_normal", 70, lambda m: m.state.power_pct == 70),
        ("temperature_offset", -12, lambda m: m.state.temp_offset == -12),
        ("upfreq_speed", 7, lambda m: m.state.upfreq_speed == 7),
        ("target_frequency", -40, lambda m: m.state.target_freq_pct == -40),
    ],
)
async def test_assumed_numbers(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    key: str,
    value: int,
    check: object,
) -> None:
    """Settings the API does not report: the miner changes and the entity shows the value set."""
    number = entity_id(hass, init_integration, NUMBER_DOMAIN, key)
    await _set(hass, number, value)
    assert check(miner)  # type: ignore[operator]
    await after_btminer_restart(simulator, init_integration)
    state = hass.states.get(number)
    assert state is not None
    assert float(state.state) == value
    assert state.attributes["reported_by_miner"] is False


@pytest.mark.parametrize(
    ("key", "value", "cmd"),
    [
        ("temperature_offset", 1, "set_temp_offset"),
        ("temperature_offset", -31, "set_temp_offset"),
        ("upfreq_speed", 10, "adjust_upfreq_speed"),
        ("target_frequency", 101, "set_target_freq"),
        ("target_frequency", -101, "set_target_freq"),
        ("power_percent_fast", 101, "set_power_pct"),
        ("power_limit", 3601, "adjust_power_limit"),
    ],
)
async def test_out_of_range_refused_before_sending(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    key: str,
    value: int,
    cmd: str,
) -> None:
    """Values out of range raise a validation error and nothing reaches the miner."""
    number = entity_id(hass, init_integration, NUMBER_DOMAIN, key)
    tokens = miner.counters.tokens_issued
    with pytest.raises(ServiceValidationError) as err:
        await _set(hass, number, value)
    assert err.value.translation_key == "out_of_range"
    assert miner.counters.tokens_issued == tokens
    assert miner.counters.commands[cmd] == 0


async def test_power_limit(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """The power limit is reported by the miner and bounded by the highest it allows."""
    number = entity_id(hass, init_integration, NUMBER_DOMAIN, "power_limit")
    state = hass.states.get(number)
    assert state is not None
    assert float(state.state) == 3600
    assert state.attributes[ATTR_MAX] == 3600
    assert state.attributes["reported_by_miner"] is True

    await _set(hass, number, 3000)
    assert miner.state.power_limit_w == 3000
    await after_btminer_restart(simulator, init_integration)
    assert float(hass.states.get(number).state) == 3000  # type: ignore[union-attr]
    # The bound stays at the highest the miner reported.
    assert hass.states.get(number).attributes[ATTR_MAX] == 3600  # type: ignore[union-attr]


async def test_power_target(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """set_power (later manuals) is a number that is off by default."""
    mock_config_entry.add_to_hass(hass)
    enable_entity(hass, mock_config_entry, NUMBER_DOMAIN, "power_target")
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    number = entity_id(hass, mock_config_entry, NUMBER_DOMAIN, "power_target")
    await _set(hass, number, 1700)
    assert miner.counters.commands["set_power"] == 1
    assert float(hass.states.get(number).state) == 1700  # type: ignore[union-attr]


@pytest.mark.parametrize("profile", ["m20s_legacy"])
async def test_legacy_firmware_refuses_newer_commands(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Old firmware without adjust_upfreq_speed: the refusal is said in words, nothing is
    assumed, and the number goes (it would only fail again)."""
    number = entity_id(hass, init_integration, NUMBER_DOMAIN, "upfreq_speed")
    assert hass.states.get(number).state == STATE_UNKNOWN  # type: ignore[union-attr]
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, number, 3)
    assert err.value.translation_key == "unsupported_command"
    assert err.value.translation_placeholders["command"] == "upfreq_speed"
    await hass.async_block_till_done()
    assert hass.states.get(number) is None
    assert er.async_get(hass).async_get(number).disabled_by is er.RegistryEntryDisabler.INTEGRATION  # type: ignore[union-attr]
    await _set(hass, entity_id(hass, init_integration, NUMBER_DOMAIN, "temperature_offset"), -5)
    assert miner.state.temp_offset == -5


async def test_power_limit_bound_survives_restart(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """The highest limit seen is remembered, so a lowered limit can be raised again."""
    mock_config_entry.add_to_hass(hass)
    unique_id = f"{mock_config_entry.unique_id}_power_limit"
    er.async_get(hass).async_get_or_create(
        NUMBER_DOMAIN,
        DOMAIN,
        unique_id,
        config_entry=mock_config_entry,
        suggested_object_id="whatsminer_power_limit",
    )
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("number.whatsminer_power_limit", "2000"),
                {"last_set": 2000, "highest_reported": 3600, "native_max_value": 3600},
            )
        ],
    )
    miner.state.power_limit_w = 2000
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get("number.whatsminer_power_limit")
    assert state is not None
    assert float(state.state) == 2000
    assert state.attributes[ATTR_MAX] == 3600
