"""Every API v3 command of spec section 4 answers, and its change shows in later reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import io
import tarfile
from typing import Any

import pytest

from simulator import SimulatedMiner
from simulator.v3.reads import BTMINER_DOWN
from simulator.v3.writes import ALL_WRITES

from .conftest import V3_PASSWORD
from .wire_v3 import Client, Conn, frame, read

READS = (
    "get.device.info",
    "get.device.custom_data",
    "get.miner.status",
    "get.miner.setting",
    "get.system.setting",
    "get.fan.setting",
    "get.miner.history",
    "get.log.download",
)


def test_the_39_commands_are_known() -> None:
    assert len(ALL_WRITES) == 31
    assert len(READS) + len(ALL_WRITES) == 39


async def section(miner: SimulatedMiner, cmd: str, param: Any = None) -> Any:
    reply = await read(miner.v3_port, cmd, param)
    assert reply["code"] == 0, reply
    return reply["msg"]


def settle(miner: SimulatedMiner) -> None:
    miner.clock.advance(miner.timing.btminer_restart_s + miner.timing.warmup_s + 1)


type Check = Callable[[SimulatedMiner], Any]

SIMPLE: list[tuple[str, Any, str, Any, Check]] = [
    # command, param, read command (and param), expected excerpt of the reply msg
    ("set.miner.upfreq_speed", 7, "get.miner.setting", {"upfreq-speed": 7}, lambda m: None),
    ("set.miner.fastboot", "enable", "get.miner.setting", {"fast-boot": "enable"}, lambda m: None),
    ("set.miner.fast_hash", 1, "get.miner.setting", {"fast-hash": "enable"}, lambda m: None),
    ("set.system.webpools", "disable", "get.system.setting", {"web-pool": 0}, lambda m: None),
    (
        "set.system.hostname",
        {"hostname": "barn-7"},
        "get.system.setting",
        {"hostname": "barn-7"},
        lambda m: None,
    ),
    (
        "set.system.ntp_server",
        "0.de.pool.ntp.org,1.de.pool.ntp.org",
        "get.system.setting",
        {"ntp-server": ["0.de.pool.ntp.org", "1.de.pool.ntp.org"]},
        lambda m: None,
    ),
    (
        "set.system.timezone",
        {"timezone": "CET-1CEST", "zonename": "Europe/Berlin"},
        "get.system.setting",
        {"timezone": "CET-1CEST", "zonename": "Europe/Berlin"},
        lambda m: None,
    ),
    (
        "set.system.time_randomized",
        '{"start": 30, "stop": 60}',
        "get.system.setting",
        {"time-randomized": {"start": 30, "stop": 60}},
        lambda m: None,
    ),
    (
        "set.log.upload",
        {"ip": "192.168.2.22", "port": "4001", "proto": "udp"},
        "get.system.setting",
        {"log-upload": {"ip": "192.168.2.22", "port": "4001", "proto": "udp"}},
        lambda m: None,
    ),
    ("set.fan.poweroff_cool", 1, "get.fan.setting", {"fan-poweroff-cool": 1}, lambda m: None),
    ("set.fan.zero_speed", "1", "get.fan.setting", {"fan-zero-speed": 1}, lambda m: None),
    ("set.fan.temp_offset", -10, "get.fan.setting", {"fan-temp-offset": -10}, lambda m: None),
    (
        "set.device.custom_data",
        {"key": "msg3", "value": "rack 4"},
        "get.device.custom_data",
        {"msg3": "rack 4", "CustomerSn": ""},
        lambda m: None,
    ),
    (
        "set.miner.cointype",
        {"cointype": "BCH"},
        "get.device.info",
        {"miner": {"cointype": "BCH"}},
        lambda m: None,
    ),
    (
        "set.system.led",
        [{"color": "red", "period": 200, "duration": 100, "start": 0}],
        "get.device.info",
        {"system": {"ledstatus": "manual"}},
        lambda m: m.state.led.color == "red",
    ),
    ("set.miner.report", {"gap": 0}, "get.miner.setting", {}, lambda m: m.state.report_gap_s == 0),
    ("set.miner.service", "disable", "get.miner.setting", {}, lambda m: not m.state.btminer_init),
]


def excerpt(msg: Any, want: Any) -> Any:
    """The parts of `msg` that `want` names."""
    if isinstance(want, dict):
        return {key: excerpt(msg[key], value) for key, value in want.items()}
    return msg


@pytest.mark.parametrize(
    ("cmd", "param", "reader", "want", "check"), SIMPLE, ids=[row[0] for row in SIMPLE]
)
async def test_setting_shows_in_reads(
    v3miner: SimulatedMiner, cmd: str, param: Any, reader: str, want: Any, check: Check
) -> None:
    reply = await Client(v3miner.v3_port).write(cmd, param)
    assert (reply["code"], reply["msg"], reply["desc"]) == (0, "ok", cmd)
    assert excerpt(await section(v3miner, reader), want) == want
    assert check(v3miner) is not False


async def test_led_back_to_auto(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    await client.write(
        "set.system.led", [{"color": "green", "period": 1, "duration": 1, "start": 0}]
    )
    assert (await client.write("set.system.led", "auto"))["code"] == 0
    assert (await section(v3miner, "get.device.info", "system"))["system"]["ledstatus"] == "auto"


async def test_stop_and_start_mining(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    v3miner.state.noise = False
    assert (await client.write("set.miner.service", "stop"))["code"] == 0
    assert (await section(v3miner, "get.device.info", "miner"))["miner"]["working"] == "false"
    pools_only = await read(v3miner.v3_port, "get.miner.status", "pools")
    assert (pools_only["code"], pools_only["msg"]) == (-1, BTMINER_DOWN)
    both = await section(v3miner, "get.miner.status", "summary+pools")
    assert "pools" not in both
    assert both["summary"]["hash-realtime"] == 0
    assert both["summary"]["power-realtime"] < 20
    assert (await client.write("set.miner.service", "start"))["code"] == 0
    summary = (await section(v3miner, "get.miner.status", "summary"))["summary"]
    assert summary["up-freq-finish"] == 0
    settle(v3miner)
    summary = (await section(v3miner, "get.miner.status", "summary"))["summary"]
    assert summary["up-freq-finish"] == 1
    assert summary["hash-realtime"] == pytest.approx(186, rel=0.01)
    assert (await section(v3miner, "get.device.info", "miner"))["miner"]["working"] == "true"


async def test_edevs_per_board(v3miner: SimulatedMiner) -> None:
    v3miner.state.noise = False
    msg = await section(v3miner, "get.miner.status", "edevs+summary")
    boards = msg["edevs"]
    assert [b["slot"] for b in boards] == [0, 1, 2]
    assert sum(b["hash-average"] for b in boards) == pytest.approx(186, rel=0.01)
    assert all(b["chip-temp-min"] < b["chip-temp-avg"] < b["chip-temp-max"] for b in boards)
    assert len(msg["summary"]["board-temperature"]) == 3


async def test_report_gap_zero_stops_pushes(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    async with Conn(v3miner.v3_port) as conn:
        await conn.request(await client.build("set.miner.report", {"gap": 1}))
        assert (await conn.request(await client.build("set.miner.report", {"gap": 0})))[
            "desc"
        ] == "set.miner.report"
        with pytest.raises(TimeoutError):
            await conn.receive(wait_s=1.5)


async def test_restart_takes_btminer_down_for_a_while(v3miner: SimulatedMiner) -> None:
    assert (await Client(v3miner.v3_port).write("set.miner.service", "restart"))["code"] == 0
    assert await section(v3miner, "get.miner.status", "summary") == BTMINER_DOWN
    v3miner.clock.advance(v3miner.timing.btminer_restart_s)
    assert (await section(v3miner, "get.miner.status", "summary"))["summary"]["elapsed"] == 0


async def test_power_mode_and_limit(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    v3miner.state.noise = False
    assert (await client.write("set.miner.power_mode", "low"))["code"] == 0
    settle(v3miner)
    setting = await section(v3miner, "get.miner.setting")
    assert (setting["power-mode"], setting["power"]) == ("low", 2900)
    assert (await client.write("set.miner.power_limit", 2500.0))["code"] == 0
    settle(v3miner)
    summary = (await section(v3miner, "get.miner.status", "summary"))["summary"]
    assert summary["power-limit"] == 2500
    assert summary["power-realtime"] <= 2515
    info = await section(v3miner, "get.device.info", "miner")
    assert info["miner"]["power-limit-set"] == "2500"


async def test_target_freq_and_restore_setting(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    assert (await client.write("set.miner.target_freq", -20))["code"] == 0
    settle(v3miner)
    assert (await section(v3miner, "get.miner.setting"))["target-freq"] == -20
    await client.write("set.fan.temp_offset", -5)
    assert (await client.write("set.miner.restore_setting"))["code"] == 0
    setting = await section(v3miner, "get.miner.setting")
    assert (setting["target-freq"], setting["power-limit"]) == (0, 3650)
    assert (await section(v3miner, "get.fan.setting"))["fan-temp-offset"] == 0


async def test_change_password(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    change = {"account": "super", "new": "n3wPass", "old": V3_PASSWORD}
    assert (await client.write("set.user.change_passwd", change, secret=True))["code"] == 0
    assert (await client.write("set.system.webpools", "disable"))["code"] == -4
    new = Client(v3miner.v3_port, "n3wPass")
    wrong_old = {"account": "user1", "new": "x", "old": "nope"}
    assert (await new.write("set.user.change_passwd", wrong_old, secret=True))["code"] == -1
    assert (await new.write("set.system.webpools", "disable"))["code"] == 0


async def test_custom_data_reads_back_every_key(v3miner: SimulatedMiner) -> None:
    await Client(v3miner.v3_port).write(
        "set.device.custom_data", {"key": "CustomerSn", "value": "A1"}
    )
    data = await section(v3miner, "get.device.custom_data")
    assert list(data) == ["CustomerSn", *(f"msg{i}" for i in range(10))]
    assert data["CustomerSn"] == "A1"


async def test_history_covers_the_range_and_shows_a_stop(v3miner: SimulatedMiner) -> None:
    v3miner.state.noise = False
    now = int(v3miner.now())
    history = await section(v3miner, "get.miner.history", {"begin": now - 3600, "end": now})
    records = [r.split(",") for r in history["Data"].split()]
    assert 11 <= len(records) <= 12
    assert all(float(r[1]) > 180 for r in records)
    await Client(v3miner.v3_port).write("set.miner.service", "stop")
    v3miner.clock.advance(900)
    param = {"start": str(now - 600), "stop": str(now + 900)}
    records = [
        r.split(",") for r in (await section(v3miner, "get.miner.history", param))["Data"].split()
    ]
    assert float(records[0][1]) > 180
    assert float(records[-1][1]) == 0


async def test_net_config_reboots_into_the_new_network(v3miner: SimulatedMiner) -> None:
    config = {"ip": "10.0.0.9", "netmask": "255.0.0.0", "gateway": "10.0.0.1", "dns": "1.1.1.1"}
    assert (await Client(v3miner.v3_port).write("set.system.net_config", config))["code"] == 0
    with pytest.raises(ConnectionRefusedError):
        await read(v3miner.v3_port, "get.device.info")
    v3miner.clock.advance(v3miner.timing.reboot_s)
    network = (await section(v3miner, "get.device.info", "network"))["network"]
    assert (network["proto"], network["ip"], network["gateway"]) == (
        "static",
        "10.0.0.9",
        "10.0.0.1",
    )
    assert (await Client(v3miner.v3_port).write("set.system.net_config", "dhcp"))["code"] == 0
    assert v3miner.state.network.proto == "dhcp"


async def test_reboot_replies_then_refuses_for_a_while(v3miner: SimulatedMiner) -> None:
    async with Conn(v3miner.v3_port) as bystander:
        reply = await Client(v3miner.v3_port).write("set.system.reboot")
        assert (reply["code"], reply["msg"]) == (0, "ok")
        assert await bystander.closed()
    with pytest.raises(ConnectionRefusedError):
        await read(v3miner.v3_port, "get.device.info")
    with pytest.raises(ConnectionRefusedError):
        await read(v3miner.port, "get_version")
    v3miner.clock.advance(v3miner.timing.reboot_s)
    assert await section(v3miner, "get.miner.status", "summary") == BTMINER_DOWN
    settle(v3miner)
    summary = (await section(v3miner, "get.miner.status", "summary"))["summary"]
    assert summary["bootup-time"] < 200


async def test_factory_reset(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    await client.write("set.miner.power_limit", 3000)
    await client.write("set.miner.power_mode", "high")
    assert (await client.write("set.system.factory_reset"))["code"] == 0
    v3miner.clock.advance(v3miner.timing.reboot_s)
    info = await section(v3miner, "get.device.info")
    assert info["system"]["apiswitch"] == "0"
    setting = await section(v3miner, "get.miner.setting")
    assert (setting["power-limit"], setting["power-mode"]) == (3650, "normal")
    assert v3miner.state.accounts["super"] == "super"
    settle(v3miner)
    assert (await section(v3miner, "get.miner.status", "pools"))["pools"] == []
    assert (await Client(v3miner.v3_port, "super").write("set.miner.service", "stop"))["code"] == -4


async def test_report_pushes_summaries_on_the_connection(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    async with Conn(v3miner.v3_port) as conn:
        reply = await conn.request(await client.build("set.miner.report", {"gap": 1}))
        assert reply["msg"] == "ok"
        pushed = await conn.receive(wait_s=3)
        assert pushed["desc"] == "get.miner.report"
        assert pushed["msg"]["summary"]["hash-realtime"] > 0


async def test_log_download_streams_a_tgz(v3miner: SimulatedMiner) -> None:
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw(frame(b'{"cmd":"get.log.download"}'))
        header = await conn.receive()
        size = int(header["msg"]["logsize"])
        assert size > 0
        body = await asyncio.wait_for(conn.reader.readexactly(size), 5)
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            member = archive.extractfile("logs/miner.log")
            assert member is not None
            assert "M60S_VK40" in member.read().decode()
        # the connection stays usable afterwards
        assert (await conn.request({"cmd": "get.fan.setting"}))["code"] == 0


async def upload(miner: SimulatedMiner, image: bytes) -> Any:
    client = Client(miner.v3_port)
    async with Conn(miner.v3_port) as conn:
        ready = await conn.request(await client.build("set.system.update_firmware"))
        assert (ready["code"], ready["msg"]) == (0, "ready")
        await conn.send_raw(len(image).to_bytes(4, "little") + image)
        final = await conn.receive()
        assert await conn.closed()
        return final


async def test_firmware_upload_reboots_into_the_new_version(v3miner: SimulatedMiner) -> None:
    image = b"\x00" * 200_000 + b"WHATSMINER-FW api=3 20260101.16.REL3" + b"\xff" * 100
    final = await upload(v3miner, image)
    assert (final["code"], final["desc"]) == (0, "set.system.update_firmware")
    with pytest.raises(ConnectionRefusedError):
        await read(v3miner.v3_port, "get.device.info")
    v3miner.clock.advance(v3miner.timing.reboot_s)
    system = (await section(v3miner, "get.device.info", "system"))["system"]
    assert system["fwversion"] == "20260101.16.REL3"


async def test_firmware_upload_needs_auth(v3miner: SimulatedMiner) -> None:
    reply = await read(v3miner.v3_port, "set.system.update_firmware")
    assert (reply["code"], reply["desc"]) == (-4, "set.system.update_firmware")
