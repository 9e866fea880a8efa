"""The Miner contract itself: controls a backend lacks are refused unsent; capabilities
survive a round trip through plain data."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.whatsminer.api.errors import UnsupportedCommandError
from custom_components.whatsminer.api.miner import Capabilities, Control, Miner
from custom_components.whatsminer.api.models import ApiVersion, MinerSnapshot, Summary

from .test_auto_miner import CALLS


class _Bare(Miner):
    """A backend with nothing but the abstract members."""

    api = ApiVersion.V3
    host = "127.0.0.1"
    port = 4433
    password = None
    capabilities = Capabilities(api=ApiVersion.V3)

    def set_password(self, password: str | None) -> None:
        self.password = password

    async def poll(self) -> MinerSnapshot:
        return MinerSnapshot(summary=Summary())

    async def verify_password(self) -> None:
        return None


DEFAULTS = [call for call in CALLS if call[0] != "verify_password"]


@pytest.mark.parametrize(("name", "args", "kwargs"), DEFAULTS, ids=[c[0] for c in DEFAULTS])
async def test_default_controls_refuse_unsent(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(UnsupportedCommandError) as caught:
        await getattr(_Bare(), name)(*args, **kwargs)
    assert caught.value.sent is False


async def test_no_alternative_mining_route_by_default() -> None:
    with pytest.raises(UnsupportedCommandError) as caught:
        await _Bare().set_mining_alternative(False)
    assert caught.value.sent is False


async def test_update_firmware_and_hooks_default() -> None:
    bare = _Bare()
    with pytest.raises(UnsupportedCommandError):
        await bare.update_firmware(_nothing(), 0)
    bare.invalidate_cache()
    await bare.close()
    bare.adopt(None)  # type: ignore[arg-type]  # the default ignores what it is given


async def _nothing() -> Any:
    yield b""


def test_capabilities_round_trip() -> None:
    caps = Capabilities(
        api=ApiVersion.V2,
        controls=frozenset({Control.LED, Control.MINING}),
        readings=frozenset({"summary.hashrate_ths"}),
        board_count=3,
        fans=False,
        liquid_cooled=True,
    )
    assert caps.has(Control.LED) and not caps.has(Control.REBOOT)
    assert caps.reports("summary.hashrate_ths")
    data = caps.as_dict()
    data["controls"].append("a_control_of_a_later_version")
    assert Capabilities.from_dict(data) == caps
