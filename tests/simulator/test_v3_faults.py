"""The shared fault switches and the v3 quirks of spec 7.2, flipped at run time on 4433."""

from __future__ import annotations

import asyncio
import time

import pytest

from simulator import Quirk, SimulatedMiner
from simulator.v3.reads import BTMINER_DOWN

from .wire_v3 import HOST, Client, Conn, read


async def test_offline_and_back(v3miner: SimulatedMiner) -> None:
    v3miner.faults.offline = True
    with pytest.raises(ConnectionRefusedError):
        await read(v3miner.v3_port, "get.device.info")
    v3miner.faults.offline = False
    assert (await read(v3miner.v3_port, "get.device.info"))["code"] == 0


async def test_hang_and_slow_reply(v3miner: SimulatedMiner) -> None:
    v3miner.faults.hang = True
    with pytest.raises(TimeoutError):
        async with Conn(v3miner.v3_port) as conn:
            await conn.request({"cmd": "get.fan.setting"}, wait_s=0.3)
    v3miner.faults.hang = False
    v3miner.faults.slow_reply_s = 0.3
    started = time.monotonic()
    assert (await read(v3miner.v3_port, "get.fan.setting"))["code"] == 0
    assert time.monotonic() - started >= 0.3


async def test_drop_after_a_write_carries_it_out(v3miner: SimulatedMiner) -> None:
    v3miner.faults.drop_after_write = True
    client = Client(v3miner.v3_port)
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw(await client.framed("set.miner.service", "stop"))
        assert await conn.closed()
    assert not v3miner.state.mining  # outcome unknown to the client, but done
    assert (await read(v3miner.v3_port, "get.fan.setting"))["code"] == 0  # reads unaffected


async def test_frame_cut_in_half(v3miner: SimulatedMiner) -> None:
    v3miner.faults.close_mid_reply = True
    async with Conn(v3miner.v3_port) as conn:
        with pytest.raises(asyncio.IncompleteReadError):
            await conn.request({"cmd": "get.device.info"})


async def test_garbage_length(v3miner: SimulatedMiner) -> None:
    v3miner.faults.garbage_length = True
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw(b'\x1c\x00\x00\x00{"cmd":"get.system.setting"}')
        header = await asyncio.wait_for(conn.reader.readexactly(4), 5)
        assert int.from_bytes(header, "little") > 1024 * 1024


async def test_btminer_down_string(v3miner: SimulatedMiner) -> None:
    v3miner.faults.btminer_down = True
    reply = await read(v3miner.v3_port, "get.miner.status", "summary+pools")
    assert (reply["code"], reply["msg"]) == (0, BTMINER_DOWN)
    v3miner.faults.btminer_down = False
    assert isinstance((await read(v3miner.v3_port, "get.miner.status", "summary"))["msg"], dict)


async def test_quirks(v3miner: SimulatedMiner) -> None:
    v3miner.faults.quirks |= {
        Quirk.POWER_LIMIT_GARBAGE,
        Quirk.NEGATIVE_FACTORY_HASH,
        Quirk.MISSPELLED_KEYS,
    }
    info = (await read(v3miner.v3_port, "get.device.info", "miner"))["msg"]["miner"]
    assert info["power-limit-set"] == "4294967295"
    summary = (await read(v3miner.v3_port, "get.miner.status", "summary"))["msg"]["summary"]
    assert summary["factory-hash"] == -0.003
    assert "environment-tempurature" in summary
    assert "board-tempurature" in summary
    assert "environment-temperature" not in summary


async def test_no_reply_to_reboot(v3miner: SimulatedMiner) -> None:
    v3miner.faults.no_reply_to_reboot = True
    client = Client(v3miner.v3_port)
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw(await client.framed("set.system.reboot"))
        assert await conn.closed()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(HOST, v3miner.v3_port)
