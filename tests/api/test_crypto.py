"""Crypto against spec 5.5 and vectors computed with `openssl passwd -1` (OpenSSL 3.0.19)."""

from __future__ import annotations

import json

import pytest

from custom_components.whatsminer.api.errors import WhatsMinerResponseError
from custom_components.whatsminer.api.v2.crypto import (
    decrypt,
    derive_keys,
    encrypt,
    encrypt_request,
    md5crypt_body,
    unlock_token,
)

SPEC_AES_KEY = bytes.fromhex("199e0a202039bb7b558db7a54697dca29cb278055b7e659a127fb844d5a2fbf6")
SPEC_REQUEST = (
    "K5NDiWBAqb++VrZy8g0NEQIjuugciGp5pA1ArzU2pL5T0g9hnCnTqX+tw8fKdbvv0B+dqNxAE78mYHAQQuguh0RImH7p"
    "FknHfcgQaznu3cE="
)
SPEC_REPLY = (
    "C/UGIQ8LwD66stwLyOOcM6Rs/AgNjAuq2GMwrwo3W7J3lluOVpsOSpBcGhtOpg0QfXzqoVOPWCksKSnoq5FdlDzf1zsw"
    "fpjLBG0UghjHFmJyj0Iw94hY+ImJc0aQQ3bU"
)


@pytest.mark.parametrize(
    ("word", "salt", "body"),
    [
        # spec 5.5
        ("admin", "BQ5hoXV9", "RxmaDUO33TS7O26yeMHZ81"),
        ("RxmaDUO33TS7O26yeMHZ815039", "P5NTAcEp", "W7vZynrBZBwIIjR5dvDJb0"),
        # computed here: openssl passwd -1 -salt 5QAHiKMb admin
        ("admin", "5QAHiKMb", "x5JSSQzqF0lEACIGSL0Ld1"),
        # openssl passwd -1 -salt kowEj187 x5JSSQzqF0lEACIGSL0Ld10000
        ("x5JSSQzqF0lEACIGSL0Ld10000", "kowEj187", "FuAsr25h02Hee7J8zszS71"),
        # openssl passwd -1 -salt Ab12cd34 S3cret_1
        ("S3cret_1", "Ab12cd34", "SojY5si9zVOFOen15Ukp11"),
    ],
)
def test_md5crypt_matches_openssl(word: str, salt: str, body: str) -> None:
    assert md5crypt_body(word, salt) == body


def test_derive_keys_spec_vector() -> None:
    keys = derive_keys("admin", "BQ5hoXV9", "P5NTAcEp", "5039")
    assert keys.sign == "W7vZynrBZBwIIjR5dvDJb0"
    assert keys.aes_key == SPEC_AES_KEY


def test_derive_keys_uses_last_four_digits_of_time() -> None:
    assert derive_keys("admin", "5QAHiKMb", "kowEj187", "17000000").sign == "FuAsr25h02Hee7J8zszS71"


def test_encrypt_spec_request_vector() -> None:
    plaintext = b'{"cmd": "set_led", "param": "auto", "token": "W7vZynrBZBwIIjR5dvDJb0"}'
    assert encrypt(SPEC_AES_KEY, plaintext) == SPEC_REQUEST


def test_encrypt_request_wire_form() -> None:
    keys = derive_keys("admin", "BQ5hoXV9", "P5NTAcEp", "5039")
    wire = json.loads(encrypt_request(keys, {"cmd": "set_led", "param": "auto"}))
    assert wire == {"enc": 1, "data": SPEC_REQUEST}
    assert "\n" not in wire["data"]


def test_decrypt_spec_reply_vector() -> None:
    plain = decrypt(SPEC_AES_KEY, SPEC_REPLY)
    assert json.loads(plain) == {
        "STATUS": "S",
        "When": 1678185039,
        "Code": 131,
        "Msg": "API command OK",
        "Description": "",
    }


def test_round_trip_of_block_aligned_plaintext_adds_no_block() -> None:
    plaintext = b"x" * 32
    assert len(encrypt(SPEC_AES_KEY, plaintext)) == len(encrypt(SPEC_AES_KEY, b"x" * 31))
    assert decrypt(SPEC_AES_KEY, encrypt(SPEC_AES_KEY, plaintext)) == plaintext


@pytest.mark.parametrize("data", ["not base64!", "", "QUJD"])
def test_decrypt_rejects_garbage(data: str) -> None:
    with pytest.raises(WhatsMinerResponseError):
        decrypt(SPEC_AES_KEY, data)


@pytest.mark.parametrize("salt", ["toolongsalt", "bad salt", "ümlaut"])
def test_invalid_salt_is_a_response_error(salt: str) -> None:
    with pytest.raises(WhatsMinerResponseError, match="invalid salt"):
        derive_keys("admin", salt, "P5NTAcEp", "5039")


def test_unlock_token_vector() -> None:
    """The open_write_api token (spec v2 5.6, v3 3.1): admin, salt BQ5hoXV9, newsalt
    nEwSaLt1, time 1759800000."""
    token = unlock_token("admin", "BQ5hoXV9", "nEwSaLt1", "1759800000")
    assert token == "e8bfea07db7678e5b8c363b334a4f58d"
