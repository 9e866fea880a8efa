"""WhatsMinerClient: one typed method per API command, a token cache, and poll().

Reads are plaintext. Writes are encrypted with a token that is fetched once and reused for
its 30-minute lifetime (renewed two minutes early, and once on code 135). A write is retried
only when the miner's answer proves it did not run it (135); writes that may end without an
answer raise WriteOutcomeUnknownError and are never retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from contextlib import suppress
import dataclasses
from dataclasses import dataclass
import functools
import json
import logging
import time
from typing import Any
import zlib

from ..errors import (
    AuthenticationError,
    CommandRejectedError,
    TokenExpiredError,
    UnsupportedFirmwareError,
    WhatsMinerApiError,
    WhatsMinerConnectionError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WhatsMinerTimeoutError,
    WhatsMinerValidationError,
    WriteOutcomeUnknownError,
)
from ..models import (
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
from . import validation as check_param
from .crypto import TokenKeys, decrypt, derive_keys, encrypt_request
from .parsers import (
    boards_in_summary_units,
    integer,
    parse_boards,
    parse_devdetails,
    parse_error_codes,
    parse_miner_info,
    parse_pools,
    parse_pre_power_on,
    parse_psu,
    parse_status,
    parse_summary,
    parse_token,
    parse_version,
)
from .protocol import check, decode, split_joined
from .transport import Connection, Reply, exchange

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 4028
DEFAULT_PASSWORD = "admin"  # noqa: S105 - the factory default, documented by MicroBT

# progress(bytes_sent, total_bytes)
ProgressCallback = Callable[[int, int], None]

TOKEN_LIFETIME_S = 1800.0  # spec 2: 30 minutes
TOKEN_RENEW_EARLY_S = 120.0
SLOW_REFRESH_POLLS = 10  # version, info, devdetails and psu: every 10 polls and 5 minutes
SLOW_REFRESH_S = 300.0
# `status` and `get_error_code` (API >= 2.0.4) take a connection each. A steady poll makes one
# of the two, by turns, and shows the other as last read (at most a poll old: a minute at a
# 30 s interval); which turn a miner starts on follows from its address, so a barn's reads of
# each fall on every poll. Both are read at the first poll and after invalidate_cache();
# `status` also at every poll that its turn would miss a change at (see _status_may_differ).
ALTERNATE_READS = ("status", "get_error_code")
MAX_FIRMWARE_BYTES = 0xFFFFFFFF  # the size travels as 4 bytes
MAX_LOG_BYTES = 512 * 1024 * 1024
POLL_JOIN = ("summary", "edevs", "pools")
MINER_INFO_FIELDS = "ip,proto,netmask,gateway,dns,hostname,mac,ledstat,minersn,powersn"

# Writes that may end without an answer (spec 6 and 7.2.14): never retried on silence.
OUTCOME_UNKNOWN_WRITES = frozenset(
    {
        "power_off",
        "reboot",
        "restart_btminer",
        "set_low_power",
        "set_normal_power",
        "set_high_power",
        "adjust_power_limit",
        "net_config",
        "factory_reset",
    }
)
WRITE_COMMANDS = OUTCOME_UNKNOWN_WRITES | {
    "update_pools",
    "power_on",
    "set_led",
    "update_firmware",
    "update_pwd",
    "download_logs",
    "set_target_freq",
    "enable_btminer_fast_boot",
    "disable_btminer_fast_boot",
    "enable_web_pools",
    "disable_web_pools",
    "set_hostname",
    "set_zone",
    "load_log",
    "set_power_pct",
    "set_power_pct_v2",
    "pre_power_on",
    "set_temp_offset",
    "adjust_upfreq_speed",
    "set_poweroff_cool",
    "set_fan_zero_speed",
    "set_heat_mode",
    "enable_btminer_init",
    "disable_btminer_init",
    "set_power",
    "restore_power_pct",
    "set_customer_msg",
    "set_fast_mining",
    "set_fast_hash",
}
_STREAMED_WRITES = frozenset({"update_firmware", "download_logs"})
_POWER_MODE_COMMANDS = {
    PowerMode.LOW: "set_low_power",
    PowerMode.NORMAL: "set_normal_power",
    PowerMode.HIGH: "set_high_power",
}


@dataclass(frozen=True, slots=True)
class _Token:
    keys: TokenKeys
    renew_at: float


def _flag(value: bool) -> str:
    return "1" if value else "0"


def alternate_offset(host: str, port: int) -> int:
    """Whose turn of ALTERNATE_READS a miner's first poll is (it reads both; its turns go on
    from there), from its address: the same at every start."""
    return zlib.crc32(f"{host}:{port}".encode()) % len(ALTERNATE_READS)


@functools.cache
def _plain_request(cmd: str) -> bytes:
    """The bytes of a command without parameters (the poll's reads: the same every time)."""
    return json.dumps({"cmd": cmd}).encode()


def _restarted(previous: Summary | None, summary: Summary) -> bool:
    """The miner's uptime went back since the previous poll."""
    before = previous.uptime_s if previous else None
    return before is not None and summary.uptime_s is not None and summary.uptime_s < before


def _no_answer(cmd: str) -> WhatsMinerConnectionError:
    return WhatsMinerConnectionError(f"The miner closed the connection without answering '{cmd}'")


class WhatsMinerClient:
    """Talks to one miner. Safe to share between tasks; tokens are cached per client.

    Timeouts: `timeout` bounds connecting and each read of an ordinary command.
    `clock` (monotonic seconds) drives token lifetime and the slow poll cadence.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        password: str = DEFAULT_PASSWORD,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host = host
        self._port = port
        self._password = password
        self._timeout = timeout
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()
        self._join_supported = True
        # Slow-changing reads, refreshed on a slower cadence than poll().
        self._version: Version | None = None
        self._info: MinerInfo | None = None
        self._psu: Psu | None = None
        self._model: str | None = None
        self._slow_raw: dict[str, Any] = {}
        self._slow_due = True
        self._slow_at = 0.0
        self._polls_since_slow = 0
        # status and get_error_code as last read; due at the first poll and after
        # invalidate_cache(), else by turns (counted in steady polls, from the address)
        self._status: Status | None = None
        self._errors: tuple[ErrorCode, ...] = ()
        self._due = set(ALTERNATE_READS)
        self._turns = alternate_offset(host, port)
        self._last_summary: Summary | None = None  # the previous poll's
        self._status_firmware: str | None = None
        self.connections = 0  # TCP connections opened, for diagnostics and measurements
        self.token_requests = 0

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def password(self) -> str:
        return self._password

    @property
    def timeout(self) -> float:
        return self._timeout

    # ---- plumbing ------------------------------------------------------------------------

    def _connect(self) -> Connection:
        self.connections += 1
        return Connection(self._host, self._port, self._timeout)

    async def _read_raw(self, cmd: str, **params: Any) -> dict[str, Any]:
        """One plaintext command; the decoded reply, not yet checked for an error code."""
        self.connections += 1
        request = json.dumps({"cmd": cmd, **params}).encode() if params else _plain_request(cmd)
        reply = await exchange(self._host, self._port, self._timeout, request)
        if not reply.data:
            raise _no_answer(cmd)
        if isinstance(reply.value, dict):
            return reply.value  # valid JSON, decoded while reading
        return decode(reply.data, allow_truncated=cmd == "get_error_code")

    async def _read(self, cmd: str, **params: Any) -> dict[str, Any]:
        return check(cmd, await self._read_raw(cmd, **params))

    def _open_reply(self, cmd: str, keys: TokenKeys, reply: Reply) -> dict[str, Any]:
        """Decode a reply to an encrypted command: plaintext errors first, then decrypt."""
        if not reply.data:
            if cmd in OUTCOME_UNKNOWN_WRITES:
                raise WriteOutcomeUnknownError(cmd)
            raise _no_answer(cmd)
        try:
            outer = decode(reply.data)
        except WhatsMinerResponseError:
            if cmd in OUTCOME_UNKNOWN_WRITES and (reply.eof or reply.timed_out):
                raise WriteOutcomeUnknownError(
                    cmd, f"'{cmd}' was sent; its reply broke off"
                ) from None
            raise
        enc = outer.get("enc")
        data = enc if isinstance(enc, str) else outer.get("data")
        if "STATUS" in outer or not isinstance(data, str):
            return check(cmd, outer, encrypted=True)
        try:
            inner = decode(decrypt(keys.aes_key, data))
        except WhatsMinerResponseError as err:
            raise WhatsMinerResponseError(f"Cannot decrypt the reply to '{cmd}': {err}") from err
        return check(cmd, inner, encrypted=True)

    async def _token_keys(self, stale: TokenKeys | None = None) -> TokenKeys:
        """The cached token, or a new one; one get_token in flight per client."""
        async with self._token_lock:
            token = self._token
            if token is not None and token.keys is not stale and self._clock() < token.renew_at:
                return token.keys
            self._token = None
            self.token_requests += 1
            when = self._clock()
            stamp, salt, newsalt = parse_token(await self._read("get_token"))
            keys = derive_keys(self._password, salt, newsalt, stamp)
            self._token = _Token(keys, when + TOKEN_LIFETIME_S - TOKEN_RENEW_EARLY_S)
            return keys

    def assume_version(self, version: Version) -> None:
        """The version detection already read, so the first write need not ask for it."""
        if self._version is None:
            self._version = version

    async def _ensure_writable(self) -> None:
        """Refuse writes on firmware that only takes them through API v3 (spec 8).

        The firmware is asked only when nothing is known: not after a poll (get_version or
        status told it) nor after detection (assume_version).
        """
        version = self._version
        if version is None and self._status_firmware:
            version = Version(fw_ver=self._status_firmware)
        if version is None:
            try:
                version = await self._refresh_version()
            except (CommandRejectedError, WhatsMinerResponseError):
                version = self._version = Version()  # too old to tell: not v3
        if version.v3_only:
            raise UnsupportedFirmwareError(
                f"Firmware {version.fw_ver} only accepts writes through API v3"
            )

    async def _authorized[T](self, action: Callable[[TokenKeys], Awaitable[T]]) -> T:
        """Run `action` with a token; renew it once when the miner answers 135."""
        await self._ensure_writable()
        keys = await self._token_keys()
        try:
            try:
                return await action(keys)
            except TokenExpiredError:
                _LOGGER.debug("Token refused by %s; renewing it once", self._host)
                keys = await self._token_keys(stale=keys)
                return await action(keys)
        except AuthenticationError:
            self._token = None
            raise

    async def _encrypted(self, cmd: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send one encrypted command and return its checked, decrypted reply."""
        request = {"cmd": cmd, **params}

        async def send(keys: TokenKeys) -> dict[str, Any]:
            failure: WhatsMinerConnectionError
            async with self._connect() as conn:
                try:
                    await conn.send(encrypt_request(keys, request))
                    reply = await conn.read_reply()
                except WhatsMinerConnectionError as err:
                    if cmd in OUTCOME_UNKNOWN_WRITES:
                        raise WriteOutcomeUnknownError(cmd) from err
                    failure = err
                else:
                    return self._open_reply(cmd, keys, reply)
            # Some firmware answers a wrong password with silence (spec 7.2.17): that is the
            # verdict only when the miner still answers a plaintext read.
            if isinstance(failure, WhatsMinerTimeoutError) and await self._answers_plaintext():
                raise AuthenticationError(
                    f"No reply to the encrypted '{cmd}': is the password right?"
                ) from failure
            raise failure

        return await self._authorized(send)

    async def _answers_plaintext(self) -> bool:
        try:
            await self._read_raw("get_version")
        except WhatsMinerError:
            return False
        return True

    async def _write(
        self, cmd: str, params: dict[str, Any] | None = None, *, invalidates: bool = False
    ) -> dict[str, Any]:
        try:
            return await self._encrypted(cmd, params or {})
        finally:
            if invalidates:
                self.invalidate_cache()

    # ---- whole-miner reads -------------------------------------------------------------

    async def poll(self) -> MinerSnapshot:
        """Gather a snapshot. A steady poll makes two connections (the joined read, then
        `status` or the error codes by turns) and no token request.

        Version, miner info, devdetails and psu are cached and refreshed on a slower cadence
        or after actions that change them (call `invalidate_cache()` to force it).
        """
        slow = self._slow_due or (
            self._polls_since_slow >= SLOW_REFRESH_POLLS
            and self._clock() - self._slow_at >= SLOW_REFRESH_S
        )
        names = [*POLL_JOIN, "devdetails"] if slow else list(POLL_JOIN)
        parts = await self._joined(names)
        raw: dict[str, Any] = dict(parts)
        summary = parse_summary(check("summary", parts["summary"]))
        boards = self._optional_part(parts, "edevs", parse_boards) or ()
        pools = self._optional_part(parts, "pools", parse_pools) or ()
        if slow:
            self._model = self._optional_part(parts, "devdetails", parse_devdetails)
            self._slow_raw["devdetails"] = parts["devdetails"]

        previous, self._last_summary = self._last_summary, summary
        if _restarted(previous, summary):
            self.invalidate_cache()  # a firmware upgrade, say: read all again
        # older firmware sends its errors in summary: status then has every turn
        reads = ALTERNATE_READS if summary.error_codes is None else ("status",)
        turn = reads[self._turns % len(reads)]
        self._turns += 1

        def now(read: str) -> bool:  # its turn, or due (first poll, after a write or restart)
            return read in reads and (read == turn or read in self._due)

        if now("status") or self._status_may_differ(previous, summary):
            self._slow_raw["status"], self._status = await self._optional_read(
                "status", parse_status
            )
            self._due.discard("status")
        status = self._status
        if now("get_error_code"):
            self._slow_raw["get_error_code"], codes = await self._optional_read(
                "get_error_code", parse_error_codes
            )
            self._errors = codes or ()
            self._due.discard("get_error_code")
        errors = self._errors if summary.error_codes is None else summary.error_codes

        if slow:
            await self._refresh_slow()
        else:
            self._polls_since_slow += 1
        firmware = status.firmware_version if status else None
        if firmware and self._status_firmware and firmware != self._status_firmware:
            self._slow_due = True  # new firmware: re-read version and friends next time
        self._status_firmware = firmware or self._status_firmware
        if summary.coolant_temp_c is None and status and status.coolant_temp_c is not None:
            summary = dataclasses.replace(summary, coolant_temp_c=status.coolant_temp_c)
        return MinerSnapshot(
            summary=summary,
            boards=boards_in_summary_units(boards, summary),
            pools=pools,
            status=status,
            error_codes=errors,
            psu=self._psu,
            version=self._version,
            info=self._info,
            model=self._model,
            raw={**self._slow_raw, **raw},
        )

    def _status_may_differ(self, previous: Summary | None, summary: Summary) -> bool:
        """Whether `status` as last read may be out of date although it is not its turn: the
        miner is not hashing (or was not: a stop or start shows at once, with the reason),
        the power mode or limit in summary moved (changed from outside), or status carries
        a reading that summary lacks (the coolant temperature of some hydro firmware)."""
        last = self._status
        return (
            previous is None
            or (previous.power_mode, previous.power_limit_w)
            != (summary.power_mode, summary.power_limit_w)
            or not summary.hashrate_ths
            or last is None
            or last.mining is not True
            or (last.coolant_temp_c is not None and summary.coolant_temp_c is None)
        )

    async def _joined(self, names: list[str]) -> dict[str, dict[str, Any]]:
        """One joined cgminer read; separate reads when the firmware refuses joins."""
        if self._join_supported:
            try:
                return split_joined(await self._read_raw("+".join(names)), names)
            except CommandRejectedError:
                _LOGGER.debug("%s refuses joined commands; reading them one by one", self._host)
                self._join_supported = False
        return {name: await self._read_raw(name) for name in names}

    def _optional_part[T](
        self, parts: dict[str, dict[str, Any]], name: str, parse: Callable[[dict[str, Any]], T]
    ) -> T | None:
        try:
            return parse(check(name, parts[name]))
        except (WhatsMinerApiError, WhatsMinerResponseError) as err:
            _LOGGER.debug("%s: %s unavailable: %s", self._host, name, err)
            return None

    async def _optional_read[T](
        self, cmd: str, parse: Callable[[dict[str, Any]], T], **params: Any
    ) -> tuple[dict[str, Any] | None, T | None]:
        """A read whose failure (an error code or a bad reply) does not fail the poll."""
        reply = None
        try:
            reply = await self._read(cmd, **params)
            return reply, parse(reply)
        except (WhatsMinerApiError, WhatsMinerResponseError) as err:
            _LOGGER.debug("%s: %s unavailable: %s", self._host, cmd, err)
            return reply, None

    async def _refresh_version(self) -> Version:
        reply = await self._read("get_version")
        self._slow_raw["get_version"] = reply
        self._version = parse_version(reply)
        return self._version

    async def _refresh_slow(self) -> None:
        """Re-read version, miner info and psu; keep the previous value of a failed read."""
        with suppress(WhatsMinerApiError, WhatsMinerResponseError):
            await self._refresh_version()
        reply, info = await self._optional_read(
            "get_miner_info", parse_miner_info, info=MINER_INFO_FIELDS
        )
        if info is not None:
            self._slow_raw["get_miner_info"], self._info = reply, info
        reply, psu = await self._optional_read("get_psu", parse_psu)
        if psu is not None:
            self._slow_raw["get_psu"], self._psu = reply, psu
        self._slow_due = False
        self._slow_at = self._clock()
        self._polls_since_slow = 0

    def invalidate_cache(self) -> None:
        """Make the next poll re-read the slow-changing reads (version, info, model, psu),
        the status and the error codes."""
        self._slow_due = True
        self._due = set(ALTERNATE_READS)

    async def verify_password(self) -> None:
        """Check the password without side effects: a token plus one encrypted read.

        Raises AuthenticationError when it is wrong, WriteApiDisabledError,
        TokenLimitError or UnsupportedFirmwareError where those apply.
        """
        await self._encrypted("get_version", {})

    async def command(self, cmd: str, **params: Any) -> Any:
        """Send any command (encrypted when it is a write) and return the raw reply dict."""
        if cmd in _STREAMED_WRITES:
            raise WhatsMinerValidationError(
                f"'{cmd}' streams a file; use its own method", field="cmd"
            )
        if cmd in WRITE_COMMANDS:
            return await self._write(cmd, params)
        return await self._read(cmd, **params)

    # ---- reads (plaintext) ---------------------------------------------------------------

    async def summary(self) -> Summary:
        return parse_summary(await self._read("summary"))

    async def pools(self) -> tuple[Pool, ...]:
        return parse_pools(await self._read("pools"))

    async def edevs(self) -> tuple[Board, ...]:
        return parse_boards(await self._read("edevs"))

    async def devs(self) -> tuple[Board, ...]:
        return parse_boards(await self._read("devs"))

    async def devdetails(self) -> str | None:
        """The miner model, e.g. "M30S+VE40"."""
        self._model = parse_devdetails(await self._read("devdetails"))
        return self._model

    async def get_psu(self) -> Psu:
        return parse_psu(await self._read("get_psu"))

    async def get_version(self) -> Version:
        return await self._refresh_version()

    async def status(self) -> Status:
        return parse_status(await self._read("status"))

    async def get_miner_info(self) -> MinerInfo:
        # Asking for the fields avoids the trailing-comma reply of a bare request (spec 3.9).
        return parse_miner_info(await self._read("get_miner_info", info=MINER_INFO_FIELDS))

    async def get_error_code(self) -> tuple[ErrorCode, ...]:
        return parse_error_codes(await self._read("get_error_code"))

    # ---- writes (encrypted, need the admin password) -------------------------------------

    async def update_pools(self, pools: Sequence[PoolConfig]) -> None:
        """Replace the pool list with one to three pools."""
        if not 1 <= len(pools) <= 3:
            raise WhatsMinerValidationError("Give one to three pools", field="pools")
        params: dict[str, str] = {}
        for number in (1, 2, 3):
            pool = pools[number - 1] if number <= len(pools) else PoolConfig(url="", worker="")
            empty = number > len(pools)
            params[f"pool{number}"] = check_param.token_text("url", pool.url, allow_empty=empty)
            params[f"worker{number}"] = check_param.token_text(
                "worker", pool.worker, allow_empty=empty
            )
            params[f"passwd{number}"] = check_param.free_text("password", pool.password)
        await self._write("update_pools", params)

    async def restart_btminer(self) -> None:
        await self._write("restart_btminer")

    async def power_off(self, *, respbefore: bool = True) -> None:
        check_param.boolean("respbefore", respbefore)
        await self._write("power_off", {"respbefore": "true" if respbefore else "false"})

    async def power_on(self) -> None:
        await self._write("power_on")

    async def set_led_auto(self) -> None:
        await self._write("set_led", {"param": "auto"}, invalidates=True)

    async def set_led(
        self, color: LedColor, *, period_ms: int = 200, duration_ms: int = 100, start_ms: int = 0
    ) -> None:
        """Manual LED: flash `color` with on-time `duration_ms` every `period_ms`."""
        colour = check_param.choice("color", str(color), tuple(LedColor))
        check_param.int_range("period_ms", period_ms, 1, 60_000)
        check_param.int_range("duration_ms", duration_ms, 0, period_ms)
        check_param.int_range("start_ms", start_ms, 0, period_ms)
        params = {"color": colour, "period": period_ms, "duration": duration_ms, "start": start_ms}
        await self._write("set_led", params, invalidates=True)

    async def set_power_mode(self, mode: PowerMode) -> None:
        """set_low_power / set_normal_power / set_high_power; btminer restarts."""
        cmd = _POWER_MODE_COMMANDS.get(mode)
        if cmd is None:
            raise WhatsMinerValidationError("mode must be low, normal or high", field="mode")
        await self._write(cmd)

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
        check_param.int_range("size", size, 1, MAX_FIRMWARE_BYTES)

        async def upload(keys: TokenKeys) -> None:
            async with self._connect() as conn:
                await conn.send(encrypt_request(keys, {"cmd": "update_firmware"}))
                ready = self._open_reply("update_firmware", keys, await conn.read_reply())
                if str(ready.get("Msg", "")).lower() != "ready":
                    raise WhatsMinerResponseError(
                        f"The miner is not ready for the firmware: {ready.get('Msg')!r}"
                    )
                await conn.send_file(chunks, size, progress)
                try:  # some firmware acknowledges the upload, some just close (spec 6.7)
                    final = await conn.read_reply()
                except WhatsMinerConnectionError:
                    return
                if final.data:
                    self._open_reply("update_firmware", keys, final)

        try:
            await self._authorized(upload)
        finally:
            self.invalidate_cache()

    async def reboot(self) -> None:
        await self._write("reboot", invalidates=True)

    async def factory_reset(self) -> None:
        await self._write("factory_reset", invalidates=True)

    async def update_pwd(self, old: str, new: str) -> None:
        """Change the admin password; the client then uses the new one."""
        check_param.free_text("old", old)
        check_param.password("new", new)
        await self._write("update_pwd", {"old": old, "new": new})
        async with self._token_lock:
            self._password = new
            self._token = None  # spec 5.2: fetch a new token after update_pwd

    async def net_config_dhcp(self) -> None:
        await self._write("net_config", {"param": "dhcp"}, invalidates=True)

    async def net_config_static(
        self, *, ip: str, mask: str, gateway: str, dns: Sequence[str], host: str
    ) -> None:
        if not 1 <= len(dns) <= 3 or isinstance(dns, str):
            raise WhatsMinerValidationError("Give one to three DNS servers", field="dns")
        params = {
            "ip": check_param.ipv4("ip", ip),
            "mask": check_param.netmask("mask", mask),
            "gate": check_param.ipv4("gateway", gateway),
            "dns": " ".join(check_param.ipv4("dns", server) for server in dns),
            "host": check_param.hostname("host", host),
        }
        await self._write("net_config", params, invalidates=True)

    async def download_logs(self, *, progress: ProgressCallback | None = None) -> bytes:
        """The miner's logs as the bytes of a .tgz file."""

        async def download(keys: TokenKeys) -> bytes:
            async with self._connect() as conn:
                await conn.send(encrypt_request(keys, {"cmd": "download_logs"}))
                reply = await conn.read_reply()
                head = self._open_reply("download_logs", keys, reply)
                msg = head.get("Msg")
                size = integer(msg.get("logfilelen")) if isinstance(msg, dict) else None
                if size is None or not 0 <= size <= MAX_LOG_BYTES:
                    raise WhatsMinerResponseError(f"Unexpected download_logs header: {msg!r}")
                return await conn.read_exactly(size, reply.leftover, progress)

        return await self._authorized(download)

    async def set_target_freq(self, percent: int) -> None:
        """-100..100; btminer restarts."""
        value = check_param.int_range("percent", percent, -100, 100)
        await self._write("set_target_freq", {"percent": value})

    async def _toggle(self, feature: str, enabled: bool) -> None:
        """enable_<feature> / disable_<feature>."""
        prefix = "enable" if check_param.boolean("enabled", enabled) else "disable"
        await self._write(f"{prefix}_{feature}")

    async def _set_flag(self, cmd: str, param: str, enabled: bool) -> None:
        """A write whose one parameter is "1" or "0"."""
        await self._write(cmd, {param: _flag(check_param.boolean("enabled", enabled))})

    async def set_fast_boot(self, enabled: bool) -> None:
        """enable_btminer_fast_boot / disable_btminer_fast_boot."""
        await self._toggle("btminer_fast_boot", enabled)

    async def set_web_pools(self, enabled: bool) -> None:
        """enable_web_pools / disable_web_pools."""
        await self._toggle("web_pools", enabled)

    async def set_hostname(self, hostname: str) -> None:
        params = {"hostname": check_param.hostname("hostname", hostname)}
        await self._write("set_hostname", params, invalidates=True)

    async def set_zone(self, timezone: str, zonename: str) -> None:
        """E.g. ("CST-8", "Asia/Shanghai")."""
        params = {
            "timezone": check_param.token_text("timezone", timezone),
            "zonename": check_param.token_text("zonename", zonename),
        }
        await self._write("set_zone", params)

    async def load_log(self, ip: str, port: int, proto: SyslogProto) -> None:
        """Configure the remote syslog server."""
        params = {
            "ip": check_param.ipv4("ip", ip),
            "port": check_param.int_range("port", port, 1, 65535),
            "proto": check_param.choice("proto", str(proto), tuple(SyslogProto)),
        }
        await self._write("load_log", params)

    async def set_power_pct(self, percent: int) -> None:
        """Fast mode (about 1 s), 0..100."""
        value = check_param.int_range("percent", percent, 0, 100)
        await self._write("set_power_pct", {"percent": value})

    async def set_power_pct_v2(self, percent: int) -> None:
        """Normal mode (gradual), 0..100."""
        value = check_param.int_range("percent", percent, 0, 100)
        await self._write("set_power_pct_v2", {"percent": value})

    async def pre_power_on(self, *, complete: bool, msg: str) -> PrePowerOnState:
        check_param.boolean("complete", complete)
        check_param.choice("msg", msg, check_param.PRE_POWER_ON_MESSAGES)
        params = {"complete": "true" if complete else "false", "msg": msg}
        return parse_pre_power_on(await self._write("pre_power_on", params))

    async def set_temp_offset(self, offset: int) -> None:
        """-30..0 degrees C."""
        value = check_param.int_range("offset", offset, -30, 0)
        await self._write("set_temp_offset", {"temp_offset": value})

    async def adjust_power_limit(self, watts: int) -> None:
        """0..99999 W; the miner restarts mining when it takes effect."""
        value = check_param.int_range("watts", watts, 0, 99_999)
        await self._write("adjust_power_limit", {"power_limit": value})

    async def adjust_upfreq_speed(self, speed: int) -> None:
        """0 (normal) .. 9 (fastest)."""
        value = check_param.int_range("speed", speed, 0, 9)
        await self._write("adjust_upfreq_speed", {"upfreq_speed": value})

    async def set_poweroff_cool(self, enabled: bool) -> None:
        await self._set_flag("set_poweroff_cool", "poweroff_cool", enabled)

    async def set_fan_zero_speed(self, enabled: bool) -> None:
        await self._set_flag("set_fan_zero_speed", "fan_zero_speed", enabled)

    async def set_heat_mode(self, mode: str) -> None:
        """Hydro models, e.g. "heating", "anti-icing", "normal"."""
        await self._write("set_heat_mode", {"mode": check_param.heat_mode(mode)})

    async def set_btminer_init(self, enabled: bool) -> None:
        """enable_btminer_init / disable_btminer_init: mining at boot."""
        await self._toggle("btminer_init", enabled)

    async def set_power(self, watts: int) -> None:
        value = check_param.int_range("watts", watts, 0, 99_999)
        await self._write("set_power", {"power": value})

    async def restore_power_pct(self) -> None:
        await self._write("restore_power_pct")

    async def set_customer_msg(self, key: str, value: str) -> None:
        params = {
            "key": check_param.customer_key(key),
            "val": check_param.free_text("value", value),
        }
        await self._write("set_customer_msg", params)

    async def set_fast_mining(self, enabled: bool) -> None:
        await self._set_flag("set_fast_mining", "fast_mining", enabled)

    async def set_fast_hash(self, enabled: bool) -> None:
        await self._set_flag("set_fast_hash", "fast_hash", enabled)


__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_PORT",
    "OUTCOME_UNKNOWN_WRITES",
    "WRITE_COMMANDS",
    "ProgressCallback",
    "WhatsMinerClient",
    "WhatsMinerError",
]
