"""The fake never crashes on garbage, and its token table enforces the spec's limits."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from simulator import PROFILES, SimClock, SimulatedMiner
from simulator.v2.tokens import MAX_ADDRESSES, MAX_TOKENS_PER_ADDRESS, TokenTable
from simulator.v2.writes import WRITES

from .wire import Session, aes_for, md5crypt_body

MINER = SimulatedMiner(profile=PROFILES["m30s_plus"], clock=SimClock(frozen=True))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
COMMANDS = st.sampled_from(
    ["summary", "get_token", "power_off", "set_led", "summary+pools", "get_miner_info", "x+y"]
)


def assert_well_formed(raw: bytes) -> None:
    answer = MINER.v2_server.answer(raw, "127.0.0.1")
    assert answer.text is not None
    reply = json.loads(answer.text)
    assert isinstance(reply, dict)


@given(st.binary(max_size=200))
def test_random_bytes_get_a_json_reply(raw: bytes) -> None:
    assert_well_formed(raw)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(COMMANDS, st.dictionaries(st.text(max_size=10), SCALARS, max_size=4))
def test_odd_arguments_get_a_json_reply(cmd: str, args: dict[str, object]) -> None:
    assert_well_formed(json.dumps({**args, "cmd": cmd}).encode())
    assert_well_formed(json.dumps({"enc": 1, "data": str(args)}).encode())


def test_token_table_limits_per_address_and_addresses() -> None:
    table = TokenTable(lifetime_s=1800)
    grants = [table.issue("10.0.0.1", "admin", "BQ5hoXV9", 1000.0) for _ in range(32)]
    assert all(grants)
    assert table.issue("10.0.0.1", "admin", "BQ5hoXV9", 1000.0) is None
    assert len(grants) == MAX_TOKENS_PER_ADDRESS
    for n in range(2, MAX_ADDRESSES + 1):
        assert table.issue(f"10.0.0.{n}", "admin", "BQ5hoXV9", 1000.0) is not None
    assert table.issue("10.0.0.99", "admin", "BQ5hoXV9", 1000.0) is None
    first = grants[0]
    assert first is not None
    assert table.valid("10.0.0.1", first.sign, 2799.0)
    assert not table.valid("10.0.0.2", first.sign, 2799.0)  # tokens belong to their address
    assert not table.valid("10.0.0.1", first.sign, 2800.0)
    assert table.issue("10.0.0.99", "admin", "BQ5hoXV9", 2800.0) is not None


WRITE_NAMES = st.sampled_from(sorted(WRITES))
PARAM_NAMES = st.sampled_from(
    ["percent", "param", "respbefore", "power_limit", "temp_offset", "upfreq_speed", "mode",
     "color", "period", "hostname", "pool1", "worker1", "old", "new", "ip", "port", "proto",
     "timezone", "zonename", "fan_zero_speed", "poweroff_cool", "key", "val", "power"]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(WRITE_NAMES, st.dictionaries(PARAM_NAMES, SCALARS, max_size=5))
def test_every_write_answers_odd_parameters(cmd: str, args: dict[str, object]) -> None:
    miner = SimulatedMiner(profile=PROFILES["m30s_plus"], clock=SimClock(frozen=True))
    server = miner.v2_server
    grant = json.loads(server.answer(b'{"cmd":"get_token"}', "127.0.0.1").text or "")["Msg"]
    session = Session(0)
    key = md5crypt_body("admin", grant["salt"])
    session.sign = md5crypt_body(key + grant["time"], grant["newsalt"])
    session.cipher = aes_for("admin", grant["salt"])
    answer = server.answer(session.seal({**args, "cmd": cmd}), "127.0.0.1")
    assert answer.text is not None
    reply = session.open(answer.text.encode())
    assert reply["Code"] in (131, 14, 132)
    assert (reply["STATUS"] == "S") == (reply["Code"] == 131)
