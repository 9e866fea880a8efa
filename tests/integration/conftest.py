"""Fixtures of the integration tests: simulated miners over loopback and config entries.

`miner` starts one simulated miner on 127.0.0.1 (profile from the `profile` fixture, which a
test can override with `@pytest.mark.parametrize("profile", [...])`), `mock_config_entry`
points at it and `init_integration` sets it up through `hass.config_entries`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
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


@pytest.fixture
async def simulator(socket_enabled: None, profile: str) -> AsyncIterator[MinerSimulator]:
    """One simulated miner listening on a free loopback port."""
    async with MinerSimulator(
        count=1, profile=profile, host="127.0.0.1", base_port=0, password="admin"
    ) as sim:
        yield sim


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
        data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"},
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
