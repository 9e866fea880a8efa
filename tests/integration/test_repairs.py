"""Repair issues against the simulator: each raised when its cause appears, cleared when fixed."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.whatsminer.const import DOMAIN
from simulator import SimulatedMiner


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


class FixFlow:
    """Drives a repair's fix flow through Home Assistant's HTTP API, as the frontend does."""

    def __init__(self, hass: HomeAssistant, client: Any) -> None:
        self.hass = hass
        self.client = client

    async def start(self, issue_id: str) -> dict[str, Any]:
        resp = await self.client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        assert resp.status == HTTPStatus.OK
        return dict(await resp.json())

    async def submit(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        resp = await self.client.post(f"/api/repairs/issues/fix/{flow_id}", json=data)
        assert resp.status == HTTPStatus.OK
        result = dict(await resp.json())
        await self.hass.async_block_till_done()
        return result


@pytest.fixture
async def fix_flow(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> FixFlow:
    assert await async_setup_component(hass, "repairs", {})
    return FixFlow(hass, await hass_client())


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

    flow = await fix_flow.start(issue.issue_id)
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


async def test_v3_firmware_raised_reads_keep_working_and_cleared(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, miner: SimulatedMiner
) -> None:
    """Firmware that needs API v3 for commands: flagged, sensors work, cleared on downgrade."""
    miner.faults.v3_only = True
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    issue = _issue(hass, "v3_firmware", mock_config_entry)
    assert issue is not None
    assert not issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    hashrate = hass.states.get(_entity(hass, mock_config_entry, "sensor", "hashrate"))
    assert hashrate is not None
    assert float(hashrate.state) > 0
    with pytest.raises(HomeAssistantError):
        await _turn_off_mining(hass, mock_config_entry)
    assert miner.state.mining is True

    miner.faults.v3_only = False  # older firmware installed with WhatsMinerTool
    coordinator = mock_config_entry.runtime_data
    coordinator.miner.invalidate_cache()
    await coordinator.async_refresh()
    assert _issue(hass, "v3_firmware", mock_config_entry) is None


async def test_issues_removed_with_the_miner(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Removing the miner leaves no issue behind."""
    assert _issue(hass, "default_password", init_integration) is not None
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
