"""Replies: decoding with the firmware quirks of spec 7.2 repaired, envelopes, message codes.

The parsers that turn reply bodies into models live in `parsers.py`.
"""

from __future__ import annotations

import re
from typing import Any, cast

from .. import jsondecode
from ..errors import (
    AuthenticationError,
    CommandRejectedError,
    MinerProcessDownError,
    NotAWhatsMinerError,
    TokenExpiredError,
    TokenLimitError,
    WhatsMinerApiError,
    WhatsMinerError,
    WhatsMinerResponseError,
    WriteApiDisabledError,
)

CODE_OK = 131
CODE_INVALID_CMD = 14
CODE_INVALID_JSON = 23
CODE_TOKEN_ERROR = 135
CODE_TOKEN_LIMIT = 136
_REJECTED_CODES = frozenset({CODE_INVALID_CMD, 45, 132, 137})
_ERROR_CODES = _REJECTED_CODES | {CODE_INVALID_JSON, CODE_TOKEN_ERROR, CODE_TOKEN_LIMIT}

WRITE_DISABLED_TEXT = "can't access write cmd"
_PROCESS_DOWN_TEXTS = ("socket connect failed", "btminer process is down")

# Spec 7.2: repairs applied, in order, only when the reply is not valid JSON as it stands.
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_MISSING_COMMA = re.compile(r'(?<!\\)"\s*"(?=[A-Za-z_][\w %]*"\s*:)')  # ..."6000""temp0":...
_ERROR_CODE_LIST = re.compile(r'("error_code"\s*:\s*)\[([^\[\]{}]*"\s*:[^\[\]{}]*)\]')
_NON_FINITE = re.compile(r"(?<=[:\[,])(\s*)-?(?:inf(?:inity)?|nan)\b(?=\s*[,}\]])", re.IGNORECASE)
_MAX_TRUNCATION_CUTS = 8


def loads(text: str | bytes) -> Any:
    """JSON; NaN and Infinity, which json accepts, become None like repaired inf/nan."""
    return jsondecode.loads(text, parse_constant=jsondecode.constant_as_none)


def repair(text: str) -> str:
    """Apply the textual repairs of spec 7.2 (items 2, 3, 4, 5 and 7)."""
    text = text.replace("\r", "").replace("\n", "")
    text = _TRAILING_COMMA.sub(r"\1", text)
    text = _MISSING_COMMA.sub('","', text)
    text = _ERROR_CODE_LIST.sub(r"\1{\2}", text)
    return _NON_FINITE.sub(r"\1null", text)


def _closers(text: str) -> str | None:
    """The brackets that close what `text` leaves open, or None inside a string."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return None if in_string else "".join(reversed(stack))


def _repair_truncated(text: str) -> Any:
    """Spec 7.2.6: cut at the last comma and close what is open, until it parses."""
    for _ in range(_MAX_TRUNCATION_CUTS):
        cut = text.rfind(",")
        if cut <= 0:
            break
        text = text[:cut]
        closers = _closers(text)
        if closers is None:
            continue
        try:
            return loads(repair(text + closers))
        except ValueError:
            continue
    raise WhatsMinerResponseError("Reply is truncated and could not be repaired")


def decode(raw: bytes, *, allow_truncated: bool = False) -> dict[str, Any]:
    """Parse one reply into a dict, tolerating the firmware quirks of spec 7.2."""
    text = raw.decode("utf-8", errors="replace").strip("\x00 \t\r\n")
    if not text:
        raise WhatsMinerResponseError("The miner sent an empty reply")
    if not text.startswith("{"):
        if any(marker in text.lower() for marker in _PROCESS_DOWN_TEXTS):
            raise MinerProcessDownError(f"The mining process is down: {text[:80]}", msg=text)
        raise NotAWhatsMinerError(f"Unexpected reply, not a WhatsMiner: {text[:80]!r}")
    try:
        value = loads(text)
    except ValueError:
        repaired = repair(text)
        try:
            value = loads(repaired)
        except ValueError as err:
            if not allow_truncated:
                raise WhatsMinerResponseError(f"Reply is not valid JSON: {err}") from err
            value = _repair_truncated(repaired)
    return cast("dict[str, Any]", value)  # the text starts with "{": an object


def status_of(reply: dict[str, Any]) -> tuple[str | None, int | None, Any]:
    """STATUS, Code and Msg of a flat or cgminer envelope."""
    status = reply.get("STATUS")
    if isinstance(status, list):
        first = status[0] if status and isinstance(status[0], dict) else {}
        return _text(first.get("STATUS")), _code(first.get("Code")), first.get("Msg")
    return _text(status), _code(reply.get("Code")), reply.get("Msg")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def error_for(
    cmd: str, code: int | None, msg: str | None, *, encrypted: bool = False
) -> WhatsMinerError:
    """The typed exception for an error reply."""
    text = f"'{cmd}' failed: {msg or 'error'}" + (f" (code {code})" if code is not None else "")
    lowered = (msg or "").lower()
    if WRITE_DISABLED_TEXT in lowered:
        return WriteApiDisabledError(text, code=code, msg=msg)
    if any(marker in lowered for marker in _PROCESS_DOWN_TEXTS):
        return MinerProcessDownError(text, code=code, msg=msg)
    if code == CODE_INVALID_JSON:
        cls: type[WhatsMinerApiError] = AuthenticationError if encrypted else CommandRejectedError
        return cls(text, code=code, msg=msg)
    if code == CODE_TOKEN_ERROR:
        return TokenExpiredError(text, code=code, msg=msg)
    if code == CODE_TOKEN_LIMIT:
        return TokenLimitError(text, code=code, msg=msg)
    if code in _REJECTED_CODES:
        return CommandRejectedError(text, code=code, msg=msg)
    return WhatsMinerApiError(text, code=code, msg=msg)


def is_error(reply: dict[str, Any]) -> bool:
    """Whether a reply (either envelope) reports an error."""
    status, code, msg = status_of(reply)
    if status == "E" or code in _ERROR_CODES:
        return True
    return isinstance(msg, str) and WRITE_DISABLED_TEXT in msg.lower()


def check(cmd: str, reply: dict[str, Any], *, encrypted: bool = False) -> dict[str, Any]:
    """Return the reply, or raise the typed exception for its error code."""
    if is_error(reply):
        _, code, msg = status_of(reply)
        raise error_for(cmd, code, msg if isinstance(msg, str) else None, encrypted=encrypted)
    return reply


def split_joined(reply: dict[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
    """The sub-replies of a joined command (`summary+edevs+pools`), by command name.

    Sub-replies are returned unchecked, so one refused part does not hide the others.
    """
    if not any(name in reply for name in names):
        check("+".join(names), reply)
        raise WhatsMinerResponseError("Joined reply has none of the commands asked for")
    parts: dict[str, dict[str, Any]] = {}
    for name in names:
        value = reply.get(name)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            parts[name] = value[0]
        elif isinstance(value, dict):
            parts[name] = value
        else:
            raise WhatsMinerResponseError(f"Joined reply lacks '{name}'")
    return parts


_STRUCTURE = re.compile(rb'[\\"{}\[\]]')  # the only bytes that move the scanner
BLANK = b" \t\r\n\x00"  # what may stand around a reply


class JsonEnd:
    """Finds where the first top-level JSON object ends, fed chunk by chunk.

    Counts brackets outside strings; balanced but invalid JSON (spec 7.2) counts as complete.
    Only the structural bytes are visited (a regular expression finds them), not every byte.
    """

    __slots__ = ("_depth", "_escape_at", "_in_string", "_seen", "_started", "not_json")

    def __init__(self) -> None:
        self._depth = 0
        self._seen = 0
        self._escape_at = -1  # the index of a byte escaped by a backslash
        self._in_string = self._started = False
        self.not_json = False  # the reply does not start with JSON (a plain-text error)

    def feed(self, chunk: bytes) -> int | None:
        """The index (over everything fed) just past the object, once it is complete."""
        base = self._seen
        self._seen += len(chunk)
        if self.not_json:
            return None
        if not self._started:
            text = chunk.lstrip(BLANK)
            if not text:
                return None
            if text[0] not in b"{[":
                self.not_json = True
                return None
        for match in _STRUCTURE.finditer(chunk):
            index = base + match.start()
            if index == self._escape_at:
                continue
            byte = chunk[match.start()]
            if self._in_string:
                if byte == 0x5C:  # backslash: the next byte is taken as it is
                    self._escape_at = index + 1
                elif byte == 0x22:
                    self._in_string = False
            elif byte == 0x22:
                self._in_string = True
            elif byte in b"{[":
                self._depth += 1
                self._started = True
            elif byte in b"}]":
                self._depth -= 1
                if self._started and self._depth <= 0:
                    return index + 1
        return None
