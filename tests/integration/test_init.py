"""Setting a miner up and down: device, retry, reauthentication, wrong miner."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.const import DOMAIN
from simulator import SimulatedMiner

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
    """Firmware installed outside Home Assistant shows up in the device registry."""
    miner.state.fw_ver = "20240315.12.REL"
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, format_mac(miner.state.mac)), init_integration.entry_id
    )
    assert device is not None
    assert device.sw_version == "20240315.12.REL"
    update = state_of(hass, init_integration, "update", "firmware")
    assert update.attributes["installed_version"] == "20240315.12.REL"
