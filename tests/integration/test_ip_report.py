"""Adding a miner by its IP report button: the config flow listens on UDP while it waits.

The simulated miner sends its report over real UDP on loopback; the flow then detects the
address it names over TCP, as it does an address the user entered. The API ports and the
report port are the defaults in real use; here they are the simulator's free ports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
import socket
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import config_flow
from custom_components.whatsminer.const import DOMAIN, ENTRY_VERSION
from simulator import SimulatedMiner

from .conftest import entry_data, free_port


@contextmanager
def _listening_on(port: int) -> Iterator[None]:
    """The flow listens on a loopback UDP port instead of 8888 on every address."""
    real = config_flow.async_wait_for_report

    async def on_loopback(timeout_s: float, **kwargs: Any) -> Any:
        return await real(timeout_s, **(kwargs | {"host": "127.0.0.1", "port": port}))

    with patch.object(config_flow, "async_wait_for_report", on_loopback):
        yield


@pytest.fixture
def report_port(socket_enabled: None) -> Iterator[int]:
    """A free loopback UDP port the flow listens on."""
    port = free_port(socket.SOCK_DGRAM)
    with _listening_on(port):
        yield port


@pytest.fixture
def miner_ports(miner: SimulatedMiner) -> Iterator[None]:
    """The simulated miner's API ports stand for the defaults (a report names no ports)."""
    v3_port = miner.v3_port if miner.state.v3 else free_port()
    with (
        patch.object(config_flow, "DEFAULT_V2_PORT", miner.port),
        patch.object(config_flow, "DEFAULT_V3_PORT", v3_port),
    ):
        yield


async def _waiting(hass: HomeAssistant, *, with_entry: bool = False) -> str:
    """A flow at the IP report's progress step: through the add menu once a miner exists,
    else through a search that finds nothing."""
    if with_entry:
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        assert result["type"] is FlowResultType.MENU
        assert "ip_report" in result["menu_options"]
    else:
        with patch.object(config_flow, "async_search_targets", return_value=[]):
            result = await hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_USER}
            )
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "", config_flow.CONF_ADVANCED: {}}
            )
            await hass.async_block_till_done()
            result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.MENU and result["step_id"] == "search_none"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ip_report"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "ip_report"
    return str(result["flow_id"])


async def _press_until_heard(
    hass: HomeAssistant, flow_id: str, miner: SimulatedMiner, port: int
) -> None:
    """Press the button (again, as an owner would) until the flow has heard it."""
    for _ in range(200):
        await miner.press_ip_report(("127.0.0.1", port))
        await asyncio.sleep(0.01)
        if hass.config_entries.flow.async_get(flow_id)["step_id"] != "ip_report":
            await hass.async_block_till_done()
            return
    raise AssertionError("the flow never heard the IP report")


@pytest.mark.usefixtures("miner_ports")
async def test_first_miner_added_by_its_ip_report(
    hass: HomeAssistant, miner: SimulatedMiner, report_port: int
) -> None:
    """A search that finds nothing offers the IP report; the miner's report brings its
    password step, and the entry gets the reported address."""
    flow_id = await _waiting(hass)
    await _press_until_heard(hass, flow_id, miner, report_port)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "password"
    assert result["description_placeholders"]["host"] == miner.host
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "admin"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    expected = entry_data(miner)
    expected[config_flow.CONF_V3_PORT] = config_flow.DEFAULT_V3_PORT
    assert result["data"] == expected
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.usefixtures("miner_ports")
async def test_known_miner_reporting_a_new_address_is_moved(
    hass: HomeAssistant, miner: SimulatedMiner, report_port: int
) -> None:
    """The report of a miner already added updates its entry's address instead."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=ENTRY_VERSION,
        unique_id=config_flow.format_mac(miner.state.mac),
        data=entry_data(miner) | {CONF_HOST: "192.0.2.1"},
    )
    entry.add_to_hass(hass)
    flow_id = await _waiting(hass, with_entry=True)
    await _press_until_heard(hass, flow_id, miner, report_port)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == miner.host


async def test_report_from_something_else(
    hass: HomeAssistant, miner: SimulatedMiner, report_port: int
) -> None:
    """A report naming an address where no WhatsMiner API answers ends with that address."""
    with (
        patch.object(config_flow, "DEFAULT_V2_PORT", free_port()),
        patch.object(config_flow, "DEFAULT_V3_PORT", free_port()),
    ):
        flow_id = await _waiting(hass)
        await _press_until_heard(hass, flow_id, miner, report_port)
        result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert result["description_placeholders"] == {"host": miner.host}


async def test_nobody_presses_the_button(hass: HomeAssistant, report_port: int) -> None:
    """After its time the flow says that no report came and how long it waited."""
    with patch.object(config_flow, "IP_REPORT_WAIT_S", 0.2):
        flow_id = await _waiting(hass)
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_ip_report"
    assert result["description_placeholders"] == {"minutes": "0.00333333"}


async def test_port_held_by_another_program(hass: HomeAssistant, socket_enabled: None) -> None:
    """A port Home Assistant cannot open ends the flow with the reason, not a traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with _listening_on(port):
            flow_id = await _waiting(hass)
            await hass.async_block_till_done()
            result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ip_report_unavailable"
    assert f"UDP 127.0.0.1:{port}" in result["description_placeholders"]["error"]
