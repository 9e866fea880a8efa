"""API v3 wire rules (spec 1-3, 9): framing, persistent connections, limits, auth, params."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from simulator import MinerSimulator, SimClock, SimulatedMiner, Timing
from simulator.crypto import decrypt
from simulator.v3.auth import v3_digest, v3_token

from .conftest import V3_PASSWORD
from .wire_v3 import Client, Conn, frame, read

POOLS = [{"pool": "stratum+tcp://pool:3333", "worker": "worker", "passwd": "x"}]


def test_spec_vectors() -> None:
    """Spec 3.8 V1/V3: token and both padding variants decrypt to the same pools."""
    key = v3_digest("set.miner.pools", "super", "5QAHiKMb", 1692685512)
    assert key.hex().startswith("b7957365d05ec273")
    assert v3_token(key) == "t5VzZdBe"
    head = "M7c6KBuUVIiP+BnrFxPBexRUr3Zw94Ng42eBDFq02W9o7MSxcGd0EcmSwVx72paF9s8xliqcLqi00gxEFa8Azp"
    pkcs7 = head + "W/A3R+69wXNkHPuGtqhA4="
    zero = head + "pK+S3eVv7uFsT2v6SS/5k="
    assert json.loads(decrypt(key, pkcs7)) == json.loads(decrypt(key, zero)) == POOLS
    v3 = v3_digest("set.miner.service", "super", "uhCiDyVj", 1773869570)
    assert v3_token(v3) == "wusyZCiM"


async def test_one_connection_carries_many_commands(v3miner: SimulatedMiner) -> None:
    async with Conn(v3miner.v3_port) as conn:
        for cmd in ("get.device.info", "get.miner.setting", "get.fan.setting"):
            reply = await conn.request({"cmd": cmd, "param": None})
            assert (reply["code"], reply["desc"]) == (0, cmd)
            assert isinstance(reply["when"], int)


async def test_reads_without_param_and_compact_json(v3miner: SimulatedMiner) -> None:
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw(frame(b'{"cmd":"get.system.setting"}'))
        assert (await conn.receive())["msg"]["hostname"] == "WhatsMiner"


async def test_heartbeat_gets_no_reply_and_keeps_the_line(socket_enabled: None) -> None:
    timing = Timing(v3_idle_timeout_s=0.4)
    async with MinerSimulator(profile="m60s", timing=timing) as sim:
        port = sim.miners[0].v3_port
        async with Conn(port) as conn:
            for _ in range(4):  # 0.8 s in all, twice the idle timeout
                await conn.send_raw(b"\x00\x00\x00\x00")
                await asyncio.sleep(0.2)
            reply = await conn.request({"cmd": "get.fan.setting"})
            assert reply["code"] == 0
            assert await conn.closed(2)  # then silence closes it


async def test_oversized_length_closes(v3miner: SimulatedMiner) -> None:
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw((1024 * 1024 + 1).to_bytes(4, "little") + b"{}")
        assert await conn.closed()


async def test_invalid_json_and_unknown_command(v3miner: SimulatedMiner) -> None:
    async with Conn(v3miner.v3_port) as conn:
        await conn.send_raw(frame(b"{not json"))
        assert await conn.receive() == {
            "code": -1,
            "when": int(v3miner.now()),
            "msg": "invalid json",
            "desc": "",
        }
        unknown = await conn.request({"cmd": "get.miner.report"})
        assert (unknown["code"], unknown["desc"]) == (-2, "get.miner.report")
        assert (await conn.request({"param": "x"}))["code"] == -2


async def test_status_without_param_is_empty(v3miner: SimulatedMiner) -> None:
    reply = await read(v3miner.v3_port, "get.miner.status")
    assert (reply["code"], reply["msg"]) == (0, {})
    assert (await read(v3miner.v3_port, "get.miner.status", "bogus"))["code"] == -1


async def test_eleventh_client_is_accepted_and_closed(v3miner: SimulatedMiner) -> None:
    conns = [Conn(v3miner.v3_port) for _ in range(10)]
    for conn in conns:
        await conn.__aenter__()
        assert (await conn.request({"cmd": "get.fan.setting"}))["code"] == 0
    assert v3miner.v3_server.clients == 10
    try:
        async with Conn(v3miner.v3_port) as extra:
            assert await extra.closed()
        await conns[0].__aexit__(None, None, None)
        await asyncio.sleep(0.05)
        async with Conn(v3miner.v3_port) as again:
            assert (await again.request({"cmd": "get.fan.setting"}))["code"] == 0
    finally:
        for conn in conns[1:]:
            await conn.__aexit__(None, None, None)


async def test_writes_need_a_right_token_and_account(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    good = await client.build("set.system.webpools", "disable")
    for bad in (
        {**good, "token": "AAAAAAAA"},
        {**good, "account": "admin"},
        {**good, "ts": good["ts"] + 1},
        {k: v for k, v in good.items() if k != "token"},
    ):
        async with Conn(v3miner.v3_port) as conn:
            reply = await conn.request(bad)
        assert (reply["code"], reply["msg"]) == (-4, "no permission")
    assert v3miner.state.web_pools
    v3miner.faults.token_error_code = -1
    assert (await Client(v3miner.v3_port, "wrong").write("set.system.webpools", "x"))["code"] == -1
    assert (await client.write("set.system.webpools", "disable"))["code"] == 0
    assert not v3miner.state.web_pools


async def test_write_switch_off_or_default_password_refuses(socket_enabled: None) -> None:
    async with MinerSimulator(profile="m60s", password="super", clock=SimClock()) as sim:
        miner = sim.miners[0]
        reply = await Client(miner.v3_port, "super").write("set.miner.service", "stop")
        assert (reply["code"], reply["msg"]) == (-4, "no permission")
        miner.state.accounts["super"] = V3_PASSWORD
        miner.state.api_enabled = False
        reply = await Client(miner.v3_port).write("set.miner.service", "stop")
        assert reply["code"] == -4
        assert (await read(miner.v3_port, "get.device.info", "system"))["msg"]["system"][
            "apiswitch"
        ] == "0"
        assert miner.state.mining


async def test_user_accounts_follow_their_permission_list(v3miner: SimulatedMiner) -> None:
    user = Client(v3miner.v3_port, "user1", account="user1")
    assert (await user.write("set.system.led", "auto"))["code"] == -4
    grant = {"user": "user1", "permission": "set.system.led,set.miner.service"}
    assert (await Client(v3miner.v3_port).write("set.user.permission", grant))["code"] == 0
    assert (await user.write("set.system.led", "auto"))["code"] == 0
    assert (await user.write("set.user.permission", grant))["code"] == -4
    info = await read(v3miner.v3_port, "get.device.info", "miner")
    assert info["msg"]["miner"]["permission"] == "super=255 user1=1 user2=0 user3=0"


@pytest.mark.parametrize("pkcs7", [True, False])
@pytest.mark.parametrize("double", [True, False])
async def test_encrypted_pools_padding_and_double_encoding(
    v3miner: SimulatedMiner, pkcs7: bool, double: bool
) -> None:
    pools = [{"pool": "stratum+tcp://a.example:3333", "worker": "w.1", "passwd": "x"}]
    plain = json.dumps(json.dumps(pools) if double else pools).encode()
    client = Client(v3miner.v3_port)
    reply = await client.write("set.miner.pools", plain, secret=True, pkcs7=pkcs7)
    assert reply == {"code": 0, "when": int(v3miner.now()), "msg": "ok", "desc": "set.miner.pools"}
    status = await read(v3miner.v3_port, "get.miner.status", "pools")
    assert [(p["id"], p["url"], p["account"]) for p in status["msg"]["pools"]] == [
        (1, "stratum+tcp://a.example:3333", "w.1")
    ]


async def test_undecryptable_param_fails(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    reply = await client.write("set.miner.pools", "bm90IGNpcGhlcnRleHQ=")
    assert reply["code"] == -1
    assert len(v3miner.state.pools) == 3


@pytest.mark.parametrize(
    "param",
    [
        {"percent": "90", "mode": "fast"},
        {"percent": 90, "mode": "fast"},
        {"percent": 90.0, "mode": "fast"},
        json.dumps({"percent": "90", "mode": "fast"}),
    ],
)
async def test_object_and_number_params_in_every_form(v3miner: SimulatedMiner, param: Any) -> None:
    assert (await Client(v3miner.v3_port).write("set.miner.power_percent", param))["code"] == 0
    assert v3miner.state.power_pct == 90


@pytest.mark.parametrize("watts", [3000, 3000.0, "3000", "3000.0"])
async def test_power_limit_accepts_any_number_form(v3miner: SimulatedMiner, watts: Any) -> None:
    assert (await Client(v3miner.v3_port).write("set.miner.power_limit", watts))["code"] == 0
    assert v3miner.state.power_limit_w == 3000


@pytest.mark.parametrize(
    ("cmd", "param", "code"),
    [
        ("set.miner.power_limit", "lots", -1),
        ("set.miner.power_limit", 100000, -1),
        ("set.miner.power_limit", None, -3),
        ("set.miner.power_percent", {"percent": 101}, -1),
        ("set.miner.power_percent", {"mode": "fast"}, -3),
        ("set.miner.power_mode", "turbo", -1),
        ("set.miner.target_freq", 10, -1),  # air-cooled: only negative
        ("set.miner.heat_mode", "heating", -1),  # air-cooled
        ("set.fan.temp_offset", 5, -1),
        ("set.system.time_randomized", {"start": 121, "stop": 0}, -1),
        ("set.device.custom_data", {"key": "msg10", "value": "x"}, -1),
        ("set.system.hostname", {"hostname": "bad host"}, -1),
        ("set.system.led", [{"color": "blue", "period": 1, "duration": 1, "start": 0}], -1),
        ("set.miner.cointype", "{not json", -1),
        ("set.miner.cointype", ["BTC"], -1),
        ("set.system.led", [], -1),
        (
            "set.system.net_config",
            {"ip": "10.0.0.300", "netmask": "255.0.0.0", "gateway": "10.0.0.1", "dns": "1.1.1.1"},
            -1,
        ),
        ("set.system.ntp_server", ",", -1),
        ("set.system.timezone", {"timezone": "", "zonename": "Europe/Berlin"}, -3),
        ("set.log.upload", {"ip": "1.2.3", "port": "514", "proto": "udp"}, -1),
        ("set.device.custom_data", {"key": "msg1", "value": "x" * 200}, -1),
        ("set.miner.upfreq_speed", True, -1),
        ("set.miner.upfreq_speed", {"speed": 1}, -1),
    ],
)
async def test_bad_params_are_refused(
    v3miner: SimulatedMiner, cmd: str, param: Any, code: int
) -> None:
    reply = await Client(v3miner.v3_port).write(cmd, param)
    assert (reply["code"], reply["desc"]) == (code, cmd)
    assert isinstance(reply["msg"], str)
    assert v3miner.state.power_limit_w == v3miner.profile.max_power_limit_w
    assert v3miner.state.power_pct == 100


@pytest.mark.parametrize(
    "plain",
    [
        {"not": "a list"},
        ["x"],
        [{"pool": "", "worker": "", "passwd": ""}],
        [{"pool": f"stratum+tcp://p{i}:3333"} for i in range(4)],
    ],
)
async def test_bad_pool_lists_are_refused(v3miner: SimulatedMiner, plain: Any) -> None:
    reply = await Client(v3miner.v3_port).write("set.miner.pools", plain, secret=True)
    assert reply["code"] == -1
    assert len(v3miner.state.pools) == 3


@pytest.mark.parametrize(
    "change", ["just text", {"account": "super", "new": "x" * 33, "old": V3_PASSWORD}]
)
async def test_bad_password_changes_are_refused(v3miner: SimulatedMiner, change: Any) -> None:
    client = Client(v3miner.v3_port)
    assert (await client.write("set.user.change_passwd", change, secret=True))["code"] == -1
    assert v3miner.state.accounts["super"] == V3_PASSWORD


async def test_normal_percent_is_refused_in_high_mode_on_air(v3miner: SimulatedMiner) -> None:
    v3miner.state.power_mode = "high"
    param = {"percent": 80, "mode": "normal"}
    assert (await Client(v3miner.v3_port).write("set.miner.power_percent", param))["code"] == -1


async def test_ts_may_be_a_numeric_string_but_nothing_else(v3miner: SimulatedMiner) -> None:
    client = Client(v3miner.v3_port)
    body = await client.build("set.system.webpools", "disable")
    async with Conn(v3miner.v3_port) as conn:
        assert (await conn.request({**body, "ts": "x1"}))["code"] == -4
        assert (await conn.request({**body, "ts": str(body["ts"])}))["code"] == 0


async def test_read_params_are_checked(v3miner: SimulatedMiner) -> None:
    assert (await read(v3miner.v3_port, "get.device.info", "bogus"))["code"] == -1
    now = int(v3miner.now())
    later = {"begin": now + 100, "end": now + 50}
    assert (await read(v3miner.v3_port, "get.miner.history", later))["code"] == -1
    two = (await read(v3miner.v3_port, "get.device.info", "salt,error-code"))["msg"]
    assert two == {"salt": v3miner.state.device_salt, "error-code": []}
    v3miner.raise_error(531)
    errors = (await read(v3miner.v3_port, "get.device.info", "error-code"))["msg"]["error-code"]
    assert list(errors[0]) == ["531", "reason"]
    v3miner.raise_error(264, "Power xfer error. code: 0xffffffffc0000000")
    errors = (await read(v3miner.v3_port, "get.device.info", "error-code"))["msg"]["error-code"]
    assert [error["reason"] for error in errors] == [
        "error 531",
        "Power xfer error. code: 0xffffffffc0000000",
    ]
    v3miner.clear_errors()
    assert v3miner.state.error_reasons == {}
