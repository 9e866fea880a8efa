"""Transport failures that a loopback server cannot easily produce."""

from __future__ import annotations

import asyncio
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
