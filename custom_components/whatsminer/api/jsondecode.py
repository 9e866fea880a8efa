"""Decoding the miners' JSON replies.

orjson, where it is installed (Home Assistant always has it), decodes a poll's replies at
about three times the speed of the json module. The json module, with the caller's options,
takes what orjson would refuse (NaN and Infinity, text that is not UTF-8, lone surrogates)
or decode otherwise (integers beyond 64 bits become floats there): the value never depends
on which decoder ran.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the client also runs where orjson is not installed
    orjson = None  # type: ignore[assignment]

_fast: Callable[[bytes], Any] | None = orjson.loads if orjson is not None else None
# every digit a "0", all else a blank: a run of 19 digits may be an integer beyond 64 bits
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def constant_as_none(_: str) -> None:
    """A `parse_constant` for the miners' NaN and Infinity: no value."""


def loads(
    data: bytes | str,
    *,
    parse_constant: Callable[[str], Any] | None = None,
    parse_int: Callable[[str], Any] | None = None,
) -> Any:
    """`json.loads(data, parse_constant=..., parse_int=...)`, faster for ordinary replies
    (bytes as json.loads takes them: a UTF-8 byte order mark, UTF-16 and UTF-32 too; text
    that is not valid in its encoding raises UnicodeDecodeError, a ValueError).

    `parse_int` must return int(digits) for integers of up to 18 digits (orjson decodes
    those itself)."""
    if (
        _fast is not None
        and isinstance(data, bytes)
        and _LONG_RUN not in data.translate(_DIGITS_AS_ZEROS)
    ):
        try:
            return _fast(data)
        except ValueError:  # orjson.JSONDecodeError
            pass
    return json.loads(data, parse_constant=parse_constant, parse_int=parse_int)
