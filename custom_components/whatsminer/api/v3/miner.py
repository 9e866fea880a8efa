"""V3Miner: the Miner interface over API v3 (WhatsMinerV3Client on one kept connection).

A poll is one `get.device.info` (identity, state, PSU, errors, salt, write switch) and one
`get.miner.status` (summary+edevs+pools). The three settings reads run on a slow cadence
(every 10 polls and 5 minutes, and after a write). Share counts, which v3 lacks, come from
the v2-compatible `pools` on port 4028 when it answers (optional; a failure is ignored).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import replace
import logging
import time

from ..errors import (
    DefaultPasswordError,
    MinerProcessDownError,
    NotAWhatsMinerError,
    UnsupportedCommandError,
    WhatsMinerApiError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WriteApiDisabledError,
)
from ..miner import (
    DEFAULT_PASSWORDS,
    DEFAULT_V2_PORT,
    DEFAULT_V3_PORT,
    Capabilities,
    Control,
    Detection,
    Miner,
    ProgressCallback,
    reported_fields,
)
from ..models import (
    ApiVersion,
    ErrorCode,
    HeatMode,
    LedColor,
    MinerSettings,
    MinerSnapshot,
    Pool,
    PoolConfig,
    PowerMode,
    Status,
    Summary,
    SyslogProto,
)
from ..v2.client import WhatsMinerClient
from ..v2.unlock import enable_writes
from .client import DEFAULT_PASSWORD, POLL_SECTIONS, WhatsMinerV3Client
from .parsers import DeviceInfo, MinerStatus, merge_settings

_LOGGER = logging.getLogger(__name__)

SLOW_REFRESH_POLLS = 10
SLOW_REFRESH_S = 300.0
SHARES_TIMEOUT_S = 3.0
UPFREQ_SPEED_MAX = 10

# The controls each command serves; a -2 answer removes them from the capabilities.
_COMMAND_CONTROLS: dict[str, frozenset[Control]] = {
    "set.miner.service": frozenset(
        {Control.MINING, Control.MINING_AT_BOOT, Control.RESTART_MINING}
    ),
    "set.system.reboot": frozenset({Control.REBOOT}),
    "set.miner.power_mode": frozenset({Control.POWER_MODE}),
    "set.miner.power_limit": frozenset({Control.POWER_LIMIT}),
    "set.miner.power": frozenset({Control.POWER_TARGET}),
    "set.miner.power_percent": frozenset(
        {Control.POWER_PERCENT_FAST, Control.POWER_PERCENT_GRADUAL}
    ),
    "set.miner.target_freq": frozenset({Control.TARGET_FREQ}),
    "set.miner.upfreq_speed": frozenset({Control.UPFREQ_SPEED}),
    "set.miner.fastboot": frozenset({Control.FAST_BOOT}),
    "set.miner.fast_hash": frozenset({Control.FAST_HASH}),
    "set.miner.heat_mode": frozenset({Control.HEAT_MODE}),
    "set.fan.temp_offset": frozenset({Control.TEMP_OFFSET}),
    "set.fan.poweroff_cool": frozenset({Control.POWEROFF_COOL}),
    "set.fan.zero_speed": frozenset({Control.FAN_ZERO_SPEED}),
    "set.system.webpools": frozenset({Control.WEB_POOLS}),
    "set.system.led": frozenset({Control.LED}),
    "set.miner.pools": frozenset({Control.POOLS}),
    "set.system.hostname": frozenset({Control.HOSTNAME}),
    "set.system.timezone": frozenset({Control.TIMEZONE}),
    "set.system.ntp_server": frozenset({Control.NTP_SERVERS}),
    "set.system.time_randomized": frozenset({Control.TIME_RANDOMIZED}),
    "set.log.upload": frozenset({Control.SYSLOG}),
    "set.system.net_config": frozenset({Control.NETWORK}),
    "set.user.change_passwd": frozenset({Control.PASSWORD}),
    "set.system.factory_reset": frozenset({Control.FACTORY_RESET}),
    "set.miner.restore_setting": frozenset({Control.RESTORE_SETTINGS}),
    "set.system.update_firmware": frozenset({Control.FIRMWARE}),
    "get.log.download": frozenset({Control.LOGS}),
    "set.device.custom_data": frozenset({Control.CUSTOM_DATA}),
    "set.miner.cointype": frozenset({Control.COIN_TYPE}),
    "set.user.permission": frozenset({Control.USER_PERMISSION}),
}


class V3Miner(Miner):
    """One miner spoken to with API v3. FAST_MINING, PRE_POWER_ON and RESTORE_POWER_PERCENT
    have no v3 command: the base class refuses them unsent."""

    CONTROLS = frozenset().union(*_COMMAND_CONTROLS.values())

    def __init__(
        self,
        host: str,
        *,
        password: str | None,
        port: int = DEFAULT_V3_PORT,
        v2_port: int | None = DEFAULT_V2_PORT,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = WhatsMinerV3Client(
            host, port, password, timeout=timeout, clock=clock, wall_clock=wall_clock
        )
        self._clock = clock
        self._timeout = timeout
        self._v2_port = DEFAULT_V2_PORT if v2_port is None else v2_port  # the handshake's
        # Share counts from the v2-compatible port (None: not asked).
        self._v2 = (
            None
            if v2_port is None
            else WhatsMinerClient(host, v2_port, timeout=min(timeout, SHARES_TIMEOUT_S))
        )
        self._shares_retry_at = 0.0
        self._shares: dict[tuple[str, str | None], Pool] = {}
        self._refused: set[Control] = set()
        self._snapshot: MinerSnapshot | None = None
        self._device: DeviceInfo | None = None
        self._settings = MinerSettings()
        self._slow_due = True
        self._slow_at = 0.0
        self._polls_since_slow = 0
        self._liquid = False
        self._fanless = False

    # ---- identity ------------------------------------------------------------------------

    @property
    def api(self) -> ApiVersion:
        return ApiVersion.V3

    @property
    def host(self) -> str:
        return self._client.host

    @property
    def port(self) -> int:
        return self._client.port

    @property
    def password(self) -> str | None:
        return self._client.password

    @property
    def client(self) -> WhatsMinerV3Client:
        return self._client

    def set_password(self, password: str | None) -> None:
        self._client.set_password(password)

    @property
    def capabilities(self) -> Capabilities:
        snapshot = self._snapshot
        return Capabilities(
            api=ApiVersion.V3,
            controls=self.CONTROLS - self._refused,
            readings=reported_fields(snapshot) if snapshot else frozenset(),
            upfreq_speed_max=UPFREQ_SPEED_MAX,
            power_max_w=snapshot.power_max_w if snapshot else None,
            board_count=self._device.board_count if self._device else None,
            fans=not self._fanless,
            liquid_cooled=self._liquid,
        )

    def invalidate_cache(self) -> None:
        self._slow_due = True

    async def close(self) -> None:
        await self._client.close()

    # ---- poll ----------------------------------------------------------------------------

    async def poll(self) -> MinerSnapshot:
        device = await self._client.get_device_info()
        if self._device is not None and device.version.fw_ver != self._device.version.fw_ver:
            self._slow_due = True  # new firmware: its settings may differ
        self._device = device
        try:
            status = await self._client.get_miner_status(
                POLL_SECTIONS, board_serials=device.board_serials
            )
        except MinerProcessDownError:
            status = MinerStatus()  # stopped: device info still tells everything else
        except WhatsMinerApiError:
            if device.mining is not False:
                raise
            status = MinerStatus()
        if self._slow_due or (
            self._polls_since_slow >= SLOW_REFRESH_POLLS
            and self._clock() - self._slow_at >= SLOW_REFRESH_S
        ):
            await self._refresh_settings()
            await self._refresh_shares(status.pools)
        else:
            self._polls_since_slow += 1
        # This poll's device info first (fresh), then the slow reads. The hostname comes from
        # get.system.setting only: network.hostname keeps the old name until a restart.
        settings = merge_settings(device.settings, self._settings)
        pools = self._with_shares(status.pools)
        summary = self._summary(status.summary or Summary(), device, settings, pools)
        self._learn_cooling(summary, device, settings)
        snapshot = MinerSnapshot(
            summary=summary,
            boards=status.boards,
            pools=pools,
            status=Status(
                mining=device.mining,
                firmware_version=device.version.fw_ver,
                power_mode=settings.power_mode,
                power_limit_set_w=device.power_limit_set_w,
                hash_percent=device.hash_percent,
            ),
            error_codes=device.error_codes,
            psu=device.psu,
            version=device.version,
            info=device.info,
            model=device.model,
            api=ApiVersion.V3,
            settings=settings,
            write_access=device.write_access,
            power_max_w=None,  # v3 reports no maximum of its own
            raw=dict(self._client.raw),
        )
        self._snapshot = snapshot
        return snapshot

    @staticmethod
    def _summary(
        summary: Summary, device: DeviceInfo, settings: MinerSettings, pools: tuple[Pool, ...]
    ) -> Summary:
        counted = [pool for pool in pools if pool.accepted is not None]
        return replace(
            summary,
            coolant_temp_c=device.coolant_temp_c,
            power_mode=settings.power_mode,
            fast_boot=settings.fast_boot,
            accepted=sum(p.accepted or 0 for p in counted) if counted else None,
            rejected=sum(p.rejected or 0 for p in counted) if counted else None,
        )

    def _learn_cooling(self, summary: Summary, device: DeviceInfo, settings: MinerSettings) -> None:
        """Hydro: fans at 0 RPM plus a coolant temperature or a heat mode. Learned only while
        hashing (a stopped air-cooled miner may idle its fans) and then kept."""
        if not summary.hashrate_ths:
            return
        fans_zero = summary.fan_in_rpm == 0 and summary.fan_out_rpm == 0
        liquid = fans_zero and (device.coolant_temp_c is not None or settings.heat_mode is not None)
        self._liquid = self._liquid or liquid
        self._fanless = self._fanless or fans_zero

    async def _refresh_settings(self) -> None:
        """The three settings reads; a failed one keeps what it said before."""
        parts: list[MinerSettings] = []
        for read in (
            self._client.get_miner_setting,
            self._client.get_fan_setting,
            self._client.get_system_setting,
        ):
            try:
                parts.append(await read())
            except (WhatsMinerApiError, WhatsMinerResponseError) as err:
                _LOGGER.debug("%s: a settings read failed: %s", self.host, err)
        self._settings = merge_settings(*parts, self._settings)
        self._slow_due = False
        self._slow_at = self._clock()
        self._polls_since_slow = 0

    async def _refresh_shares(self, pools: tuple[Pool, ...]) -> None:
        """Accepted/rejected/stale from the v2 port's `pools`, which v3 lacks. Read on the slow
        cadence only, so a steady poll stays on the one kept connection; a failure keeps the
        counts read before and waits for the next slow poll."""
        if self._v2 is None or not pools or self._clock() < self._shares_retry_at:
            return
        try:
            counted = await self._v2.pools()
        except WhatsMinerError as err:
            _LOGGER.debug("%s: no share counts on port %s: %s", self.host, self._v2.port, err)
            self._shares_retry_at = self._clock() + SLOW_REFRESH_S
            return
        self._shares = {(p.url, p.user): p for p in counted}

    def _with_shares(self, pools: tuple[Pool, ...]) -> tuple[Pool, ...]:
        """The pools with the share counts last read, matched by URL and worker."""
        return tuple(
            replace(pool, accepted=match.accepted, rejected=match.rejected, stale=match.stale)
            if (match := self._shares.get((pool.url, pool.user))) is not None
            and pool.accepted is None
            else pool
            for pool in pools
        )

    # ---- reads beyond poll ---------------------------------------------------------------

    async def get_pools(self) -> tuple[Pool, ...]:
        pools = await self._client.get_pools()
        await self._refresh_shares(pools)
        return self._with_shares(pools)

    async def get_error_codes(self) -> tuple[ErrorCode, ...]:
        return (await self._client.get_device_info("error-code")).error_codes

    # ---- password ------------------------------------------------------------------------

    async def verify_password(self) -> None:
        """Decide from device info where it can; otherwise send a write that changes nothing.

        v3 has no authenticated read. `set.miner.report {"gap": 0}` is the least intrusive
        write: per spec 4.13 it concerns the status pushes on this very connection only, and
        this connection never asked for any (no LED, pool, power or network state). Should
        a firmware lack it (-2), `set.system.led "auto"` is sent, but only while the LED
        already is in auto mode; otherwise nothing is left to try without side effects and
        the password is taken as it is.
        """
        device = await self._client.get_device_info()
        if device.write_access is False:
            raise WriteApiDisabledError("The miner's write API is switched off")
        if self._client.password == DEFAULT_PASSWORD:
            raise DefaultPasswordError("The miner still has the factory password 'super'")
        try:
            await self._client.set_report(0)
        except UnsupportedCommandError:
            if device.info.led_auto:
                await self._client.set_led_auto()

    async def enable_write_api(self, password: str | None = None) -> bool:
        """The 4028 handshake with the v2 admin `password` given, then the factory `admin`;
        checked with verify_password, which reads the write switch first and then sends a
        write that changes nothing, with this miner's `super` password."""
        passwords = [p for p in (password, DEFAULT_PASSWORDS[ApiVersion.V2]) if p]
        return await enable_writes(
            self.verify_password, self.host, self._v2_port, passwords, timeout=self._timeout
        )

    async def change_password(self, new: str) -> None:
        await self._run(self._client.change_password(new), "set.user.change_passwd")
        with suppress(WhatsMinerError):  # the next write fetches it otherwise
            await self._client.get_device_info("salt")

    # ---- controls ------------------------------------------------------------------------

    async def _run(self, call: Awaitable[None], cmd: str) -> None:
        """Run a write; learn a -2 refusal; make the next poll re-read the settings."""
        try:
            await call
        except UnsupportedCommandError as err:
            if err.sent:
                self._refused |= _COMMAND_CONTROLS.get(cmd, frozenset())
            raise
        finally:
            self.invalidate_cache()

    async def set_mining(self, on: bool) -> None:
        await self._service("start" if on else "stop")

    async def set_mining_at_boot(self, on: bool) -> None:
        await self._service("enable" if on else "disable")

    async def restart_mining(self) -> None:
        await self._service("restart")

    async def _service(self, action: str) -> None:
        await self._run(self._client.set_miner_service(action), "set.miner.service")

    async def reboot(self) -> None:
        await self._run(self._client.reboot(), "set.system.reboot")

    async def set_power_mode(self, mode: PowerMode) -> None:
        await self._run(self._client.set_power_mode(mode), "set.miner.power_mode")

    async def set_power_limit(self, watts: int) -> None:
        await self._run(self._client.set_power_limit(watts), "set.miner.power_limit")

    async def set_power_target(self, watts: int) -> None:
        await self._run(self._client.set_power(watts), "set.miner.power")

    async def set_power_percent(self, percent: int, *, fast: bool) -> None:
        await self._run(
            self._client.set_power_percent(percent, fast=fast), "set.miner.power_percent"
        )

    async def set_target_freq(self, percent: int) -> None:
        await self._run(self._client.set_target_freq(percent), "set.miner.target_freq")

    async def set_upfreq_speed(self, speed: int) -> None:
        await self._run(self._client.set_upfreq_speed(speed), "set.miner.upfreq_speed")

    async def set_fast_boot(self, on: bool) -> None:
        await self._run(self._client.set_fastboot(on), "set.miner.fastboot")

    async def set_fast_hash(self, on: bool) -> None:
        await self._run(self._client.set_fast_hash(on), "set.miner.fast_hash")

    async def set_heat_mode(self, mode: HeatMode) -> None:
        await self._run(self._client.set_heat_mode(mode), "set.miner.heat_mode")

    async def set_temp_offset(self, offset_c: int) -> None:
        await self._run(self._client.set_temp_offset(offset_c), "set.fan.temp_offset")

    async def set_poweroff_cool(self, on: bool) -> None:
        await self._run(self._client.set_poweroff_cool(on), "set.fan.poweroff_cool")

    async def set_fan_zero_speed(self, on: bool) -> None:
        await self._run(self._client.set_zero_speed(on), "set.fan.zero_speed")

    async def set_web_pools(self, on: bool) -> None:
        await self._run(self._client.set_webpools(on), "set.system.webpools")

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        call = self._client.set_led(
            color, period_ms=period_ms, duration_ms=duration_ms, start_ms=start_ms
        )
        await self._run(call, "set.system.led")

    async def set_led_auto(self) -> None:
        await self._run(self._client.set_led_auto(), "set.system.led")

    async def update_pools(self, pools: Sequence[PoolConfig]) -> None:
        await self._run(self._client.set_pools(pools), "set.miner.pools")

    async def set_hostname(self, hostname: str) -> None:
        await self._run(self._client.set_hostname(hostname), "set.system.hostname")

    async def set_timezone(self, timezone: str, zonename: str) -> None:
        await self._run(self._client.set_timezone(timezone, zonename), "set.system.timezone")

    async def set_ntp_servers(self, servers: Sequence[str]) -> None:
        await self._run(self._client.set_ntp_servers(servers), "set.system.ntp_server")

    async def set_time_randomized(self, start_s: int, stop_s: int) -> None:
        call = self._client.set_time_randomized(start_s, stop_s)
        await self._run(call, "set.system.time_randomized")

    async def set_syslog(self, ip: str, port: int, proto: SyslogProto) -> None:
        """v3 `set.log.upload`: stream the system log to that server."""
        await self._run(self._client.set_log_upload(ip, port, proto), "set.log.upload")

    async def net_config_dhcp(self) -> None:
        await self._run(self._client.net_config_dhcp(), "set.system.net_config")

    async def net_config_static(
        self, *, ip: str, mask: str, gateway: str, dns: Sequence[str], host: str | None = None
    ) -> None:
        """v3's net config has no hostname: it is set first (it applies at the reboot that
        the net config triggers)."""
        if host is not None:
            await self.set_hostname(host)
        call = self._client.net_config_static(ip=ip, netmask=mask, gateway=gateway, dns=dns)
        await self._run(call, "set.system.net_config")

    async def factory_reset(self) -> None:
        await self._run(self._client.factory_reset(), "set.system.factory_reset")

    async def restore_settings(self) -> None:
        await self._run(self._client.restore_setting(), "set.miner.restore_setting")

    async def update_firmware(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        call = self._client.update_firmware(chunks, size, progress=progress)
        await self._run(call, "set.system.update_firmware")

    async def download_logs(self, *, progress: ProgressCallback | None = None) -> bytes:
        try:
            return await self._client.download_logs(progress=progress)
        except UnsupportedCommandError as err:
            if err.sent:
                self._refused |= _COMMAND_CONTROLS["get.log.download"]
            raise

    async def set_custom_data(self, key: str, value: str) -> None:
        await self._run(self._client.set_custom_data(key, value), "set.device.custom_data")

    async def set_coin_type(self, coin: str) -> None:
        await self._run(self._client.set_cointype(coin), "set.miner.cointype")

    async def set_user_permission(self, user: str, commands: Sequence[str]) -> None:
        call = self._client.set_user_permission(user, commands)
        await self._run(call, "set.user.permission")


async def probe(
    host: str,
    port: int = DEFAULT_V3_PORT,
    *,
    timeout: float = 3.0,  # noqa: ASYNC109 - per connect and read
) -> Detection:
    """Spec 6.2: one `get.device.info` on the v3 port; `system.api` must start with "3."."""
    client = WhatsMinerV3Client(host, port, None, timeout=timeout)
    try:
        device = await client.get_device_info()
    except WhatsMinerResponseError as err:
        raise NotAWhatsMinerError(f"{host}:{port} does not speak WhatsMiner API v3") from err
    finally:
        await client.close()
    api_version = device.version.api_ver
    if not api_version or not api_version.startswith("3."):
        raise NotAWhatsMinerError(f"{host}:{port} reports API {api_version!r}, not 3.x")
    return Detection(
        api=ApiVersion.V3,
        port=port,
        api_version=api_version,
        firmware=device.version.fw_ver,
        model=device.model,
        mac=device.info.mac,
        hostname=device.info.hostname,
        write_access=device.write_access,
    )
