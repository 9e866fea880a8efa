"""The v2 miner side of spec section 5: the md5-crypt key, the token sign, the AES key; the
open_write_api token."""

from __future__ import annotations

import functools
import hashlib

from passlib.hash import md5_crypt


@functools.lru_cache(maxsize=1024)
def md5crypt_body(word: str, salt: str) -> str:
    """The hash field of `openssl passwd -1 -salt <salt> <word>`."""
    hashed: str = md5_crypt.hash(word, salt=salt)
    return hashed.split("$")[3]


@functools.lru_cache(maxsize=256)
def aes_key(password: str, salt: str) -> bytes:
    """SHA-256 of the md5-crypt key, as 32 raw bytes."""
    return hashlib.sha256(md5crypt_body(password, salt).encode()).digest()


# The fixed part of the open_write_api token, as asic-rs publishes it (spec v2 5.6, v3 3.1).
UNLOCK_KEY = "3804fe31981418ce711a31d94bc69651"


def unlock_token(password: str, salt: str, newsalt: str, time: str) -> str:
    """The token that opens the write API: md5_hex(time + newsalt + key + md5crypt body)."""
    text = time + newsalt + UNLOCK_KEY + md5crypt_body(password, salt)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def token_sign(key: str, time4: str, newsalt: str) -> str:
    return md5crypt_body(key + time4, newsalt)
