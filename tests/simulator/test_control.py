"""Write commands change what the read commands report (spec section 6)."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from typing import Any

import pytest

from simulator import SimulatedMiner

from .wire import HOST, Session, command, exchange

SOCKET_FAILED = b"Socket connect failed: Connection refused\n"


async def summary(miner: SimulatedMiner) -> dict[str, Any]:
    reply = await command(miner.port, "summary")
    return dict(reply["SUMMARY"][0])


async def status(miner: SimulatedMiner) -> dict[str, Any]:
    return dict((await command(miner.port, "status"))["Msg"])


def settle(miner: SimulatedMiner) -> None:
    """Let btminer restart and warm up."""
    miner.clock.advance(miner.timing.btminer_restart_s + miner.timing.warmup_s + 1)


async def test_power_modes_change_power_and_hashrate(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    seen = {}
    for mode in ("low", "high", "normal"):
        assert (await session.write(f"set_{mode}_power"))["Code"] == 131
        # btminer restarts after a mode change
        assert await exchange(miner.port, b'{"cmd":"summary"}') == SOCKET_FAILED
        settle(miner)
        data = await summary(miner)
        assert data["Power Mode"] == mode.capitalize()
        assert (await status(miner))["power_mode"] == mode
        seen[mode] = (data["Power"], data["MHS av"])
    assert seen["low"][0] < seen["normal"][0] < seen["high"][0]
    assert seen["low"][1] < seen["normal"][1] < seen["high"][1]


async def test_power_off_and_on_with_warm_up(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    reply = await session.write("power_off", respbefore="true")
    assert reply["Msg"] == "API command OK"
    off = await status(miner)
    assert (off["mineroff"], off["mineroff_reason"]) == ("true", "by whatsminer api")
    assert off["mineroff_time"]
    data = await summary(miner)
    assert data["MHS av"] == 0
    assert data["Power"] < 20
    assert miner.state.hashrate == 0
    assert (await session.write("power_on"))["Msg"] == "API command OK"
    assert (await status(miner))["mineroff"] == "false"
    miner.clock.advance(miner.timing.warmup_s / 4)
    warming = await summary(miner)
    assert 0 < warming["MHS av"] < 50e6
    assert not warming["Hash Stable"]
    miner.clock.advance(miner.timing.warmup_s)
    warm = await summary(miner)
    assert warm["MHS av"] == pytest.approx(100e6, rel=0.01)
    assert warm["Hash Stable"]


async def test_cooling_after_power_off(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    hot = await summary(miner)
    await session.write("power_off", respbefore="false")
    miner.clock.advance(1800)
    cold = await summary(miner)
    assert cold["Temperature"] < hot["Temperature"] - 30
    assert cold["Fan Speed In"] == 0
    await session.write("set_poweroff_cool", poweroff_cool="1")
    await session.write("power_on")
    miner.clock.advance(600)
    await session.write("power_off", respbefore="false")
    assert (await summary(miner))["Fan Speed In"] > 0


async def test_set_power_pct_is_fast_and_v2_is_gradual(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    full = await summary(miner)
    assert (await session.write("set_power_pct", percent=50))["Code"] == 131
    miner.clock.advance(miner.timing.power_fast_s)  # fast: about a second
    half = await summary(miner)
    assert half["Power"] < full["Power"] * 0.55
    assert half["MHS av"] < full["MHS av"] * 0.6
    assert (await session.write("set_power_pct_v2", percent="100"))["Code"] == 131
    assert (await summary(miner))["Power"] == half["Power"]
    miner.clock.advance(miner.timing.power_ramp_s / 2)
    middle = (await summary(miner))["Power"]
    assert half["Power"] < middle < full["Power"]
    miner.clock.advance(miner.timing.power_ramp_s)
    assert (await summary(miner))["Power"] == full["Power"]


@pytest.mark.parametrize(
    ("cmd", "args"),
    [
        ("set_power_pct", {"percent": "101"}),
        ("set_power_pct", {"percent": "-1"}),
        ("set_power_pct", {"percent": "half"}),
        ("set_power_pct", {}),
        ("set_temp_offset", {"temp_offset": 1}),
        ("set_temp_offset", {"temp_offset": "-31"}),
        ("adjust_upfreq_speed", {"upfreq_speed": 10}),
        ("set_target_freq", {"percent": "-101"}),
        ("adjust_power_limit", {"power_limit": "100000"}),
        ("set_poweroff_cool", {"poweroff_cool": "2"}),
        ("set_led", {"color": "blue", "period": 200, "duration": 100, "start": 0}),
        ("power_off", {"respbefore": True}),
        ("update_pools", {"pool1": ""}),
        ("set_hostname", {"hostname": "bad host"}),
        ("load_log", {"ip": "1.2.3", "port": "514", "proto": "udp"}),
    ],
)
async def test_out_of_range_parameters_get_code_14(
    miner: SimulatedMiner, cmd: str, args: dict[str, Any]
) -> None:
    reply = await Session(miner.port).write(cmd, **args)
    assert (reply["STATUS"], reply["Code"]) == ("E", 14)
    assert miner.state.mining
    assert miner.state.power_pct == 100


async def test_adjust_power_limit_caps_power_and_restarts(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    assert (await session.write("adjust_power_limit", power_limit="3000"))["Code"] == 131
    assert await exchange(miner.port, b'{"cmd":"summary"}') == SOCKET_FAILED
    settle(miner)
    data = await summary(miner)
    assert data["Power Limit"] == 3000
    assert data["Power"] <= 3000 + 15
    assert (await status(miner))["power_limit_set"] == "3000"
    await session.write("adjust_power_limit", power_limit=99999)
    assert miner.state.power_limit_w == 3600


async def test_settings_show_in_reads(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    before = await summary(miner)
    changes: list[tuple[str, dict[str, Any]]] = [
        ("set_temp_offset", {"temp_offset": "-10"}),
        ("adjust_upfreq_speed", {"upfreq_speed": 3}),
        ("set_fan_zero_speed", {"fan_zero_speed": 1}),
        ("disable_web_pools", {}),
        ("disable_btminer_init", {}),
        ("set_zone", {"timezone": "CET-1CEST", "zonename": "Europe/Berlin"}),
        ("load_log", {"ip": "192.168.1.5", "port": 514, "proto": "udp"}),
        ("set_led", {"color": "red", "period": 200, "duration": 100, "start": 0}),
        ("set_hostname", {"hostname": "barn-7"}),
    ]
    for cmd, args in changes:
        assert (await session.write(cmd, **args))["Code"] == 131, cmd
    after = await summary(miner)
    assert after["Temperature"] < before["Temperature"]
    assert after["Fan Speed In"] > before["Fan Speed In"]
    info = "hostname,ledstat,upfreq_speed"
    msg = (await command(miner.port, "get_miner_info", info=info))["Msg"]
    assert msg == {"hostname": "barn-7", "ledstat": "manual", "upfreq_speed": "3"}
    state = miner.state
    assert (state.web_pools, state.btminer_init, state.fan_zero_speed) == (False, False, True)
    assert (state.timezone, state.zonename) == ("CET-1CEST", "Europe/Berlin")
    assert state.syslog is not None and state.syslog.port == "514"
    assert (await session.write("set_led", param="auto"))["Code"] == 131
    assert (await command(miner.port, "get_miner_info"))["Msg"]["ledstat"] == "auto"


async def test_fast_boot_shows_in_summary_and_excludes_upfreq(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    assert (await session.write("enable_btminer_fast_boot"))["Code"] == 131
    assert (await summary(miner))["Btminer Fast Boot"] == "enable"
    assert (await session.write("adjust_upfreq_speed", upfreq_speed="5"))["Code"] == 132
    assert (await session.write("disable_btminer_fast_boot"))["Code"] == 131
    assert (await summary(miner))["Btminer Fast Boot"] == "disable"


async def test_update_pools_switches_pools(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    pools: dict[str, Any] = {"pool1": "stratum+tcp://a.example:3333", "worker1": "me.1"}
    pools["passwd1"] = "x"
    pools |= {"pool2": "", "worker2": "", "passwd2": "", "pool3": "", "worker3": ""}
    assert (await session.write("update_pools", **pools))["Code"] == 131
    reply = await command(miner.port, "pools")
    assert reply["STATUS"][0]["Msg"] == "1 Pool(s)"
    assert (reply["POOLS"][0]["URL"], reply["POOLS"][0]["User"]) == (pools["pool1"], "me.1")


async def test_restart_btminer_answers_socket_failed_for_a_while(miner: SimulatedMiner) -> None:
    assert (await Session(miner.port).write("restart_btminer"))["Code"] == 131
    assert await exchange(miner.port, b'{"cmd":"summary+pools"}') == SOCKET_FAILED
    assert (await status(miner))["mineroff"] == "false"  # the api daemon still answers
    miner.clock.advance(miner.timing.btminer_restart_s)
    assert (await summary(miner))["Elapsed"] == 0


async def test_reboot_closes_the_port_for_a_while(miner: SimulatedMiner) -> None:
    assert (await Session(miner.port).write("reboot"))["Msg"] == "API command OK"
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(HOST, miner.port)
    miner.clock.advance(miner.timing.reboot_s)
    reply = await command(miner.port, "get_version")
    assert reply["Code"] == 131
    settle(miner)
    assert (await summary(miner))["Uptime"] < 200


async def test_reboot_without_btminer_init_leaves_btminer_down(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.write("disable_btminer_init")
    await session.write("reboot")
    settle(miner)
    miner.clock.advance(miner.timing.reboot_s)
    assert await exchange(miner.port, b'{"cmd":"summary"}') == SOCKET_FAILED
    assert (await Session(miner.port).write("restart_btminer"))["Code"] == 131
    settle(miner)
    assert (await summary(miner))["MHS av"] > 0


async def test_net_config_stores_the_network_and_restarts(miner: SimulatedMiner) -> None:
    args: dict[str, Any] = {"ip": "10.0.0.9", "mask": "255.0.0.0", "gate": "10.0.0.1"}
    args |= {"dns": "1.1.1.1 8.8.8.8", "host": "rig9"}
    assert (await Session(miner.port).write("net_config", **args))["Code"] == 131
    miner.clock.advance(miner.timing.reboot_s)
    info = "ip,proto,netmask,gateway,dns,hostname"
    msg = (await command(miner.port, "get_miner_info", info=info))["Msg"]
    assert msg == {
        "ip": "10.0.0.9",
        "proto": "static",
        "netmask": "255.0.0.0",
        "gateway": "10.0.0.1",
        "dns": "1.1.1.1 8.8.8.8",
        "hostname": "rig9",
    }
    assert (await Session(miner.port).write("net_config", param="dhcp"))["Code"] == 131
    assert miner.state.network.proto == "dhcp"


async def test_pre_power_on_reports_progress(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.write("power_off", respbefore="true")
    first = await session.write("pre_power_on", complete="false", msg="wait for adjust temp")
    assert first["Msg"] == {"complete": "false", "msg": "wait for adjust temp"}
    assert (await session.write("pre_power_on"))["Msg"]["msg"] == "adjust continue"
    miner.clock.advance(miner.timing.preheat_s)
    assert (await session.write("pre_power_on"))["Msg"]["complete"] == "true"


async def encrypted_stream(session: Session, cmd: str) -> tuple[Any, bytes, Any]:
    """Send a streaming command; return the decrypted header, the rest and the writer."""
    reader, writer = await asyncio.open_connection(HOST, session.port)
    writer.write(session.seal({"cmd": cmd}))
    await writer.drain()
    data = await asyncio.wait_for(reader.read(256), 5)
    end = data.index(b"}") + 1
    return session.open(data[:end]), data[end:], (reader, writer)


async def test_download_logs_sends_a_real_tgz(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.login()
    header, rest, (reader, writer) = await encrypted_stream(session, "download_logs")
    size = int(header["Msg"]["logfilelen"])
    body = rest + await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()
    assert len(body) == size
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        names = archive.getnames()
        member = archive.extractfile("logs/miner.log")
        assert member is not None
        assert miner.profile.model in member.read().decode()
    assert "logs/messages" in names


async def test_firmware_upload_reboots_into_a_newer_build(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.login()
    header, _, (reader, writer) = await encrypted_stream(session, "update_firmware")
    assert header["Msg"] == "ready"
    image = b"\x00" * 100_000 + b"fw 20240901.12.REL image" + b"\xff" * 1000
    writer.write(len(image).to_bytes(4, "little") + image)
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    await writer.wait_closed()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(HOST, miner.port)
    miner.clock.advance(miner.timing.reboot_s)
    assert (await command(miner.port, "get_version"))["Msg"]["fw_ver"] == "20240901.12.REL"


async def test_firmware_without_version_bumps_the_date(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.login()
    _, _, (reader, writer) = await encrypted_stream(session, "update_firmware")
    writer.write((10).to_bytes(4, "little") + b"0123456789")
    await writer.drain()
    await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()
    miner.clock.advance(miner.timing.reboot_s)
    assert (await command(miner.port, "status"))["Msg"]["FirmwareVersion"] == "20230804.11.REL"


async def test_short_firmware_upload_changes_nothing(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.login()
    _, _, (_, writer) = await encrypted_stream(session, "update_firmware")
    writer.write((1000).to_bytes(4, "little") + b"short")
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0.05)
    assert json.loads(await exchange(miner.port, b'{"cmd":"get_version"}'))["Code"] == 131
    assert miner.state.fw_ver == "20230803.11.REL"


async def test_less_common_power_commands(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    full = (await summary(miner))["Power"]
    assert (await session.write("set_power", power="1700"))["Code"] == 131
    miner.clock.advance(miner.timing.power_fast_s)
    assert (await summary(miner))["Power"] < full * 0.55
    assert (await session.write("restore_power_pct"))["Code"] == 131
    miner.clock.advance(miner.timing.power_fast_s)
    assert (await summary(miner))["Power"] == full
    assert (await session.write("set_power_pct", percent=80.0))["Code"] == 131
    assert (await status(miner))["hash_percent"] == "80"


async def test_target_freq_scales_power_after_restart(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    miner.state.noise = False
    await session.write("adjust_power_limit", power_limit="99999")  # unchanged: no restart
    assert (await summary(miner))["Elapsed"] > 0
    assert (await session.write("set_target_freq", percent="-20"))["Code"] == 131
    settle(miner)
    data = await summary(miner)
    assert data["Target Freq"] < miner.profile.freq_mhz
    assert data["Power"] < 3400 * 0.85


async def test_pre_power_on_while_mining_is_complete(miner: SimulatedMiner) -> None:
    reply = await Session(miner.port).write("pre_power_on")
    assert reply["Msg"] == {"complete": "true", "msg": "adjust complete"}


async def test_customer_message_is_stored(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    assert (await session.write("set_customer_msg", key="msg3", val="rack 4"))["Code"] == 131
    assert (await command(miner.port, "get_customer_msg"))["Msg"] == {"msg3": "rack 4"}
    assert (await session.write("set_customer_msg", key="msg10", val="x"))["Code"] == 14


@pytest.mark.parametrize(
    "args",
    [
        {"ip": "10.0.0.9", "mask": "255.0.0.0", "gate": "10.0.0.1", "dns": "1.1.1.1"},
        {"ip": "10.0.0.300", "mask": "255.0.0.0", "gate": "10.0.0.1", "dns": "x", "host": "a"},
        {"ip": "10.0.0.9", "mask": "255.0.0.0", "gate": "10.0.0.1", "dns": "1.1.1.1", "host": "-"},
    ],
)
async def test_net_config_rejects_bad_settings(miner: SimulatedMiner, args: dict[str, Any]) -> None:
    reply = await Session(miner.port).write("net_config", **args)
    assert (reply["STATUS"], reply["Code"]) == ("E", 14)
    assert miner.state.network.proto == "dhcp"


async def test_zone_needs_both_names(miner: SimulatedMiner) -> None:
    reply = await Session(miner.port).write("set_zone", timezone="CST-8", zonename="")
    assert reply["Code"] == 14
    reply = await Session(miner.port).write("set_temp_offset", temp_offset={"x": 1})
    assert reply["Code"] == 14


async def test_fast_boot_shortens_the_next_warm_up(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    quick = miner.timing.btminer_restart_s + miner.timing.fast_boot_warmup_s + 1
    await session.write("restart_btminer")
    miner.clock.advance(quick)
    assert not (await summary(miner))["Hash Stable"]
    await session.write("enable_btminer_fast_boot")
    await session.write("restart_btminer")
    miner.clock.advance(quick)
    assert (await summary(miner))["Hash Stable"]


async def test_a_btminer_restart_cools_gradually(miner: SimulatedMiner) -> None:
    miner.state.noise = False
    hot = (await summary(miner))["Temperature"]
    await Session(miner.port).write("restart_btminer")
    miner.clock.advance(miner.timing.btminer_restart_s - 1)
    during = miner.reading().board_temp
    assert hot - 5 < during < hot
    miner.clock.advance(2)  # warming up again: no sudden drop
    assert miner.reading().hashing
    assert miner.reading().board_temp > hot - 6
