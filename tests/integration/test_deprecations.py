"""Home Assistant finds nothing deprecated in how this integration is set up, configured,
reloaded and removed: no warning from our modules, no "Detected that custom integration
'whatsminer' ..." report (the frame helper's `report_usage`, which Home Assistant logs for
deprecated device registry access, update listeners beside the reloading flow helpers, ...).
"""

from __future__ import annotations

from pathlib import Path
import warnings

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import frame
from homeassistant.loader import async_get_integration
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import config_flow
from custom_components.whatsminer.const import (
    CONF_RESTART_INTERVAL,
    CONF_SCAN_INTERVAL,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DOMAIN,
)
from simulator import SimulatedMiner
from tests.ha_reports import UsageReports

OURS = Path(config_flow.__file__).parent


async def _lifecycle(hass: HomeAssistant, entry: MockConfigEntry, miner: SimulatedMiner) -> None:
    """Set up, change the options (the flow reloads), reconfigure and reauthenticate (the
    flows update and reload), reload, unload and remove one miner."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 45, CONF_RESTART_INTERVAL: 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.update_interval.total_seconds() == 45  # reloaded

    # the options' other step: enable write access (on already: the entry just reloads)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "enable_write"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PASSWORD: entry.data[CONF_PASSWORD]}
    )
    assert result["reason"] == "write_already_on"
    await hass.async_block_till_done()

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: miner.host,
            config_flow.CONF_ADVANCED: {CONF_V2_PORT: miner.port, CONF_V3_PORT: miner.v3_port},
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()


async def test_lifecycle_uses_nothing_deprecated(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    ha_usage_reports: UsageReports,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await _lifecycle(hass, mock_config_entry, miner)
    ours = [
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
        for w in caught
        if Path(w.filename).is_relative_to(OURS) or DOMAIN in str(w.message)
    ]
    assert ours == []
    assert ha_usage_reports.found == []


async def test_a_report_naming_us_is_caught(
    hass: HomeAssistant, ha_usage_reports: UsageReports
) -> None:
    """The check itself: Home Assistant's report of a deprecated use by this integration."""
    await async_get_integration(hass, DOMAIN)  # known, so the report names it
    frame.report_usage("does something deprecated", integration_domain=DOMAIN)
    assert len(ha_usage_reports.found) == 1
    assert "does something deprecated" in ha_usage_reports.found[0]
    ha_usage_reports.found.clear()
