"""The open_write_api handshake on the v2 port (spec v2 5.6, v3 3.1), on both firmware
generations, with the token worked out here from the spec's formula."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import pytest

from simulator import MinerSimulator, SimClock, SimulatedMiner, Unlock
from simulator.__main__ import parse_args, serve

from .conftest import V3_PASSWORD
from .test_cli import free_port_block
from .wire import HOST, Session, command, loads, md5crypt_body
from .wire_v3 import read

OPEN = {"command": "open_write_api", "client": "heatcore", "enable": True}
KEY = "3804fe31981418ce711a31d94bc69651"


def token(password: str, msg: dict[str, str]) -> str:
    text = msg["time"] + msg["newsalt"] + KEY + md5crypt_body(password, msg["salt"])
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


async def read_one(reader: asyncio.StreamReader) -> Any:
    """One reply on a connection that stays open (its end: the JSON object closes)."""
    data = b""
    while True:
        data += await asyncio.wait_for(reader.read(4096), 5)
        try:
            return loads(data)
        except ValueError:
            continue


async def handshake(port: int, password: str | None = "admin") -> tuple[Any, Any]:
    """(the opening reply, the answer to the token); password None: a made-up token."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(json.dumps(OPEN).encode())
        await writer.drain()
        opening = await read_one(reader)
        if opening.get("STATUS") == "E":
            return opening, None
        sent = token(password, opening["Msg"]) if password is not None else "0" * 32
        writer.write(json.dumps({"token": sent}).encode())
        await writer.drain()
        return opening, await read_one(reader)
    finally:
        writer.close()


async def test_switches_the_v2_write_api_on(miner: SimulatedMiner) -> None:
    miner.state.api_enabled = False
    opening, answer = await handshake(miner.port)
    assert opening["Code"] == 134
    assert opening["Msg"]["salt"] == miner.state.salt
    assert len(opening["Msg"]["newsalt"]) == 8
    assert opening["Msg"]["time"] == str(opening["When"])
    assert (answer["STATUS"], answer["Code"]) == ("S", 131)
    assert miner.state.api_enabled
    assert miner.counters.commands["open_write_api"] == 1
    assert (await Session(miner.port).write("set_led", param="auto"))["Code"] == 131


async def test_wrong_token(miner: SimulatedMiner) -> None:
    miner.state.api_enabled = False
    _, answer = await handshake(miner.port, None)
    assert (answer["STATUS"], answer["Code"], answer["Msg"]) == ("E", 135, "check token err")
    _, answer = await handshake(miner.port, "other")
    assert answer["Code"] == 135
    assert not miner.state.api_enabled


async def test_admin_password_not_factory(miner: SimulatedMiner) -> None:
    miner.state.password, miner.state.api_enabled = "own_pw1", False
    assert (await handshake(miner.port, "admin"))[1]["Code"] == 135
    assert (await handshake(miner.port, "own_pw1"))[1]["Code"] == 131
    assert miner.state.api_enabled


async def test_refusing_firmware(miner: SimulatedMiner) -> None:
    """Salts and an OK, but the switch stays off."""
    miner.state.api_enabled, miner.faults.unlock = False, Unlock.REFUSE
    _, answer = await handshake(miner.port)
    assert answer["Code"] == 131
    assert not miner.state.api_enabled


async def test_firmware_without_the_command(miner: SimulatedMiner) -> None:
    miner.state.api_enabled, miner.faults.unlock = False, Unlock.UNSUPPORTED
    opening, _ = await handshake(miner.port)
    assert (opening["STATUS"], opening["Code"], opening["Msg"]) == ("E", 14, "invalid cmd")
    assert not miner.state.api_enabled


async def test_client_gone_before_the_token(miner: SimulatedMiner) -> None:
    """A client that hangs up after the salts leaves the switch as it was."""
    miner.state.api_enabled = False
    reader, writer = await asyncio.open_connection(HOST, miner.port)
    writer.write(json.dumps(OPEN).encode())
    await read_one(reader)
    writer.close()
    await asyncio.sleep(0.05)
    assert not miner.state.api_enabled
    assert (await command(miner.port, "get_version"))["Code"] == 131


async def test_v3_firmware_takes_it_on_4028(v3miner: SimulatedMiner) -> None:
    """The v2 admin password (here the same as super's at start) opens the v3 write switch."""
    v3miner.state.api_enabled = False
    system = (await read(v3miner.v3_port, "get.device.info", "system"))["msg"]["system"]
    assert system["apiswitch"] == "0"
    _, answer = await handshake(v3miner.port, V3_PASSWORD)
    assert answer["Code"] == 131
    system = (await read(v3miner.v3_port, "get.device.info", "system"))["msg"]["system"]
    assert system["apiswitch"] == "1"


async def test_trailing_nul_quirk(socket_enabled: None) -> None:
    async with MinerSimulator(
        profile="m20s_legacy", clock=SimClock(frozen=True), write_api=False
    ) as sim:
        miner = sim.miners[0]
        assert not miner.state.api_enabled
        assert (await handshake(miner.port))[1]["Code"] == 131
        assert miner.state.api_enabled


async def test_cli_flags(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    """--write-api off starts the miner as it leaves the factory; --unlock refuse keeps it so."""
    assert (parse_args([]).write_api, parse_args([]).unlock) == (None, "accept")
    args = parse_args(
        ["--port", str(free_port_block(1)), "--write-api", "off", "--unlock", "refuse"]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(args, stop))
    try:
        for _ in range(200):
            if capsys.readouterr().out:
                break
            await asyncio.sleep(0.01)
        assert (await handshake(args.port))[1]["Code"] == 131
        reply = await Session(args.port).write("set_led", param="auto")
        assert reply["Msg"] == "can't access write cmd"
    finally:
        stop.set()
        await task
