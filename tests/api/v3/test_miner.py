"""V3Miner over the fake v3 miner: the poll, capabilities, controls, verify_password."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import json
from typing import Any

import pytest

from custom_components.whatsminer.api.errors import (
    DefaultPasswordError,
    NotAWhatsMinerError,
    PermissionDeniedError,
    UnsupportedCommandError,
    WhatsMinerApiError,
    WriteApiDisabledError,
)
from custom_components.whatsminer.api.miner import Control
from custom_components.whatsminer.api.models import (
    ApiVersion,
    HeatMode,
    LedColor,
    PoolConfig,
    PowerMode,
    SyslogProto,
)
from custom_components.whatsminer.api.v3.miner import V3Miner, probe
from tests.api.fake_miner import FakeMiner

from .conftest import Clocks
from .fake_v3 import Conn, FakeV3Miner

MinerCall = Callable[[V3Miner], Awaitable[Any]]


def make_miner(fake: FakeV3Miner, clocks: Clocks, **kwargs: Any) -> V3Miner:
    kwargs.setdefault("v2_port", None)
    kwargs.setdefault("password", fake.password)
    return V3Miner(
        "127.0.0.1",
        port=fake.port,
        timeout=0.5,
        clock=lambda: clocks.mono,
        wall_clock=lambda: clocks.wall,
        **kwargs,
    )


@pytest.fixture
async def miner(fake: FakeV3Miner, clocks: Clocks) -> AsyncIterator[V3Miner]:
    miner = make_miner(fake, clocks)
    yield miner
    await miner.close()


def refuse(fake: FakeV3Miner, cmd: str, code: int = -2, msg: Any = "invalid command") -> None:
    async def handler(request: dict[str, Any], conn: Conn) -> Any:
        return fake.reply(cmd, msg, code)

    fake.handlers[cmd] = handler


# ---- the poll ----------------------------------------------------------------------------


async def test_steady_poll_opens_no_connection_and_requests_no_salt(
    fake: FakeV3Miner, miner: V3Miner, clocks: Clocks
) -> None:
    await miner.poll()  # first poll: also the three settings reads
    assert fake.connections == 1 and len(fake.requests) == 5
    before = len(fake.requests)
    for _ in range(9):
        clocks.advance(30)
        await miner.poll()
    steady = fake.requests[before:]
    assert fake.connections == 1 and miner.client.salt_requests == 0
    assert [r["cmd"] for r in steady] == ["get.device.info", "get.miner.status"] * 9
    assert all("param" not in r for r in steady if r["cmd"] == "get.device.info")
    assert {r.get("param") for r in steady if r["cmd"] == "get.miner.status"} == {
        "summary+edevs+pools"
    }
    # The write that follows uses the salt of the poll's device info.
    await miner.set_led_auto()
    assert miner.client.salt_requests == 0 and fake.connections == 1
    assert fake.written[-1]["cmd"] == "set.system.led"


async def test_settings_on_the_slow_cadence_and_after_a_write(
    fake: FakeV3Miner, miner: V3Miner, clocks: Clocks
) -> None:
    def settings_reads() -> int:
        return fake.commands["get.miner.setting"]

    await miner.poll()
    for _ in range(10):
        await miner.poll()
    assert settings_reads() == 1  # 10 polls, but not yet 5 minutes
    clocks.advance(301)
    await miner.poll()
    assert settings_reads() == 2
    await miner.poll()
    assert settings_reads() == 2
    await miner.set_upfreq_speed(5)
    await miner.poll()
    assert settings_reads() == 3
    miner.invalidate_cache()
    await miner.poll()
    assert settings_reads() == 4
    fake.reads["get.device.info"]["system"]["fwversion"] = "20260101.01.REL"
    await miner.poll()
    await miner.poll()
    assert settings_reads() == 5


async def test_snapshot_fields(fake: FakeV3Miner, miner: V3Miner) -> None:
    fake.reads["get.device.info"]["power"]["liquid-temperature"] = 30.5
    snap = await miner.poll()
    assert snap.api is ApiVersion.V3 and snap.write_access is True and snap.power_max_w is None
    assert snap.model == "M50_VH84" and snap.mac == "C6:07:20:00:1A:2B"
    assert snap.firmware_version == "20250915.16.Rel2" and snap.mining
    s = snap.summary
    assert s.hashrate_ths == 101.847 and s.power_w == 3268 and s.power_limit_w == 3500
    assert s.coolant_temp_c == 30.5 and s.power_mode is PowerMode.NORMAL
    assert s.fast_boot is False and s.upfreq_complete is True and s.uptime_s == 1175
    assert s.accepted is None  # no share counts without the v2 port
    assert [b.serial for b in snap.boards] == ["HHM0A", "HHM1B", "HHM2C"]
    assert [b.temperature_c for b in snap.boards] == [69.6, 70.1, 72.3]
    assert snap.pools[0].user == "worker.1" and snap.active_pool is snap.pools[0]
    assert snap.psu is not None and snap.psu.input_power_w == 3573
    assert snap.version is not None and snap.version.api_ver == "3.0.2"
    assert snap.info is not None and snap.info.ip == "10.10.10.21"
    assert [e.code for e in snap.error_codes] == [531, 264]
    assert snap.status is not None and snap.status.mining is True
    settings = snap.settings
    assert settings.power_target_w == 3400 and settings.fan_temp_offset_c == -10
    assert settings.ntp_servers == ("0.cn.pool.ntp.org", "0.openwrt.pool.ntp.org")
    assert settings.coin_type == "BTC/BCH/BSV" and settings.heat_mode is HeatMode.NORMAL
    assert settings.power_percent is None and settings.fast_hash is True
    fake.reads["get.device.info"]["miner"]["power-limit-set"] = "3300"  # fresh each poll
    assert (await miner.poll()).settings.power_limit_w == 3300
    assert {"get.device.info", "get.miner.status", "get.miner.setting"} <= set(snap.raw)


async def test_stopped_miner_polls_from_device_info(fake: FakeV3Miner, miner: V3Miner) -> None:
    fake.reads["get.device.info"]["miner"]["working"] = "false"
    refuse(fake, "get.miner.status", 0, "btminer process is down err")
    snap = await miner.poll()
    assert not snap.mining and snap.summary.hashrate_ths is None and snap.boards == ()
    assert snap.model == "M50_VH84"
    refuse(fake, "get.miner.status", -1, "fail")
    assert not (await miner.poll()).mining
    fake.reads["get.device.info"]["miner"]["working"] = "true"
    with pytest.raises(WhatsMinerApiError):
        await miner.poll()


async def test_failed_settings_read_keeps_the_previous_value(
    fake: FakeV3Miner, miner: V3Miner
) -> None:
    await miner.poll()
    refuse(fake, "get.fan.setting")
    miner.invalidate_cache()
    snap = await miner.poll()
    assert snap.settings.fan_temp_offset_c == -10


async def test_share_counts_from_the_v2_port(
    fake: FakeV3Miner, clocks: Clocks, socket_enabled: None
) -> None:
    pools = {"STATUS": [{"STATUS": "S"}], "POOLS": [
        {"POOL": 0, "URL": "stratum+tcp://pool.example:3333", "User": "worker.1",
         "Accepted": 120, "Rejected": 2, "Stale": 1},
        {"POOL": 1, "URL": "stratum+tcp://other:3333", "User": "w", "Accepted": 9},
    ]}  # fmt: skip
    async with FakeMiner() as v2:
        v2.replies["pools"] = json.dumps(pools)
        miner = make_miner(fake, clocks, v2_port=v2.port)
        snap = await miner.poll()
        pool = snap.pools[0]
        assert (pool.accepted, pool.rejected, pool.stale) == (120, 2, 1)
        assert (snap.summary.accepted, snap.summary.rejected) == (120, 2)
        assert (await miner.get_pools())[0].accepted == 120
        await miner.close()
    assert fake.connections == 1


async def test_dead_v2_port_is_ignored_and_retried_slowly(
    fake: FakeV3Miner, clocks: Clocks
) -> None:
    miner = make_miner(fake, clocks, v2_port=1)
    snap = await miner.poll()
    assert snap.pools[0].accepted is None
    retry_at = miner._shares_retry_at
    await miner.poll()
    assert miner._shares_retry_at == retry_at  # not tried again before 5 minutes
    await miner.close()


# ---- capabilities ------------------------------------------------------------------------


async def test_capabilities(fake: FakeV3Miner, miner: V3Miner) -> None:
    assert miner.capabilities.readings == frozenset()
    await miner.poll()
    caps = miner.capabilities
    assert caps.api is ApiVersion.V3 and caps.controls == V3Miner.CONTROLS
    assert caps.upfreq_speed_max == 10 and caps.board_count == 3
    assert caps.fans and not caps.liquid_cooled and caps.power_max_w is None
    assert {"summary.hashrate_ths", "psu.output_voltage_v", "settings.power_target_w"} <= (
        caps.readings
    )
    assert "summary.accepted" not in caps.readings
    missing = {Control.FAST_MINING, Control.PRE_POWER_ON, Control.RESTORE_POWER_PERCENT}
    assert not missing & caps.controls
    assert Control.SYSLOG in caps.controls
    assert miner.api is ApiVersion.V3 and miner.host == "127.0.0.1" and miner.port == fake.port


async def test_refused_command_is_learned(fake: FakeV3Miner, miner: V3Miner) -> None:
    refuse(fake, "set.miner.power_percent")
    with pytest.raises(UnsupportedCommandError):
        await miner.set_power_percent(80, fast=True)
    controls = miner.capabilities.controls
    assert Control.POWER_PERCENT_FAST not in controls
    assert Control.POWER_PERCENT_GRADUAL not in controls and Control.POWER_TARGET in controls
    refuse(fake, "get.log.download")
    with pytest.raises(UnsupportedCommandError):
        await miner.download_logs()
    assert Control.LOGS not in miner.capabilities.controls


async def test_hydro_is_detected_and_sticky(fake: FakeV3Miner, miner: V3Miner) -> None:
    status = fake.reads["get.miner.status"]["summary"]
    status["fan-speed-in"] = status["fan-speed-out"] = 0
    fake.reads["get.device.info"]["power"]["liquid-temperature"] = 35
    await miner.poll()
    assert miner.capabilities.liquid_cooled and not miner.capabilities.fans
    del fake.reads["get.device.info"]["power"]["liquid-temperature"]
    status["fan-speed-in"] = 4000
    await miner.poll()
    assert miner.capabilities.liquid_cooled


async def test_stopped_air_miner_is_not_taken_for_hydro(fake: FakeV3Miner, miner: V3Miner) -> None:
    status = fake.reads["get.miner.status"]["summary"]
    status["fan-speed-in"] = status["fan-speed-out"] = status["hash-realtime"] = 0
    await miner.poll()  # heat-mode "normal" is reported, but nothing hashes
    assert miner.capabilities.fans and not miner.capabilities.liquid_cooled


async def test_immersion_without_fans(fake: FakeV3Miner, miner: V3Miner) -> None:
    status = fake.reads["get.miner.status"]["summary"]
    status["fan-speed-in"] = status["fan-speed-out"] = 0
    fake.reads["get.miner.setting"]["heat-mode"] = ""
    await miner.poll()
    assert not miner.capabilities.fans and not miner.capabilities.liquid_cooled


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.set_fast_mining(True),
        lambda m: m.pre_power_on(complete=True, msg="adjust complete"),
        lambda m: m.restore_power_percent(),
    ],
)
async def test_controls_v3_lacks_are_refused_unsent(
    fake: FakeV3Miner, miner: V3Miner, call: MinerCall
) -> None:
    with pytest.raises(UnsupportedCommandError) as caught:
        await call(miner)
    assert not caught.value.sent and fake.requests == []


# ---- controls ----------------------------------------------------------------------------

CONTROLS: list[tuple[MinerCall, str, Any]] = [
    (lambda m: m.set_mining(True), "set.miner.service", "start"),
    (lambda m: m.set_mining(False), "set.miner.service", "stop"),
    (lambda m: m.set_mining_at_boot(True), "set.miner.service", "enable"),
    (lambda m: m.set_mining_at_boot(False), "set.miner.service", "disable"),
    (lambda m: m.restart_mining(), "set.miner.service", "restart"),
    (lambda m: m.reboot(), "set.system.reboot", None),
    (lambda m: m.set_power_mode(PowerMode.HIGH), "set.miner.power_mode", "high"),
    (lambda m: m.set_power_limit(3100), "set.miner.power_limit", 3100),
    (lambda m: m.set_power_target(3000), "set.miner.power", 3000),
    (lambda m: m.set_power_percent(75, fast=False), "set.miner.power_percent",
     {"percent": "75", "mode": "normal"}),
    (lambda m: m.set_target_freq(10), "set.miner.target_freq", 10),
    (lambda m: m.set_upfreq_speed(3), "set.miner.upfreq_speed", 3),
    (lambda m: m.set_fast_boot(False), "set.miner.fastboot", "disable"),
    (lambda m: m.set_fast_hash(True), "set.miner.fast_hash", 1),
    (lambda m: m.set_heat_mode(HeatMode.ANTI_FREEZING), "set.miner.heat_mode", "anti-freezing"),
    (lambda m: m.set_temp_offset(-5), "set.fan.temp_offset", -5),
    (lambda m: m.set_poweroff_cool(False), "set.fan.poweroff_cool", 0),
    (lambda m: m.set_fan_zero_speed(True), "set.fan.zero_speed", 1),
    (lambda m: m.set_web_pools(True), "set.system.webpools", "enable"),
    (lambda m: m.set_led(LedColor.GREEN, period_ms=1000, duration_ms=500, start_ms=0),
     "set.system.led", [{"color": "green", "period": 1000, "duration": 500, "start": 0}]),
    (lambda m: m.set_led_auto(), "set.system.led", "auto"),
    (lambda m: m.update_pools([PoolConfig(url="stratum+tcp://a:1", worker="w1"),
                               PoolConfig(url="stratum+tcp://b:2", worker="w2", password="p")]),
     "set.miner.pools", [{"pool": "stratum+tcp://a:1", "worker": "w1", "passwd": ""},
                         {"pool": "stratum+tcp://b:2", "worker": "w2", "passwd": "p"}]),
    (lambda m: m.set_hostname("barn-1"), "set.system.hostname", {"hostname": "barn-1"}),
    (lambda m: m.set_timezone("UTC0", "UTC"), "set.system.timezone",
     {"timezone": "UTC0", "zonename": "UTC"}),
    (lambda m: m.set_ntp_servers(["pool.ntp.org"]), "set.system.ntp_server", "pool.ntp.org"),
    (lambda m: m.set_time_randomized(5, 6), "set.system.time_randomized",
     {"start": 5, "stop": 6}),
    (lambda m: m.set_syslog("10.0.0.9", 514, SyslogProto.TCP), "set.log.upload",
     {"ip": "10.0.0.9", "port": "514", "proto": "tcp"}),
    (lambda m: m.net_config_dhcp(), "set.system.net_config", "dhcp"),
    (lambda m: m.factory_reset(), "set.system.factory_reset", None),
    (lambda m: m.restore_settings(), "set.miner.restore_setting", None),
    (lambda m: m.set_custom_data("CustomerSn", "A-1"), "set.device.custom_data",
     {"key": "CustomerSn", "value": "A-1"}),
    (lambda m: m.set_coin_type("BCH"), "set.miner.cointype", {"cointype": "BCH"}),
    (lambda m: m.set_user_permission("user2", ["get.miner.status"]), "set.user.permission",
     {"user": "user2", "permission": "get.miner.status"}),
]  # fmt: skip


@pytest.mark.parametrize(("call", "cmd", "param"), CONTROLS)
async def test_controls_send_their_command(
    fake: FakeV3Miner, miner: V3Miner, call: MinerCall, cmd: str, param: Any
) -> None:
    await call(miner)
    assert [(r["cmd"], r.get("param")) for r in fake.written] == [(cmd, param)]


async def test_static_network_sets_the_hostname_first(fake: FakeV3Miner, miner: V3Miner) -> None:
    await miner.net_config_static(
        ip="10.0.0.7", mask="255.255.0.0", gateway="10.0.0.1", dns=["10.0.0.1"], host="m7"
    )
    assert [r["cmd"] for r in fake.written] == ["set.system.hostname", "set.system.net_config"]
    assert fake.written[1]["param"]["netmask"] == "255.255.0.0"


async def test_change_password_then_writes_with_the_new_one(
    fake: FakeV3Miner, miner: V3Miner
) -> None:
    await miner.change_password("S3cond")
    assert miner.password == "S3cond" and fake.password == "S3cond"
    assert fake.requests[-1] == {"cmd": "get.device.info", "param": "salt"}
    await miner.set_led_auto()
    miner.set_password(None)
    assert miner.password is None


async def test_reads_beyond_the_poll(fake: FakeV3Miner, miner: V3Miner) -> None:
    assert [e.code for e in await miner.get_error_codes()] == [531, 264]
    assert fake.requests[-1] == {"cmd": "get.device.info", "param": "error-code"}
    assert (await miner.get_pools())[0].url == "stratum+tcp://pool.example:3333"


async def test_firmware_and_logs_through_the_miner(fake: FakeV3Miner, miner: V3Miner) -> None:
    refuse(fake, "set.system.update_firmware", -2)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"fw"

    with pytest.raises(UnsupportedCommandError):
        await miner.update_firmware(chunks(), 2)
    assert Control.FIRMWARE not in miner.capabilities.controls
    refuse(fake, "get.log.download", 0, {"logsize": "0"})
    assert await miner.download_logs() == b""


# ---- verify_password ---------------------------------------------------------------------


async def test_verify_password_sends_a_report_gap_of_zero(
    fake: FakeV3Miner, miner: V3Miner
) -> None:
    await miner.verify_password()
    assert [(r["cmd"], r["param"]) for r in fake.written] == [("set.miner.report", {"gap": 0})]


async def test_verify_password_write_switch_off(fake: FakeV3Miner, miner: V3Miner) -> None:
    fake.apiswitch = "0"
    with pytest.raises(WriteApiDisabledError):
        await miner.verify_password()
    assert fake.commands["set.miner.report"] == 0


async def test_verify_password_factory_default(fake: FakeV3Miner, miner: V3Miner) -> None:
    miner.set_password("super")
    with pytest.raises(DefaultPasswordError):
        await miner.verify_password()
    assert fake.commands["set.miner.report"] == 0


async def test_verify_password_wrong(fake: FakeV3Miner, miner: V3Miner) -> None:
    miner.set_password("guess")
    with pytest.raises(PermissionDeniedError):
        await miner.verify_password()


async def test_verify_password_falls_back_to_the_led_in_auto_mode(
    fake: FakeV3Miner, miner: V3Miner
) -> None:
    refuse(fake, "set.miner.report")
    await miner.verify_password()
    assert [(r["cmd"], r["param"]) for r in fake.written] == [("set.system.led", "auto")]
    fake.reads["get.device.info"]["system"]["ledstatus"] = "manual"
    await miner.verify_password()  # nothing harmless left to try
    assert len(fake.written) == 1


# ---- probe -------------------------------------------------------------------------------


async def test_probe(fake: FakeV3Miner) -> None:
    found = await probe("127.0.0.1", fake.port, timeout=0.5)
    assert found.api is ApiVersion.V3 and found.port == fake.port
    assert (found.api_version, found.firmware, found.model) == (
        "3.0.2", "20250915.16.Rel2", "M50_VH84",
    )  # fmt: skip
    assert found.mac == "C6:07:20:00:1A:2B" and found.write_access is True
    fake.reads["get.device.info"]["system"]["api"] = "2.0.5"
    with pytest.raises(NotAWhatsMinerError):
        await probe("127.0.0.1", fake.port, timeout=0.5)

    async def garbage(request: dict[str, Any], conn: Conn) -> Any:
        return b"HTTP/1.1 400 Bad Request\r\n\r\n"

    fake.handlers["get.device.info"] = garbage
    with pytest.raises(NotAWhatsMinerError):
        await probe("127.0.0.1", fake.port, timeout=0.5)
