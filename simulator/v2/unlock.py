"""The open_write_api handshake of the v2 port (spec v2 5.6, v3 3.1), as asic-rs describes it.

Not part of API 2.0.5. On one connection: `{"command": "open_write_api", "client": ...,
"enable": true}` is answered like get_token (salt, newsalt, time); the next request carries
`{"token": md5_hex(time + newsalt + key + md5crypt body of the admin password)}`. Real
firmware's answer to the token is not known from a capture; the simulator's choice: code 131
"API command OK" for the right token (the write API is then on, on v2 and v3 firmware
alike), code 135 "check token err" for any other. `Faults.unlock` makes it refuse (salts and
an OK, but the switch stays off) or not know the command at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.crypto import new_salt
from simulator.state import MinerState, Unlock

from .crypto import unlock_token
from .envelopes import OK_MSG, Json, flat

COMMAND = "open_write_api"


@dataclass(slots=True)
class Handshake:
    """One handshake in progress: what its opening reply said, and the token it expects."""

    reply: Json
    expected: str

    @classmethod
    def open(cls, state: MinerState, now: float, description: str) -> Handshake:
        salts = {"salt": state.salt, "newsalt": new_salt(), "time": str(int(now))}
        token = unlock_token(state.password, salts["salt"], salts["newsalt"], salts["time"])
        return cls(flat(134, salts, now, description), token)

    def finish(
        self, state: MinerState, request: Json | None, unlock: Unlock, now: float, description: str
    ) -> Json:
        """The answer to the token request; the right token switches the write API on."""
        token = request.get("token") if request is not None else None
        if token != self.expected:
            return flat(135, "check token err", now, description, ok=False)
        if unlock is Unlock.ACCEPT:
            state.api_enabled = True
        return flat(131, OK_MSG, now, description)
