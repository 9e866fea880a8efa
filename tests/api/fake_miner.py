"""A small scriptable WhatsMiner for client tests (independent of the client's code)."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import hashlib
import json
import secrets
from typing import Any

from Crypto.Cipher import AES
from passlib.hash import md5_crypt

from . import samples

HANG = object()  # a handler result: say nothing and keep the connection open


def _body(word: str, salt: str) -> str:
    return md5_crypt.using(salt=salt).hash(word).split("$")[3]


@dataclass
class Request:
    cmd: str
    body: dict[str, Any]
    encrypted: bool
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    leftover: bytes = b""


Handler = Callable[[Request], Awaitable[Any]]


@dataclass
class FakeMiner:
    password: str = "admin"
    salt: str = "BQ5hoXV9"
    nul: bool = True
    replies: dict[str, Any] = field(
        default_factory=lambda: {
            "summary": samples.SUMMARY,
            "edevs": samples.EDEVS,
            "devs": samples.EDEVS,
            "pools": samples.POOLS,
            "devdetails": samples.DEVDETAILS,
            "get_psu": samples.PSU,
            "get_version": samples.VERSION,
            "status": samples.STATUS_NEW,
            "get_miner_info": samples.MINER_INFO,
            "get_error_code": samples.ERROR_CODE_LIST,
        }
    )
    handlers: dict[str, Handler] = field(default_factory=dict)
    connections: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    requests: list[Request] = field(default_factory=list)
    signs: set[str] = field(default_factory=set)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> FakeMiner:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def aes_key(self) -> bytes:
        return hashlib.sha256(_body(self.password, self.salt).encode()).digest()

    def encrypt(self, reply: dict[str, Any]) -> dict[str, str]:
        plain = json.dumps(reply).encode()
        plain += b"\x00" * (-len(plain) % 16)
        data = AES.new(self.aes_key, AES.MODE_ECB).encrypt(plain)
        return {"enc": base64.b64encode(data).decode()}

    def issue_token(self) -> dict[str, Any]:
        newsalt = secrets.token_hex(4)
        stamp = "1234"
        self.signs.add(_body(_body(self.password, self.salt) + stamp, newsalt))
        self.commands["tokens_issued"] += 1
        return {
            "STATUS": "S",
            "When": 1700001234,
            "Code": 134,
            "Msg": {"time": stamp, "salt": self.salt, "newsalt": newsalt},
            "Description": "",
        }

    @staticmethod
    def ok(msg: Any = "API command OK") -> dict[str, Any]:
        return {"STATUS": "S", "When": 1, "Code": 131, "Msg": msg, "Description": ""}

    async def read_request(self, reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
        """The next JSON request on a connection, and the bytes read past it."""
        return await self._read_request(reader)

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
        buf = b""
        while True:
            chunk = await reader.read(4096)
            if not chunk:
                raise ConnectionError
            buf += chunk
            try:
                value, end = json.JSONDecoder().raw_decode(buf.decode("latin-1"))
            except ValueError:
                continue
            return value, buf[end:]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            body, leftover = await self._read_request(reader)
            result = await self._dispatch(body, reader, writer, leftover)
            if result is HANG:
                await reader.read()
            elif result is not None:
                writer.write(result if isinstance(result, bytes) else json.dumps(result).encode())
                if self.nul and not isinstance(result, bytes):
                    writer.write(b"\x00")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _dispatch(
        self,
        body: dict[str, Any],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        leftover: bytes,
    ) -> Any:
        encrypted = body.get("enc") == 1
        if encrypted:
            try:
                raw = AES.new(self.aes_key, AES.MODE_ECB).decrypt(base64.b64decode(body["data"]))
                body = json.loads(raw.rstrip(b"\x00"))
            except ValueError:
                return json.loads(samples.ERR_23)
            if body.get("token") not in self.signs:
                return json.loads(samples.ERR_135)
        cmd = body.get("cmd", body.get("command"))  # cgminer-style "command" too
        request = Request(str(cmd), body, encrypted, reader, writer, leftover)
        self.requests.append(request)
        self.commands[request.cmd] += 1
        handler = self.handlers.get(request.cmd)
        if handler is not None:
            result = await handler(request)
        elif request.cmd == "get_token":
            result = self.issue_token()
        elif request.cmd in self.replies:
            result = self.replies[request.cmd]
        elif "+" in request.cmd:
            result = {part: [json.loads(self.replies[part])] for part in request.cmd.split("+")} | {
                "id": 1
            }
        elif encrypted:
            result = self.ok()
        else:
            result = json.loads(samples.ERR_14)
        if isinstance(result, str):
            result = json.loads(result)
        if encrypted and isinstance(result, dict):
            return self.encrypt(result)
        return result
