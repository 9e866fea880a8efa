"""Errors raised by the WhatsMiner client.

Every error carries the miner's message code and text when the miner sent one, so callers
can show it. The hierarchy separates what a user can act on (wrong password, write API
disabled, token limit) from transport trouble (connection, timeout) and from replies
that cannot be understood.
"""

from __future__ import annotations


class WhatsMinerError(Exception):
    """Base class of every error the client raises."""

    def __init__(self, message: str, *, code: int | None = None, msg: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.msg = msg


class WhatsMinerValidationError(WhatsMinerError, ValueError):
    """A parameter was rejected before anything was sent to the miner."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WhatsMinerConnectionError(WhatsMinerError):
    """The miner could not be reached, or the connection broke."""


class WhatsMinerTimeoutError(WhatsMinerConnectionError):
    """The miner did not answer in time."""


class MinerProcessDownError(WhatsMinerConnectionError):
    """The miner's front-end answered, but the mining process (btminer) is down."""


class WriteOutcomeUnknownError(WhatsMinerError):
    """A write was sent, but the connection ended before the miner confirmed it.

    Such writes are never retried automatically: the next poll shows the truth.
    """

    def __init__(self, command: str, message: str | None = None) -> None:
        super().__init__(message or f"'{command}' was sent, but its outcome is unknown")
        self.command = command


class MonitorOnlyError(WhatsMinerError):
    """No password was given for this miner: it is read only, nothing was sent."""


class WhatsMinerResponseError(WhatsMinerError):
    """The reply could not be parsed or does not have the expected shape."""


class NotAWhatsMinerError(WhatsMinerResponseError):
    """Something answered on the port, but it is not a WhatsMiner."""


class WhatsMinerApiError(WhatsMinerError):
    """The miner answered with an error code."""


class AuthenticationError(WhatsMinerApiError):
    """Wrong admin password (code 23, or no reply to an encrypted command)."""


class WriteApiDisabledError(WhatsMinerApiError):
    """The miner's write API is switched off ("can't access write cmd")."""


class DefaultPasswordError(WriteApiDisabledError):
    """API v3 refuses writes while the `super` password is still the factory default."""


class PermissionDeniedError(AuthenticationError):
    """API v3 answered "no permission" (-4/-1) with the write switch on: most likely a wrong
    password (or an account without the right to this command)."""


class TokenLimitError(WhatsMinerApiError):
    """The miner has no token slots left for this client (code 136)."""


class TokenExpiredError(WhatsMinerApiError):
    """The token was refused as expired or invalid (code 135)."""


class CommandRejectedError(WhatsMinerApiError):
    """The miner refused the command or its data (codes 14, 45, 132, 137)."""


class UnsupportedCommandError(CommandRejectedError):
    """This miner's firmware does not have the command (v2 code 14 for a known command, v3 -2,
    or a backend that has no such command: then nothing was sent)."""

    def __init__(self, command: str, message: str | None = None, *, sent: bool = False) -> None:
        super().__init__(message or f"This firmware does not have the command '{command}'")
        self.command = command
        self.sent = sent


class UnsupportedFirmwareError(WhatsMinerError):
    """The firmware only speaks API v3 for writes (firmware dated 2024-11 or later)."""


class WriteUnlockError(WhatsMinerApiError):
    """The write API could not be switched on from here (the 4028 `open_write_api`
    handshake, not part of the documented API): WhatsMinerTool remains the way."""


class WriteUnlockRefusedError(WriteUnlockError):
    """The miner answered the handshake, but still refuses writes (or refused the handshake
    itself with an error)."""


class WriteUnlockPasswordError(WriteUnlockError):
    """The miner refused the handshake's token: the admin password is not the miner's."""


class WriteUnlockUnsupportedError(WriteUnlockError):
    """The firmware does not take the handshake: it does not know the command, answered
    something else than a salt, or did not answer in time."""
