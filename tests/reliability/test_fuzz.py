"""Property-based fuzzing of the client's reply parser and decryption path.

A stub miner on 127.0.0.1 answers the client's requests with mutated real-looking replies
(tests/reliability/corpus.py: the spec's examples, captures and quirks): bytes cut, flipped,
inserted, duplicated; JSON values swapped for other types; envelopes emptied. Writes get a
valid token and then a mutated encrypted reply. Whatever arrives, the public client either
returns a result or raises one of its own errors (WhatsMinerError subclasses): never a
KeyError, TypeError, UnicodeError or any other exception, and never a hang.

The runs are derandomized so CI is stable; `HYPOTHESIS_PROFILE=fuzz-long` runs many more
examples with fresh randomness:

    HYPOTHESIS_PROFILE=fuzz-long .venv/bin/python -m pytest tests/reliability/test_fuzz.py
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import hashlib
import json
import os
from typing import Any

from Crypto.Cipher import AES
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.whatsminer.api.errors import WhatsMinerError
from custom_components.whatsminer.api.v2.client import WhatsMinerClient

from . import corpus

settings.register_profile(
    "fuzz-ci",
    max_examples=250,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz-long",
    max_examples=5000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ = settings.get_profile(
    "fuzz-long" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-long" else "fuzz-ci"
)

AES_KEY = hashlib.sha256(corpus.ADMIN_KEY.encode()).digest()

Responder = Callable[[dict[str, Any]], bytes]


@dataclass
class StubMiner:
    """One listening socket; `respond` decides the bytes sent back to each request."""

    port: int = 0
    respond: Responder = field(default=lambda request: b"")
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = b""
        request: dict[str, Any] = {}
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(65536), 2)
                if not chunk:
                    break
                buf += chunk
                try:
                    request, _ = json.JSONDecoder().raw_decode(buf.decode())
                    break
                except ValueError:
                    continue
            self.requests.append(request)
            writer.write(self.respond(request))
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
def stub(socket_enabled: None) -> Iterator[tuple[asyncio.AbstractEventLoop, StubMiner]]:
    """A private event loop with the stub miner on it (hypothesis runs sync examples)."""
    loop = asyncio.new_event_loop()
    miner = StubMiner()
    server = loop.run_until_complete(asyncio.start_server(miner.handle, "127.0.0.1", 0))
    miner.port = server.sockets[0].getsockname()[1]
    yield loop, miner
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def run(loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[Any]]) -> None:
    """Run one client call; anything but success or a WhatsMinerError fails the example."""

    async def bounded() -> None:
        await asyncio.wait_for(call(), 15)  # the client's own timeout is 2 s

    with contextlib.suppress(WhatsMinerError):
        loop.run_until_complete(bounded())


# ---- mutations -------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "S", "E", "true", "false", "inf", "nan", "-1", "'2021'", "0x1f"]),
)
json_value = st.recursive(
    json_leaf,
    lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_structure(draw: st.DrawFn, seed: object) -> bytes:
    """The seed with some of its values replaced by other JSON (types change), or removed."""
    doc = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_value)
    return json.dumps(doc, allow_nan=True).encode()


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed's bytes cut, flipped, spliced with noise or duplicated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete", "dup", "tail"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "cut":
            del data[pos:]
        elif op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(
                st.binary(max_size=8) | st.sampled_from([b"\x00", b",", b"}", b"]", b'"', b"\n"])
            )
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        elif op == "dup":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
        elif op == "tail":
            data += draw(st.sampled_from([b"\x00", b"\x00\x00", b"\n", b"garbage", b"{}"]))
    return bytes(data)


def reply_for(seed: object) -> st.SearchStrategy[bytes]:
    raw = seed.encode() if isinstance(seed, str) else json.dumps(seed).encode()
    structured = [mutated_structure(seed)] if not isinstance(seed, str) else []
    return st.one_of(mutated_bytes(raw), *structured, st.just(raw))


any_reply = st.sampled_from(corpus.SEEDS).flatmap(reply_for)


def command_of(request: dict[str, Any]) -> str:
    return str(request.get("cmd") or request.get("command") or "")


# ---- the reads -------------------------------------------------------------------------

READS: list[tuple[str, Callable[[WhatsMinerClient], Awaitable[Any]]]] = [
    ("summary", lambda c: c.summary()),
    ("pools", lambda c: c.pools()),
    ("edevs", lambda c: c.edevs()),
    ("devdetails", lambda c: c.devdetails()),
    ("get_psu", lambda c: c.get_psu()),
    ("get_version", lambda c: c.get_version()),
    ("status", lambda c: c.status()),
    ("get_miner_info", lambda c: c.get_miner_info()),
    ("get_error_code", lambda c: c.get_error_code()),
]


@FUZZ
@given(
    read=st.sampled_from(READS),
    reply=st.data(),
)
def test_typed_reads_raise_only_library_errors(
    stub: tuple[asyncio.AbstractEventLoop, StubMiner], read: Any, reply: st.DataObject
) -> None:
    """Each typed read, fed a mutation of its own reply (or of any other), fails cleanly."""
    loop, miner = stub
    name, call = read
    seed = corpus.BY_COMMAND[name]
    body = reply.draw(st.one_of(reply_for(seed), reply_for(seed), any_reply))
    miner.respond = lambda request: body
    client = WhatsMinerClient("127.0.0.1", miner.port, timeout=2)
    run(loop, lambda: call(client))


@FUZZ
@given(reply=st.data(), victim=st.sampled_from([*corpus.BY_COMMAND, "summary+edevs+pools"]))
def test_poll_raises_only_library_errors(
    stub: tuple[asyncio.AbstractEventLoop, StubMiner], reply: st.DataObject, victim: str
) -> None:
    """A whole poll where one of the replies is mutated (the joined one or a flat one)."""
    loop, miner = stub
    seed = corpus.JOINED if "+" in victim else corpus.BY_COMMAND[victim]
    body = reply.draw(reply_for(seed))

    def respond(request: dict[str, Any]) -> bytes:
        cmd = command_of(request)
        if cmd == victim or (victim in cmd.split("+") and "+" not in victim):
            return body
        if "+" in cmd:
            return json.dumps(corpus.JOINED).encode()
        return json.dumps(corpus.BY_COMMAND.get(cmd, corpus.ERRORS[0])).encode()

    miner.respond = respond
    client = WhatsMinerClient("127.0.0.1", miner.port, timeout=2)
    run(loop, client.poll)


# ---- the decryption path ---------------------------------------------------------------


def encrypt(plaintext: bytes, key: bytes = AES_KEY) -> str:
    padded = plaintext + b"\x00" * (-len(plaintext) % 16)
    return base64.b64encode(AES.new(key, AES.MODE_ECB).encrypt(padded)).decode()


@st.composite
def encrypted_reply(draw: st.DrawFn) -> bytes:
    """What may come back for a write: an encrypted reply mutated at any layer."""
    layer = draw(st.sampled_from(["plaintext", "ciphertext", "base64", "envelope", "error"]))
    seed = draw(st.sampled_from([corpus.WRITE_OK, *corpus.ERRORS, corpus.STATUS_NEW]))
    if layer == "plaintext":  # valid encryption of a mutated reply
        return json.dumps({"enc": encrypt(draw(reply_for(seed)))}).encode()
    if layer == "ciphertext":  # valid base64 of mutated (or wrong-key) ciphertext
        key = draw(st.sampled_from([AES_KEY, hashlib.sha256(b"wrong").digest()]))
        raw = base64.b64decode(encrypt(json.dumps(seed).encode(), key))
        mutated = draw(mutated_bytes(raw) | st.binary(max_size=64))
        return json.dumps({"enc": base64.b64encode(mutated).decode()}).encode()
    if layer == "base64":  # the base64 text itself mutated
        text = encrypt(json.dumps(seed).encode()).encode()
        return json.dumps({"enc": draw(mutated_bytes(text)).decode("latin-1")}).encode()
    if layer == "envelope":  # the wrapper: other keys, other types
        value = draw(json_value | st.just(encrypt(json.dumps(seed).encode())))
        key = draw(st.sampled_from(["enc", "data", "ENC"]))
        extra = draw(
            st.dictionaries(st.sampled_from(["enc", "data", "STATUS", "Code"]), json_value)
        )
        return draw(mutated_bytes(json.dumps({key: value, **extra}).encode()) | st.just(b""))
    return draw(reply_for(draw(st.sampled_from(corpus.ERRORS))))  # plaintext errors, mutated


@FUZZ
@given(reply=encrypted_reply())
def test_writes_raise_only_library_errors(
    stub: tuple[asyncio.AbstractEventLoop, StubMiner], reply: bytes
) -> None:
    """A valid token, then a mutated encrypted reply to the write."""
    loop, miner = stub

    def respond(request: dict[str, Any]) -> bytes:
        if command_of(request) == "get_token":
            return json.dumps(corpus.TOKEN).encode()
        return reply

    miner.respond = respond
    client = WhatsMinerClient("127.0.0.1", miner.port, "admin", timeout=2)
    run(loop, client.set_led_auto)


@FUZZ
@given(token=reply_for(corpus.TOKEN) | any_reply)
def test_mutated_token_replies_raise_only_library_errors(
    stub: tuple[asyncio.AbstractEventLoop, StubMiner], token: bytes
) -> None:
    """The get_token reply itself mutated; the write is answered correctly when reached."""
    loop, miner = stub

    def respond(request: dict[str, Any]) -> bytes:
        if command_of(request) == "get_token":
            return token
        return json.dumps({"enc": encrypt(json.dumps(corpus.WRITE_OK).encode())}).encode()

    miner.respond = respond
    client = WhatsMinerClient("127.0.0.1", miner.port, "admin", timeout=2)
    run(loop, client.set_led_auto)


def test_stub_round_trip_is_understood(
    stub: tuple[asyncio.AbstractEventLoop, StubMiner],
) -> None:
    """Unmutated replies are parsed, so the fuzzers above exercise real parsing paths."""
    loop, miner = stub

    def respond(request: dict[str, Any]) -> bytes:
        cmd = command_of(request)
        if cmd == "get_token":
            return json.dumps(corpus.TOKEN).encode()
        if "enc" in request:
            return json.dumps({"enc": encrypt(json.dumps(corpus.WRITE_OK).encode())}).encode()
        return json.dumps(corpus.BY_COMMAND[cmd]).encode()

    miner.respond = respond
    client = WhatsMinerClient("127.0.0.1", miner.port, "admin", timeout=2)
    summary = loop.run_until_complete(client.summary())
    assert summary.power_w == 3593
    assert loop.run_until_complete(client.get_psu()).vendor == "7"
    loop.run_until_complete(client.set_led_auto())
    sent = [command_of(r) for r in miner.requests]
    assert sent[-2:] == ["get_token", ""]  # the write itself is encrypted: no plain cmd
