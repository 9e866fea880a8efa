"""Decoding, the quirks of spec 7.2, envelopes and message codes."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
import json

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.v2.parsers import (
    parse_error_codes,
    parse_miner_info,
    parse_psu,
    parse_summary,
)
from custom_components.whatsminer.api.v2.protocol import (
    JsonEnd,
    check,
    decode,
    error_for,
    loads,
    split_joined,
    status_of,
)
from custom_components.whatsminer.api.v2.transport import ReplyCollector

from . import samples


def test_trailing_nul_and_whitespace_stripped() -> None:
    assert decode(samples.OK.encode() + b"\x00\n") == json.loads(samples.OK)


def test_trailing_comma_repaired() -> None:
    info = parse_miner_info(decode(samples.MINER_INFO_TRAILING_COMMA.encode()))
    assert info.hostname == "WhatsMiner"
    assert info.led_auto is False


def test_raw_newlines_removed() -> None:
    raw = b'{"STATUS":"S","Code":131,"Msg":{"hostname":"a\nb"},"Description":""}'
    assert decode(raw)["Msg"]["hostname"] == "ab"


def test_missing_comma_before_temp0_repaired() -> None:
    psu = parse_psu(decode(samples.PSU_MISSING_COMMA.encode()))
    assert psu.temperature_c == 45.5
    assert psu.vendor is None
    assert psu.input_power_w == 3500


def test_invalid_error_code_list_repaired() -> None:
    codes = parse_error_codes(decode(samples.ERROR_CODE_INVALID.encode()))
    assert [(c.code, c.reported_at) for c in codes] == [(329, datetime(2022, 1, 17, 11, 28, 11))]


def test_truncated_error_codes_cut_at_last_comma() -> None:
    raw = samples.ERROR_CODE_LIST[:-60].encode()  # cut inside the second error
    codes = parse_error_codes(decode(raw, allow_truncated=True))
    assert [c.code for c in codes] == [218]


def test_truncated_reply_without_permission_is_an_error() -> None:
    with pytest.raises(errors.WhatsMinerResponseError):
        decode(samples.SUMMARY[:200].encode())


def test_truncated_beyond_repair() -> None:
    with pytest.raises(errors.WhatsMinerResponseError, match="truncated"):
        decode(b'{"Msg":"abc', allow_truncated=True)
    with pytest.raises(errors.WhatsMinerResponseError, match="truncated"):
        decode(b'{"a":"x,y', allow_truncated=True)


def test_inf_and_nan_become_none() -> None:
    raw = samples.SUMMARY.replace('"Power Rate":42.31', '"Power Rate":inf').replace(
        '"Env Temp":32.00', '"Env Temp":-nan'
    )
    summary = parse_summary(decode(raw.encode()))
    assert summary.efficiency_j_th is None
    assert summary.env_temperature_c is None
    nan_native = samples.SUMMARY.replace('"Power Rate":42.31', '"Power Rate":NaN')
    assert parse_summary(decode(nan_native.encode())).efficiency_j_th is None


def test_socket_connect_failed_plain_text() -> None:
    with pytest.raises(errors.MinerProcessDownError):
        decode(b"Socket connect failed: Connection refused\n")


def test_other_plain_text_is_not_a_whatsminer() -> None:
    with pytest.raises(errors.NotAWhatsMinerError):
        decode(b"HTTP/1.1 400 Bad Request\r\n\r\n")


@pytest.mark.parametrize("raw", [b"", b"\x00", b"[1, 2]", b"{not json}", b'{"a":1} {"b":2}'])
def test_undecodable_replies(raw: bytes) -> None:
    with pytest.raises(errors.WhatsMinerResponseError):
        decode(raw)


@pytest.mark.parametrize(
    ("raw", "error", "code"),
    [
        (samples.ERR_14, errors.CommandRejectedError, 14),
        (samples.ERR_136, errors.TokenLimitError, 136),
        (samples.ERR_135, errors.TokenExpiredError, 135),
        (samples.ERR_WRITE_DISABLED, errors.WriteApiDisabledError, 45),
        (samples.ERR_23, errors.CommandRejectedError, 23),
        ('{"STATUS":"E","Code":999,"Msg":{"x":1}}', errors.WhatsMinerApiError, 999),
        ('{"STATUS":"E","Code":"132","Msg":"API command ERROR"}', errors.CommandRejectedError, 132),
        (
            '{"STATUS":[{"STATUS":"E","When":1,"Code":14,"Msg":"Invalid command"}],"id":1}',
            errors.CommandRejectedError,
            14,
        ),
        (
            '{"STATUS":"E","Code":-1,"Msg":"btminer process is down err"}',
            errors.MinerProcessDownError,
            -1,
        ),
    ],
)
def test_error_codes_map_to_exceptions(raw: str, error: type[Exception], code: int) -> None:
    with pytest.raises(error) as info:
        check("cmd", decode(raw.encode()))
    assert isinstance(info.value, errors.WhatsMinerError)
    assert info.value.code == code


def test_code_23_on_encrypted_command_is_authentication() -> None:
    with pytest.raises(errors.AuthenticationError) as info:
        check("set_led", decode(samples.ERR_23.encode()), encrypted=True)
    assert info.value.msg == "enc json load err"


def test_write_disabled_recognised_without_code() -> None:
    err = error_for("power_on", None, "can't access write cmd")
    assert isinstance(err, errors.WriteApiDisabledError)
    assert "code" not in str(err)


def test_status_of_both_envelopes() -> None:
    assert status_of(json.loads(samples.DEVDETAILS)) == ("S", 69, "Device Details")
    assert status_of(json.loads(samples.OK)) == ("S", 131, "API command OK")
    assert status_of({"STATUS": [], "Code": True}) == (None, None, None)
    assert status_of({"STATUS": "S", "Code": "x"}) == ("S", None, None)


def test_split_joined_reply() -> None:
    reply = {
        "summary": [json.loads(samples.SUMMARY)],
        "pools": [json.loads(samples.POOLS)],
        "edevs": [json.loads(samples.EDEVS)],
        "id": 1,
    }
    parts = split_joined(reply, ["summary", "edevs", "pools"])
    assert parts["pools"]["POOLS"][0]["POOL"] == 1
    with pytest.raises(errors.WhatsMinerResponseError, match="lacks 'devdetails'"):
        split_joined(reply, ["summary", "devdetails"])
    assert split_joined({"summary": json.loads(samples.SUMMARY)}, ["summary"])["summary"]


def test_split_joined_refused_join() -> None:
    with pytest.raises(errors.CommandRejectedError):
        split_joined(json.loads(samples.ERR_14), ["summary", "pools"])
    with pytest.raises(errors.WhatsMinerResponseError, match="none of"):
        split_joined({"STATUS": "S"}, ["summary", "pools"])


@pytest.mark.parametrize(
    ("buf", "end"),
    [
        (b'{"a":"}"}\x00rest', 9),
        (b'  {"a":[1,{"b":"\\"}"}]}tail', 23),
        (b'{"a":1', None),
        (b"Socket connect failed", None),
        (b"", None),
    ],
)
def test_json_end(buf: bytes, end: int | None) -> None:
    assert JsonEnd().feed(buf) == end


_JSON = st.recursive(
    st.none() | st.integers() | st.text(alphabet='ab"\\{}[]/ \n'),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(alphabet='k"\\}]', max_size=3), inner, max_size=3),
    max_leaves=12,
)


@given(
    value=st.dictionaries(st.text(max_size=3), _JSON, max_size=4),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    tail=st.binary(max_size=8),
)
def test_reply_end_whatever_the_chunks(
    value: dict[str, object], cuts: list[int], tail: bytes
) -> None:
    """A reply ends at the same place however it is cut into chunks (strings with quotes,
    backslashes and brackets in them, escapes split across chunks), whether it is found by
    decoding the whole document or, with bytes after it, by the bracket scanner."""
    raw = json.dumps(value).encode()
    data = b" " + raw + b"\x00" + tail
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    scanner, collector, end = JsonEnd(), ReplyCollector(), None
    for start, stop in pairwise(bounds):
        chunk = data[start:stop]
        if end is None:
            end = scanner.feed(chunk)
        if not collector.complete:
            collector.feed(chunk)
    assert end == len(raw) + 1
    reply = collector.reply()
    assert reply.data == b" " + raw
    assert data.startswith(reply.data + b"\x00" + reply.leftover)
    assert (reply.value if reply.value is not None else loads(reply.data)) == value


def test_truncated_invalid_error_code_list() -> None:
    raw = b'{"STATUS":"S",\n"Code":131,\n"Msg":{"error_code":["329":"2026-11-25 03:50:16",\x00'
    codes = parse_error_codes(decode(raw, allow_truncated=True))
    assert [(c.code, c.reported_at) for c in codes] == [(329, datetime(2026, 11, 25, 3, 50, 16))]
