"""A tiny API v3 port for detection tests: length-prefixed JSON frames (spec v3 1.2).

Independent of the client's code: it answers `get.device.info` with the device info it
holds, and any other command from `replies` (or -2, unknown command). `raw` replaces every
answer with bytes (something that is not a WhatsMiner); `silent` accepts and closes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
import json
import socket
import struct
from typing import Any


def device_info(
    *, api: str = "3.0.2", firmware: str = "20250915.16.Rel2", apiswitch: str = "1"
) -> dict[str, Any]:
    """The `msg` of get.device.info, shaped like the M50 capture of spec v3 4.1.1."""
    return {
        "network": {
            "ip": "10.10.10.20",
            "proto": "dhcp",
            "netmask": "255.255.255.0",
            "mac": "c4:08:28:00:aa:bb",
            "hostname": "WhatsMiner",
        },
        "miner": {"working": "true", "type": "M50_VH84", "board-num": "3"},
        "system": {"api": api, "fwversion": firmware, "apiswitch": apiswitch},
        "power": {"type": "P221B", "vin": 231.5, "pin": 3573},
        "salt": "uhCiDyVj",
        "error-code": [],
    }


@dataclass
class FakeV3Port:
    info: dict[str, Any] = field(default_factory=device_info)
    replies: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None
    silent: bool = False
    connections: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> FakeV3Port:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Close the port: connections are refused from now on."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeV3Port:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def answer(self, cmd: str) -> dict[str, Any]:
        if cmd == "get.device.info":
            msg: Any = self.info
        elif cmd in self.replies:
            msg = self.replies[cmd]
        else:
            return {"code": -2, "when": 1, "msg": "invalid command", "desc": cmd}
        return {"code": 0, "when": 1761111204, "msg": msg, "desc": cmd}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while not self.silent:
                (length,) = struct.unpack("<I", await reader.readexactly(4))
                request = json.loads(await reader.readexactly(length))
                self.commands[request["cmd"]] += 1
                if self.raw is not None:
                    writer.write(self.raw)
                else:
                    body = json.dumps(self.answer(request["cmd"])).encode()
                    writer.write(struct.pack("<I", len(body)) + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A loopback port (TCP, or of `kind`) nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
