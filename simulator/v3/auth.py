"""Spec 3: who may run a set.* command (account, per-command token, write switch)."""

from __future__ import annotations

import base64
import hashlib

from simulator.state import MinerState

from .framing import Json
from .params import ParamError

NO_PERMISSION = "no permission"
DEFAULT_SUPER = "super"


def v3_digest(cmd: str, password: str, salt: str, ts: int) -> bytes:
    """Spec 3.3: SHA-256 of cmd + password + salt + ts, the AES key of its params."""
    return hashlib.sha256(f"{cmd}{password}{salt}{ts}".encode()).digest()


def v3_token(digest: bytes) -> str:
    return base64.b64encode(digest).decode()[:8]


def authorize(state: MinerState, req: Json, cmd: str, token_error_code: int = -4) -> bytes:
    """The request's digest (the AES key of its encrypted param), or a ParamError.

    Order: known account, token of that account's password, then the write switch and the
    changed default password, then the user's permission list (`super` may do anything).
    """
    account = req.get("account")
    if not isinstance(account, str) or account not in state.accounts:
        raise ParamError(-4, NO_PERMISSION)
    ts = req.get("ts")
    if isinstance(ts, str) and ts.isdigit():
        ts = int(ts)
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise ParamError(token_error_code, NO_PERMISSION)
    digest = v3_digest(cmd, state.accounts[account], state.device_salt, ts)
    if req.get("token") != v3_token(digest):
        raise ParamError(token_error_code, NO_PERMISSION)
    if not state.api_enabled or state.accounts["super"] == DEFAULT_SUPER:
        raise ParamError(-4, NO_PERMISSION)
    if account != "super":
        allowed = {c.strip() for c in state.permissions.get(account, "").split(",")}
        if cmd == "set.user.permission" or cmd not in allowed:
            raise ParamError(-4, NO_PERMISSION)
    return digest
