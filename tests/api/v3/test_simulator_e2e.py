"""V3Miner against the project's simulator in v3 firmware mode (simulator/v3, independent code)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.whatsminer.api.errors import (
    DefaultPasswordError,
    PermissionDeniedError,
    WriteApiDisabledError,
    WriteOutcomeUnknownError,
)
from custom_components.whatsminer.api.miner import Control
from custom_components.whatsminer.api.models import ApiVersion, PoolConfig, PowerMode
from custom_components.whatsminer.api.v3.miner import V3Miner, probe
from simulator import MinerSimulator, SimClock, SimulatedMiner

PASSWORD = "pw2026"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[MinerSimulator]:
    async with MinerSimulator(
        profile="m60s", password=PASSWORD, clock=SimClock(frozen=True)
    ) as simulator:
        yield simulator


@pytest.fixture
def simulated(sim: MinerSimulator) -> SimulatedMiner:
    return sim.miners[0]


@pytest.fixture
async def miner(simulated: SimulatedMiner) -> AsyncIterator[V3Miner]:
    miner = V3Miner(
        simulated.host,
        password=PASSWORD,
        port=simulated.v3_port,
        v2_port=simulated.port,
        timeout=2.0,
    )
    yield miner
    await miner.close()


def settle(simulated: SimulatedMiner) -> None:
    timing = simulated.timing
    simulated.clock.advance(timing.btminer_restart_s + timing.warmup_s + 1)


async def test_probe_and_full_snapshot(simulated: SimulatedMiner, miner: V3Miner) -> None:
    found = await probe(simulated.host, simulated.v3_port)
    assert found.api is ApiVersion.V3 and found.api_version and found.api_version[0] == "3"
    snap = await miner.poll()
    assert snap.api is ApiVersion.V3 and snap.write_access is True
    assert snap.model == found.model and snap.mac == found.mac
    assert snap.summary.hashrate_ths and snap.summary.power_w and snap.summary.power_limit_w
    assert snap.summary.fan_in_rpm and snap.summary.env_temperature_c is not None
    assert snap.boards and all(b.serial and b.temperature_c for b in snap.boards)
    assert snap.pools and snap.pools[0].url
    assert snap.psu is not None and snap.psu.input_voltage_v and snap.psu.output_voltage_v
    assert snap.settings.power_mode is not None and snap.settings.fan_temp_offset_c is not None
    assert snap.settings.timezone and snap.settings.ntp_servers
    caps = miner.capabilities
    assert caps.board_count == len(snap.boards) and caps.upfreq_speed_max == 10
    assert "summary.hashrate_ths" in caps.readings


async def test_steady_polls_keep_one_connection_and_fetch_no_salt(
    simulated: SimulatedMiner, miner: V3Miner
) -> None:
    await miner.poll()
    before = simulated.counters.commands.copy()
    for _ in range(5):
        await miner.poll()
    await miner.set_power_limit(3000)
    assert miner.client.connections == 1 and miner.client.salt_requests == 0
    commands = simulated.counters.commands - before
    assert commands["get.device.info"] == 5 and commands["get.miner.status"] == 5
    assert commands["set.miner.power_limit"] == 1


async def test_writes_show_in_the_next_poll(simulated: SimulatedMiner, miner: V3Miner) -> None:
    await miner.poll()
    await miner.set_mining(False)
    settle(simulated)
    assert not (await miner.poll()).mining
    await miner.set_mining(True)
    settle(simulated)
    assert (await miner.poll()).mining
    await miner.set_power_mode(PowerMode.LOW)
    await miner.set_upfreq_speed(7)
    settle(simulated)
    settings = (await miner.poll()).settings
    assert settings.power_mode is PowerMode.LOW and settings.upfreq_speed == 7
    await miner.set_hostname("barn-7")
    assert (await miner.poll()).settings.hostname == "barn-7"
    await miner.update_pools([PoolConfig(url="stratum+tcp://new.pool:3333", worker="me.1")])
    settle(simulated)
    pools = (await miner.poll()).pools
    assert [(p.url, p.user) for p in pools] == [("stratum+tcp://new.pool:3333", "me.1")]


async def test_password_change_and_verify(simulated: SimulatedMiner, miner: V3Miner) -> None:
    await miner.verify_password()
    await miner.change_password("n3wPass")
    await miner.verify_password()
    await miner.set_led_auto()
    miner.set_password("wrong")
    with pytest.raises(PermissionDeniedError):
        await miner.set_led_auto()


async def test_write_switch_and_factory_password(simulated: SimulatedMiner, miner: V3Miner) -> None:
    simulated.state.api_enabled = False
    with pytest.raises(WriteApiDisabledError):
        await miner.set_led_auto()
    simulated.state.api_enabled = True
    simulated.faults.token_error_code = -1
    miner.set_password("super")
    with pytest.raises(DefaultPasswordError):
        await miner.verify_password()


async def test_write_dropped_by_the_miner_is_outcome_unknown(
    simulated: SimulatedMiner, miner: V3Miner
) -> None:
    await miner.poll()
    simulated.faults.drop_after_write = True
    with pytest.raises(WriteOutcomeUnknownError):
        await miner.reboot()


async def test_logs_and_firmware(simulated: SimulatedMiner, miner: V3Miner) -> None:
    progress: list[int] = []
    logs = await miner.download_logs(progress=lambda done, total: progress.append(done))
    assert logs[:2] == b"\x1f\x8b" and progress[-1] == len(logs)
    image = b"WhatsMiner firmware 20991231.01.REL " + bytes(4096)

    async def chunks() -> AsyncIterator[bytes]:
        yield image[:1000]
        yield image[1000:]

    await miner.update_firmware(chunks(), len(image))
    assert Control.FIRMWARE in miner.capabilities.controls
