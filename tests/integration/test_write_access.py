"""Enable write access from Home Assistant (the opt-in 4028 handshake), end to end: through
the repairs' fix flows and the options flow, against simulated miners over real TCP."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
from simulator import MinerSimulator, SimulatedMiner, Unlock

from .conftest import FixFlow, free_port
from .test_repairs import _add, _issue, _turn_off_mining

V3 = "m63s_hydro"


def _suggested(flow: dict[str, Any], field: str) -> Any:
    """The value a form field is prefilled with (the HTTP API's serialised schema)."""
    for item in flow["data_schema"]:
        if item["name"] == field:
            return (item.get("description") or {}).get("suggested_value")
    raise AssertionError(f"no field {field}")


async def _controls_work(
    hass: HomeAssistant, entry: MockConfigEntry, miner: SimulatedMiner
) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.monitor_only
    await _turn_off_mining(hass, entry)
    assert miner.state.mining is False


async def test_monitor_only_v2_enabled_from_the_repair(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """A factory miner added without a password: the repair's first choice switches the
    write API on with the factory admin password, and the miner reloads with its controls."""
    miner.state.api_enabled = False
    entry = await _add(hass, miner, None)
    await entry.runtime_data.async_refresh()
    assert miner.counters.commands["open_write_api"] == 0  # never in a poll or at setup
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None

    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    assert flow["step_id"] == "enable_write"
    assert _suggested(flow, CONF_PASSWORD) == "admin"
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
    assert flow["type"] == "create_entry"

    assert miner.state.api_enabled
    assert miner.counters.commands["open_write_api"] == 1
    assert entry.data[CONF_PASSWORD] == "admin"
    assert _issue(hass, "monitor_only", entry) is None
    await _controls_work(hass, entry, miner)


async def test_write_off_v2_enabled_from_the_repair(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """A command refused for the write switch: the repair enables it, prefilled with the
    configured password; the refused command was not retried by itself."""
    miner.state.password = "own_pw1"
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, CONF_PASSWORD: "own_pw1"}
    )
    miner.state.api_enabled = False
    with pytest.raises(HomeAssistantError, match="write API"):
        await _turn_off_mining(hass, init_integration)
    assert miner.state.mining is True
    issue = _issue(hass, "write_api_disabled", init_integration)
    assert issue is not None

    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    assert _suggested(flow, CONF_PASSWORD) == "own_pw1"
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "wrong_1"})
    assert flow["errors"] == {"base": "unlock_wrong_password"}
    assert not miner.state.api_enabled
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "own_pw1"})
    assert flow["type"] == "create_entry"
    assert miner.state.mining is True  # the write that was refused earlier stays undone
    assert _issue(hass, "write_api_disabled", init_integration) is None
    await _controls_work(hass, init_integration, miner)


@pytest.mark.parametrize(
    ("unlock", "error"),
    [(Unlock.REFUSE, "unlock_refused"), (Unlock.UNSUPPORTED, "unlock_unsupported")],
)
async def test_firmware_that_does_not_unlock(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow, unlock: Unlock, error: str
) -> None:
    """The dialog says why in words, the issue stays, WhatsMinerTool remains the way."""
    miner.state.api_enabled = False
    miner.faults.unlock = unlock
    entry = await _add(hass, miner, None)
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None
    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
    assert flow["errors"] == {"base": error}
    assert not miner.state.api_enabled
    assert entry.data[CONF_PASSWORD] is None
    assert _issue(hass, "monitor_only", entry) is not None


@pytest.mark.parametrize("profile", [V3])
async def test_monitor_only_v3_enabled_through_4028(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """v3 firmware: the handshake goes to the v2 port with the factory admin password; the
    v3 write switch then reads on and the super password is kept."""
    miner.state.api_enabled = False
    miner.state.accounts["super"] = "n3w_pw"
    entry = await _add(hass, miner, None)
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None
    assert issue.translation_key == "monitor_only_v3"

    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "n3w_pw"})
    assert flow["type"] == "create_entry"
    assert miner.state.api_enabled
    assert entry.data[CONF_PASSWORD] == "n3w_pw"
    await _controls_work(hass, entry, miner)
    assert _issue(hass, "v3_write_disabled", entry) is None


@pytest.mark.parametrize("profile", [V3])
async def test_v3_write_off_with_a_changed_admin_password(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """The v2 admin password given is tried first; the factory one would be refused."""
    miner.state.accounts["super"] = "n3w_pw"
    miner.state.password = "adm_2"  # the v2 admin password, changed
    miner.state.api_enabled = False
    entry = await _add(hass, miner, "n3w_pw")
    issue = _issue(hass, "v3_write_disabled", entry)
    assert issue is not None

    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    assert _suggested(flow, CONF_PASSWORD) == "n3w_pw"
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "n3w_pw"})
    assert flow["errors"] == {"base": "unlock_wrong_password"}  # "admin" alone: refused
    flow = await fix_flow.submit(
        flow["flow_id"], {CONF_PASSWORD: "n3w_pw", "admin_password": "adm_2"}
    )
    assert flow["type"] == "create_entry"
    assert miner.counters.commands["open_write_api"] == 2
    await _controls_work(hass, entry, miner)


@pytest.mark.parametrize("profile", [V3])
async def test_v3_factory_super_password(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """The switch goes on, but v3 refuses commands with the factory super password: the
    dialog says to change it first."""
    miner.state.accounts["super"] = "super"
    miner.state.api_enabled = False
    entry = await _add(hass, miner, None)
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None
    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "super"})
    assert flow["errors"] == {"base": "v3_default_password"}
    assert entry.data[CONF_PASSWORD] is None


async def _options(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "enable_write"}
        )
    )


async def test_options_flow_enables_then_finds_it_on(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner
) -> None:
    """In the options: the v2 step, then a success message; a second run finds writes on
    already and sends no handshake."""
    miner.state.api_enabled = False
    result = await _options(hass, init_integration)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enable_write_v2"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "write_enabled"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.options == {}  # the settings are untouched

    result = await _options(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["reason"] == "write_already_on"
    assert miner.counters.commands["open_write_api"] == 1
    await _controls_work(hass, init_integration, miner)


@pytest.mark.parametrize("profile", [V3])
async def test_options_flow_v3_step_and_errors(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """The v3 form asks for both passwords; a miner that cannot be reached says so."""
    miner.state.accounts["super"] = "n3w_pw"
    miner.state.api_enabled = False
    entry = await _add(hass, miner, "n3w_pw")
    result = await _options(hass, entry)
    assert result["step_id"] == "enable_write_v3"
    assert [str(field) for field in result["data_schema"].schema] == [
        CONF_PASSWORD,
        "admin_password",
    ]
    miner.faults.offline = True
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PASSWORD: "n3w_pw"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    miner.faults.offline = False
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PASSWORD: "n3w_pw"}
    )
    assert result["reason"] == "write_enabled"
    await _controls_work(hass, entry, miner)


async def test_options_flow_needs_a_loaded_miner(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    result = await _options(hass, init_integration)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_repair_step_needs_a_loaded_miner(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    entry = await _add(hass, miner, None)
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None
    flow = await fix_flow.choose(issue.issue_id, "enable_write")
    assert await hass.config_entries.async_unload(entry.entry_id)
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
    assert flow["reason"] == "not_loaded"


async def test_simulator_profile_starts_with_writes_off(
    hass: HomeAssistant, socket_enabled: None, fix_flow: FixFlow
) -> None:
    """A simulator started with the write API off (as miners leave the factory)."""
    async with MinerSimulator(
        count=1, profile="m30s_plus", base_port=0, v3_base_port=free_port(), write_api=False
    ) as sim:
        miner = sim.miners[0]
        assert not miner.state.api_enabled
        entry = await _add(hass, miner, None)
        issue = _issue(hass, "monitor_only", entry)
        assert issue is not None
        flow = await fix_flow.choose(issue.issue_id, "enable_write")
        flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
        assert flow["type"] == "create_entry"
        assert miner.state.api_enabled
        await hass.config_entries.async_unload(entry.entry_id)
    assert not [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
