"""Spec 1.2: every message is a 4-byte little-endian length and that many bytes of JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any

MAX_FRAME = 1024 * 1024  # a longer announced length closes the connection (spec 1.2)
HEADER = 4

type Json = dict[str, Any]


def frame(body: bytes) -> bytes:
    return len(body).to_bytes(HEADER, "little") + body


def reply(code: int, msg: object, when: float, desc: str) -> Json:
    return {"code": code, "when": int(when), "msg": msg, "desc": desc}


def encode(message: Json) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


class FrameTooLong(Exception):
    """The peer announced more than MAX_FRAME bytes."""


async def read_frame(reader: asyncio.StreamReader, timeout_s: float) -> bytes:
    """One frame's body (b"" for a heartbeat). Raises TimeoutError when idle too long,
    IncompleteReadError at EOF and FrameTooLong for an oversized length."""
    header = await asyncio.wait_for(reader.readexactly(HEADER), timeout_s)
    size = int.from_bytes(header, "little")
    if size > MAX_FRAME:
        raise FrameTooLong(size)
    if not size:
        return b""
    return await asyncio.wait_for(reader.readexactly(size), timeout_s)
