"""Fixtures of the integration tests: simulated miners over loopback and config entries.

`miner` starts one simulated miner on 127.0.0.1 (profile from the `profile` fixture, which a
test can override with `@pytest.mark.parametrize("profile", [...])`), `mock_config_entry`
points at it and `init_integration` sets it up through `hass.config_entries`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from http import HTTPStatus
import socket
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.whatsminer.const import (
    CONF_API,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DOMAIN,
    ENTRY_VERSION,
)
from simulator import MinerSimulator, SimulatedMiner


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's custom integration."""


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create the entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def profile() -> str:
    """The simulated miner's model; override with parametrize."""
    return "m30s_plus"


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A loopback port (TCP, or of `kind`) nothing listens on (yet)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def simulator(socket_enabled: None, profile: str) -> AsyncIterator[MinerSimulator]:
    """One simulated miner listening on free loopback ports (v3 firmware: both APIs)."""
    async with MinerSimulator(
        count=1,
        profile=profile,
        host="127.0.0.1",
        base_port=0,
        password="admin",
        v3_base_port=free_port(),
    ) as sim:
        yield sim


def entry_data(miner: SimulatedMiner, password: str | None = "admin") -> dict[str, object]:
    """Config entry data (version 2) of a simulated miner, on the API its firmware speaks."""
    return {
        CONF_HOST: miner.host,
        CONF_V2_PORT: miner.port,
        CONF_V3_PORT: miner.v3_port,
        CONF_API: "v3" if miner.state.v3 else "v2",
        CONF_PASSWORD: password,
    }


@pytest.fixture
def miner(simulator: MinerSimulator) -> SimulatedMiner:
    """The simulated miner."""
    return simulator.miners[0]


@pytest.fixture
def mock_config_entry(miner: SimulatedMiner) -> MockConfigEntry:
    """A config entry for the simulated miner, not yet added."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"WhatsMiner {miner.state.hostname}",
        unique_id=format_mac(miner.state.mac),
        data=entry_data(miner),
        version=ENTRY_VERSION,
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The simulated miner, set up in Home Assistant."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


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

    async def choose(self, issue_id: str, step_id: str) -> dict[str, Any]:
        """Start a fix flow that opens with a menu and pick `step_id` in it."""
        menu = await self.start(issue_id)
        assert menu["type"] == "menu"
        assert step_id in menu["menu_options"]
        return await self.submit(menu["flow_id"], {"next_step_id": step_id})

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
