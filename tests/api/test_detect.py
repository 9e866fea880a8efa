"""Detection (spec v3 6.2): v3 first, else v2; at most two connections; typed failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json

import pytest

from custom_components.whatsminer.api.auto import detect
from custom_components.whatsminer.api.errors import (
    NotAWhatsMinerError,
    WhatsMinerConnectionError,
)
from custom_components.whatsminer.api.miner import Detection
from custom_components.whatsminer.api.models import ApiVersion

from . import samples
from .fake_miner import FakeMiner, Request
from .fake_v3 import FakeV3Port, device_info, free_port

# What v3 firmware answers on 4028 (spec v3 6.3): api_ver 2.2.2, a 2026 firmware.
VERSION_REL3 = (
    '{"STATUS":"S","When":1773871985,"Code":131,"Msg":{"api_ver":"2.2.2",'
    '"fw_ver":"20260312.16.REL3","platform":"H616","chip":"K88Z002","miner_type":"M7BS_VM30"},'
    '"Description":""}'
)


@pytest.fixture
async def v3(socket_enabled: None) -> AsyncIterator[FakeV3Port]:
    async with FakeV3Port() as port:
        yield port


async def _detect(miner: FakeMiner, v3_port: int) -> Detection:
    return await detect("127.0.0.1", v2_port=miner.port, v3_port=v3_port, timeout=1.0)


async def test_v3_first(miner: FakeMiner, v3: FakeV3Port) -> None:
    miner.replies["get_version"] = VERSION_REL3  # 4028 answers too, as v3 firmware does
    found = await _detect(miner, v3.port)
    assert found == Detection(
        api=ApiVersion.V3,
        port=v3.port,
        api_version="3.0.2",
        firmware="20250915.16.Rel2",
        model="M50_VH84",
        mac="C4:08:28:00:AA:BB",
        hostname="WhatsMiner",
        write_access=True,
    )
    assert (v3.connections, miner.connections) == (1, 0)
    assert v3.commands == {"get.device.info": 1}


async def test_v3_write_switch_off(miner: FakeMiner, v3: FakeV3Port) -> None:
    v3.info = device_info(apiswitch="0", api="3.0.5")
    found = await _detect(miner, v3.port)
    assert (found.api, found.api_version, found.write_access) == (ApiVersion.V3, "3.0.5", False)


async def test_v2_when_v3_port_refuses(miner: FakeMiner) -> None:
    found = await _detect(miner, free_port())
    assert found == Detection(
        api=ApiVersion.V2,
        port=miner.port,
        api_version="2.0.3",
        firmware="20220125.13.Rel",
        mac="C6:07:20:00:1E:C2",
    )
    # nothing was connected on 4433, so the budget of two allows get_miner_info
    assert miner.commands == {"get_version": 1, "get_miner_info": 1}
    assert miner.connections == 2


async def test_v2_when_v3_port_answers_otherwise(miner: FakeMiner, v3: FakeV3Port) -> None:
    v3.info = device_info(api="2.0.5")  # not 3.x
    found = await _detect(miner, v3.port)
    assert (found.api, found.mac) == (ApiVersion.V2, None)
    assert v3.connections + miner.connections == 2  # get_version only on 4028
    assert miner.commands == {"get_version": 1}


async def test_v2_when_v3_port_accepts_and_closes(miner: FakeMiner, v3: FakeV3Port) -> None:
    v3.silent = True
    found = await _detect(miner, v3.port)
    assert found.api is ApiVersion.V2
    assert miner.commands == {"get_version": 1}


async def test_date_decides_nothing(miner: FakeMiner) -> None:
    """A 2026 firmware whose 4433 does not answer is v2; a 2025 one whose 4433 does is v3."""
    miner.replies["get_version"] = VERSION_REL3
    found = await _detect(miner, free_port())
    assert (found.api, found.api_version, found.model) == (ApiVersion.V2, "2.2.2", "M7BS_VM30")
    async with FakeV3Port() as v3:
        v3.info = device_info(firmware="20240722.07.51.REL", api="3.0.0")
        assert (await _detect(miner, v3.port)).api is ApiVersion.V3


async def test_neither_answers(socket_enabled: None) -> None:
    with pytest.raises(WhatsMinerConnectionError) as caught:
        await detect("127.0.0.1", v2_port=free_port(), v3_port=free_port(), timeout=1.0)
    assert not isinstance(caught.value, NotAWhatsMinerError)


async def test_something_else_on_the_v3_port(v3: FakeV3Port) -> None:
    v3.raw = b"HTTP/1.1 400 Bad Request\r\n\r\n"
    with pytest.raises(NotAWhatsMinerError):
        await detect("127.0.0.1", v2_port=free_port(), v3_port=v3.port, timeout=1.0)


async def test_v3_reply_not_json(miner: FakeMiner, v3: FakeV3Port) -> None:
    v3.raw = b"\x05\x00\x00\x00hello"
    assert (await _detect(miner, v3.port)).api is ApiVersion.V2
    v3.raw = b"\x02\x00\x00\x00[]"
    assert (await _detect(miner, v3.port)).api is ApiVersion.V2


async def test_something_else_on_the_v2_port(miner: FakeMiner) -> None:
    async def text(request: Request) -> bytes:
        return b"SSH-2.0-OpenSSH_9.6\r\n"

    miner.handlers["get_version"] = text
    with pytest.raises(NotAWhatsMinerError):
        await _detect(miner, free_port())


@pytest.mark.parametrize(
    "reply",
    [
        # cgminer of another brand: an error to get_version
        '{"STATUS":[{"STATUS":"E","Code":14,"Msg":"Invalid command"}],"id":1}',
        '{"STATUS":"S","Code":131,"Msg":{"name":"x"}}',  # no version in it
    ],
)
async def test_not_a_whatsminer_on_v2(miner: FakeMiner, reply: str) -> None:
    miner.replies["get_version"] = reply
    with pytest.raises(NotAWhatsMinerError):
        await _detect(miner, free_port())


async def test_v2_with_btminer_down(miner: FakeMiner) -> None:
    async def down(request: Request) -> bytes:
        return b"socket connect failed: Connection refused\n"

    miner.handlers["get_version"] = down
    assert await _detect(miner, free_port()) == Detection(api=ApiVersion.V2, port=miner.port)


async def test_v2_miner_info_failure_is_not_fatal(miner: FakeMiner) -> None:
    miner.replies["get_miner_info"] = samples.ERR_14
    found = await _detect(miner, free_port())
    assert (found.api, found.mac, found.firmware) == (ApiVersion.V2, None, "20220125.13.Rel")
    assert json.loads(samples.ERR_14)["Code"] == 14
