"""Opening a TCP connection to a miner, with the client's errors (shared by both APIs)."""

from __future__ import annotations

import asyncio

from .errors import WhatsMinerConnectionError, WhatsMinerTimeoutError


async def open_connection(
    host: str,
    port: int,
    timeout: float,  # noqa: ASYNC109 - bounds the connect only
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect within `timeout` seconds; a timeout or refusal becomes the client's error."""
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(host, port)
    except TimeoutError as err:
        raise WhatsMinerTimeoutError(f"Timed out connecting to {host}:{port}") from err
    except OSError as err:
        raise WhatsMinerConnectionError(
            f"Cannot connect to {host}:{port}: {err.strerror or err}"
        ) from err
