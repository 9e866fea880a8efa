"""poll() and the reads, end to end over loopback against the fake miner."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from custom_components.whatsminer.api import errors
from custom_components.whatsminer.api.v2 import client as client_module
from custom_components.whatsminer.api.v2.client import (
    ALTERNATE_READS,
    WhatsMinerClient,
    alternate_offset,
)

from . import samples
from .conftest import FakeClock
from .fake_miner import HANG, FakeMiner, Request


def _client(miner: FakeMiner, clock: FakeClock | None = None, **kwargs) -> WhatsMinerClient:
    kwargs.setdefault("timeout", 2.0)
    if clock is not None:
        kwargs["clock"] = clock
    return WhatsMinerClient("127.0.0.1", miner.port, **kwargs)


async def test_first_and_steady_state_polls(miner: FakeMiner, clock: FakeClock) -> None:
    client = _client(miner, clock)
    snapshot = await client.poll()
    # First poll: joined summary+edevs+pools+devdetails, status, get_error_code,
    # get_version, get_miner_info, get_psu.
    assert miner.connections == 6
    assert snapshot.summary.hashrate_ths == pytest.approx(84.94136602)
    assert [board.index for board in snapshot.boards] == [0, 1]
    assert snapshot.active_pool is not None and snapshot.active_pool.index == 1
    assert snapshot.status is not None and snapshot.mining is False
    assert [error.code for error in snapshot.error_codes] == [218, 110]
    assert snapshot.psu is not None and snapshot.psu.serial == "A1232B0120100049"
    assert snapshot.firmware_version == "20220125.13.Rel"
    assert snapshot.mac == "C6:07:20:00:1E:C2"
    assert snapshot.model == "M30S+VE40"
    assert set(snapshot.raw) == {
        "summary",
        "edevs",
        "pools",
        "devdetails",
        "status",
        "get_error_code",
        "get_version",
        "get_miner_info",
        "get_psu",
    }
    info_request = next(r for r in miner.requests if r.cmd == "get_miner_info")
    assert "minersn" in info_request.body["info"]

    miner.connections = 0
    steady = await client.poll()
    # not mining (STATUS_NEW says so): status at every poll, error codes at one of the two
    await client.poll()
    assert miner.connections == 2 + 2 + 1
    assert miner.commands["summary+edevs+pools"] == 2
    assert [error.code for error in steady.error_codes] == [218, 110]
    assert miner.commands["tokens_issued"] == 0
    assert steady.model == "M30S+VE40" and steady.psu == snapshot.psu
    assert set(steady.raw) == set(snapshot.raw)  # the cached raw replies stay available


async def _polls_reading(
    client: WhatsMinerClient, miner: FakeMiner, polls: int
) -> dict[str, list[int]]:
    """Which of the next `polls` polls (numbered from 1) read status and error codes."""
    read: dict[str, list[int]] = {"status": [], "get_error_code": []}
    for poll in range(1, polls + 1):
        before = {cmd: miner.commands[cmd] for cmd in read}
        snapshot = await client.poll()
        assert len(snapshot.error_codes) == 2  # read, or those last read
        assert snapshot.status is not None  # read, or as last read
        for cmd, polls_read in read.items():
            if miner.commands[cmd] > before[cmd]:
                polls_read.append(poll)
    return read


@pytest.mark.parametrize(
    ("offset", "status_at", "errors_at"),
    [(0, [1, 3, 5, 7], [1, 2, 4, 6]), (1, [1, 2, 4, 6], [1, 3, 5, 7])],
)
async def test_a_hashing_miner_reads_status_and_error_codes_by_turns(
    miner: FakeMiner,
    monkeypatch: pytest.MonkeyPatch,
    offset: int,
    status_at: list[int],
    errors_at: list[int],
) -> None:
    """Both at the first poll; then one connection beside the joined read per poll, status
    and error codes by turns; whose turn comes first follows from the miner's address
    (`alternate_offset`, here fixed to each of its values)."""
    monkeypatch.setattr(client_module, "alternate_offset", lambda host, port: offset)
    miner.replies["status"] = samples.STATUS_OLD  # mining, and summary shows it hashing
    client = _client(miner)
    assert await _polls_reading(client, miner, 7) == {
        "status": status_at,
        "get_error_code": errors_at,
    }
    miner.connections = 0
    await client.poll()
    await client.poll()
    assert miner.connections == 2 + 2
    miner.replies["get_error_code"] = samples.ERROR_CODE_EMPTY
    seen = [len((await client.poll()).error_codes) for _ in range(2)]
    assert seen[-1] == 0  # cleared on the miner: gone within two polls
    client.invalidate_cache()  # as after a write that changes the miner
    miner.replies["get_error_code"] = samples.ERROR_CODE_LIST
    before = miner.commands["status"]
    assert len((await client.poll()).error_codes) == 2  # read at once
    assert miner.commands["status"] == before + 1  # and status too


async def test_a_stop_shows_at_the_next_poll_whoever_s_turn_it_is(miner: FakeMiner) -> None:
    """A miner stopped from outside Home Assistant: its hashrate falls, so the next poll
    reads status (the reason with it) and keeps reading it while the miner is stopped."""
    miner.replies["status"] = samples.STATUS_OLD
    client = _client(miner)
    for _ in range(3):
        assert (await client.poll()).mining is True
    miner.replies["summary"] = re.sub(r'"(MHS 5s|HS RT)":[0-9.]+', r'"\1":0', samples.SUMMARY)
    miner.replies["status"] = samples.STATUS_NEW  # mineroff, "by whatsminer api"
    for _ in range(3):
        before = miner.commands["status"]
        snapshot = await client.poll()
        assert snapshot.mining is False
        assert snapshot.status is not None
        assert snapshot.status.mineroff_reason == "by whatsminer api"
        assert miner.commands["status"] == before + 1


@pytest.mark.parametrize("offset", [0, 1])
async def test_a_power_limit_set_from_outside_shows_at_the_next_poll(
    miner: FakeMiner, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    """The power limit in summary moved (WhatsMinerTool, say): status, which holds the
    limit set, is read at that poll, on either turn."""
    monkeypatch.setattr(client_module, "alternate_offset", lambda host, port: offset)
    miner.replies["status"] = samples.STATUS_OLD.replace(
        '"btmineroff":"false"', '"btmineroff":"false","power_limit_set":"3600"'
    )
    client = _client(miner)
    for _ in range(2):
        status = (await client.poll()).status
        assert status is not None and status.power_limit_set_w == 3600
    miner.replies["summary"] = samples.SUMMARY.replace('"Power Limit":3600', '"Power Limit":3000')
    miner.replies["status"] = miner.replies["status"].replace("3600", "3000")
    status = (await client.poll()).status
    assert status is not None and status.power_limit_set_w == 3000


async def test_a_coolant_temperature_only_status_has_is_read_at_every_poll(
    miner: FakeMiner,
) -> None:
    """Some hydro firmware reports the coolant temperature in status, not in summary: a
    live reading, so status is read at every poll."""
    miner.replies["status"] = samples.STATUS_OLD.replace(
        '"btmineroff":"false"', '"btmineroff":"false","liquid_temp":"41.5"'
    )
    client = _client(miner)
    for temp in ("41.5", "42.5", "43.5", "44.5"):
        miner.replies["status"] = re.sub(
            r'"liquid_temp":"[0-9.]+"', f'"liquid_temp":"{temp}"', miner.replies["status"]
        )
        assert (await client.poll()).summary.coolant_temp_c == float(temp)


@pytest.mark.parametrize("offset", [0, 1])
async def test_a_restart_makes_the_poll_read_everything_again(
    miner: FakeMiner, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    """Uptime went back (a reboot, a firmware upgrade): that poll reads status and the
    error codes whoever's turn it is, the next one version, info and PSU."""
    monkeypatch.setattr(client_module, "alternate_offset", lambda host, port: offset)
    miner.replies["status"] = samples.STATUS_OLD
    client = _client(miner)
    for _ in range(3):
        await client.poll()
    before = dict(miner.commands)
    miner.replies["summary"] = samples.SUMMARY.replace('"Uptime":20507', '"Uptime":95')
    await client.poll()
    assert miner.commands["status"] == before["status"] + 1
    assert miner.commands["get_error_code"] == before["get_error_code"] + 1
    await client.poll()
    assert miner.commands["get_version"] == before["get_version"] + 1
    assert miner.commands["get_psu"] == before["get_psu"] + 1


def test_a_barns_turns_fall_on_every_poll() -> None:
    """Miners set up together do not all read status (or error codes) at the same poll."""
    offsets = [alternate_offset(f"192.168.1.{i}", 4028) for i in range(2, 202)]
    turns = len(ALTERNATE_READS)
    assert set(offsets) == set(range(turns))
    assert min(offsets.count(o) for o in range(turns)) > 200 / turns / 2


async def test_slow_reads_refresh_after_ten_polls_and_five_minutes(
    miner: FakeMiner, clock: FakeClock
) -> None:
    client = _client(miner, clock)
    await client.poll()
    for _ in range(11):  # the eleventh has ten polls behind it
        await client.poll()
    assert miner.commands["get_psu"] == 1  # ten polls, but not five minutes yet
    clock.now += 300
    await client.poll()
    assert miner.commands["get_psu"] == 2
    assert miner.commands["summary+edevs+pools+devdetails"] == 2
    clock.now += 300
    await client.poll()
    assert miner.commands["get_psu"] == 2  # five minutes, but not ten polls
    client.invalidate_cache()
    await client.poll()
    assert miner.commands["get_psu"] == 3


async def test_legacy_firmware_skips_get_error_code(miner: FakeMiner) -> None:
    miner.replies["summary"] = samples.SUMMARY_LEGACY
    miner.replies["status"] = samples.STATUS_OLD
    client = _client(miner)
    await client.poll()
    miner.connections = 0
    snapshot = await client.poll()
    assert miner.connections == 2
    assert miner.commands["get_error_code"] == 0
    assert [error.code for error in snapshot.error_codes] == [110, 600]
    assert snapshot.mining is True


async def test_firmware_refusing_joins_is_read_command_by_command(miner: FakeMiner) -> None:
    async def refuse(request: Request) -> str:
        return samples.ERR_14

    for cmd in ("summary+edevs+pools+devdetails", "summary+edevs+pools"):
        miner.handlers[cmd] = refuse
    client = _client(miner)
    snapshot = await client.poll()
    assert snapshot.model == "M30S+VE40"
    await client.poll()
    assert miner.commands["summary+edevs+pools+devdetails"] == 1
    assert miner.commands["summary+edevs+pools"] == 0
    assert miner.commands["summary"] == 2


async def test_failed_secondary_reads_do_not_fail_the_poll(miner: FakeMiner) -> None:
    for cmd in ("status", "get_psu", "get_version", "get_miner_info", "get_error_code"):
        miner.replies[cmd] = samples.ERR_14
    joined = {
        "summary": [json.loads(samples.SUMMARY)],
        "edevs": [json.loads(samples.ERR_14)],
        "pools": [json.loads(samples.POOLS)],
        "devdetails": [{"STATUS": [{"STATUS": "E", "Code": 45, "Msg": "Access denied"}]}],
        "id": 1,
    }

    async def partial(request: Request) -> dict:
        return joined

    miner.handlers["summary+edevs+pools+devdetails"] = partial
    snapshot = await _client(miner).poll()
    assert snapshot.summary.power_w == 3593
    assert snapshot.boards == ()
    assert len(snapshot.pools) == 1
    assert snapshot.status is None and snapshot.psu is None and snapshot.version is None
    assert snapshot.info is None and snapshot.model is None
    assert snapshot.error_codes == ()
    assert snapshot.mining is True  # falls back to the hashrate


async def test_unparseable_secondary_replies_do_not_fail_the_poll(miner: FakeMiner) -> None:
    miner.replies["get_error_code"] = '{"STATUS":"S","Code":131}'
    miner.replies["status"] = '{"STATUS":"S","Code":131,"Msg":"status"}'
    snapshot = await _client(miner).poll()
    assert snapshot.error_codes == ()
    assert snapshot.status is None
    assert snapshot.raw["get_error_code"] == {"STATUS": "S", "Code": 131}


async def test_new_firmware_seen_in_status_refreshes_version(miner: FakeMiner) -> None:
    client = _client(miner)
    await client.poll()
    await client.poll()
    assert miner.commands["get_version"] == 1
    miner.replies["status"] = samples.ERR_14
    await client.poll()  # a poll without status does not forget the firmware seen before
    miner.replies["status"] = samples.STATUS_NEW.replace("20240624.18", "20240701.01")
    await client.poll()  # sees the new firmware in status
    assert miner.commands["get_version"] == 1
    await client.poll()
    assert miner.commands["get_version"] == 2


async def test_summary_error_fails_the_poll(miner: FakeMiner) -> None:
    joined = {
        "summary": [json.loads(samples.ERR_14)],
        "edevs": [{}],
        "pools": [{}],
        "devdetails": [{}],
    }

    async def broken(request: Request) -> dict:
        return joined

    miner.handlers["summary+edevs+pools+devdetails"] = broken
    with pytest.raises(errors.CommandRejectedError):
        await _client(miner).poll()


async def test_reads(miner: FakeMiner) -> None:
    client = _client(miner)
    assert (await client.summary()).power_limit_w == 3600
    assert len(await client.pools()) == 1
    assert len(await client.edevs()) == 2
    assert len(await client.devs()) == 2
    assert await client.devdetails() == "M30S+VE40"
    assert (await client.get_psu()).vendor == "7"
    assert (await client.get_version()).api_ver == "2.0.3"
    assert (await client.status()).power_limit_set_w == 3600
    assert (await client.get_miner_info()).proto == "dhcp"
    assert len(await client.get_error_code()) == 2
    assert await client.command("get_version") == json.loads(samples.VERSION)
    assert [r.encrypted for r in miner.requests] == [False] * 11
    assert (client.host, client.port, client.password) == ("127.0.0.1", miner.port, "admin")
    assert client.connections == 11 and client.token_requests == 0


async def test_truncated_error_code_reply_is_repaired(miner: FakeMiner) -> None:
    miner.replies["get_error_code"] = samples.ERROR_CODE_LIST[:-60].encode()
    codes = await _client(miner).get_error_code()
    assert [code.code for code in codes] == [218]


async def test_reply_without_nul_or_with_quirks(miner: FakeMiner) -> None:
    miner.nul = False
    miner.replies["get_miner_info"] = samples.MINER_INFO_TRAILING_COMMA.encode()
    miner.replies["get_psu"] = samples.PSU_MISSING_COMMA.encode() + b"\x00"
    client = _client(miner)
    assert (await client.get_miner_info()).hostname == "WhatsMiner"
    assert (await client.get_psu()).temperature_c == 45.5
    assert (await client.summary()).power_w == 3593


async def test_reply_split_over_writes_and_connection_kept_open(miner: FakeMiner) -> None:
    async def slow(request: Request) -> object:
        request.writer.write(samples.VERSION[:30].encode())
        await request.writer.drain()
        await asyncio.sleep(0.05)
        request.writer.write(samples.VERSION[30:].encode())
        await request.writer.drain()
        return HANG  # never closes: the complete JSON object ends the reply

    miner.handlers["get_version"] = slow
    assert (await _client(miner).get_version()).fw_ver == "20220125.13.Rel"


async def test_server_closing_mid_reply(miner: FakeMiner) -> None:
    miner.replies["summary"] = samples.SUMMARY[:300].encode()
    with pytest.raises(errors.WhatsMinerResponseError):
        await _client(miner).summary()


async def test_closed_without_reply(miner: FakeMiner) -> None:
    async def silent(request: Request) -> None:
        return None

    miner.handlers["summary"] = silent
    with pytest.raises(errors.WhatsMinerConnectionError, match="without answering"):
        await _client(miner).summary()


async def test_read_timeout(miner: FakeMiner) -> None:
    async def hang(request: Request) -> object:
        return HANG

    miner.handlers["status"] = hang
    with pytest.raises(errors.WhatsMinerTimeoutError):
        await _client(miner, timeout=0.2).status()


async def test_partial_reply_then_silence(miner: FakeMiner) -> None:
    async def stall(request: Request) -> object:
        request.writer.write(b'{"STATUS":"S","Msg":{"api_ver"')
        await request.writer.drain()
        return HANG

    miner.handlers["get_version"] = stall
    with pytest.raises(errors.WhatsMinerResponseError):
        await _client(miner, timeout=0.2).get_version()


async def test_btminer_down_plain_text(miner: FakeMiner) -> None:
    miner.replies["summary"] = b"Socket connect failed: Connection refused\n"
    with pytest.raises(errors.MinerProcessDownError):
        await _client(miner).summary()


async def test_not_a_whatsminer(miner: FakeMiner) -> None:
    miner.replies["summary"] = b"SSH-2.0-OpenSSH_9.6\r\n"
    with pytest.raises(errors.NotAWhatsMinerError):
        await _client(miner).summary()


async def test_connection_refused(socket_enabled: None) -> None:
    async with FakeMiner() as fake:
        port = fake.port
    client = WhatsMinerClient("127.0.0.1", port, timeout=1.0)
    with pytest.raises(errors.WhatsMinerConnectionError, match="Cannot connect"):
        await client.summary()


async def test_oversized_reply_is_refused(miner: FakeMiner) -> None:
    miner.replies["summary"] = b"{" + b" " * (5 * 1024 * 1024)
    with pytest.raises(errors.WhatsMinerConnectionError, match="too large"):
        await _client(miner).summary()
