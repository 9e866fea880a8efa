"""Fixtures of the client tests: a scriptable fake miner on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .fake_miner import FakeMiner


@pytest.fixture
async def miner(socket_enabled: None) -> AsyncIterator[FakeMiner]:
    async with FakeMiner() as fake:
        yield fake


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
