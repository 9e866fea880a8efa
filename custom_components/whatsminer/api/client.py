"""WhatsMinerClient: one typed method per API command, a token cache, and poll().

CONTRACT STUB: the signatures below are the interface the integration codes against.
The bodies are being implemented (issue 2); do not change a signature without telling
everyone who uses it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Sequence
from typing import Any

from .models import (
    Board,
    ErrorCode,
    LedColor,
    MinerInfo,
    MinerSnapshot,
    Pool,
    PoolConfig,
    PowerMode,
    PrePowerOnState,
    Psu,
    Status,
    Summary,
    SyslogProto,
    Version,
)

DEFAULT_PORT = 4028
DEFAULT_PASSWORD = "admin"  # noqa: S105 - the factory default, documented by MicroBT

# progress(bytes_sent, total_bytes)
ProgressCallback = Callable[[int, int], None]


class WhatsMinerClient:
    """Talks to one miner. Safe to share between tasks; tokens are cached per client.

    Timeouts: `timeout` bounds connecting and each read of an ordinary command.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        password: str = DEFAULT_PASSWORD,
        *,
        timeout: float = 10.0,
    ) -> None:
        raise NotImplementedError

    @property
    def host(self) -> str:
        raise NotImplementedError

    @property
    def port(self) -> int:
        raise NotImplementedError

    @property
    def password(self) -> str:
        raise NotImplementedError

    # ---- whole-miner reads -------------------------------------------------------------

    async def poll(self) -> MinerSnapshot:
        """Gather a snapshot in at most 3 connections and no token request in steady state.

        Version, miner info, devdetails and psu are cached and refreshed on a slower cadence
        or after actions that change them (call `invalidate_cache()` to force it).
        """
        raise NotImplementedError

    def invalidate_cache(self) -> None:
        """Make the next poll re-read the slow-changing reads (version, info, model, psu)."""
        raise NotImplementedError

    async def verify_password(self) -> None:
        """Check the password without side effects: a token plus one encrypted read.

        Raises AuthenticationError when it is wrong, WriteApiDisabledError,
        TokenLimitError or UnsupportedFirmwareError where those apply.
        """
        raise NotImplementedError

    async def command(self, cmd: str, **params: Any) -> Any:
        """Send any command (encrypted when it is a write) and return the raw reply dict."""
        raise NotImplementedError

    # ---- reads (plaintext) ---------------------------------------------------------------

    async def summary(self) -> Summary:
        raise NotImplementedError

    async def pools(self) -> tuple[Pool, ...]:
        raise NotImplementedError

    async def edevs(self) -> tuple[Board, ...]:
        raise NotImplementedError

    async def devs(self) -> tuple[Board, ...]:
        raise NotImplementedError

    async def devdetails(self) -> str | None:
        """The miner model, e.g. "M30S+VE40"."""
        raise NotImplementedError

    async def get_psu(self) -> Psu:
        raise NotImplementedError

    async def get_version(self) -> Version:
        raise NotImplementedError

    async def status(self) -> Status:
        raise NotImplementedError

    async def get_miner_info(self) -> MinerInfo:
        raise NotImplementedError

    async def get_error_code(self) -> tuple[ErrorCode, ...]:
        raise NotImplementedError

    # ---- writes (encrypted, need the admin password) -------------------------------------

    async def update_pools(self, pools: Sequence[PoolConfig]) -> None:
        """Replace the pool list with one to three pools."""
        raise NotImplementedError

    async def restart_btminer(self) -> None:
        raise NotImplementedError

    async def power_off(self, *, respbefore: bool = True) -> None:
        raise NotImplementedError

    async def power_on(self) -> None:
        raise NotImplementedError

    async def set_led_auto(self) -> None:
        raise NotImplementedError

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        """Manual LED: flash `color` with on-time `duration_ms` every `period_ms`."""
        raise NotImplementedError

    async def set_power_mode(self, mode: PowerMode) -> None:
        """set_low_power / set_normal_power / set_high_power; btminer restarts."""
        raise NotImplementedError

    async def update_firmware(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Upload a firmware file of `size` bytes streamed from `chunks`.

        Returns once the miner took the whole file; the miner then reboots.
        """
        raise NotImplementedError

    async def reboot(self) -> None:
        raise NotImplementedError

    async def factory_reset(self) -> None:
        raise NotImplementedError

    async def update_pwd(self, old: str, new: str) -> None:
        """Change the admin password; the client then uses the new one."""
        raise NotImplementedError

    async def net_config_dhcp(self) -> None:
        raise NotImplementedError

    async def net_config_static(
        self, *, ip: str, mask: str, gateway: str, dns: Sequence[str], host: str
    ) -> None:
        raise NotImplementedError

    async def download_logs(self, *, progress: ProgressCallback | None = None) -> bytes:
        """The miner's logs as the bytes of a .tgz file."""
        raise NotImplementedError

    async def set_target_freq(self, percent: int) -> None:
        """-100..100; btminer restarts."""
        raise NotImplementedError

    async def set_fast_boot(self, enabled: bool) -> None:
        """enable_btminer_fast_boot / disable_btminer_fast_boot."""
        raise NotImplementedError

    async def set_web_pools(self, enabled: bool) -> None:
        """enable_web_pools / disable_web_pools."""
        raise NotImplementedError

    async def set_hostname(self, hostname: str) -> None:
        raise NotImplementedError

    async def set_zone(self, timezone: str, zonename: str) -> None:
        """E.g. ("CST-8", "Asia/Shanghai")."""
        raise NotImplementedError

    async def load_log(self, ip: str, port: int, proto: SyslogProto) -> None:
        """Configure the remote syslog server."""
        raise NotImplementedError

    async def set_power_pct(self, percent: int) -> None:
        """Fast mode (about 1 s), 0..100."""
        raise NotImplementedError

    async def set_power_pct_v2(self, percent: int) -> None:
        """Normal mode (gradual), 0..100."""
        raise NotImplementedError

    async def pre_power_on(self, *, complete: bool, msg: str) -> PrePowerOnState:
        raise NotImplementedError

    async def set_temp_offset(self, offset: int) -> None:
        """-30..0 degrees C."""
        raise NotImplementedError

    async def adjust_power_limit(self, watts: int) -> None:
        """0..99999 W; the miner restarts mining when it takes effect."""
        raise NotImplementedError

    async def adjust_upfreq_speed(self, speed: int) -> None:
        """0 (normal) .. 9 (fastest)."""
        raise NotImplementedError

    async def set_poweroff_cool(self, enabled: bool) -> None:
        raise NotImplementedError

    async def set_fan_zero_speed(self, enabled: bool) -> None:
        raise NotImplementedError

    async def set_heat_mode(self, mode: str) -> None:
        """Hydro models, e.g. "heating", "anti-icing", "normal"."""
        raise NotImplementedError

    async def set_btminer_init(self, enabled: bool) -> None:
        """enable_btminer_init / disable_btminer_init: mining at boot."""
        raise NotImplementedError

    async def set_power(self, watts: int) -> None:
        raise NotImplementedError

    async def restore_power_pct(self) -> None:
        raise NotImplementedError

    async def set_customer_msg(self, key: str, value: str) -> None:
        raise NotImplementedError

    async def set_fast_mining(self, enabled: bool) -> None:
        raise NotImplementedError

    async def set_fast_hash(self, enabled: bool) -> None:
        raise NotImplementedError
