"""Many simulated miners in one process, behind one async context manager."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from .clock import SimClock
from .miner import SimulatedMiner
from .profiles import PROFILES
from .state import FACTORY_PASSWORD, Timing

START_BATCH = 100  # listeners opened concurrently


class MinerSimulator:
    """`async with MinerSimulator(count=3) as sim:` starts miners on consecutive ports.

    base_port=0 gives each miner its own free port. All miners share `sim.clock`.
    api="v3" runs API v3 firmware (the profile's own generation when None): each miner also
    listens on v3_base_port + i (a free port when 0) and `password` is its `super` password.
    write_api=False starts the miners with the write API off (None: as the profile says).
    """

    def __init__(
        self,
        count: int = 1,
        profile: str = "m30s_plus",
        host: str = "127.0.0.1",
        base_port: int = 0,
        password: str = FACTORY_PASSWORD,
        *,
        clock: SimClock | None = None,
        timing: Timing | None = None,
        trailing_nul: bool | None = None,
        seed: int = 1,
        api: str | None = None,
        v3_base_port: int = 0,
        write_api: bool | None = None,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
        if api not in (None, "v2", "v3"):
            raise ValueError(f"unknown api {api!r}; known: v2, v3")
        self.clock = clock or SimClock()
        self.miners = [
            SimulatedMiner(
                profile=PROFILES[profile],
                clock=self.clock,
                host=host,
                port=base_port + i if base_port else 0,
                password=password,
                seed=seed + i,
                timing=timing,
                trailing_nul=trailing_nul,
                v3=None if api is None else api == "v3",
                v3_port=v3_base_port + i if v3_base_port else 0,
                write_api=write_api,
            )
            for i in range(count)
        ]

    async def start(self) -> None:
        try:
            for first in range(0, len(self.miners), START_BATCH):
                batch = self.miners[first : first + START_BATCH]
                await asyncio.gather(*(m.start() for m in batch))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await asyncio.gather(*(m.stop() for m in self.miners))

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
