"""Config flows against a simulated miner: add, search, reauth, reconfigure, options."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import socket
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESS_UPDATE, FlowResultType
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.whatsminer import config_flow
from custom_components.whatsminer.api.models import MinerInfo, MinerSnapshot, Summary
from custom_components.whatsminer.const import CONF_RESTART_INTERVAL, CONF_SCAN_INTERVAL, DOMAIN
from simulator import MinerSimulator, SimulatedMiner

CLIENT = "custom_components.whatsminer.config_flow.WhatsMinerClient"


def _free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def not_a_miner(socket_enabled: None) -> AsyncIterator[int]:
    """A loopback server that answers like a web server; yields its port."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def _start_miner(hass: HomeAssistant) -> dict[str, Any]:
    """The miner menu: at once for the first miner, through the user menu once one exists."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    if result["step_id"] == "user":
        assert result["menu_options"] == ["miner", "power_manager"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "miner"}
        )
    assert result["step_id"] == "miner"
    return dict(result)


async def _start_manual(hass: HomeAssistant) -> str:
    result = await _start_miner(hass)
    assert result["menu_options"] == ["manual", "search"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "manual"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == {}
    return result["flow_id"]


def _user_input(miner: SimulatedMiner, **changes: Any) -> dict[str, Any]:
    return {CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"} | changes


async def test_manual_flow_creates_entry(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """The miner is read, its password checked, and the entry named after model and host."""
    miner.state.hostname = "barn-01"
    flow_id = await _start_manual(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "M30S+VE40 barn-01"
    assert result["data"] == _user_input(miner)
    entry = result["result"]
    assert entry.unique_id == format_mac(miner.state.mac)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def _set_password(miner: SimulatedMiner, broken: bool) -> None:
    miner.state.password = "s3cret" if broken else "admin"


def _set_offline(miner: SimulatedMiner, broken: bool) -> None:
    miner.faults.offline = broken


def _set_api_disabled(miner: SimulatedMiner, broken: bool) -> None:
    miner.state.api_enabled = not broken


def _set_token_exhaustion(miner: SimulatedMiner, broken: bool) -> None:
    miner.faults.token_exhaustion = broken


def _set_v3_only(miner: SimulatedMiner, broken: bool) -> None:
    miner.faults.v3_only = broken


@pytest.mark.parametrize(
    ("breaker", "error"),
    [
        (_set_password, "invalid_auth"),
        (_set_offline, "cannot_connect"),
        (_set_api_disabled, "write_api_disabled"),
        (_set_token_exhaustion, "token_limit"),
        (_set_v3_only, "unsupported_firmware"),
    ],
)
async def test_manual_flow_error_then_recovery(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    breaker: Callable[[SimulatedMiner, bool], None],
    error: str,
) -> None:
    """Each problem the miner has is named, and the flow finishes once it is fixed."""
    flow_id = await _start_manual(hass)
    breaker(miner, True)
    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    breaker(miner, False)
    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_manual_flow_not_a_whatsminer(
    hass: HomeAssistant, miner: SimulatedMiner, not_a_miner: int
) -> None:
    """Another service on the port is told apart from a miner."""
    flow_id = await _start_manual(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(miner, port=not_a_miner)
    )
    assert result["errors"] == {"base": "not_whatsminer"}
    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("patched", "error"),
    [
        ({"side_effect": RuntimeError("boom")}, "unknown"),
        ({"return_value": MinerSnapshot(summary=Summary())}, "no_mac"),
    ],
)
async def test_manual_flow_unexpected_then_recovery(
    hass: HomeAssistant, miner: SimulatedMiner, patched: dict[str, Any], error: str
) -> None:
    """An unexpected failure or a miner without a MAC is reported, then the flow recovers."""
    flow_id = await _start_manual(hass)
    with patch(f"{CLIENT}.poll", **patched):
        result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_duplicate_aborts_and_updates_address(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Adding a known miner again aborts and stores the address it now answers on."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data={CONF_HOST: "127.0.0.1", CONF_PORT: _free_port(), CONF_PASSWORD: "admin"},
    )
    entry.add_to_hass(hass)
    flow_id = await _start_manual(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(miner))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == miner.port
    await hass.async_block_till_done()


# ---- network search -----------------------------------------------------------------------


async def _search(hass: HomeAssistant, targets: list[tuple[str, int]]) -> dict[str, Any]:
    """Run the search step over `targets` to its end; the result after the progress."""
    with patch.object(config_flow, "async_search_targets", return_value=targets):
        result = await _start_miner(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "search"}
        )
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        assert result["progress_action"] == "search"
        await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    return dict(result)


async def test_search_finds_miners_and_adds_one(
    hass: HomeAssistant, simulator: MinerSimulator, not_a_miner: int
) -> None:
    """Only WhatsMiners are offered, without the ones already added; progress is reported."""
    async with MinerSimulator(
        count=2, profile="m56s_hydro", host="127.0.0.1", base_port=0, password="admin", seed=10
    ) as others:
        known, new = others.miners
        new.state.hostname = "cellar"
        MockConfigEntry(domain=DOMAIN, unique_id=format_mac(known.state.mac)).add_to_hass(hass)
        miner = simulator.miners[0]
        targets = [
            (miner.host, miner.port),
            ("127.0.0.1", _free_port()),
            ("127.0.0.1", not_a_miner),
            (known.host, known.port),
            (new.host, new.port),
        ]
        progress = async_capture_events(hass, EVENT_DATA_ENTRY_FLOW_PROGRESS_UPDATE)
        with patch.object(config_flow, "PROGRESS_STEP", 1):
            result = await _search(hass, targets)
        assert progress[-1].data["progress"] == 1.0

        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "pick"
        options = result["data_schema"].schema[config_flow.CONF_MINER].config["options"]
        assert sorted(option["label"] for option in options) == sorted(
            [
                f"M30S+VE40 WhatsMiner (127.0.0.1:{miner.port})",
                f"M56S_VH30 cellar (127.0.0.1:{new.port})",
            ]
        )

        flow_id = result["flow_id"]
        choice = {config_flow.CONF_MINER: format_mac(new.state.mac)}
        result = await hass.config_entries.flow.async_configure(
            flow_id, choice | {CONF_PASSWORD: "wrong"}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            flow_id, choice | {CONF_PASSWORD: "admin"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"] == {CONF_HOST: new.host, CONF_PORT: new.port, CONF_PASSWORD: "admin"}
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(result["result"].entry_id)


async def test_search_finds_nothing(hass: HomeAssistant, socket_enabled: None) -> None:
    """An empty network ends the flow with an explanation."""
    result = await _search(hass, [])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_miners_found"


async def test_search_is_bounded_in_time(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A miner that never answers does not hold the search up beyond its time limit."""
    miner.faults.hang = True
    with patch.object(config_flow, "SEARCH_TIMEOUT_S", 0.2):
        result = await _search(hass, [(miner.host, miner.port)])
    assert result["reason"] == "no_miners_found"


async def test_search_skips_miner_without_mac(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A miner that does not tell its MAC cannot be offered."""
    with patch(f"{CLIENT}.get_miner_info", return_value=MinerInfo()):
        result = await _search(hass, [(miner.host, miner.port)])
    assert result["reason"] == "no_miners_found"


async def test_search_targets(hass: HomeAssistant) -> None:
    """Enabled IPv4 subnets are scanned, at most a /24 each, without our own address.

    Loopback and link-local addresses are skipped.
    """
    adapters = [
        {"enabled": False, "ipv4": [{"address": "172.16.0.2", "network_prefix": 24}]},
        {"enabled": True, "ipv4": [{"address": "127.0.0.1", "network_prefix": 8}]},
        {"enabled": True, "ipv4": [{"address": "169.254.3.4", "network_prefix": 16}]},
        {"enabled": True, "ipv4": [{"address": "192.168.7.10", "network_prefix": 16}]},
        {"enabled": True, "ipv4": [{"address": "10.0.0.5", "network_prefix": 30}]},
    ]
    with patch.object(config_flow.network, "async_get_adapters", return_value=adapters):
        targets = await config_flow.async_search_targets(hass)
    hosts = {host for host, _ in targets}
    assert {port for _, port in targets} == {4028}
    assert len(hosts) == 254
    assert "192.168.7.1" in hosts
    assert "192.168.7.254" in hosts
    assert "192.168.7.10" not in hosts
    assert "10.0.0.6" in hosts


# ---- reauth, reconfigure, options ---------------------------------------------------------


async def test_reauth(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """A new password is asked for, checked, stored, and the miner set up again."""
    mock_config_entry.add_to_hass(hass)
    miner.state.password = "n3w"
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "n3w"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_PASSWORD] == "n3w"
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_reauth_different_miner(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Reauthentication refuses a different miner at the entry's address."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="00:11:22:33:44:55",
        data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "old"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_miner"
    assert entry.data[CONF_PASSWORD] == "old"


async def test_reconfigure(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A miner that moved is found at its new address after a failed attempt."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data={CONF_HOST: "127.0.0.1", CONF_PORT: _free_port(), CONF_PASSWORD: "admin"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: _free_port()}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: miner.host, CONF_PORT: miner.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == miner.port
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_different_miner(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """Pointing an entry at another miner is refused and changes nothing."""
    mock_config_entry.add_to_hass(hass)
    async with MinerSimulator(
        count=1, host="127.0.0.1", base_port=0, password="admin", seed=20
    ) as sim:
        other = sim.miners[0]
        result = await mock_config_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: other.host, CONF_PORT: other.port}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_miner"
    assert mock_config_entry.data[CONF_PORT] == miner.port


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """New options are stored and the miner reloaded with them."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 45, CONF_RESTART_INTERVAL: 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {CONF_SCAN_INTERVAL: 45, CONF_RESTART_INTERVAL: 120}
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.update_interval.total_seconds() == 45
