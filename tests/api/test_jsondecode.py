"""Replies decode to the same values with orjson (Home Assistant) and without it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.api import jsondecode
from custom_components.whatsminer.api.errors import WhatsMinerResponseError
from custom_components.whatsminer.api.v2.protocol import loads as v2_loads
from custom_components.whatsminer.api.v3.framing import decode_body


@pytest.fixture(params=["orjson", "json only"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "json only":
        monkeypatch.setattr(jsondecode, "_fast", None)
    else:
        assert jsondecode._fast is not None  # Home Assistant's environment has orjson
    return str(request.param)


@pytest.mark.usefixtures("decoder")
@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"Msg":{"temp":NaN,"power":Infinity}}', {"Msg": {"temp": None, "power": None}}),
        # beyond 64 bits (orjson refuses) but a number; beyond 30 digits: none of a miner's
        (
            b'{"a":123456789012345678901,"b":1' + b"0" * 40 + b"}",
            {"a": 123456789012345678901, "b": None},
        ),
        (b'{"s":"\\ud800","t":"\\u00e9"}', {"s": "\ud800", "t": "é"}),
        (
            b'{"x":1.5e3,"y":-0,"z":[true,false,null]}',
            {"x": 1500.0, "y": 0, "z": [True, False, None]},
        ),
    ],
)
def test_v3_bodies_decode_alike(body: bytes, value: dict[str, Any]) -> None:
    assert decode_body(body) == value


@pytest.mark.usefixtures("decoder")
@pytest.mark.parametrize("body", [b'{"a":1', b'{"a":1}x', b"\xff\xfe{}", b'{"a":"\xc3"}', b"[1]"])
def test_v3_invalid_bodies_are_refused_alike(body: bytes) -> None:
    with pytest.raises(WhatsMinerResponseError):
        decode_body(body)


@pytest.mark.usefixtures("decoder")
def test_v2_non_finite_numbers_become_none() -> None:
    assert v2_loads(b'{"Temperature":-Infinity,"ok":1}') == {"Temperature": None, "ok": 1}
    assert v2_loads(b'\xef\xbb\xbf{"ok":1}') == {"ok": 1}  # a byte order mark (orjson refuses)
    with pytest.raises(ValueError):
        v2_loads(b'{"a":1,}')  # left to the repairs of spec 7.2


def test_ordinary_replies_take_the_fast_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """orjson decodes what it can (the speed this module is for); the rest falls back."""
    fast = jsondecode._fast
    assert fast is not None
    calls: list[bytes] = []

    def spy(data: bytes) -> Any:
        calls.append(data)
        return fast(data)

    monkeypatch.setattr(jsondecode, "_fast", spy)
    assert decode_body(b'{"code":0,"msg":{"power":3400}}') == {"code": 0, "msg": {"power": 3400}}
    assert len(calls) == 1
    assert decode_body(b'{"serial":1234567890123456789012}') == {"serial": 1234567890123456789012}
    assert len(calls) == 1  # a long digit run: straight to the json module


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(value=_JSON)
def test_any_json_decodes_as_the_json_module_does(value: Any) -> None:
    body = json.dumps(value).encode()
    assert jsondecode.loads(body) == json.loads(body)
