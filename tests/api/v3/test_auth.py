"""Tokens, AES params and the miner clock against the vectors of spec 3.8 (V1-V6)."""

from __future__ import annotations

import base64
import json

from Crypto.Cipher import AES
from Crypto.Util.Padding import unpad
import pytest

from custom_components.whatsminer.api.v3.auth import (
    MinerClock,
    digest,
    encrypt_param,
    signed_request,
    token,
)
from custom_components.whatsminer.api.v3.framing import encode_frame

V1_PLAIN = b'[{"pool":"stratum+tcp://pool:3333","worker":"worker","passwd":"x"}]'
V1_PKCS7 = (
    "M7c6KBuUVIiP+BnrFxPBexRUr3Zw94Ng42eBDFq02W9o7MSxcGd0EcmSwVx72paF9s8xliqcLqi00gxEFa8AzpW/"
    "A3R+69wXNkHPuGtqhA4="
)
V4_PLAIN = b'{"account":"super","new":"n3wPass","old":"abcdefg"}'
V4_PKCS7 = (
    "K2vRXZBOC5uAKPd2+iNADEohvC+EBFuc6hOXka/X4hByQgLD6wdTaS1xQcphilON+4Vln/JGyVY2OWWrVmkH1A=="
)
V6_PLAIN = b'{"account":"user1","new":"pw2026","old":"user1"}'
V6_PKCS7 = (
    "Fq2rlgffpoYMQbqXWFu7DH0LlZRCgj/G6XOnc8Nh4UDFA+SinttLIdQd3IvdZmLq8/Gn80CXXMpnjxWfVd7Zqg=="
)


@pytest.mark.parametrize(
    ("cmd", "password", "salt", "ts", "sha", "tok"),
    [
        (  # V1
            "set.miner.pools",
            "super",
            "5QAHiKMb",
            1692685512,
            "b7957365d05ec273e788a1034d1a4b0df51b295a3da79d14f46b2bf7b56e4ab3",
            "t5VzZdBe",
        ),
        (  # V2
            "set.miner.service",
            "super",
            "Abc123xy",
            1759800000,
            "0a0da2b8a6a3eea9bfdaec8ea084ff31fa68ba81f65b15937b980da9d2ffc60d",
            "Cg2iuKaj",
        ),
        (  # V3
            "set.miner.service",
            "super",
            "uhCiDyVj",
            1773869570,
            "c2eb3264288c8313683c68d5b4a28298c2fa55faca0f7d5868d35505e5595a9e",
            "wusyZCiM",
        ),
        (  # V4
            "set.user.change_passwd",
            "abcdefg",
            "QbVy1Ou3",
            1700000000,
            "4a4f3b65e23ae66f4cc4a14e4fa232dd17cc3f82e57765a66c69c595cf689b18",
            "Sk87ZeI6",
        ),
    ],
)
def test_token_vectors(cmd: str, password: str, salt: str, ts: int, sha: str, tok: str) -> None:
    key = digest(cmd, password, salt, ts)
    assert key.hex() == sha
    assert token(key) == tok


def test_v1_base64_and_pkcs7_ciphertext() -> None:
    key = digest("set.miner.pools", "super", "5QAHiKMb", 1692685512)
    assert base64.b64encode(key).decode() == "t5VzZdBewnPniKEDTRpLDfUbKVo9p50U9Gsr97VuSrM="
    assert len(V1_PLAIN) == 67
    assert encrypt_param(key, V1_PLAIN) == V1_PKCS7


def test_v1_wire_frame() -> None:
    request = signed_request(
        "set.miner.pools",
        [{"pool": "stratum+tcp://pool:3333", "worker": "worker", "passwd": "x"}],
        account="super",
        password="super",
        salt="5QAHiKMb",
        ts=1692685512,
    )
    frame = encode_frame(request)
    assert frame[:4] == bytes.fromhex("c5000000")
    assert frame[4:] == (
        b'{"cmd":"set.miner.pools","ts":1692685512,"token":"t5VzZdBe","account":"super",'
        b'"param":"' + V1_PKCS7.encode() + b'"}'
    )


def test_v3_complete_framed_write() -> None:
    request = signed_request(
        "set.miner.service", "stop", account="super", password="super", salt="uhCiDyVj",
        ts=1773869570,
    )  # fmt: skip
    frame = encode_frame(request)
    assert frame == bytes.fromhex("5f000000") + (
        b'{"cmd":"set.miner.service","ts":1773869570,"token":"wusyZCiM","account":"super",'
        b'"param":"stop"}'
    )


def test_v4_password_change_ciphertext() -> None:
    key = digest("set.user.change_passwd", "abcdefg", "QbVy1Ou3", 1700000000)
    assert len(V4_PLAIN) == 51
    assert encrypt_param(key, V4_PLAIN) == V4_PKCS7
    request = signed_request(
        "set.user.change_passwd",
        {"account": "super", "new": "n3wPass", "old": "abcdefg"},
        account="super",
        password="abcdefg",
        salt="QbVy1Ou3",
        ts=1700000000,
    )
    assert request["param"] == V4_PKCS7
    assert request["token"] == "Sk87ZeI6"


def test_v6_block_aligned_plaintext_gets_a_full_padding_block() -> None:
    key = digest("set.user.change_passwd", "super", "5QAHiKMb", 1692685512)
    assert token(key) == "C0ALb+1a"  # standard base64: '+' is kept
    assert len(V6_PLAIN) == 48
    assert encrypt_param(key, V6_PLAIN) == V6_PKCS7
    assert len(base64.b64decode(V6_PKCS7)) == 64


def test_own_vector_round_trips() -> None:
    # Computed here with coreutils: printf %s set.system.ledsecret12ab3CD4e1800000000 |
    # sha256sum, and | openssl dgst -sha256 -binary | base64 -> LFLBXZ15F/bQ...
    key = digest("set.system.led", "secret1", "2ab3CD4e", 1800000000)
    assert key.hex() == "2c52c15d9d7917f6d0cb2795e7a07eb54e9475f4c7331ae3c7dfade23816661e"
    assert token(key) == "LFLBXZ15"
    plain = json.dumps({"account": "super", "new": "é-ü", "old": "x"}).encode()
    cipher = base64.b64decode(encrypt_param(key, plain))
    assert unpad(AES.new(key, AES.MODE_ECB).decrypt(cipher), 16) == plain


def test_reads_are_not_signed_and_plain_params_pass_through() -> None:
    request = signed_request(
        "set.miner.power_percent", {"percent": "90", "mode": "fast"}, account="super",
        password="pw", salt="abcdefgh", ts=1800000000,
    )  # fmt: skip
    assert request["param"] == {"percent": "90", "mode": "fast"}
    assert "param" not in signed_request(
        "set.system.reboot", None, account="super", password="pw", salt="s", ts=1
    )


def test_v5_read_request_bytes() -> None:
    assert encode_frame({"cmd": "get.device.info", "param": "salt"}) == bytes.fromhex(
        "280000007b22636d64223a226765742e6465766963652e696e666f222c22706172616d223a2273616c74227d"
    )


def test_miner_clock_follows_when_and_ignores_nonsense() -> None:
    now = [1_700_000_000.0]
    clock = MinerClock(lambda: now[0])
    assert clock.now() == 1_700_000_000
    clock.update(1_700_000_100)  # the miner is 100 s ahead
    now[0] += 5
    assert clock.now() == 1_700_000_105
    for junk in (3521, "1700000000", True, float("inf"), None):
        clock.update(junk)
    assert clock.now() == 1_700_000_105
