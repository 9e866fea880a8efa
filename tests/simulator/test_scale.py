"""One process serves hundreds of miners, and an idle simulator costs no CPU."""

from __future__ import annotations

import asyncio
import time

import pytest

from simulator import MinerSimulator, SimClock, Timing

from .wire import command
from .wire_v3 import Conn, read as v3_read


async def test_500_miners_idle_cpu_near_zero(socket_enabled: None) -> None:
    async with MinerSimulator(count=500) as sim:
        assert len({m.port for m in sim.miners}) == 500
        before = time.process_time()
        await asyncio.sleep(1.0)
        assert time.process_time() - before < 0.05
        replies = await asyncio.gather(*(command(m.port, "devdetails") for m in sim.miners))
        assert all(r["STATUS"][0]["Code"] == 69 for r in replies)


async def test_reboot_ends_by_itself_on_the_real_clock(socket_enabled: None) -> None:
    timing = Timing(reboot_s=0.2)
    async with MinerSimulator(timing=timing, clock=SimClock()) as sim:
        miner = sim.miners[0]
        miner.reboot()
        with pytest.raises(ConnectionRefusedError):
            await command(miner.port, "get_version")
        await asyncio.sleep(0.4)
        assert (await command(miner.port, "get_version"))["Code"] == 131


async def test_500_v3_miners_idle_cpu_near_zero(socket_enabled: None) -> None:
    """Two listeners per miner (4433 and 4028); kept-open idle connections cost nothing."""
    async with MinerSimulator(count=500, profile="m60s") as sim:
        assert len({m.v3_port for m in sim.miners} | {m.port for m in sim.miners}) == 1000
        replies = await asyncio.gather(
            *(v3_read(m.v3_port, "get.miner.status", "summary") for m in sim.miners)
        )
        assert all(r["msg"]["summary"]["hash-realtime"] > 0 for r in replies)
        conns = [Conn(m.v3_port) for m in sim.miners[:100]]
        for conn in conns:
            await conn.__aenter__()
        try:
            before = time.process_time()
            await asyncio.sleep(1.0)
            assert time.process_time() - before < 0.05
        finally:
            for conn in conns:
                await conn.__aexit__(None, None, None)
