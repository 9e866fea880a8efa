"""The one kept connection to a miner (spec 1.3): reused, reopened, one request at a time.

The miner closes a connection after 300 s of inactivity. Rather than sending heartbeats, a
connection idle for IDLE_REOPEN_S, or one the miner visibly closed, is reopened before the
next request. A kept connection that turns out dead only when used (no reply byte at all)
is retried once on a fresh connection for reads; never for writes, which may have run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
import time
from typing import Any

from ..errors import WhatsMinerConnectionError, WhatsMinerError, WhatsMinerResponseError
from .framing import Connection, ConnectionClosedError, TruncatedFrameError, encode_frame

IDLE_REOPEN_S = 280.0
_MAX_SKIPPED_FRAMES = 64  # status pushes of set.miner.report pile up while idle


async def read_reply(
    conn: Connection,
    cmd: str,
    timeout: float | None = None,  # noqa: ASYNC109 - per frame
) -> dict[str, Any]:
    """The reply to `cmd`; frames for another command (auto-report pushes) are skipped."""
    for _ in range(_MAX_SKIPPED_FRAMES):
        reply = await conn.read_frame(timeout)
        desc = reply.get("desc")
        if not isinstance(desc, str) or desc in ("", cmd):
            return reply
    raise WhatsMinerResponseError(f"No reply to '{cmd}' among {_MAX_SKIPPED_FRAMES} frames")


class Link:
    """At most one connection to host:port, used by one request at a time."""

    def __init__(
        self, host: str, port: int, timeout: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._clock = clock
        self._conn: Connection | None = None
        self._used_at = 0.0
        self._lock = asyncio.Lock()
        self.connections = 0  # connections opened, for diagnostics and measurements
        self.requests = 0  # frames sent

    async def _connection(self) -> tuple[Connection, bool]:
        """The kept connection, or a new one; True when new."""
        conn = self._conn
        if conn is not None and not conn.closed and self._clock() - self._used_at < IDLE_REOPEN_S:
            return conn, False
        await self.drop()
        conn = Connection(self.host, self.port, self.timeout)
        await conn.open()
        self.connections += 1
        self._conn = conn
        return conn, True

    async def drop(self) -> None:
        """Close the kept connection (the next request opens a new one)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def close(self) -> None:
        async with self._lock:
            await self.drop()

    async def exchange(
        self,
        request: dict[str, Any],
        *,
        idempotent: bool,
        on_lost: Callable[[WhatsMinerError], WhatsMinerError] | None = None,
    ) -> dict[str, Any]:
        """Send one request and read its reply.

        A read (`idempotent`) is retried once when a kept connection proves dead. When the
        connection fails after the request was sent, `on_lost(error)` is raised instead of
        the error, if given. Failing to connect raises as is: then nothing was sent.
        """
        cmd = str(request.get("cmd", ""))
        data = encode_frame(request)
        async with self._lock:
            retry = idempotent
            while True:
                conn, fresh = await self._connection()
                try:
                    self.requests += 1
                    await conn.send(data)
                    reply = await read_reply(conn, cmd)
                except (WhatsMinerConnectionError, TruncatedFrameError) as err:
                    await self.drop()
                    if isinstance(err, ConnectionClosedError) and retry and not fresh:
                        retry = False
                        continue
                    if on_lost is None:
                        raise
                    raise on_lost(err) from err
                except BaseException:
                    await self.drop()  # the stream is at an unknown place
                    raise
                self._used_at = self._clock()
                return reply

    @asynccontextmanager
    async def hold(self, *, keep: bool = True) -> AsyncIterator[Connection]:
        """The connection, held for a multi-frame exchange (firmware upload, log download).

        It is dropped afterwards on any error, or always with keep=False.
        """
        async with self._lock:
            conn, _ = await self._connection()
            self.requests += 1
            try:
                yield conn
            except BaseException:
                await self.drop()
                raise
            if keep:
                self._used_at = self._clock()
            else:
                await self.drop()
