"""TEMPORARY stand-ins for `detect()`, `create_miner()` (v3) and `AutoMiner` while their
implementation (branch `detect`) is not merged. Installed only when the real ones still raise
NotImplementedError; delete this module once they are in.

Deliberately simple: v3 probe first, else v2 reads; AutoMiner is the backend of the stored
API (no re-detection after a firmware change: tests of that need the real one).
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.whatsminer import access, config_flow, coordinator
from custom_components.whatsminer.api import miner as miner_module
from custom_components.whatsminer.api.errors import WhatsMinerError
from custom_components.whatsminer.api.miner import (
    DEFAULT_V2_PORT,
    DEFAULT_V3_PORT,
    Detection,
    Miner,
)
from custom_components.whatsminer.api.models import ApiVersion
from custom_components.whatsminer.api.v2.client import WhatsMinerClient
from custom_components.whatsminer.api.v2.miner import V2Miner
from custom_components.whatsminer.api.v3.miner import V3Miner, probe


async def detect(
    host: str,
    *,
    v2_port: int = DEFAULT_V2_PORT,
    v3_port: int = DEFAULT_V3_PORT,
    timeout: float = 3.0,  # noqa: ASYNC109
) -> Detection:
    try:
        return await probe(host, v3_port, timeout=timeout)
    except WhatsMinerError:
        pass
    client = WhatsMinerClient(host, v2_port, timeout=timeout)
    version = await client.get_version()
    info = await client.get_miner_info()
    return Detection(
        api=ApiVersion.V2,
        port=v2_port,
        api_version=version.api_ver,
        firmware=version.fw_ver,
        model=await client.devdetails(),
        mac=info.mac,
        hostname=info.hostname,
    )


def create_miner(
    host: str,
    api: ApiVersion,
    *,
    password: str | None,
    v2_port: int = DEFAULT_V2_PORT,
    v3_port: int = DEFAULT_V3_PORT,
    timeout: float = 10.0,
) -> Miner:
    if api is ApiVersion.V3:
        return V3Miner(host, password=password, port=v3_port, v2_port=v2_port, timeout=timeout)
    return V2Miner(host, v2_port, password, timeout=timeout)


def auto_miner(
    host: str, *, password: str | None, api: ApiVersion | None = None, **kw: Any
) -> Miner:
    return create_miner(host, api or ApiVersion.V2, password=password, **kw)


def _missing(call: Any) -> bool:
    try:
        call()
    except NotImplementedError, TypeError:  # TypeError: abstract methods left
        return True
    except Exception:
        return False
    return False


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch in the stand-ins where the real ones are still missing."""
    # detect() and AutoMiner come together (branch detect); a coroutine cannot be tried here.
    if _missing(lambda: miner_module.AutoMiner("x", password=None)):
        monkeypatch.setattr(config_flow, "detect", detect)
    if _missing(lambda: miner_module.create_miner("x", ApiVersion.V3, password=None)):
        monkeypatch.setattr(access, "create_miner", create_miner)
    if _missing(lambda: miner_module.AutoMiner("x", password=None)):
        monkeypatch.setattr(coordinator, "AutoMiner", auto_miner)
