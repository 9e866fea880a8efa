"""v3 parsers against every example of the spec (sections 4 and 5) and the quirks of 7.2."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.whatsminer.api.errors import (
    CommandRejectedError,
    MinerProcessDownError,
    UnsupportedCommandError,
    WhatsMinerApiError,
    WhatsMinerResponseError,
)
from custom_components.whatsminer.api.models import (
    ErrorCode,
    HeatMode,
    MinerSettings,
    PowerMode,
)
from custom_components.whatsminer.api.v3.framing import decode_body
from custom_components.whatsminer.api.v3.parsers import (
    check,
    heat_mode,
    merge_settings,
    parse_custom_data,
    parse_device_info,
    parse_error_codes,
    parse_fan_setting,
    parse_log_size,
    parse_miner_setting,
    parse_miner_status,
    parse_pools,
    parse_summary,
    parse_system_setting,
)

from . import samples


def test_device_info_m50_capture() -> None:
    info = parse_device_info(samples.DEVICE_INFO)
    assert info.salt == "uhCiDyVj"
    assert info.model == "M50_VH84" and info.board_count == 3 and info.mining is True
    assert info.write_access is True
    assert info.board_serials == {0: "HHM0A", 1: "HHM1B", 2: "HHM2C"}
    version = info.version
    assert (version.api_ver, version.fw_ver, version.platform, version.miner_type) == (
        "3.0.2", "20250915.16.Rel2", "H616", "M50_VH84",
    )  # fmt: skip
    net = info.info
    assert net.mac == "C6:07:20:00:1A:2B" and net.hostname == "WhatsMiner"
    assert net.dns == ("10.10.10.1", "8.8.8.8") and net.proto == "dhcp"
    assert net.led_auto is True and net.miner_serial == "HTM3X" and net.psu_serial == "A1PSU"
    psu = info.psu
    assert psu is not None
    assert (psu.input_voltage_v, psu.input_current_a, psu.input_power_w) == (231.5, 15.43, 3573)
    assert psu.output_voltage_v == pytest.approx(12.22)
    assert (psu.fan_rpm, psu.temperature_c, psu.name, psu.vendor) == (4992, 79, "P221B", "7")
    assert info.error_codes == (
        ErrorCode(
            code=531, reported_at=datetime(2025, 3, 12, 14, 52, 35), reason="Slot1 not found."
        ),
        ErrorCode(code=264, reported_at=datetime(2026, 5, 23, 9, 19, 10)),
    )
    assert info.power_limit_set_w is None and info.hash_percent is None
    assert info.coolant_temp_c is None
    assert info.settings == MinerSettings(fast_boot=False, web_pools=True, coin_type="BTC/BCH/BSV")


def test_device_info_quirks_and_missing_sections() -> None:
    info = parse_device_info(
        {
            "miner": {"working": "false", "board-num": 4, "power-limit-set": "4294967295",
                      "heatmode": "anti-icing", "hash-percent": "80", "pcbsnX": "?",
                      "UpfreqSpeed": "3"},
            "system": {"apiswitch": "0", "ledstatus": "1,200,100,0 0,200,100,0 "},
            "power": {"fanspeed": "4560.0", "vout": "1209", "liquid-temperature": 31.5,
                      "vender": "3"},
            "network": {"mac": "aa-bb-cc-dd-ee-ff"},
            "error-code": "btminer process is down err",
        }
    )  # fmt: skip
    assert info.mining is False and info.write_access is False and info.board_count == 4
    assert info.power_limit_set_w is None  # the 32-bit garbage
    assert info.settings.heat_mode is HeatMode.ANTI_FREEZING
    assert info.settings.upfreq_speed == 3 and info.hash_percent == 80
    assert info.info.led_auto is False and info.info.mac == "AA:BB:CC:DD:EE:FF"
    assert info.psu is not None and info.psu.fan_rpm == 4560 and info.psu.vendor == "3"
    assert info.psu.output_voltage_v == pytest.approx(12.09)
    assert info.psu.input_voltage_v is None  # asic-rs fixture: no vin/iin
    assert info.coolant_temp_c == 31.5 and info.error_codes == () and info.salt is None
    assert info.board_serials == {}
    empty = parse_device_info({})
    assert empty.psu is None and empty.model is None and empty.version.fw_ver is None


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ([], ()),
        (None, ()),
        ("btminer process is down err", ()),
        (["110", 111, "x", True], (110, 111)),
        ({"200": "2025-01-01 00:00:00"}, (200,)),
        ([{"531": "not a time", "reason": "Slot1 not found."}], (531,)),
        ([{"reason": "only a reason"}, {"1e3": "2025-01-01 00:00:00"}], ()),
    ],
)
def test_error_code_shapes(value: Any, codes: tuple[int, ...]) -> None:
    assert tuple(e.code for e in parse_error_codes(value)) == codes


def test_summary_official_example() -> None:
    summary = parse_summary(samples.SUMMARY)
    assert summary.hashrate_ths == 101.847 and summary.hashrate_avg_ths == 101.847
    assert summary.hashrate_1m_ths == 102.072 and summary.hashrate_15m_ths == 101.847
    assert summary.factory_hashrate_ths == 101.366
    assert summary.power_w == 3268 and summary.power_5min_w == 3247.641
    assert summary.power_limit_w == 3500 and summary.efficiency_j_th == 31.886
    assert summary.env_temperature_c == 34.8 and summary.temperature_c == 72.3
    assert (summary.chip_temp_min_c, summary.chip_temp_avg_c, summary.chip_temp_max_c) == (
        83.2, 92.9, 100.3,
    )  # fmt: skip
    assert (summary.fan_in_rpm, summary.fan_out_rpm) == (4980, 5070)
    assert (summary.freq_avg_mhz, summary.target_freq_mhz) == (788, 0)
    assert summary.upfreq_complete is True
    assert (summary.uptime_s, summary.elapsed_s) == (1175, 1074)


def test_summary_quirks() -> None:
    summary = parse_summary(
        {"factory-hash": -0.003, "environment-tempurature": "21.5", "power-limit": 4294967295,
         "hash-realtime": "95.5", "power-realtime": -1, "board-tempurature": [60, "x"],
         "up-freq-finish": 0, "freq-avg": 625.0}
    )  # fmt: skip
    assert summary.factory_hashrate_ths is None and summary.env_temperature_c == 21.5
    assert summary.power_limit_w is None and summary.hashrate_ths == 95.5
    assert summary.power_w is None and summary.temperature_c == 60
    assert summary.upfreq_complete is False and summary.freq_avg_mhz == 625


def test_miner_status_sections() -> None:
    status = parse_miner_status(samples.MINER_STATUS, {0: "SN0", 2: "SN2"})
    assert status.summary is not None and status.board_temps == (69.6, 70.1, 72.3)
    board = status.boards[2]
    assert (board.index, board.slot, board.serial, board.temperature_c) == (2, 2, "SN2", 72.3)
    assert board.hashrate_ths == 33.972 and board.hashrate_avg_ths == 33.972
    assert board.factory_hashrate_ths == 33.789 and board.frequency_mhz == 785
    assert board.effective_chips == 70 and board.chip_temp_max_c == 97.4
    assert board.alive is None and status.boards[1].serial is None
    pool = status.pools[0]
    assert (pool.index, pool.url, pool.user, pool.status) == (
        1, "stratum+tcp://pool.example:3333", "worker.1", "alive",
    )  # fmt: skip
    assert pool.active and pool.alive and pool.accepted is None
    assert pool.last_share_time == datetime.fromtimestamp(1692685469, UTC)
    # Idle: summary only, no pools key (spec 4.2.1).
    idle = parse_miner_status({"summary": samples.SUMMARY})
    assert idle.pools == () and idle.boards == ()
    assert parse_miner_status({}).summary is None
    with pytest.raises(WhatsMinerResponseError):
        parse_miner_status("")


def test_edevs_fixture_variant_and_pools_variants() -> None:
    status = parse_miner_status(
        {"edevs": [{"slot": "3", "hash-realtime": 30.1, "hash-average": 29, "status": "alive",
                    "freq": "625"}, "junk", {}]}
    )  # fmt: skip
    first, second = status.boards
    assert (first.index, first.hashrate_ths, first.alive, first.frequency_mhz) == (
        3, 30.1, True, 625,
    )  # fmt: skip
    assert first.temperature_c is None and second.index == 1  # position of a bare item
    pools = parse_pools(
        [{"url": "u2", "reject-percent": 1, "stratum-active": "false", "pool-priority": 1,
          "accepted": 5, "rejected": 1, "stale": 0, "last-share-time": 0}, {"id": "x"}]
    )  # fmt: skip
    assert pools[0].index == 1 and pools[0].priority == 1 and not pools[0].active
    assert (pools[0].accepted, pools[0].rejected, pools[0].stale) == (5, 1, 0)
    assert pools[0].last_share_time is None and pools[1].index == 2 and pools[1].url == ""
    assert parse_pools("none") == ()


def test_settings_reads() -> None:
    miner = parse_miner_setting(samples.MINER_SETTING)
    assert miner == MinerSettings(
        power_mode=PowerMode.NORMAL,
        power_limit_w=3500,
        power_target_w=3400,
        power_percent=None,
        upfreq_speed=0,
        target_freq_pct=0,
        fast_boot=False,
        fast_hash=True,
        fast_mining=False,
        heat_mode=HeatMode.NORMAL,
    )
    assert parse_miner_setting({"power-percent": "80", "power-mode": "High"}).power_percent == 80
    assert parse_miner_setting({"power-mode": "turbo"}).power_mode is None
    fan = parse_fan_setting(samples.FAN_SETTING)
    assert (fan.fan_poweroff_cool, fan.fan_zero_speed, fan.fan_temp_offset_c) == (True, False, -10)
    system = parse_system_setting(samples.SYSTEM_SETTING)
    assert system.ntp_servers == ("0.cn.pool.ntp.org", "0.openwrt.pool.ntp.org")
    assert (system.timezone, system.zonename, system.hostname, system.web_pools) == (
        "CST-8", "Asia/Shanghai", "WhatsMiner", True,
    )  # fmt: skip
    assert parse_system_setting({"ntp-server": "a.org,b.org"}).ntp_servers == ("a.org", "b.org")
    assert parse_system_setting({"ntp-server": 5}).ntp_servers is None
    merged = merge_settings(miner, fan, MinerSettings(power_mode=PowerMode.LOW, hostname="h"))
    assert merged.power_mode is PowerMode.NORMAL and merged.hostname == "h"
    assert merged.fan_temp_offset_c == -10


@pytest.mark.parametrize(
    ("value", "mode"),
    [("heating", HeatMode.HEATING), ("anti-freezing", HeatMode.ANTI_FREEZING),
     ("Anti-Icing", HeatMode.ANTI_FREEZING), ("", None), (3, None)],
)  # fmt: skip
def test_heat_mode_spellings(value: Any, mode: HeatMode | None) -> None:
    assert heat_mode(value) is mode


def test_custom_data_both_spellings() -> None:
    assert parse_custom_data(samples.CUSTOM_DATA)["msg9"] == "msg"
    data = parse_custom_data({"custom-sn": "abc", "msg0": 5})
    assert data == {"CustomerSn": "abc"}


def test_log_size() -> None:
    assert parse_log_size({"logsize": "12345"}, 10**6) == 12345
    for bad in ({"logsize": "-1"}, {"logsize": "99999999"}, {}, "12"):
        with pytest.raises(WhatsMinerResponseError):
            parse_log_size(bad, 10**6)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ({"code": -2, "msg": "invalid command"}, UnsupportedCommandError),
        ({"code": "-3", "msg": "Invalid json item"}, CommandRejectedError),
        ({"code": -5, "msg": "Out of memory"}, WhatsMinerApiError),
        ({"code": -1, "msg": {"x": 1}}, WhatsMinerApiError),
        ({"code": True, "msg": "ok"}, WhatsMinerResponseError),
        ({"msg": "ok"}, WhatsMinerResponseError),
        ({"code": 0, "msg": "btminer process is down err"}, MinerProcessDownError),
    ],
)
def test_check_maps_codes(reply: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        check("get.x", reply)


def test_check_returns_msg() -> None:
    assert check("set.x", {"code": 0, "when": 1, "msg": "ok", "desc": "set.x"}) == "ok"
    assert check("get.x", {"code": "0", "msg": {"a": 1}}) == {"a": 1}


def test_decode_body_guards() -> None:
    assert decode_body(b'{"a": NaN, "b": ' + b"9" * 40 + b"}") == {"a": None, "b": None}
    with pytest.raises(WhatsMinerResponseError):
        decode_body(b"[" * 100_000)
