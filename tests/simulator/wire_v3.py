"""A minimal, independent API v3 client for the simulator's own tests (spec 1-3).

Built from the spec with hashlib and pycryptodome; it shares nothing with our client or
with the simulator.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from types import TracebackType
from typing import Any, Self

from Crypto.Cipher import AES

HOST = "127.0.0.1"


def frame(body: bytes) -> bytes:
    return len(body).to_bytes(4, "little") + body


def digest(cmd: str, password: str, salt: str, ts: int) -> bytes:
    return hashlib.sha256(f"{cmd}{password}{salt}{ts}".encode()).digest()


def token(key: bytes) -> str:
    return base64.b64encode(key).decode()[:8]


def seal(key: bytes, plain: bytes, *, pkcs7: bool = True) -> str:
    pad = -len(plain) % 16
    if pkcs7:
        plain += bytes([pad or 16]) * (pad or 16)
    else:
        plain += b"\x00" * pad
    return base64.b64encode(AES.new(key, AES.MODE_ECB).encrypt(plain)).decode()


class Conn:
    """One persistent connection: send a request, read exactly one reply frame."""

    def __init__(self, port: int, host: str = HOST) -> None:
        self.port = port
        self.host = host
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def __aenter__(self) -> Self:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.writer.close()
        await self.writer.wait_closed()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self, wait_s: float = 5.0) -> Any:
        header = await asyncio.wait_for(self.reader.readexactly(4), wait_s)
        size = int.from_bytes(header, "little")
        return json.loads(await asyncio.wait_for(self.reader.readexactly(size), wait_s))

    async def request(self, body: dict[str, Any], wait_s: float = 5.0) -> Any:
        await self.send_raw(frame(json.dumps(body).encode()))
        return await self.receive(wait_s)

    async def closed(self, wait_s: float = 5.0) -> bool:
        """True once the miner has hung up (EOF)."""
        return await asyncio.wait_for(self.reader.read(), wait_s) == b""


async def read(port: int, cmd: str, param: Any = None, *, host: str = HOST) -> Any:
    body: dict[str, Any] = {"cmd": cmd}
    if param is not None:
        body["param"] = param
    async with Conn(port, host) as conn:
        return await conn.request(body)


class Client:
    """Writes with per-command tokens (salt fetched once, refetched on -4)."""

    def __init__(
        self, port: int, password: str = "pw2026", account: str = "super", host: str = HOST
    ) -> None:
        self.port = port
        self.password = password
        self.account = account
        self.host = host
        self.salt = ""

    async def fetch_salt(self) -> str:
        reply = await read(self.port, "get.device.info", "salt", host=self.host)
        self.salt = reply["msg"]["salt"]
        return self.salt

    async def build(
        self, cmd: str, param: Any = None, *, secret: bool = False, pkcs7: bool = True
    ) -> dict[str, Any]:
        if not self.salt:
            await self.fetch_salt()
        ts = int(time.time())
        key = digest(cmd, self.password, self.salt, ts)
        body: dict[str, Any] = {"cmd": cmd, "ts": ts, "token": token(key), "account": self.account}
        if secret:
            plain = param if isinstance(param, bytes) else json.dumps(param).encode()
            body["param"] = seal(key, plain, pkcs7=pkcs7)
        elif param is not None:
            body["param"] = param
        return body

    async def framed(self, cmd: str, param: Any = None) -> bytes:
        return frame(json.dumps(await self.build(cmd, param)).encode())

    async def write(
        self, cmd: str, param: Any = None, *, secret: bool = False, pkcs7: bool = True
    ) -> Any:
        body = await self.build(cmd, param, secret=secret, pkcs7=pkcs7)
        async with Conn(self.port, self.host) as conn:
            return await conn.request(body)
