"""One simulated WhatsMiner: a TCP listener on port 4028 semantics, state, faults, counters."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import random
from typing import Any

from . import crypto
from .blobs import log_archive, next_firmware
from .clock import SimClock
from .context import ReadContext
from .listener import Listener
from .physics import Reading, compute
from .profiles import V3_FIRMWARE_MARKER, Profile, v3_firmware
from .state import FACTORY_PASSWORD, FACTORY_SALT, Counters, Faults, MinerState, Quirk, Timing
from .v2 import crypto as v2_crypto
from .v2.envelopes import OK_MSG, Json, cgminer, flat, joined
from .v2.reads import CGMINER_READS, DAEMON_READS, get_miner_info
from .v2.render import dumps, render
from .v2.tokens import TokenTable
from .v2.writes import ALL_WRITES, WRITES, CommandError
from .v3 import V3Server

SOCKET_FAILED = "Socket connect failed: Connection refused\n"
V3_FIRMWARE = "20250409.15.REL"
MAX_REQUEST = 64 * 1024
MAX_FIRMWARE = 512 * 1024 * 1024
READ_NAMES = frozenset(CGMINER_READS) | frozenset(DAEMON_READS) | {"get_miner_info"}


@dataclass(slots=True)
class Answer:
    """What to send back: text (None: stay silent), encrypted or not, then a binary phase."""

    text: str | None
    aeskey: bytes | None = None
    stream: str | None = None  # "update_firmware" or "download_logs"
    payload: bytes = b""  # the log archive sent after the header


class SimulatedMiner:
    def __init__(
        self,
        *,
        profile: Profile,
        clock: SimClock,
        host: str = "127.0.0.1",
        port: int = 0,
        password: str = FACTORY_PASSWORD,
        seed: int = 0,
        timing: Timing | None = None,
        trailing_nul: bool | None = None,
        v3: bool | None = None,
        v3_port: int = 0,
    ) -> None:
        """`v3`: run API v3 firmware (default: what the profile ships with); `password` is
        then the v3 `super` password as well as the v2 admin one."""
        self.profile = profile
        self.clock = clock
        self.host = host
        self.timing = timing or Timing()
        self.rng = random.Random(seed)
        now = clock.now()
        v3 = profile.v3 if v3 is None else v3
        mac_tail = ":".join(f"{b:02X}" for b in seed.to_bytes(3, "big"))
        self.state = MinerState(
            fw_ver=v3_firmware(profile.fw_ver) if v3 else profile.fw_ver,
            mac=f"C6:07:20:{mac_tail}",
            serial=f"HEM1EP9C4{seed:05d}K6",
            boot_at=now - 7200.0,
            btminer_start_at=now - 7000.0,
            hashing_since=now - 7000.0,
            power_limit_w=profile.max_power_limit_w,
            password=password,
            salt=FACTORY_SALT if password == FACTORY_PASSWORD else crypto.new_salt(),
            v3=v3,
            device_salt=crypto.seeded_salt(seed),
        )
        self.state.accounts["super"] = password
        self.state.reading = self.reading
        nul = profile.legacy if trailing_nul is None else trailing_nul
        self.faults = Faults(quirks={Quirk.TRAILING_NUL} if nul else set())
        self.faults.on_change = self._sync_listener
        self.counters = Counters()
        self.tokens = TokenTable(self.timing.token_lifetime_s)
        self._running = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._v2 = Listener(host, port, self._handle, self._spawn)
        self._v3 = Listener(host, v3_port, self._handle_v3, self._spawn)
        self.v3_server = V3Server(self)
        self._reopen: asyncio.TimerHandle | None = None

    @property
    def port(self) -> int:
        """The v2 port (4028 semantics)."""
        return self._v2.port

    @property
    def v3_port(self) -> int:
        """The API v3 port (4433 semantics); listening only while on v3 firmware."""
        return self._v3.port

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._running = True
        self.clock.subscribe(self._sync_listener)
        self._sync_listener()
        await asyncio.gather(*list(self._tasks))

    async def stop(self) -> None:
        self._running = False
        self.clock.unsubscribe(self._sync_listener)
        self._sync_listener()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await asyncio.gather(self._v2.shutdown(), self._v3.shutdown())

    @property
    def listening(self) -> bool:
        return self._v2.is_open

    def now(self) -> float:
        return self.clock.now()

    def _sync_listener(self) -> None:
        """Open or close the port to match `running`, `faults.offline` and a reboot."""
        if self._reopen is not None:
            self._reopen.cancel()
            self._reopen = None
        rebooting_for = self.state.reboot_until - self.now()
        want = self._running and not self.faults.offline and rebooting_for <= 0
        self._v2.want(want)
        self._v3.want(want and self.state.v3)
        if self._running and rebooting_for > 0 and not self.clock.frozen:
            loop = asyncio.get_running_loop()
            self._reopen = loop.call_later(rebooting_for + 0.01, self._sync_listener)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- operations used by write commands and tests ---------------------------------

    def restart_btminer(self) -> None:
        if self.reading().hashing:
            self.state.stopped_at = self.now()
        self.state.btminer_start_at = self.now() + self.timing.btminer_restart_s
        self.state.btminer_stopped = False
        self._new_btminer_run()

    def _new_btminer_run(self) -> None:
        """A btminer start: fast boot and a saved power target apply, the percentage is lost."""
        s = self.state
        s.booted_fast = s.fast_boot
        s.power_pct, s.power_ramp, s.live_target_w = 100.0, None, s.power_target_w

    def reboot(self) -> None:
        s, now = self.state, self.now()
        if self.reading().hashing:
            s.stopped_at = now
        s.reboot_until = s.boot_at = now + self.timing.reboot_s
        s.btminer_start_at = s.reboot_until + self.timing.btminer_restart_s
        s.btminer_stopped = not s.btminer_init
        s.mining, s.mineroff_reason, s.preheat_started_at = True, "", None
        self._new_btminer_run()
        self.tokens.clear()
        self.v3_server.drop_all()
        self._sync_listener()

    def forget_tokens(self) -> None:
        self.tokens.clear()

    def install_firmware(self, image: bytes) -> None:
        """Flash `image` and reboot into it. An image carrying V3_FIRMWARE_MARKER is API v3
        firmware: after the reboot the v3 port answers and 4028 serves the reduced API."""
        s = self.state
        upgrade = V3_FIRMWARE_MARKER in image and not s.v3
        s.fw_ver = next_firmware(s.fw_ver, image)
        if upgrade:
            s.v3 = True
            s.fw_ver = v3_firmware(s.fw_ver)
        self.reboot()

    def raise_error(self, code: int) -> None:
        self.state.error_codes[code] = self.now()

    def clear_errors(self) -> None:
        self.state.error_codes.clear()

    def reading(self) -> Reading:
        return compute(self.state, self.profile, self.timing, self.now())

    # ---- one connection ------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.counters.connections += 1
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _handle_v3(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self.v3_server.handle(reader, writer)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.faults.hang:
            while await reader.read(4096):
                pass
            return
        try:
            raw = await asyncio.wait_for(read_request(reader), self.timing.idle_timeout_s)
        except TimeoutError:
            return
        if not raw:
            return
        self.counters.bytes_in += len(raw)
        peer = writer.get_extra_info("peername")
        answer = self.answer(raw, str(peer[0]) if peer else "")
        if answer.text is None:  # silent: hold the line until the client gives up
            await asyncio.wait_for(reader.read(), self.timing.idle_timeout_s)
            return
        await self._send(writer, self._wire(answer))
        if answer.stream == "download_logs":
            await asyncio.sleep(self.timing.log_delay_s)
            await self._send(writer, answer.payload)
        elif answer.stream == "update_firmware":
            await self._receive_firmware(reader)
        if Quirk.KEEP_OPEN in self.faults.quirks:
            await asyncio.wait_for(reader.read(), self.timing.idle_timeout_s)

    def _wire(self, answer: Answer) -> bytes:
        text = answer.text or ""
        if answer.aeskey is not None:
            text = dumps({"enc": crypto.encrypt(answer.aeskey, text.encode())})
        data = text.encode()
        if Quirk.TRAILING_NUL in self.faults.quirks and not text.startswith(SOCKET_FAILED):
            data += b"\x00"
        return data

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if self.faults.slow_reply_s:
            await asyncio.sleep(self.faults.slow_reply_s)
        if self.faults.close_mid_reply:
            data = data[: len(data) // 2]
        writer.write(data)
        self.counters.bytes_out += len(data)
        await writer.drain()
        if self.faults.close_mid_reply:
            raise ConnectionAbortedError

    async def _receive_firmware(self, reader: asyncio.StreamReader) -> None:
        header = await asyncio.wait_for(reader.readexactly(4), self.timing.idle_timeout_s)
        size = int.from_bytes(header, "little")
        if size > MAX_FIRMWARE:
            return
        image = await asyncio.wait_for(reader.readexactly(size), 60 + size / 1_000_000)
        self.counters.bytes_in += 4 + size
        self.install_firmware(image)

    # ---- protocol ------------------------------------------------------------------

    def answer(self, raw: bytes, address: str) -> Answer:
        """The reply to one request (pure protocol, no I/O)."""
        req = parse_json(raw)
        if req is None:
            return self._flat_error(23, "json cmd err")
        if "enc" in req:
            return self._encrypted(req, address)
        cmd = req.get("cmd", req.get("command"))
        if not isinstance(cmd, str):
            return self._flat_error(14, "invalid cmd")
        self.counters.commands[cmd] += 1
        if cmd == "get_token":
            return Answer(dumps(self._get_token(address)))
        if cmd in ALL_WRITES and cmd not in self.profile.missing_commands:
            if not self.state.api_enabled:
                return self._flat_error(45, "can't access write cmd")
            return self._flat_error(45, "permission denied")
        return self._read(cmd, req)

    def _get_token(self, address: str) -> Json:
        now = self.now()
        grant = None
        if not self.faults.token_exhaustion:
            grant = self.tokens.issue(address, self.state.password, self.state.salt, now)
        if grant is None:
            return flat(136, "over max connect", now, self.profile.description, ok=False)
        self.counters.tokens_issued += 1
        msg = {"time": grant.time4, "salt": grant.salt, "newsalt": grant.newsalt}
        return flat(134, msg, now, self.profile.description)

    def _encrypted(self, wrapper: Json, address: str) -> Answer:
        if not self.state.api_enabled:
            return self._flat_error(45, "can't access write cmd")
        key = v2_crypto.aes_key(self.state.password, self.state.salt)
        data = wrapper.get("data")
        try:
            req = parse_json(crypto.decrypt(key, data)) if isinstance(data, str) else None
        except ValueError:
            req = None
        if req is None:
            if Quirk.SILENT_WRONG_PASSWORD in self.faults.quirks:
                return Answer(None)
            return self._flat_error(23, "enc json load err")
        cmd = req.get("cmd", req.get("command"))
        cmd = cmd if isinstance(cmd, str) else ""
        self.counters.commands[cmd] += 1
        if not self.tokens.valid(address, req.get("token"), self.now()):
            return self._sealed(key, self._error(135, "check token err"))
        if cmd == "get_token" or cmd in self.profile.missing_commands:
            return self._sealed(key, self._error(14, "invalid cmd"))
        if cmd not in ALL_WRITES:
            plain = self._read(cmd, req)
            return Answer(plain.text, key) if plain.text != SOCKET_FAILED else plain
        if self.faults.v3_only:
            return self._sealed(key, self._error(132, "API command ERROR"))
        if self.state.v3 and cmd in WRITES:  # v3 firmware: accepted, but does not hold
            return self._sealed(key, flat(131, OK_MSG, self.now(), self.profile.description))
        return self._write(cmd, req, key)

    def _write(self, cmd: str, req: Json, key: bytes) -> Answer:
        now = self.now()
        desc = self.profile.description
        if cmd == "update_firmware":
            return Answer(dumps(flat(131, "ready", now, desc)), key, cmd)
        if cmd == "download_logs":
            logs = log_archive(self.state, self.profile, self.reading(), now)
            header = {"logfilelen": str(len(logs))}
            return Answer(dumps(flat(131, header, now, desc)), key, cmd, logs)
        try:
            msg = WRITES[cmd](self, req)
        except CommandError as err:
            return self._sealed(key, self._error(err.code, err.msg))
        if (cmd == "power_off" and self.faults.no_reply_to_power_off) or (
            cmd == "reboot" and self.faults.no_reply_to_reboot
        ):
            return Answer(None)
        return self._sealed(key, flat(131, OK_MSG if msg is None else msg, now, desc))

    def _read(self, cmd: str, req: Json) -> Answer:
        if cmd in self.profile.missing_commands:
            return self._flat_error(14, "invalid cmd")
        ctx = self.context()
        if "+" in cmd:
            return self._joined(cmd, ctx)
        if cmd in CGMINER_READS:
            if not self._btminer_up(ctx):
                return Answer(SOCKET_FAILED)
            return Answer(render(CGMINER_READS[cmd](ctx), cmd, ctx.quirks))
        if cmd == "get_miner_info":
            info = req.get("info")
            reply = get_miner_info(ctx, info if isinstance(info, str) else None)
            return Answer(render(reply, cmd, ctx.quirks, bare=not isinstance(info, str)))
        if cmd in DAEMON_READS:
            return Answer(render(DAEMON_READS[cmd](ctx), cmd, ctx.quirks))
        return self._flat_error(14, "invalid cmd")

    def _joined(self, cmd: str, ctx: ReadContext) -> Answer:
        if not self._btminer_up(ctx):
            return Answer(SOCKET_FAILED)
        parts: dict[str, Json] = {}
        for name in cmd.split("+"):
            if name in parts:
                continue
            if name in CGMINER_READS:
                parts[name] = CGMINER_READS[name](ctx)
            elif name in READ_NAMES or name in ALL_WRITES or name == "get_token":
                msg = f"Access denied to '{name}' command"
                parts[name] = cgminer(45, msg, ctx.now, "btminer", None, [])
            else:
                parts[name] = cgminer(14, "Invalid command", ctx.now, "btminer", None, [])
        return Answer(render(joined(parts), cmd, ctx.quirks))

    def _btminer_up(self, ctx: ReadContext) -> bool:
        return ctx.reading.btminer_up and not self.faults.btminer_down

    def context(self) -> ReadContext:
        now = self.now()
        fw = V3_FIRMWARE if self.faults.v3_only else self.state.fw_ver
        reading = compute(self.state, self.profile, self.timing, now)
        return ReadContext(self.state, self.profile, reading, now, self.faults.quirks, fw, self.rng)

    def _error(self, code: int, msg: str) -> Json:
        return flat(code, msg, self.now(), self.profile.description, ok=False)

    def _flat_error(self, code: int, msg: str) -> Answer:
        return Answer(dumps(self._error(code, msg)))

    def _sealed(self, key: bytes, reply: Json) -> Answer:
        return Answer(dumps(reply), key)


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read until the bytes form one JSON object, or EOF."""
    buffer = b""
    while len(buffer) < MAX_REQUEST:
        chunk = await reader.read(4096)
        if not chunk:
            break
        buffer += chunk
        if parse_json(buffer) is not None:
            break
    return buffer


def parse_json(raw: bytes) -> Json | None:
    """The first JSON object in `raw` (trailing NULs, newlines and pad bytes ignored)."""
    try:
        text = raw.decode("utf-8").strip().strip("\x00").strip()
        value, _ = json.JSONDecoder().raw_decode(text)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
