"""A deliberately independent, minimal WhatsMiner client for the simulator's own tests.

Built from spec section 5 with passlib and pycryptodome; it shares nothing with our client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any

from Crypto.Cipher import AES
from passlib.hash import md5_crypt

HOST = "127.0.0.1"


def md5crypt_body(word: str, salt: str) -> str:
    return str(md5_crypt.hash(word, salt=salt)).split("$")[3]


def aes_for(password: str, salt: str) -> Any:
    key = hashlib.sha256(md5crypt_body(password, salt).encode()).digest()
    return AES.new(key, AES.MODE_ECB)


async def exchange(
    port: int, payload: bytes, *, wait_s: float = 5.0, half_close: bool = False
) -> bytes:
    """Send raw bytes on a fresh connection and read until the miner closes."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(payload)
        if half_close:
            writer.write_eof()
        await writer.drain()
        return await asyncio.wait_for(reader.read(), wait_s)
    finally:
        writer.close()
        await writer.wait_closed()


def loads(data: bytes) -> Any:
    return json.loads(data.rstrip(b"\x00"))


async def command(port: int, cmd: str, **args: Any) -> Any:
    return loads(await exchange(port, json.dumps({"cmd": cmd, **args}).encode()))


class Session:
    """get_token once, then encrypted commands with the token, like a real client."""

    def __init__(self, port: int, password: str = "admin") -> None:
        self.port = port
        self.password = password
        self.sign = ""
        self.cipher: Any = None
        self.retry = True

    async def login(self) -> Any:
        reply = await command(self.port, "get_token")
        msg = reply["Msg"]
        if isinstance(msg, dict):
            key = md5crypt_body(self.password, msg["salt"])
            self.sign = md5crypt_body(key + msg["time"], msg["newsalt"])
            self.cipher = aes_for(self.password, msg["salt"])
        return reply

    def seal(self, body: dict[str, Any], *, pkcs7: bool = False) -> bytes:
        plain = json.dumps({**body, "token": self.sign}).encode()
        pad = -len(plain) % 16
        plain += bytes([pad or 16]) * (pad or 16) if pkcs7 else b"\x00" * pad
        data = base64.b64encode(self.cipher.encrypt(plain)).decode()
        return json.dumps({"enc": 1, "data": data}).encode()

    def open(self, data: bytes) -> Any:
        reply = loads(data)
        if "enc" not in reply:
            return reply  # errors before decryption come in plaintext
        plain = self.cipher.decrypt(base64.b64decode(reply["enc"]))
        return json.loads(plain.rstrip(b"\x00"))

    async def write(self, cmd: str, *, pkcs7: bool = False, **args: Any) -> Any:
        """Send one encrypted command; fetch a fresh token once on code 135."""
        if not self.sign:
            await self.login()
        body = {"cmd": cmd, **args}
        reply = self.open(await exchange(self.port, self.seal(body, pkcs7=pkcs7)))
        if reply.get("Code") == 135 and self.retry:
            await self.login()
            reply = self.open(await exchange(self.port, self.seal(body, pkcs7=pkcs7)))
        return reply
