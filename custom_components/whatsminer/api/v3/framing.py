"""API v3 framing (spec 1.2): a 4-byte little-endian length, then that many bytes of JSON.

`Connection` is one TCP connection speaking such frames, plus the two raw phases of spec
4.11 (firmware upload) and 4.12 (log download). A reply is read as exactly `length` bytes,
never up to EOF: the miner keeps the connection open.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable
import contextlib
import json
import struct
from typing import Any

from .. import jsondecode
from ..connect import open_connection, read_raw, send_chunks
from ..errors import (
    WhatsMinerConnectionError,
    WhatsMinerResponseError,
    WhatsMinerTimeoutError,
)

HEADER = struct.Struct("<I")
MAX_FRAME_BYTES = 1024 * 1024  # spec 1.2 recommendation

Progress = Callable[[int, int], None]


class ConnectionClosedError(WhatsMinerConnectionError):
    """The connection ended before a single byte of the reply arrived (or the send failed)."""


class TruncatedFrameError(WhatsMinerResponseError):
    """The connection ended in the middle of a frame."""


# One encoder for every request: json.dumps with other than its default options builds a
# new encoder at each call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode_frame(message: dict[str, Any]) -> bytes:
    """The wire bytes of one request: length header plus compact JSON."""
    body = _ENCODER.encode(message).encode()
    return HEADER.pack(len(body)) + body


def _bounded_int(digits: str) -> int | None:
    """JSON integers beyond any real value (which float() cannot take) become None."""
    return int(digits) if len(digits) <= 30 else None


def decode_body(body: bytes) -> dict[str, Any]:
    """One frame's JSON object; anything else is a WhatsMinerResponseError."""
    try:
        value = jsondecode.loads(
            body, parse_constant=jsondecode.constant_as_none, parse_int=_bounded_int
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise WhatsMinerResponseError(f"Reply is not valid JSON: {err}") from err
    if not isinstance(value, dict):
        raise WhatsMinerResponseError("Reply is not a JSON object")
    return value


class Connection:
    """One TCP connection to a miner's API v3 port."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await open_connection(self.host, self.port, self.timeout)

    @property
    def closed(self) -> bool:
        """Whether the connection is closed, or the miner has closed its side."""
        return (
            self._reader is None
            or self._writer is None
            or self._writer.is_closing()
            or self._reader.at_eof()
        )

    async def close(self) -> None:
        """Close the connection; never raises."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(self.timeout):
                await writer.wait_closed()

    def _streams(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            raise ConnectionClosedError("Connection is not open")
        return self._reader, self._writer

    async def send(self, data: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Write `data` and wait until the OS took it."""
        _, writer = self._streams()
        try:
            writer.write(data)
            async with asyncio.timeout(timeout or self.timeout):
                await writer.drain()
        except TimeoutError as err:
            raise WhatsMinerTimeoutError("Timed out sending to the miner") from err
        except (OSError, RuntimeError) as err:
            raise ConnectionClosedError(f"Connection lost while sending: {err}") from err

    async def read_frame(self, timeout: float | None = None) -> dict[str, Any]:  # noqa: ASYNC109
        """Read one frame: exactly 4 header bytes, then exactly `length` body bytes."""
        reader, _ = self._streams()
        received = 0
        try:
            async with asyncio.timeout(timeout or self.timeout):
                header = await reader.readexactly(HEADER.size)
                received = HEADER.size
                (length,) = HEADER.unpack(header)
                if not 0 < length <= MAX_FRAME_BYTES:
                    raise WhatsMinerResponseError(f"Invalid frame length {length}")
                body = await reader.readexactly(length)
        except TimeoutError as err:
            raise WhatsMinerTimeoutError("The miner did not answer in time") from err
        except asyncio.IncompleteReadError as err:
            if received == 0 and not err.partial:
                raise ConnectionClosedError("The miner closed the connection") from err
            raise TruncatedFrameError("The connection ended inside a frame") from err
        except OSError as err:
            if received == 0:
                raise ConnectionClosedError(f"Connection lost: {err}") from err
            raise TruncatedFrameError(f"Connection lost inside a frame: {err}") from err
        return decode_body(body)

    async def read_exactly(
        self,
        size: int,
        progress: Progress | None,
        timeout: float | None = None,  # noqa: ASYNC109 - per read
    ) -> bytes:
        """`size` raw bytes (no header), reporting progress (spec 4.12)."""
        reader, _ = self._streams()
        return await read_raw(reader, size, timeout=timeout or self.timeout, progress=progress)

    async def send_file(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        progress: Progress | None,
        timeout: float | None = None,  # noqa: ASYNC109 - per write
    ) -> None:
        """A 4-byte little-endian size, then exactly `size` bytes from `chunks` (spec 4.11)."""
        await self.send(HEADER.pack(size), timeout)

        async def send(chunk: bytes) -> None:
            await self.send(chunk, timeout)

        await send_chunks(send, chunks, size, progress)
