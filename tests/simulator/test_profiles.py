"""Miner models and firmware generations."""

from __future__ import annotations

import json

import pytest

from simulator import MinerSimulator, SimClock

from .wire import Session, command, exchange


async def test_legacy_firmware_speaks_api_1_4(socket_enabled: None) -> None:
    async with MinerSimulator(profile="m20s_legacy", clock=SimClock(frozen=True)) as sim:
        miner = sim.miners[0]
        raw = await exchange(miner.port, b'{"cmd":"status"}')
        assert raw.endswith(b"}\x00")
        status = json.loads(raw.rstrip(b"\x00"))
        assert status["Description"] == "whatsminer v1.4.0"
        assert status["Msg"] == {"Firmware Version": "'20210322.22.REL'", "btmineroff": "false"}
        version = (await command(miner.port, "get_version"))["Msg"]
        assert version == {"api_ver": "whatsminer v1.4.0", "fw_ver": "20210322.22.REL"}
        miner.raise_error(110)
        miner.raise_error(600)
        summary = (await command(miner.port, "summary"))["SUMMARY"][0]
        assert summary["Error Code Count"] == 2
        assert (summary["Error Code 0"], summary["Error Code 1"]) == (110, 600)
        assert summary["Firmware Version"] == "'20210322.22.REL'"
        assert (await command(miner.port, "get_error_code"))["Code"] == 14
        assert (await Session(miner.port).write("set_power_pct_v2", percent=50))["Code"] == 14
        await Session(miner.port).write("power_off", respbefore="true")
        assert (await command(miner.port, "status"))["Msg"]["btmineroff"] == "true"


async def test_hydro_has_four_boards_no_fans_and_heat_mode(socket_enabled: None) -> None:
    async with MinerSimulator(profile="m56s_hydro", clock=SimClock(frozen=True)) as sim:
        miner = sim.miners[0]
        summary = (await command(miner.port, "summary"))["SUMMARY"][0]
        assert (summary["Fan Speed In"], summary["Fan Speed Out"]) == (0, 0)
        assert summary["Power"] > 5000
        assert summary["Liquid Cooling"] is True
        assert len((await command(miner.port, "edevs"))["DEVS"]) == 4
        assert (await command(miner.port, "devdetails"))["DEVDETAILS"][0]["Model"] == "M56S_VH30"
        psu = (await command(miner.port, "get_psu"))["Msg"]
        assert {"vendor", "pin", "temp0"} <= set(psu)
        session = Session(miner.port)
        assert (await session.write("set_heat_mode", mode="heating"))["Code"] == 131
        assert (await command(miner.port, "status"))["Msg"]["heat_mode"] == "heating"
        assert (await session.write("set_heat_mode", mode="sauna"))["Code"] == 14
        info = (await command(miner.port, "get_miner_info", info="minersn,powersn"))["Msg"]
        assert info["minersn"] == miner.state.serial


async def test_air_cooled_miner_has_no_heat_mode(socket_enabled: None) -> None:
    async with MinerSimulator(clock=SimClock(frozen=True)) as sim:
        reply = await Session(sim.miners[0].port).write("set_heat_mode", mode="heating")
        assert reply["Code"] == 132


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="m30s_plus"):
        MinerSimulator(profile="s19")


async def test_miners_with_a_custom_password(socket_enabled: None) -> None:
    async with MinerSimulator(count=2, password="barn_42", clock=SimClock(frozen=True)) as sim:
        for miner in sim.miners:
            reply = await Session(miner.port, password="barn_42").write("set_led", param="auto")
            assert reply["Code"] == 131
            assert (await Session(miner.port).write("set_led", param="auto"))["Code"] == 23


async def test_legacy_summary_has_the_api_1_4_fields(socket_enabled: None) -> None:
    async with MinerSimulator(profile="m20s_legacy", clock=SimClock(frozen=True)) as sim:
        summary = (await command(sim.miners[0].port, "summary"))["SUMMARY"][0]
        assert summary["CB Platform"] == "ALLWINNER_H3"
        assert summary["Liquid Cooling"] is False
        assert summary["MAC"] == sim.miners[0].state.mac
        assert summary["Power Mode"] == "Normal"
        assert "Btminer Fast Boot" not in summary
        assert 60e6 < summary["MHS av"] < 75e6
