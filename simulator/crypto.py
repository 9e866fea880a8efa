"""The miner side of spec section 5: md5-crypt key and sign, AES-256-ECB, padding."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import string

from Crypto.Cipher import AES
from passlib.hash import md5_crypt

SALT_ALPHABET = string.ascii_letters + string.digits + "./"
BLOCK = 16


@functools.lru_cache(maxsize=1024)
def md5crypt_body(word: str, salt: str) -> str:
    """The hash field of `openssl passwd -1 -salt <salt> <word>`."""
    hashed: str = md5_crypt.hash(word, salt=salt)
    return hashed.split("$")[3]


def new_salt() -> str:
    return "".join(secrets.choice(SALT_ALPHABET) for _ in range(8))


def seeded_salt(seed: int) -> str:
    """A stable 8-character salt per miner identity (the API v3 device salt)."""
    digest = hashlib.sha256(f"salt{seed}".encode()).digest()
    return "".join(SALT_ALPHABET[b % len(SALT_ALPHABET)] for b in digest[:8])


def v3_digest(cmd: str, password: str, salt: str, ts: int) -> bytes:
    """API v3 (spec 3.3): SHA-256 of cmd + password + salt + ts, the AES key of its params."""
    return hashlib.sha256(f"{cmd}{password}{salt}{ts}".encode()).digest()


def v3_token(digest: bytes) -> str:
    return base64.b64encode(digest).decode()[:8]


@functools.lru_cache(maxsize=256)
def aes_key(password: str, salt: str) -> bytes:
    """SHA-256 of the md5-crypt key, as 32 raw bytes."""
    return hashlib.sha256(md5crypt_body(password, salt).encode()).digest()


def token_sign(key: str, time4: str, newsalt: str) -> str:
    return md5crypt_body(key + time4, newsalt)


def encrypt(aeskey: bytes, plaintext: bytes) -> str:
    """Zero-pad to 16 bytes, AES-256-ECB, standard base64 without newlines."""
    padded = plaintext + b"\x00" * (-len(plaintext) % BLOCK)
    return base64.b64encode(AES.new(aeskey, AES.MODE_ECB).encrypt(padded)).decode()


def decrypt(aeskey: bytes, data: str) -> bytes:
    """Decrypt a request body; strips zero padding or a valid PKCS#7 tail.

    Raises ValueError when the text is not base64 or not a whole number of blocks.
    """
    raw = base64.b64decode(data.replace("\n", ""), validate=True)
    if not raw or len(raw) % BLOCK:
        raise ValueError("ciphertext is not a whole number of blocks")
    plain = AES.new(aeskey, AES.MODE_ECB).decrypt(raw)
    return strip_padding(plain)


def strip_padding(plain: bytes) -> bytes:
    pad = plain[-1] if plain else 0
    if 1 <= pad <= BLOCK and plain.endswith(bytes([pad]) * pad):
        return plain[:-pad]
    return plain.rstrip(b"\x00")
