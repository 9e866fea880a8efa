"""API v3 authentication (spec 3): per-command tokens, AES params, the miner's clock.

digest = SHA-256(cmd + password + salt + str(ts))   (32 bytes, also the AES key)
token  = base64(digest)[:8]
param  = base64(AES-256-ECB(digest, PKCS#7(json)))  for set.miner.pools / set.user.change_passwd
"""

from __future__ import annotations

import base64
from collections.abc import Callable
import hashlib
import json
import time
from typing import Any

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

ENCRYPTED_COMMANDS = frozenset({"set.miner.pools", "set.user.change_passwd"})
_BLOCK = 16


def digest(cmd: str, password: str, salt: str, ts: int) -> bytes:
    """The 32-byte SHA-256 of spec 3.3 (token source and AES key)."""
    return hashlib.sha256(f"{cmd}{password}{salt}{ts}".encode()).digest()


def token(key: bytes) -> str:
    """The first 8 characters of the standard base64 of the digest."""
    return base64.b64encode(key).decode("ascii")[:8]


def encrypt_param(key: bytes, plaintext: bytes) -> str:
    """AES-256-ECB with PKCS#7 padding (MicroBT's own code), standard base64."""
    cipher = AES.new(key, AES.MODE_ECB)
    return base64.b64encode(cipher.encrypt(pad(plaintext, _BLOCK))).decode("ascii")


def signed_request(
    cmd: str, param: Any, *, account: str, password: str, salt: str, ts: int
) -> dict[str, Any]:
    """The JSON object of a write; the param is encrypted for the two commands of spec 3.6."""
    key = digest(cmd, password, salt, ts)
    request: dict[str, Any] = {"cmd": cmd, "ts": ts, "token": token(key), "account": account}
    if cmd in ENCRYPTED_COMMANDS:
        plaintext = json.dumps(param, separators=(",", ":"), ensure_ascii=False).encode()
        request["param"] = encrypt_param(key, plaintext)
    elif param is not None:
        request["param"] = param
    return request


class MinerClock:
    """The miner's time, from the offset seen in the latest reply's `when` (spec 3.4)."""

    def __init__(self, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall_clock = wall_clock
        self._offset = 0.0

    def update(self, when: Any) -> None:
        # A plausible Unix time only: one doc example has `"when": 3521`.
        if isinstance(when, int | float) and not isinstance(when, bool) and 1e9 < when < 1e11:
            self._offset = float(when) - self._wall_clock()

    def now(self) -> int:
        return int(self._wall_clock() + self._offset)
