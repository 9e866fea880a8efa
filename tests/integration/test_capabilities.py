"""Entities and actions from the miner's capabilities, on API v2 and v3 simulated miners.

Which entities exist follows what the firmware has (its commands and its readings), never the
model's name; a miner monitored only gets every reading and no control; a setting nobody knows
shows as unknown; a command the firmware lacks is refused in words, before anything is sent
where it is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import (
    ATTR_MAX,
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.update import ATTR_INSTALLED_VERSION, ATTR_UPDATE_PERCENTAGE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import firmware
from custom_components.whatsminer.api.models import MinerSnapshot
from custom_components.whatsminer.api.v2.miner import V2Miner
from custom_components.whatsminer.const import (
    CONF_RESTART_INTERVAL,
    DOMAIN,
    ENTRY_VERSION,
    PROFILE_REFRESH_POLLS,
)
from custom_components.whatsminer.coordinator import WhatsMinerCoordinator
from custom_components.whatsminer.profile import async_get_profiles
from simulator import MinerSimulator, SimulatedMiner

from .conftest import entry_data, free_port
from .control_helpers import device_id
from .helpers import entity_id, next_poll, state_of

CONTROL_PLATFORMS = (SWITCH_DOMAIN, NUMBER_DOMAIN, SELECT_DOMAIN, BUTTON_DOMAIN, "update")


def _keys(hass: HomeAssistant, entry: MockConfigEntry, platform: str) -> set[str]:
    prefix = f"{entry.unique_id}_"
    return {
        e.unique_id.removeprefix(prefix)
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == platform
    }


def _entry(miner: SimulatedMiner, *, password: str | None = "admin") -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"WhatsMiner {miner.state.hostname}",
        unique_id=format_mac(miner.state.mac),
        data=entry_data(miner, password),
        options={CONF_RESTART_INTERVAL: 0},
        version=ENTRY_VERSION,
    )


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _call(hass: HomeAssistant, domain: str, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(domain, service, data, blocking=True)


# ---- API v3 ------------------------------------------------------------------------------


@pytest.fixture
def v3_profile() -> str:
    """The v3 simulated miner's model; override with parametrize."""
    return "m60s"


@pytest.fixture
async def v3_simulator(socket_enabled: None, v3_profile: str) -> AsyncIterator[MinerSimulator]:
    """One simulated miner on API v3 firmware (4433, and the reduced v2 API on its v2 port)."""
    async with MinerSimulator(
        count=1,
        profile=v3_profile,
        host="127.0.0.1",
        base_port=0,
        password="admin",
        api="v3",
        v3_base_port=free_port(),
    ) as sim:
        yield sim


@pytest.fixture
def v3_miner(v3_simulator: MinerSimulator) -> SimulatedMiner:
    """The v3 simulated miner."""
    return v3_simulator.miners[0]


async def test_v3_air_cooled_entities(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """A v3 miner has the v2 entities it reports, its settings as the miner reports them, the
    ramp-up speed up to 10, fast hash enabled, and PSU readings; no coolant on air."""
    entry = await _setup(hass, _entry(v3_miner))
    sensors = _keys(hass, entry, "sensor")
    assert {"hashrate", "power", "fan_in", "psu_temperature", "psu_input_power"} <= sensors
    assert {"coolant_temperature", "firmware_version"}.isdisjoint(sensors)
    assert state_of(hass, entry, "sensor", "psu_temperature").state == "40.0"

    upfreq = state_of(hass, entry, NUMBER_DOMAIN, "upfreq_speed")
    assert upfreq.attributes[ATTR_MAX] == 10
    assert upfreq.state == "0"  # the miner's own value
    assert upfreq.attributes["mode"] == "box"  # whole name and value shown, no cut-off slider
    assert upfreq.attributes["reported_by_miner"] is True
    offset = state_of(hass, entry, NUMBER_DOMAIN, "temperature_offset")
    assert offset.state == "0"
    assert offset.attributes["reported_by_miner"] is True

    fast_hash = state_of(hass, entry, SWITCH_DOMAIN, "fast_hash")  # enabled: the miner reports it
    assert fast_hash.state == "off"
    assert fast_hash.attributes["reported_by_miner"] is True
    assert state_of(hass, entry, SELECT_DOMAIN, "power_mode").state == "normal"
    assert "heat_mode" not in _keys(hass, entry, SELECT_DOMAIN)
    # What v3 firmware does not have is not offered.
    assert "restore_power_percent" not in _keys(hass, entry, BUTTON_DOMAIN)
    assert "fast_mining" not in _keys(hass, entry, SWITCH_DOMAIN)

    v3_miner.state.upfreq_speed = 6  # changed outside Home Assistant: the miner's value wins
    v3_miner.state.temp_offset = -12
    entry.runtime_data.miner.invalidate_cache()
    await entry.runtime_data.async_refresh()
    assert state_of(hass, entry, NUMBER_DOMAIN, "upfreq_speed").state == "6"
    assert state_of(hass, entry, NUMBER_DOMAIN, "temperature_offset").state == "-12"


@pytest.mark.parametrize("v3_profile", ["m63s_hydro", "m66s_immersion"])
async def test_v3_liquid_cooled_entities(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """Hydro and immersion: coolant temperature and heat mode, no fan entities."""
    entry = await _setup(hass, _entry(v3_miner))
    sensors = _keys(hass, entry, "sensor")
    assert "coolant_temperature" in sensors
    assert not {"fan_in", "fan_out"} & sensors
    assert not {"fan_zero_speed", "poweroff_cool"} & _keys(hass, entry, SWITCH_DOMAIN)
    assert "temperature_offset" not in _keys(hass, entry, NUMBER_DOMAIN)
    assert state_of(hass, entry, SELECT_DOMAIN, "heat_mode").state == "normal"
    coolant = state_of(hass, entry, "sensor", "coolant_temperature")
    assert coolant.name.endswith("Coolant temperature")
    assert float(coolant.state) > 0


@pytest.mark.parametrize("v3_profile", ["m63s_hydro"])
async def test_v3_power_limit_range_from_the_miner(
    hass: HomeAssistant, v3_miner: SimulatedMiner
) -> None:
    """A 10 kW hydro miner's power limit can be set to 10 kW (no fixed bound below it)."""
    entry = await _setup(hass, _entry(v3_miner))
    number = entity_id(hass, entry, NUMBER_DOMAIN, "power_limit")
    assert hass.states.get(number).attributes[ATTR_MAX] >= 10000  # type: ignore[union-attr]
    await _call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: number, ATTR_VALUE: 10000})
    assert v3_miner.state.power_limit_w == 10000


def _state(attribute: str) -> Callable[[SimulatedMiner], Any]:
    return lambda miner: getattr(miner.state, attribute)


V3_CONTROLS = [
    (SWITCH_DOMAIN, "mining", SERVICE_TURN_OFF, {}, _state("mining"), False),
    (SWITCH_DOMAIN, "fast_boot", SERVICE_TURN_ON, {}, _state("fast_boot"), True),
    (SWITCH_DOMAIN, "fast_hash", SERVICE_TURN_ON, {}, _state("fast_hash"), True),
    (SWITCH_DOMAIN, "web_pools", SERVICE_TURN_OFF, {}, _state("web_pools"), False),
    (SWITCH_DOMAIN, "poweroff_cool", SERVICE_TURN_ON, {}, _state("poweroff_cool"), True),
    (SWITCH_DOMAIN, "fan_zero_speed", SERVICE_TURN_ON, {}, _state("fan_zero_speed"), True),
    (SWITCH_DOMAIN, "mining_at_boot", SERVICE_TURN_OFF, {}, _state("btminer_init"), False),
    (
        SELECT_DOMAIN,
        "power_mode",
        SERVICE_SELECT_OPTION,
        {ATTR_OPTION: "low"},
        _state("power_mode"),
        "low",
    ),
    (
        NUMBER_DOMAIN,
        "power_limit",
        SERVICE_SET_VALUE,
        {ATTR_VALUE: 3000},
        _state("power_limit_w"),
        3000,
    ),
    (
        NUMBER_DOMAIN,
        "power_percent_fast",
        SERVICE_SET_VALUE,
        {ATTR_VALUE: 80},
        _state("power_pct"),
        80,
    ),
    (
        NUMBER_DOMAIN,
        "power_percent_normal",
        SERVICE_SET_VALUE,
        {ATTR_VALUE: 70},
        _state("power_pct"),
        70,
    ),
    (
        NUMBER_DOMAIN,
        "target_frequency",
        SERVICE_SET_VALUE,
        {ATTR_VALUE: -20},
        _state("target_freq_pct"),
        -20,
    ),
    (
        NUMBER_DOMAIN,
        "temperature_offset",
        SERVICE_SET_VALUE,
        {ATTR_VALUE: -8},
        _state("temp_offset"),
        -8,
    ),
    (
        NUMBER_DOMAIN,
        "upfreq_speed",
        SERVICE_SET_VALUE,
        {ATTR_VALUE: 10},
        _state("upfreq_speed"),
        10,
    ),
    (BUTTON_DOMAIN, "identify", SERVICE_PRESS, {}, lambda m: m.state.led.mode, "manual"),
]


@pytest.mark.parametrize(("platform", "key", "service", "data", "read", "expected"), V3_CONTROLS)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_v3_controls_reach_the_miner(
    hass: HomeAssistant,
    v3_miner: SimulatedMiner,
    platform: str,
    key: str,
    service: str,
    data: dict[str, Any],
    read: Callable[[SimulatedMiner], Any],
    expected: Any,
) -> None:
    """Every control of a v3 miner changes the simulated miner."""
    entry = await _setup(hass, _entry(v3_miner))
    target = entity_id(hass, entry, platform, key)
    await _call(hass, platform, service, {ATTR_ENTITY_ID: target, **data})
    assert read(v3_miner) == expected


@pytest.mark.parametrize(
    ("key", "command"),
    [("restart_mining", "set.miner.service"), ("reboot", "set.system.reboot")],
)
async def test_v3_buttons_reach_the_miner(
    hass: HomeAssistant, v3_miner: SimulatedMiner, key: str, command: str
) -> None:
    """Restart mining and reboot are sent as their v3 commands."""
    entry = await _setup(hass, _entry(v3_miner))
    await _call(
        hass, BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id(hass, entry, "button", key)}
    )
    assert v3_miner.counters.commands[command] >= 1


V3_ACTIONS = [
    ("set_hostname", {"hostname": "barn-3"}, lambda m: m.state.hostname == "barn-3"),
    (
        "set_ntp_servers",
        {"servers": ["ntp1.example.org", "10.0.0.1"]},
        lambda m: m.state.ntp_servers == ["ntp1.example.org", "10.0.0.1"],
    ),
    (
        "set_timezone",
        {"zonename": "Europe/Berlin"},
        lambda m: m.state.zonename == "Europe/Berlin" and m.state.timezone.startswith("CET-1"),
    ),
    (
        "update_pools",
        {"pool_1_url": "stratum+tcp://pool.example:3333", "pool_1_worker": "me.1"},
        lambda m: m.state.pools[0].url == "stratum+tcp://pool.example:3333",
    ),
    ("set_led", {"mode": "manual", "color": "green"}, lambda m: m.state.led.color == "green"),
    (
        "set_syslog",
        {"ip": "10.0.0.9"},
        lambda m: m.state.syslog is not None and m.state.syslog.ip == "10.0.0.9",
    ),
]


V3_MORE_ACTIONS = [
    (
        "set_customer_message",
        {"key": "msg1", "value": "rack 4"},
        lambda m: m.state.customer_msg.get("msg1") == "rack 4",
    ),
    (
        "set_network",
        {
            "mode": "static",
            "ip": "192.168.1.50",
            "netmask": "255.255.255.0",
            "gateway": "192.168.1.1",
            "dns": ["192.168.1.1"],
        },
        lambda m: m.state.network.proto == "static",
    ),
    ("factory_reset", {"confirm": True}, lambda m: m.state.api_enabled is False),
    ("change_password", {"new_password": "n3w"}, lambda m: m.state.accounts["super"] == "n3w"),
]


@pytest.mark.parametrize(("action", "data", "check"), [*V3_ACTIONS, *V3_MORE_ACTIONS])
async def test_v3_actions_reach_the_miner(
    hass: HomeAssistant,
    v3_miner: SimulatedMiner,
    action: str,
    data: dict[str, Any],
    check: Callable[[SimulatedMiner], bool],
) -> None:
    """The actions v2 offers work on v3 where v3 has the command (network, password, factory
    reset and customer data included)."""
    entry = await _setup(hass, _entry(v3_miner))
    await _call(hass, DOMAIN, action, {"device_id": device_id(hass, entry), **data})
    assert check(v3_miner)


async def test_v3_action_the_firmware_lacks(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """pre_power_on is a v2 command: refused in words, nothing sent."""
    entry = await _setup(hass, _entry(v3_miner))
    sent = sum(v3_miner.counters.commands.values())
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, DOMAIN, "pre_power_on", {"device_id": device_id(hass, entry)})
    assert err.value.translation_key == "unsupported_command"
    assert err.value.translation_placeholders["command"] == "pre_power_on"
    assert sum(v3_miner.counters.commands.values()) == sent


async def test_v3_monitor_only(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """No password: every reading, no control, actions refused before anything is sent."""
    entry = await _setup(hass, _entry(v3_miner, password=None))
    for platform in CONTROL_PLATFORMS:
        assert not _keys(hass, entry, platform), platform
    assert {"hashrate", "power_limit", "power_mode", "psu_input_power"} <= _keys(
        hass, entry, "sensor"
    )
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, DOMAIN, "set_ntp_servers", {"device_id": device_id(hass, entry), "servers": "a"}
        )
    assert err.value.translation_key == "monitor_only"


# ---- API v2 ------------------------------------------------------------------------------


async def test_v2_monitor_only(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """No password: no controls; the readings a control would show stay enabled sensors."""
    entry = await _setup(hass, _entry(miner, password=None))
    for platform in CONTROL_PLATFORMS:
        assert not _keys(hass, entry, platform), platform
    assert state_of(hass, entry, "sensor", "power_limit").state == "3600"
    assert state_of(hass, entry, "sensor", "power_mode").state == "normal"
    assert state_of(hass, entry, "binary_sensor", "mining").state == "on"
    tokens = miner.counters.tokens_issued
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, DOMAIN, "set_hostname", {"device_id": device_id(hass, entry), "hostname": "x"}
        )
    assert err.value.translation_key == "monitor_only"
    assert miner.counters.tokens_issued == tokens
    # Reads stay possible.
    pools = await hass.services.async_call(
        DOMAIN,
        "get_pools",
        {"device_id": device_id(hass, entry)},
        blocking=True,
        return_response=True,
    )
    assert pools is not None and pools["pools"]


async def test_v2_one_entity_per_fact(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Power limit, power mode and mining are shown by their controls; the sensor copies are
    disabled by default, and no sensor repeats the firmware of the device and update entity."""
    registry = er.async_get(hass)
    for platform, key in (
        ("sensor", "power_limit"),
        ("sensor", "power_mode"),
        ("binary_sensor", "mining"),
    ):
        entry = registry.async_get(entity_id(hass, init_integration, platform, key))
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
    assert "firmware_version" not in _keys(hass, init_integration, "sensor")
    assert state_of(hass, init_integration, NUMBER_DOMAIN, "power_limit").state == "3600"


async def test_v2_unknown_settings_are_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """v2 does not report these settings: unknown, in an input box, not a slider at -30."""
    for key in ("temperature_offset", "target_frequency", "upfreq_speed", "power_percent_fast"):
        state = state_of(hass, init_integration, NUMBER_DOMAIN, key)
        assert state.state == STATE_UNKNOWN, key
        assert state.attributes["mode"] == "box", key
    assert state_of(hass, init_integration, NUMBER_DOMAIN, "upfreq_speed").attributes[ATTR_MAX] == 9
    # Names that are not cut off and tell the two power percent numbers apart.
    fast = state_of(hass, init_integration, NUMBER_DOMAIN, "power_percent_fast")
    gradual = state_of(hass, init_integration, NUMBER_DOMAIN, "power_percent_normal")
    assert fast.name == "WhatsMiner Power (fast)"
    assert gradual.name == "WhatsMiner Power (gradual)"


async def test_v2_action_the_firmware_lacks(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """NTP servers are a v3 command: refused in words before a token is asked for."""
    tokens = miner.counters.tokens_issued
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            DOMAIN,
            "set_ntp_servers",
            {"device_id": device_id(hass, init_integration), "servers": ["pool.ntp.org"]},
        )
    assert err.value.translation_key == "unsupported_command"
    assert miner.counters.tokens_issued == tokens


@pytest.mark.parametrize("profile", ["m20s_legacy"])
async def test_legacy_mining_at_boot_refused_in_words(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Old firmware lacks btminer_init: the switch's refusal says so, and the switch goes."""
    switch = entity_id(hass, init_integration, SWITCH_DOMAIN, "mining_at_boot")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch})
    assert err.value.translation_key == "unsupported_command"
    assert "does not have this command" in str(err.value)
    await hass.async_block_till_done()
    assert hass.states.get(switch) is None
    coordinator: WhatsMinerCoordinator = init_integration.runtime_data
    assert "mining_at_boot" not in coordinator.capabilities.controls
    entry = er.async_get(hass).async_get(switch)
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # Still gone after a restart, although a new client would offer the command again.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(switch) is None


async def test_entities_exist_unavailable_without_a_snapshot(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """Set up while the miner is off (from its stored profile): the same entities exist,
    controls included, and are unavailable; nothing reads the missing snapshot."""
    entry = await _setup(hass, mock_config_entry)
    registry = er.async_get(hass)
    enabled = {
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.disabled_by is None
    }
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    miner.faults.offline = True
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.data is None
    states = {entity: hass.states.get(entity) for entity in enabled}
    assert {e for e, state in states.items() if state is None} == set()
    assert {e for e, state in states.items() if state and state.state != STATE_UNAVAILABLE} == set()
    for platform, key in (
        (SWITCH_DOMAIN, "mining"),
        (NUMBER_DOMAIN, "power_limit"),
        ("update", "firmware"),
    ):
        assert state_of(hass, entry, platform, key).state == STATE_UNAVAILABLE


async def test_v3_factory_password_said_in_words(
    hass: HomeAssistant, v3_simulator: MinerSimulator, v3_miner: SimulatedMiner
) -> None:
    """v3 refuses writes while `super` has its factory password: the message says what to do."""
    v3_miner.state.accounts["super"] = "super"
    entry = _entry(v3_miner, password="super")
    await _setup(hass, entry)
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: entity_id(hass, entry, SWITCH_DOMAIN, "fast_boot")},
        )
    assert err.value.translation_key == "default_password"
    assert v3_miner.state.fast_boot is False


async def test_v3_permission_denied_said_in_words(
    hass: HomeAssistant, v3_miner: SimulatedMiner
) -> None:
    """The password was changed elsewhere: "no permission", and reauthentication starts."""
    entry = await _setup(hass, _entry(v3_miner))
    v3_miner.state.accounts["super"] = "changed"
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: entity_id(hass, entry, SWITCH_DOMAIN, "fast_boot")},
        )
    assert err.value.translation_key == "permission_denied"
    await hass.async_block_till_done()
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress()] == ["reauth"]


async def test_password_removed_said_in_words(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A miner whose password was taken away refuses writes unsent, in words."""
    init_integration.runtime_data.miner.set_password(None)
    tokens = miner.counters.tokens_issued
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            SWITCH_DOMAIN,
            SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: entity_id(hass, init_integration, SWITCH_DOMAIN, "web_pools")},
        )
    assert err.value.translation_key == "monitor_only"
    assert miner.counters.tokens_issued == tokens


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_button_the_firmware_lacks_goes(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A button whose command the firmware turns out to lack goes after the refusal."""
    miner.profile = replace(miner.profile, missing_commands=frozenset({"restore_power_pct"}))
    button = entity_id(hass, init_integration, BUTTON_DOMAIN, "restore_power_percent")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button})
    assert err.value.translation_key == "unsupported_command"
    await hass.async_block_till_done()
    assert hass.states.get(button) is None


@pytest.mark.parametrize("v3_profile", ["m63s_hydro"])
async def test_v3_heat_mode_reaches_the_miner(
    hass: HomeAssistant, v3_miner: SimulatedMiner
) -> None:
    """The heat mode of a v3 hydro miner is written and read back from the miner."""
    entry = await _setup(hass, _entry(v3_miner))
    select = entity_id(hass, entry, SELECT_DOMAIN, "heat_mode")
    await _call(
        hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: select, ATTR_OPTION: "heating"}
    )
    assert v3_miner.state.heat_mode == "heating"
    state = hass.states.get(select)
    assert state is not None
    assert state.state == "heating"
    assert state.attributes["reported_by_miner"] is True


async def test_v3_led_auto_button(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """LED automatic reaches a v3 miner whose LED flashes."""
    entry = await _setup(hass, _entry(v3_miner))
    v3_miner.state.led.mode = "manual"
    await _call(
        hass,
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: entity_id(hass, entry, BUTTON_DOMAIN, "led_auto")},
    )
    assert v3_miner.state.led.mode == "auto"


async def test_v3_download_logs(
    hass: HomeAssistant, v3_simulator: MinerSimulator, v3_miner: SimulatedMiner
) -> None:
    """The logs of a v3 miner are saved as a file."""
    entry = await _setup(hass, _entry(v3_miner))
    v3_simulator.clock.advance(v3_miner.timing.log_delay_s + 1)
    response = await hass.services.async_call(
        DOMAIN,
        "download_logs",
        {"device_id": device_id(hass, entry)},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert isinstance(response["size"], int)
    assert response["size"] > 0


async def test_v3_firmware_upgrade_with_progress(
    hass: HomeAssistant,
    v3_simulator: MinerSimulator,
    v3_miner: SimulatedMiner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A firmware file reaches a v3 miner; the update entity shows progress and the new build."""
    monkeypatch.setattr(firmware, "REBOOT_POLL_S", 0.01)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    image = tmp_path / "m60s.bin"
    image.write_bytes(b"\x00" * 1000 + b"WHATSMINER-FW 20260401.16.Rel2" + b"\x00" * 200_000)
    entry = await _setup(hass, _entry(v3_miner))
    update = entity_id(hass, entry, "update", "firmware")
    percentages: list[Any] = []

    def follow(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            percentages.append(state.attributes.get(ATTR_UPDATE_PERCENTAGE))

    unsub = async_track_state_change_event(hass, update, follow)
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "upgrade_firmware",
            {"device_id": device_id(hass, entry), "path": str(image)},
            blocking=True,
            return_response=True,
        )
    )
    async with asyncio.timeout(10):
        while v3_miner.state.reboot_until == 0:  # noqa: ASYNC110 - the simulator's state
            await asyncio.sleep(0.01)
    v3_simulator.clock.advance(v3_miner.timing.reboot_s + v3_miner.timing.btminer_restart_s + 1)
    response = await task
    unsub()
    assert response == {"version": "20260401.16.Rel2"}
    assert any(p is not None and 0 < p <= 100 for p in percentages)
    state = hass.states.get(update)
    assert state is not None
    assert state.attributes[ATTR_INSTALLED_VERSION] == "20260401.16.Rel2"


async def test_power_limit_bound_from_the_firmware(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """Where the firmware says how much the miner may draw, that is the bound, even when the
    limit was lowered before Home Assistant ever saw a higher one."""
    miner.state.power_limit_w = 2000
    poll = V2Miner.poll

    async def poll_with_max(self: V2Miner) -> MinerSnapshot:
        return replace(await poll(self), power_max_w=3600)

    with patch.object(V2Miner, "poll", poll_with_max):
        entry = await _setup(hass, mock_config_entry)
        number = entity_id(hass, entry, NUMBER_DOMAIN, "power_limit")
        state = hass.states.get(number)
        assert state is not None
        assert float(state.state) == 2000
        assert state.attributes[ATTR_MAX] == 3600
        await _call(
            hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: number, ATTR_VALUE: 3600}
        )
    assert miner.state.power_limit_w == 3600


async def test_v3_bad_ntp_servers_refused(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """A server entry that is not one host (a comma, a space) is refused before sending."""
    entry = await _setup(hass, _entry(v3_miner))
    sent = v3_miner.counters.commands["set.system.ntp_server"]
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            DOMAIN,
            "set_ntp_servers",
            {"device_id": device_id(hass, entry), "servers": ["a.org, b.org"]},
        )
    assert err.value.translation_key == "invalid_ntp_server"
    assert v3_miner.counters.commands["set.system.ntp_server"] == sent


async def test_stored_profile_follows_the_miner(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """What the miner has is worked out again every PROFILE_REFRESH_POLLS polls, not at
    every one: a name given outside Home Assistant reaches the stored profile (what entities
    are made from while the miner is off) within that many polls; one given through Home
    Assistant right after the write."""
    entry = await _setup(hass, _entry(v3_miner))
    profiles = await async_get_profiles(hass)
    v3_miner.state.hostname = "barn-7"  # as WhatsMinerTool would
    polls = 0
    while profiles.get(entry.entry_id).hostname != "barn-7":  # type: ignore[union-attr]
        await next_poll(hass, freezer)
        polls += 1
        assert polls <= PROFILE_REFRESH_POLLS + 1
    assert polls > 1  # the first poll shows the name, the profile follows later

    await _call(
        hass, DOMAIN, "set_hostname", {"device_id": device_id(hass, entry), "hostname": "garage"}
    )
    assert profiles.get(entry.entry_id).hostname == "garage"  # type: ignore[union-attr]


async def test_a_write_makes_the_next_poll_update_the_profile(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """After a write, the next poll works out what the miner has and stores it, even when
    entities asked for the capabilities between the write and that poll (as they do)."""
    entry = await _setup(hass, _entry(v3_miner))
    profiles = await async_get_profiles(hass)
    coordinator: WhatsMinerCoordinator = entry.runtime_data
    await next_poll(hass, freezer)  # within the PROFILE_REFRESH_POLLS window
    coordinator.async_written()
    assert coordinator.capabilities.controls  # an entity's state write in between
    v3_miner.state.hostname = "barn-9"  # what the write changed
    await next_poll(hass, freezer)
    assert profiles.get(entry.entry_id).hostname == "barn-9"  # type: ignore[union-attr]
