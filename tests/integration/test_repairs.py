"""Repair issues against the simulator: each raised when its cause appears, cleared when fixed."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN, ENTRY_VERSION
from simulator import SimulatedMiner

from .conftest import FixFlow, entry_data


def _issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{entry.entry_id}")


def _entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None
    return found


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1
    return devices[0].id


async def _turn_off_mining(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": _entity(hass, entry, "switch", "mining")},
        blocking=True,
    )


async def test_default_password_raised_and_changed_through_the_fix_flow(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """The factory password is flagged; the fix flow changes it on the miner and in HA."""
    issue = _issue(hass, "default_password", init_integration)
    assert issue is not None
    assert issue.translation_key == "default_password"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "name": init_integration.title,
        "host": "127.0.0.1",
        "account": "admin",
        "default": "admin",
    }

    flow = await fix_flow.start(issue.issue_id)
    assert flow["step_id"] == "change_password"
    flow = await fix_flow.submit(
        flow["flow_id"], {"new_password": "s3cret_1", "confirm_password": "s3cret_2"}
    )
    assert flow["errors"] == {"confirm_password": "passwords_differ"}
    flow = await fix_flow.submit(
        flow["flow_id"], {"new_password": "admin", "confirm_password": "admin"}
    )
    assert flow["errors"] == {"new_password": "still_default"}
    flow = await fix_flow.submit(
        flow["flow_id"], {"new_password": "s3cret_1", "confirm_password": "s3cret_1"}
    )
    assert flow["type"] == "create_entry"

    assert miner.state.password == "s3cret_1"
    assert init_integration.data[CONF_PASSWORD] == "s3cret_1"
    assert _issue(hass, "default_password", init_integration) is None
    # Still cleared after the next poll, and commands work with the new password.
    await init_integration.runtime_data.async_refresh()
    assert _issue(hass, "default_password", init_integration) is None
    await _turn_off_mining(hass, init_integration)
    assert miner.state.mining is False


async def test_default_password_fix_shows_why_the_miner_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """When the miner cannot take the new password, the flow says why and the issue stays."""
    miner.state.api_enabled = False
    issue = _issue(hass, "default_password", init_integration)
    assert issue is not None
    flow = await fix_flow.start(issue.issue_id)
    flow = await fix_flow.submit(
        flow["flow_id"], {"new_password": "s3cret_1", "confirm_password": "s3cret_1"}
    )
    assert flow["errors"] == {"base": "change_failed"}
    assert flow["description_placeholders"]["error"]
    assert miner.state.password == "admin"
    assert _issue(hass, "default_password", init_integration) is not None


async def test_default_password_changed_elsewhere_meanwhile(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """If the password was changed (e.g. with the action) while the dialog was open, done."""
    issue = _issue(hass, "default_password", init_integration)
    assert issue is not None
    flow = await fix_flow.start(issue.issue_id)
    await hass.services.async_call(
        DOMAIN,
        "change_password",
        {"device_id": _device(hass, init_integration), "new_password": "other_1"},
        blocking=True,
    )
    flow = await fix_flow.submit(
        flow["flow_id"], {"new_password": "s3cret_1", "confirm_password": "s3cret_1"}
    )
    assert flow["type"] == "create_entry"
    assert miner.state.password == "other_1"
    assert _issue(hass, "default_password", init_integration) is None


@pytest.mark.parametrize(
    ("kind", "user_input"),
    [
        ("default_password", {"new_password": "s3cret_1", "confirm_password": "s3cret_1"}),
        ("write_api_disabled", {}),
    ],
)
async def test_fix_flow_aborts_when_the_miner_unloads(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    miner: SimulatedMiner,
    fix_flow: FixFlow,
    kind: str,
    user_input: dict[str, str],
) -> None:
    """A dialog left open while the miner is unloaded ends with a clear reason."""
    if kind == "write_api_disabled":
        miner.state.api_enabled = False
        with pytest.raises(HomeAssistantError):
            await _turn_off_mining(hass, init_integration)
    issue = _issue(hass, kind, init_integration)
    assert issue is not None
    if kind == "write_api_disabled":
        flow = await fix_flow.choose(issue.issue_id, "confirm")
    else:
        flow = await fix_flow.start(issue.issue_id)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    flow = await fix_flow.submit(flow["flow_id"], user_input)
    assert flow["type"] == "abort"
    assert flow["reason"] == "not_loaded"


async def test_own_password_raises_no_issue(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, miner: SimulatedMiner
) -> None:
    """A miner with its own password is not flagged."""
    miner.state.password = "own_pw1"
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_PASSWORD: "own_pw1"}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert not [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]


async def test_write_api_disabled_raised_then_fixed(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """A command refused for the API switch raises the issue; "check again" clears it."""
    miner.state.api_enabled = False
    with pytest.raises(HomeAssistantError):
        await _turn_off_mining(hass, init_integration)
    issue = _issue(hass, "write_api_disabled", init_integration)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR

    flow = await fix_flow.choose(issue.issue_id, "confirm")
    assert flow["step_id"] == "confirm"
    flow = await fix_flow.submit(flow["flow_id"], {})
    assert flow["errors"] == {"base": "still_failing"}
    assert _issue(hass, "write_api_disabled", init_integration) is not None

    miner.state.api_enabled = True  # the owner turned the switch on in WhatsMinerTool
    flow = await fix_flow.submit(flow["flow_id"], {})
    assert flow["type"] == "create_entry"
    assert _issue(hass, "write_api_disabled", init_integration) is None


async def test_write_api_disabled_found_at_setup(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, miner: SimulatedMiner
) -> None:
    """The password check at setup already tells; the miner is still read."""
    miner.state.api_enabled = False
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, "write_api_disabled", mock_config_entry) is not None
    hashrate = hass.states.get(_entity(hass, mock_config_entry, "sensor", "hashrate"))
    assert hashrate is not None
    assert float(hashrate.state) > 0


async def test_write_api_issue_cleared_by_a_working_command(
    hass: HomeAssistant, init_integration: MockConfigEntry, miner: SimulatedMiner
) -> None:
    """The next command that works clears the issue without the fix flow."""
    miner.state.api_enabled = False
    with pytest.raises(HomeAssistantError):
        await _turn_off_mining(hass, init_integration)
    assert _issue(hass, "write_api_disabled", init_integration) is not None
    miner.state.api_enabled = True
    await _turn_off_mining(hass, init_integration)
    assert miner.state.mining is False
    assert _issue(hass, "write_api_disabled", init_integration) is None


async def test_token_limit_raised_and_cleared(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, miner: SimulatedMiner
) -> None:
    """Other tools hold every token: the issue appears, and goes when a command works."""
    miner.faults.token_exhaustion = True
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError):
        await _turn_off_mining(hass, mock_config_entry)
    issue = _issue(hass, "token_limit", mock_config_entry)
    assert issue is not None
    assert issue.is_fixable

    miner.faults.token_exhaustion = False  # the other tools stopped; tokens expired
    await _turn_off_mining(hass, mock_config_entry)
    assert _issue(hass, "token_limit", mock_config_entry) is None


async def _add(hass: HomeAssistant, miner: SimulatedMiner, password: str | None) -> MockConfigEntry:
    """Set up a miner whose entry has `password` (None: monitor only)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"WhatsMiner {miner.state.hostname}",
        unique_id=format_mac(miner.state.mac),
        data=entry_data(miner, password),
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def _kinds(hass: HomeAssistant) -> set[str]:
    return {
        i.translation_key or "" for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN
    }


@pytest.mark.parametrize(
    ("profile", "translation_key", "refusal"),
    [
        ("m30s_plus", "monitor_only_v2", "write_api_disabled"),
        ("m63s_hydro", "monitor_only_v3", "v3_write_disabled"),
    ],
)
async def test_monitor_only_then_password_through_the_repair(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    fix_flow: FixFlow,
    translation_key: str,
    refusal: str,
) -> None:
    """Added without a password: readings only, and a repair with the steps of this
    firmware. Once writes are on, the password entered there reloads the miner with its
    controls working, without restarting Home Assistant."""
    miner.state.api_enabled = False
    entry = await _add(hass, miner, None)
    assert entry.runtime_data.monitor_only
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None
    assert issue.translation_key == translation_key
    assert issue.is_fixable
    assert _kinds(hass) == {translation_key}
    hashrate = hass.states.get(_entity(hass, entry, "sensor", "hashrate"))
    assert hashrate is not None
    assert float(hashrate.state) > 0

    flow = await fix_flow.choose(issue.issue_id, "password")
    assert flow["step_id"] == "password"
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
    assert flow["errors"] == {"base": refusal}
    miner.state.api_enabled = True  # the owner switched writes on
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "wrong_1"})
    assert flow["errors"] == {
        "base": "invalid_auth" if miner.state.v3 is False else "v3_no_permission"
    }
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
    assert flow["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.data[CONF_PASSWORD] == "admin"
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.monitor_only
    assert _issue(hass, "monitor_only", entry) is None
    await _turn_off_mining(hass, entry)
    assert miner.state.mining is False


@pytest.mark.parametrize("profile", ["m63s_hydro"])
async def test_v3_write_switch_off_raised_from_the_poll_and_cleared(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """v3 reports its write switch: off raises the issue; "check again" clears it once on."""
    miner.state.api_enabled = False
    entry = await _add(hass, miner, "admin")
    issue = _issue(hass, "v3_write_disabled", entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR

    flow = await fix_flow.choose(issue.issue_id, "confirm")
    assert flow["step_id"] == "confirm"
    flow = await fix_flow.submit(flow["flow_id"], {})
    assert flow["errors"] == {"base": "still_failing"}
    miner.state.api_enabled = True
    flow = await fix_flow.submit(flow["flow_id"], {})
    assert flow["type"] == "create_entry"
    assert _issue(hass, "v3_write_disabled", entry) is None
    await entry.runtime_data.async_refresh()
    assert _issue(hass, "v3_write_disabled", entry) is None


@pytest.mark.parametrize("profile", ["m63s_hydro"])
async def test_v3_default_super_password(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """The factory super password is flagged (v3 refuses writes with it); the owner
    changes it on the miner and gives Home Assistant the new one through the repair."""
    miner.state.accounts["super"] = "super"
    entry = await _add(hass, miner, "super")
    issue = _issue(hass, "v3_default_password", entry)
    assert issue is not None
    assert _issue(hass, "default_password", entry) is None  # the v2 one is for "admin"

    flow = await fix_flow.start(issue.issue_id)
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "super"})
    assert flow["errors"] == {"base": "v3_default_password"}
    miner.state.accounts["super"] = "n3w_pw"  # changed in WhatsMinerTool
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "n3w_pw"})
    assert flow["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.data[CONF_PASSWORD] == "n3w_pw"
    assert _issue(hass, "v3_default_password", entry) is None
    await _turn_off_mining(hass, entry)
    assert miner.state.mining is False


@pytest.mark.parametrize("profile", ["m63s_hydro"])
async def test_v3_no_permission_keeps_reading(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """ "no permission" (most likely a changed super password) does not stop the readings:
    a repair asks for the password, no setup error."""
    miner.state.accounts["super"] = "changed"
    entry = await _add(hass, miner, "admin")
    issue = _issue(hass, "v3_no_permission", entry)
    assert issue is not None
    flow = await fix_flow.start(issue.issue_id)
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "changed"})
    assert flow["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _issue(hass, "v3_no_permission", entry) is None
    assert entry.data[CONF_PASSWORD] == "changed"


async def test_password_fix_flow_aborts_when_the_miner_unloads(
    hass: HomeAssistant, miner: SimulatedMiner, fix_flow: FixFlow
) -> None:
    """The password dialog left open while the miner unloads ends with a clear reason."""
    entry = await _add(hass, miner, None)
    issue = _issue(hass, "monitor_only", entry)
    assert issue is not None
    flow = await fix_flow.choose(issue.issue_id, "password")
    assert await hass.config_entries.async_unload(entry.entry_id)
    flow = await fix_flow.submit(flow["flow_id"], {CONF_PASSWORD: "admin"})
    assert flow["type"] == "abort"
    assert flow["reason"] == "not_loaded"


async def test_retired_issue_removed(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The "firmware needs API v3" issue of earlier versions goes at the next setup."""
    mock_config_entry.add_to_hass(hass)
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"v3_firmware_{mock_config_entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="v3_firmware",
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, "v3_firmware", mock_config_entry) is None


async def test_issues_removed_with_the_miner(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Removing the miner leaves no issue behind."""
    assert _issue(hass, "default_password", init_integration) is not None
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
