"""Setting a miner up and down: device, retry, reauthentication, wrong miner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.api.models import ApiVersion
from custom_components.whatsminer.const import DEFAULT_SCAN_INTERVAL, DOMAIN
from custom_components.whatsminer.profile import async_get_profiles
from simulator import SimulatedMiner
from simulator.profiles import V3_FIRMWARE_MARKER

from .helpers import next_poll, state_of


async def test_setup_and_unload(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The miner becomes a device with its identity, and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    mac = format_mac(miner.state.mac)
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, mac), init_integration.entry_id
    )
    assert device is not None
    assert device.config_entry_id == init_integration.entry_id
    assert device.manufacturer == "MicroBT"
    assert device.model == "M30S+VE40"
    assert device.name == miner.state.hostname
    assert device.sw_version == miner.state.fw_ver
    assert device.hw_version == "H616 / K88Z001-2039 BINV01-195001B"
    assert device.serial_number is None  # this firmware does not report it
    assert device.configuration_url == f"http://{miner.host}"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize("profile", ["m56s_hydro"])
async def test_device_serial_number(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Firmware that reports the miner's serial number puts it in the device registry."""
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, format_mac(miner.state.mac)), init_integration.entry_id
    )
    assert device is not None
    assert device.serial_number == miner.state.serial
    assert device.model == "M56S_VH30"


async def test_retry_while_unreachable(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unreachable miner is retried, and set up once it answers."""
    miner.faults.offline = True
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY

    miner.faults.offline = False
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """A changed admin password stops the setup and asks the user for the new one."""
    miner.state.password = "changed"
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH
    assert flows[0]["context"]["entry_id"] == mock_config_entry.entry_id


async def test_miner_without_writes_is_still_set_up(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """A miner whose write API is off is still read (only controls need writes)."""
    miner.state.api_enabled = False
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_different_miner_is_refused(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Another miner answering at the entry's address is not merged into it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="00:11:22:33:44:55",
        data={"host": miner.host, "port": miner.port, "password": "admin"},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "wrong_miner"


async def test_firmware_change_updates_device(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Firmware installed outside Home Assistant shows up in the device registry; even
    without the restart that an upgrade brings (which makes the next poll read it all),
    within three polls: status by turns, then the version."""
    miner.state.fw_ver = "20240315.12.REL"
    for _ in range(3):
        await next_poll(hass, freezer)
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, format_mac(miner.state.mac)), init_integration.entry_id
    )
    assert device is not None
    assert device.sw_version == "20240315.12.REL"
    update = state_of(hass, init_integration, "update", "firmware")
    assert update.attributes["installed_version"] == "20240315.12.REL"


async def test_start_with_the_miner_off(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A miner seen before and off at start-up (smart plug, breaker): set up at once from
    its stored profile, entities there and unavailable, logged once; polled with a growing
    interval; alive on the first good poll. No set-up retry loop."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    entities = {
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), mock_config_entry.entry_id)
        if e.disabled_by is None
    }
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    miner.faults.offline = True  # switched off for the night
    caplog.clear()
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    coordinator = mock_config_entry.runtime_data
    assert coordinator.data is None
    assert coordinator.capabilities.api is ApiVersion.V2
    assert coordinator.capabilities.reports("summary.hashrate_ths")
    states = {entity: hass.states.get(entity) for entity in entities}
    assert {
        e: s and s.state for e, s in states.items() if not s or s.state != STATE_UNAVAILABLE
    } == {}
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, format_mac(miner.state.mac)), mock_config_entry.entry_id
    )
    assert device is not None
    assert device.model == "M30S+VE40"
    warnings = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert len([r for r in warnings if r.name.startswith("custom_components")]) == 1

    assert coordinator.update_interval.total_seconds() == 60
    intervals = []
    for _ in range(3):
        await next_poll(hass, freezer, coordinator.update_interval)
        intervals.append(coordinator.update_interval.total_seconds())
    assert intervals == [120, 240, 480]
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []

    miner.faults.offline = False  # morning
    await next_poll(hass, freezer, coordinator.update_interval)
    assert coordinator.data is not None
    assert coordinator.update_interval == DEFAULT_SCAN_INTERVAL
    assert float(state_of(hass, mock_config_entry, "sensor", "hashrate").state) > 0
    assert all(
        (state := hass.states.get(entity)) is not None and state.state != STATE_UNAVAILABLE
        for entity in entities
        if entity.startswith(("sensor.", "binary_sensor."))
        and (state := hass.states.get(entity)) is not None
        and state.attributes.get("restored") is not True
    )


async def test_never_seen_miner_off_is_retried(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """Without a stored profile there is nothing to create entities from: set-up retries."""
    miner.faults.offline = True
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_migrate_version_1(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """An entry of version 1 (API v2 only) keeps working: port -> v2 port, API v2."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data={"host": miner.host, "port": miner.port, "password": "admin"},
        version=1,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.version == 2
    assert entry.data == {
        "host": miner.host,
        "v2_port": miner.port,
        "v3_port": 4433,
        "api": "v2",
        "password": "admin",
    }


async def test_entry_from_the_future_is_refused(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """An entry written by a newer version is not touched."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="00:11:22:33:44:55", data={}, version=3)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_removed_entry_forgets_its_profile(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """The stored profile goes with the entry."""
    profiles = await async_get_profiles(hass)
    assert profiles.get(init_integration.entry_id) is not None
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert profiles.get(init_integration.entry_id) is None


@pytest.mark.parametrize("profile", ["m50_v2"])
async def test_firmware_upgrade_to_api_v3_keeps_the_miner(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """A v2 miner flashed with v3 firmware (WhatsMinerTool): the entry switches to API v3 by
    itself and keeps its device, entities and their ids; no second entry, no repair."""
    entry = init_integration
    registry = er.async_get(hass)
    before = {
        (e.domain, e.unique_id): e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.unique_id or ""), entry.entry_id
    )
    assert device is not None
    assert entry.data["api"] == "v2"

    miner.install_firmware(b"image " + V3_FIRMWARE_MARKER)
    for _ in range(6):  # reboot, then the poll that detects the new API, then the reload
        await next_poll(hass, freezer, entry.runtime_data.update_interval)
        await hass.async_block_till_done(wait_background_tasks=True)
        if entry.data["api"] == "v3" and entry.state is ConfigEntryState.LOADED:
            break
    assert miner.state.v3
    assert entry.data["api"] == "v3"
    assert entry.data["password"] == "admin"  # the super account takes it too
    assert entry.state is ConfigEntryState.LOADED
    await next_poll(hass, freezer, entry.runtime_data.update_interval)
    assert entry.runtime_data.miner.api is ApiVersion.V3
    assert entry.runtime_data.data is not None

    after = {
        (e.domain, e.unique_id): e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    assert {u: after.get(u) for u in before if u in after} == {
        u: i for u, i in before.items() if u in after
    }
    hashrate = ("sensor", f"{entry.unique_id}_hashrate")
    assert after[hashrate] == before[hashrate]
    assert float(state_of(hass, entry, "sensor", "hashrate").state) >= 0
    assert dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id) == [
        dr.async_get(hass).async_get(device.id)
    ]
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert not [
        i
        for i in ir.async_get(hass).issues.values()
        if i.domain == DOMAIN and not i.issue_id.startswith("default_password")
    ]


@pytest.mark.parametrize("profile", ["m50_v2"])
async def test_upgrade_to_v3_with_another_super_password_goes_monitor_only(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """When the new write account does not take the stored password, the miner stays read
    (monitor only) and the repair asks for the super password; no setup error, no reauth."""
    entry = init_integration
    miner.install_firmware(b"image " + V3_FIRMWARE_MARKER)
    miner.state.accounts["super"] = "other_pw"
    for _ in range(6):
        await next_poll(hass, freezer, entry.runtime_data.update_interval)
        await hass.async_block_till_done(wait_background_tasks=True)
        if entry.data["api"] == "v3" and entry.state is ConfigEntryState.LOADED:
            break
    assert entry.data["api"] == "v3"
    assert entry.data["password"] is None
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"monitor_only_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "monitor_only_v3"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_unreadable_stored_profile_is_ignored(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A profile that cannot be read back counts as none: a miner off is retried."""
    hass_storage["whatsminer.profiles"] = {
        "version": 1,
        "key": "whatsminer.profiles",
        "data": {"profiles": {mock_config_entry.entry_id: {"mac": "x"}}},
    }
    miner.faults.offline = True
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
