"""Switching the write API on without WhatsMinerTool: the `open_write_api` handshake on 4028.

Not part of API 2.0.5: asic-rs worked it out (backends/v2/rpc.rs and v3/rpc.rs) and reports it
working on API v3 firmware; it goes through the v2 port on both firmware generations. On one
connection: send `{"command": "open_write_api", "client": "heatcore", "enable": true}`, get
a get_token-like `Msg` (salt, newsalt, time), send `{"token": unlock_token(...)}`, read one
reply of unknown shape. Only a write tells whether it worked, so `enable_writes` runs a
harmless write first (refused while the switch is off, so it proved it did not run), then the
handshake, then that write once more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
import json
import logging

from ..errors import (
    DefaultPasswordError,
    WhatsMinerConnectionError,
    WhatsMinerResponseError,
    WriteApiDisabledError,
    WriteUnlockPasswordError,
    WriteUnlockRefusedError,
    WriteUnlockUnsupportedError,
)
from .crypto import unlock_token
from .parsers import parse_token
from .protocol import CODE_INVALID_CMD, decode, is_error, status_of
from .transport import Connection, Reply

_LOGGER = logging.getLogger(__name__)

UNLOCK_CLIENT = "heatcore"  # the client name the handshake is known to work with
OPEN_REQUEST = json.dumps(
    {"command": "open_write_api", "client": UNLOCK_CLIENT, "enable": True}
).encode()


class Handshake(Enum):
    """How the miner answered the token."""

    ANSWERED = "answered"  # something that is not an error
    SILENT = "silent"  # nothing, or the connection ended
    REFUSED = "refused"  # an error envelope: the token (the password) was not the miner's


def _decoded(reply: Reply) -> dict[str, object] | None:
    if isinstance(reply.value, dict):
        return reply.value
    try:
        return decode(reply.data) if reply.data else None
    except WhatsMinerResponseError:
        return None


def _salts(reply: Reply) -> tuple[str, str, str]:
    """(time, salt, newsalt) of the reply to the open request, or the typed refusal."""
    if not reply.data:
        raise WriteUnlockUnsupportedError("The miner did not answer open_write_api")
    answer = _decoded(reply)
    if answer is None:
        raise WriteUnlockUnsupportedError("The miner's answer to open_write_api is not JSON")
    if is_error(answer):
        _, code, msg = status_of(answer)
        text = msg if isinstance(msg, str) else None
        described = f"open_write_api refused: {text or 'error'} (code {code})"
        if code == CODE_INVALID_CMD:
            raise WriteUnlockUnsupportedError(described, code=code, msg=text)
        raise WriteUnlockRefusedError(described, code=code, msg=text)
    try:
        return parse_token(answer)
    except WhatsMinerResponseError as err:
        raise WriteUnlockUnsupportedError(
            "The miner answered open_write_api without a salt"
        ) from err


async def open_write_api(host: str, port: int, password: str, *, timeout: float) -> Handshake:  # noqa: ASYNC109
    """One handshake with the v2 admin `password`; how the miner answered the token.

    Raises WriteUnlockUnsupportedError or WriteUnlockRefusedError when the open request is
    not answered with a salt, WhatsMinerConnectionError when the miner cannot be reached.
    """
    async with Connection(host, port, timeout) as conn:
        await conn.send(OPEN_REQUEST)
        try:
            first = await conn.read_reply()
        except WhatsMinerConnectionError as err:  # nothing at all came back
            raise WriteUnlockUnsupportedError(f"No answer to open_write_api: {err}") from err
        stamp, salt, newsalt = _salts(first)
        token = unlock_token(password, salt, newsalt, stamp)
        try:
            await conn.send(json.dumps({"token": token}).encode())
            final = await conn.read_reply()
        except WhatsMinerConnectionError as err:
            _LOGGER.debug("%s: no answer to the open_write_api token: %s", host, err)
            return Handshake.SILENT
    answer = _decoded(final)
    _LOGGER.debug("%s: open_write_api token answered %r", host, answer or final.data[:200])
    if answer is None:
        return Handshake.SILENT if not final.data else Handshake.ANSWERED
    return Handshake.REFUSED if is_error(answer) else Handshake.ANSWERED


async def _switched_on(check: Callable[[], Awaitable[None]]) -> bool:
    """Whether `check` worked; False when the write switch refused it (then it did not run).
    Other errors, the v3 factory password among them, are raised."""
    try:
        await check()
    except DefaultPasswordError:
        raise
    except WriteApiDisabledError:
        return False
    return True


async def enable_writes(
    check: Callable[[], Awaitable[None]],
    host: str,
    port: int,
    passwords: Sequence[str],
    *,
    timeout: float,  # noqa: ASYNC109 - per step, as the client's
) -> bool:
    """Make `check` (a write that changes nothing) work: True when the handshake was needed.

    `check` runs first: when it works, writes are on already and nothing else is sent. Only
    its refusal for the write switch (which proves it did not run) leads to the handshake,
    once per password in turn, each followed by `check` once more. Errors other than that
    refusal are raised as they are (a wrong write password, the factory v3 password, ...).
    """
    if await _switched_on(check):
        return False
    candidates = list(dict.fromkeys(passwords))
    refusals = 0
    for password in candidates:
        if await open_write_api(host, port, password, timeout=timeout) is Handshake.REFUSED:
            refusals += 1
            continue
        if await _switched_on(check):
            return True
    if candidates and refusals == len(candidates):
        raise WriteUnlockPasswordError("The miner refused the handshake: wrong admin password?")
    raise WriteUnlockRefusedError("The miner took the handshake but still refuses writes")
