"""Read commands and envelopes over raw sockets."""

from __future__ import annotations

import json

from simulator import MinerSimulator, SimulatedMiner

from .wire import command, exchange, loads


async def test_summary_is_a_cgminer_envelope_with_live_values(miner: SimulatedMiner) -> None:
    reply = await command(miner.port, "summary")
    status = reply["STATUS"][0]
    assert (status["STATUS"], status["Code"], status["Msg"]) == ("S", 11, "Summary")
    assert reply["id"] == 1
    summary = reply["SUMMARY"][0]
    assert summary["Power Mode"] == "Normal"
    assert summary["Factory GHS"] == 100_000
    assert 95e6 < summary["MHS av"] < 105e6
    assert 3300 < summary["Power"] < 3500
    assert summary["Btminer Fast Boot"] == "disable"
    assert summary["Fan Speed In"] > 1000


async def test_command_key_and_trailing_newline_are_accepted(miner: SimulatedMiner) -> None:
    reply = loads(await exchange(miner.port, b'{"command": "pools"}\n'))
    assert reply["STATUS"][0]["Msg"] == "3 Pool(s)"
    assert [p["POOL"] for p in reply["POOLS"]] == [1, 2, 3]
    assert reply["POOLS"][0]["URL"] == "stratum+tcp://btc.ss.poolin.com:443"


async def test_edevs_devs_and_devdetails_describe_three_boards(miner: SimulatedMiner) -> None:
    edevs = await command(miner.port, "edevs")
    devs = await command(miner.port, "devs")
    details = await command(miner.port, "devdetails")
    assert edevs["STATUS"][0]["Msg"] == "3 ASC(s)"
    assert [d["Slot"] for d in devs["DEVS"]] == [0, 1, 2]
    assert details["STATUS"][0]["Code"] == 69
    assert {d["Model"] for d in details["DEVDETAILS"]} == {"M30S+VE40"}
    assert {d["Driver"] for d in details["DEVDETAILS"]} == {"bitmicro"}


async def test_flat_reads(miner: SimulatedMiner) -> None:
    version = await command(miner.port, "get_version")
    assert version["Code"] == 131
    assert version["Msg"]["api_ver"] == "2.0.5"
    assert version["Msg"]["fw_ver"] == "20230803.11.REL"
    status = (await command(miner.port, "status"))["Msg"]
    assert (status["mineroff"], status["power_mode"]) == ("false", "normal")
    psu = (await command(miner.port, "get_psu"))["Msg"]
    assert psu["vender"] == "7"
    assert all(isinstance(v, str) for v in psu.values())
    errors = await command(miner.port, "get_error_code")
    assert errors["Msg"] == {"error_code": []}


async def test_miner_info_honours_info_once_per_key(miner: SimulatedMiner) -> None:
    info = "ip,proto,netmask,gateway,dns,hostname,mac,ledstat,gateway"
    raw = await exchange(miner.port, json.dumps({"cmd": "get_miner_info", "info": info}).encode())
    assert raw.count(b'"gateway"') == 1
    msg = loads(raw)["Msg"]
    assert list(msg) == info.split(",")[:-1]
    assert msg["ledstat"] == "auto"
    bare = (await command(miner.port, "get_miner_info"))["Msg"]
    assert bare == {"hostname": "WhatsMiner", "mac": miner.state.mac, "ledstat": "auto"}


async def test_raised_errors_are_listed_and_cleared(miner: SimulatedMiner) -> None:
    miner.raise_error(329)
    miner.raise_error(110)
    codes = (await command(miner.port, "get_error_code"))["Msg"]["error_code"]
    assert [next(iter(c)) for c in codes] == ["329", "110"]
    miner.clear_errors()
    assert (await command(miner.port, "get_error_code"))["Msg"]["error_code"] == []


async def test_unknown_command_gets_code_14(miner: SimulatedMiner) -> None:
    reply = await command(miner.port, "stats")
    assert (reply["STATUS"], reply["Code"], reply["Msg"]) == ("E", 14, "invalid cmd")


async def test_joined_reads_use_the_cgminer_join_format(miner: SimulatedMiner) -> None:
    reply = await command(miner.port, "summary+pools+status+bogus+pools")
    assert set(reply) == {"summary", "pools", "status", "bogus", "id"}
    assert reply["summary"][0]["STATUS"][0]["Msg"] == "Summary"
    assert reply["pools"][0]["POOLS"][0]["POOL"] == 1
    assert reply["status"][0]["STATUS"][0]["Code"] == 45
    assert reply["status"][0]["STATUS"][0]["STATUS"] == "E"
    assert reply["bogus"][0]["STATUS"][0]["Code"] == 14
    assert reply["id"] == 1


async def test_many_miners_listen_on_distinct_ports(socket_enabled: None) -> None:
    async with MinerSimulator(count=5) as sim:
        ports = {m.port for m in sim.miners}
        assert len(ports) == 5
        for m in sim.miners:
            assert (await command(m.port, "devdetails"))["DEVDETAILS"][0]["Name"] == "SM"
        assert all(m.counters.connections == 1 for m in sim.miners)
