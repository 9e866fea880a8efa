"""The parsers against every official example of the spec, and the key variants of 7.2."""

from __future__ import annotations

from datetime import UTC, datetime
import json

import pytest

from custom_components.whatsminer.api.errors import WhatsMinerResponseError
from custom_components.whatsminer.api.models import ErrorCode, PowerMode
from custom_components.whatsminer.api.v2.parsers import (
    flag,
    integer,
    num,
    parse_boards,
    parse_devdetails,
    parse_error_codes,
    parse_miner_info,
    parse_pools,
    parse_pre_power_on,
    parse_psu,
    parse_status,
    parse_summary,
    parse_token,
    parse_version,
    text,
)
from custom_components.whatsminer.api.v2.protocol import decode

from . import samples


def _load(raw: str) -> dict:
    return decode(raw.encode())


def test_official_summary() -> None:
    summary = parse_summary(_load(samples.SUMMARY))
    assert summary.hashrate_ths == pytest.approx(84.94136602)
    assert summary.hashrate_avg_ths == pytest.approx(84.98373062)
    assert summary.hashrate_5s_ths == pytest.approx(102.42386964)
    assert summary.factory_hashrate_ths == pytest.approx(84.773)
    assert summary.target_hashrate_ths == pytest.approx(76.157172)
    assert summary.power_w == 3593
    assert summary.power_limit_w == 3600
    assert summary.efficiency_j_th == 42.31
    assert summary.power_mode is PowerMode.NORMAL
    assert summary.temperature_c == 80.0
    assert summary.env_temperature_c == 32.0
    assert (summary.chip_temp_min_c, summary.chip_temp_avg_c, summary.chip_temp_max_c) == (
        75.17,
        89.6,
        101.25,
    )
    assert (summary.fan_in_rpm, summary.fan_out_rpm) == (4530, 4530)
    assert (summary.freq_avg_mhz, summary.target_freq_mhz) == (646, 574)
    assert (summary.elapsed_s, summary.uptime_s) == (2648, 20507)
    assert (summary.accepted, summary.rejected) == (804, 0)
    assert summary.fast_boot is False
    assert summary.hash_stable is True
    assert summary.error_codes is None
    assert summary.firmware_version is None


def test_legacy_summary_variants() -> None:
    summary = parse_summary(_load(samples.SUMMARY_LEGACY))
    assert summary.firmware_version == "20210322.22.REL"
    assert summary.mac == "C4:08:28:00:A4:19"
    assert summary.psu_fan_rpm == 9060
    assert summary.power_w == 3427  # "Power" -1 is unknown, Power_RT is read instead
    assert summary.hashrate_ths == pytest.approx(68.0)
    assert summary.liquid_cooling is False
    assert summary.error_codes == (ErrorCode(code=110), ErrorCode(code=600))


def test_summary_in_msg_and_unknown_power() -> None:
    summary = parse_summary({"STATUS": "S", "Code": 131, "Msg": {"Power": -1, "MHS 5s": 1e6}})
    assert summary.power_w is None
    assert summary.hashrate_ths == 1.0
    with pytest.raises(WhatsMinerResponseError):
        parse_summary({"STATUS": "S", "Msg": "Summary"})


def test_official_pools() -> None:
    (pool,) = parse_pools(_load(samples.POOLS))
    assert pool.index == 1
    assert pool.url == "stratum+tcp://btc.ss.poolin.com:443"
    assert pool.user == "microbtinitial"
    assert pool.alive and pool.active
    assert pool.priority == 0
    assert pool.last_share_time is None
    (later,) = parse_pools({"POOLS": [{"URL": "u", "Last Share Time": 1643183296}]})
    assert later.index == 1
    assert later.last_share_time == datetime(2022, 1, 26, 7, 48, 16, tzinfo=UTC)
    assert not later.alive
    # a time no clock shows (it once raised ValueError out of the poll) is no time
    (garbled,) = parse_pools({"POOLS": [{"URL": "u", "Last Share Time": 10**15}]})
    assert garbled.last_share_time is None


def test_official_edevs_and_variants() -> None:
    first, second = parse_boards(_load(samples.EDEVS))
    assert first.index == 0 and first.slot == 0 and first.alive is True
    assert first.hashrate_ths == pytest.approx(10.35111056)
    assert first.factory_hashrate_ths == pytest.approx(28.836)
    assert first.frequency_mhz == 587
    assert first.effective_chips == 156
    assert first.serial == "HEM1EP9C400929K60003"
    assert first.upfreq_complete is False
    assert first.chip_temp_max_c == 97.0
    # No "ASC": the slot is the index; "Factory GHS" instead of "HS Factory".
    assert second.index == 1 and second.alive is False
    assert second.factory_hashrate_ths == 28.0
    (third,) = parse_boards({"Msg": {"EDEVS": [{"MHS 5s": 1}]}})
    assert third.index == 0 and third.alive is None
    with pytest.raises(WhatsMinerResponseError):
        parse_boards({"STATUS": "S"})


def test_official_devdetails() -> None:
    assert parse_devdetails(_load(samples.DEVDETAILS)) == "M30S+VE40"
    assert parse_devdetails({"DEVDETAILS": [{"Model": ""}]}) is None


def test_official_psu() -> None:
    psu = parse_psu(_load(samples.PSU))
    assert psu.name == psu.model == "P221B"
    assert psu.vendor == "7"
    assert psu.serial == "A1232B0120100049"
    assert psu.fan_rpm == 6976
    assert psu.input_voltage_v == 224.0
    assert psu.input_current_a == pytest.approx(8.718)
    assert psu.temperature_c is None


@pytest.mark.parametrize(
    ("raw", "api_ver", "fw_ver", "v3"),
    [
        (samples.VERSION, "2.0.3", "20220125.13.Rel", False),
        (samples.VERSION_OLD, "1.4.0", "20210322.22.REL", False),
        (samples.VERSION_V3, "2.0.5", "20250409.15.REL", True),
    ],
)
def test_versions(raw: str, api_ver: str, fw_ver: str, v3: bool) -> None:
    version = parse_version(_load(raw))
    assert (version.api_ver, version.fw_ver, version.v3_only) == (api_ver, fw_ver, v3)


def test_official_version_fields() -> None:
    version = parse_version(_load(samples.VERSION))
    assert version.platform == "H6OS"
    assert version.chip == "K88Z001-2039 BINV01-195001B"


def test_status_key_variants() -> None:
    old = parse_status(_load(samples.STATUS_OLD))
    assert old.mining is True
    assert old.firmware_version == "20220919.15.REL"
    new = parse_status(_load(samples.STATUS_NEW))
    assert new.mining is False
    assert new.mineroff_reason == "by whatsminer api"
    assert new.mineroff_time is None
    assert new.firmware_version == "20240624.18.REL"
    assert new.power_mode is PowerMode.LOW
    assert new.power_limit_set_w == 3600
    assert new.hash_percent == 0
    assert parse_status({"Msg": {"power_mode": "turbo"}}).power_mode is None


def test_official_miner_info() -> None:
    info = parse_miner_info(_load(samples.MINER_INFO))
    assert info.ip == "192.168.2.16"
    assert info.proto == "dhcp"
    assert info.dns == ("114.114.114.114", "8.8.8.8")
    assert info.mac == "C6:07:20:00:1E:C2"
    assert info.led_auto is True
    assert info.gateway == "192.168.2.1"
    assert info.miner_serial is None
    bare = parse_miner_info({"Msg": {"minersn": "SN1", "powersn": "P1", "mac": "d4-01"}})
    assert (bare.miner_serial, bare.psu_serial, bare.mac, bare.dns) == ("SN1", "P1", "D4:01", ())


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        ({"error_code": []}, []),
        (
            {"error_code": [{"218": "2024-06-15 10:30:00"}, {"110": "bad time"}]},
            [(218, datetime(2024, 6, 15, 10, 30)), (110, None)],
        ),
        (
            {"error_code": {"329": "2022-01-17 11:28:11"}},
            [(329, datetime(2022, 1, 17, 11, 28, 11))],
        ),
        ({"error_code": ["329", 600]}, [(329, None), (600, None)]),
        (
            {"error_code": ["329", "2022-01-17 11:28:11"]},
            [(329, datetime(2022, 1, 17, 11, 28, 11))],
        ),
        (
            {"error_code": [{"264": "2026-05-23 09:19:10", "reason": "x"}]},
            [(264, datetime(2026, 5, 23, 9, 19, 10))],
        ),
        ({"error_code": "none"}, []),
    ],
)
def test_error_code_shapes(msg: dict, expected: list) -> None:
    codes = parse_error_codes({"STATUS": "S", "Msg": msg})
    assert [(c.code, c.reported_at) for c in codes] == expected


def test_official_error_code_lists() -> None:
    codes = parse_error_codes(_load(samples.ERROR_CODE_LIST))
    assert [c.code for c in codes] == [218, 110]


def test_pre_power_on_shapes() -> None:
    state = parse_pre_power_on({"Msg": {"complete": "false", "msg": "wait for adjust temp"}})
    assert (state.complete, state.message) == (False, "wait for adjust temp")
    assert parse_pre_power_on({"Msg": "adjust complete"}).complete is True
    assert parse_pre_power_on({"Msg": "API command OK"}).complete is False


def test_token() -> None:
    assert parse_token(_load(samples.TOKEN)) == ("5039", "BQ5hoXV9", "P5NTAcEp")
    with pytest.raises(WhatsMinerResponseError):
        parse_token({"Msg": {"time": "1"}})
    with pytest.raises(WhatsMinerResponseError):
        parse_token(json.loads(samples.ERR_136))


def test_value_helpers() -> None:
    assert num("'42.5%'") == 42.5
    assert num("x") is None and num(True) is None and num([1]) is None and num(None) is None
    assert integer("3.6") == 4
    assert flag("Y") is True and flag("disable") is False and flag(0) is False
    assert flag("maybe") is None and flag(None) is None
    assert text("  ''  ") is None and text({"a": 1}) is None and text(5) == "5"
