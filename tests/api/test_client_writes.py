"""Writes, tokens and the error paths, end to end over loopback against the fake miner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
from typing import Any

import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.models import LedColor, PoolConfig, PowerMode, SyslogProto
from custom_components.whatsminer.api.v2.client import WhatsMinerClient

from . import samples
from .conftest import FakeClock
from .fake_miner import HANG, FakeMiner, Request


def _client(miner: FakeMiner, clock: FakeClock | None = None, **kwargs: Any) -> WhatsMinerClient:
    kwargs.setdefault("timeout", 2.0)
    if clock is not None:
        kwargs["clock"] = clock
    return WhatsMinerClient("127.0.0.1", miner.port, **kwargs)


def _writes(miner: FakeMiner) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.body.items() if k != "token"} for r in miner.requests if r.encrypted
    ]


Call = Callable[[WhatsMinerClient], Awaitable[Any]]
POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.1", password="x")

WRITES: list[tuple[Call, dict[str, Any]]] = [
    (
        lambda c: c.update_pools([POOL]),
        {
            "cmd": "update_pools",
            "pool1": POOL.url,
            "worker1": "me.1",
            "passwd1": "x",
            "pool2": "",
            "worker2": "",
            "passwd2": "",
            "pool3": "",
            "worker3": "",
            "passwd3": "",
        },
    ),
    (lambda c: c.restart_btminer(), {"cmd": "restart_btminer"}),
    (lambda c: c.power_off(), {"cmd": "power_off", "respbefore": "true"}),
    (lambda c: c.power_off(respbefore=False), {"cmd": "power_off", "respbefore": "false"}),
    (lambda c: c.power_on(), {"cmd": "power_on"}),
    (lambda c: c.set_led_auto(), {"cmd": "set_led", "param": "auto"}),
    (
        lambda c: c.set_led(LedColor.GREEN, period_ms=1000, duration_ms=500, start_ms=10),
        {"cmd": "set_led", "color": "green", "period": 1000, "duration": 500, "start": 10},
    ),
    (lambda c: c.set_power_mode(PowerMode.LOW), {"cmd": "set_low_power"}),
    (lambda c: c.set_power_mode(PowerMode.NORMAL), {"cmd": "set_normal_power"}),
    (lambda c: c.set_power_mode(PowerMode.HIGH), {"cmd": "set_high_power"}),
    (lambda c: c.reboot(), {"cmd": "reboot"}),
    (lambda c: c.factory_reset(), {"cmd": "factory_reset"}),
    (lambda c: c.net_config_dhcp(), {"cmd": "net_config", "param": "dhcp"}),
    (
        lambda c: c.net_config_static(
            ip="192.168.1.20",
            mask="255.255.255.0",
            gateway="192.168.1.1",
            dns=["1.1.1.1", "8.8.8.8"],
            host="miner-1",
        ),
        {
            "cmd": "net_config",
            "ip": "192.168.1.20",
            "mask": "255.255.255.0",
            "gate": "192.168.1.1",
            "dns": "1.1.1.1 8.8.8.8",
            "host": "miner-1",
        },
    ),
    (lambda c: c.set_target_freq(-100), {"cmd": "set_target_freq", "percent": "-100"}),
    (lambda c: c.set_fast_boot(True), {"cmd": "enable_btminer_fast_boot"}),
    (lambda c: c.set_fast_boot(False), {"cmd": "disable_btminer_fast_boot"}),
    (lambda c: c.set_web_pools(True), {"cmd": "enable_web_pools"}),
    (lambda c: c.set_web_pools(False), {"cmd": "disable_web_pools"}),
    (lambda c: c.set_hostname("barn-7"), {"cmd": "set_hostname", "hostname": "barn-7"}),
    (
        lambda c: c.set_zone("CST-8", "Asia/Shanghai"),
        {"cmd": "set_zone", "timezone": "CST-8", "zonename": "Asia/Shanghai"},
    ),
    (
        lambda c: c.load_log("10.0.0.5", 514, SyslogProto.UDP),
        {"cmd": "load_log", "ip": "10.0.0.5", "port": "514", "proto": "udp"},
    ),
    (lambda c: c.set_power_pct(50), {"cmd": "set_power_pct", "percent": "50"}),
    (lambda c: c.set_power_pct_v2(100), {"cmd": "set_power_pct_v2", "percent": "100"}),
    (lambda c: c.set_temp_offset(-30), {"cmd": "set_temp_offset", "temp_offset": "-30"}),
    (lambda c: c.adjust_power_limit(3000), {"cmd": "adjust_power_limit", "power_limit": "3000"}),
    (lambda c: c.adjust_upfreq_speed(9), {"cmd": "adjust_upfreq_speed", "upfreq_speed": "9"}),
    (lambda c: c.set_poweroff_cool(True), {"cmd": "set_poweroff_cool", "poweroff_cool": "1"}),
    (lambda c: c.set_fan_zero_speed(False), {"cmd": "set_fan_zero_speed", "fan_zero_speed": "0"}),
    (lambda c: c.set_heat_mode("anti-icing"), {"cmd": "set_heat_mode", "mode": "anti-icing"}),
    (lambda c: c.set_btminer_init(True), {"cmd": "enable_btminer_init"}),
    (lambda c: c.set_btminer_init(False), {"cmd": "disable_btminer_init"}),
    (lambda c: c.set_power(2500), {"cmd": "set_power", "power": "2500"}),
    (lambda c: c.restore_power_pct(), {"cmd": "restore_power_pct"}),
    (
        lambda c: c.set_customer_msg("msg3", "rack 4"),
        {"cmd": "set_customer_msg", "key": "msg3", "val": "rack 4"},
    ),
    (lambda c: c.set_fast_mining(True), {"cmd": "set_fast_mining", "fast_mining": "1"}),
    (lambda c: c.set_fast_hash(True), {"cmd": "set_fast_hash", "fast_hash": "1"}),
]


@pytest.mark.parametrize(("call", "expected"), WRITES)
async def test_every_write_sends_its_documented_request(
    miner: FakeMiner, call: Call, expected: dict[str, Any]
) -> None:
    await call(_client(miner))
    assert _writes(miner) == [expected]
    # get_version (v3 check), get_token, the write
    assert miner.connections == 3


async def test_pre_power_on_returns_state(miner: FakeMiner) -> None:
    async def reply(request: Request) -> dict[str, Any]:
        return miner.ok({"complete": "true", "msg": "adjust complete"})

    miner.handlers["pre_power_on"] = reply
    state = await _client(miner).pre_power_on(complete=True, msg="adjust complete")
    assert state.complete is True
    assert _writes(miner) == [{"cmd": "pre_power_on", "complete": "true", "msg": "adjust complete"}]


INVALID: list[Call] = [
    lambda c: c.update_pools([]),
    lambda c: c.update_pools([POOL] * 4),
    lambda c: c.update_pools([PoolConfig(url="has space", worker="w")]),
    lambda c: c.update_pools([PoolConfig(url="u", worker="")]),
    lambda c: c.update_pools([PoolConfig(url="u", worker="w", password="a\nb")]),
    lambda c: c.power_off(respbefore="yes"),  # type: ignore[arg-type]
    lambda c: c.set_led("blue"),  # type: ignore[arg-type]
    lambda c: c.set_led(LedColor.RED, period_ms=0),
    lambda c: c.set_led(LedColor.RED, period_ms=100, duration_ms=200),
    lambda c: c.set_led(LedColor.RED, start_ms=-1),
    lambda c: c.set_power_mode(PowerMode.SLEEP),
    lambda c: c.update_pwd("admin", "toolongpassword"),
    lambda c: c.update_pwd("admin", "bad-char"),
    lambda c: c.update_pwd("admin", ""),
    lambda c: c.net_config_static(
        ip="300.1.1.1", mask="255.255.255.0", gateway="1.1.1.1", dns=["1.1.1.1"], host="m"
    ),
    lambda c: c.net_config_static(
        ip="10.0.0.2", mask="255.0.255.0", gateway="10.0.0.1", dns=["1.1.1.1"], host="m"
    ),
    lambda c: c.net_config_static(
        ip="10.0.0.2", mask="255.0.0.0", gateway="10.0.0.1", dns=[], host="m"
    ),
    lambda c: c.net_config_static(
        ip="10.0.0.2", mask="255.0.0.0", gateway="10.0.0.1", dns="1.1.1.1", host="m"
    ),
    lambda c: c.net_config_static(
        ip="10.0.0.2", mask="255.0.0.0", gateway="10.0.0.1", dns=["1.1.1.1"], host="-bad"
    ),
    lambda c: c.set_target_freq(101),
    lambda c: c.set_target_freq(-101),
    lambda c: c.set_target_freq(True),  # type: ignore[arg-type]
    lambda c: c.set_target_freq("5"),  # type: ignore[arg-type]
    lambda c: c.set_fast_boot(1),  # type: ignore[arg-type]
    lambda c: c.set_hostname("a" * 64),
    lambda c: c.set_zone("", "Asia/Shanghai"),
    lambda c: c.load_log("10.0.0.5", 0, SyslogProto.TCP),
    lambda c: c.load_log("10.0.0.5", 514, "icmp"),  # type: ignore[arg-type]
    lambda c: c.set_power_pct(101),
    lambda c: c.set_power_pct_v2(-1),
    lambda c: c.pre_power_on(complete=True, msg="go"),
    lambda c: c.set_temp_offset(1),
    lambda c: c.set_temp_offset(-31),
    lambda c: c.adjust_power_limit(100_000),
    lambda c: c.adjust_upfreq_speed(10),
    lambda c: c.set_heat_mode("Heating Now"),
    lambda c: c.set_power(-1),
    lambda c: c.set_customer_msg("msg10", "x"),
    lambda c: c.set_customer_msg("msg1", "x" * 300),
    lambda c: c.command("update_firmware"),
    lambda c: c.update_firmware(_chunks([]), 0),
]


@pytest.mark.parametrize("call", INVALID)
async def test_invalid_input_opens_no_connection(miner: FakeMiner, call: Call) -> None:
    with pytest.raises(errors.WhatsMinerValidationError):
        await call(_client(miner))
    assert miner.connections == 0


async def test_token_is_reused_then_renewed_early(miner: FakeMiner, clock: FakeClock) -> None:
    client = _client(miner, clock)
    await client.power_on()
    await client.set_led_auto()
    assert miner.commands["tokens_issued"] == 1
    clock.now += 27 * 60
    await client.power_on()
    assert miner.commands["tokens_issued"] == 1
    clock.now += 60  # 28 minutes: renewed two minutes before the miner would expire it
    await client.power_on()
    assert miner.commands["tokens_issued"] == 2
    assert client.token_requests == 2


async def test_token_renewed_once_on_135(miner: FakeMiner) -> None:
    client = _client(miner)
    await client.power_on()
    miner.signs.clear()  # the miner forgets every token (e.g. it rebooted)
    await client.power_on()
    assert miner.commands["tokens_issued"] == 2
    assert miner.commands["power_on"] == 2  # ran once per call; the refused one never ran


async def test_encrypted_135_also_renews(miner: FakeMiner) -> None:
    calls = 0

    async def expire_once(request: Request) -> str:
        nonlocal calls
        calls += 1
        return samples.ERR_135 if calls == 1 else samples.OK

    miner.handlers["set_hostname"] = expire_once
    await _client(miner).set_hostname("a")
    assert calls == 2 and miner.commands["tokens_issued"] == 2


async def test_second_135_is_raised(miner: FakeMiner) -> None:
    async def always(request: Request) -> str:
        return samples.ERR_135

    miner.handlers["power_on"] = always
    with pytest.raises(errors.TokenExpiredError):
        await _client(miner).power_on()
    assert miner.commands["power_on"] == 2


async def test_one_token_request_for_concurrent_writes(miner: FakeMiner) -> None:
    client = _client(miner)
    await asyncio.gather(*(client.set_power_pct(pct) for pct in range(5)))
    assert miner.commands["tokens_issued"] == 1
    assert miner.commands["set_power_pct"] == 5


async def test_token_limit_136(miner: FakeMiner) -> None:
    async def exhausted(request: Request) -> str:
        return samples.ERR_136

    miner.handlers["get_token"] = exhausted
    with pytest.raises(errors.TokenLimitError) as info:
        await _client(miner).power_on()
    assert info.value.code == 136
    assert miner.commands["power_on"] == 0


async def test_wrong_password_code_23(miner: FakeMiner) -> None:
    client = _client(miner, password="wrong")
    with pytest.raises(errors.AuthenticationError) as info:
        await client.power_on()
    assert info.value.code == 23 and info.value.msg == "enc json load err"
    with pytest.raises(errors.AuthenticationError):
        await client.verify_password()
    assert miner.commands["tokens_issued"] == 2  # the useless token was dropped


async def test_wrong_password_no_reply(miner: FakeMiner) -> None:
    async def hang(request: Request) -> object:
        return HANG

    miner.handlers["set_led"] = hang
    with pytest.raises(errors.AuthenticationError, match="No reply"):
        await _client(miner, timeout=0.3).set_led_auto()


async def test_hanging_miner_is_a_timeout_not_a_wrong_password(miner: FakeMiner) -> None:
    async def hang(request: Request) -> object:
        return HANG

    client = _client(miner, timeout=0.3)
    await client.set_led_auto()  # token cached
    miner.handlers["set_led"] = hang
    miner.handlers["get_version"] = hang
    with pytest.raises(errors.WhatsMinerTimeoutError) as info:
        await client.set_led_auto()
    assert not isinstance(info.value, errors.AuthenticationError)


async def test_write_api_disabled(miner: FakeMiner) -> None:
    async def disabled(request: Request) -> str:
        return samples.ERR_WRITE_DISABLED

    miner.handlers["power_on"] = disabled
    with pytest.raises(errors.WriteApiDisabledError) as info:
        await _client(miner).power_on()
    assert info.value.msg == "can't access write cmd"


async def test_write_disabled_sent_in_plaintext(miner: FakeMiner) -> None:
    async def disabled(request: Request) -> bytes:
        return samples.ERR_WRITE_DISABLED.encode()

    miner.handlers["power_on"] = disabled
    with pytest.raises(errors.WriteApiDisabledError):
        await _client(miner).power_on()


async def test_command_rejected(miner: FakeMiner) -> None:
    async def rejected(request: Request) -> dict[str, Any]:
        return {"STATUS": "E", "When": 1, "Code": 132, "Msg": "API command ERROR"}

    miner.handlers["set_zone"] = rejected
    with pytest.raises(errors.CommandRejectedError):
        await _client(miner).set_zone("CST-8", "Asia/Shanghai")


async def test_verify_password(miner: FakeMiner) -> None:
    await _client(miner).verify_password()
    (request,) = [r for r in miner.requests if r.encrypted]
    assert request.cmd == "get_version"


@pytest.mark.parametrize("cmd", ["power_off", "reboot", "restart_btminer", "factory_reset"])
async def test_silent_risky_writes_are_unknown_and_not_retried(miner: FakeMiner, cmd: str) -> None:
    async def silent(request: Request) -> None:
        return None

    miner.handlers[cmd] = silent
    client = _client(miner)
    with pytest.raises(errors.WriteOutcomeUnknownError) as info:
        await client.command(cmd)
    assert info.value.command == cmd
    assert miner.commands[cmd] == 1


async def test_hanging_power_off_is_unknown(miner: FakeMiner) -> None:
    async def hang(request: Request) -> object:
        return HANG

    miner.handlers["power_off"] = hang
    with pytest.raises(errors.WriteOutcomeUnknownError):
        await _client(miner, timeout=0.3).power_off()
    assert miner.commands["power_off"] == 1


async def test_reboot_reply_cut_mid_way_is_unknown(miner: FakeMiner) -> None:
    async def cut(request: Request) -> bytes:
        return b'{"enc":"C/UGIQ8LwD66'

    miner.handlers["reboot"] = cut
    with pytest.raises(errors.WriteOutcomeUnknownError):
        await _client(miner).reboot()


async def test_power_mode_reset_mid_send_is_unknown(miner: FakeMiner) -> None:
    async def reset(request: Request) -> None:
        request.writer.transport.abort()

    miner.handlers["set_high_power"] = reset
    with pytest.raises(errors.WriteOutcomeUnknownError):
        await _client(miner).set_power_mode(PowerMode.HIGH)


async def test_ordinary_write_closed_without_reply(miner: FakeMiner) -> None:
    async def silent(request: Request) -> None:
        return None

    async def reset(request: Request) -> None:
        request.writer.transport.abort()

    miner.handlers["power_on"] = silent
    miner.handlers["set_power_pct"] = reset
    client = _client(miner)
    with pytest.raises(errors.WhatsMinerConnectionError):
        await client.power_on()
    with pytest.raises(errors.WhatsMinerConnectionError):
        await client.set_power_pct(5)
    assert miner.commands["power_on"] == 1


async def test_undecryptable_reply(miner: FakeMiner) -> None:
    async def garbage(request: Request) -> bytes:
        return b'{"enc":"QUJDREVGR0hJSktMTU5PUA=="}'

    miner.handlers["power_on"] = garbage
    with pytest.raises(errors.WhatsMinerResponseError, match="decrypt"):
        await _client(miner).power_on()


async def test_v3_firmware_refuses_writes(miner: FakeMiner) -> None:
    miner.replies["get_version"] = samples.VERSION_V3
    client = _client(miner)
    with pytest.raises(errors.UnsupportedFirmwareError):
        await client.power_on()
    with pytest.raises(errors.UnsupportedFirmwareError):
        await client.verify_password()
    assert miner.commands["get_version"] == 1
    assert miner.commands["tokens_issued"] == 0


async def test_old_firmware_without_get_version_still_writes(miner: FakeMiner) -> None:
    miner.replies["get_version"] = samples.ERR_14
    await _client(miner).power_on()
    assert miner.commands["power_on"] == 1


async def test_update_pwd_switches_to_the_new_password(miner: FakeMiner) -> None:
    async def change(request: Request) -> bytes:
        assert request.body["old"] == miner.password
        reply = json.dumps(miner.encrypt(miner.ok())).encode()
        miner.password = request.body["new"]
        miner.signs.clear()
        return reply

    miner.handlers["update_pwd"] = change
    client = _client(miner)
    await client.update_pwd("admin", "n3w_pw")
    assert client.password == "n3w_pw"
    await client.power_on()
    assert miner.commands["power_on"] == 1
    assert miner.commands["tokens_issued"] == 2


async def test_command_sends_reads_plain_and_writes_encrypted(miner: FakeMiner) -> None:
    client = _client(miner)
    reply = await client.command("set_power_pct", percent="20")
    assert reply["Msg"] == "API command OK"
    assert _writes(miner) == [{"cmd": "set_power_pct", "percent": "20"}]
    assert (await client.command("status"))["Msg"]["power_mode"] == "low"


async def test_writes_that_change_info_refresh_it_on_next_poll(miner: FakeMiner) -> None:
    client = _client(miner)
    await client.poll()
    await client.set_led_auto()
    await client.poll()
    assert miner.commands["get_miner_info"] == 2


async def _chunks(parts: list[bytes]):  # type: ignore[no-untyped-def]
    for part in parts:
        yield part


def test_fake_miner_sample_is_json() -> None:
    assert json.loads(samples.OK)["Code"] == 131
