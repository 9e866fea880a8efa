"""Typed, frozen views of what a WhatsMiner reports.

Units are normalised: hashrate in TH/s, power in W, temperatures in degrees C, fan speeds
in RPM, frequencies in MHz, durations in seconds. A field the firmware did not report is
None. Both firmware key variants are read by the parsers that build these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# Firmware dated on or after this day speaks API v3 for writes (spec section 8). A hint only:
# detection (api/auto.py) asks the miner which API it speaks, never decides by date alone.
V3_FIRMWARE_SINCE = date(2024, 11, 1)


class ApiVersion(StrEnum):
    """Which of the two WhatsMiner APIs a backend speaks."""

    V2 = "v2"  # API v2.0.5, TCP 4028, token from the admin password, encrypted commands
    V3 = "v3"  # API v3.0.x, TCP 4433, length-prefixed JSON, a token per command (account super)


class HeatMode(StrEnum):
    """Heat mode of liquid-cooled miners (v2 `set_heat_mode`, v3 `set.miner.heat_mode`).

    The backends translate the spelling their firmware wants (v3 doc "anti-freezing", MicroBT's
    demo and v2 "anti-icing").
    """

    NORMAL = "normal"
    HEATING = "heating"
    ANTI_FREEZING = "anti-freezing"


class PowerMode(StrEnum):
    """The miner's power mode, lowercase as status reports it."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    SLEEP = "sleep"


class LedColor(StrEnum):
    """Colours accepted by set_led in manual mode."""

    RED = "red"
    GREEN = "green"


class SyslogProto(StrEnum):
    """Transport of the remote syslog server configured with load_log."""

    TCP = "tcp"
    UDP = "udp"


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorCode:
    """One error the miner reports, with the time it was raised and its reason when known."""

    code: int
    reported_at: datetime | None = None  # naive, in the miner's local time
    reason: str | None = None  # the miner's own words (v3 API 3.0.1+ "reason")


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """The `summary` read: the whole miner."""

    elapsed_s: int | None = None  # mining process run time
    uptime_s: int | None = None  # system uptime
    hashrate_ths: float | None = None  # real time ("HS RT", else "MHS 5s")
    hashrate_avg_ths: float | None = None  # "MHS av"
    hashrate_5s_ths: float | None = None
    hashrate_1m_ths: float | None = None
    hashrate_5m_ths: float | None = None
    hashrate_15m_ths: float | None = None
    factory_hashrate_ths: float | None = None  # "Factory GHS" / 1000
    target_hashrate_ths: float | None = None
    power_w: float | None = None  # None when the firmware says -1
    power_limit_w: int | None = None
    efficiency_j_th: float | None = None  # "Power Rate"
    power_mode: PowerMode | None = None
    temperature_c: float | None = None
    env_temperature_c: float | None = None
    chip_temp_min_c: float | None = None
    chip_temp_avg_c: float | None = None
    chip_temp_max_c: float | None = None
    fan_in_rpm: int | None = None
    fan_out_rpm: int | None = None
    psu_fan_rpm: int | None = None  # "Power Fanspeed" (older firmware)
    freq_avg_mhz: int | None = None
    target_freq_mhz: int | None = None
    accepted: int | None = None
    rejected: int | None = None
    fast_boot: bool | None = None  # "Btminer Fast Boot"
    coolant_temp_c: float | None = None  # hydro/immersion: v2 status liquid_temp, v3 PSU data
    power_5min_w: float | None = None  # v3 power-5min
    hash_stable: bool | None = None
    upfreq_complete: bool | None = None
    liquid_cooling: bool | None = None
    firmware_version: str | None = None  # older firmware only, quotes stripped
    mac: str | None = None  # older firmware only
    error_codes: tuple[ErrorCode, ...] | None = None  # older firmware only ("Error Code N")


@dataclass(frozen=True, slots=True, kw_only=True)
class Board:
    """One hashboard, from `edevs`."""

    index: int  # "ASC", else "Slot"
    slot: int | None = None
    alive: bool | None = None
    hashrate_ths: float | None = None  # "HS RT", else "MHS 5s"
    hashrate_avg_ths: float | None = None
    factory_hashrate_ths: float | None = None  # "HS Factory" / "Factory GHS", GH/s -> TH/s
    temperature_c: float | None = None
    chip_temp_min_c: float | None = None
    chip_temp_avg_c: float | None = None
    chip_temp_max_c: float | None = None
    frequency_mhz: int | None = None
    effective_chips: int | None = None
    accepted: int | None = None
    rejected: int | None = None
    serial: str | None = None  # "PCB SN"
    upfreq_complete: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pool:
    """One configured pool, from `pools`. Numbering starts at 1."""

    index: int
    url: str
    user: str | None = None
    status: str | None = None  # "Alive", "Dead", ...
    priority: int | None = None  # 0 is the highest
    active: bool = False  # "Stratum Active"
    accepted: int | None = None
    rejected: int | None = None
    stale: int | None = None
    last_share_time: datetime | None = None  # UTC, None when no share yet

    @property
    def alive(self) -> bool:
        """Whether the miner reports the pool as reachable."""
        return (self.status or "").lower() == "alive"


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """The `status` read: whether the miner mines, and why not."""

    mining: bool | None = None  # not btmineroff / mineroff
    mineroff_reason: str | None = None
    mineroff_time: str | None = None
    firmware_version: str | None = None  # "Firmware Version" or "FirmwareVersion"
    power_mode: PowerMode | None = None
    power_limit_set_w: int | None = None
    hash_percent: int | None = None
    # Newer firmware (v3 firmware's 4028 API among them, spec v3 6.3)
    coolant_temp_c: float | None = None  # liquid_temp
    power_percent: int | None = None  # power_pct; None when 0 (no percentage in force)
    fast_mining: bool | None = None
    fast_hash: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Psu:
    """The `get_psu` read. The firmware sends every value as a string."""

    name: str | None = None
    model: str | None = None
    hw_version: str | None = None
    sw_version: str | None = None
    serial: str | None = None
    vendor: str | None = None  # "vender" or "vendor"
    fan_rpm: int | None = None
    input_voltage_v: float | None = None  # "vin" in 0.01 V
    input_current_a: float | None = None  # "iin" in mA (unit not documented by MicroBT)
    input_power_w: float | None = None  # "pin", newer firmware
    temperature_c: float | None = None  # "temp0", newer firmware
    output_voltage_v: float | None = None  # v3 "vout" in 0.01 V


@dataclass(frozen=True, slots=True, kw_only=True)
class Version:
    """The `get_version` read."""

    api_ver: str | None = None  # "2.0.5"; the "whatsminer v" prefix of old firmware removed
    fw_ver: str | None = None  # "20230803.11.REL", quotes stripped
    platform: str | None = None
    chip: str | None = None
    miner_type: str | None = None

    @property
    def firmware_date(self) -> date | None:
        """The build date at the start of `fw_ver`, when it has one."""
        if not self.fw_ver or len(self.fw_ver) < 8 or not self.fw_ver[:8].isdigit():
            return None
        try:
            return date(int(self.fw_ver[:4]), int(self.fw_ver[4:6]), int(self.fw_ver[6:8]))
        except ValueError:
            return None

    @property
    def v3_only(self) -> bool:
        """Whether this firmware only takes writes through API v3 (spec section 8)."""
        built = self.firmware_date
        return built is not None and built >= V3_FIRMWARE_SINCE


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerInfo:
    """The `get_miner_info` read."""

    ip: str | None = None
    proto: str | None = None  # "dhcp" or "static"
    netmask: str | None = None
    gateway: str | None = None
    dns: tuple[str, ...] = ()
    hostname: str | None = None
    mac: str | None = None  # upper case, colon separated
    led_auto: bool | None = None  # ledstat == "auto"
    miner_serial: str | None = None  # "minersn", newer firmware
    psu_serial: str | None = None  # "powersn", newer firmware


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolConfig:
    """One pool to write with update_pools."""

    url: str
    worker: str
    password: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PrePowerOnState:
    """The reply of pre_power_on: whether the pre-heating has finished."""

    complete: bool
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerSettings:
    """Settings as the miner itself reports them; None where this firmware does not say.

    v3 reads them back (get.miner.setting, get.fan.setting, get.system.setting); v2 reports
    only a few (status, summary). Home Assistant shows None as unknown, never as a guess.
    """

    power_mode: PowerMode | None = None
    power_limit_w: int | None = None  # the limit configured by the user
    power_target_w: int | None = None  # v3 set.miner.power / get.miner.setting power
    power_percent: int | None = None  # in force; None when no percentage is set
    upfreq_speed: int | None = None
    target_freq_pct: int | None = None
    fast_boot: bool | None = None
    fast_hash: bool | None = None
    fast_mining: bool | None = None
    heat_mode: HeatMode | None = None
    fan_poweroff_cool: bool | None = None
    fan_zero_speed: bool | None = None
    fan_temp_offset_c: int | None = None
    web_pools: bool | None = None
    mining_at_boot: bool | None = None
    hostname: str | None = None
    timezone: str | None = None  # e.g. "CST-8"
    zonename: str | None = None  # e.g. "Asia/Shanghai"
    ntp_servers: tuple[str, ...] | None = None
    coin_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerSnapshot:
    """Everything one poll learned about a miner."""

    summary: Summary
    boards: tuple[Board, ...] = ()
    pools: tuple[Pool, ...] = ()
    status: Status | None = None
    error_codes: tuple[ErrorCode, ...] = ()
    psu: Psu | None = None
    version: Version | None = None
    info: MinerInfo | None = None
    model: str | None = None  # from devdetails, e.g. "M30S+VE40"
    api: ApiVersion | None = None  # the API this snapshot was read with
    settings: MinerSettings = field(default_factory=MinerSettings)
    write_access: bool | None = None  # v3 system.apiswitch; None where not reported
    power_max_w: int | None = None  # the most the firmware lets this miner draw, when reported
    # The miner answered, but its mining process (btminer) is down: nothing is hashing, and
    # the mining readings are zero or unknown rather than stale.
    process_down: bool = False
    # The last raw replies by command name, for diagnostics (the client redacts nothing).
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def mac(self) -> str | None:
        """The miner's MAC address, upper case and colon separated."""
        if self.info is not None and self.info.mac:
            return self.info.mac
        return self.summary.mac

    @property
    def mining(self) -> bool:
        """Whether the miner is mining, from status when reported, else from the hashrate."""
        if self.status is not None and self.status.mining is not None:
            return self.status.mining
        return bool(self.summary.hashrate_ths)

    @property
    def firmware_version(self) -> str | None:
        """The firmware version from get_version, status or summary, whichever has it."""
        if self.version is not None and self.version.fw_ver:
            return self.version.fw_ver
        if self.status is not None and self.status.firmware_version:
            return self.status.firmware_version
        return self.summary.firmware_version

    @property
    def active_pool(self) -> Pool | None:
        """The pool the miner is mining on, if any."""
        return next((pool for pool in self.pools if pool.active), None)
