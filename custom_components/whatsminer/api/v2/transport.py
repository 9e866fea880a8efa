"""One TCP exchange with a miner (spec 1): connect, send, read one reply; binary phases.

A reply ends at EOF, at a NUL byte, or once the bytes hold a complete JSON object, whichever
comes first; bytes after the object (the start of a log file, spec 6.12) are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable
import contextlib
import socket
import struct
from types import TracebackType
from typing import Any, Self

from ..connect import connect_errors, open_connection, read_raw, send_chunks
from ..errors import WhatsMinerConnectionError, WhatsMinerTimeoutError
from .protocol import BLANK, JsonEnd, loads

_READ_SIZE = 65536
MAX_REPLY_BYTES = 4 * 1024 * 1024


class Reply:
    """The bytes of one reply, and how it ended."""

    __slots__ = ("data", "eof", "leftover", "timed_out", "value")

    def __init__(
        self, data: bytes, *, leftover: bytes, eof: bool, timed_out: bool, value: Any = None
    ) -> None:
        self.data = data  # the reply itself, without a terminating NUL
        self.leftover = leftover  # bytes read past the end of the JSON object
        self.eof = eof  # the miner closed the connection
        self.timed_out = timed_out  # the read timeout ended it
        self.value = value  # the decoded reply when it was valid JSON (else None)


def _whole_json(buf: bytes) -> tuple[int, Any] | None:
    """Where the reply ends, and its value, when the bytes are one valid JSON document
    (followed by nothing but blanks and NULs): the common case, found at the C speed of
    the json module."""
    text = buf.rstrip(BLANK)
    if not text.endswith((b"}", b"]")):
        return None
    try:
        return len(text), loads(text)
    except ValueError:
        return None


class ReplyCollector:
    """Gathers the chunks of one reply until it ends (EOF, a NUL byte, a complete object)."""

    __slots__ = ("_buf", "_end", "_scanned", "_scanner", "_value", "eof")

    def __init__(self) -> None:
        self._buf = b""
        self._scanner = JsonEnd()
        self._scanned = 0  # bytes fed to the scanner
        self._end: int | None = None
        self._value: Any = None  # the decoded reply, when it was valid JSON
        self.eof = False  # the miner closed the connection

    @property
    def complete(self) -> bool:
        """The reply is whole: no need to read further."""
        return self._end is not None or self.eof

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes; raises when the reply grows beyond any real reply."""
        start = len(self._buf)
        self._buf += chunk
        if len(self._buf) > MAX_REPLY_BYTES:
            raise WhatsMinerConnectionError("The miner's reply is too large")
        if (whole := _whole_json(self._buf)) is not None:
            self._end, self._value = whole
            return
        # Not (yet) one valid document: find the end bracket by bracket (invalid JSON,
        # spec 7.2, or bytes after the object, spec 6.12).
        end = self._scanner.feed(self._buf[self._scanned :])
        self._scanned = len(self._buf)
        nul = chunk.find(b"\x00")
        if end is None and nul >= 0 and self._buf[: start + nul].strip():
            end = start + nul
        self._end = end

    def cut_short(self, err: Exception, *, timed_out: bool) -> Reply:
        """The reply as far as it came when a timeout or reset stopped the read; an error
        when nothing came at all."""
        if not self._buf:
            if timed_out:
                raise WhatsMinerTimeoutError("The miner did not answer in time") from err
            raise WhatsMinerConnectionError(f"Connection lost: {err}") from err
        return self._reply(timed_out=timed_out, eof=not timed_out)

    def reply(self) -> Reply:
        """The reply once it is complete."""
        return self._reply(timed_out=False, eof=self.eof)

    def _reply(self, *, timed_out: bool, eof: bool) -> Reply:
        buf, end = self._buf, self._end
        if end is None:
            return Reply(buf.split(b"\x00", 1)[0], leftover=b"", eof=eof, timed_out=timed_out)
        skip = end + 1 if buf[end : end + 1] == b"\x00" else end
        return Reply(buf[:end], leftover=buf[skip:], eof=False, timed_out=False, value=self._value)


def _literal_address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]] | None:
    """The socket family and address of an IP address written out (no lookup needed)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return family, (host, port) if family is socket.AF_INET else (host, port, 0, 0)
    return None


async def _connect(host: str, port: int) -> socket.socket:
    """A connected non-blocking socket; a host name is looked up first (off the loop)."""
    loop = asyncio.get_running_loop()
    if (literal := _literal_address(host, port)) is not None:
        candidates = [literal]
    else:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        candidates = [(info[0], info[4]) for info in infos]
    error: OSError = OSError(f"no address for {host}")
    for family, address in candidates:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as err:
            sock.close()
            error = err
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise error


async def exchange(host: str, port: int, timeout: float, request: bytes) -> Reply:  # noqa: ASYNC109
    """One request on a connection of its own and its reply: what a read costs, on the
    loop's socket calls without a transport (a poll makes two or three of these per miner).
    Connecting, then sending and reading, are each bounded by `timeout`."""
    loop = asyncio.get_running_loop()
    with connect_errors(host, port):
        async with asyncio.timeout(timeout):
            sock = await _connect(host, port)
    collector = ReplyCollector()
    try:
        async with asyncio.timeout(timeout):
            await loop.sock_sendall(sock, request)
            while not collector.complete:
                if chunk := await loop.sock_recv(sock, _READ_SIZE):
                    collector.feed(chunk)
                else:
                    collector.eof = True
    except TimeoutError as err:
        return collector.cut_short(err, timed_out=True)
    except OSError as err:  # a reset: what arrived so far is the reply
        return collector.cut_short(err, timed_out=False)
    finally:
        sock.close()
    return collector.reply()


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
        collector = ReplyCollector()
        try:
            async with asyncio.timeout(self._timeout):
                while not collector.complete:
                    chunk = await reader.read(_READ_SIZE)
                    if not chunk:
                        collector.eof = True
                        break
                    collector.feed(chunk)
        except TimeoutError as err:
            return collector.cut_short(err, timed_out=True)
        except ConnectionError as err:
            return collector.cut_short(err, timed_out=False)
        return collector.reply()

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
