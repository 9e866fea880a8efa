"""Transport failures that a loopback server cannot easily produce."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.v2 import transport
from custom_components.whatsminer.api.v2.transport import Connection

from .fake_miner import HANG, FakeMiner, Request


async def test_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    async def never(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(10)

    monkeypatch.setattr(transport.asyncio, "open_connection", never)
    with pytest.raises(errors.WhatsMinerTimeoutError, match="connecting"):
        async with Connection("127.0.0.1", 1, 0.05):
            pass


async def test_unopened_connection_refuses_io() -> None:
    conn = Connection("127.0.0.1", 1, 1.0)
    with pytest.raises(errors.WhatsMinerConnectionError, match="not open"):
        await conn.send(b"{}")
    await conn.close()


async def test_send_failures(miner: FakeMiner, monkeypatch: pytest.MonkeyPatch) -> None:
    async def hang(request: Request) -> object:
        return HANG

    miner.handlers["x"] = hang
    async with Connection("127.0.0.1", miner.port, 1.0) as conn:
        writer = conn._streams()[1]

        async def slow_drain() -> None:
            await asyncio.sleep(10)

        monkeypatch.setattr(writer, "drain", slow_drain)
        conn._timeout = 0.05
        with pytest.raises(errors.WhatsMinerTimeoutError, match="sending"):
            await conn.send(b"{}")

        async def broken_drain() -> None:
            raise ConnectionResetError("reset")

        monkeypatch.setattr(writer, "drain", broken_drain)
        with pytest.raises(errors.WhatsMinerConnectionError, match="while sending"):
            await conn.send(b"{}")


async def _ok(request: Request) -> object:
    return {"STATUS": "S", "Code": 131, "Msg": "ok"}


async def test_exchange_looks_up_a_host_name(miner: FakeMiner) -> None:
    """A miner added by name (a DNS or mDNS name) is looked up off the loop, then read."""
    miner.handlers["x"] = _ok
    reply = await transport.exchange("localhost", miner.port, 1.0, b'{"cmd":"x"}')
    assert reply.value == {"STATUS": "S", "Code": 131, "Msg": "ok"}


async def test_exchange_tries_each_address_of_a_name(
    miner: FakeMiner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name with several addresses: the first that takes the connection is read; none
    at all is a connection error that says which host."""
    miner.handlers["x"] = _ok
    loop = asyncio.get_running_loop()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    addresses: list[tuple[Any, ...]] = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", refused_port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", miner.port)),
    ]

    async def lookup(*args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return addresses

    monkeypatch.setattr(loop, "getaddrinfo", lookup)
    reply = await transport.exchange("miner.lan", miner.port, 1.0, b'{"cmd":"x"}')
    assert reply.value is not None and reply.value["Msg"] == "ok"

    addresses = []
    with pytest.raises(errors.WhatsMinerConnectionError, match=r"miner\.lan"):
        await transport.exchange("miner.lan", miner.port, 1.0, b'{"cmd":"x"}')


async def test_exchange_connect_timeout_and_reset(
    miner: FakeMiner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connect that never completes times out (the socket is closed); a reset before any
    byte of the reply is a lost connection, not an empty reply."""
    loop = asyncio.get_running_loop()
    opened: list[socket.socket] = []

    async def never(sock: socket.socket, address: Any) -> None:
        opened.append(sock)
        await asyncio.sleep(10)

    with monkeypatch.context() as patched:
        patched.setattr(loop, "sock_connect", never)
        with pytest.raises(errors.WhatsMinerTimeoutError, match="connecting"):
            await transport.exchange("127.0.0.1", miner.port, 0.05, b'{"cmd":"x"}')
    assert opened[0].fileno() == -1  # closed

    async def reset(sock: socket.socket, size: int) -> bytes:
        raise ConnectionResetError("reset by peer")

    monkeypatch.setattr(loop, "sock_recv", reset)
    with pytest.raises(errors.WhatsMinerConnectionError, match="Connection lost"):
        await transport.exchange("127.0.0.1", miner.port, 1.0, b'{"cmd":"x"}')
