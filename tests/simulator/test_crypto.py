"""The simulator's crypto against the worked example of spec section 5.5."""

from __future__ import annotations

import base64
import json

from hypothesis import given, strategies as st

from simulator import crypto
from simulator.v2 import crypto as v2_crypto

KEY = "RxmaDUO33TS7O26yeMHZ81"
SIGN = "W7vZynrBZBwIIjR5dvDJb0"
AESKEY = "199e0a202039bb7b558db7a54697dca29cb278055b7e659a127fb844d5a2fbf6"
REQUEST = (
    "K5NDiWBAqb++VrZy8g0NEQIjuugciGp5pA1ArzU2pL5T0g9hnCnTqX+tw8fKdbvv0B+dqNxAE78mYHAQQuguh0RImH7p"
    "FknHfcgQaznu3cE="
)
RESPONSE = (
    "C/UGIQ8LwD66stwLyOOcM6Rs/AgNjAuq2GMwrwo3W7J3lluOVpsOSpBcGhtOpg0QfXzqoVOPWCksKSnoq5FdlDzf1zsw"
    "fpjLBG0UghjHFmJyj0Iw94hY+ImJc0aQQ3bU"
)
REPLY = '{"STATUS":"S","When":1678185039,"Code":131,"Msg":"API command OK","Description":""}'


def test_key_sign_and_aeskey_match_the_spec_vectors() -> None:
    assert v2_crypto.md5crypt_body("admin", "BQ5hoXV9") == KEY
    assert v2_crypto.token_sign(KEY, "5039", "P5NTAcEp") == SIGN
    assert v2_crypto.aes_key("admin", "BQ5hoXV9").hex() == AESKEY


def test_request_vector_decrypts_to_the_documented_command() -> None:
    plain = crypto.decrypt(v2_crypto.aes_key("admin", "BQ5hoXV9"), REQUEST)
    assert json.loads(plain) == {"cmd": "set_led", "param": "auto", "token": SIGN}


def test_reply_is_zero_padded_like_the_spec_vector() -> None:
    assert crypto.encrypt(v2_crypto.aes_key("admin", "BQ5hoXV9"), REPLY.encode()) == RESPONSE


@given(st.binary(min_size=1, max_size=80).filter(lambda b: not b.endswith(b"\x00")))
def test_zero_and_pkcs7_padding_both_strip(plain: bytes) -> None:
    pad = -len(plain) % 16 or 16
    assert crypto.strip_padding(plain + bytes([pad]) * pad) == plain
    zero = plain + b"\x00" * (-len(plain) % 16)
    if not (1 <= zero[-1] <= 16 and zero.endswith(bytes([zero[-1]]) * zero[-1])):
        assert crypto.strip_padding(zero) == plain


def test_garbage_ciphertext_is_rejected() -> None:
    key = v2_crypto.aes_key("admin", "BQ5hoXV9")
    for data in ("not base64!", base64.b64encode(b"short").decode(), ""):
        try:
            crypto.decrypt(key, data)
        except ValueError:
            continue
        raise AssertionError(f"{data!r} was accepted")


def test_unlock_token_vector() -> None:
    """Spec v3 3.1: admin, salt BQ5hoXV9, newsalt nEwSaLt1, time 1759800000."""
    token = v2_crypto.unlock_token("admin", "BQ5hoXV9", "nEwSaLt1", "1759800000")
    assert token == "e8bfea07db7678e5b8c363b334a4f58d"
