"""Lenient parameter parsing (spec 2.1, 9): objects as objects or JSON strings, numbers as
ints, floats or numeric strings."""

from __future__ import annotations

import json
from typing import Any

INVALID_PARAM = -1
MISSING_PARAM = -3


class ParamError(Exception):
    """Answered with `code` and `msg`."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def invalid(what: object) -> ParamError:
    return ParamError(INVALID_PARAM, f"invalid param: {what}")


def required(param: object) -> object:
    if param is None or param == "":
        raise ParamError(MISSING_PARAM, "param item is null")
    return param


def decoded(param: object) -> object:
    """A string that parses as a JSON object or array stands for that value."""
    if isinstance(param, str) and param.strip()[:1] in ("{", "["):
        try:
            return json.loads(param)
        except ValueError:
            raise invalid(param) from None
    return param


def obj(param: object) -> dict[str, Any]:
    value = decoded(required(param))
    if not isinstance(value, dict):
        raise invalid(param)
    return value


def field(values: dict[str, Any], *keys: str) -> object:
    """The first of `keys` present (alternative spellings), else a missing-param error."""
    for key in keys:
        if key in values:
            return values[key]
    raise ParamError(MISSING_PARAM, "param item is null")


def number(param: object) -> float:
    value = required(param)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(value)
    try:
        return float(value)
    except ValueError:
        raise invalid(value) from None


def integer(param: object, low: int, high: int) -> int:
    value = number(param)
    if not value.is_integer() or not low <= value <= high:
        raise invalid(param)
    return int(value)


def text(param: object) -> str:
    value = required(param)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise invalid(value)
    return str(value).strip()


def choice(param: object, *options: str) -> str:
    value = text(param)
    if value not in options:
        raise invalid(value)
    return value
