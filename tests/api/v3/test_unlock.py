"""enable_write_api on API v3 firmware: the handshake goes through the v2 port (4028), with
the v2 admin password given, then the factory `admin`; the v3 write switch tells."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.whatsminer.api.errors import (
    DefaultPasswordError,
    WriteUnlockPasswordError,
)
from custom_components.whatsminer.api.v3.miner import V3Miner
from tests.api.fake_miner import FakeMiner
from tests.api.test_unlock import WriteSwitch, expected_token

from .conftest import Clocks
from .fake_v3 import FakeV3Miner
from .test_miner import make_miner


@pytest.fixture
async def v2_port(socket_enabled: None) -> AsyncIterator[FakeMiner]:
    async with FakeMiner() as fake:
        yield fake


def linked(fake: FakeV3Miner, v2: FakeMiner, admin: str) -> WriteSwitch:
    """The 4028 handshake switches the v3 write switch on."""
    switch = WriteSwitch(v2, admin=admin).install()
    opened = switch._open

    async def open_and_switch(request: Any) -> Any:
        result = await opened(request)
        fake.apiswitch = "1" if switch.on else fake.apiswitch
        return result

    v2.handlers["open_write_api"] = open_and_switch
    return switch


@pytest.mark.parametrize(
    ("given", "admin", "tokens"),
    [
        ("adm1n", "adm1n", ["adm1n"]),
        ("adm1n", "admin", ["adm1n", "admin"]),  # the given one refused: the factory one
        (None, "admin", ["admin"]),
    ],
)
async def test_handshake_on_the_v2_port(
    fake: FakeV3Miner,
    v2_port: FakeMiner,
    clocks: Clocks,
    given: str | None,
    admin: str,
    tokens: list[str],
) -> None:
    fake.apiswitch = "0"
    switch = linked(fake, v2_port, admin)
    miner = make_miner(fake, clocks, v2_port=v2_port.port)
    try:
        assert await miner.enable_write_api(given) is True
    finally:
        await miner.close()
    assert switch.tokens == [expected_token(p) for p in tokens]
    assert fake.commands["set.miner.report"] == 1  # the harmless write, once switched on


async def test_already_on(fake: FakeV3Miner, v2_port: FakeMiner, clocks: Clocks) -> None:
    switch = linked(fake, v2_port, "admin")
    miner: V3Miner = make_miner(fake, clocks, v2_port=v2_port.port)
    try:
        assert await miner.enable_write_api() is False
    finally:
        await miner.close()
    assert switch.opens == []


async def test_neither_password(fake: FakeV3Miner, v2_port: FakeMiner, clocks: Clocks) -> None:
    fake.apiswitch = "0"
    switch = linked(fake, v2_port, "unknown")
    miner = make_miner(fake, clocks, v2_port=v2_port.port)
    try:
        with pytest.raises(WriteUnlockPasswordError):
            await miner.enable_write_api("adm1n")
    finally:
        await miner.close()
    assert len(switch.opens) == 2


async def test_factory_password_given_is_tried_once(
    fake: FakeV3Miner, v2_port: FakeMiner, clocks: Clocks
) -> None:
    """`admin` given is also the factory fallback: one handshake, not the same one twice."""
    fake.apiswitch = "0"
    switch = linked(fake, v2_port, "unknown")
    miner = make_miner(fake, clocks, v2_port=v2_port.port)
    try:
        with pytest.raises(WriteUnlockPasswordError):
            await miner.enable_write_api("admin")
    finally:
        await miner.close()
    assert len(switch.opens) == 1


async def test_switch_on_but_super_still_factory(
    fake: FakeV3Miner, v2_port: FakeMiner, clocks: Clocks
) -> None:
    """The handshake worked; writes still need the super password changed."""
    fake.apiswitch = "0"
    linked(fake, v2_port, "admin")
    miner = make_miner(fake, clocks, v2_port=v2_port.port, password="super")
    try:
        with pytest.raises(DefaultPasswordError):
            await miner.enable_write_api()
    finally:
        await miner.close()
    assert fake.apiswitch == "1"
