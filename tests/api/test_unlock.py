"""enable_write_api on v2: the open_write_api handshake, checked by a write that changes nothing.

The fake's side follows asic-rs's description (spec v2 5.6), computed here independently of the
client: md5_hex(time + newsalt + key + md5crypt body of the admin password).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import json
from typing import Any

from passlib.hash import md5_crypt
import pytest

from custom_components.whatsminer.api.auto import AutoMiner
from custom_components.whatsminer.api.errors import (
    AuthenticationError,
    WhatsMinerConnectionError,
    WriteUnlockPasswordError,
    WriteUnlockRefusedError,
    WriteUnlockUnsupportedError,
)
from custom_components.whatsminer.api.models import ApiVersion
from custom_components.whatsminer.api.v2.miner import V2Miner

from . import samples
from .fake_miner import HANG, FakeMiner, Request

KEY = "3804fe31981418ce711a31d94bc69651"
SALTS = {"salt": "BQ5hoXV9", "newsalt": "nEwSaLt1", "time": "1759800000"}


def expected_token(password: str, salts: dict[str, str] = SALTS) -> str:
    body = md5_crypt.using(salt=salts["salt"]).hash(password).split("$")[3]
    text = salts["time"] + salts["newsalt"] + KEY + body
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class WriteSwitch:
    """The fake's write switch, its handshake, and the writes it refuses while off."""

    fake: FakeMiner
    on: bool = False
    admin: str = "admin"
    open_reply: Any = None  # instead of the salts
    token_reply: Any = field(default_factory=lambda: json.loads(samples.OK))  # None: close
    opens: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def install(self) -> WriteSwitch:
        self.fake.handlers["open_write_api"] = self._open
        for cmd in ("set_led", "enable_btminer_fast_boot", "disable_btminer_fast_boot"):
            self.fake.handlers[cmd] = self._write
        self.fake.handlers["get_version"] = self._read_version
        return self

    async def _write(self, request: Request) -> Any:
        return json.loads(samples.OK) if self.on else samples.ERR_WRITE_DISABLED.encode()

    async def _read_version(self, request: Request) -> Any:
        if request.encrypted and not self.on:
            return samples.ERR_WRITE_DISABLED.encode()
        return samples.VERSION

    async def _open(self, request: Request) -> Any:
        self.opens.append(request.body)
        if self.open_reply is not None:
            return self.open_reply
        salts = {"STATUS": "S", "When": 1, "Code": 134, "Msg": SALTS, "Description": ""}
        request.writer.write(json.dumps(salts).encode() + b"\x00")
        await request.writer.drain()
        body, _ = await self.fake.read_request(request.reader)
        self.tokens.append(body["token"])
        if body["token"] == expected_token(self.admin):
            self.on = True
        if self.token_reply is None:
            return None  # close without a word
        if body["token"] != expected_token(self.admin):
            return json.loads(samples.ERR_135)
        return self.token_reply


def make(miner: FakeMiner, password: str | None = "admin") -> V2Miner:
    return V2Miner("127.0.0.1", miner.port, password, timeout=0.5)


async def test_handshake_switches_writes_on(miner: FakeMiner) -> None:
    switch = WriteSwitch(miner).install()
    assert await make(miner).enable_write_api() is True
    assert switch.on
    assert switch.opens == [{"command": "open_write_api", "client": "heatcore", "enable": True}]
    assert switch.tokens == [expected_token("admin")]
    # the LED was in auto mode: set to auto, refused, then (after the handshake) accepted
    leds = [r.body for r in miner.requests if r.cmd == "set_led"]
    assert leds == [{"cmd": "set_led", "param": "auto", "token": leds[0]["token"]}] * 2


async def test_already_on_sends_no_handshake(miner: FakeMiner) -> None:
    switch = WriteSwitch(miner, on=True).install()
    assert await make(miner).enable_write_api() is False
    assert switch.opens == []
    assert miner.commands["set_led"] == 1


async def test_password_given_is_used_for_handshake_and_check(miner: FakeMiner) -> None:
    miner.password = "s3cret"
    switch = WriteSwitch(miner, admin="s3cret").install()
    assert await make(miner, None).enable_write_api("s3cret") is True
    assert switch.tokens == [expected_token("s3cret")]


async def test_wrong_password(miner: FakeMiner) -> None:
    switch = WriteSwitch(miner, admin="other").install()
    with pytest.raises(WriteUnlockPasswordError):
        await make(miner).enable_write_api()
    assert not switch.on
    assert miner.commands["set_led"] == 1  # no second try of the write after a refused token


async def test_handshake_taken_but_writes_still_refused(miner: FakeMiner) -> None:
    switch = WriteSwitch(miner).install()

    async def stays_off(request: Request) -> Any:
        return samples.ERR_WRITE_DISABLED.encode()

    miner.handlers["set_led"] = stays_off
    with pytest.raises(WriteUnlockRefusedError):
        await make(miner).enable_write_api()
    assert len(switch.opens) == 1
    assert miner.commands["set_led"] == 2  # the refused write, retried once


async def test_silent_token_reply_is_judged_by_the_write(miner: FakeMiner) -> None:
    WriteSwitch(miner, token_reply=None).install()
    assert await make(miner).enable_write_api() is True


@pytest.mark.parametrize("reply", [samples.ERR_14, '{"STATUS":"S","Code":131,"Msg":"ok"}', b"?"])
async def test_firmware_without_the_handshake(miner: FakeMiner, reply: Any) -> None:
    WriteSwitch(miner, open_reply=reply).install()
    with pytest.raises(WriteUnlockUnsupportedError):
        await make(miner).enable_write_api()


async def test_no_answer_to_the_handshake(miner: FakeMiner) -> None:
    WriteSwitch(miner, open_reply=HANG).install()
    with pytest.raises(WriteUnlockUnsupportedError):
        await make(miner).enable_write_api()


async def test_handshake_refused(miner: FakeMiner) -> None:
    refused = '{"STATUS":"E","When":1,"Code":45,"Msg":"permission denied","Description":""}'
    WriteSwitch(miner, open_reply=refused).install()
    with pytest.raises(WriteUnlockRefusedError) as caught:
        await make(miner).enable_write_api()
    assert caught.value.code == 45


async def test_led_in_manual_mode_rewrites_fast_boot(miner: FakeMiner) -> None:
    """A flashing LED is left alone: the fast-boot setting the poll read is written again."""
    miner.replies["get_miner_info"] = samples.MINER_INFO.replace('"auto"', '"manual"')
    WriteSwitch(miner).install()
    v2 = make(miner)
    snapshot = await v2.poll()
    assert await v2.enable_write_api() is True
    command = "enable" if snapshot.summary.fast_boot else "disable"
    assert miner.commands[f"{command}_btminer_fast_boot"] == 2
    assert miner.commands["set_led"] == 0


async def test_nothing_known_falls_back_to_an_encrypted_read(miner: FakeMiner) -> None:
    miner.replies["get_miner_info"] = samples.ERR_14
    WriteSwitch(miner).install()
    assert await make(miner).enable_write_api() is True
    assert [r.cmd for r in miner.requests if r.encrypted] == ["get_version"] * 2


async def test_a_wrong_write_password_is_raised_as_it_is(miner: FakeMiner) -> None:
    """Writes were on; the check's own refusal (a wrong password) is what the caller sees."""
    WriteSwitch(miner, on=True).install()
    with pytest.raises(AuthenticationError):
        await make(miner, "wrong").enable_write_api()


async def test_unreachable(socket_enabled: None) -> None:
    async with FakeMiner() as gone:
        port = gone.port
    with pytest.raises(WhatsMinerConnectionError):
        await V2Miner("127.0.0.1", port, "admin", timeout=0.5).enable_write_api()


async def test_auto_miner_delegates(miner: FakeMiner) -> None:
    switch = WriteSwitch(miner).install()
    auto = AutoMiner("127.0.0.1", password="admin", api=ApiVersion.V2, v2_port=miner.port)
    assert await auto.enable_write_api() is True
    assert switch.on


async def test_closed_without_answering_the_handshake(miner: FakeMiner) -> None:
    WriteSwitch(miner).install()

    async def close(request: Request) -> Any:
        return None

    miner.handlers["open_write_api"] = close
    with pytest.raises(WriteUnlockUnsupportedError):
        await make(miner).enable_write_api()


async def test_token_never_answered(miner: FakeMiner) -> None:
    """The token is waited for once (the read timeout); then the write tells."""
    WriteSwitch(miner, token_reply=HANG).install()
    assert await make(miner).enable_write_api() is True
