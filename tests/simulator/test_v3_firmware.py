"""v3 firmware on 4028 (spec 6.3) and the v2 -> v3 firmware upgrade, end to end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from simulator import MinerSimulator, SimClock, SimulatedMiner
from simulator.profiles import PROFILES, V3_FIRMWARE_MARKER

from .test_control import encrypted_stream
from .wire import HOST, Session, command
from .wire_v3 import read

V2_PASSWORD = "admin"  # the v2 factory default the Session logs in with
MISSING_IN_COMPAT = ("MHS 5s", "MHS 5m", "Target MHS")


async def assert_compat_4028(miner: SimulatedMiner) -> None:
    version = (await command(miner.port, "get_version"))["Msg"]
    assert (version["api_ver"], version["miner_type"]) == ("2.2.2", miner.profile.model)
    summary = await command(miner.port, "summary")
    assert summary["STATUS"] == "S"
    fields = summary["Msg"]
    assert not any(key in fields for key in MISSING_IN_COMPAT)
    assert isinstance(fields["Elapsed"], float)
    assert fields["Hash Stable"] in ("true", "false")
    boards = (await command(miner.port, "edevs"))["DEVS"]
    assert all("ASC" not in b and "Chip Temp Avg" not in b for b in boards)
    per_board = sum(b["MHS av"] for b in boards)  # TH/s per board, MH/s in summary
    assert per_board == pytest.approx(fields["MHS av"] / 1e6, rel=0.05)
    pools = (await command(miner.port, "pools"))["POOLS"]
    assert "Accepted" in pools[0]
    status = (await command(miner.port, "status"))["Msg"]
    assert {"fast_mining", "fast_hash", "liquid_temp", "power_pct", "hash_percent"} <= set(status)
    devdetails = await command(miner.port, "devdetails")  # how asic-rs finds a WhatsMiner
    assert devdetails["DEVDETAILS"][0]["Driver"] == "bitmicro"


async def test_v3_firmware_answers_the_reduced_api_on_4028(v3miner: SimulatedMiner) -> None:
    await assert_compat_4028(v3miner)
    info = (await command(v3miner.port, "get_miner_info", info="mac"))["Msg"]
    assert info["mac"] == v3miner.state.mac


async def test_v2_writes_on_v3_firmware_answer_ok_and_do_not_hold(v3miner: SimulatedMiner) -> None:
    session = Session(v3miner.port, "pw2026")
    reply = await session.write("power_off", respbefore="true")
    assert (reply["STATUS"], reply["Msg"]) == ("S", "API command OK")
    assert v3miner.state.mining
    assert (await session.write("set_low_power"))["Code"] == 131
    assert v3miner.state.power_mode == "normal"


async def upload_v2(miner: SimulatedMiner, image: bytes) -> None:
    session = Session(miner.port, V2_PASSWORD)
    await session.login()
    header, _, (reader, writer) = await encrypted_stream(session, "update_firmware")
    assert header["Msg"] == "ready"
    writer.write(len(image).to_bytes(4, "little") + image)
    await writer.drain()
    await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()


async def test_marked_image_upgrades_a_v2_miner_to_v3(socket_enabled: None) -> None:
    async with MinerSimulator(profile="m50_v2", clock=SimClock(frozen=True)) as sim:
        miner = sim.miners[0]
        mac = miner.state.mac
        v2_version = (await command(miner.port, "get_version"))["Msg"]
        assert v2_version["api_ver"] == "2.0.5"
        assert not miner.state.v3
        with pytest.raises(ConnectionRefusedError):
            await read(miner.v3_port, "get.device.info")
        image = b"\x00" * 50_000 + V3_FIRMWARE_MARKER + b" 20250801.16.Rel2" + b"\xff" * 10
        await upload_v2(miner, image)
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(HOST, miner.port)
        miner.clock.advance(miner.timing.reboot_s)
        info: Any = (await read(miner.v3_port, "get.device.info"))["msg"]
        assert (info["system"]["api"], info["system"]["fwversion"]) == ("3.0.2", "20250801.16.Rel2")
        assert (info["network"]["mac"], info["miner"]["type"]) == (mac, "M50_VH50")
        miner.clock.advance(miner.timing.btminer_restart_s + miner.timing.warmup_s)
        await assert_compat_4028(miner)


async def test_unmarked_image_stays_on_v2(socket_enabled: None) -> None:
    async with MinerSimulator(profile="m50_v2", clock=SimClock(frozen=True)) as sim:
        miner = sim.miners[0]
        await upload_v2(miner, b"plain image 20241201.15.REL")
        miner.clock.advance(miner.timing.reboot_s)
        assert (await command(miner.port, "get_version"))["Msg"]["api_ver"] == "2.0.5"
        assert not miner.state.v3


async def test_api_v3_switch_on_a_v2_profile(socket_enabled: None) -> None:
    async with MinerSimulator(api="v3", clock=SimClock(frozen=True)) as sim:
        miner = sim.miners[0]
        assert (await read(miner.v3_port, "get.device.info", "miner"))["msg"]["miner"][
            "type"
        ] == "M30S+VE40"
        assert (await command(miner.port, "get_version"))["Msg"]["api_ver"] == "2.2.2"
    with pytest.raises(ValueError, match="unknown api"):
        MinerSimulator(api="v4")


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_api_v3_reports_a_v3_era_firmware_everywhere(
    socket_enabled: None, profile: str
) -> None:
    """A model forced onto v3 firmware reports a 2025+ build on 4028 and 4433 alike."""
    async with MinerSimulator(profile=profile, api="v3", clock=SimClock(frozen=True)) as sim:
        miner = sim.miners[0]
        device = (await read(miner.v3_port, "get.device.info", "system"))["msg"]["system"]
        version = (await command(miner.port, "get_version"))["Msg"]["fw_ver"]
        status = (await command(miner.port, "status"))["Msg"]
        reported = status.get("FirmwareVersion", status.get("Firmware Version"))
        assert {device["fwversion"], version, reported.strip("'")} == {miner.state.fw_ver}
        assert miner.state.fw_ver[:4] in {"2025", "2026"}
        if PROFILES[profile].v3:  # shipped with v3 firmware: its own build
            assert miner.state.fw_ver == PROFILES[profile].fw_ver


async def test_default_model_on_api_v3_is_not_on_its_v2_build(socket_enabled: None) -> None:
    async with MinerSimulator(api="v3", clock=SimClock(frozen=True)) as sim:
        version = (await command(sim.miners[0].port, "get_version"))["Msg"]
        assert (version["api_ver"], version["fw_ver"]) == ("2.2.2", "20250321.14.Rel")
    async with MinerSimulator(clock=SimClock(frozen=True)) as sim:  # v2 firmware: unchanged
        version = (await command(sim.miners[0].port, "get_version"))["Msg"]
        assert (version["api_ver"], version["fw_ver"]) == ("2.0.5", "20230803.11.REL")
