"""Tokens, encryption and the write API switch (spec section 5)."""

from __future__ import annotations

import json

from simulator import SimulatedMiner

from .wire import Session, command, exchange, loads


async def test_get_token_reply_shape(miner: SimulatedMiner) -> None:
    reply = await command(miner.port, "get_token")
    assert reply["Code"] == 134
    msg = reply["Msg"]
    assert msg["salt"] == "BQ5hoXV9"
    assert msg["time"] == f"{reply['When'] % 10000:04d}"
    assert len(msg["newsalt"]) == 8
    assert miner.counters.tokens_issued == 1


async def test_encrypted_write_with_zero_or_pkcs7_padding(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    for pkcs7 in (False, True):
        reply = await session.write("set_led", pkcs7=pkcs7, param="auto")
        assert (reply["Code"], reply["Msg"]) == (131, "API command OK")
    assert miner.counters.commands["set_led"] == 2


async def test_plaintext_write_is_refused(miner: SimulatedMiner) -> None:
    reply = await command(miner.port, "power_off", respbefore="true")
    assert (reply["STATUS"], reply["Code"]) == ("E", 45)
    assert miner.state.mining


async def test_wrong_password_gets_plaintext_code_23(miner: SimulatedMiner) -> None:
    session = Session(miner.port, password="wrong")
    reply = await session.write("power_off", respbefore="false")
    assert reply == {
        "STATUS": "E",
        "When": reply["When"],
        "Code": 23,
        "Msg": "enc json load err",
        "Description": "",
    }
    assert miner.state.mining


async def test_unknown_token_is_rejected_with_135(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.login()
    session.sign, session.retry = "x" * 22, False
    reply = await session.write("power_off", respbefore="false")
    assert (reply["Code"], reply["Msg"]) == (135, "check token err")
    assert miner.state.mining


async def test_tokens_expire_after_30_minutes(sim: object, miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    session.retry = False
    await session.login()
    miner.clock.advance(1799)
    assert (await session.write("set_led", param="auto"))["Code"] == 131
    miner.clock.advance(2)
    assert (await session.write("set_led", param="auto"))["Code"] == 135


async def test_33rd_token_is_refused_with_136(miner: SimulatedMiner) -> None:
    for _ in range(32):
        assert (await command(miner.port, "get_token"))["Code"] == 134
    reply = await command(miner.port, "get_token")
    assert (reply["STATUS"], reply["Code"], reply["Msg"]) == ("E", 136, "over max connect")
    miner.clock.advance(1801)
    assert (await command(miner.port, "get_token"))["Code"] == 134


async def test_write_api_switch_off(miner: SimulatedMiner) -> None:
    miner.state.api_enabled = False
    reply = await Session(miner.port).write("power_off", respbefore="true")
    assert reply["Msg"] == "can't access write cmd"
    assert reply["STATUS"] == "E"
    assert miner.state.mining


async def test_update_pwd_changes_salt_and_key(miner: SimulatedMiner) -> None:
    old = Session(miner.port)
    reply = await old.write("update_pwd", old="admin", new="s3cret_1")
    assert reply["Code"] == 131
    assert miner.state.password == "s3cret_1"
    new = Session(miner.port, password="s3cret_1")
    token = await new.login()
    assert token["Msg"]["salt"] != "BQ5hoXV9"
    assert (await new.write("set_led", param="auto"))["Code"] == 131
    stale = Session(miner.port)  # the old password now derives the wrong key
    assert (await stale.write("set_led", param="auto"))["Code"] == 23


async def test_update_pwd_validates(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    assert (await session.write("update_pwd", old="admin", new="toolong12"))["Code"] == 14
    assert (await session.write("update_pwd", old="admin", new="bad-char"))["Code"] == 14
    assert (await session.write("update_pwd", old="nope", new="fine"))["Code"] == 132
    assert miner.state.password == "admin"


async def test_factory_reset_turns_the_api_off_and_resets(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.write("set_low_power")
    await session.write("set_hostname", hostname="barn7")
    assert (await session.write("factory_reset"))["Code"] == 131
    assert not miner.state.api_enabled
    assert miner.state.power_mode == "normal"
    assert miner.state.hostname == "WhatsMiner"
    assert miner.state.pools == []
    reply = await Session(miner.port).write("set_led", param="auto")
    assert reply["Msg"] == "can't access write cmd"


async def test_get_token_must_be_plaintext(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    await session.login()
    assert (await session.write("get_token"))["Code"] == 14


async def test_invalid_json_gets_code_23(miner: SimulatedMiner) -> None:
    reply = loads(await exchange(miner.port, b'{"cmd": "summary"', half_close=True))
    assert (reply["STATUS"], reply["Code"]) == ("E", 23)
    wrapped = json.dumps({"enc": 1, "data": "!!!"}).encode()
    assert loads(await exchange(miner.port, wrapped))["Code"] == 23


async def test_reads_may_be_sent_encrypted(miner: SimulatedMiner) -> None:
    session = Session(miner.port)
    reply = await session.write("summary+pools")
    assert reply["summary"][0]["SUMMARY"][0]["MHS av"] > 0
    assert (await session.write("get_version"))["Msg"]["api_ver"] == "2.0.5"
    miner.faults.btminer_down = True
    raw = await exchange(miner.port, session.seal({"cmd": "summary"}))
    assert raw == b"Socket connect failed: Connection refused\n"


async def test_plaintext_write_with_the_api_off(miner: SimulatedMiner) -> None:
    miner.state.api_enabled = False
    reply = await command(miner.port, "set_low_power")
    assert (reply["Code"], reply["Msg"]) == (45, "can't access write cmd")
    assert miner.state.power_mode == "normal"


async def test_request_without_a_command_name(miner: SimulatedMiner) -> None:
    reply = loads(await exchange(miner.port, b'{"cmd": 5}'))
    assert (reply["Code"], reply["Msg"]) == (14, "invalid cmd")
    assert loads(await exchange(miner.port, b"[1, 2]", half_close=True))["Code"] == 23
