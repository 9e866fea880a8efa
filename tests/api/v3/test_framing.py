"""The v3 frame reader and writer on in-memory streams: the failure modes not seen on TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import struct

import pytest

from custom_components.whatsminer.api.errors import (
    WhatsMinerConnectionError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WhatsMinerTimeoutError,
)
from custom_components.whatsminer.api.v3.framing import (
    Connection,
    ConnectionClosedError,
    TruncatedFrameError,
)
from custom_components.whatsminer.api.v3.transport import read_reply


class _Writer:
    def __init__(self, error: Exception | None = None) -> None:
        self.data = b""
        self.error = error

    def write(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.data += data

    async def drain(self) -> None:
        return None

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        return None

    async def wait_closed(self) -> None:
        return None


def _conn(data: bytes = b"", *, eof: bool = True, error: Exception | None = None) -> Connection:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    conn = Connection("127.0.0.1", 1, 0.05)
    conn._reader, conn._writer = reader, _Writer(error)  # type: ignore[assignment]
    return conn


def _frame(body: bytes) -> bytes:
    return struct.pack("<I", len(body)) + body


async def test_unopened_connection() -> None:
    conn = Connection("127.0.0.1", 1, 0.05)
    assert conn.closed
    with pytest.raises(ConnectionClosedError):
        await conn.send(b"x")
    await conn.close()  # nothing to close


async def test_send_failure_and_eof_before_a_reply() -> None:
    with pytest.raises(ConnectionClosedError):
        await _conn(error=BrokenPipeError()).send(b"x")
    with pytest.raises(ConnectionClosedError):
        await _conn().read_frame()
    with pytest.raises(TruncatedFrameError):
        await _conn(b"\x05\x00").read_frame()


async def test_fragments_and_back_to_back_frames() -> None:
    conn = _conn(_frame(b'{"a":1}') + _frame(b'{"desc":"x","b":2}'), eof=False)
    assert await conn.read_frame() == {"a": 1}
    assert await read_reply(conn, "x") == {"desc": "x", "b": 2}
    with pytest.raises(WhatsMinerTimeoutError):
        await conn.read_frame()


async def test_too_many_pushes_before_the_reply() -> None:
    push = _frame(b'{"desc":"get.miner.report"}')
    assert await read_reply(_conn(push * 63 + _frame(b'{"desc":"get.x"}')), "get.x")
    with pytest.raises(WhatsMinerResponseError, match="among 64 frames"):
        await read_reply(_conn(push * 64 + _frame(b'{"desc":"get.x"}')), "get.x")


async def test_raw_bytes_phase() -> None:
    conn = _conn(b"abcdef", eof=False)
    assert await conn.read_exactly(4, None) == b"abcd"
    with pytest.raises(WhatsMinerTimeoutError, match="2 of 5"):
        await conn.read_exactly(3 + 2, None)
    with pytest.raises(WhatsMinerConnectionError):
        await _conn(b"ab").read_exactly(5, None)


async def test_send_file_skips_empty_chunks() -> None:
    conn = _conn()

    async def chunks() -> AsyncIterator[bytes]:
        yield b"ab"
        yield b""
        yield b"c"

    seen: list[tuple[int, int]] = []
    await conn.send_file(chunks(), 3, lambda done, total: seen.append((done, total)))
    assert conn._writer.data == b"\x03\x00\x00\x00abc"  # type: ignore[union-attr]
    assert seen == [(0, 3), (2, 3), (3, 3)]
    with pytest.raises(WhatsMinerError):
        await _conn().send_file(chunks(), 2, None)


async def test_spec_v3_reply_frame() -> None:
    body = b'{"code":0,"when":1773869570,"msg":"ok","desc":"set.miner.service"}'
    assert len(body) == 0x42
    conn = _conn(bytes.fromhex("42000000") + body)
    assert await read_reply(conn, "set.miner.service") == {
        "code": 0, "when": 1773869570, "msg": "ok", "desc": "set.miner.service",
    }  # fmt: skip
