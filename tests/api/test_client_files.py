"""Firmware upload and log download: the binary phases on the same connection, byte-exact."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
import os
import struct
from typing import Any

import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.v2.client import WhatsMinerClient

from . import samples
from .fake_miner import HANG, FakeMiner, Request

FIRMWARE = os.urandom(200_000) + b"\x00\x00{}"
LOGS = b"\x1f\x8b" + os.urandom(150_000) + b"\x00"


def _client(miner: FakeMiner, timeout: float = 2.0) -> WhatsMinerClient:
    return WhatsMinerClient("127.0.0.1", miner.port, timeout=timeout)


async def _chunks(data: bytes, size: int = 16_384) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
    yield b""


def _receiver(miner: FakeMiner, received: list[bytes], final: Any = None) -> None:
    async def update(request: Request) -> Any:
        ready = json.dumps(miner.encrypt(miner.ok("ready"))).encode()
        request.writer.write(ready)
        await request.writer.drain()
        buf = request.leftover
        while len(buf) < 4:
            buf += await request.reader.read(4096)
        (size,) = struct.unpack("<I", buf[:4])
        data = buf[4:]
        while len(data) < size:
            chunk = await request.reader.read(65536)
            if not chunk:
                break
            data += chunk
        received.append(data)
        return final

    miner.handlers["update_firmware"] = update


async def test_firmware_upload_byte_exact_with_progress(miner: FakeMiner) -> None:
    received: list[bytes] = []
    _receiver(miner, received, final=miner.ok("Updated"))
    progress: list[tuple[int, int]] = []
    client = _client(miner)
    await client.update_firmware(
        _chunks(FIRMWARE),
        len(FIRMWARE),
        progress=lambda done, total: progress.append((done, total)),
    )
    assert received == [FIRMWARE]
    assert progress[0] == (0, len(FIRMWARE))
    assert progress[-1] == (len(FIRMWARE), len(FIRMWARE))
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert miner.commands["update_firmware"] == 1


async def test_firmware_upload_without_final_ack(miner: FakeMiner) -> None:
    received: list[bytes] = []
    _receiver(miner, received, final=None)
    await _client(miner).update_firmware(_chunks(FIRMWARE), len(FIRMWARE))
    assert received == [FIRMWARE]


async def test_firmware_upload_final_silence_is_success(miner: FakeMiner) -> None:
    received: list[bytes] = []
    _receiver(miner, received, final=HANG)
    await _client(miner, timeout=0.3).update_firmware(_chunks(FIRMWARE), len(FIRMWARE))
    assert received == [FIRMWARE]


async def test_firmware_upload_final_error_is_raised(miner: FakeMiner) -> None:
    received: list[bytes] = []
    _receiver(miner, received, final=json.loads(samples.ERR_14))
    with pytest.raises(errors.CommandRejectedError):
        await _client(miner).update_firmware(_chunks(FIRMWARE), len(FIRMWARE))


async def test_firmware_size_mismatch(miner: FakeMiner) -> None:
    _receiver(miner, [])
    with pytest.raises(errors.WhatsMinerError, match="larger"):
        await _client(miner).update_firmware(_chunks(FIRMWARE), len(FIRMWARE) - 1)
    with pytest.raises(errors.WhatsMinerError, match="ended after"):
        await _client(miner).update_firmware(_chunks(FIRMWARE), len(FIRMWARE) + 1)


async def test_firmware_not_ready(miner: FakeMiner) -> None:
    async def busy(request: Request) -> dict[str, Any]:
        return miner.ok("busy")

    miner.handlers["update_firmware"] = busy
    with pytest.raises(errors.WhatsMinerResponseError, match="not ready"):
        await _client(miner).update_firmware(_chunks(FIRMWARE), len(FIRMWARE))


async def test_firmware_token_expired_is_retried_before_sending_the_file(
    miner: FakeMiner,
) -> None:
    received: list[bytes] = []
    _receiver(miner, received)
    client = _client(miner)
    await client.power_on()
    miner.signs.clear()
    await client.update_firmware(_chunks(FIRMWARE), len(FIRMWARE))
    assert received == [FIRMWARE]
    assert miner.commands["tokens_issued"] == 2


def _logs(miner: FakeMiner, data: bytes, *, together: bool, length: int | None = None) -> None:
    async def download(request: Request) -> bytes:
        header = miner.encrypt(
            miner.ok({"logfilelen": str(len(data) if length is None else length)})
        )
        request.writer.write(json.dumps(header).encode())
        if not together:
            await request.writer.drain()
        return data

    miner.handlers["download_logs"] = download


@pytest.mark.parametrize("together", [True, False])
async def test_log_download_byte_exact(miner: FakeMiner, together: bool) -> None:
    _logs(miner, LOGS, together=together)
    progress: list[int] = []
    data = await _client(miner).download_logs(progress=lambda done, total: progress.append(done))
    assert data == LOGS
    assert progress[-1] == len(LOGS)


async def test_log_download_cut_short(miner: FakeMiner) -> None:
    _logs(miner, LOGS[:1000], together=True, length=len(LOGS))
    with pytest.raises(errors.WhatsMinerConnectionError, match="closed after"):
        await _client(miner).download_logs()


async def test_log_download_stalls(miner: FakeMiner) -> None:
    async def stall(request: Request) -> object:
        header = miner.encrypt(miner.ok({"logfilelen": "5000"}))
        request.writer.write(json.dumps(header).encode() + b"abc")
        return HANG

    miner.handlers["download_logs"] = stall
    with pytest.raises(errors.WhatsMinerTimeoutError):
        await _client(miner, timeout=0.3).download_logs()


async def test_log_download_bad_header(miner: FakeMiner) -> None:
    async def bad(request: Request) -> dict[str, Any]:
        return miner.ok({"logfilelen": "lots"})

    miner.handlers["download_logs"] = bad
    with pytest.raises(errors.WhatsMinerResponseError, match="header"):
        await _client(miner).download_logs()


async def test_empty_log(miner: FakeMiner) -> None:
    _logs(miner, b"", together=True)
    assert await _client(miner).download_logs() == b""
