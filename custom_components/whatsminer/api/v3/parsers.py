"""API v3 replies: codes to errors, and `msg` bodies to the typed models (spec 2, 4, 5, 7).

Every parser type-checks what it indexes: `msg` may be a string where an object is expected,
numbers may be strings, keys have two spellings. Units are normalised as in models.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import (
    CommandRejectedError,
    MinerProcessDownError,
    UnsupportedCommandError,
    WhatsMinerApiError,
    WhatsMinerError,
    WhatsMinerResponseError,
)
from ..models import (
    Board,
    ErrorCode,
    HeatMode,
    MinerInfo,
    MinerSettings,
    Pool,
    PowerMode,
    Psu,
    Summary,
    Version,
)
from ..v2.parsers import PoolKeys, _mac, _time, flag, integer, num, pools_from, text

CODE_OK = 0
CODE_FAIL = -1
CODE_INVALID_COMMAND = -2
CODE_INVALID_ITEM = -3
CODE_NO_PERMISSION = -4
AUTH_FAILURE_CODES = frozenset({CODE_FAIL, CODE_NO_PERMISSION})  # to a set.* (spec 2.3)
PROCESS_DOWN_TEXT = "btminer process is down"
MAX_WATTS = 99_999  # spec 4.5.1; above it is garbage such as the 32-bit maximum (spec 7.2)
_HEAT_MODES = {"anti-icing": HeatMode.ANTI_FREEZING}  # the demo's spelling (spec 7.2)


# ---- envelope ------------------------------------------------------------------------------


def reply_code(reply: dict[str, Any]) -> int | None:
    """The integer `code` of a reply (also when sent as a numeric string)."""
    code = reply.get("code")
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        return int(code)
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def error_for(cmd: str, code: int | None, msg: Any) -> WhatsMinerError:
    """The typed exception of an error reply (-1/-4 to a write are decided by the client)."""
    message = msg if isinstance(msg, str) else None
    described = f"'{cmd}' failed: {message or 'error'} (code {code})"
    if code == CODE_INVALID_COMMAND:
        return UnsupportedCommandError(cmd, described, sent=True)
    if code == CODE_INVALID_ITEM:
        return CommandRejectedError(described, code=code, msg=message)
    return WhatsMinerApiError(described, code=code, msg=message)


def check(cmd: str, reply: dict[str, Any]) -> Any:
    """The reply's `msg`, or the typed exception for its code."""
    code = reply_code(reply)
    msg = reply.get("msg")
    if isinstance(msg, str) and PROCESS_DOWN_TEXT in msg.lower():
        raise MinerProcessDownError(f"The mining process is down: {msg[:80]}", code=code, msg=msg)
    if code == CODE_OK:
        return msg
    if code is None:
        raise WhatsMinerResponseError(f"The reply to '{cmd}' has no code")
    raise error_for(cmd, code, msg)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(cmd: str, msg: Any) -> dict[str, Any]:
    if not isinstance(msg, dict):
        raise WhatsMinerResponseError(f"The reply to '{cmd}' has no data")
    return msg


# ---- values --------------------------------------------------------------------------------


def _first(data: dict[str, Any], *keys: str) -> Any:
    return next((data[key] for key in keys if data.get(key) not in (None, "")), None)


def _watts(value: Any) -> int | None:
    """A power setting in W; garbage outside the API's 0..99999 (e.g. 2**32-1) is None."""
    watts = integer(value)
    return watts if watts is not None and 0 <= watts <= MAX_WATTS else None


def _ths(value: Any) -> float | None:
    """A hashrate in TH/s; the negative "unknown" placeholder (-0.001 per board) is None."""
    rate = num(value)
    return rate if rate is not None and rate >= 0 else None


def _power_mode(value: Any) -> PowerMode | None:
    try:
        return PowerMode((text(value) or "").lower())
    except ValueError:
        return None


def heat_mode(value: Any) -> HeatMode | None:
    mode = (text(value) or "").lower()
    try:
        return _HEAT_MODES.get(mode) or HeatMode(mode)
    except ValueError:
        return None


# ---- get.miner.status ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerStatus:
    """What one `get.miner.status` carried; a section not asked for (or absent) is None/()."""

    summary: Summary | None = None
    boards: tuple[Board, ...] = ()
    pools: tuple[Pool, ...] = ()
    board_temps: tuple[float | None, ...] = ()


def parse_summary(data: dict[str, Any]) -> Summary:
    """`msg.summary` -> Summary (TH/s, W, degrees C, RPM)."""
    temps = [t for t in board_temperatures(data) if t is not None]
    return Summary(
        elapsed_s=integer(data.get("elapsed")),
        uptime_s=integer(data.get("bootup-time")),
        hashrate_ths=_ths(data.get("hash-realtime")),
        hashrate_avg_ths=_ths(data.get("hash-average")),
        hashrate_1m_ths=_ths(data.get("hash-1min")),
        hashrate_15m_ths=_ths(data.get("hash-15min")),
        factory_hashrate_ths=_ths(data.get("factory-hash")),
        power_w=_non_negative(data.get("power-realtime")),
        power_5min_w=_non_negative(data.get("power-5min")),
        power_limit_w=_watts(data.get("power-limit")),
        efficiency_j_th=num(data.get("power-rate")),
        temperature_c=max(temps) if temps else None,
        env_temperature_c=num(_first(data, "environment-temperature", "environment-tempurature")),
        chip_temp_min_c=num(data.get("chip-temp-min")),
        chip_temp_avg_c=num(data.get("chip-temp-avg")),
        chip_temp_max_c=num(data.get("chip-temp-max")),
        fan_in_rpm=integer(data.get("fan-speed-in")),
        fan_out_rpm=integer(data.get("fan-speed-out")),
        freq_avg_mhz=integer(data.get("freq-avg")),
        target_freq_mhz=integer(data.get("target-freq")),
        upfreq_complete=flag(data.get("up-freq-finish")),
    )


def _non_negative(value: Any) -> float | None:
    result = num(value)
    return result if result is not None and result >= 0 else None


def board_temperatures(summary: dict[str, Any]) -> tuple[float | None, ...]:
    """`board-temperature` (or the misspelled key) as one value per slot."""
    value = _first(summary, "board-temperature", "board-tempurature")
    return tuple(num(t) for t in value) if isinstance(value, list) else ()


def parse_boards(
    edevs: Any, temps: tuple[float | None, ...] = (), serials: dict[int, str] | None = None
) -> tuple[Board, ...]:
    """`msg.edevs` -> boards, with the board temperature of `summary` and `pcbsn{slot}`."""
    boards = []
    for position, data in enumerate(_dicts(edevs)):
        slot = integer(data.get("slot"))
        index = integer(data.get("id"))
        where = slot if slot is not None else index if index is not None else position
        status = text(data.get("status"))
        boards.append(
            Board(
                index=index if index is not None else where,
                slot=slot,
                alive=None if status is None else status.lower() == "alive",
                hashrate_ths=_ths(_first(data, "hash-realtime", "hash-average")),
                hashrate_avg_ths=_ths(data.get("hash-average")),
                factory_hashrate_ths=_ths(data.get("factory-hash")),
                temperature_c=temps[where] if 0 <= where < len(temps) else None,
                chip_temp_min_c=num(data.get("chip-temp-min")),
                chip_temp_avg_c=num(data.get("chip-temp-avg")),
                chip_temp_max_c=num(data.get("chip-temp-max")),
                frequency_mhz=integer(data.get("freq")),
                effective_chips=integer(data.get("effective-chips")),
                serial=(serials or {}).get(where),
            )
        )
    return tuple(boards)


_POOL_KEYS = PoolKeys(
    index="id",
    url="url",
    user="account",
    status="status",
    priority="pool-priority",
    active="stratum-active",
    accepted="accepted",
    rejected="rejected",
    stale="stale",
    last_share="last-share-time",
)


def parse_pools(pools: Any) -> tuple[Pool, ...]:
    """`msg.pools` -> pools numbered from 1 (share counts only where a firmware sends them)."""
    return pools_from(_dicts(pools), _POOL_KEYS)


def parse_miner_status(msg: Any, serials: dict[int, str] | None = None) -> MinerStatus:
    """`get.miner.status` msg -> its sections."""
    data = _object("get.miner.status", msg)
    summary_data = data.get("summary")
    temps = board_temperatures(summary_data) if isinstance(summary_data, dict) else ()
    return MinerStatus(
        summary=parse_summary(summary_data) if isinstance(summary_data, dict) else None,
        boards=parse_boards(data.get("edevs"), temps, serials),
        pools=parse_pools(data.get("pools")),
        board_temps=temps,
    )


# ---- get.device.info -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """What `get.device.info` carried (any section may be missing)."""

    salt: str | None = None
    version: Version = field(default_factory=Version)
    info: MinerInfo = field(default_factory=MinerInfo)
    psu: Psu | None = None
    error_codes: tuple[ErrorCode, ...] = ()
    model: str | None = None
    mining: bool | None = None  # miner.working
    write_access: bool | None = None  # system.apiswitch
    board_count: int | None = None
    board_serials: dict[int, str] = field(default_factory=dict)
    coolant_temp_c: float | None = None
    power_limit_set_w: int | None = None
    hash_percent: int | None = None
    settings: MinerSettings = field(default_factory=MinerSettings)


def parse_device_info(msg: Any) -> DeviceInfo:
    """`get.device.info` msg -> DeviceInfo."""
    data = _object("get.device.info", msg)
    network, miner = _dict(data.get("network")), _dict(data.get("miner"))
    system, power = _dict(data.get("system")), _dict(data.get("power"))
    ledstatus = text(system.get("ledstatus"))
    serials = {
        int(key[5:]): serial
        for key, value in miner.items()
        if key.startswith("pcbsn") and key[5:].isdigit() and (serial := text(value))
    }
    return DeviceInfo(
        salt=text(data.get("salt")),
        version=Version(
            api_ver=text(system.get("api")),
            fw_ver=text(system.get("fwversion")),
            platform=text(system.get("platform")),
            miner_type=text(miner.get("type")),
        ),
        info=MinerInfo(
            ip=text(network.get("ip")),
            proto=text(network.get("proto")),
            netmask=text(network.get("netmask")),
            gateway=text(network.get("gateway")),
            dns=tuple((text(network.get("dns")) or "").replace(",", " ").split()),
            hostname=text(network.get("hostname")),
            mac=_mac(network.get("mac")),
            led_auto=None if ledstatus is None else ledstatus.lower() == "auto",
            miner_serial=text(miner.get("miner-sn")),
            psu_serial=text(power.get("sn")),
        ),
        psu=parse_psu(power) if power else None,
        error_codes=parse_error_codes(data.get("error-code")),
        model=text(miner.get("type")),
        mining=flag(miner.get("working")),
        write_access=flag(system.get("apiswitch")),
        board_count=integer(miner.get("board-num")),
        board_serials=serials,
        coolant_temp_c=num(power.get("liquid-temperature")),
        power_limit_set_w=_watts(miner.get("power-limit-set")),
        hash_percent=integer(miner.get("hash-percent")),
        settings=MinerSettings(
            fast_boot=flag(miner.get("fast-boot")),
            heat_mode=heat_mode(miner.get("heatmode")),
            web_pools=flag(miner.get("web-pool")),
            coin_type=text(miner.get("cointype")),
            power_limit_w=_watts(miner.get("power-limit-set")),
            upfreq_speed=integer(miner.get("UpfreqSpeed")),
        ),
    )


def parse_psu(power: dict[str, Any]) -> Psu:
    """`power` section -> Psu: vin V, iin A, pin W, vout in 0.01 V (spec 4.1.1)."""
    vout = num(power.get("vout"))
    return Psu(
        name=text(power.get("type")),
        model=text(power.get("model")),
        hw_version=text(power.get("hwversion")),
        sw_version=text(power.get("swversion")),
        serial=text(power.get("sn")),
        vendor=text(_first(power, "vendor", "vender")),
        fan_rpm=integer(power.get("fanspeed")),
        input_voltage_v=num(power.get("vin")),
        input_current_a=num(power.get("iin")),
        input_power_w=num(power.get("pin")),
        temperature_c=num(power.get("temp0")),
        output_voltage_v=None if vout is None else vout / 100,
    )


def parse_error_codes(value: Any) -> tuple[ErrorCode, ...]:
    """`error-code`: objects `{"531": time, "reason": ...}`, codes as str/int, or a string."""
    codes: list[ErrorCode] = []
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    for item in items:
        if isinstance(item, dict):
            reason = text(item.get("reason"))
            for key, when in item.items():
                if (code := integer(key)) is not None and isinstance(key, str) and key.isdigit():
                    codes.append(ErrorCode(code=code, reported_at=_time(when), reason=reason))
        elif not isinstance(item, bool) and (code := integer(item)) is not None:
            codes.append(ErrorCode(code=code))
    return tuple(codes)


# ---- settings reads ------------------------------------------------------------------------


def parse_miner_setting(msg: Any) -> MinerSettings:
    """`get.miner.setting` msg; `power-percent` 0 means no percentage in force."""
    data = _object("get.miner.setting", msg)
    percent = integer(data.get("power-percent"))
    return MinerSettings(
        power_mode=_power_mode(data.get("power-mode")),
        power_limit_w=_watts(data.get("power-limit")),
        power_target_w=_watts(data.get("power")),
        power_percent=percent or None,
        upfreq_speed=integer(data.get("upfreq-speed")),
        target_freq_pct=integer(data.get("target-freq")),
        fast_boot=flag(data.get("fast-boot")),
        fast_hash=flag(data.get("fast-hash")),
        fast_mining=flag(data.get("fast-mining")),
        heat_mode=heat_mode(data.get("heat-mode")),
    )


def parse_fan_setting(msg: Any) -> MinerSettings:
    data = _object("get.fan.setting", msg)
    return MinerSettings(
        fan_poweroff_cool=flag(data.get("fan-poweroff-cool")),
        fan_zero_speed=flag(data.get("fan-zero-speed")),
        fan_temp_offset_c=integer(data.get("fan-temp-offset")),
    )


def parse_system_setting(msg: Any) -> MinerSettings:
    data = _object("get.system.setting", msg)
    ntp = data.get("ntp-server")
    if isinstance(ntp, str):
        ntp = ntp.replace(",", " ").split()
    return MinerSettings(
        web_pools=flag(data.get("web-pool")),
        hostname=text(data.get("hostname")),
        timezone=text(data.get("timezone")),
        zonename=text(data.get("zonename")),
        ntp_servers=(
            tuple(server for item in ntp if (server := text(item)))
            if isinstance(ntp, list)
            else None
        ),
    )


def merge_settings(*parts: MinerSettings) -> MinerSettings:
    """Per field, the first value that is not None."""
    values = {
        f.name: next((v for p in parts if (v := getattr(p, f.name)) is not None), None)
        for f in fields(MinerSettings)
    }
    return replace(MinerSettings(), **values)


# ---- other reads ---------------------------------------------------------------------------


def parse_custom_data(msg: Any) -> dict[str, str]:
    """`get.device.custom_data` -> {"CustomerSn": ..., "msg0": ...} (`custom-sn` accepted)."""
    data = _object("get.device.custom_data", msg)
    result = {key: value for key, value in data.items() if isinstance(value, str)}
    if "custom-sn" in result:
        result.setdefault("CustomerSn", result.pop("custom-sn"))
    return result


def parse_log_size(msg: Any, limit: int) -> int:
    """`get.log.download` header: `logsize` is a decimal string (spec 4.12)."""
    size = integer(_dict(msg).get("logsize"))
    if size is None or not 0 <= size <= limit:
        raise WhatsMinerResponseError(f"Unexpected get.log.download header: {msg!r}"[:200])
    return size
