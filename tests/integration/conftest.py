"""Fixtures of the integration tests: simulated miners over loopback and config entries.

`miner` starts one simulated miner on 127.0.0.1 (profile from the `profile` fixture, which a
test can override with `@pytest.mark.parametrize("profile", [...])`), `mock_config_entry`
points at it and `init_integration` sets it up through `hass.config_entries`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import socket
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

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


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as sock:
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
