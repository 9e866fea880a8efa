"""Stops that do not hold (spec v3 4.4.1): the M64 profile's v2 power_off on v3 firmware stops
hashing, then btminer starts again by itself; its v3 stop holds. `stop_restarts`: none holds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulator import MinerSimulator, Quirk, SimClock, SimulatedMiner

from .conftest import V3_PASSWORD
from .wire import Session
from .wire_v3 import Client, read


@pytest.fixture
async def m64(socket_enabled: None) -> AsyncIterator[SimulatedMiner]:
    clock = SimClock(frozen=True)
    async with MinerSimulator(profile="m64_hydro", password=V3_PASSWORD, clock=clock) as sim:
        miner = sim.miners[0]
        miner.state.noise = False
        yield miner


async def _working(miner: SimulatedMiner) -> str:
    reply = await read(miner.v3_port, "get.device.info", "miner")
    return str(reply["msg"]["miner"]["working"])


def _after_restart(miner: SimulatedMiner) -> None:
    miner.clock.advance(miner.timing.self_restart_s + miner.timing.btminer_restart_s + 30)


async def test_m64_ships_the_quirk_on_v3_firmware(m64: SimulatedMiner) -> None:
    assert m64.state.v3 and m64.state.fw_ver == "20250409.15.REL"
    assert Quirk.V2_STOP_RESTARTS in m64.faults.quirks


async def test_v2_power_off_on_v3_firmware_does_not_hold(m64: SimulatedMiner) -> None:
    reply = await Session(m64.port, V3_PASSWORD).write("power_off", respbefore="true")
    assert reply["Msg"] == "API command OK"
    assert await _working(m64) == "false"  # it stopped ...
    assert m64.state.power_w < 50 and m64.state.hashrate == 0
    m64.clock.advance(m64.timing.self_restart_s - 1)
    assert await _working(m64) == "false"
    _after_restart(m64)
    assert await _working(m64) == "true"  # ... and btminer started again by itself
    assert m64.state.hashrate > 0 and m64.state.power_w > 1000
    assert m64.counters.self_restarts == 1
    assert m64.counters.commands["power_off"] == 1


async def test_v3_stop_holds_on_the_same_firmware(m64: SimulatedMiner) -> None:
    assert (await Client(m64.v3_port).write("set.miner.service", "stop"))["code"] == 0
    _after_restart(m64)
    m64.clock.advance(600)
    assert await _working(m64) == "false"
    assert m64.state.hashrate == 0 and m64.counters.self_restarts == 0


async def test_a_start_before_the_restart_cancels_it(m64: SimulatedMiner) -> None:
    session = Session(m64.port, V3_PASSWORD)
    await session.write("power_off", respbefore="true")
    assert (await Client(m64.v3_port).write("set.miner.service", "start"))["code"] == 0
    assert (await Client(m64.v3_port).write("set.miner.service", "stop"))["code"] == 0
    _after_restart(m64)
    assert await _working(m64) == "false"  # the v3 stop replaced the pending restart
    assert m64.counters.self_restarts == 0


async def test_a_start_before_the_restart_keeps_it_mining(m64: SimulatedMiner) -> None:
    await Session(m64.port, V3_PASSWORD).write("power_off", respbefore="true")
    assert (await Client(m64.v3_port).write("set.miner.service", "start"))["code"] == 0
    _after_restart(m64)
    assert await _working(m64) == "true" and m64.counters.self_restarts == 0


async def test_a_v3_stop_after_the_v2_one_holds(m64: SimulatedMiner) -> None:
    await Session(m64.port, V3_PASSWORD).write("power_off", respbefore="true")
    assert (await Client(m64.v3_port).write("set.miner.service", "stop"))["code"] == 0
    _after_restart(m64)
    assert await _working(m64) == "false" and m64.counters.self_restarts == 0


async def test_stop_restarts_quirk_makes_every_stop_restart(m64: SimulatedMiner) -> None:
    m64.faults.quirks.add(Quirk.STOP_RESTARTS)
    assert (await Client(m64.v3_port).write("set.miner.service", "stop"))["code"] == 0
    assert await _working(m64) == "false"
    _after_restart(m64)
    assert await _working(m64) == "true" and m64.counters.self_restarts == 1


async def test_without_the_quirk_v3_firmware_ignores_v2_writes(m64: SimulatedMiner) -> None:
    m64.faults.quirks.discard(Quirk.V2_STOP_RESTARTS)
    await Session(m64.port, V3_PASSWORD).write("power_off", respbefore="true")
    assert await _working(m64) == "true"  # answered OK, changed nothing


async def test_the_quirk_needs_v3_firmware(miner: SimulatedMiner) -> None:
    """On v2 firmware a power_off holds, quirk or not (the report is about v3 firmware)."""
    miner.faults.quirks.add(Quirk.V2_STOP_RESTARTS)
    await Session(miner.port).write("power_off", respbefore="true")
    _after_restart(miner)
    assert miner.state.hashrate == 0 and not miner.state.mining
