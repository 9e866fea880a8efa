"""Fixtures of the power manager tests: three simulated miners of different efficiency, set
up in Home Assistant, and a helper that lets simulated time pass."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.const import (
    CONF_API,
    CONF_ENTRY_TYPE,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DOMAIN,
    ENTRY_TYPE_POWER_MANAGER,
    ENTRY_VERSION,
)
from custom_components.whatsminer.manager.const import CONF_MINERS
from simulator import MinerSimulator, SimClock, SimulatedMiner

# Least to most efficient at full power: 49, 34 and 26 J/TH.
PROFILES = ("m20s_legacy", "m30s_plus", "m56s_hydro")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's custom integration."""


@pytest.fixture
async def miners(socket_enabled: None) -> AsyncIterator[list[SimulatedMiner]]:
    """Three simulated miners on one clock, warmed up, readings without noise."""
    clock = SimClock(frozen=True)
    sims = [
        MinerSimulator(profile=p, host="127.0.0.1", clock=clock, seed=20 + i)
        for i, p in enumerate(PROFILES)
    ]
    for sim in sims:
        await sim.__aenter__()
    clock.advance(3600)
    found = [sim.miners[0] for sim in sims]
    for miner in found:
        miner.state.noise = False
    yield found
    for sim in sims:
        await sim.__aexit__(None, None, None)


@pytest.fixture
async def miner_entries(hass: HomeAssistant, miners: list[SimulatedMiner]) -> list[MockConfigEntry]:
    """The three miners set up in Home Assistant (restart interval 0: no coalescing)."""
    result = []
    for miner in miners:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=miner.profile.name,
            unique_id=format_mac(miner.state.mac),
            data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"},
            options={"restart_interval": 0},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        result.append(entry)
    await hass.async_block_till_done()
    yield result
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def miner_entry(miner: SimulatedMiner, password: str) -> MockConfigEntry:
    """A current (version 2) entry of a simulated miner on the API its firmware speaks
    (restart interval 0: no coalescing); not yet added to Home Assistant."""
    v3 = miner.state.v3
    return MockConfigEntry(
        domain=DOMAIN,
        version=ENTRY_VERSION,
        title=miner.profile.name,
        unique_id=format_mac(miner.state.mac),
        data={
            CONF_HOST: miner.host,
            CONF_V2_PORT: miner.port,
            CONF_V3_PORT: miner.v3_port if v3 else miner.port + 1,
            CONF_API: "v3" if v3 else "v2",
            CONF_PASSWORD: password,
        },
        options={"restart_interval": 0},
    )


def device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The device of a miner entry."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.unique_id or ""), entry.entry_id
    )
    assert device is not None
    return device.id


async def setup_manager(
    hass: HomeAssistant, miner_entries: list[MockConfigEntry], **options: Any
) -> MockConfigEntry:
    """A power manager over the given miners."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Power manager",
        data={CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER},
        options={CONF_MINERS: [device_id(hass, e) for e in miner_entries], **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def let_time_pass(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    seconds: float,
    miners: list[SimulatedMiner],
    step: float = 5.0,
) -> None:
    """Move Home Assistant's and the simulators' clocks together, in steps."""
    clock = miners[0].clock if miners else None
    done = 0.0
    while done < seconds:
        freezer.tick(timedelta(seconds=step))
        if clock is not None:
            clock.advance(step)
        async_fire_time_changed(hass)
        for _ in range(20):
            await asyncio.sleep(0)
        await hass.async_block_till_done()
        done += step
