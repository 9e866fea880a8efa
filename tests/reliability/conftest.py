"""Fixtures of the reliability tests: simulated miners over loopback, the integration in HA."""

from __future__ import annotations

from collections.abc import AsyncIterator
import functools
from typing import TYPE_CHECKING

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import coordinator as coordinator_module
from custom_components.whatsminer.api.miner import create_miner
from custom_components.whatsminer.const import DOMAIN

if TYPE_CHECKING:
    from simulator import MinerSimulator, SimulatedMiner

# The client's connect/read timeout in these tests: short, so a hanging miner costs a second,
# not ten. The behaviour under test (unavailable, logged once, recovered) does not depend on it.
CLIENT_TIMEOUT_S = 1.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's custom integration."""


@pytest.fixture
def short_client_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Coordinators build their miners with a short timeout."""
    monkeypatch.setattr(
        coordinator_module,
        "create_miner",
        functools.partial(create_miner, timeout=CLIENT_TIMEOUT_S),
    )


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[MinerSimulator]:
    """One simulated M30S+ miner on a free loopback port."""
    from simulator import MinerSimulator

    async with MinerSimulator(
        count=1, profile="m30s_plus", host="127.0.0.1", base_port=0, password="admin"
    ) as sim:
        yield sim


@pytest.fixture
def miner(simulator: MinerSimulator) -> SimulatedMiner:
    return simulator.miners[0]


def entry_for(miner: SimulatedMiner) -> MockConfigEntry:
    """A config entry pointing at a simulated miner."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"WhatsMiner {miner.port}",
        unique_id=format_mac(miner.state.mac),
        data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"},
    )


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, miner: SimulatedMiner, short_client_timeout: None
) -> MockConfigEntry:
    entry = entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
