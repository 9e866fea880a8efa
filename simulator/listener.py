"""One TCP port of a miner, opened and closed on demand (offline, reboot, firmware switch)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import socket
from typing import Any

type Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


class Listener:
    """Keeps its port number across close/open, so a miner comes back where it was."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self.host = host
        self.port = port
        self._handler = handler
        self._spawn = spawn
        self._sock: socket.socket | None = None
        self._server: asyncio.Server | None = None
        self._servers: list[asyncio.Server] = []

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def want(self, open_: bool) -> None:
        if open_ and self._sock is None:
            self._open()
        elif not open_ and self._sock is not None:
            self._close()

    def _open(self) -> None:
        sock = socket.create_server((self.host, self.port), backlog=128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._spawn(self._serve(sock))

    async def _serve(self, sock: socket.socket) -> None:
        if self._sock is not sock:
            return
        server = await asyncio.start_server(self._handler, sock=sock)
        self._servers.append(server)
        if self._sock is sock:
            self._server = server
        else:
            server.close()

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        server, self._server = self._server, None
        if server is not None:
            server.close()
        elif sock is not None:
            sock.close()

    async def shutdown(self) -> None:
        self._close()
        for server in self._servers:
            server.close()
            server.close_clients()
        await asyncio.gather(*(s.wait_closed() for s in self._servers))
        self._servers.clear()
