"""Config flows against simulated miners over TCP: add (v2, v3, monitor only), search, reauth,
reconfigure, options. Every error is shown to recover."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESS_UPDATE, FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.whatsminer import config_flow
from custom_components.whatsminer.api.miner import Detection
from custom_components.whatsminer.api.models import ApiVersion
from custom_components.whatsminer.const import (
    CONF_API,
    CONF_RESTART_INTERVAL,
    CONF_SCAN_INTERVAL,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DOMAIN,
    ENTRY_VERSION,
)
from simulator import MinerSimulator, SimulatedMiner

from .conftest import entry_data, free_port


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


def _address(miner: SimulatedMiner, **ports: int) -> dict[str, Any]:
    """The user step's input for a simulated miner (its ports in the advanced section)."""
    v3_port = miner.v3_port if miner.state.v3 else free_port()
    advanced = {CONF_V2_PORT: miner.port, CONF_V3_PORT: v3_port} | ports
    return {CONF_HOST: miner.host, config_flow.CONF_ADVANCED: advanced}


async def _start(hass: HomeAssistant) -> str:
    """The address form: at once for the first miner, through the menu once one exists."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    if result["type"] is FlowResultType.MENU:
        assert result["step_id"] == "add"
        assert result["menu_options"] == ["miner", "ip_report", "power_manager"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "miner"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] in ("user", "miner")
    assert result["errors"] == {}
    return result["flow_id"]


async def _to_password(hass: HomeAssistant, miner: SimulatedMiner) -> dict[str, Any]:
    """Enter the miner's address; the flow detects it and asks for the password."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "password"
    return dict(result)


def _issues(hass: HomeAssistant) -> set[str]:
    return {
        i.translation_key or "" for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN
    }


async def test_user_step_collapses_the_ports(hass: HomeAssistant) -> None:
    """Only the address is in view; the two ports wait in a collapsed section."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    schema = result["data_schema"].schema
    advanced = schema[config_flow.CONF_ADVANCED]
    assert advanced.options == {"collapsed": True}
    defaults = {str(key): key.default() for key in advanced.schema.schema}
    assert defaults == {CONF_V2_PORT: 4028, CONF_V3_PORT: 4433}


async def test_v2_miner_added_with_its_admin_password(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """API v2 firmware: found, named, asked for the admin password, added with its API."""
    miner.state.hostname = "barn-01"
    result = await _to_password(hass, miner)
    assert result["description_placeholders"] == {
        "host": "127.0.0.1",
        "model": "M30S+VE40",
        "firmware": miner.state.fw_ver,
        "api_version": "v2 (2.0.5)",
        "account": "admin",
        "default": "admin",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "M30S+VE40 barn-01"
    entry = result["result"]
    assert entry.version == ENTRY_VERSION
    assert entry.data == entry_data(miner) | {CONF_V3_PORT: entry.data[CONF_V3_PORT]}
    assert entry.data[CONF_API] == "v2"
    assert entry.unique_id == format_mac(miner.state.mac)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.monitor_only


@pytest.mark.parametrize("profile", ["m63s_hydro"])
async def test_v3_miner_added_with_its_super_password(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """API v3 firmware: the flow says so and asks for the super account's password."""
    result = await _to_password(hass, miner)
    placeholders = result["description_placeholders"]
    assert placeholders["model"] == "M63S_VL10"
    assert placeholders["api_version"].startswith("v3 (3.")
    assert (placeholders["account"], placeholders["default"]) == ("super", "super")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_PASSWORD: "admin"},  # the simulator's super password
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data == entry_data(miner)
    assert entry.data[CONF_API] == "v3"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.miner.api is ApiVersion.V3


async def test_monitor_only_without_password(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """No password: added monitor only, and the repair says how to enable writes."""
    result = await _to_password(hass, miner)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[CONF_PASSWORD] is None
    assert entry.data[CONF_API] == "v2"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.monitor_only
    assert _issues(hass) == {"monitor_only_v2"}


def _set_password(miner: SimulatedMiner, broken: bool) -> None:
    miner.state.password = miner.state.accounts["super"] = "s3cret" if broken else "admin"


def _set_api_disabled(miner: SimulatedMiner, broken: bool) -> None:
    miner.state.api_enabled = not broken


def _set_token_exhaustion(miner: SimulatedMiner, broken: bool) -> None:
    miner.faults.token_exhaustion = broken


def _set_default_super(miner: SimulatedMiner, broken: bool) -> None:
    miner.state.accounts["super"] = "super" if broken else "admin"


@pytest.mark.parametrize(
    ("profile", "breaker", "password", "error"),
    [
        ("m30s_plus", _set_password, "admin", "invalid_auth"),
        ("m30s_plus", _set_api_disabled, "admin", "write_api_disabled"),
        ("m30s_plus", _set_token_exhaustion, "admin", "token_limit"),
        ("m63s_hydro", _set_api_disabled, "admin", "v3_write_disabled"),
        ("m63s_hydro", _set_default_super, "super", "v3_default_password"),
        ("m63s_hydro", _set_password, "admin", "v3_no_permission"),
    ],
)
async def test_password_error_then_recovery(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    breaker: Callable[[SimulatedMiner, bool], None],
    password: str,
    error: str,
) -> None:
    """Each reason the miner refuses is named for its API, and the flow finishes once fixed."""
    result = await _to_password(hass, miner)
    breaker(miner, True)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: password}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    breaker(miner, False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == "admin"
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("profile", "error", "issue"),
    [
        ("m30s_plus", "write_api_disabled", "monitor_only_v2"),
        ("m60s", "v3_write_disabled", "monitor_only_v3"),
    ],
)
async def test_write_off_added_monitor_only(
    hass: HomeAssistant, miner: SimulatedMiner, error: str, issue: str
) -> None:
    """A miner whose writes are off: the owner leaves the password out and adds it monitor
    only; the repair of its firmware says how to enable writes."""
    miner.state.api_enabled = False
    result = await _to_password(hass, miner)
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "admin"})
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: ""})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] is None
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert _issues(hass) == {issue}


def _set_offline(miner: SimulatedMiner, broken: bool) -> None:
    miner.faults.offline = broken


@pytest.mark.parametrize(
    ("breaker", "error"),
    [(_set_offline, "cannot_connect")],
)
async def test_address_error_then_recovery(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    breaker: Callable[[SimulatedMiner, bool], None],
    error: str,
) -> None:
    """A miner that does not answer is named, and the flow goes on once it does."""
    flow_id = await _start(hass)
    breaker(miner, True)
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": error}
    breaker(miner, False)
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["step_id"] == "password"


async def test_not_a_whatsminer(
    hass: HomeAssistant, miner: SimulatedMiner, not_a_miner: int
) -> None:
    """Another service on the ports is told apart from a miner."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _address(miner, v2_port=not_a_miner)
    )
    assert result["errors"] == {"base": "not_whatsminer"}
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["step_id"] == "password"


async def test_detection_unexpected_then_recovery(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """An unexpected failure while detecting is reported, then the flow recovers."""
    flow_id = await _start(hass)
    with patch.object(config_flow, "detect", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["errors"] == {"base": "unknown"}
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["step_id"] == "password"


async def test_identity_read_after_detection(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Detection without MAC or model is completed by one read of the miner; a miner that
    cannot tell its MAC is refused (it could not be told apart), then the flow recovers."""
    bare = Detection(api=ApiVersion.V2, port=miner.port)
    flow_id = await _start(hass)
    with patch.object(config_flow, "detect", return_value=bare):
        result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
        assert result["step_id"] == "password"
        assert result["description_placeholders"]["model"] == "M30S+VE40"
        hass.config_entries.flow.async_abort(flow_id)

        flow_id = await _start(hass)
        miner.faults.offline = True  # the read after detection fails: no MAC
        result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
        assert result["errors"] == {"base": "no_mac"}
    miner.faults.offline = False
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["step_id"] == "password"


async def test_password_check_unexpected_then_recovery(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """An unexpected failure while checking the password is reported and recovers."""
    result = await _to_password(hass, miner)
    with patch(
        "custom_components.whatsminer.api.v2.miner.V2Miner.verify_password",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PASSWORD: "admin"}
        )
    assert result["errors"] == {"base": "unknown"}
    miner.faults.offline = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    miner.faults.offline = False
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_duplicate_aborts_and_updates_address(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Adding a known miner again aborts and stores the address and ports it answers on."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data=entry_data(miner) | {CONF_HOST: "192.0.2.1", CONF_V2_PORT: 1},
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _address(miner))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == miner.host
    assert entry.data[CONF_V2_PORT] == miner.port


# ---- network search -----------------------------------------------------------------------


async def _search(hass: HomeAssistant, targets: list[tuple[str, int, int]]) -> dict[str, Any]:
    """Run the search (empty address) over `targets` to its end; the result after progress."""
    with patch.object(config_flow, "async_search_targets", return_value=targets):
        flow_id = await _start(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: "", config_flow.CONF_ADVANCED: {}}
        )
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        assert result["progress_action"] == "search"
        await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    return dict(result)


def _target(miner: SimulatedMiner) -> tuple[str, int, int]:
    return miner.host, miner.port, miner.v3_port if miner.state.v3 else free_port()


async def test_search_finds_v2_and_v3_miners_and_adds_one(
    hass: HomeAssistant, miner: SimulatedMiner, not_a_miner: int
) -> None:
    """Miners on either API are offered with model and firmware; known ones and other
    services are left out; progress is reported."""
    async with (
        MinerSimulator(
            count=1,
            profile="m63s_hydro",
            host="127.0.0.1",
            base_port=0,
            password="admin",
            seed=10,
            v3_base_port=free_port(),
        ) as hydro_sim,
        MinerSimulator(
            count=1, profile="m56s_hydro", host="127.0.0.1", base_port=0, password="admin", seed=20
        ) as known_sim,
    ):
        hydro, known = hydro_sim.miners[0], known_sim.miners[0]
        MockConfigEntry(domain=DOMAIN, unique_id=format_mac(known.state.mac)).add_to_hass(hass)
        hydro.state.hostname = "cellar"
        targets = [
            _target(miner),
            ("127.0.0.1", free_port(), free_port()),
            ("127.0.0.1", not_a_miner, free_port()),
            _target(known),
            _target(hydro),
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
                f"M30S+VE40 WhatsMiner (127.0.0.1:{miner.port}, {miner.state.fw_ver})",
                f"M63S_VL10 cellar (127.0.0.1:{hydro.port}, {hydro.state.fw_ver})",
            ]
        )
        flow_id = result["flow_id"]
        result = await hass.config_entries.flow.async_configure(
            flow_id, {config_flow.CONF_MINER: format_mac(hydro.state.mac)}
        )
        assert result["step_id"] == "password"
        assert result["description_placeholders"]["account"] == "super"
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "admin"})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"] == entry_data(hydro)
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(result["result"].entry_id)


async def test_search_finds_nothing(hass: HomeAssistant, socket_enabled: None) -> None:
    """An empty network offers the miner's IP report button, or its address."""
    result = await _search(hass, [])
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "search_none"
    assert result["menu_options"] == ["ip_report", "miner"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "miner"}
    )
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "miner"


async def test_search_is_bounded_in_time(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A miner that never answers does not hold the search up beyond its time limit."""
    miner.faults.hang = True
    with patch.object(config_flow, "SEARCH_TIMEOUT_S", 0.2):
        result = await _search(hass, [_target(miner)])
    assert result["step_id"] == "search_none"


async def test_search_skips_miner_without_mac(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A miner that does not tell its MAC cannot be offered."""
    miner.faults.offline = True
    with patch.object(config_flow, "detect", return_value=Detection(api=ApiVersion.V2, port=1)):
        result = await _search(hass, [_target(miner)])
    assert result["step_id"] == "search_none"


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
    hosts = {host for host, _, _ in targets}
    assert {(v2, v3) for _, v2, v3 in targets} == {(4028, 4433)}
    assert len(hosts) == 254
    assert "192.168.7.1" in hosts
    assert "192.168.7.254" in hosts
    assert "192.168.7.10" not in hosts
    assert "10.0.0.6" in hosts


# ---- reauth, reconfigure, options ---------------------------------------------------------


async def test_reauth(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """A new password is asked for (the account of the miner's API), checked, stored."""
    mock_config_entry.add_to_hass(hass)
    miner.state.password = "n3w"
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["account"] == "admin"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "admin"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    miner.faults.offline = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "n3w"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    miner.faults.offline = False
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "n3w"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_PASSWORD] == "n3w"
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_reauth_to_monitor_only(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """Leaving the password out keeps the miner, monitor only."""
    mock_config_entry.add_to_hass(hass)
    miner.state.password = "n3w"
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_PASSWORD] is None
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_reauth_different_miner(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Reauthentication refuses a different miner at the entry's address."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="00:11:22:33:44:55",
        data=entry_data(miner, "old") | {CONF_V3_PORT: free_port()},
        version=ENTRY_VERSION,
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
    """A miner that moved is found at its new address after failed attempts."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data=entry_data(miner) | {CONF_V2_PORT: free_port()},
        version=ENTRY_VERSION,
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _address(miner, v2_port=free_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " ", config_flow.CONF_ADVANCED: {}}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _address(miner))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_V2_PORT] == miner.port
    assert entry.data[CONF_API] == "v2"
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
        result = await hass.config_entries.flow.async_configure(result["flow_id"], _address(other))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_miner"
    assert mock_config_entry.data[CONF_V2_PORT] == miner.port


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """New options are stored and the miner reloaded with them."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "enable_write"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 45, CONF_RESTART_INTERVAL: 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {CONF_SCAN_INTERVAL: 45, CONF_RESTART_INTERVAL: 120}
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.update_interval.total_seconds() == 45
