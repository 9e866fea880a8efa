"""AutoMiner: detects on first use (or trusts the API it is given), delegates every call,
detects again after a firmware change or when its port stops speaking its protocol, and
never sends a write twice. Against the project's simulators (v2 and v3 firmware) and, for
the pure delegation, a mock backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from unittest.mock import MagicMock

import pytest

from custom_components.whatsminer.api import auto as auto_module, errors
from custom_components.whatsminer.api.auto import V3_RECHECK_S, AutoMiner
from custom_components.whatsminer.api.miner import Control, Detection, Miner
from custom_components.whatsminer.api.models import (
    ApiVersion,
    HeatMode,
    LedColor,
    MinerSnapshot,
    PoolConfig,
    PowerMode,
    Status,
    Summary,
    SyslogProto,
)
from custom_components.whatsminer.api.v2.miner import V2Miner
from custom_components.whatsminer.api.v3.miner import V3Miner
from simulator import MinerSimulator, SimClock, SimulatedMiner, Timing

from .conftest import FakeClock
from .fake_miner import FakeMiner
from .fake_v3 import free_port

V3_IMAGE = b"\x00" * 1000 + b"WHATSMINER-FW api=3 20260312.16.REL3" + b"\x00" * 1000


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _auto(miner: SimulatedMiner, api: ApiVersion | None = None, **kwargs: Any) -> AutoMiner:
    kwargs.setdefault("timeout", 2.0)
    return AutoMiner(
        miner.host,
        password="admin",
        api=api,
        v2_port=miner.port,
        v3_port=miner.v3_port,
        **kwargs,
    )


def _sim(api: str, **kwargs: Any) -> MinerSimulator:
    return MinerSimulator(
        count=1,
        clock=SimClock(frozen=True),
        timing=Timing(reboot_s=5, btminer_restart_s=1, warmup_s=1),
        api=api,
        v3_base_port=free_port(),
        **kwargs,
    )


async def test_detects_on_first_use_v2(socket_enabled: None) -> None:
    async with _sim("v2", profile="m50_v2") as sim:
        miner = sim.miners[0]
        auto = _auto(miner)
        assert auto.api is None and auto.detection is None
        assert auto.capabilities.controls == frozenset()  # nothing known yet
        assert auto.port == miner.port
        snapshot = await auto.poll()
        assert snapshot.api is ApiVersion.V2 and auto.api is ApiVersion.V2
        assert isinstance(auto.backend, V2Miner)
        assert auto.detection is not None
        assert auto.detection.mac == miner.state.mac
        assert auto.detection.firmware == "20240911.15.REL"
        assert Control.LED in auto.capabilities.controls
        assert miner.counters.commands["get_version"] == 2  # detection, then the slow poll
        # steady state: no detection, no extra reads (status and error codes by turns)
        before = miner.counters.connections
        await auto.poll()
        await auto.poll()
        assert miner.counters.connections - before == 2 + 2
        assert auto.detections == 1


async def test_detects_on_first_use_v3(socket_enabled: None) -> None:
    async with _sim("v3", profile="m60s") as sim:
        miner = sim.miners[0]
        auto = _auto(miner)
        snapshot = await auto.poll()
        assert snapshot.api is ApiVersion.V3 and auto.api is ApiVersion.V3
        assert isinstance(auto.backend, V3Miner)
        assert auto.port == miner.v3_port
        assert auto.detection is not None and auto.detection.api_version == "3.0.2"
        await auto.close()


async def test_given_api_costs_no_probe(socket_enabled: None) -> None:
    async with _sim("v2", profile="m50_v2") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        assert auto.api is ApiVersion.V2
        assert auto.capabilities.controls == V2Miner.CONTROLS  # static, before the first poll
        await auto.poll()
        assert auto.detections == 0 and auto.detection is None
        assert miner.counters.commands["get_version"] == 1  # the poll's own slow read


async def test_upgrade_to_v3_by_firmware_image(socket_enabled: None) -> None:
    """A v2 miner flashed with a v3 image: the next use detects v3 and keeps working."""
    async with _sim("v2", profile="m50_v2") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        assert (await auto.poll()).api is ApiVersion.V2
        await auto.update_firmware(_chunks(V3_IMAGE), len(V3_IMAGE))
        assert miner.state.v3
        with pytest.raises(errors.WhatsMinerConnectionError):
            await auto.poll()  # rebooting: neither port answers, nothing changes
        assert auto.api is ApiVersion.V2
        sim.clock.advance(30)
        snapshot = await auto.poll()
        assert snapshot.api is ApiVersion.V3 and auto.api is ApiVersion.V3
        assert snapshot.firmware_version == "20260312.16.REL3"
        await auto.set_led(LedColor.RED)  # writes go through v3 now
        assert miner.counters.commands["set.system.led"] == 1
        assert (await auto.poll()).api is ApiVersion.V3
        await auto.close()


async def test_firmware_change_seen_by_a_poll(socket_enabled: None) -> None:
    """Upgraded behind our back (another tool): the poll's new firmware triggers detection."""
    async with _sim("v2", profile="m50_v2") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        await auto.poll()
        miner.install_firmware(V3_IMAGE)
        sim.clock.advance(30)
        snapshot = await auto.poll()
        assert snapshot.api is ApiVersion.V3 and auto.detections == 1
        await auto.close()


async def test_firmware_change_same_api_keeps_backend(socket_enabled: None) -> None:
    async with _sim("v2", profile="m50_v2") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        await auto.poll()
        backend = auto.backend
        miner.install_firmware(b"plain image 20240920.15.REL")
        sim.clock.advance(30)
        snapshot = await auto.poll()
        assert snapshot.api is ApiVersion.V2 and auto.backend is backend
        assert auto.detections == 1
        assert auto.detection is not None and auto.detection.firmware == "20240920.15.REL"


async def test_v3_port_refusing_switches_to_v2_and_retries_the_poll(socket_enabled: None) -> None:
    async with _sim("v3", profile="m60s") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V3)
        await auto.poll()
        await auto.close()
        miner.state.v3 = False  # back to v2 firmware, say: 4433 refuses, 4028 answers
        miner.state.fw_ver = "20240911.15.REL"
        miner.faults.on_change()
        snapshot = await auto.poll()
        assert snapshot.api is ApiVersion.V2 and auto.api is ApiVersion.V2
        assert auto.detections == 1


async def test_write_that_failed_is_not_retried(socket_enabled: None) -> None:
    async with _sim("v3", profile="m60s") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)  # wrongly remembered: v3 firmware now
        await auto.poll()  # the reduced v2 API still reads
        with pytest.raises(errors.UnsupportedFirmwareError):
            await auto.set_led_auto()  # the v2 guard refuses; nothing was sent
        assert auto.api is ApiVersion.V3  # ... and detection found v3
        assert miner.counters.commands["set.system.led"] == 0
        await auto.set_led_auto()
        assert miner.counters.commands["set.system.led"] == 1
        await auto.close()


async def test_offline_miner_raises_and_keeps_the_api(socket_enabled: None) -> None:
    async with _sim("v2", profile="m50_v2") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        await auto.poll()
        miner.faults.offline = True
        with pytest.raises(errors.WhatsMinerConnectionError):
            await auto.poll()
        with pytest.raises(errors.WhatsMinerConnectionError):
            await auto.set_led_auto()
        assert auto.api is ApiVersion.V2
        miner.faults.offline = False
        assert (await auto.poll()).api is ApiVersion.V2


async def test_v3_recheck_after_v2_on_v3_era_firmware(socket_enabled: None) -> None:
    """v2 chosen while 4433 was down on 2025 firmware: 4433 is probed again later."""
    async with _sim("v3", profile="m60s") as sim:
        miner = sim.miners[0]
        clock = FakeClock()
        auto = _auto(miner, clock=clock)
        miner.state.v3 = False  # 4433 closed for the first detection only
        miner.faults.on_change()
        assert (await auto.poll()).api is ApiVersion.V2
        miner.state.v3 = True
        miner.faults.on_change()
        assert (await auto.poll()).api is ApiVersion.V2  # not yet due
        clock.now += V3_RECHECK_S
        assert (await auto.poll()).api is ApiVersion.V3
        await auto.close()


async def test_remembered_v2_on_v3_era_firmware_asks_4433(socket_enabled: None) -> None:
    """v2 remembered but the firmware is of the v3 era: the next poll probes 4433."""
    async with _sim("v3", profile="m60s") as sim:
        auto = _auto(sim.miners[0], api=ApiVersion.V2)
        assert (await auto.poll()).api is ApiVersion.V2  # the reduced 4028 API reads
        assert (await auto.poll()).api is ApiVersion.V3
        assert auto.detections == 0  # one v3 probe, no full detection
        await auto.close()


async def test_v3_recheck_finds_nothing(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recheck that finds 4433 still closed waits V3_RECHECK_S again: not one per poll."""
    probes: list[str] = []
    probe_v3 = auto_module._probe_v3

    async def counted(host: str, port: int, timeout: float) -> Any:  # noqa: ASYNC109
        probes.append(host)
        return await probe_v3(host, port, timeout)

    monkeypatch.setattr(auto_module, "_probe_v3", counted)
    async with _sim("v3", profile="m60s") as sim:
        miner = sim.miners[0]
        clock = FakeClock()
        auto = _auto(miner, clock=clock)
        miner.state.v3 = False
        miner.faults.on_change()
        await auto.poll()
        assert len(probes) == 1  # the detection's
        clock.now += V3_RECHECK_S
        assert (await auto.poll()).api is ApiVersion.V2
        assert auto.detections == 1 and len(probes) == 2  # the recheck
        await auto.poll()
        assert len(probes) == 2  # not due again yet
        clock.now += V3_RECHECK_S
        await auto.poll()
        assert len(probes) == 3


async def test_set_password_passes_through(socket_enabled: None) -> None:
    async with _sim("v2", profile="m50_v2") as sim:
        auto = _auto(sim.miners[0], api=ApiVersion.V2)
        auto.set_password(None)
        assert auto.password is None and auto.backend is not None
        assert auto.backend.password is None
        with pytest.raises(errors.MonitorOnlyError):
            await auto.set_led_auto()
        auto.set_password("admin")
        await auto.set_led_auto()
        unset = _auto(sim.miners[0])
        unset.set_password(None)
        assert unset.password is None


# ---- starts and stops: API v3 on v3 firmware, and the other route ------------------------


async def test_stop_on_v3_era_firmware_remembered_as_v2_goes_through_v3(
    socket_enabled: None,
) -> None:
    """Never a v2 power_off on v3 firmware (spec v3 4.4.1): 4433 is asked first."""
    async with _sim("v3", profile="m64_hydro") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        assert (await auto.poll()).api is ApiVersion.V2
        await auto.set_mining(False)
        assert auto.api is ApiVersion.V3
        assert miner.counters.commands["set.miner.service"] == 1
        assert miner.counters.commands["power_off"] == 0
        assert not miner.state.mining
        await auto.close()


async def test_stop_on_v3_era_firmware_with_4433_down_is_refused_unsent(
    socket_enabled: None,
) -> None:
    async with _sim("v3", profile="m64_hydro") as sim:
        miner = sim.miners[0]
        auto = _auto(miner, api=ApiVersion.V2)
        await auto.poll()
        miner.state.v3 = False  # 4433 closed (its API restarting, say); 4028 still v3-era
        miner.faults.on_change()
        with pytest.raises(errors.UnsupportedFirmwareError):
            await auto.set_mining(False)
        assert miner.counters.commands["power_off"] == 0 and miner.state.mining


async def test_alternative_route_is_v3_for_early_v3_firmware_spoken_to_over_v2(
    socket_enabled: None,
) -> None:
    """v3 firmware with a date before the v3 era (spec v3 6.2.3), remembered as v2: the stop
    goes out as v2 power_off, which does not hold; the other route is set.miner.service."""
    async with _sim("v3", profile="m64_hydro") as sim:
        miner = sim.miners[0]
        miner.state.fw_ver = "20241011.12.Rel.LC"
        auto = _auto(miner, api=ApiVersion.V2)
        await auto.poll()
        await auto.set_mining(False)
        assert miner.counters.commands["power_off"] == 1 and auto.api is ApiVersion.V2
        await auto.set_mining_alternative(False)
        assert auto.api is ApiVersion.V3
        assert miner.counters.commands["set.miner.service"] == 1
        sim.clock.advance(miner.timing.self_restart_s + 60)
        assert miner.state.hashrate == 0 and miner.counters.self_restarts == 0  # it holds
        await auto.close()


@pytest.mark.parametrize(("api", "profile"), [("v2", "m50_v2"), ("v3", "m60s")])
async def test_no_alternative_route_on_pure_v2_or_on_v3(
    socket_enabled: None, api: str, profile: str
) -> None:
    async with _sim(api, profile=profile) as sim:
        miner = sim.miners[0]
        auto = _auto(miner)
        await auto.poll()
        before = sum(miner.counters.commands.values())
        with pytest.raises(errors.UnsupportedCommandError) as caught:
            await auto.set_mining_alternative(False)
        assert caught.value.sent is False
        assert sum(miner.counters.commands.values()) == before  # nothing sent
        assert miner.state.mining
        await auto.close()


# ---- delegation, against a mock backend -------------------------------------------------

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.1")
CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("get_pools", (), {}),
    ("get_error_codes", (), {}),
    ("verify_password", (), {}),
    ("enable_write_api", ("adm1n",), {}),
    ("set_mining", (True,), {}),
    ("set_mining_at_boot", (False,), {}),
    ("restart_mining", (), {}),
    ("reboot", (), {}),
    ("set_power_mode", (PowerMode.LOW,), {}),
    ("set_power_limit", (3000,), {}),
    ("set_power_target", (3100,), {}),
    ("set_power_percent", (80,), {"fast": True}),
    ("restore_power_percent", (), {}),
    ("set_target_freq", (-10,), {}),
    ("set_upfreq_speed", (3,), {}),
    ("set_fast_boot", (True,), {}),
    ("set_fast_hash", (True,), {}),
    ("set_fast_mining", (False,), {}),
    ("set_heat_mode", (HeatMode.HEATING,), {}),
    ("set_temp_offset", (-5,), {}),
    ("set_poweroff_cool", (True,), {}),
    ("set_fan_zero_speed", (False,), {}),
    ("set_web_pools", (True,), {}),
    ("set_led", (LedColor.GREEN,), {"period_ms": 400, "duration_ms": 200, "start_ms": 1}),
    ("set_led_auto", (), {}),
    ("update_pools", ([POOL],), {}),
    ("set_hostname", ("rig1",), {}),
    ("set_timezone", ("CST-8", "Asia/Shanghai"), {}),
    ("set_ntp_servers", (["pool.ntp.org"],), {}),
    ("set_time_randomized", (10, 20), {}),
    ("set_syslog", ("10.0.0.2", 514, SyslogProto.UDP), {}),
    ("net_config_dhcp", (), {}),
    (
        "net_config_static",
        (),
        {
            "ip": "10.0.0.9",
            "mask": "255.255.255.0",
            "gateway": "10.0.0.1",
            "dns": ["1.1.1.1"],
            "host": "rig",
        },
    ),
    ("change_password", ("n3w",), {}),
    ("factory_reset", (), {}),
    ("restore_settings", (), {}),
    ("download_logs", (), {"progress": None}),
    ("set_custom_data", ("msg0", "hi"), {}),
    ("pre_power_on", (), {"complete": True, "msg": "adjust complete"}),
    ("set_coin_type", ("BTC",), {}),
    ("set_user_permission", ("user1", ["get.miner.status"]), {}),
]


class _Mocked(AutoMiner):
    def __init__(self, backend: MagicMock, **kwargs: Any) -> None:
        self.mock = backend
        super().__init__("127.0.0.1", password="pw", api=ApiVersion.V3, **kwargs)

    def _create(self, api: ApiVersion) -> Miner:
        self.mock.api = api
        return self.mock  # type: ignore[no-any-return]


def _mocked() -> _Mocked:
    return _Mocked(MagicMock(spec=Miner))


def test_every_public_method_is_covered() -> None:
    skip = {"poll", "set_password", "invalidate_cache", "close", "adopt", "update_firmware"}
    skip.add("set_mining_alternative")  # the AutoMiner's own route (tests above)
    public = {
        name
        for name in dir(Miner)
        if not name.startswith("_") and callable(getattr(Miner, name)) and name not in skip
    }
    assert public == {name for name, _, _ in CALLS}


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
async def test_delegates(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    auto = _mocked()
    await getattr(auto, name)(*args, **kwargs)
    getattr(auto.mock, name).assert_awaited_once_with(*args, **kwargs)


async def test_update_firmware_delegates_then_detects_next_time() -> None:
    auto = _mocked()
    chunks = _chunks(b"x")
    await auto.update_firmware(chunks, 1, progress=None)
    auto.mock.update_firmware.assert_awaited_once_with(chunks, 1, progress=None)
    assert auto._detect_due


async def test_change_password_is_remembered() -> None:
    auto = _mocked()
    await auto.change_password("n3w")
    assert auto.password == "n3w"


async def test_hooks_pass_through() -> None:
    auto = _mocked()
    auto.invalidate_cache()
    auto.mock.invalidate_cache.assert_called_once_with()
    await auto.close()
    auto.mock.close.assert_awaited_once_with()
    assert auto.capabilities is auto.mock.capabilities
    auto.mock.poll.return_value = MinerSnapshot(summary=Summary())
    assert (await auto.poll()).api is ApiVersion.V3  # filled in when the backend left it out


Failure = Callable[[], Awaitable[None]]


@pytest.mark.parametrize(
    ("error", "redetects"),
    [
        (errors.WhatsMinerConnectionError("refused"), True),
        (errors.WhatsMinerResponseError("garbage"), True),
        (errors.UnsupportedFirmwareError("v3 only"), True),
        (errors.WhatsMinerTimeoutError("slow"), False),
        (errors.MinerProcessDownError("down"), False),
        (errors.AuthenticationError("wrong"), False),
    ],
)
async def test_which_failures_redetect(
    monkeypatch: pytest.MonkeyPatch, error: errors.WhatsMinerError, redetects: bool
) -> None:
    auto = _mocked()
    seen: list[str] = []

    async def fake_detect(host: str, **kwargs: Any) -> Detection:
        seen.append(host)
        return Detection(api=ApiVersion.V3, port=4433)

    monkeypatch.setattr("custom_components.whatsminer.api.auto.detect", fake_detect)
    auto.mock.set_led_auto.side_effect = error
    with pytest.raises(type(error)):
        await auto.set_led_auto()
    assert auto.mock.set_led_auto.await_count == 1  # a write is never sent twice
    assert len(seen) == (1 if redetects else 0)
    auto.mock.get_pools.side_effect = error
    with pytest.raises(type(error)):
        await auto.get_pools()
    assert auto.mock.get_pools.await_count == (2 if redetects else 1)  # a read: once more


async def test_read_not_retried_when_detection_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = _mocked()

    async def no_miner(host: str, **kwargs: Any) -> Detection:
        raise errors.WhatsMinerConnectionError("nobody home")

    monkeypatch.setattr("custom_components.whatsminer.api.auto.detect", no_miner)
    auto.mock.poll.side_effect = errors.WhatsMinerConnectionError("refused")
    with pytest.raises(errors.WhatsMinerConnectionError, match="refused"):
        await auto.poll()
    assert auto.mock.poll.await_count == 1
    # the next call detects first; while that fails, it raises the detection's error
    with pytest.raises(errors.WhatsMinerConnectionError, match="nobody home"):
        await auto.poll()
    assert auto.mock.poll.await_count == 1


async def test_firmware_change_on_the_same_api(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = _mocked()

    async def same(host: str, **kwargs: Any) -> Detection:
        return Detection(api=ApiVersion.V3, port=4433, firmware="B")

    monkeypatch.setattr("custom_components.whatsminer.api.auto.detect", same)
    auto.mock.poll.return_value = MinerSnapshot(
        summary=Summary(), api=ApiVersion.V3, status=Status(firmware_version="A")
    )
    await auto.poll()
    auto.mock.poll.return_value = MinerSnapshot(summary=Summary(), version=None, api=None)
    await auto.poll()  # no firmware in this one: nothing to compare
    auto.mock.poll.return_value = MinerSnapshot(
        summary=Summary(), api=ApiVersion.V3, status=Status(firmware_version="B")
    )
    await auto.poll()
    assert auto.mock.poll.await_count == 3  # same API: the snapshot stands
    auto.mock.invalidate_cache.assert_called_once_with()
    auto.mock.adopt.assert_called_once()


async def test_detected_v2_writes_without_reading_the_version_again(miner: FakeMiner) -> None:
    """Detection read get_version: the first write needs no second read (bench: 11
    connections for ten writes, as pyasic)."""
    auto = AutoMiner("127.0.0.1", password="admin", v2_port=miner.port, v3_port=free_port())
    assert auto.host == "127.0.0.1"
    await auto.set_led_auto()
    assert miner.commands == {
        "get_version": 1,
        "get_miner_info": 1,
        "get_token": 1,
        "tokens_issued": 1,
        "set_led": 1,
    }
    auto.set_password("admin")  # a new client keeps what detection learned
    await auto.set_led_auto()
    assert miner.commands["get_version"] == 1


async def test_concurrent_first_calls_detect_once(miner: FakeMiner) -> None:
    auto = AutoMiner("127.0.0.1", password="admin", v2_port=miner.port, v3_port=free_port())
    await asyncio.gather(auto.poll(), auto.poll(), auto.get_pools())
    assert auto.detections == 1
