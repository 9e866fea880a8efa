"""Which API a miner speaks (spec v3 section 6.2: v3 first, else v2), and `AutoMiner`.

`detect` probes the two ports; `create_miner` builds the backend for an API; `AutoMiner` is
the `Miner` Home Assistant holds: it detects, keeps the answer, delegates to that backend,
and detects again after a firmware change. The only module of the client that imports both
backends (`v2`, `v3`); they import `miner` (the interface), never this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from contextlib import suppress
import dataclasses
from dataclasses import dataclass
import logging
import time

from .errors import (
    MinerProcessDownError,
    NotAWhatsMinerError,
    UnsupportedCommandError,
    UnsupportedFirmwareError,
    WhatsMinerApiError,
    WhatsMinerConnectionError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WhatsMinerTimeoutError,
)
from .miner import (
    ALTERNATIVE_MINING,
    DEFAULT_V2_PORT,
    DEFAULT_V3_PORT,
    Capabilities,
    Detection,
    Miner,
    ProgressCallback,
)
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
    Version,
)
from .v2.client import WhatsMinerClient
from .v2.miner import V2Miner
from .v3.framing import ConnectionClosedError
from .v3.miner import V3Miner, probe

_LOGGER = logging.getLogger(__name__)

# When v2 was chosen because 4433 did not answer although the firmware is of the v3 era
# (a v3 port restarting, say), 4433 is probed again on a poll this often.
V3_RECHECK_S = 300.0
PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class _V3Probe:
    """What the v3 port said: a detection, nothing (no connection), or something else."""

    connected: bool  # a TCP connection was made (it counts against the budget of two)
    detection: Detection | None = None
    foreign: str | None = None  # what answered, when it was not a v3 WhatsMiner


async def _probe_v3(host: str, port: int, timeout: float) -> _V3Probe:  # noqa: ASYNC109
    """One `get.device.info` on the v3 port (spec 6.2 step 1), as api/v3 sends it."""
    try:
        return _V3Probe(connected=True, detection=await probe(host, port, timeout=timeout))
    except (WhatsMinerApiError, WhatsMinerResponseError) as err:  # NotAWhatsMinerError too
        return _V3Probe(connected=True, foreign=str(err))
    except (ConnectionClosedError, WhatsMinerTimeoutError):
        # Accepted and then closed or silent (a timeout may also be the connect's: counted
        # as a connection, so the budget of two holds either way).
        return _V3Probe(connected=True)
    except WhatsMinerConnectionError:  # refused: no connection was made
        return _V3Probe(connected=False)


async def _probe_v2(host: str, port: int, timeout: float, *, reads: int) -> Detection:  # noqa: ASYNC109
    """`get_version` on the v2 port, plus `get_miner_info` when `reads` allows a second one."""
    client = WhatsMinerClient(host, port, timeout=timeout)
    try:
        version = await client.get_version()
    except MinerProcessDownError:  # the API answers, btminer is down: still a WhatsMiner
        return Detection(api=ApiVersion.V2, port=port)
    except (WhatsMinerApiError, WhatsMinerResponseError) as err:
        raise NotAWhatsMinerError(
            f"{host}:{port} does not answer get_version like a WhatsMiner: {err}"
        ) from err
    if not (version.api_ver or version.fw_ver):
        raise NotAWhatsMinerError(f"{host}:{port} answers get_version without a version")
    info = None
    if reads > 1:
        with suppress(WhatsMinerError):
            info = await client.get_miner_info()
    return Detection(
        api=ApiVersion.V2,
        port=port,
        api_version=version.api_ver,
        firmware=version.fw_ver,
        model=version.miner_type,
        mac=info.mac if info else None,
        hostname=info.hostname if info else None,
    )


async def detect(
    host: str,
    *,
    v2_port: int = DEFAULT_V2_PORT,
    v3_port: int = DEFAULT_V3_PORT,
    timeout: float = PROBE_TIMEOUT_S,  # noqa: ASYNC109 - per probe, not for the whole call
) -> Detection:
    """Probe v3 (get.device.info with system.api 3.x) first, else v2 (get_version).

    At most two connections: when the v3 port refuses, the v2 probe also reads
    get_miner_info (MAC, hostname); when it accepted a connection, get_version alone.
    Raises WhatsMinerConnectionError when neither answers and NotAWhatsMinerError when
    something answers that is not a WhatsMiner. The firmware date decides nothing.
    """
    v3 = await _probe_v3(host, v3_port, timeout)
    if v3.detection is not None:
        return v3.detection
    try:
        return await _probe_v2(host, v2_port, timeout, reads=1 if v3.connected else 2)
    except WhatsMinerConnectionError as err:
        if v3.foreign is not None:
            raise NotAWhatsMinerError(
                f"{host}:{v3_port} answers, but not as a WhatsMiner ({v3.foreign}), "
                f"and {v2_port} does not answer: {err}"
            ) from err
        raise WhatsMinerConnectionError(
            f"{host} answers neither on {v3_port} (API v3) nor on {v2_port} (API v2): {err}"
        ) from err


def create_miner(
    host: str,
    api: ApiVersion,
    *,
    password: str | None,
    v2_port: int = DEFAULT_V2_PORT,
    v3_port: int = DEFAULT_V3_PORT,
    timeout: float = 10.0,
) -> Miner:
    """The backend for `api`."""
    if api is ApiVersion.V2:
        return V2Miner(host, v2_port, password, timeout=timeout)
    return V3Miner(host, password=password, port=v3_port, v2_port=v2_port, timeout=timeout)


def _lost_protocol(err: WhatsMinerError) -> bool:
    """Whether an error says the backend's port no longer speaks its protocol: refused or
    reset connections, replies it cannot read, firmware that takes writes only through v3.
    Timeouts (a miner that is off or far) and a stopped btminer are not."""
    if isinstance(err, WhatsMinerTimeoutError | MinerProcessDownError):
        return False
    return isinstance(
        err, WhatsMinerConnectionError | WhatsMinerResponseError | UnsupportedFirmwareError
    )


def _firmware_seen(snapshot: MinerSnapshot) -> str | None:
    """The firmware a poll read: status first (read on every v2 poll), else the snapshot's."""
    if snapshot.status is not None and snapshot.status.firmware_version:
        return snapshot.status.firmware_version
    return snapshot.firmware_version


class AutoMiner(Miner):
    """The miner Home Assistant holds: detects the API on first use (unless `api` is given,
    e.g. remembered from the last run), delegates to that backend, and detects again when a
    poll shows another firmware version or the backend's port stops speaking its protocol.
    `api` tells which API is in use now (None before the first detection).

    How Home Assistant learns that the API changed: every snapshot carries the API it was
    read with (`snapshot.api`); when it differs from the one remembered, remember the new one
    (it is also `AutoMiner.api`, and `detection` holds what the last detection learned).

    Retries: a read or poll that failed because the port stopped speaking its protocol is
    sent once more after a successful re-detection; a write never is (it is re-raised, and
    the next call uses what the re-detection found).
    """

    def __init__(
        self,
        host: str,
        *,
        password: str | None,
        api: ApiVersion | None = None,
        v2_port: int = DEFAULT_V2_PORT,
        v3_port: int = DEFAULT_V3_PORT,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host = host
        self._password = password
        self._v2_port = v2_port
        self._v3_port = v3_port
        self._timeout = timeout
        self._probe_timeout = min(timeout, PROBE_TIMEOUT_S)
        self._clock = clock
        self._backend: Miner | None = None if api is None else self._create(api)
        self._detection: Detection | None = None
        self._detect_due = api is None
        self._firmware: str | None = None  # what the polls since the last detection read
        self._v3_recheck_at: float | None = None
        self._detect_lock = asyncio.Lock()
        self.detections = 0  # detections run, for diagnostics and measurements

    # ---- identity -------------------------------------------------------------------------

    @property
    def api(self) -> ApiVersion | None:
        return self._backend.api if self._backend is not None else None

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The port of the API in use; the v2 port before the first detection."""
        return self._backend.port if self._backend is not None else self._v2_port

    @property
    def password(self) -> str | None:
        return self._password

    def set_password(self, password: str | None) -> None:
        self._password = password
        if self._backend is not None:
            self._backend.set_password(password)

    @property
    def capabilities(self) -> Capabilities:
        """The backend's; before the first detection nothing is known (no controls)."""
        if self._backend is None:
            return Capabilities(api=ApiVersion.V2)
        return self._backend.capabilities

    @property
    def detection(self) -> Detection | None:
        """What the last detection learned (None when none ran: `api` was given)."""
        return self._detection

    @property
    def backend(self) -> Miner | None:
        """The backend in use (None before the first detection)."""
        return self._backend

    # ---- detection ------------------------------------------------------------------------

    def _create(self, api: ApiVersion) -> Miner:
        return create_miner(
            self._host,
            api,
            password=self._password,
            v2_port=self._v2_port,
            v3_port=self._v3_port,
            timeout=self._timeout,
        )

    async def _use(self, detection: Detection) -> None:
        """Switch to (or keep) the backend for `detection`."""
        backend = self._backend
        if backend is None or backend.api is not detection.api:
            if backend is not None:
                await backend.close()
            backend = self._create(detection.api)
        else:
            backend.invalidate_cache()  # new firmware, same API: re-read what is cached
        backend.adopt(detection)
        self._backend, self._detection = backend, detection
        self._detect_due = False
        self._firmware = None
        self._v3_recheck_at = self._clock() + V3_RECHECK_S if self._v3_era() else None

    async def _detect(self) -> None:
        async with self._detect_lock:
            if self._backend is not None and not self._detect_due:
                return  # another task detected while this one waited
            self.detections += 1
            detection = await detect(
                self._host,
                v2_port=self._v2_port,
                v3_port=self._v3_port,
                timeout=self._probe_timeout,
            )
            await self._use(detection)

    async def _redetect(self) -> bool:
        """Detect again after a failure; True when it worked (the caller may retry a read)."""
        self._detect_due = True
        try:
            await self._detect()
        except WhatsMinerError as err:
            _LOGGER.debug("%s: detection failed: %s", self._host, err)
            return False
        return True

    async def ready(self) -> Miner:
        """The backend, detecting first when that is due."""
        if self._backend is None or self._detect_due:
            await self._detect()
        assert self._backend is not None
        return self._backend

    def _v3_era(self) -> bool:
        """On v2, with firmware of the API v3 era (as the polls or the detection read it)."""
        if self.api is not ApiVersion.V2:
            return False
        firmware = self._firmware or (self._detection.firmware if self._detection else None)
        return Version(fw_ver=firmware).v3_only

    async def _to_v3(self) -> bool:
        """On v2: switch to API v3 when 4433 answers as v3 (one connection). True if it did."""
        if self.api is not ApiVersion.V2:
            return False
        probe = await _probe_v3(self._host, self._v3_port, self._probe_timeout)
        if probe.detection is None:
            return False
        await self._use(probe.detection)
        return True

    async def _recheck_v3(self) -> None:
        """On v2 with v3-era firmware: does 4433 answer now? One connection at most."""
        if self._v3_recheck_at is None or self._clock() < self._v3_recheck_at:
            return
        if not await self._to_v3():  # the recheck is only ever due on v2
            self._v3_recheck_at = self._clock() + V3_RECHECK_S

    async def _read[T](self, call: Callable[[Miner], Awaitable[T]]) -> T:
        backend = await self.ready()
        try:
            return await call(backend)
        except WhatsMinerError as err:
            if not _lost_protocol(err) or not await self._redetect():
                raise
        return await call(await self.ready())

    async def _write[T](self, call: Callable[[Miner], Awaitable[T]]) -> T:
        backend = await self.ready()
        try:
            return await call(backend)
        except WhatsMinerError as err:
            if _lost_protocol(err):
                await self._redetect()
            raise

    # ---- reads ----------------------------------------------------------------------------

    async def poll(self) -> MinerSnapshot:
        if self._backend is not None and not self._detect_due:
            await self._recheck_v3()
        snapshot = await self._read(lambda m: m.poll())
        firmware = _firmware_seen(snapshot)
        if firmware and self._firmware and firmware != self._firmware:
            _LOGGER.debug("%s: firmware %s -> %s", self._host, self._firmware, firmware)
            before = self.api
            if await self._redetect() and self.api is not before:
                snapshot = await self._read(lambda m: m.poll())
                firmware = _firmware_seen(snapshot)
        self._firmware = firmware or self._firmware
        if (
            self._v3_recheck_at is None
            and self.api is ApiVersion.V2
            and snapshot.version is not None
            and snapshot.version.v3_only
        ):
            # v2 remembered (no detection ran), yet v3-era firmware: ask 4433 next time
            self._v3_recheck_at = self._clock()
        if snapshot.api is None:
            snapshot = dataclasses.replace(snapshot, api=self.api)
        return snapshot

    async def verify_password(self) -> None:
        await self._read(lambda m: m.verify_password())

    async def enable_write_api(self, password: str | None = None) -> bool:
        return await self._write(lambda m: m.enable_write_api(password))

    def invalidate_cache(self) -> None:
        if self._backend is not None:
            self._backend.invalidate_cache()

    async def close(self) -> None:
        if self._backend is not None:
            await self._backend.close()

    async def get_pools(self) -> tuple[Pool, ...]:
        return await self._read(lambda m: m.get_pools())

    async def get_error_codes(self) -> tuple[ErrorCode, ...]:
        return await self._read(lambda m: m.get_error_codes())

    # ---- controls: each goes to the backend once ------------------------------------------

    async def set_mining(self, on: bool) -> None:
        """Firmware of the API v3 era starts and stops through API v3 only: spoken to over
        v2 (4433 did not answer when it was detected), it asks 4433 first; when that still
        does not answer, the v2 backend refuses unsent. Never a v2 `power_off` there: on an
        M64 with 20250409.15.REL it did not hold (spec v3 4.4.1, 6.3)."""
        await self.ready()
        if self._v3_era():
            await self._to_v3()
        await self._write(lambda m: m.set_mining(on))

    async def set_mining_alternative(self, on: bool) -> None:
        """The other route, for one retry: API v3's `set.miner.service` on a miner spoken to
        over v2 whose 4433 answers as v3 (early v3 firmware that detection missed). None on
        v3: its firmware is never started or stopped over v2; none on pure v2 firmware."""
        await self.ready()
        if not await self._to_v3():
            raise UnsupportedCommandError(ALTERNATIVE_MINING)
        await self._write(lambda m: m.set_mining(on))

    async def set_mining_at_boot(self, on: bool) -> None:
        await self._write(lambda m: m.set_mining_at_boot(on))

    async def restart_mining(self) -> None:
        await self._write(lambda m: m.restart_mining())

    async def reboot(self) -> None:
        await self._write(lambda m: m.reboot())

    async def set_power_mode(self, mode: PowerMode) -> None:
        await self._write(lambda m: m.set_power_mode(mode))

    async def set_power_limit(self, watts: int) -> None:
        await self._write(lambda m: m.set_power_limit(watts))

    async def set_power_target(self, watts: int) -> None:
        await self._write(lambda m: m.set_power_target(watts))

    async def set_power_percent(self, percent: int, *, fast: bool) -> None:
        await self._write(lambda m: m.set_power_percent(percent, fast=fast))

    async def restore_power_percent(self) -> None:
        await self._write(lambda m: m.restore_power_percent())

    async def set_target_freq(self, percent: int) -> None:
        await self._write(lambda m: m.set_target_freq(percent))

    async def set_upfreq_speed(self, speed: int) -> None:
        await self._write(lambda m: m.set_upfreq_speed(speed))

    async def set_fast_boot(self, on: bool) -> None:
        await self._write(lambda m: m.set_fast_boot(on))

    async def set_fast_hash(self, on: bool) -> None:
        await self._write(lambda m: m.set_fast_hash(on))

    async def set_fast_mining(self, on: bool) -> None:
        await self._write(lambda m: m.set_fast_mining(on))

    async def set_heat_mode(self, mode: HeatMode) -> None:
        await self._write(lambda m: m.set_heat_mode(mode))

    async def set_temp_offset(self, offset_c: int) -> None:
        await self._write(lambda m: m.set_temp_offset(offset_c))

    async def set_poweroff_cool(self, on: bool) -> None:
        await self._write(lambda m: m.set_poweroff_cool(on))

    async def set_fan_zero_speed(self, on: bool) -> None:
        await self._write(lambda m: m.set_fan_zero_speed(on))

    async def set_web_pools(self, on: bool) -> None:
        await self._write(lambda m: m.set_web_pools(on))

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        await self._write(
            lambda m: m.set_led(
                color, period_ms=period_ms, duration_ms=duration_ms, start_ms=start_ms
            )
        )

    async def set_led_auto(self) -> None:
        await self._write(lambda m: m.set_led_auto())

    async def update_pools(self, pools: Sequence[PoolConfig]) -> None:
        await self._write(lambda m: m.update_pools(pools))

    async def set_hostname(self, hostname: str) -> None:
        await self._write(lambda m: m.set_hostname(hostname))

    async def set_timezone(self, timezone: str, zonename: str) -> None:
        await self._write(lambda m: m.set_timezone(timezone, zonename))

    async def set_ntp_servers(self, servers: Sequence[str]) -> None:
        await self._write(lambda m: m.set_ntp_servers(servers))

    async def set_time_randomized(self, start_s: int, stop_s: int) -> None:
        await self._write(lambda m: m.set_time_randomized(start_s, stop_s))

    async def set_syslog(self, ip: str, port: int, proto: SyslogProto) -> None:
        await self._write(lambda m: m.set_syslog(ip, port, proto))

    async def net_config_dhcp(self) -> None:
        await self._write(lambda m: m.net_config_dhcp())

    async def net_config_static(
        self, *, ip: str, mask: str, gateway: str, dns: Sequence[str], host: str | None = None
    ) -> None:
        await self._write(
            lambda m: m.net_config_static(ip=ip, mask=mask, gateway=gateway, dns=dns, host=host)
        )

    async def change_password(self, new: str) -> None:
        await self._write(lambda m: m.change_password(new))
        self._password = new

    async def factory_reset(self) -> None:
        await self._write(lambda m: m.factory_reset())

    async def restore_settings(self) -> None:
        await self._write(lambda m: m.restore_settings())

    async def update_firmware(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Upload; the new firmware may speak another API, so the next call detects again."""
        await self._write(lambda m: m.update_firmware(chunks, size, progress=progress))
        self._detect_due = True

    async def download_logs(self, *, progress: ProgressCallback | None = None) -> bytes:
        return await self._write(lambda m: m.download_logs(progress=progress))

    async def set_custom_data(self, key: str, value: str) -> None:
        await self._write(lambda m: m.set_custom_data(key, value))

    async def pre_power_on(self, *, complete: bool, msg: str) -> PrePowerOnState:
        return await self._write(lambda m: m.pre_power_on(complete=complete, msg=msg))

    async def set_coin_type(self, coin: str) -> None:
        await self._write(lambda m: m.set_coin_type(coin))

    async def set_user_permission(self, user: str, commands: Sequence[str]) -> None:
        await self._write(lambda m: m.set_user_permission(user, commands))
