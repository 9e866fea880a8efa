"""Checks of write parameters, run before any connection is opened (ranges from spec 6)."""

from __future__ import annotations

import ipaddress
import re

from ..errors import WhatsMinerValidationError

_PASSWORD = re.compile(r"[A-Za-z0-9_]{1,8}")
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
_HEAT_MODE = re.compile(r"[a-z][a-z_-]{0,31}")
_CUSTOMER_KEY = re.compile(r"CustomerSn|msg[0-9]")
_MAX_TEXT = 256
PRE_POWER_ON_MESSAGES = ("wait for adjust temp", "adjust complete", "adjust continue")


def int_range(name: str, value: int, low: int, high: int) -> str:
    """`value` as the string the miner expects, after checking low <= value <= high."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise WhatsMinerValidationError(f"{name} must be an integer", field=name)
    if not low <= value <= high:
        raise WhatsMinerValidationError(f"{name} must be between {low} and {high}", field=name)
    return str(value)


def password(name: str, value: str) -> str:
    """At most 8 bytes of letters, digits and underscore (spec 6, update_pwd)."""
    if not isinstance(value, str) or not _PASSWORD.fullmatch(value):
        raise WhatsMinerValidationError(
            f"{name} must be 1 to 8 letters, digits or underscores", field=name
        )
    return value


def ipv4(name: str, value: str) -> str:
    """A dotted IPv4 address."""
    try:
        return str(ipaddress.IPv4Address(value))
    except (ipaddress.AddressValueError, ValueError) as err:
        raise WhatsMinerValidationError(f"{name} must be an IPv4 address", field=name) from err


def netmask(name: str, value: str) -> str:
    """A dotted IPv4 netmask such as 255.255.255.0."""
    address = ipv4(name, value)
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{address}")
    except ValueError as err:
        raise WhatsMinerValidationError(f"{name} must be a netmask", field=name) from err
    return address


def hostname(name: str, value: str) -> str:
    """One DNS label: letters, digits and inner hyphens, at most 63 characters."""
    if not isinstance(value, str) or not _HOSTNAME.fullmatch(value):
        raise WhatsMinerValidationError(
            f"{name} must be 1 to 63 letters, digits or inner hyphens", field=name
        )
    return value


def token_text(name: str, value: str, *, allow_empty: bool = False) -> str:
    """Printable ASCII without spaces (URLs, workers, zone names), at most 256 characters."""
    if allow_empty and value == "":
        return value
    if not isinstance(value, str) or len(value) > _MAX_TEXT or not _PRINTABLE.fullmatch(value):
        raise WhatsMinerValidationError(
            f"{name} must be printable text without spaces, at most {_MAX_TEXT} characters",
            field=name,
        )
    return value


def free_text(name: str, value: str) -> str:
    """Text without control characters, at most 256 characters."""
    if (
        not isinstance(value, str)
        or len(value) > _MAX_TEXT
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)
    ):
        raise WhatsMinerValidationError(
            f"{name} must be at most {_MAX_TEXT} characters without control characters",
            field=name,
        )
    return value


def heat_mode(value: str) -> str:
    """A mode name such as heating, anti-icing or normal."""
    if not isinstance(value, str) or not _HEAT_MODE.fullmatch(value):
        raise WhatsMinerValidationError("mode must be a lowercase mode name", field="mode")
    return value


def customer_key(value: str) -> str:
    """CustomerSn or msg0..msg9."""
    if not isinstance(value, str) or not _CUSTOMER_KEY.fullmatch(value):
        raise WhatsMinerValidationError("key must be CustomerSn or msg0..msg9", field="key")
    return value


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed`."""
    if value not in allowed:
        raise WhatsMinerValidationError(f"{name} must be one of: {', '.join(allowed)}", field=name)
    return value


def boolean(name: str, value: bool) -> bool:
    """A real bool (not 0/1 or a string)."""
    if not isinstance(value, bool):
        raise WhatsMinerValidationError(f"{name} must be true or false", field=name)
    return value
