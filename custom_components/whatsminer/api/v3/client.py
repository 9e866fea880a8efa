"""WhatsMinerV3Client: the 39 commands of API v3 (spec 4) as typed methods.

All traffic goes over one kept connection per miner (transport.Link). Reads need no
authentication. Writes carry a per-command token (spec 3.3) made from the password and the
device salt; the salt is cached (the poll's get.device.info feeds it) and fetched again after
a password change, a reboot, or a -1/-4 answer. Such an answer proves the write did not run,
so it is retried once after the refresh; then -1/-4 becomes WriteApiDisabledError (write
switch off), DefaultPasswordError (factory password) or PermissionDeniedError. Writes that
may end without an answer raise WriteOutcomeUnknownError when the connection dies after
sending, and are never retried. Parameters are checked before anything is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
import time
from typing import Any

from ..errors import (
    DefaultPasswordError,
    PermissionDeniedError,
    WhatsMinerApiError,
    WhatsMinerConnectionError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WhatsMinerValidationError,
    WriteApiDisabledError,
    WriteOutcomeUnknownError,
)
from ..models import (
    HeatMode,
    LedColor,
    MinerSettings,
    Pool,
    PoolConfig,
    PowerMode,
    SyslogProto,
)
from ..v2.parsers import text
from . import validation as check_param
from .auth import MinerClock, signed_request
from .framing import Progress, TruncatedFrameError, encode_frame
from .parsers import (
    AUTH_FAILURE_CODES,
    DeviceInfo,
    MinerStatus,
    check,
    parse_custom_data,
    parse_device_info,
    parse_fan_setting,
    parse_log_size,
    parse_miner_setting,
    parse_miner_status,
    parse_system_setting,
    reply_code,
)
from .transport import Link, read_reply

DEFAULT_PORT = 4433
DEFAULT_ACCOUNT = "super"
DEFAULT_PASSWORD = "super"  # noqa: S105 - the factory default (spec 3.1)
LOG_TIMEOUT_S = 120.0  # spec 1.4
FIRMWARE_TIMEOUT_S = 300.0
MAX_LOG_BYTES = 64 * 1024 * 1024  # MicroBT's own client's cap (spec 4.12)
MAX_FIRMWARE_BYTES = 0xFFFFFFFF  # the size travels as 4 bytes
POLL_SECTIONS = "summary+edevs+pools"
DEVICE_SECTIONS = ("miner", "system", "power", "network", "salt", "error-code")
STATUS_SECTIONS = ("summary", "edevs", "pools")

# Writes that may end without an answer (spec 7.1.5): the connection dying after sending
# raises WriteOutcomeUnknownError. set.miner.service only for stop and restart.
OUTCOME_UNKNOWN_WRITES = frozenset(
    {
        "set.system.reboot",
        "set.system.net_config",
        "set.system.update_firmware",
        "set.miner.power_mode",
        "set.miner.power_limit",
        "set.system.factory_reset",
        "set.miner.pools",
    }
)
# Commands with a raw binary phase after their frame (spec 4.11, 4.12).
STREAMED_COMMANDS = frozenset({"get.log.download", "set.system.update_firmware"})
# Writes after which the salt is fetched again (spec 3.2: it may change).
_SALT_RESETTING_WRITES = frozenset(
    {"set.system.reboot", "set.system.factory_reset", "set.system.update_firmware"}
)


def outcome_unknown(cmd: str, param: Any) -> bool:
    """Whether a lost connection after sending `cmd` leaves its outcome unknown."""
    return cmd in OUTCOME_UNKNOWN_WRITES or (
        cmd == "set.miner.service" and param in ("stop", "restart")
    )


def _single_frame(cmd: str) -> None:
    """Refuse, unsent, the two commands with a binary phase outside their own methods."""
    if cmd in STREAMED_COMMANDS:
        raise WhatsMinerValidationError(f"'{cmd}' streams a file; use its own method", field="cmd")


Exchange = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class WhatsMinerV3Client:
    """Talks API v3 to one miner; safe to share between tasks (one request at a time).

    `timeout` bounds connecting and each ordinary reply. `clock` (monotonic seconds) drives
    the idle reopening; `wall_clock` (Unix seconds) and the replies' `when` give `ts`.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        password: str | None = DEFAULT_PASSWORD,
        *,
        account: str = DEFAULT_ACCOUNT,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._link = Link(host, port, timeout, clock)
        self._password = password
        self._account = account
        self._miner_clock = MinerClock(wall_clock)
        self._salt: str | None = None
        self.salt_requests = 0  # salt fetches (not the poll's device info), for measurements
        self.raw: dict[str, dict[str, Any]] = {}  # the last reply of each read, for diagnostics

    @property
    def host(self) -> str:
        return self._link.host

    @property
    def port(self) -> int:
        return self._link.port

    @property
    def password(self) -> str | None:
        return self._password

    @property
    def account(self) -> str:
        return self._account

    @property
    def connections(self) -> int:
        """TCP connections opened so far."""
        return self._link.connections

    @property
    def requests(self) -> int:
        """Frames sent so far."""
        return self._link.requests

    def set_password(self, password: str | None) -> None:
        self._password = password

    async def close(self) -> None:
        await self._link.close()

    # ---- plumbing ------------------------------------------------------------------------

    async def _read(self, cmd: str, param: Any = None) -> Any:
        """One read (no auth); its checked `msg`."""
        _single_frame(cmd)
        request: dict[str, Any] = {"cmd": cmd}
        if param is not None:
            request["param"] = param
        reply = await self._link.exchange(request, idempotent=True)
        self._miner_clock.update(reply.get("when"))
        # A one-section device info ("salt") must not replace the full one.
        self.raw[f"{cmd} {param}" if cmd == "get.device.info" and param else cmd] = reply
        return check(cmd, reply)

    async def _current_salt(self) -> str:
        if self._salt is None:
            self.salt_requests += 1
            msg = await self._read("get.device.info", "salt")
            salt = text(msg.get("salt")) if isinstance(msg, dict) else None
            if salt is None:
                raise WhatsMinerResponseError("The miner sent no salt")
            self._salt = salt
        return self._salt

    def _write_password(self, cmd: str) -> str:
        if self._password is None:
            raise PermissionDeniedError(f"'{cmd}' needs a password; this miner is monitored only")
        return self._password

    async def _exchange(self, cmd: str, param: Any, request: dict[str, Any]) -> dict[str, Any]:
        lost = None
        if outcome_unknown(cmd, param):

            def lost(_: WhatsMinerError) -> WhatsMinerError:
                return WriteOutcomeUnknownError(cmd)

        return await self._link.exchange(request, idempotent=False, on_lost=lost)

    async def _write(self, cmd: str, param: Any = None, *, exchange: Exchange | None = None) -> Any:
        """One authenticated write; its checked `msg`. See the module docstring."""
        if exchange is None:
            _single_frame(cmd)
        try:
            return await self._signed(cmd, param, exchange)
        finally:
            if cmd in _SALT_RESETTING_WRITES:
                self._salt = None  # the miner restarts: fetch the salt again

    async def _signed(self, cmd: str, param: Any, exchange: Exchange | None) -> Any:
        refreshed: DeviceInfo | None = None
        while True:
            password = self._write_password(cmd)
            request = signed_request(
                cmd,
                param,
                account=self._account,
                password=password,
                salt=await self._current_salt(),
                ts=self._miner_clock.now(),
            )
            if exchange is None:
                reply = await self._exchange(cmd, param, request)
            else:
                reply = await exchange(request)
            self._miner_clock.update(reply.get("when"))
            if reply_code(reply) not in AUTH_FAILURE_CODES:
                return check(cmd, reply)
            if refreshed is not None:  # refused twice
                raise self._refusal(cmd, reply, refreshed, password)
            # Refused, so it did not run: refresh the salt (and the write switch) once.
            self._salt = None
            self.salt_requests += 1
            refreshed = await self.get_device_info()
            if refreshed.write_access is False or password == DEFAULT_PASSWORD:
                raise self._refusal(cmd, reply, refreshed, password)

    @staticmethod
    def _refusal(
        cmd: str, reply: dict[str, Any], info: DeviceInfo, password: str
    ) -> WhatsMinerApiError:
        msg = reply.get("msg") if isinstance(reply.get("msg"), str) else None
        code = reply_code(reply)
        if info.write_access is False:
            return WriteApiDisabledError(
                f"'{cmd}' refused: the miner's write API is switched off (WhatsMinerTool)",
                code=code,
                msg=msg,
            )
        if password == DEFAULT_PASSWORD:
            return DefaultPasswordError(
                f"'{cmd}' refused: change the factory password 'super' first (WhatsMinerTool)",
                code=code,
                msg=msg,
            )
        return PermissionDeniedError(
            f"'{cmd}' refused: no permission (wrong password?)", code=code, msg=msg
        )

    async def command(self, cmd: str, param: Any = None) -> Any:
        """Any command as named (the command line): get.* plain, set.* signed; its `msg`."""
        if cmd.startswith("set."):
            return await self._write(cmd, param)
        return await self._read(cmd, param)

    # ---- reads ---------------------------------------------------------------------------

    async def get_device_info(self, section: str | None = None) -> DeviceInfo:
        """`get.device.info` (all sections, or one); keeps the salt it carries."""
        if section is not None:
            check_param.choice("section", section, DEVICE_SECTIONS)
        info = parse_device_info(await self._read("get.device.info", section))
        if info.salt is not None:
            self._salt = info.salt
        return info

    async def get_custom_data(self) -> dict[str, str]:
        return parse_custom_data(await self._read("get.device.custom_data"))

    async def get_miner_status(
        self, sections: str = POLL_SECTIONS, *, board_serials: dict[int, str] | None = None
    ) -> MinerStatus:
        """`get.miner.status` with sections joined by "+" (summary, edevs, pools)."""
        parts = sections.split("+") if isinstance(sections, str) else []
        if not parts or any(part not in STATUS_SECTIONS for part in parts):
            raise WhatsMinerValidationError(
                "sections must join summary, edevs and pools with '+'", field="sections"
            )
        msg = await self._read("get.miner.status", sections)
        return parse_miner_status(msg, board_serials)

    async def get_pools(self) -> tuple[Pool, ...]:
        # With the summary: a pools-only query fails while mining is stopped (spec 7.2).
        return (await self.get_miner_status("summary+pools")).pools

    async def get_miner_setting(self) -> MinerSettings:
        return parse_miner_setting(await self._read("get.miner.setting"))

    async def get_system_setting(self) -> MinerSettings:
        return parse_system_setting(await self._read("get.system.setting"))

    async def get_fan_setting(self) -> MinerSettings:
        return parse_fan_setting(await self._read("get.fan.setting"))

    async def get_miner_history(self, begin: int, end: int) -> Any:
        """Records between two Unix times at most 24 h apart; the reply's format is not
        documented (spec 4.2.2), so its `msg` is returned as sent."""
        return await self._read("get.miner.history", check_param.history_range(begin, end))

    async def download_logs(self, *, progress: Progress | None = None) -> bytes:
        """`get.log.download`: a frame with `logsize`, then that many raw bytes (.tgz)."""
        cmd = "get.log.download"
        async with self._link.hold() as conn:
            await conn.send(encode_frame({"cmd": cmd}))
            reply = await read_reply(conn, cmd, LOG_TIMEOUT_S)
            self._miner_clock.update(reply.get("when"))
            size = parse_log_size(check(cmd, reply), MAX_LOG_BYTES)
            return await conn.read_exactly(size, progress, LOG_TIMEOUT_S)

    # ---- writes: miner -------------------------------------------------------------------

    async def set_miner_service(self, action: str) -> None:
        """start, stop, restart; enable/disable: mining at boot."""
        check_param.choice("action", action, check_param.SERVICE_ACTIONS)
        await self._write("set.miner.service", action)

    async def set_power_limit(self, watts: int) -> None:
        """0..99999 W; the miner restarts to apply it."""
        await self._write("set.miner.power_limit", check_param.integer("watts", watts, 0, 99_999))

    async def set_power(self, watts: int) -> None:
        """The power target in W (0..99999)."""
        await self._write("set.miner.power", check_param.integer("watts", watts, 0, 99_999))

    async def set_power_percent(self, percent: int, *, fast: bool) -> None:
        """0..100 % of the stable power; `percent` travels as a string (spec 4.5.3)."""
        check_param.integer("percent", percent, 0, 100)
        mode = "fast" if check_param.boolean("fast", fast) else "normal"
        await self._write("set.miner.power_percent", {"percent": str(percent), "mode": mode})

    async def set_power_mode(self, mode: PowerMode) -> None:
        value = check_param.choice("mode", str(mode), ("low", "normal", "high"))
        await self._write("set.miner.power_mode", value)

    async def set_target_freq(self, percent: int) -> None:
        """-100..100 % of the factory frequency (air-cooled: negative only)."""
        await self._write(
            "set.miner.target_freq", check_param.integer("percent", percent, -100, 100)
        )

    async def set_upfreq_speed(self, speed: int) -> None:
        """0 (normal) .. 10 (fastest)."""
        await self._write("set.miner.upfreq_speed", check_param.integer("speed", speed, 0, 10))

    async def set_fastboot(self, on: bool) -> None:
        await self._write("set.miner.fastboot", check_param.enable("on", on))

    async def set_fast_hash(self, on: bool) -> None:
        await self._write("set.miner.fast_hash", check_param.flag("on", on))

    async def set_heat_mode(self, mode: HeatMode) -> None:
        """heating, normal or anti-freezing (the doc's spelling)."""
        await self._write(
            "set.miner.heat_mode", check_param.choice("mode", str(mode), tuple(HeatMode))
        )

    async def set_cointype(self, coin: str) -> None:
        coin = check_param.choice("coin", coin, check_param.COIN_TYPES)
        await self._write("set.miner.cointype", {"cointype": coin})

    async def restore_setting(self) -> None:
        await self._write("set.miner.restore_setting")

    async def set_report(self, gap_s: int) -> None:
        """Status pushes on this connection every `gap_s` seconds; 0 stops them."""
        await self._write("set.miner.report", {"gap": check_param.integer("gap", gap_s, 0, 285)})

    async def set_pools(self, pools: Sequence[PoolConfig]) -> None:
        """One to three pools; the list travels encrypted (spec 3.6)."""
        await self._write("set.miner.pools", check_param.pools(pools))

    # ---- writes: system ------------------------------------------------------------------

    async def set_led_auto(self) -> None:
        await self._write("set.system.led", "auto")

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        """Flash `color` for `duration_ms` of every `period_ms`: one pattern object."""
        pattern = check_param.led_pattern(color, period_ms, duration_ms, start_ms)
        await self._write("set.system.led", [pattern])

    async def net_config_dhcp(self) -> None:
        await self._write("set.system.net_config", "dhcp")

    async def net_config_static(
        self, *, ip: str, netmask: str, gateway: str, dns: Sequence[str]
    ) -> None:
        """A static address; the miner reboots to apply it. DNS servers space-separated."""
        if isinstance(dns, str) or not 1 <= len(dns) <= 3:
            raise WhatsMinerValidationError("Give one to three DNS servers", field="dns")
        param = {
            "ip": check_param.ipv4("ip", ip),
            "netmask": check_param.netmask("netmask", netmask),
            "gateway": check_param.ipv4("gateway", gateway),
            "dns": " ".join(check_param.ipv4("dns", server) for server in dns),
        }
        await self._write("set.system.net_config", param)

    async def set_hostname(self, hostname: str) -> None:
        """Effective after a restart."""
        param = {"hostname": check_param.hostname("hostname", hostname)}
        await self._write("set.system.hostname", param)

    async def set_ntp_servers(self, servers: Sequence[str]) -> None:
        await self._write("set.system.ntp_server", check_param.ntp_servers(servers))

    async def set_timezone(self, timezone: str, zonename: str) -> None:
        """E.g. ("CST-8", "Asia/Shanghai")."""
        param = {
            "timezone": check_param.token_text("timezone", timezone),
            "zonename": check_param.token_text("zonename", zonename),
        }
        await self._write("set.system.timezone", param)

    async def set_time_randomized(self, start_s: int, stop_s: int) -> None:
        """Random delays (each at most 120 s) before network start and mining stop."""
        param = {
            "start": check_param.integer("start_s", start_s, 0, 120),
            "stop": check_param.integer("stop_s", stop_s, 0, 120),
        }
        await self._write("set.system.time_randomized", param)

    async def set_webpools(self, on: bool) -> None:
        await self._write("set.system.webpools", check_param.enable("on", on))

    async def reboot(self) -> None:
        await self._write("set.system.reboot")

    async def factory_reset(self) -> None:
        await self._write("set.system.factory_reset")

    async def update_firmware(
        self, chunks: AsyncIterable[bytes], size: int, *, progress: Progress | None = None
    ) -> None:
        """Upload a firmware file: "ready", then 4-byte LE size + raw bytes, then a final
        frame (spec 4.11). The miner then reboots."""
        check_param.integer("size", size, 1, MAX_FIRMWARE_BYTES)
        cmd = "set.system.update_firmware"

        async def upload(request: dict[str, Any]) -> dict[str, Any]:
            async with self._link.hold(keep=False) as conn:
                try:
                    await conn.send(encode_frame(request))
                    ready = await read_reply(conn, cmd)
                    if reply_code(ready) != 0:
                        return ready
                    if (text(ready.get("msg")) or "").lower() != "ready":
                        raise WhatsMinerResponseError(
                            f"The miner is not ready for the firmware: {ready.get('msg')!r}"[:200]
                        )
                    await conn.send_file(chunks, size, progress, FIRMWARE_TIMEOUT_S)
                    return await read_reply(conn, cmd, FIRMWARE_TIMEOUT_S)
                except (WhatsMinerConnectionError, TruncatedFrameError) as err:
                    raise WriteOutcomeUnknownError(cmd) from err

        await self._write(cmd, exchange=upload)

    async def set_log_upload(self, ip: str, port: int, proto: SyslogProto) -> None:
        """Stream the system log to a syslog server (`port` travels as a string)."""
        param = {
            "ip": check_param.ipv4("ip", ip),
            "port": str(check_param.integer("port", port, 1, 65535)),
            "proto": check_param.choice("proto", str(proto), tuple(SyslogProto)),
        }
        await self._write("set.log.upload", param)

    # ---- writes: device, users, fans -----------------------------------------------------

    async def set_custom_data(self, key: str, value: str) -> None:
        """CustomerSn or msg0..msg9, each value under 128 bytes."""
        await self._write("set.device.custom_data", check_param.custom_data(key, value))

    async def change_password(
        self, new: str, *, account: str | None = None, old: str | None = None
    ) -> None:
        """Change an account's password (default: this client's, which then uses `new`)."""
        account = account or self._account
        check_param.choice("account", account, (DEFAULT_ACCOUNT, *check_param.USERS))
        own = account == self._account
        old = old if old is not None else self._password if own else None
        if old is None:
            raise WhatsMinerValidationError("Give the account's current password", field="old")
        param = {
            "account": account,
            "new": check_param.password("new", new),
            "old": check_param.password("old", old),
        }
        await self._write("set.user.change_passwd", param)
        if own:
            self._password = new
        self._salt = None  # spec 4.9.1: fetch the salt again after a password change

    async def set_user_permission(self, user: str, commands: Sequence[str]) -> None:
        """The commands a restricted user (user1..user3) may run; only super may send it."""
        await self._write("set.user.permission", check_param.permission(user, commands))

    async def set_poweroff_cool(self, on: bool) -> None:
        await self._write("set.fan.poweroff_cool", check_param.flag("on", on))

    async def set_temp_offset(self, offset_c: int) -> None:
        """-30..0 degrees C."""
        await self._write("set.fan.temp_offset", check_param.integer("offset_c", offset_c, -30, 0))

    async def set_zero_speed(self, on: bool) -> None:
        await self._write("set.fan.zero_speed", check_param.flag("on", on))
