"""Fault switches and firmware quirks (spec section 7), flipped at run time."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from simulator import MinerSimulator, Quirk, SimClock, SimulatedMiner, Timing

from .wire import HOST, Session, command, exchange, loads


async def test_offline_refuses_connections_until_back(miner: SimulatedMiner) -> None:
    miner.faults.offline = True
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(HOST, miner.port)
    miner.faults.offline = False
    assert (await command(miner.port, "get_version"))["Code"] == 131


async def test_hang_accepts_and_never_replies(miner: SimulatedMiner) -> None:
    miner.faults.hang = True
    with pytest.raises(TimeoutError):
        await exchange(miner.port, b'{"cmd":"summary"}', wait_s=0.3)
    miner.faults.hang = False
    assert (await command(miner.port, "summary"))["STATUS"][0]["STATUS"] == "S"


async def test_slow_reply(miner: SimulatedMiner) -> None:
    miner.faults.slow_reply_s = 0.3
    started = time.monotonic()
    assert (await command(miner.port, "status"))["Code"] == 131
    assert time.monotonic() - started >= 0.3


async def test_close_mid_reply(miner: SimulatedMiner) -> None:
    miner.faults.close_mid_reply = True
    data = await exchange(miner.port, b'{"cmd":"summary"}')
    assert data.startswith(b'{"STATUS":[')
    with pytest.raises(json.JSONDecodeError):
        json.loads(data)


async def test_idle_connection_is_closed(socket_enabled: None) -> None:
    async with MinerSimulator(timing=Timing(idle_timeout_s=0.2)) as sim:
        reader, writer = await asyncio.open_connection(HOST, sim.miners[0].port)
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()
        await writer.wait_closed()


async def test_no_reply_to_power_off_and_reboot(miner: SimulatedMiner) -> None:
    miner.faults.no_reply_to_power_off = True
    miner.faults.no_reply_to_reboot = True
    session = Session(miner.port)
    await session.login()
    power_off = session.seal({"cmd": "power_off", "respbefore": "true"})
    assert await exchange(miner.port, power_off, half_close=True) == b""
    assert not miner.state.mining
    assert await exchange(miner.port, session.seal({"cmd": "reboot"}), half_close=True) == b""
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(HOST, miner.port)


async def test_v3_only_firmware(miner: SimulatedMiner) -> None:
    miner.faults.v3_only = True
    version = (await command(miner.port, "get_version"))["Msg"]["fw_ver"]
    assert version.startswith("2025")
    assert (await command(miner.port, "summary"))["SUMMARY"][0]["MHS av"] > 0
    reply = await Session(miner.port).write("power_off", respbefore="false")
    assert (reply["STATUS"], reply["Code"]) == ("E", 132)
    assert miner.state.mining


async def test_token_exhaustion(miner: SimulatedMiner) -> None:
    miner.faults.token_exhaustion = True
    reply = await command(miner.port, "get_token")
    assert (reply["Code"], reply["Msg"]) == (136, "over max connect")
    miner.faults.token_exhaustion = False
    assert (await command(miner.port, "get_token"))["Code"] == 134


async def test_btminer_down(miner: SimulatedMiner) -> None:
    miner.faults.btminer_down = True
    for cmd in (b'{"cmd":"summary"}', b'{"cmd":"devs"}', b'{"cmd":"summary+pools"}'):
        assert await exchange(miner.port, cmd) == b"Socket connect failed: Connection refused\n"
    assert (await command(miner.port, "get_version"))["Code"] == 131


async def quirky(miner: SimulatedMiner, quirk: str, request: dict[str, object]) -> str:
    miner.faults.quirks.add(quirk)
    return (await exchange(miner.port, json.dumps(request).encode())).decode()


async def test_trailing_nul(miner: SimulatedMiner) -> None:
    assert not (await exchange(miner.port, b'{"cmd":"status"}')).endswith(b"\x00")
    text = await quirky(miner, Quirk.TRAILING_NUL, {"cmd": "summary"})
    assert text.endswith("}\x00")


async def test_trailing_comma_on_bare_miner_info(miner: SimulatedMiner) -> None:
    text = await quirky(miner, Quirk.TRAILING_COMMA, {"cmd": "get_miner_info"})
    assert '"ledstat":"auto",}' in text
    with_info = {"cmd": "get_miner_info", "info": "mac,ledstat"}
    assert loads(await exchange(miner.port, json.dumps(with_info).encode()))["Code"] == 131


async def test_raw_newlines(miner: SimulatedMiner) -> None:
    text = await quirky(miner, Quirk.RAW_NEWLINES, {"cmd": "get_version"})
    assert "\n" in text
    assert json.loads(text.replace("\n", ""))["Msg"]["api_ver"] == "2.0.5"


async def test_psu_missing_comma(miner: SimulatedMiner) -> None:
    text = await quirky(miner, Quirk.PSU_MISSING_COMMA, {"cmd": "get_psu"})
    assert '""temp0"' in text
    assert json.loads(text.replace('""temp0', '","temp0'))["Msg"]["temp0"]


async def test_error_code_brackets(miner: SimulatedMiner) -> None:
    miner.raise_error(329)
    miner.raise_error(110)
    text = await quirky(miner, Quirk.ERROR_CODE_BRACKETS, {"cmd": "get_error_code"})
    assert '"error_code":["329":"' in text
    repaired = json.loads(text.replace('"error_code":[', '"error_code":{').replace("]}", "}}"))
    assert set(repaired["Msg"]["error_code"]) == {"329", "110"}


async def test_truncated_reply(miner: SimulatedMiner) -> None:
    for code in range(100, 400):
        miner.raise_error(code)
    text = await quirky(miner, Quirk.TRUNCATED_REPLY, {"cmd": "get_error_code"})
    assert text.startswith('{"STATUS":"S"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


async def test_inf_and_nan(miner: SimulatedMiner) -> None:
    await Session(miner.port).write("power_off", respbefore="false")
    text = await quirky(miner, Quirk.INF_NAN, {"cmd": "summary"})
    assert '"Power Rate":inf' in text
    assert '"Hash Deviation%":nan' in text


async def test_quoted_firmware(miner: SimulatedMiner) -> None:
    text = await quirky(miner, Quirk.QUOTED_FIRMWARE, {"cmd": "status"})
    assert json.loads(text)["Msg"]["FirmwareVersion"] == "'20230803.11.REL'"


async def test_key_variants(miner: SimulatedMiner) -> None:
    miner.faults.quirks |= {Quirk.PSU_VENDOR, Quirk.DEVS_WITHOUT_ASC, Quirk.DEVS_FACTORY_GHS}
    miner.faults.quirks |= {Quirk.LEGACY_STATUS, Quirk.SUMMARY_IN_MSG}
    assert "vendor" in (await command(miner.port, "get_psu"))["Msg"]
    board = (await command(miner.port, "devs"))["DEVS"][0]
    assert "ASC" not in board
    assert "Factory GHS" in board
    assert "HS Factory" not in board
    assert (await command(miner.port, "status"))["Msg"]["btmineroff"] == "false"
    flat_summary = await command(miner.port, "summary")
    assert (flat_summary["STATUS"], flat_summary["Code"]) == ("S", 131)
    assert flat_summary["Msg"]["MHS av"] > 0


async def test_silent_wrong_password(miner: SimulatedMiner) -> None:
    miner.faults.quirks.add(Quirk.SILENT_WRONG_PASSWORD)
    session = Session(miner.port, password="wrong")
    await session.login()
    data = session.seal({"cmd": "power_off", "respbefore": "true"})
    assert await exchange(miner.port, data, half_close=True) == b""


async def test_keep_open_after_reply(socket_enabled: None) -> None:
    async with MinerSimulator(timing=Timing(idle_timeout_s=0.3), clock=SimClock()) as sim:
        miner = sim.miners[0]
        miner.faults.quirks |= {Quirk.KEEP_OPEN, Quirk.TRAILING_NUL}
        reader, writer = await asyncio.open_connection(HOST, miner.port)
        writer.write(b'{"cmd":"status"}')
        reply = await asyncio.wait_for(reader.readuntil(b"\x00"), 2)
        assert loads(reply)["Code"] == 131
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), 2) == b""
        assert time.monotonic() - started >= 0.2
        writer.close()
        await writer.wait_closed()


async def test_offline_flapping_within_one_tick(miner: SimulatedMiner) -> None:
    for offline in (True, False, True, False, True):
        miner.faults.offline = offline
    await asyncio.sleep(0.01)
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(HOST, miner.port)
    miner.faults.offline = False
    assert (await command(miner.port, "get_version"))["Code"] == 131
