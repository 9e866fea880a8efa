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
