"""Spec v2 sections 3 to 6 on the v2 port: one JSON request per connection, the token and
the encrypted envelope of writes, the binary phases of firmware upload and log download."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json

from simulator import crypto
from simulator.actions import Host
from simulator.blobs import log_archive
from simulator.context import ReadContext
from simulator.state import Quirk, Unlock

from . import crypto as v2_crypto
from .envelopes import OK_MSG, Json, cgminer, flat, joined
from .reads import CGMINER_READS, DAEMON_READS, get_miner_info
from .render import dumps, render
from .tokens import TokenTable
from .unlock import COMMAND as UNLOCK_COMMAND, Handshake
from .writes import ALL_WRITES, WRITES, CommandError

SOCKET_FAILED = "Socket connect failed: Connection refused\n"
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


class V2Server:
    def __init__(self, miner: Host) -> None:
        self.miner = miner
        self.tokens = TokenTable(miner.timing.token_lifetime_s)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.miner.counters.connections += 1
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.miner.faults.hang:
            while await reader.read(4096):
                pass
            return
        try:
            raw = await asyncio.wait_for(read_request(reader), self.miner.timing.idle_timeout_s)
        except TimeoutError:
            return
        if not raw:
            return
        self.miner.counters.bytes_in += len(raw)
        if (handshake := self._handshake(raw)) is not None:
            await self._unlock(reader, writer, handshake)
            return
        peer = writer.get_extra_info("peername")
        answer = self.answer(raw, str(peer[0]) if peer else "")
        if answer.text is None:  # silent: hold the line until the client gives up
            await asyncio.wait_for(reader.read(), self.miner.timing.idle_timeout_s)
            return
        await self._send(writer, self._wire(answer))
        if answer.stream == "download_logs":
            await asyncio.sleep(self.miner.timing.log_delay_s)
            await self._send(writer, answer.payload)
        elif answer.stream == "update_firmware":
            await self._receive_firmware(reader)
        if Quirk.KEEP_OPEN in self.miner.faults.quirks:
            await asyncio.wait_for(reader.read(), self.miner.timing.idle_timeout_s)

    def _handshake(self, raw: bytes) -> Handshake | None:
        """An open_write_api request this firmware takes (None: answered as any other)."""
        miner = self.miner
        if UNLOCK_COMMAND.encode() not in raw or miner.faults.unlock is Unlock.UNSUPPORTED:
            return None
        req = parse_json(raw)
        if req is None or req.get("command", req.get("cmd")) != UNLOCK_COMMAND:
            return None
        miner.counters.commands[UNLOCK_COMMAND] += 1
        return Handshake.open(miner.state, miner.now(), miner.profile.description)

    async def _unlock(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handshake: Handshake
    ) -> None:
        """The rest of the handshake, on the same connection: the salts, then the token."""
        miner = self.miner
        await self._send(writer, self._wire(Answer(dumps(handshake.reply))))
        raw = await asyncio.wait_for(read_request(reader), miner.timing.idle_timeout_s)
        miner.counters.bytes_in += len(raw)
        reply = handshake.finish(
            miner.state,
            parse_json(raw),
            miner.faults.unlock,
            miner.now(),
            miner.profile.description,
        )
        await self._send(writer, self._wire(Answer(dumps(reply))))

    def _wire(self, answer: Answer) -> bytes:
        text = answer.text or ""
        if answer.aeskey is not None:
            text = dumps({"enc": crypto.encrypt(answer.aeskey, text.encode())})
        data = text.encode()
        if Quirk.TRAILING_NUL in self.miner.faults.quirks and not text.startswith(SOCKET_FAILED):
            data += b"\x00"
        return data

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if self.miner.faults.slow_reply_s:
            await asyncio.sleep(self.miner.faults.slow_reply_s)
        if self.miner.faults.close_mid_reply:
            data = data[: len(data) // 2]
        writer.write(data)
        self.miner.counters.bytes_out += len(data)
        await writer.drain()
        if self.miner.faults.close_mid_reply:
            raise ConnectionAbortedError

    async def _receive_firmware(self, reader: asyncio.StreamReader) -> None:
        header = await asyncio.wait_for(reader.readexactly(4), self.miner.timing.idle_timeout_s)
        size = int.from_bytes(header, "little")
        if size > MAX_FIRMWARE:
            return
        image = await asyncio.wait_for(reader.readexactly(size), 60 + size / 1_000_000)
        self.miner.counters.bytes_in += 4 + size
        self.miner.install_firmware(image)

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
        self.miner.counters.commands[cmd] += 1
        if cmd == "get_token":
            return Answer(dumps(self._get_token(address)))
        if cmd in ALL_WRITES and cmd not in self.miner.profile.missing_commands:
            if not self.miner.state.api_enabled:
                return self._flat_error(45, "can't access write cmd")
            return self._flat_error(45, "permission denied")
        return self._read(cmd, req)

    def _get_token(self, address: str) -> Json:
        now = self.miner.now()
        grant = None
        if not self.miner.faults.token_exhaustion:
            grant = self.tokens.issue(
                address, self.miner.state.password, self.miner.state.salt, now
            )
        if grant is None:
            return flat(136, "over max connect", now, self.miner.profile.description, ok=False)
        self.miner.counters.tokens_issued += 1
        msg = {"time": grant.time4, "salt": grant.salt, "newsalt": grant.newsalt}
        return flat(134, msg, now, self.miner.profile.description)

    def _encrypted(self, wrapper: Json, address: str) -> Answer:
        if not self.miner.state.api_enabled:
            return self._flat_error(45, "can't access write cmd")
        key = v2_crypto.aes_key(self.miner.state.password, self.miner.state.salt)
        data = wrapper.get("data")
        try:
            req = parse_json(crypto.decrypt(key, data)) if isinstance(data, str) else None
        except ValueError:
            req = None
        if req is None:
            if Quirk.SILENT_WRONG_PASSWORD in self.miner.faults.quirks:
                return Answer(None)
            return self._flat_error(23, "enc json load err")
        cmd = req.get("cmd", req.get("command"))
        cmd = cmd if isinstance(cmd, str) else ""
        self.miner.counters.commands[cmd] += 1
        if not self.tokens.valid(address, req.get("token"), self.miner.now()):
            return self._sealed(key, self._error(135, "check token err"))
        if cmd == "get_token" or cmd in self.miner.profile.missing_commands:
            return self._sealed(key, self._error(14, "invalid cmd"))
        if cmd not in ALL_WRITES:
            plain = self._read(cmd, req)
            return Answer(plain.text, key) if plain.text != SOCKET_FAILED else plain
        if self.miner.faults.v3_only:
            return self._sealed(key, self._error(132, "API command ERROR"))
        if self.miner.state.v3 and cmd in WRITES and not self._v2_stop_applies(cmd):
            # v3 firmware: accepted, but changes nothing
            return self._sealed(
                key, flat(131, OK_MSG, self.miner.now(), self.miner.profile.description)
            )
        return self._write(cmd, req, key)

    def _v2_stop_applies(self, cmd: str) -> bool:
        """v3 firmware with the quirk of the M64 report: a v2 power_off stops, for a while."""
        return cmd == "power_off" and Quirk.V2_STOP_RESTARTS in self.miner.faults.quirks

    def _write(self, cmd: str, req: Json, key: bytes) -> Answer:
        now = self.miner.now()
        desc = self.miner.profile.description
        if cmd == "update_firmware":
            return Answer(dumps(flat(131, "ready", now, desc)), key, cmd)
        if cmd == "download_logs":
            logs = log_archive(self.miner.state, self.miner.profile, self.miner.reading(), now)
            header = {"logfilelen": str(len(logs))}
            return Answer(dumps(flat(131, header, now, desc)), key, cmd, logs)
        try:
            msg = WRITES[cmd](self.miner, req)
        except CommandError as err:
            return self._sealed(key, self._error(err.code, err.msg))
        if (cmd == "power_off" and self.miner.faults.no_reply_to_power_off) or (
            cmd == "reboot" and self.miner.faults.no_reply_to_reboot
        ):
            return Answer(None)
        return self._sealed(key, flat(131, OK_MSG if msg is None else msg, now, desc))

    def _read(self, cmd: str, req: Json) -> Answer:
        if cmd in self.miner.profile.missing_commands:
            return self._flat_error(14, "invalid cmd")
        ctx = self.miner.context()
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
        return ctx.reading.btminer_up and not self.miner.faults.btminer_down

    def _error(self, code: int, msg: str) -> Json:
        return flat(code, msg, self.miner.now(), self.miner.profile.description, ok=False)

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
