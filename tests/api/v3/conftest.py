"""Fixtures of the v3 client tests: the fake v3 miner and a client with short timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.whatsminer.api.v3.client import WhatsMinerV3Client

from .fake_v3 import NOW, FakeV3Miner


class Clocks:
    """A monotonic clock and a wall clock the tests move by hand."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = float(NOW)

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncIterator[FakeV3Miner]:
    """The fake miner (Home Assistant's test plugin blocks sockets unless enabled)."""
    async with FakeV3Miner() as miner:
        yield miner


@pytest.fixture
async def client(fake: FakeV3Miner, clocks: Clocks) -> AsyncIterator[WhatsMinerV3Client]:
    client = WhatsMinerV3Client(
        "127.0.0.1",
        fake.port,
        fake.password,
        timeout=0.5,
        clock=lambda: clocks.mono,
        wall_clock=lambda: clocks.wall,
    )
    yield client
    await client.close()
