"""V2Miner: the Miner interface over API v2.0.5 (WhatsMinerClient on TCP 4028).

A thin adapter: it names the client's commands in the interface's words, adds what the
snapshot says about settings, and learns which commands this firmware lacks (code 14 to a
write whose parameters were already validated) so they leave the capabilities.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Sequence
import dataclasses
from typing import Any

from ..errors import (
    CommandRejectedError,
    MinerProcessDownError,
    MonitorOnlyError,
    UnsupportedCommandError,
    WhatsMinerApiError,
    WhatsMinerResponseError,
)
from ..miner import Capabilities, Control, Detection, Miner, ProgressCallback, reported_fields
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
    PrePowerOnState,
    Status,
    Summary,
    SyslogProto,
    Version,
)
from .client import DEFAULT_PASSWORD, DEFAULT_PORT, WhatsMinerClient
from .unlock import enable_writes

CODE_INVALID_COMMAND = 14  # "invalid cmd": the firmware does not know the command

# v2 spells the heat mode the MicroBT demo way.
_HEAT_MODES = {
    HeatMode.NORMAL: "normal",
    HeatMode.HEATING: "heating",
    HeatMode.ANTI_FREEZING: "anti-icing",
}


class V2Miner(Miner):
    """A miner spoken to with API v2.0.5."""

    CONTROLS = frozenset(Control) - {
        Control.NTP_SERVERS,
        Control.TIME_RANDOMIZED,
        Control.RESTORE_SETTINGS,
        Control.COIN_TYPE,
        Control.USER_PERMISSION,
    }

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        password: str | None = DEFAULT_PASSWORD,
        *,
        timeout: float = 10.0,
        client: WhatsMinerClient | None = None,
    ) -> None:
        self._password = password
        self.client = client or WhatsMinerClient(
            host, port, password or DEFAULT_PASSWORD, timeout=timeout
        )
        self._refused: set[Control] = set()
        self._last: MinerSnapshot | None = None
        self._detected: Version | None = None  # what detection read (adopt)

    @property
    def api(self) -> ApiVersion:
        return ApiVersion.V2

    @property
    def host(self) -> str:
        return self.client.host

    @property
    def port(self) -> int:
        return self.client.port

    @property
    def password(self) -> str | None:
        return self._password

    def set_password(self, password: str | None) -> None:
        self._password = password
        self.client = WhatsMinerClient(
            self.client.host, self.client.port, password or DEFAULT_PASSWORD
        )
        if self._detected is not None:
            self.client.assume_version(self._detected)

    @property
    def capabilities(self) -> Capabilities:
        snap = self._last
        # "Liquid Cooling" where summary says it; else fans at 0 RPM with a coolant reading
        # (v3 firmware's 4028 status has liquid_temp, its summary no such flag)
        liquid = bool(
            snap
            and (
                snap.summary.liquid_cooling
                or (
                    snap.summary.coolant_temp_c is not None
                    and not snap.summary.fan_in_rpm
                    and not snap.summary.fan_out_rpm
                )
            )
        )
        return Capabilities(
            api=ApiVersion.V2,
            controls=frozenset(self.CONTROLS - self._refused),
            readings=reported_fields(snap) if snap else frozenset(),
            upfreq_speed_max=9,
            board_count=len(snap.boards) if snap and snap.boards else None,
            fans=not liquid,
            liquid_cooled=liquid,
        )

    async def poll(self) -> MinerSnapshot:
        try:
            snapshot = await self.client.poll()
        except MinerProcessDownError:
            snapshot = await self._process_down_snapshot()
        status, summary = snapshot.status, snapshot.summary
        settings = MinerSettings(
            power_mode=(status.power_mode if status else None) or summary.power_mode,
            power_limit_w=status.power_limit_set_w if status else None,
            power_percent=status.power_percent if status else None,
            fast_boot=summary.fast_boot,
            fast_hash=status.fast_hash if status else None,
            fast_mining=status.fast_mining if status else None,
            hostname=snapshot.info.hostname if snapshot.info else None,
        )
        snapshot = dataclasses.replace(snapshot, api=ApiVersion.V2, settings=settings)
        self._last = snapshot
        return snapshot

    async def _process_down_snapshot(self) -> MinerSnapshot:
        """btminer is down (stopped, restarting): the control board still answers its own
        reads, so identity and errors stay known; nothing hashes."""
        previous = self._last
        info = previous.info if previous and previous.info else await self.client.get_miner_info()
        status = await self.client.status()
        return MinerSnapshot(
            summary=Summary(hashrate_ths=0.0, hashrate_avg_ths=0.0),
            status=Status(
                mining=False,
                mineroff_reason=status.mineroff_reason,
                mineroff_time=status.mineroff_time,
                firmware_version=status.firmware_version,
                power_mode=status.power_mode,
            ),
            error_codes=previous.error_codes if previous else (),
            psu=previous.psu if previous else None,
            version=previous.version if previous else None,
            info=info,
            model=previous.model if previous else None,
            process_down=True,
        )

    async def verify_password(self) -> None:
        self._writable()
        await self.client.verify_password()

    async def enable_write_api(self, password: str | None = None) -> bool:
        admin = password or self._password or DEFAULT_PASSWORD
        client = self.client
        if client.password != admin:  # the check writes with the password given
            client = WhatsMinerClient(self.host, self.port, admin, timeout=client.timeout)
            if self._detected is not None:
                client.assume_version(self._detected)
        check = await self._harmless_write(client)
        return await enable_writes(check, self.host, self.port, [admin], timeout=client.timeout)

    async def _harmless_write(self, client: WhatsMinerClient) -> Callable[[], Awaitable[None]]:
        """A write that changes nothing: `set_led auto` while the LED is in auto mode, else
        the fast-boot setting the last poll read written again (it applies at the next
        start anyway); with neither known, an encrypted read (a token and get_version)."""
        try:
            led_auto = (await client.get_miner_info()).led_auto
        except (WhatsMinerApiError, WhatsMinerResponseError):
            led_auto = None
        if led_auto:
            return client.set_led_auto
        fast_boot = self._last.summary.fast_boot if self._last is not None else None
        if fast_boot is not None:
            return lambda: client.set_fast_boot(fast_boot)
        return client.verify_password

    def adopt(self, detection: Detection) -> None:
        if detection.api is ApiVersion.V2:
            self._detected = Version(
                api_ver=detection.api_version, fw_ver=detection.firmware, miner_type=detection.model
            )
            self.client.assume_version(self._detected)

    def invalidate_cache(self) -> None:
        self.client.invalidate_cache()

    # ---- plumbing ----------------------------------------------------------------------

    def _writable(self) -> None:
        if self._password is None:
            raise MonitorOnlyError("No password was given: this miner is monitored only")

    async def _write[T](self, control: Control, call: Coroutine[Any, Any, T]) -> T:
        """Run one client write; code 14 means this firmware lacks the command."""
        try:
            self._writable()
            if control in self._refused:
                raise UnsupportedCommandError(str(control))
        except Exception:
            call.close()  # the coroutine was never awaited
            raise
        try:
            return await call
        except CommandRejectedError as err:
            if err.code != CODE_INVALID_COMMAND or isinstance(err, UnsupportedCommandError):
                raise
            self._refused.add(control)
            raise UnsupportedCommandError(str(control), sent=True) from err

    # ---- reads -------------------------------------------------------------------------

    async def get_pools(self) -> tuple[Pool, ...]:
        return await self.client.pools()

    async def get_error_codes(self) -> tuple[ErrorCode, ...]:
        return await self.client.get_error_code()

    # ---- controls ----------------------------------------------------------------------

    async def set_mining(self, on: bool) -> None:
        call = self.client.power_on() if on else self.client.power_off()
        await self._write(Control.MINING, call)

    async def set_mining_at_boot(self, on: bool) -> None:
        await self._write(Control.MINING_AT_BOOT, self.client.set_btminer_init(on))

    async def restart_mining(self) -> None:
        await self._write(Control.RESTART_MINING, self.client.restart_btminer())

    async def reboot(self) -> None:
        await self._write(Control.REBOOT, self.client.reboot())

    async def set_power_mode(self, mode: PowerMode) -> None:
        await self._write(Control.POWER_MODE, self.client.set_power_mode(mode))

    async def set_power_limit(self, watts: int) -> None:
        await self._write(Control.POWER_LIMIT, self.client.adjust_power_limit(watts))

    async def set_power_target(self, watts: int) -> None:
        await self._write(Control.POWER_TARGET, self.client.set_power(watts))

    async def set_power_percent(self, percent: int, *, fast: bool) -> None:
        if fast:
            await self._write(Control.POWER_PERCENT_FAST, self.client.set_power_pct(percent))
        else:
            await self._write(Control.POWER_PERCENT_GRADUAL, self.client.set_power_pct_v2(percent))

    async def restore_power_percent(self) -> None:
        await self._write(Control.RESTORE_POWER_PERCENT, self.client.restore_power_pct())

    async def set_target_freq(self, percent: int) -> None:
        await self._write(Control.TARGET_FREQ, self.client.set_target_freq(percent))

    async def set_upfreq_speed(self, speed: int) -> None:
        await self._write(Control.UPFREQ_SPEED, self.client.adjust_upfreq_speed(speed))

    async def set_fast_boot(self, on: bool) -> None:
        await self._write(Control.FAST_BOOT, self.client.set_fast_boot(on))

    async def set_fast_hash(self, on: bool) -> None:
        await self._write(Control.FAST_HASH, self.client.set_fast_hash(on))

    async def set_fast_mining(self, on: bool) -> None:
        await self._write(Control.FAST_MINING, self.client.set_fast_mining(on))

    async def set_heat_mode(self, mode: HeatMode) -> None:
        await self._write(Control.HEAT_MODE, self.client.set_heat_mode(_HEAT_MODES[mode]))

    async def set_temp_offset(self, offset_c: int) -> None:
        await self._write(Control.TEMP_OFFSET, self.client.set_temp_offset(offset_c))

    async def set_poweroff_cool(self, on: bool) -> None:
        await self._write(Control.POWEROFF_COOL, self.client.set_poweroff_cool(on))

    async def set_fan_zero_speed(self, on: bool) -> None:
        await self._write(Control.FAN_ZERO_SPEED, self.client.set_fan_zero_speed(on))

    async def set_web_pools(self, on: bool) -> None:
        await self._write(Control.WEB_POOLS, self.client.set_web_pools(on))

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        call = self.client.set_led(
            color, period_ms=period_ms, duration_ms=duration_ms, start_ms=start_ms
        )
        await self._write(Control.LED, call)

    async def set_led_auto(self) -> None:
        await self._write(Control.LED, self.client.set_led_auto())

    async def update_pools(self, pools: Sequence[PoolConfig]) -> None:
        await self._write(Control.POOLS, self.client.update_pools(pools))

    async def set_hostname(self, hostname: str) -> None:
        await self._write(Control.HOSTNAME, self.client.set_hostname(hostname))

    async def set_timezone(self, timezone: str, zonename: str) -> None:
        await self._write(Control.TIMEZONE, self.client.set_zone(timezone, zonename))

    async def set_syslog(self, ip: str, port: int, proto: SyslogProto) -> None:
        await self._write(Control.SYSLOG, self.client.load_log(ip, port, proto))

    async def net_config_dhcp(self) -> None:
        await self._write(Control.NETWORK, self.client.net_config_dhcp())

    async def net_config_static(
        self, *, ip: str, mask: str, gateway: str, dns: Sequence[str], host: str | None = None
    ) -> None:
        hostname = host
        if hostname is None and self._last is not None and self._last.info is not None:
            hostname = self._last.info.hostname
        call = self.client.net_config_static(
            ip=ip, mask=mask, gateway=gateway, dns=dns, host=hostname or "WhatsMiner"
        )
        await self._write(Control.NETWORK, call)

    async def change_password(self, new: str) -> None:
        await self._write(Control.PASSWORD, self.client.update_pwd(self.client.password, new))
        self._password = new  # the client already writes with the new password

    async def factory_reset(self) -> None:
        await self._write(Control.FACTORY_RESET, self.client.factory_reset())

    async def update_firmware(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        call = self.client.update_firmware(chunks, size, progress=progress)
        await self._write(Control.FIRMWARE, call)

    async def download_logs(self, *, progress: ProgressCallback | None = None) -> bytes:
        return await self._write(Control.LOGS, self.client.download_logs(progress=progress))

    async def set_custom_data(self, key: str, value: str) -> None:
        await self._write(Control.CUSTOM_DATA, self.client.set_customer_msg(key, value))

    async def pre_power_on(self, *, complete: bool, msg: str) -> PrePowerOnState:
        call = self.client.pre_power_on(complete=complete, msg=msg)
        return await self._write(Control.PRE_POWER_ON, call)


__all__ = ["DEFAULT_PASSWORD", "DEFAULT_PORT", "V2Miner"]
