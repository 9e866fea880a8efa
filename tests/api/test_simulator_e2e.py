"""The client end to end against the project's simulator (which shares no code with it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import gzip
import io
import tarfile

import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.models import LedColor, PoolConfig, PowerMode
from custom_components.whatsminer.api.v2.client import WhatsMinerClient
from simulator import MinerSimulator, Quirk, SimulatedMiner

from .test_client_writes import WRITES


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[MinerSimulator]:
    async with MinerSimulator(count=1) as simulator:
        yield simulator


def _client(sim: MinerSimulator, miner: SimulatedMiner | None = None, **kwargs) -> WhatsMinerClient:
    miner = miner or sim.miners[0]
    kwargs.setdefault("timeout", 3.0)
    return WhatsMinerClient(miner.host, miner.port, clock=sim.clock.now, **kwargs)


async def test_connections_per_poll(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    client = _client(sim)
    first = await client.poll()
    assert miner.counters.connections == 6
    assert first.model and first.mac and first.version and first.psu and first.info
    assert len(first.boards) == 3 and first.pools
    # joined summary+edevs+pools at every poll; status and get_error_code by turns
    for _ in range(3):
        before = miner.counters.connections
        await client.poll()
        await client.poll()
        assert miner.counters.connections - before == 2 + 2
    assert miner.counters.tokens_issued == 0
    assert miner.counters.commands["get_error_code"] == 1 + 3
    assert miner.counters.commands["status"] == 1 + 3


@pytest.mark.parametrize(
    ("profile", "steady"),
    # the hydro's coolant temperature comes with status: read at every poll; the legacy
    # firmware's errors come with summary: status at every poll, no get_error_code
    [("m30s_plus", 4), ("m56s_hydro", 5), ("m20s_legacy", 4)],
)
async def test_profiles_poll(socket_enabled: None, profile: str, steady: int) -> None:
    async with MinerSimulator(count=1, profile=profile) as sim:
        miner = sim.miners[0]
        client = _client(sim)
        snapshot = await client.poll()
        before = miner.counters.connections
        await client.poll()
        await client.poll()  # two polls: status and error codes take turns
        assert miner.counters.connections - before == steady
        assert snapshot.summary.hashrate_ths and snapshot.summary.hashrate_ths > 1
        assert snapshot.firmware_version
        assert snapshot.mining is True
        if profile == "m56s_hydro":
            assert snapshot.summary.fan_in_rpm == 0
        if profile == "m20s_legacy":
            assert miner.counters.commands["get_error_code"] == 0


async def test_every_quirk_at_once(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    miner.faults.quirks |= {q.value for q in Quirk} - {
        Quirk.KEEP_OPEN.value,
        Quirk.SILENT_WRONG_PASSWORD.value,
    }
    miner.raise_error(329)
    miner.raise_error(110)
    client = _client(sim)
    snapshot = await client.poll()
    assert snapshot.summary.power_w and snapshot.summary.power_w > 0
    assert {e.code for e in snapshot.error_codes} <= {329, 110}
    assert snapshot.psu is not None
    assert snapshot.firmware_version and "'" not in snapshot.firmware_version
    assert [b.index for b in snapshot.boards] == [0, 1, 2]
    assert (await client.get_miner_info()).mac == snapshot.mac


async def test_connection_kept_open_after_reply(sim: MinerSimulator) -> None:
    sim.miners[0].faults.quirks.add(Quirk.KEEP_OPEN.value)
    snapshot = await _client(sim, timeout=2.0).poll()
    assert snapshot.summary.hashrate_ths


async def test_writes_change_the_miner(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    client = _client(sim)
    await client.verify_password()
    await client.power_off()
    assert (await client.status()).mining is False
    await client.power_on()
    assert miner.state.mining is True
    await client.set_power_mode(PowerMode.LOW)
    assert miner.state.power_mode == "low"
    await client.adjust_power_limit(3000)
    await client.set_led(LedColor.RED)
    assert (await client.get_miner_info()).led_auto is False
    await client.update_pools([PoolConfig(url="stratum+tcp://pool.example:3333", worker="w.1")])
    assert [p.url for p in miner.state.pools] == ["stratum+tcp://pool.example:3333"]
    await client.set_temp_offset(-5)
    await client.set_power_pct_v2(80)
    await client.set_hostname("barn-7")
    assert miner.counters.tokens_issued == 1


async def test_token_renewed_after_lifetime_and_after_135(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    client = _client(sim)
    await client.power_on()
    sim.clock.advance(29 * 60)
    await client.power_on()
    assert miner.counters.tokens_issued == 2
    miner.forget_tokens()
    await client.power_on()
    assert miner.counters.tokens_issued == 3
    assert miner.counters.commands["power_on"] == 4  # the refused attempt never ran


async def test_update_pwd_then_new_password(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    client = _client(sim)
    await client.update_pwd("admin", "n3w_pw")
    assert miner.state.password == "n3w_pw"
    await client.verify_password()
    with pytest.raises(errors.AuthenticationError):
        await _client(sim).verify_password()


async def test_error_paths(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    writer = _client(sim, timeout=0.3)
    await writer.set_led_auto()
    with pytest.raises(errors.AuthenticationError):
        await _client(sim, password="wrong").verify_password()
    miner.faults.quirks.add(Quirk.SILENT_WRONG_PASSWORD.value)
    with pytest.raises(errors.AuthenticationError):
        await _client(sim, password="wrong", timeout=0.5).set_led_auto()
    miner.state.api_enabled = False
    with pytest.raises(errors.WriteApiDisabledError):
        await _client(sim).verify_password()
    miner.state.api_enabled = True
    miner.faults.token_exhaustion = True
    with pytest.raises(errors.TokenLimitError):
        await _client(sim).power_on()
    miner.faults.token_exhaustion = False
    miner.faults.btminer_down = True
    with pytest.raises(errors.MinerProcessDownError):
        await _client(sim).poll()
    miner.faults.btminer_down = False
    miner.faults.close_mid_reply = True
    with pytest.raises(errors.WhatsMinerResponseError):
        await _client(sim).summary()
    miner.faults.close_mid_reply = False
    miner.faults.hang = True
    with pytest.raises(errors.WhatsMinerTimeoutError):
        await _client(sim, timeout=0.3).summary()
    with pytest.raises(errors.WhatsMinerTimeoutError) as info:
        await writer.set_led_auto()  # a cached token, then a miner that hangs
    assert not isinstance(info.value, errors.AuthenticationError)
    miner.faults.hang = False
    miner.faults.offline = True
    with pytest.raises(errors.WhatsMinerConnectionError):
        await _client(sim).summary()


async def test_v3_firmware(sim: MinerSimulator) -> None:
    sim.miners[0].faults.v3_only = True
    client = _client(sim)
    assert (await client.poll()).version.v3_only  # type: ignore[union-attr]
    with pytest.raises(errors.UnsupportedFirmwareError):
        await client.power_off()
    assert sim.miners[0].counters.tokens_issued == 0


async def test_silent_power_off_and_reboot(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    miner.faults.no_reply_to_power_off = True
    miner.faults.no_reply_to_reboot = True
    client = _client(sim, timeout=0.5)
    with pytest.raises(errors.WriteOutcomeUnknownError):
        await client.power_off()
    assert miner.state.mining is False
    with pytest.raises(errors.WriteOutcomeUnknownError):
        await client.reboot()
    assert miner.counters.commands["power_off"] == 1
    assert miner.counters.commands["reboot"] == 1


async def test_firmware_upload_and_log_download(sim: MinerSimulator) -> None:
    miner = sim.miners[0]
    client = _client(sim)
    logs = await client.download_logs()
    with tarfile.open(fileobj=io.BytesIO(logs), mode="r:gz") as archive:
        assert archive.getnames()
    before = miner.state.fw_ver
    image = gzip.compress(b"firmware" * 10_000)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(image), 4096):
            yield image[start : start + 4096]

    await client.update_firmware(chunks(), len(image))
    assert miner.state.fw_ver != before


@pytest.mark.parametrize("index", range(len(WRITES)))
async def test_every_write_is_accepted_by_the_simulator(sim: MinerSimulator, index: int) -> None:
    call, expected = WRITES[index]
    if expected["cmd"] in {"set_fast_mining", "set_fast_hash"}:
        pytest.skip("not simulated (not in the V2.0.5 document)")
    if expected["cmd"] == "set_heat_mode":  # hydro models only: refused by an air-cooled one
        with pytest.raises(errors.CommandRejectedError):
            await call(_client(sim))
    else:
        await call(_client(sim))
    assert sim.miners[0].counters.commands[expected["cmd"]] == 1


async def test_truncated_error_codes_without_errors_do_not_fail_the_poll(
    sim: MinerSimulator,
) -> None:
    sim.miners[0].faults.quirks.add(Quirk.TRUNCATED_REPLY.value)
    snapshot = await _client(sim).poll()
    assert snapshot.error_codes == ()
    assert snapshot.summary.hashrate_ths
