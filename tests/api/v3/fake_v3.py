"""A small scriptable API v3 miner on loopback for client tests (independent of the client).

It speaks length-prefixed JSON, keeps connections open, checks write tokens, decrypts the two
encrypted params, and counts connections and requests. `handlers` override a command: a
handler gets the request and the connection and returns a reply dict, HANG (say nothing),
CLOSE (drop the connection without answering) or raw bytes to write as they are.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable
import copy
from dataclasses import dataclass, field
import hashlib
import json
import struct
from typing import Any

from Crypto.Cipher import AES

from . import samples

HANG = object()
CLOSE = object()
NOW = 1_800_000_000


def frame(message: Any) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return struct.pack("<I", len(body)) + body


@dataclass
class Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def read_frame(self) -> bytes | None:
        try:
            header = await self.reader.readexactly(4)
            (length,) = struct.unpack("<I", header)
            return await self.reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, ConnectionError):
            return None


Handler = Callable[[dict[str, Any], Conn], Awaitable[Any]]


@dataclass
class FakeV3Miner:
    password: str = "n3wPass"
    salt: str = samples.SALT
    apiswitch: str = "1"
    token_error_code: int = -4
    when: int = NOW
    reads: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(samples.READS))
    handlers: dict[str, Handler] = field(default_factory=dict)
    connections: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    written: list[dict[str, Any]] = field(default_factory=list)  # accepted writes, decrypted
    port: int = 0
    _server: asyncio.Server | None = None
    _open: list[asyncio.StreamWriter] = field(default_factory=list)

    async def __aenter__(self) -> FakeV3Miner:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close_connections()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def commands(self) -> Counter[str]:
        return Counter(str(r.get("cmd")) for r in self.requests)

    @property
    def open_connections(self) -> int:
        return sum(not w.is_closing() for w in self._open)

    async def close_connections(self) -> None:
        """Close every open connection from the miner's side (the 300 s idle close)."""
        for writer in self._open:
            writer.close()
        self._open.clear()
        await asyncio.sleep(0.05)

    def reply(self, cmd: str, msg: Any = "ok", code: int = 0) -> dict[str, Any]:
        return {"code": code, "when": self.when, "msg": msg, "desc": cmd}

    def key(self, cmd: str, ts: Any) -> bytes:
        return hashlib.sha256(f"{cmd}{self.password}{self.salt}{ts}".encode()).digest()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._open.append(writer)
        conn = Conn(reader, writer)
        try:
            while (body := await conn.read_frame()) is not None:
                if not body:
                    continue  # heartbeat
                request = json.loads(body)
                self.requests.append(request)
                answer = await self._dispatch(request, conn)
                if answer is CLOSE:
                    break
                if answer is HANG:
                    continue
                writer.write(answer if isinstance(answer, bytes) else frame(answer))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _dispatch(self, request: dict[str, Any], conn: Conn) -> Any:
        cmd = str(request.get("cmd"))
        if cmd.startswith("set."):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            if "param" in request and cmd in ("set.miner.pools", "set.user.change_passwd"):
                request = {**request, "param": self._decrypt(request)}
        if cmd in self.handlers:
            return await self.handlers[cmd](request, conn)
        if cmd.startswith("set."):
            self.written.append(request)
            if cmd == "set.user.change_passwd":
                self.password = request["param"]["new"]
            return self.reply(cmd)
        if cmd not in self.reads:
            return self.reply(cmd, "invalid command", -2)
        return self.reply(cmd, self._read(cmd, request.get("param")))

    def _read(self, cmd: str, param: Any) -> Any:
        data = self.reads[cmd]
        if cmd == "get.device.info":
            data = {**data, "salt": self.salt}
            data["system"] = {**data["system"], "apiswitch": self.apiswitch}
        if isinstance(param, str) and cmd in ("get.device.info", "get.miner.status"):
            return {k: data[k] for k in param.split("+") if k in data}
        return data

    def _refusal(self, request: dict[str, Any]) -> dict[str, Any] | None:
        cmd = str(request["cmd"])
        expected = base64.b64encode(self.key(cmd, request.get("ts"))).decode()[:8]
        if (
            self.apiswitch != "1"
            or self.password == "super"
            or request.get("account") != "super"
            or request.get("token") != expected
        ):
            return self.reply(cmd, "no permission", self.token_error_code)
        return None

    def _decrypt(self, request: dict[str, Any]) -> Any:
        key = self.key(str(request["cmd"]), request["ts"])
        plain = AES.new(key, AES.MODE_ECB).decrypt(base64.b64decode(request["param"]))
        return json.loads(plain[: -plain[-1]])
