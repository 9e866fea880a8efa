"""Token slots of spec section 5.1: per client address, limited in number and lifetime."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.crypto import new_salt

from .crypto import md5crypt_body, token_sign

MAX_TOKENS_PER_ADDRESS = 32
MAX_ADDRESSES = 16


@dataclass(frozen=True, slots=True)
class Grant:
    """What get_token hands out (Msg) plus the sign the client will send back."""

    time4: str
    salt: str
    newsalt: str
    sign: str


@dataclass(slots=True)
class TokenTable:
    lifetime_s: float
    _slots: dict[str, dict[str, float]] = field(default_factory=dict)  # addr -> sign -> expiry

    def issue(self, address: str, password: str, salt: str, now: float) -> Grant | None:
        """A new token, or None when the address (or the miner) is out of slots."""
        self._purge(now)
        signs = self._slots.get(address, {})
        if len(signs) >= MAX_TOKENS_PER_ADDRESS:
            return None
        if address not in self._slots and len(self._slots) >= MAX_ADDRESSES:
            return None
        time4 = f"{int(now) % 10000:04d}"
        newsalt = new_salt()
        sign = token_sign(md5crypt_body(password, salt), time4, newsalt)
        self._slots.setdefault(address, {})[sign] = now + self.lifetime_s
        return Grant(time4, salt, newsalt, sign)

    def valid(self, address: str, sign: object, now: float) -> bool:
        expiry = self._slots.get(address, {}).get(str(sign))
        return expiry is not None and now < expiry

    def clear(self) -> None:
        self._slots.clear()

    def _purge(self, now: float) -> None:
        for address in list(self._slots):
            live = {s: t for s, t in self._slots[address].items() if t > now}
            if live:
                self._slots[address] = live
            else:
                del self._slots[address]
