"""Key derivation and encryption of API v2 writes (spec section 5).

key  = hash field of md5-crypt(password, salt)          (`openssl passwd -1 -salt salt pw`)
sign = hash field of md5-crypt(key + time[-4:], newsalt) (the token sent with each write)
aes  = SHA-256(key), 32 raw bytes; AES-256-ECB, zero padding, base64 without newlines.
unlock token (the `open_write_api` handshake, reverse-engineered by asic-rs, not API 2.0.5):
       md5_hex(time + newsalt + UNLOCK_KEY + key)
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import hashlib
import json
from typing import Any

from Crypto.Cipher import AES
from passlib.hash import md5_crypt

from ..errors import WhatsMinerResponseError

_BLOCK = 16
# The handshake's fixed key as asic-rs publishes it (`UNLOCK_MAGIC`); its meaning is unknown.
UNLOCK_KEY = "3804fe31981418ce711a31d94bc69651"


def md5crypt_body(word: str, salt: str) -> str:
    """The hash part of `$1$<salt>$<hash>`, as `openssl passwd -1 -salt <salt>` prints it."""
    try:
        hashed: str = md5_crypt.using(salt=salt).hash(word)
    except ValueError as err:  # a salt that is not 1-8 characters of [./0-9A-Za-z]
        raise WhatsMinerResponseError(f"The miner sent an invalid salt: {salt!r}") from err
    return hashed.split("$")[3]


@dataclass(frozen=True, slots=True)
class TokenKeys:
    """What one get_token reply yields: the token to send and the AES key."""

    sign: str
    aes_key: bytes


def derive_keys(password: str, salt: str, newsalt: str, time: str) -> TokenKeys:
    """Derive sign and AES key from the password and a get_token reply."""
    key = md5crypt_body(password, salt)
    sign = md5crypt_body(key + time[-4:], newsalt)
    return TokenKeys(sign=sign, aes_key=hashlib.sha256(key.encode()).digest())


def unlock_token(password: str, salt: str, newsalt: str, time: str) -> str:
    """The token that answers an `open_write_api` reply (salt, newsalt, time)."""
    key = md5crypt_body(password, salt)
    digest = hashlib.md5((time + newsalt + UNLOCK_KEY + key).encode(), usedforsecurity=False)
    return digest.hexdigest()


def encrypt(aes_key: bytes, plaintext: bytes) -> str:
    """AES-256-ECB over the zero-padded plaintext, base64 without newlines."""
    padded = plaintext + b"\x00" * (-len(plaintext) % _BLOCK)
    cipher = AES.new(aes_key, AES.MODE_ECB)
    return base64.b64encode(cipher.encrypt(padded)).decode("ascii")


def decrypt(aes_key: bytes, data: str) -> bytes:
    """Inverse of `encrypt`; trailing NUL padding is removed."""
    try:
        raw = base64.b64decode(data.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError) as err:
        raise WhatsMinerResponseError("Encrypted reply is not valid base64") from err
    if not raw or len(raw) % _BLOCK:
        raise WhatsMinerResponseError("Encrypted reply has an invalid length")
    return AES.new(aes_key, AES.MODE_ECB).decrypt(raw).rstrip(b"\x00")


def encrypt_request(keys: TokenKeys, request: dict[str, Any]) -> bytes:
    """The wire form of a write: `{"enc": 1, "data": base64(AES(json + token))}`."""
    plaintext = json.dumps({**request, "token": keys.sign}).encode()
    return json.dumps({"enc": 1, "data": encrypt(keys.aes_key, plaintext)}).encode()
