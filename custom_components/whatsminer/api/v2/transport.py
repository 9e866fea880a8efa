"""One TCP exchange with a miner (spec 1): connect, send, read one reply; binary phases.

A reply ends at EOF, at a NUL byte, or once the bytes hold a complete JSON object, whichever
comes first; bytes after the object (the start of a log file, spec 6.12) are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable
import contextlib
import struct
from types import TracebackType
from typing import Self

from ..connect import open_connection, read_raw, send_chunks
from ..errors import WhatsMinerConnectionError, WhatsMinerTimeoutError
from .protocol import JsonEnd

_READ_SIZE = 65536
MAX_REPLY_BYTES = 4 * 1024 * 1024


class Reply:
    """The bytes of one reply, and how it ended."""

    __slots__ = ("data", "eof", "leftover", "timed_out")

    def __init__(self, data: bytes, *, leftover: bytes, eof: bool, timed_out: bool) -> None:
        self.data = data  # the reply itself, without a terminating NUL
        self.leftover = leftover  # bytes read past the end of the JSON object
        self.eof = eof  # the miner closed the connection
        self.timed_out = timed_out  # the read timeout ended it


class Connection:
    """One TCP connection to a miner; use as `async with Connection(...) as conn:`."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Self:
        self._reader, self._writer = await open_connection(self._host, self._port, self._timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection; never raises."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(self._timeout):
                await writer.wait_closed()

    def _streams(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            raise WhatsMinerConnectionError("Connection is not open")
        return self._reader, self._writer

    async def send(self, data: bytes) -> None:
        """Write `data` and wait until it is handed to the OS."""
        _, writer = self._streams()
        try:
            writer.write(data)
            async with asyncio.timeout(self._timeout):
                await writer.drain()
        except TimeoutError as err:
            raise WhatsMinerTimeoutError("Timed out sending to the miner") from err
        except OSError as err:
            raise WhatsMinerConnectionError(f"Connection lost while sending: {err}") from err

    async def read_reply(self) -> Reply:
        """Read one reply. A timeout or reset after some bytes returns what arrived."""
        reader, _ = self._streams()
        buf = b""
        scanner = JsonEnd()
        end: int | None = None
        eof = timed_out = False
        try:
            async with asyncio.timeout(self._timeout):
                while end is None:
                    chunk = await reader.read(_READ_SIZE)
                    if not chunk:
                        eof = True
                        break
                    start = len(buf)
                    buf += chunk
                    if len(buf) > MAX_REPLY_BYTES:
                        raise WhatsMinerConnectionError("The miner's reply is too large")
                    end = scanner.feed(chunk)
                    nul = chunk.find(b"\x00")
                    if end is None and nul >= 0 and buf[: start + nul].strip():
                        end = start + nul
        except TimeoutError as err:
            if not buf:
                raise WhatsMinerTimeoutError("The miner did not answer in time") from err
            timed_out = True
        except ConnectionError as err:
            if not buf:
                raise WhatsMinerConnectionError(f"Connection lost: {err}") from err
            eof = True
        if end is None:
            return Reply(buf.split(b"\x00", 1)[0], leftover=b"", eof=eof, timed_out=timed_out)
        skip = end + 1 if buf[end : end + 1] == b"\x00" else end
        return Reply(buf[:end], leftover=buf[skip:], eof=False, timed_out=False)

    async def read_exactly(
        self, size: int, first: bytes, progress: Callable[[int, int], None] | None
    ) -> bytes:
        """Read `size` raw bytes, starting with `first` (already read), reporting progress."""
        reader, _ = self._streams()
        return await read_raw(reader, size, first=first, timeout=self._timeout, progress=progress)

    async def send_file(
        self,
        chunks: AsyncIterable[bytes],
        size: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Send a 4-byte little-endian size, then exactly `size` bytes from `chunks`."""
        await self.send(struct.pack("<I", size))
        await send_chunks(self.send, chunks, size, progress)
