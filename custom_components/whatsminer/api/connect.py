"""What both APIs do alike on a connection: open it with the client's errors, and the raw
byte phases (log download, firmware upload) that follow a reply."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator
from contextlib import contextmanager

from .errors import WhatsMinerConnectionError, WhatsMinerError, WhatsMinerTimeoutError

_READ_SIZE = 65536


async def open_connection(
    host: str,
    port: int,
    timeout: float,  # noqa: ASYNC109 - bounds the connect only
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect within `timeout` seconds; a timeout or refusal becomes the client's error."""
    with connect_errors(host, port):
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(host, port)


@contextmanager
def connect_errors(host: str, port: int) -> Iterator[None]:
    """A timeout or refusal while connecting becomes the client's error."""
    try:
        yield
    except TimeoutError as err:
        raise WhatsMinerTimeoutError(f"Timed out connecting to {host}:{port}") from err
    except OSError as err:
        raise WhatsMinerConnectionError(
            f"Cannot connect to {host}:{port}: {err.strerror or err}"
        ) from err


async def read_raw(
    reader: asyncio.StreamReader,
    size: int,
    *,
    first: bytes = b"",
    timeout: float,  # noqa: ASYNC109 - per read
    progress: Callable[[int, int], None] | None,
) -> bytes:
    """Exactly `size` raw bytes (logs), starting with `first` (already read with the reply)."""
    parts = [first[:size]]
    received = len(parts[0])
    if progress is not None:
        progress(received, size)
    try:
        while received < size:
            async with asyncio.timeout(timeout):
                chunk = await reader.read(min(_READ_SIZE, size - received))
            if not chunk:
                raise WhatsMinerConnectionError(
                    f"Connection closed after {received} of {size} bytes"
                )
            parts.append(chunk)
            received += len(chunk)
            if progress is not None:
                progress(received, size)
    except TimeoutError as err:
        raise WhatsMinerTimeoutError(f"Timed out after {received} of {size} bytes") from err
    except OSError as err:
        raise WhatsMinerConnectionError(f"Connection lost: {err}") from err
    return b"".join(parts)


async def send_chunks(
    send: Callable[[bytes], Awaitable[None]],
    chunks: AsyncIterable[bytes],
    size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Send exactly `size` bytes from `chunks` (a firmware file, after its size header)."""
    sent = 0
    if progress is not None:
        progress(sent, size)
    async for chunk in chunks:
        if sent + len(chunk) > size:
            raise WhatsMinerError(f"The file is larger than the {size} bytes announced")
        if chunk:
            await send(chunk)
            sent += len(chunk)
            if progress is not None:
                progress(sent, size)
    if sent != size:
        raise WhatsMinerError(f"The file ended after {sent} of {size} bytes announced")
