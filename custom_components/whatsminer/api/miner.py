"""One miner, whatever API its firmware speaks: the interface and its capabilities.

Home Assistant (and the command line) talk to a `Miner`; they never see which protocol is
behind it. Two backends implement it: `v2.miner.V2Miner` (API v2.0.5 on TCP 4028) and
`v3.miner.V3Miner` (API v3 on TCP 4433); `auto.AutoMiner` detects which one a miner speaks.
This module imports neither backend: they import it.

Every control has a default implementation that raises `UnsupportedCommandError` without
sending anything; a backend overrides what its protocol has and lists it in `CONTROLS`.
`capabilities` says what this miner and firmware really have: the backend's controls, less
the commands the miner refused as unknown, and which readings the last poll carried.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
from operator import attrgetter
from typing import Any, ClassVar

from .errors import UnsupportedCommandError
from .models import (
    ApiVersion,
    ErrorCode,
    HeatMode,
    LedColor,
    MinerSnapshot,
    Pool,
    PoolConfig,
    PowerMode,
    PrePowerOnState,
    SyslogProto,
)

DEFAULT_V2_PORT = 4028
DEFAULT_V3_PORT = 4433
# The factory password of the account each API writes with (v2 "admin", v3 "super").
DEFAULT_PASSWORDS: dict[ApiVersion, str] = {ApiVersion.V2: "admin", ApiVersion.V3: "super"}
ACCOUNTS: dict[ApiVersion, str] = {ApiVersion.V2: "admin", ApiVersion.V3: "super"}

# The command name of a refused `set_mining_alternative` (no second route on this miner).
ALTERNATIVE_MINING = "mining (other route)"

# progress(bytes_done, total_bytes)
ProgressCallback = Callable[[int, int], None]


class Control(StrEnum):
    """A setting or action a miner may offer. Values are stable: they are stored."""

    MINING = "mining"  # set_mining
    MINING_AT_BOOT = "mining_at_boot"  # set_mining_at_boot
    RESTART_MINING = "restart_mining"  # restart_mining
    REBOOT = "reboot"  # reboot
    POWER_MODE = "power_mode"  # set_power_mode
    POWER_LIMIT = "power_limit"  # set_power_limit (restarts mining)
    POWER_TARGET = "power_target"  # set_power_target, watts (v3 set.miner.power, v2 set_power)
    POWER_PERCENT_FAST = "power_percent_fast"  # set_power_percent(fast=True), no restart
    POWER_PERCENT_GRADUAL = "power_percent_gradual"  # set_power_percent(fast=False)
    RESTORE_POWER_PERCENT = "restore_power_percent"  # restore_power_percent
    TARGET_FREQ = "target_freq"  # set_target_freq
    UPFREQ_SPEED = "upfreq_speed"  # set_upfreq_speed
    FAST_BOOT = "fast_boot"  # set_fast_boot
    FAST_HASH = "fast_hash"  # set_fast_hash
    FAST_MINING = "fast_mining"  # set_fast_mining
    HEAT_MODE = "heat_mode"  # set_heat_mode
    TEMP_OFFSET = "temp_offset"  # set_temp_offset
    POWEROFF_COOL = "poweroff_cool"  # set_poweroff_cool
    FAN_ZERO_SPEED = "fan_zero_speed"  # set_fan_zero_speed
    WEB_POOLS = "web_pools"  # set_web_pools
    LED = "led"  # set_led, set_led_auto
    POOLS = "pools"  # update_pools
    HOSTNAME = "hostname"  # set_hostname
    TIMEZONE = "timezone"  # set_timezone
    NTP_SERVERS = "ntp_servers"  # set_ntp_servers
    TIME_RANDOMIZED = "time_randomized"  # set_time_randomized
    SYSLOG = "syslog"  # set_syslog
    NETWORK = "network"  # net_config_dhcp, net_config_static
    PASSWORD = "password"  # noqa: S105 - change_password
    FACTORY_RESET = "factory_reset"  # factory_reset
    RESTORE_SETTINGS = "restore_settings"  # restore_settings
    FIRMWARE = "firmware"  # update_firmware
    LOGS = "logs"  # download_logs
    CUSTOM_DATA = "custom_data"  # set_custom_data
    PRE_POWER_ON = "pre_power_on"  # pre_power_on
    COIN_TYPE = "coin_type"  # set_coin_type
    USER_PERMISSION = "user_permission"  # set_user_permission


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What this miner and its firmware really have. Serialisable (as_dict/from_dict), so
    Home Assistant can keep it and create the entities while the miner is off."""

    api: ApiVersion
    controls: frozenset[Control] = frozenset()
    # Snapshot fields the last poll carried, as dotted paths of MinerSnapshot:
    # "summary.hashrate_ths", "psu.input_voltage_v", "settings.power_target_w", ...
    readings: frozenset[str] = frozenset()
    upfreq_speed_max: int = 9  # v2 0..9, v3 0..10
    power_percent_max: int = 100
    power_max_w: int | None = None  # the firmware's own maximum, when it reports one
    board_count: int | None = None
    fans: bool = True  # False on hydro and immersion models
    liquid_cooled: bool = False

    def has(self, control: Control) -> bool:
        return control in self.controls

    def reports(self, reading: str) -> bool:
        return reading in self.readings

    def as_dict(self) -> dict[str, Any]:
        return {
            "api": str(self.api),
            "controls": sorted(str(c) for c in self.controls),
            "readings": sorted(self.readings),
            "upfreq_speed_max": self.upfreq_speed_max,
            "power_percent_max": self.power_percent_max,
            "power_max_w": self.power_max_w,
            "board_count": self.board_count,
            "fans": self.fans,
            "liquid_cooled": self.liquid_cooled,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capabilities:
        known = {c.value for c in Control}
        return cls(
            api=ApiVersion(data["api"]),
            controls=frozenset(Control(c) for c in data.get("controls", ()) if c in known),
            readings=frozenset(str(r) for r in data.get("readings", ())),
            upfreq_speed_max=int(data.get("upfreq_speed_max", 9)),
            power_percent_max=int(data.get("power_percent_max", 100)),
            power_max_w=data.get("power_max_w"),
            board_count=data.get("board_count"),
            fans=bool(data.get("fans", True)),
            liquid_cooled=bool(data.get("liquid_cooled", False)),
        )


# Per type: its field names and a getter of all their values at once; None if no dataclass.
_FIELDS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] | None] = {}


def _fields_of(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] | None:
    try:
        return _FIELDS[cls]
    except KeyError:
        found = None
        if is_dataclass(cls):
            names = tuple(f.name for f in fields(cls) if f.name != "raw")
            getter = attrgetter(*names, names[0]) if names else (lambda _: ())
            found = (names, getter)  # (one name more: attrgetter then always gives a tuple)
        _FIELDS[cls] = found
        return found


def reported_fields(snapshot: MinerSnapshot) -> frozenset[str]:
    """The dotted paths of the snapshot's fields that hold a value (not None, not empty)."""
    found: set[str] = set()
    pending: list[tuple[str, Any]] = [("", snapshot)]
    while pending:
        prefix, obj = pending.pop()
        described = _fields_of(type(obj))
        if described is None:
            continue
        names, values = described
        for name, value in zip(names, values(obj), strict=False):
            if value is None or value == ():
                continue
            if _fields_of(type(value)) is not None:
                pending.append((f"{prefix}{name}.", value))
            else:
                found.add(prefix + name)
    return frozenset(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """What detection learned: the API, and what the config flow shows before the password."""

    api: ApiVersion
    port: int
    api_version: str | None = None  # "3.0.2", "2.0.5"
    firmware: str | None = None
    model: str | None = None
    mac: str | None = None  # upper case, colon separated
    hostname: str | None = None
    write_access: bool | None = None  # v3 apiswitch


class Miner(ABC):
    """One miner. Methods raise WhatsMinerError subclasses only (api/errors.py)."""

    CONTROLS: ClassVar[frozenset[Control]] = frozenset()

    @property
    @abstractmethod
    def api(self) -> ApiVersion | None:
        """The API this miner is spoken to with (None: AutoMiner before its first detection)."""

    @property
    @abstractmethod
    def host(self) -> str: ...

    @property
    @abstractmethod
    def port(self) -> int:
        """The port of the API in use."""

    @property
    @abstractmethod
    def password(self) -> str | None:
        """The password writes use; None when the miner is monitored only."""

    @abstractmethod
    def set_password(self, password: str | None) -> None:
        """Use another password from now on (None: monitor only, writes refused unsent)."""

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities:
        """What this miner has; complete after the first successful poll."""

    @abstractmethod
    async def poll(self) -> MinerSnapshot:
        """Read everything cheaply (slow-changing data on a slower cadence)."""

    @abstractmethod
    async def verify_password(self) -> None:
        """Check that writes would be accepted, without changing anything.

        Raises AuthenticationError (wrong password), WriteApiDisabledError (write switch off),
        DefaultPasswordError (v3 with the factory password), TokenLimitError (v2).
        """

    async def enable_write_api(self, password: str | None = None) -> bool:
        """Switch the write API on from here, without WhatsMinerTool (opt-in, never polled).

        Sends a write that changes nothing; only when the write switch refuses it, the 4028
        `open_write_api` handshake (not part of the documented API) with the v2 admin
        `password` (default: this miner's own; v3 firmware also tries the factory `admin`),
        then that write once more. True when the handshake switched writes on, False when
        they were on already. Raises WriteUnlockPasswordError, WriteUnlockRefusedError or
        WriteUnlockUnsupportedError, or what the write raises (a wrong write password, v3's
        factory password).
        """
        raise UnsupportedCommandError("open_write_api")

    def adopt(self, detection: Detection) -> None:  # noqa: B027 - optional hook
        """Take what detection learned (the firmware version), so the backend need not ask
        the miner for it again."""

    def invalidate_cache(self) -> None:  # noqa: B027 - optional hook
        """Forget slow-changing reads (after a write) so the next poll reads them again."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Close kept connections (v3 keeps one per miner)."""

    def _unsupported(self, control: Control) -> UnsupportedCommandError:
        return UnsupportedCommandError(str(control))

    # Reads beyond poll()

    async def get_pools(self) -> tuple[Pool, ...]:
        raise self._unsupported(Control.POOLS)

    async def get_error_codes(self) -> tuple[ErrorCode, ...]:
        raise UnsupportedCommandError("error_codes")

    # Controls. Each raises UnsupportedCommandError (nothing sent) unless the backend has it.

    async def set_mining(self, on: bool) -> None:
        raise self._unsupported(Control.MINING)

    async def set_mining_alternative(self, on: bool) -> None:
        """Start or stop by another route than `set_mining` takes, for the one retry after a
        start or stop that did not hold (the polls showed it). The backend decides what the
        route is; UnsupportedCommandError (nothing sent) when this miner has none."""
        raise UnsupportedCommandError(ALTERNATIVE_MINING)

    async def set_mining_at_boot(self, on: bool) -> None:
        raise self._unsupported(Control.MINING_AT_BOOT)

    async def restart_mining(self) -> None:
        raise self._unsupported(Control.RESTART_MINING)

    async def reboot(self) -> None:
        raise self._unsupported(Control.REBOOT)

    async def set_power_mode(self, mode: PowerMode) -> None:
        raise self._unsupported(Control.POWER_MODE)

    async def set_power_limit(self, watts: int) -> None:
        raise self._unsupported(Control.POWER_LIMIT)

    async def set_power_target(self, watts: int) -> None:
        raise self._unsupported(Control.POWER_TARGET)

    async def set_power_percent(self, percent: int, *, fast: bool) -> None:
        raise self._unsupported(
            Control.POWER_PERCENT_FAST if fast else Control.POWER_PERCENT_GRADUAL
        )

    async def restore_power_percent(self) -> None:
        raise self._unsupported(Control.RESTORE_POWER_PERCENT)

    async def set_target_freq(self, percent: int) -> None:
        raise self._unsupported(Control.TARGET_FREQ)

    async def set_upfreq_speed(self, speed: int) -> None:
        raise self._unsupported(Control.UPFREQ_SPEED)

    async def set_fast_boot(self, on: bool) -> None:
        raise self._unsupported(Control.FAST_BOOT)

    async def set_fast_hash(self, on: bool) -> None:
        raise self._unsupported(Control.FAST_HASH)

    async def set_fast_mining(self, on: bool) -> None:
        raise self._unsupported(Control.FAST_MINING)

    async def set_heat_mode(self, mode: HeatMode) -> None:
        raise self._unsupported(Control.HEAT_MODE)

    async def set_temp_offset(self, offset_c: int) -> None:
        raise self._unsupported(Control.TEMP_OFFSET)

    async def set_poweroff_cool(self, on: bool) -> None:
        raise self._unsupported(Control.POWEROFF_COOL)

    async def set_fan_zero_speed(self, on: bool) -> None:
        raise self._unsupported(Control.FAN_ZERO_SPEED)

    async def set_web_pools(self, on: bool) -> None:
        raise self._unsupported(Control.WEB_POOLS)

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        raise self._unsupported(Control.LED)

    async def set_led_auto(self) -> None:
        raise self._unsupported(Control.LED)

    async def update_pools(self, pools: Sequence[PoolConfig]) -> None:
        raise self._unsupported(Control.POOLS)

    async def set_hostname(self, hostname: str) -> None:
        raise self._unsupported(Control.HOSTNAME)

    async def set_timezone(self, timezone: str, zonename: str) -> None:
        raise self._unsupported(Control.TIMEZONE)

    async def set_ntp_servers(self, servers: Sequence[str]) -> None:
        raise self._unsupported(Control.NTP_SERVERS)

    async def set_time_randomized(self, start_s: int, stop_s: int) -> None:
        raise self._unsupported(Control.TIME_RANDOMIZED)

    async def set_syslog(self, ip: str, port: int, proto: SyslogProto) -> None:
        raise self._unsupported(Control.SYSLOG)

    async def net_config_dhcp(self) -> None:
        raise self._unsupported(Control.NETWORK)

    async def net_config_static(
        self, *, ip: str, mask: str, gateway: str, dns: Sequence[str], host: str | None = None
    ) -> None:
        raise self._unsupported(Control.NETWORK)

    async def change_password(self, new: str) -> None:
        """Change the write account's password; the miner then uses the new one."""
        raise self._unsupported(Control.PASSWORD)

    async def factory_reset(self) -> None:
        raise self._unsupported(Control.FACTORY_RESET)

    async def restore_settings(self) -> None:
        raise self._unsupported(Control.RESTORE_SETTINGS)

    async def update_firmware(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        raise self._unsupported(Control.FIRMWARE)

    async def download_logs(self, *, progress: ProgressCallback | None = None) -> bytes:
        raise self._unsupported(Control.LOGS)

    async def set_custom_data(self, key: str, value: str) -> None:
        raise self._unsupported(Control.CUSTOM_DATA)

    async def pre_power_on(self, *, complete: bool, msg: str) -> PrePowerOnState:
        raise self._unsupported(Control.PRE_POWER_ON)

    async def set_coin_type(self, coin: str) -> None:
        raise self._unsupported(Control.COIN_TYPE)

    async def set_user_permission(self, user: str, commands: Sequence[str]) -> None:
        raise self._unsupported(Control.USER_PERMISSION)
