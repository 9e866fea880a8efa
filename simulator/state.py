"""What a simulated miner remembers: settings, fault switches, counters and timings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

FACTORY_SALT = "BQ5hoXV9"
FACTORY_PASSWORD = "admin"  # noqa: S105 (the documented factory default)
V3_ACCOUNTS = ("super", "user1", "user2", "user3")  # API v3 accounts; password = name at first
DEFAULT_NTP = (
    "0.cn.pool.ntp.org",
    "0.openwrt.pool.ntp.org",
    "0.asia.pool.ntp.org",
    "0.pool.ntp.org",
)


@dataclass(frozen=True, slots=True)
class Reading:
    """The miner right now, as physics.py computes it from the state and the clock."""

    btminer_up: bool
    hashing: bool
    uptime_s: int
    elapsed_s: int  # btminer run time
    warm: float  # 0 (cold start) .. 1 (warmed up)
    power_w: int
    hashrate_ths: float
    freq_mhz: int
    env_temp: float
    board_temp: float  # average board (outlet) temperature
    chip_temp: float  # average chip temperature
    liquid_temp: float
    fan_rpm: int
    psu_fan_rpm: int
    load: float  # power relative to the normal-mode power


@dataclass(slots=True)
class Pool:
    url: str
    user: str
    passwd: str = ""


@dataclass(slots=True)
class Led:
    mode: str = "auto"  # "auto" or "manual"
    color: str = ""
    period_ms: int = 0
    duration_ms: int = 0
    start_ms: int = 0


@dataclass(slots=True)
class Network:
    proto: str = "dhcp"
    ip: str = "192.168.1.100"
    netmask: str = "255.255.255.0"
    gateway: str = "192.168.1.1"
    dns: str = "192.168.1.1"


@dataclass(slots=True)
class Syslog:
    ip: str
    port: str
    proto: str


@dataclass(slots=True)
class PowerRamp:
    """A power change in progress: the hashboard power moves linearly from `start_w` to `end_w`."""

    start_w: float
    end_w: float
    begins_at: float
    seconds: float

    def done(self, now: float) -> bool:
        return self.seconds <= 0 or now >= self.begins_at + self.seconds

    def watts_at(self, now: float) -> float:
        if self.done(now):
            return self.end_w
        part = max(0.0, now - self.begins_at) / self.seconds
        return self.start_w + (self.end_w - self.start_w) * part


def default_pools() -> list[Pool]:
    return [
        Pool("stratum+tcp://btc.ss.poolin.com:443", "microbtinitial", "123"),
        Pool("stratum+tcp://btc-eu.f2pool.com:1314", "microbtinitial.001", "123"),
        Pool("stratum+tcp://stratum.braiins.com:3333", "microbtinitial.002", "x"),
    ]


@dataclass(slots=True)
class MinerState:
    """Settings and lifecycle timestamps (simulated Unix seconds) of one miner.

    Live readings (power, hashrate, temperatures, fans) are not stored: they are derived from
    these fields and the clock whenever a read comes in (see `physics.py`).
    """

    fw_ver: str
    mac: str
    serial: str
    boot_at: float  # control board booted
    btminer_start_at: float  # btminer (re)started; before this it is down
    hashing_since: float  # hashboards powered on (warm-up starts here)
    power_limit_w: int
    mining: bool = True
    mineroff_reason: str = ""
    mineroff_at: float = 0.0
    stopped_at: float = 0.0  # hashing last stopped (power off, btminer restart, reboot)
    power_mode: str = "normal"  # low / normal / high
    power_pct: float = 100.0  # percent of full power (set_power_pct, set.miner.power_percent)
    power_target_w: int | None = None  # saved power target (set_power, set.miner.power)
    live_target_w: int | None = None  # the target applied in this btminer run
    power_ramp: PowerRamp | None = None  # a power change in progress
    temp_offset: int = 0
    upfreq_speed: int = 0
    target_freq_pct: int = 0
    fast_boot: bool = False  # setting; takes effect at the next btminer start
    booted_fast: bool = False  # btminer last started with fast boot
    web_pools: bool = True
    poweroff_cool: bool = False
    fan_zero_speed: bool = False
    heat_mode: str = "normal"
    btminer_init: bool = True  # btminer starts at boot
    btminer_stopped: bool = False  # not started at boot because btminer_init is off
    hostname: str = "WhatsMiner"
    network: Network = field(default_factory=Network)
    timezone: str = "CST-8"
    zonename: str = "Asia/Shanghai"
    syslog: Syslog | None = None
    pools: list[Pool] = field(default_factory=default_pools)
    led: Led = field(default_factory=Led)
    password: str = FACTORY_PASSWORD
    salt: str = FACTORY_SALT
    api_enabled: bool = True
    error_codes: dict[int, float] = field(default_factory=dict)  # code -> raised at
    error_reasons: dict[int, str] = field(default_factory=dict)  # code -> v3 reason text
    customer_msg: dict[str, str] = field(default_factory=dict)
    # firmware generation: API v3 firmware serves 4433 and the reduced v2 API on 4028
    v3: bool = False
    accounts: dict[str, str] = field(default_factory=lambda: {a: a for a in V3_ACCOUNTS})
    permissions: dict[str, str] = field(default_factory=dict)  # user -> allowed commands
    device_salt: str = "uhCiDyVj"  # API v3 salt (stable across password changes)
    fast_hash: bool = False
    cointype: str = "BTC"
    ntp_servers: list[str] = field(default_factory=lambda: list(DEFAULT_NTP))
    time_randomized: tuple[int, int] = (0, 0)
    report_gap_s: int = 0
    preheat_started_at: float | None = None
    self_start_at: float | None = None  # a stop that does not hold: btminer restarts then
    unstable_at: float | None = None  # a run below the hashboards' minimum restarts then
    reboot_until: float = 0.0  # the control board is down (port closed) until then
    noise: bool = True  # False: readings are exact, handy for assertions
    reading: Callable[[], Reading] | None = field(default=None, repr=False, compare=False)

    @property
    def power_w(self) -> int:
        """Input power right now, without noise."""
        return self._now().power_w

    @property
    def hashrate(self) -> float:
        """Hashrate right now in TH/s, without noise."""
        return self._now().hashrate_ths

    def _now(self) -> Reading:
        if self.reading is None:
            raise RuntimeError("state is not attached to a miner")
        return self.reading()


class Quirk(StrEnum):
    """Firmware quirks of spec section 7.2 that a miner can be told to show."""

    TRAILING_NUL = "trailing_nul"  # 1: a NUL after every reply
    TRAILING_COMMA = "trailing_comma"  # 2: bare get_miner_info ends with `,}`
    RAW_NEWLINES = "raw_newlines"  # 3: raw newlines in the reply text
    PSU_MISSING_COMMA = "psu_missing_comma"  # 4: get_psu `""temp0"`
    ERROR_CODE_BRACKETS = "error_code_brackets"  # 5: `["329":"2022-01-17 11:28:11"]`
    TRUNCATED_REPLY = "truncated_reply"  # 6: get_error_code reply cut short
    INF_NAN = "inf_nan"  # 7: bare inf / nan tokens in summary
    QUOTED_FIRMWARE = "quoted_firmware"  # 8: "'20210322.22.REL'"
    SUMMARY_IN_MSG = "summary_in_msg"  # 10: summary in a flat envelope's Msg
    PSU_VENDOR = "psu_vendor"  # 10: `vendor` instead of `vender`
    DEVS_WITHOUT_ASC = "devs_without_asc"  # 10: devs lacks "ASC"
    DEVS_FACTORY_GHS = "devs_factory_ghs"  # 10: devs "Factory GHS" instead of "HS Factory"
    LEGACY_STATUS = "legacy_status"  # 10: status btmineroff / "Firmware Version"
    SILENT_WRONG_PASSWORD = "silent_wrong_password"  # noqa: S105 - 17: no reply to an undecryptable write
    KEEP_OPEN = "keep_open"  # 21: the socket stays open after the reply until idle timeout
    # API v3 (spec 7.2)
    POWER_LIMIT_GARBAGE = "power_limit_garbage"  # power-limit-set "4294967295"
    NEGATIVE_FACTORY_HASH = "negative_factory_hash"  # factory-hash -0.001 per board
    MISSPELLED_KEYS = "misspelled_keys"  # environment-tempurature, board-tempurature
    # Stops that do not hold (spec v3 4.4.1, 6.3: v2 power_off on an M64 with 20250409.15.REL):
    # hashing stops, then btminer restarts by itself Timing.self_restart_s later.
    V2_STOP_RESTARTS = "v2_stop_restarts"  # a v2 power_off on v3 firmware (v2 writes apply)
    STOP_RESTARTS = "stop_restarts"  # every stop: v2 power_off and v3 set.miner.service stop


class Unlock(StrEnum):
    """How the v2 port (4028, both firmware generations) takes the open_write_api handshake."""

    ACCEPT = "accept"  # the token of the v2 admin password switches the write API on
    REFUSE = "refuse"  # salts, an answer to any token, but the switch stays off
    UNSUPPORTED = "unsupported"  # unknown command: "invalid cmd", as firmware without it


@dataclass(slots=True, kw_only=True)
class Faults:
    """Switches a test flips at run time. Setting `offline` opens or closes the port at once."""

    offline: bool = False  # connection refused
    hang: bool = False  # accept, never reply
    slow_reply_s: float = 0.0
    close_mid_reply: bool = False
    quirks: set[str] = field(default_factory=set)
    no_reply_to_power_off: bool = False
    no_reply_to_reboot: bool = False
    v3_only: bool = False  # 2025 firmware: v2 reads work, v2 writes fail
    token_exhaustion: bool = False  # get_token answers 136
    btminer_down: bool = False  # cgminer-side reads answer "Socket connect failed"
    drop_after_write: bool = False  # v3: carry out a set.* command, then close without a reply
    garbage_length: bool = False  # v3: replies announce a length far beyond the body
    token_error_code: int = -4  # v3: code for a wrong token (-1 per the older doc)
    unlock: Unlock = Unlock.ACCEPT  # the open_write_api handshake on the v2 port
    on_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        hook = getattr(self, "on_change", None)
        if name == "offline" and hook is not None:
            hook()


@dataclass(slots=True)
class Counters:
    connections: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    tokens_issued: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    self_restarts: int = 0  # stops that did not hold (btminer started again by itself)
    balance_restarts: int = 0  # restarts of a run asked for less than its hashboards' minimum


@dataclass(slots=True)
class Timing:
    """Durations in simulated seconds (idle timeout and log delay in real seconds)."""

    reboot_s: float = 45.0
    btminer_restart_s: float = 10.0
    warmup_s: float = 120.0
    fast_boot_warmup_s: float = 20.0
    power_fast_s: float = 1.0  # set_power_pct, power_percent "fast", power targets
    power_ramp_s: float = 180.0  # set_power_pct_v2, power_percent "normal"
    preheat_s: float = 30.0  # pre_power_on
    idle_timeout_s: float = 10.0
    token_lifetime_s: float = 1800.0
    log_delay_s: float = 0.01
    v3_idle_timeout_s: float = 300.0  # real seconds without a frame before 4433 hangs up
    self_restart_s: float = 90.0  # a stop that does not hold: hashing again this much later
    unstable_run_s: float = 60.0  # a run with a saved target below the minimum lasts this long
