"""Fixtures for the simulator's tests: simulated miners on loopback with a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulator import MinerSimulator, SimClock, SimulatedMiner


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[MinerSimulator]:
    async with MinerSimulator(count=1, clock=SimClock(frozen=True)) as simulator:
        yield simulator


@pytest.fixture
def miner(sim: MinerSimulator) -> SimulatedMiner:
    return sim.miners[0]


V3_PASSWORD = "pw2026"  # a changed super password: writes allowed


@pytest.fixture
async def v3sim(socket_enabled: None) -> AsyncIterator[MinerSimulator]:
    clock = SimClock(frozen=True)
    async with MinerSimulator(profile="m60s", password=V3_PASSWORD, clock=clock) as simulator:
        yield simulator


@pytest.fixture
def v3miner(v3sim: MinerSimulator) -> SimulatedMiner:
    return v3sim.miners[0]
