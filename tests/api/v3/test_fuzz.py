"""Property-based fuzzing of the v3 parsers, framing and poll: only WhatsMinerError escapes.

The mutations (bytes cut, flipped, spliced; JSON values swapped for other types or removed)
are the v2 fuzzer's (tests/reliability/test_fuzz.py), applied to the v3 spec examples.
`HYPOTHESIS_PROFILE=fuzz-long` runs many more examples, as there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import contextlib
import json
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.api.errors import WhatsMinerError
from custom_components.whatsminer.api.v3 import parsers
from custom_components.whatsminer.api.v3.framing import Connection
from custom_components.whatsminer.api.v3.miner import V3Miner
from tests.reliability.test_fuzz import FUZZ, json_value, mutated_bytes, mutated_structure

from . import samples
from .fake_v3 import CLOSE, Conn, FakeV3Miner, frame

PARSERS: list[tuple[Callable[[Any], Any], Any]] = [
    (parsers.parse_device_info, samples.DEVICE_INFO),
    (parsers.parse_miner_status, samples.MINER_STATUS),
    (parsers.parse_miner_setting, samples.MINER_SETTING),
    (parsers.parse_system_setting, samples.SYSTEM_SETTING),
    (parsers.parse_fan_setting, samples.FAN_SETTING),
    (parsers.parse_custom_data, samples.CUSTOM_DATA),
    (parsers.parse_error_codes, samples.DEVICE_INFO["error-code"]),
    (lambda msg: parsers.parse_log_size(msg, 1 << 26), {"logsize": "12345"}),
    # check() only ever sees objects: decode_body refuses any other JSON.
    (
        lambda reply: isinstance(reply, dict) and parsers.check("get.x", reply),
        {"code": 0, "when": 1, "msg": "ok"},
    ),
]


def _mutated(seed: Any) -> st.SearchStrategy[Any]:
    return st.one_of(mutated_structure(seed).map(json.loads), json_value, st.just(seed))


@FUZZ
@given(data=st.data(), which=st.integers(0, len(PARSERS) - 1))
def test_parsers_raise_only_library_errors(data: st.DataObject, which: int) -> None:
    parse, seed = PARSERS[which]
    value = data.draw(_mutated(seed))
    with contextlib.suppress(WhatsMinerError):
        parse(value)


class _Writer:
    """Enough of a StreamWriter for reading."""

    def is_closing(self) -> bool:
        return False


def _read_frames(raw: bytes) -> None:
    async def read() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        conn = Connection("127.0.0.1", 1, 0.2)
        conn._reader, conn._writer = reader, _Writer()  # type: ignore[assignment]
        with contextlib.suppress(WhatsMinerError):
            for _ in range(3):
                parsers.parse_device_info(parsers.check("x", await conn.read_frame()))

    asyncio.run(read())


@FUZZ
@given(
    raw=st.one_of(
        mutated_bytes(frame({"code": 0, "when": 1, "msg": samples.DEVICE_INFO, "desc": "x"})),
        mutated_bytes(frame({"code": 0, "msg": "ok"}) * 2),
        st.binary(max_size=64),
    )
)
def test_framing_raises_only_library_errors(raw: bytes) -> None:
    _read_frames(raw)


@pytest.fixture
def loop_and_fake(
    socket_enabled: None,
) -> Iterator[tuple[asyncio.AbstractEventLoop, FakeV3Miner, V3Miner]]:
    """A private event loop with the fake miner and a V3Miner (hypothesis runs sync)."""
    loop = asyncio.new_event_loop()
    fake = loop.run_until_complete(FakeV3Miner().__aenter__())
    miner = V3Miner("127.0.0.1", password=fake.password, port=fake.port, v2_port=None, timeout=0.3)
    yield loop, fake, miner
    loop.run_until_complete(miner.close())
    loop.run_until_complete(fake.__aexit__(None, None, None))
    loop.close()


POLL_SEEDS = {
    "get.device.info": samples.DEVICE_INFO,
    "get.miner.status": samples.MINER_STATUS,
    "get.miner.setting": samples.MINER_SETTING,
}


@FUZZ
@given(data=st.data(), victim=st.sampled_from(sorted(POLL_SEEDS)), as_bytes=st.booleans())
def test_poll_raises_only_library_errors(
    loop_and_fake: tuple[asyncio.AbstractEventLoop, FakeV3Miner, V3Miner],
    data: st.DataObject,
    victim: str,
    as_bytes: bool,
) -> None:
    loop, fake, miner = loop_and_fake
    reply = {"code": 0, "when": 1_800_000_000, "msg": POLL_SEEDS[victim], "desc": victim}
    if as_bytes:
        raw = data.draw(mutated_bytes(frame(reply)))
    else:
        raw = frame(data.draw(mutated_structure(reply)))

    async def mutated(request: dict[str, Any], conn: Conn) -> Any:
        conn.writer.write(raw)
        await conn.writer.drain()
        return CLOSE  # a short frame ends at once instead of at the timeout

    fake.handlers = {victim: mutated}
    miner.invalidate_cache()

    async def poll() -> None:
        await asyncio.wait_for(miner.poll(), 10)

    with contextlib.suppress(WhatsMinerError):
        loop.run_until_complete(poll())
