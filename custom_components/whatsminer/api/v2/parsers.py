"""Turn reply bodies into the typed models, reading every firmware key variant (spec 3, 7.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
import math
from typing import Any

from ..errors import WhatsMinerResponseError
from ..models import (
    Board,
    ErrorCode,
    MinerInfo,
    Pool,
    PowerMode,
    PrePowerOnState,
    Psu,
    Status,
    Summary,
    Version,
)

_MHS_PER_THS = 1_000_000
_GHS_PER_THS = 1_000
_TRUE = frozenset({"true", "y", "yes", "1", "enable", "enabled", "on"})
_FALSE = frozenset({"false", "n", "no", "0", "disable", "disabled", "off"})
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# ---- value helpers -------------------------------------------------------------------------


def num(value: Any) -> float | None:
    """A finite number from an int, float or numeric string; None otherwise."""
    kind = type(value)
    if kind is float:  # the usual cases first (called ~90 times per poll)
        return value if value - value == 0 else None  # inf - inf and nan - nan are nan
    if kind is int:
        return float(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().strip("'%"))
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def integer(value: Any) -> int | None:
    """An int from the same inputs as `num`."""
    result = num(value)
    return None if result is None else round(result)


def flag(value: Any) -> bool | None:
    """A bool from true/false, Y/N, enable/disable, 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().strip("'").lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def text(value: Any) -> str | None:
    """A string with literal quotes (spec 7.2.8) and whitespace stripped; empty is None."""
    if value is None or isinstance(value, dict | list):
        return None
    result = str(value).strip().strip("'\"").strip()
    return result or None


def _first(data: dict[str, Any], *keys: str) -> Any:
    return next((data[key] for key in keys if data.get(key) is not None), None)


def _scaled(value: Any, divisor: float) -> float | None:
    result = num(value)
    return None if result is None else result / divisor


def _power_mode(value: Any) -> PowerMode | None:
    try:
        return PowerMode((text(value) or "").lower())
    except ValueError:
        return None


def _mac(value: Any) -> str | None:
    result = text(value)
    return result.upper().replace("-", ":") if result else None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value).strip(), _TIME_FORMAT)
    except ValueError:
        return None


# ---- reply bodies --------------------------------------------------------------------------


def _msg_dict(reply: dict[str, Any], what: str) -> dict[str, Any]:
    msg = reply.get("Msg")
    if not isinstance(msg, dict):
        raise WhatsMinerResponseError(f"The {what} reply has no data")
    return msg


def _list_body(reply: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    for key in keys:
        value = reply.get(key)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    msg = reply.get("Msg")
    if isinstance(msg, dict):
        return _list_body(msg, *keys)
    raise WhatsMinerResponseError(f"Reply has no {'/'.join(keys)} list")


def summary_body(reply: dict[str, Any]) -> dict[str, Any]:
    """The summary fields: in SUMMARY[0] (cgminer envelope) or in Msg (newer firmware)."""
    items = reply.get("SUMMARY")
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return _msg_dict(reply, "summary")


# ---- parsers -------------------------------------------------------------------------------


def parse_summary(reply: dict[str, Any]) -> Summary:
    """`summary` reply -> Summary."""
    data = summary_body(reply)
    readings = (num(data.get(key)) for key in ("Power", "Power_RT"))
    power = next((watts for watts in readings if watts is not None and watts >= 0), None)
    return Summary(
        elapsed_s=integer(data.get("Elapsed")),
        uptime_s=integer(data.get("Uptime")),
        hashrate_ths=_scaled(_first(data, "HS RT", "MHS 5s"), _MHS_PER_THS),
        hashrate_avg_ths=_scaled(data.get("MHS av"), _MHS_PER_THS),
        hashrate_5s_ths=_scaled(data.get("MHS 5s"), _MHS_PER_THS),
        hashrate_1m_ths=_scaled(data.get("MHS 1m"), _MHS_PER_THS),
        hashrate_5m_ths=_scaled(data.get("MHS 5m"), _MHS_PER_THS),
        hashrate_15m_ths=_scaled(data.get("MHS 15m"), _MHS_PER_THS),
        factory_hashrate_ths=_scaled(data.get("Factory GHS"), _GHS_PER_THS),
        target_hashrate_ths=_scaled(data.get("Target MHS"), _MHS_PER_THS),
        power_w=power,
        power_limit_w=integer(data.get("Power Limit")),
        efficiency_j_th=num(data.get("Power Rate")),
        power_mode=_power_mode(data.get("Power Mode")),
        temperature_c=num(data.get("Temperature")),
        env_temperature_c=num(data.get("Env Temp")),
        chip_temp_min_c=num(data.get("Chip Temp Min")),
        chip_temp_avg_c=num(data.get("Chip Temp Avg")),
        chip_temp_max_c=num(data.get("Chip Temp Max")),
        fan_in_rpm=integer(data.get("Fan Speed In")),
        fan_out_rpm=integer(data.get("Fan Speed Out")),
        psu_fan_rpm=integer(data.get("Power Fanspeed")),
        freq_avg_mhz=integer(data.get("freq_avg")),
        target_freq_mhz=integer(data.get("Target Freq")),
        accepted=integer(data.get("Accepted")),
        rejected=integer(data.get("Rejected")),
        fast_boot=flag(data.get("Btminer Fast Boot")),
        hash_stable=flag(data.get("Hash Stable")),
        upfreq_complete=flag(data.get("Upfreq Complete")),
        liquid_cooling=flag(data.get("Liquid Cooling")),
        firmware_version=text(data.get("Firmware Version")),
        mac=_mac(data.get("MAC")),
        error_codes=_summary_errors(data),
    )


def _summary_errors(data: dict[str, Any]) -> tuple[ErrorCode, ...] | None:
    """Older firmware: "Error Code Count" plus "Error Code 0", "Error Code 1", ..."""
    keys = [key for key in data if key.startswith("Error Code ") and key[11:].isdigit()]
    if "Error Code Count" not in data and not keys:
        return None
    keys.sort(key=lambda key: int(key[11:]))
    codes = (integer(data[key]) for key in keys)
    return tuple(ErrorCode(code=code) for code in codes if code is not None)


def parse_boards(reply: dict[str, Any]) -> tuple[Board, ...]:
    """`edevs`/`devs` reply -> boards."""
    boards = []
    for position, data in enumerate(_list_body(reply, "DEVS", "EDEVS")):
        slot = integer(data.get("Slot"))
        index = integer(data.get("ASC"))
        status = text(data.get("Status"))
        boards.append(
            Board(
                index=index if index is not None else slot if slot is not None else position,
                slot=slot,
                alive=None if status is None else status.lower() == "alive",
                hashrate_ths=_scaled(_first(data, "HS RT", "MHS 5s"), _MHS_PER_THS),
                hashrate_avg_ths=_scaled(data.get("MHS av"), _MHS_PER_THS),
                factory_hashrate_ths=_scaled(
                    _first(data, "HS Factory", "Factory GHS"), _GHS_PER_THS
                ),
                temperature_c=num(data.get("Temperature")),
                chip_temp_min_c=num(data.get("Chip Temp Min")),
                chip_temp_avg_c=num(data.get("Chip Temp Avg")),
                chip_temp_max_c=num(data.get("Chip Temp Max")),
                frequency_mhz=integer(data.get("Chip Frequency")),
                effective_chips=integer(data.get("Effective Chips")),
                accepted=integer(data.get("Accepted")),
                rejected=integer(data.get("Rejected")),
                serial=text(data.get("PCB SN")),
                upfreq_complete=flag(data.get("Upfreq Complete")),
            )
        )
    return tuple(boards)


def boards_in_summary_units(boards: tuple[Board, ...], summary: Summary) -> tuple[Board, ...]:
    """Boards whose hashrates are in TH/s although read as MH/s, rescaled.

    v3 firmware's 4028 API (spec v3 6.3) gives per-board `MHS av`/`HS RT` in TH/s while its
    summary stays in MH/s. The boards' sum then falls short of the summary by a factor of
    about a million; any real mismatch (a dead board, a window) is far below a thousand.
    """
    whole = summary.hashrate_avg_ths or summary.hashrate_ths
    parts = sum(board.hashrate_avg_ths or board.hashrate_ths or 0.0 for board in boards)
    if not whole or not parts or parts * 1000 > whole:
        return boards
    return tuple(
        replace(
            board,
            hashrate_ths=_rescaled(board.hashrate_ths),
            hashrate_avg_ths=_rescaled(board.hashrate_avg_ths),
        )
        for board in boards
    )


def _rescaled(ths: float | None) -> float | None:
    return None if ths is None else ths * _MHS_PER_THS


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolKeys:
    """Where each field of a pool is in one API's pool object."""

    index: str
    url: str
    user: str
    status: str
    priority: str
    active: str
    accepted: str
    rejected: str
    stale: str
    last_share: str


POOL_KEYS = PoolKeys(
    index="POOL",
    url="URL",
    user="User",
    status="Status",
    priority="Priority",
    active="Stratum Active",
    accepted="Accepted",
    rejected="Rejected",
    stale="Stale",
    last_share="Last Share Time",
)


def timestamp(seconds: int | None) -> datetime | None:
    """A Unix time in seconds; None for 0 and for values no clock shows."""
    if not seconds or not 0 < seconds < 10**11:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def pools_from(items: Iterable[dict[str, Any]], keys: PoolKeys) -> tuple[Pool, ...]:
    """Pools from one API's pool objects, numbered from 1 where the miner gives no number."""
    pools = []
    for position, data in enumerate(items):
        index = integer(data.get(keys.index))
        pools.append(
            Pool(
                index=index if index is not None else position + 1,
                url=text(data.get(keys.url)) or "",
                user=text(data.get(keys.user)),
                status=text(data.get(keys.status)),
                priority=integer(data.get(keys.priority)),
                active=flag(data.get(keys.active)) or False,
                accepted=integer(data.get(keys.accepted)),
                rejected=integer(data.get(keys.rejected)),
                stale=integer(data.get(keys.stale)),
                last_share_time=timestamp(integer(data.get(keys.last_share))),
            )
        )
    return tuple(pools)


def parse_pools(reply: dict[str, Any]) -> tuple[Pool, ...]:
    """`pools` reply -> pools (numbered from 1)."""
    return pools_from(_list_body(reply, "POOLS"), POOL_KEYS)


def parse_devdetails(reply: dict[str, Any]) -> str | None:
    """`devdetails` reply -> the miner model, e.g. "M30S+VE40"."""
    for data in _list_body(reply, "DEVDETAILS"):
        model = text(data.get("Model"))
        if model:
            return model
    return None


def parse_status(reply: dict[str, Any]) -> Status:
    """`status` reply -> Status (btmineroff/mineroff, both firmware key spellings)."""
    data = _msg_dict(reply, "status")
    off = flag(_first(data, "mineroff", "btmineroff"))
    return Status(
        mining=None if off is None else not off,
        mineroff_reason=text(data.get("mineroff_reason")),
        mineroff_time=text(data.get("mineroff_time")),
        firmware_version=text(_first(data, "FirmwareVersion", "Firmware Version")),
        power_mode=_power_mode(data.get("power_mode")),
        power_limit_set_w=integer(data.get("power_limit_set")),
        hash_percent=integer(data.get("hash_percent")),
        coolant_temp_c=num(data.get("liquid_temp")),
        power_percent=integer(data.get("power_pct")) or None,
        fast_mining=flag(data.get("fast_mining")),
        fast_hash=flag(data.get("fast_hash")),
    )


def parse_psu(reply: dict[str, Any]) -> Psu:
    """`get_psu` reply -> Psu (every value is a string on the wire)."""
    data = _msg_dict(reply, "get_psu")
    return Psu(
        name=text(data.get("name")),
        model=text(data.get("model")),
        hw_version=text(data.get("hw_version")),
        sw_version=text(data.get("sw_version")),
        serial=text(data.get("serial_no")),
        vendor=text(_first(data, "vendor", "vender")),
        fan_rpm=integer(data.get("fan_speed")),
        input_voltage_v=_scaled(data.get("vin"), 100),
        input_current_a=_scaled(data.get("iin"), 1000),
        input_power_w=num(data.get("pin")),
        temperature_c=num(data.get("temp0")),
    )


def parse_version(reply: dict[str, Any]) -> Version:
    """`get_version` reply -> Version ("whatsminer v" prefix and quotes removed)."""
    data = _msg_dict(reply, "get_version")
    api_ver = text(data.get("api_ver"))
    if api_ver and api_ver.lower().startswith("whatsminer v"):
        api_ver = api_ver[len("whatsminer v") :]
    return Version(
        api_ver=api_ver,
        fw_ver=text(data.get("fw_ver")),
        platform=text(data.get("platform")),
        chip=text(data.get("chip")),
        miner_type=text(data.get("miner_type")),
    )


def parse_miner_info(reply: dict[str, Any]) -> MinerInfo:
    """`get_miner_info` reply -> MinerInfo."""
    data = _msg_dict(reply, "get_miner_info")
    ledstat = text(data.get("ledstat"))
    return MinerInfo(
        ip=text(data.get("ip")),
        proto=text(data.get("proto")),
        netmask=text(data.get("netmask")),
        gateway=text(data.get("gateway")),
        dns=tuple((text(data.get("dns")) or "").replace(",", " ").split()),
        hostname=text(data.get("hostname")),
        mac=_mac(data.get("mac")),
        led_auto=None if ledstat is None else ledstat.lower() == "auto",
        miner_serial=text(data.get("minersn")),
        psu_serial=text(data.get("powersn")),
    )


def parse_error_codes(reply: dict[str, Any]) -> tuple[ErrorCode, ...]:
    """`get_error_code` reply -> errors, from every shape of spec 3.10."""
    data = _msg_dict(reply, "get_error_code")
    value = _first(data, "error_code", "error_codes")
    codes: list[ErrorCode] = []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return ()
    for item in value:
        if isinstance(item, dict):
            for key, when in item.items():
                code = integer(key)
                if code is not None:
                    codes.append(ErrorCode(code=code, reported_at=_time(when)))
        elif (code := integer(item)) is not None:
            codes.append(ErrorCode(code=code))
        elif codes and codes[-1].reported_at is None and (when := _time(item)) is not None:
            # The flat ["329", "2022-01-17 11:28:11"] form: a time follows its code.
            codes[-1] = ErrorCode(code=codes[-1].code, reported_at=when)
    return tuple(codes)


def parse_pre_power_on(reply: dict[str, Any]) -> PrePowerOnState:
    """`pre_power_on` reply -> whether pre-heating has finished."""
    msg = reply.get("Msg")
    if isinstance(msg, dict):
        return PrePowerOnState(
            complete=flag(msg.get("complete")) or False, message=text(msg.get("msg"))
        )
    message = text(msg)
    return PrePowerOnState(complete=message == "adjust complete", message=message)


def parse_token(reply: dict[str, Any]) -> tuple[str, str, str]:
    """`get_token` reply -> (time, salt, newsalt)."""
    data = reply.get("Msg")
    if isinstance(data, dict):
        values = (text(data.get("time")), text(data.get("salt")), text(data.get("newsalt")))
        if all(values):
            return values  # type: ignore[return-value]
    raise WhatsMinerResponseError("The get_token reply lacks time, salt or newsalt")
