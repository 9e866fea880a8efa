"""Checks of API v3 write parameters (ranges and enums of spec 4), run before sending.

The generic checks (integers, IPv4, hostname, text) are v2's, imported and re-exported.
"""

from __future__ import annotations

from collections.abc import Sequence
import re
from typing import Any

from ..errors import WhatsMinerValidationError
from ..models import LedColor, PoolConfig
from ..v2.validation import (
    boolean,
    choice,
    customer_key,
    free_text,
    hostname,
    int_range,
    ipv4,
    netmask,
    token_text,
)

COIN_TYPES = ("BTC", "BCH", "BSV", "DCR", "HC", "DGB", "SHA256")  # spec 4.13
USERS = ("user1", "user2", "user3")  # set.user.permission (spec 4.9.2)
SERVICE_ACTIONS = ("start", "stop", "restart", "enable", "disable")
CUSTOM_VALUE_MAX_BYTES = 127  # "each msgN value must be < 128 bytes" (spec 4.1.3)
_COMMAND = re.compile(r"(get|set)\.[a-z_]+\.[a-z_]+")


def integer(name: str, value: int, low: int, high: int) -> int:
    """`value` after checking low <= value <= high (an int, not a bool)."""
    int_range(name, value, low, high)
    return value


def flag(name: str, value: bool) -> int:
    """A bool as the 1/0 the fan and fast-hash commands take."""
    return 1 if boolean(name, value) else 0


def enable(name: str, value: bool) -> str:
    """A bool as "enable"/"disable"."""
    return "enable" if boolean(name, value) else "disable"


def custom_value(value: str) -> str:
    """Printable text of at most 127 UTF-8 bytes."""
    free_text("value", value)
    if len(value.encode()) > CUSTOM_VALUE_MAX_BYTES:
        raise WhatsMinerValidationError("value must be shorter than 128 bytes", field="value")
    return value


def custom_data(key: str, value: str) -> dict[str, str]:
    return {"key": customer_key(key), "value": custom_value(value)}


def pools(items: Sequence[PoolConfig]) -> list[dict[str, str]]:
    """One to three pools, as the plaintext of set.miner.pools."""
    if not 1 <= len(items) <= 3:
        raise WhatsMinerValidationError("Give one to three pools", field="pools")
    return [
        {
            "pool": token_text("url", pool.url),
            "worker": token_text("worker", pool.worker),
            "passwd": free_text("password", pool.password),
        }
        for pool in items
    ]


def password(name: str, value: str) -> str:
    """v3 does not document a rule: printable ASCII without spaces, at most 256 characters."""
    return token_text(name, value)


def ntp_servers(servers: Sequence[str]) -> str:
    """One to four server names, comma-joined as set.system.ntp_server takes them."""
    if isinstance(servers, str) or not 1 <= len(servers) <= 4:
        raise WhatsMinerValidationError("Give one to four NTP servers", field="servers")
    names = [token_text("server", server) for server in servers]
    if any("," in name for name in names):
        raise WhatsMinerValidationError("A server name cannot hold a comma", field="servers")
    return ",".join(names)


def led_pattern(color: LedColor, period_ms: int, duration_ms: int, start_ms: int) -> dict[str, Any]:
    """One pattern object of set.system.led (spec 4.6)."""
    return {
        "color": choice("color", str(color), tuple(LedColor)),
        "period": integer("period_ms", period_ms, 1, 60_000),
        "duration": integer("duration_ms", duration_ms, 0, period_ms),
        "start": integer("start_ms", start_ms, 0, period_ms),
    }


def permission(user: str, commands: Sequence[str]) -> dict[str, str]:
    """set.user.permission: a restricted user and the command names it may run."""
    if isinstance(commands, str) or not commands:
        raise WhatsMinerValidationError("Give at least one command", field="commands")
    for command in commands:
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise WhatsMinerValidationError(f"Not a command name: {command!r}", field="commands")
    return {"user": choice("user", user, USERS), "permission": ",".join(commands)}


def history_range(begin: int, end: int) -> dict[str, str]:
    """get.miner.history: Unix seconds, at most 24 h apart (spec 4.2.2), sent as strings."""
    integer("begin", begin, 0, 2**32)
    integer("end", end, begin, begin + 86_400)
    return {"begin": str(begin), "end": str(end)}


# Re-exported, so the client checks everything through this one module.
__all__ = ["boolean", "choice", "hostname", "ipv4", "netmask", "token_text"]
