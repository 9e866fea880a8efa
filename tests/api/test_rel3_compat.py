"""The v2 backend on v3 firmware's reduced 4028 API (spec v3 6.3, fw 20260312.16.REL3)."""

from __future__ import annotations

import json

import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.models import PowerMode
from custom_components.whatsminer.api.v2.miner import V2Miner
from custom_components.whatsminer.api.v2.parsers import (
    boards_in_summary_units,
    parse_boards,
    parse_pools,
    parse_status,
    parse_summary,
    parse_version,
)

from . import samples
from .fake_miner import FakeMiner

REL3_REPLIES = {
    "summary": samples.REL3_SUMMARY,
    "edevs": samples.REL3_EDEVS,
    "pools": samples.REL3_POOLS,
    "status": samples.REL3_STATUS,
    "get_version": samples.REL3_VERSION,
    "get_miner_info": samples.REL3_MINER_INFO,
    "get_error_code": samples.REL3_ERROR_CODE,
    "devdetails": samples.ERR_14,  # not in the capture: refused, the model comes from version
    "get_psu": samples.ERR_14,
}


def test_flat_summary_without_5s_5m_target() -> None:
    summary = parse_summary(json.loads(samples.REL3_SUMMARY))
    assert summary.hashrate_ths == pytest.approx(692.632192)
    assert summary.hashrate_avg_ths == pytest.approx(692.030656)
    assert summary.hashrate_1m_ths == pytest.approx(692.632192)
    assert summary.hashrate_15m_ths == pytest.approx(692.00544)
    assert (summary.hashrate_5s_ths, summary.hashrate_5m_ths) == (None, None)
    assert summary.target_hashrate_ths is None
    assert summary.elapsed_s == 10659  # a float on this firmware
    assert summary.power_w == pytest.approx(9763.263333)
    assert summary.power_mode is PowerMode.HIGH
    assert summary.factory_hashrate_ths == pytest.approx(560.974)
    assert (summary.fan_in_rpm, summary.fan_out_rpm) == (0, 0)
    assert summary.chip_temp_max_c == pytest.approx(77.707138)
    assert summary.freq_avg_mhz == 419


def test_edevs_without_asc_in_ths() -> None:
    summary = parse_summary(json.loads(samples.REL3_SUMMARY))
    boards = boards_in_summary_units(parse_boards(json.loads(samples.REL3_EDEVS)), summary)
    assert [b.index for b in boards] == [0, 1, 2, 3]  # from Slot
    assert [b.hashrate_avg_ths for b in boards] == pytest.approx([170.62, 175.49, 175.56, 170.35])
    assert boards[0].hashrate_ths == pytest.approx(170.75)
    assert sum(b.hashrate_avg_ths or 0 for b in boards) == pytest.approx(
        summary.hashrate_avg_ths, rel=1e-4
    )
    assert boards[0].factory_hashrate_ths == pytest.approx(139.93)  # Factory GHS stays GH/s
    assert boards[0].temperature_c == 65.31 and boards[0].chip_temp_max_c is None
    assert boards[0].serial == "BMM7BSFF306311K40019" and boards[1].serial is None


def test_classic_boards_are_left_alone() -> None:
    summary = parse_summary(json.loads(samples.SUMMARY))
    boards = parse_boards(json.loads(samples.EDEVS))
    assert boards_in_summary_units(boards, summary) is boards
    stopped = parse_summary(json.loads(samples.SUMMARY.replace('"MHS av":84983730.62', '"x":0')))
    assert boards_in_summary_units(boards, stopped) is boards


def test_pools_with_shares() -> None:
    (pool,) = parse_pools(json.loads(samples.REL3_POOLS))
    assert (pool.accepted, pool.rejected, pool.stale, pool.active) == (432, 0, 0, True)
    assert pool.user == "haven7346.M7bS_test" and pool.alive


def test_status_fields_of_newer_firmware() -> None:
    status = parse_status(json.loads(samples.REL3_STATUS))
    assert status.mining is True
    assert status.firmware_version == "20260312.16.REL3"
    assert (status.power_mode, status.power_limit_set_w, status.hash_percent) == (
        PowerMode.HIGH,
        10030,
        0,
    )
    assert (status.coolant_temp_c, status.power_percent) == (49, 120)
    assert (status.fast_mining, status.fast_hash) == (False, False)
    no_percent = samples.REL3_STATUS.replace('"power_pct":120', '"power_pct":0')
    assert parse_status(json.loads(no_percent)).power_percent is None
    older = parse_status(json.loads(samples.STATUS_NEW))
    assert (older.coolant_temp_c, older.power_percent, older.fast_hash) == (None, None, None)


def test_version() -> None:
    version = parse_version(json.loads(samples.REL3_VERSION))
    assert (version.api_ver, version.fw_ver, version.miner_type) == (
        "2.2.2",
        "20260312.16.REL3",
        "M7BS_VM30",
    )
    assert version.v3_only


async def test_v2_miner_polls_rel3(miner: FakeMiner) -> None:
    miner.replies.update(REL3_REPLIES)
    backend = V2Miner("127.0.0.1", miner.port, "admin", timeout=2.0)
    snapshot = await backend.poll()
    assert snapshot.summary.hashrate_ths == pytest.approx(692.632192)
    assert snapshot.summary.coolant_temp_c == 49
    assert [b.hashrate_avg_ths for b in snapshot.boards] == pytest.approx(
        [170.62, 175.49, 175.56, 170.35]
    )
    assert snapshot.pools[0].accepted == 432
    settings = snapshot.settings
    assert settings.power_percent == 120
    assert (settings.fast_hash, settings.fast_mining) == (False, False)
    assert (settings.power_mode, settings.power_limit_w) == (PowerMode.HIGH, 10030)
    assert snapshot.version is not None and snapshot.version.api_ver == "2.2.2"
    assert snapshot.info is not None and snapshot.info.led_auto is False
    assert snapshot.mac == "A0:5B:06:00:36:60"
    capabilities = backend.capabilities
    assert capabilities.liquid_cooled and not capabilities.fans
    assert capabilities.board_count == 4
    # writes: refused unsent, without asking get_version again (the poll told it)
    asked = miner.commands["get_version"]
    with pytest.raises(errors.UnsupportedFirmwareError):
        await backend.set_led_auto()
    assert miner.commands["get_version"] == asked
    assert miner.commands["get_token"] == 0
