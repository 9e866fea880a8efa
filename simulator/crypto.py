"""What both APIs share: salts, AES-256-ECB and its padding (v2 spec 5, v3 spec 3.6).

The v2 key and sign are in `v2/crypto.py`, the v3 digest and token in `v3/auth.py`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

from Crypto.Cipher import AES

SALT_ALPHABET = string.ascii_letters + string.digits + "./"
BLOCK = 16


def new_salt() -> str:
    return "".join(secrets.choice(SALT_ALPHABET) for _ in range(8))


def seeded_salt(seed: int) -> str:
    """A stable 8-character salt per miner identity (the API v3 device salt)."""
    digest = hashlib.sha256(f"salt{seed}".encode()).digest()
    return "".join(SALT_ALPHABET[b % len(SALT_ALPHABET)] for b in digest[:8])


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
