"""The v3 client end to end over loopback against the fake v3 miner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import struct
from typing import Any

import pytest

from custom_components.whatsminer.api.errors import (
    CommandRejectedError,
    DefaultPasswordError,
    MinerProcessDownError,
    PermissionDeniedError,
    UnsupportedCommandError,
    WhatsMinerApiError,
    WhatsMinerConnectionError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WhatsMinerTimeoutError,
    WhatsMinerValidationError,
    WriteApiDisabledError,
    WriteOutcomeUnknownError,
)
from custom_components.whatsminer.api.models import (
    HeatMode,
    LedColor,
    PoolConfig,
    PowerMode,
    SyslogProto,
)
from custom_components.whatsminer.api.v3.client import WhatsMinerV3Client

from . import samples
from .conftest import Clocks
from .fake_v3 import CLOSE, HANG, NOW, Conn, FakeV3Miner, frame

Call = Callable[[WhatsMinerV3Client], Awaitable[Any]]


def writes(fake: FakeV3Miner) -> list[tuple[str, Any]]:
    return [(r["cmd"], r.get("param")) for r in fake.written]


# ---- every command -----------------------------------------------------------------------

WRITES: list[tuple[Call, str, Any]] = [
    (lambda c: c.set_custom_data("msg3", "hello"), "set.device.custom_data",
     {"key": "msg3", "value": "hello"}),
    (lambda c: c.set_miner_service("stop"), "set.miner.service", "stop"),
    (lambda c: c.set_power_limit(3000), "set.miner.power_limit", 3000),
    (lambda c: c.set_power(2800), "set.miner.power", 2800),
    (lambda c: c.set_power_percent(90, fast=True), "set.miner.power_percent",
     {"percent": "90", "mode": "fast"}),
    (lambda c: c.set_power_percent(0, fast=False), "set.miner.power_percent",
     {"percent": "0", "mode": "normal"}),
    (lambda c: c.set_power_mode(PowerMode.LOW), "set.miner.power_mode", "low"),
    (lambda c: c.set_target_freq(-20), "set.miner.target_freq", -20),
    (lambda c: c.set_upfreq_speed(10), "set.miner.upfreq_speed", 10),
    (lambda c: c.set_fastboot(True), "set.miner.fastboot", "enable"),
    (lambda c: c.set_fast_hash(False), "set.miner.fast_hash", 0),
    (lambda c: c.set_heat_mode(HeatMode.ANTI_FREEZING), "set.miner.heat_mode", "anti-freezing"),
    (lambda c: c.set_cointype("BTC"), "set.miner.cointype", {"cointype": "BTC"}),
    (lambda c: c.restore_setting(), "set.miner.restore_setting", None),
    (lambda c: c.set_report(0), "set.miner.report", {"gap": 0}),
    (lambda c: c.set_pools([PoolConfig(url="stratum+tcp://p:3333", worker="w", password="x")]),
     "set.miner.pools", [{"pool": "stratum+tcp://p:3333", "worker": "w", "passwd": "x"}]),
    (lambda c: c.set_led_auto(), "set.system.led", "auto"),
    (lambda c: c.set_led(LedColor.RED), "set.system.led",
     [{"color": "red", "period": 200, "duration": 100, "start": 0}]),
    (lambda c: c.net_config_dhcp(), "set.system.net_config", "dhcp"),
    (lambda c: c.net_config_static(ip="10.0.0.5", netmask="255.255.255.0",
                                   gateway="10.0.0.1", dns=["1.1.1.1", "8.8.8.8"]),
     "set.system.net_config", {"ip": "10.0.0.5", "netmask": "255.255.255.0",
                               "gateway": "10.0.0.1", "dns": "1.1.1.1 8.8.8.8"}),
    (lambda c: c.set_hostname("miner-7"), "set.system.hostname", {"hostname": "miner-7"}),
    (lambda c: c.set_ntp_servers(["a.pool.ntp.org", "b.pool.ntp.org"]), "set.system.ntp_server",
     "a.pool.ntp.org,b.pool.ntp.org"),
    (lambda c: c.set_timezone("CST-8", "Asia/Shanghai"), "set.system.timezone",
     {"timezone": "CST-8", "zonename": "Asia/Shanghai"}),
    (lambda c: c.set_time_randomized(120, 0), "set.system.time_randomized",
     {"start": 120, "stop": 0}),
    (lambda c: c.set_webpools(False), "set.system.webpools", "disable"),
    (lambda c: c.set_user_permission("user1", ["set.system.led", "set.miner.pools"]),
     "set.user.permission", {"user": "user1", "permission": "set.system.led,set.miner.pools"}),
    (lambda c: c.reboot(), "set.system.reboot", None),
    (lambda c: c.factory_reset(), "set.system.factory_reset", None),
    (lambda c: c.set_poweroff_cool(True), "set.fan.poweroff_cool", 1),
    (lambda c: c.set_temp_offset(-30), "set.fan.temp_offset", -30),
    (lambda c: c.set_zero_speed(True), "set.fan.zero_speed", 1),
    (lambda c: c.set_log_upload("192.168.2.22", 4001, SyslogProto.UDP), "set.log.upload",
     {"ip": "192.168.2.22", "port": "4001", "proto": "udp"}),
]  # fmt: skip


def test_the_39_official_commands_have_a_method() -> None:
    reads = {
        "get.device.info", "get.device.custom_data", "get.miner.status", "get.miner.setting",
        "get.system.setting", "get.fan.setting", "get.miner.history", "get.log.download",
    }  # fmt: skip
    writes = {cmd for _, cmd, _ in WRITES} | {
        "set.user.change_passwd", "set.system.update_firmware",
    }  # fmt: skip
    assert len(reads) == 8 and len(writes) == 31


@pytest.mark.parametrize(("call", "cmd", "param"), WRITES)
async def test_every_write_sends_its_param(
    fake: FakeV3Miner, client: WhatsMinerV3Client, call: Call, cmd: str, param: Any
) -> None:
    assert await call(client) is None
    assert writes(fake) == [(cmd, param)]
    request = fake.requests[-1]
    assert request["account"] == "super" and len(request["token"]) == 8


async def test_every_read_parses(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    info = await client.get_device_info()
    assert info.model == "M50_VH84" and info.salt == samples.SALT
    assert (await client.get_device_info("system")).version.api_ver == "3.0.2"
    assert (await client.get_custom_data())["CustomerSn"] == "sn12345"
    status = await client.get_miner_status()
    assert status.summary is not None and len(status.boards) == 3 and len(status.pools) == 1
    assert (await client.get_pools())[0].user == "worker.1"
    assert (await client.get_miner_setting()).power_target_w == 3400
    assert (await client.get_system_setting()).zonename == "Asia/Shanghai"
    assert (await client.get_fan_setting()).fan_temp_offset_c == -10
    assert await client.get_miner_history(NOW - 3600, NOW) == "miner history information"
    assert fake.requests[-1]["param"] == {"begin": str(NOW - 3600), "end": str(NOW)}
    assert fake.connections == 1
    assert {"get.device.info", "get.device.info system", "get.miner.status"} <= set(client.raw)


async def test_ts_follows_the_miners_clock(
    fake: FakeV3Miner, client: WhatsMinerV3Client, clocks: Clocks
) -> None:
    clocks.wall = NOW - 5000.0  # the host's clock is wrong by 5000 s
    await client.get_device_info()
    clocks.advance(7)
    await client.set_led_auto()
    assert fake.requests[-1]["ts"] == NOW + 7


async def test_change_password_switches_and_refetches_the_salt(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    await client.get_device_info()
    await client.change_password("Better_2")
    assert writes(fake) == [
        ("set.user.change_passwd", {"account": "super", "new": "Better_2", "old": "n3wPass"})
    ]
    assert client.password == "Better_2" and fake.password == "Better_2"
    fake.salt = "newSalt1"
    await client.set_led_auto()
    assert client.salt_requests == 1
    assert fake.requests[-2] == {"cmd": "get.device.info", "param": "salt"}
    await client.change_password("u1pass", account="user1", old="user1")
    assert client.password == "Better_2"


async def test_command_by_name(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    assert (await client.command("get.fan.setting"))["fan-temp-offset"] == -10
    assert await client.command("set.miner.fastboot", "enable") == "ok"
    assert writes(fake) == [("set.miner.fastboot", "enable")]
    for streamed in ("get.log.download", "set.system.update_firmware"):
        with pytest.raises(WhatsMinerValidationError):
            await client.command(streamed)
    assert fake.commands["get.log.download"] == 0


# ---- salt and -1/-4 --------------------------------------------------------------------


async def test_salt_is_fetched_once_then_cached(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    await client.set_led_auto()
    await client.set_led_auto()
    assert client.salt_requests == 1
    assert fake.commands["get.device.info"] == 1


@pytest.mark.parametrize("call", [lambda c: c.reboot(), lambda c: c.factory_reset()])
async def test_salt_is_fetched_again_after_a_restart(
    fake: FakeV3Miner, client: WhatsMinerV3Client, call: Call
) -> None:
    await client.get_device_info()
    await call(client)
    await client.set_led_auto()
    assert client.salt_requests == 1 and fake.requests[-2]["param"] == "salt"


async def test_changed_salt_is_refreshed_and_the_write_retried_once(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    await client.get_device_info()
    fake.salt = "rebooted"
    await client.set_led_auto()
    assert fake.commands["set.system.led"] == 2
    assert writes(fake) == [("set.system.led", "auto")]


@pytest.mark.parametrize("code", [-4, -1])
async def test_wrong_password_is_permission_denied_after_one_retry(
    fake: FakeV3Miner, client: WhatsMinerV3Client, code: int
) -> None:
    fake.token_error_code = code
    client.set_password("wrong")
    with pytest.raises(PermissionDeniedError) as caught:
        await client.set_led_auto()
    assert caught.value.code == code and caught.value.msg == "no permission"
    assert fake.commands["set.system.led"] == 2
    assert fake.commands["get.device.info"] == 2  # first salt, then the refresh


async def test_write_switch_off_is_write_api_disabled(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    fake.apiswitch = "0"
    with pytest.raises(WriteApiDisabledError) as caught:
        await client.set_power_limit(3000)
    assert not isinstance(caught.value, DefaultPasswordError)
    assert fake.commands["set.miner.power_limit"] == 1


async def test_factory_password_is_default_password_error(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    fake.password = "super"
    client.set_password("super")
    with pytest.raises(DefaultPasswordError):
        await client.set_led_auto()
    assert fake.commands["set.system.led"] == 1


async def test_monitor_only_refuses_writes_unsent(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    client.set_password(None)
    with pytest.raises(PermissionDeniedError):
        await client.reboot()
    assert fake.requests == []


# ---- other codes -------------------------------------------------------------------------


async def _answer(fake: FakeV3Miner, cmd: str, code: int, msg: Any = "err") -> None:
    async def handler(request: dict[str, Any], conn: Conn) -> Any:
        return fake.reply(cmd, msg, code)

    fake.handlers[cmd] = handler


@pytest.mark.parametrize(
    ("code", "error"),
    [(-2, UnsupportedCommandError), (-3, CommandRejectedError), (-5, WhatsMinerApiError),
     (7, WhatsMinerApiError)],
)  # fmt: skip
async def test_codes_map_to_errors(
    fake: FakeV3Miner, client: WhatsMinerV3Client, code: int, error: type[Exception]
) -> None:
    await _answer(fake, "set.miner.fast_hash", code)
    with pytest.raises(error) as caught:
        await client.set_fast_hash(True)
    if code == -2:
        assert isinstance(caught.value, UnsupportedCommandError) and caught.value.sent
    assert fake.commands["set.miner.fast_hash"] == 1


async def test_unknown_read_is_unsupported(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    del fake.reads["get.miner.history"]
    with pytest.raises(UnsupportedCommandError):
        await client.get_miner_history(1, 2)


async def test_process_down_string(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    await _answer(fake, "get.miner.status", -1, "btminer process is down err")
    with pytest.raises(MinerProcessDownError):
        await client.get_miner_status()
    await _answer(fake, "get.miner.status", 0, "btminer process is down err")
    with pytest.raises(MinerProcessDownError):
        await client.get_miner_status()


async def test_reply_without_code_or_data(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    async def no_code(request: dict[str, Any], conn: Conn) -> Any:
        return {"msg": {}}

    fake.handlers["get.fan.setting"] = no_code
    with pytest.raises(WhatsMinerResponseError):
        await client.get_fan_setting()
    await _answer(fake, "get.miner.setting", 0, "")
    with pytest.raises(WhatsMinerResponseError):
        await client.get_miner_setting()
    await _answer(fake, "get.device.info", 0, {"miner": {}})
    with pytest.raises(WhatsMinerResponseError, match="no salt"):
        await client.set_led_auto()


# ---- connection reuse and loss -----------------------------------------------------------


async def test_one_connection_for_reads_and_writes(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    for _ in range(3):
        await client.get_device_info()
        await client.get_miner_status()
    await client.set_led_auto()
    assert fake.connections == 1 and client.connections == 1
    assert client.requests == len(fake.requests) == 7


async def test_idle_close_by_the_miner_reconnects(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    await client.get_device_info()
    await fake.close_connections()
    await client.get_device_info()
    await client.set_led_auto()  # a write on the new connection
    assert fake.connections == 2


async def test_idle_connection_is_reopened_before_the_miners_300s(
    fake: FakeV3Miner, client: WhatsMinerV3Client, clocks: Clocks
) -> None:
    await client.get_device_info()
    clocks.advance(100)
    await client.get_device_info()
    assert fake.connections == 1
    clocks.advance(290)
    await client.get_device_info()
    assert fake.connections == 2 and fake.open_connections == 1


async def test_read_on_a_dead_kept_connection_is_retried_once(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    calls = 0

    async def dies_once(request: dict[str, Any], conn: Conn) -> Any:
        nonlocal calls
        calls += 1
        return CLOSE if calls == 1 else fake.reply("get.fan.setting", samples.FAN_SETTING)

    fake.handlers["get.fan.setting"] = dies_once
    await client.get_device_info()
    assert (await client.get_fan_setting()).fan_zero_speed is False
    assert calls == 2 and fake.connections == 2


async def test_read_on_a_fresh_connection_is_not_retried(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    async def dies(request: dict[str, Any], conn: Conn) -> Any:
        return CLOSE

    fake.handlers["get.fan.setting"] = dies
    with pytest.raises(WhatsMinerConnectionError):
        await client.get_fan_setting()
    assert fake.commands["get.fan.setting"] == 1


@pytest.mark.parametrize(
    ("call", "cmd"),
    [
        (lambda c: c.reboot(), "set.system.reboot"),
        (lambda c: c.set_miner_service("stop"), "set.miner.service"),
        (lambda c: c.set_miner_service("restart"), "set.miner.service"),
        (lambda c: c.set_power_mode(PowerMode.HIGH), "set.miner.power_mode"),
        (lambda c: c.set_power_limit(2000), "set.miner.power_limit"),
        (lambda c: c.net_config_dhcp(), "set.system.net_config"),
        (lambda c: c.factory_reset(), "set.system.factory_reset"),
        (lambda c: c.set_pools([PoolConfig(url="stratum+tcp://p:1", worker="w")]),
         "set.miner.pools"),
    ],
)  # fmt: skip
async def test_write_whose_connection_dies_is_outcome_unknown_and_not_retried(
    fake: FakeV3Miner, client: WhatsMinerV3Client, call: Call, cmd: str
) -> None:
    async def dies(request: dict[str, Any], conn: Conn) -> Any:
        return CLOSE

    await client.get_device_info()  # the write goes out on a kept connection
    fake.handlers[cmd] = dies
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        await call(client)
    assert caught.value.command == cmd
    assert fake.commands[cmd] == 1


async def test_other_write_whose_connection_dies_is_a_connection_error(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    async def dies(request: dict[str, Any], conn: Conn) -> Any:
        return CLOSE

    await client.get_device_info()
    fake.handlers["set.miner.service"] = dies
    with pytest.raises(WhatsMinerConnectionError):
        await client.set_miner_service("start")
    assert fake.commands["set.miner.service"] == 1


async def test_write_that_cannot_connect_is_not_outcome_unknown(socket_enabled: None) -> None:
    client = WhatsMinerV3Client("127.0.0.1", 1, "pw", timeout=0.5)
    with pytest.raises(WhatsMinerConnectionError) as caught:
        await client.reboot()
    assert not isinstance(caught.value, WriteOutcomeUnknownError)


# ---- framing over the wire ---------------------------------------------------------------


async def test_frame_cut_in_half(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    async def halves(request: dict[str, Any], conn: Conn) -> Any:
        data = frame(fake.reply("get.fan.setting", samples.FAN_SETTING))
        for part in (data[:2], data[2:9]):
            conn.writer.write(part)
            await conn.writer.drain()
            await asyncio.sleep(0.02)
        return data[9:]

    fake.handlers["get.fan.setting"] = halves
    assert (await client.get_fan_setting()).fan_temp_offset_c == -10


async def test_two_frames_in_one_segment_and_a_push_skipped(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    async def with_push(request: dict[str, Any], conn: Conn) -> Any:
        push = fake.reply("get.miner.report", {"summary": {}})
        return frame(fake.reply("get.fan.setting", samples.FAN_SETTING)) + frame(push)

    fake.handlers["get.fan.setting"] = with_push
    assert (await client.get_fan_setting()).fan_poweroff_cool is True
    # The push is still buffered: the next reply is found behind it.
    assert (await client.get_system_setting()).timezone == "CST-8"
    assert fake.connections == 1


@pytest.mark.parametrize(
    "raw",
    [
        struct.pack("<I", 2 * 1024 * 1024) + b"{}",  # over 1 MiB
        b"\x00\x00\x00\x00",  # zero length
        struct.pack("<I", 2) + b"[]",  # not an object
        struct.pack("<I", 3) + b"{x}",  # not JSON
        struct.pack("<I", 2) + b"\xff\xfe",  # not UTF-8
    ],
)
async def test_bad_frames_are_response_errors_and_drop_the_connection(
    fake: FakeV3Miner, client: WhatsMinerV3Client, raw: bytes
) -> None:
    async def bad(request: dict[str, Any], conn: Conn) -> Any:
        return raw

    fake.handlers["get.fan.setting"] = bad
    with pytest.raises(WhatsMinerResponseError):
        await client.get_fan_setting()
    await client.get_system_setting()
    assert fake.connections == 2


async def test_short_body_then_close(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    async def short(request: dict[str, Any], conn: Conn) -> Any:
        conn.writer.write(struct.pack("<I", 100) + b'{"code":0')
        await conn.writer.drain()
        return CLOSE

    fake.handlers["get.fan.setting"] = short
    with pytest.raises(WhatsMinerResponseError):
        await client.get_fan_setting()


async def test_silence_is_a_timeout(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    async def silent(request: dict[str, Any], conn: Conn) -> Any:
        return HANG

    fake.handlers["get.fan.setting"] = silent
    with pytest.raises(WhatsMinerTimeoutError):
        await client.get_fan_setting()
    assert (await client.get_system_setting()).hostname == "WhatsMiner"
    assert fake.connections == 2  # a late reply cannot be mistaken for the next one


async def test_one_request_in_flight_on_one_connection(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    results = await asyncio.gather(
        *(client.get_miner_status() for _ in range(5)), client.set_led_auto()
    )
    assert len(results) == 6 and fake.connections == 1


# ---- binary phases -----------------------------------------------------------------------


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def firmware_handler(fake: FakeV3Miner) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def upload(request: dict[str, Any], conn: Conn) -> Any:
        cmd = "set.system.update_firmware"
        conn.writer.write(frame(fake.reply(cmd, "ready")))
        await conn.writer.drain()
        (size,) = struct.unpack("<I", await conn.reader.readexactly(4))
        seen["data"] = await conn.reader.readexactly(size)
        return seen.get("final", fake.reply(cmd, "ok"))

    fake.handlers["set.system.update_firmware"] = upload
    return seen


async def test_firmware_upload(
    fake: FakeV3Miner, client: WhatsMinerV3Client, firmware_handler: dict[str, Any]
) -> None:
    data = bytes(range(256)) * 40
    progress: list[tuple[int, int]] = []
    await client.update_firmware(
        _chunks(data), len(data), progress=lambda done, total: progress.append((done, total))
    )
    assert firmware_handler["data"] == data
    assert progress[0] == (0, len(data)) and progress[-1] == (len(data), len(data))
    assert len(progress) == 12
    await client.get_device_info()
    assert fake.connections == 2  # the miner reboots: the connection is not kept


async def test_firmware_upload_cut_off_is_outcome_unknown(
    fake: FakeV3Miner, client: WhatsMinerV3Client, firmware_handler: dict[str, Any]
) -> None:
    firmware_handler["final"] = CLOSE
    with pytest.raises(WriteOutcomeUnknownError):
        await client.update_firmware(_chunks(b"x" * 10), 10)
    assert fake.commands["set.system.update_firmware"] == 1


async def test_firmware_not_ready_and_bad_sizes(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    await _answer(fake, "set.system.update_firmware", 0, "busy")
    with pytest.raises(WhatsMinerResponseError, match="not ready"):
        await client.update_firmware(_chunks(b"x"), 1)
    with pytest.raises(WhatsMinerValidationError):
        await client.update_firmware(_chunks(b""), 0)


async def test_firmware_refused_with_a_wrong_password(
    fake: FakeV3Miner, client: WhatsMinerV3Client
) -> None:
    client.set_password("wrong")
    with pytest.raises(PermissionDeniedError):
        await client.update_firmware(_chunks(b"x"), 1)


@pytest.mark.parametrize(("announced", "data"), [(5, b"x" * 6), (5, b"x" * 4)])
async def test_firmware_file_not_of_the_announced_size(
    fake: FakeV3Miner, client: WhatsMinerV3Client, announced: int, data: bytes
) -> None:
    async def ready(request: dict[str, Any], conn: Conn) -> Any:
        return fake.reply("set.system.update_firmware", "ready")

    fake.handlers["set.system.update_firmware"] = ready
    with pytest.raises(WhatsMinerError, match="bytes announced"):
        await client.update_firmware(_chunks(data, 3), announced)


def _log_handler(fake: FakeV3Miner, data: bytes, sent: int | None = None) -> None:
    async def download(request: dict[str, Any], conn: Conn) -> Any:
        header = frame(fake.reply("get.log.download", {"logsize": str(len(data))}))
        body = data[: sent if sent is not None else len(data)]
        conn.writer.write(header + body[:500])  # the frame shares a segment with the bytes
        await conn.writer.drain()
        for start in range(500, len(body), 10_000):
            await asyncio.sleep(0.001)
            conn.writer.write(body[start : start + 10_000])
        return CLOSE if sent is not None else HANG

    fake.handlers["get.log.download"] = download


async def test_log_download(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    data = bytes(range(256)) * 200
    _log_handler(fake, data)
    progress: list[tuple[int, int]] = []
    got = await client.download_logs(progress=lambda done, total: progress.append((done, total)))
    assert got == data
    assert progress[0] == (0, len(data)) and progress[-1] == (len(data), len(data))
    await client.get_device_info()  # same connection, at the next frame
    assert fake.connections == 1


async def test_log_download_cut_short(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    _log_handler(fake, b"y" * 30_000, sent=12_000)
    with pytest.raises(WhatsMinerConnectionError, match="12000 of 30000"):
        await client.download_logs()


async def test_log_download_bad_header(fake: FakeV3Miner, client: WhatsMinerV3Client) -> None:
    await _answer(fake, "get.log.download", 0, {"logsize": "lots"})
    with pytest.raises(WhatsMinerResponseError):
        await client.download_logs()


# ---- validation before sending -----------------------------------------------------------

INVALID: list[Call] = [
    lambda c: c.set_power_limit(100_000),
    lambda c: c.set_power_limit(-1),
    lambda c: c.set_power(True),
    lambda c: c.set_power_percent(101, fast=True),
    lambda c: c.set_power_percent(50, fast=1),  # type: ignore[arg-type]
    lambda c: c.set_power_mode(PowerMode.SLEEP),
    lambda c: c.set_target_freq(101),
    lambda c: c.set_target_freq(-101),
    lambda c: c.set_upfreq_speed(11),
    lambda c: c.set_temp_offset(1),
    lambda c: c.set_temp_offset(-31),
    lambda c: c.set_time_randomized(121, 0),
    lambda c: c.set_time_randomized(0, -1),
    lambda c: c.set_report(286),
    lambda c: c.set_custom_data("msg10", "x"),
    lambda c: c.set_custom_data("CustomerSn", "x" * 128),
    lambda c: c.set_custom_data("msg0", "é" * 64),  # 128 bytes
    lambda c: c.set_cointype("ETH"),
    lambda c: c.set_heat_mode("boiling"),  # type: ignore[arg-type]
    lambda c: c.set_pools([]),
    lambda c: c.set_pools([PoolConfig(url="u", worker="w")] * 4),
    lambda c: c.set_pools([PoolConfig(url="has space", worker="w")]),
    lambda c: c.set_hostname("-bad"),
    lambda c: c.set_hostname("x" * 64),
    lambda c: c.net_config_static(ip="10.0.0.300", netmask="255.255.255.0", gateway="10.0.0.1",
                                  dns=["1.1.1.1"]),
    lambda c: c.net_config_static(ip="10.0.0.3", netmask="255.0.255.0", gateway="10.0.0.1",
                                  dns=["1.1.1.1"]),
    lambda c: c.net_config_static(ip="10.0.0.3", netmask="255.255.255.0", gateway="10.0.0.1",
                                  dns=[]),
    lambda c: c.net_config_static(ip="10.0.0.3", netmask="255.255.255.0", gateway="10.0.0.1",
                                  dns="1.1.1.1"),
    lambda c: c.set_ntp_servers([]),
    lambda c: c.set_ntp_servers("pool.ntp.org"),
    lambda c: c.set_ntp_servers(["a,b"]),
    lambda c: c.set_timezone("CST -8", "Asia/Shanghai"),
    lambda c: c.set_log_upload("host", 514, SyslogProto.UDP),
    lambda c: c.set_log_upload("10.0.0.1", 0, SyslogProto.UDP),
    lambda c: c.set_log_upload("10.0.0.1", 514, "icmp"),  # type: ignore[arg-type]
    lambda c: c.set_miner_service("pause"),
    lambda c: c.set_led(LedColor.GREEN, period_ms=0),
    lambda c: c.set_led(LedColor.GREEN, duration_ms=300),
    lambda c: c.set_led("blue"),  # type: ignore[arg-type]
    lambda c: c.set_user_permission("super", ["set.system.led"]),
    lambda c: c.set_user_permission("user1", []),
    lambda c: c.set_user_permission("user1", ["reboot"]),
    lambda c: c.change_password("has space"),
    lambda c: c.change_password(""),
    lambda c: c.change_password("x", account="admin"),
    lambda c: c.change_password("x", account="user2"),  # its old password is needed
    lambda c: c.get_miner_history(100, 100 + 86_401),
    lambda c: c.get_miner_history(100, 99),
    lambda c: c.get_miner_status("summary+devs"),
    lambda c: c.get_miner_status(""),
    lambda c: c.get_device_info("everything"),
    lambda c: c.set_fastboot("yes"),  # type: ignore[arg-type]
]  # fmt: skip


@pytest.mark.parametrize("call", INVALID)
async def test_invalid_parameters_are_refused_unsent(
    fake: FakeV3Miner, client: WhatsMinerV3Client, call: Call
) -> None:
    with pytest.raises(WhatsMinerValidationError):
        await call(client)
    assert fake.requests == [] and fake.connections == 0
