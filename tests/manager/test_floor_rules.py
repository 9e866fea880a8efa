"""The power floor's rules, without Home Assistant: model families, steps, stored form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.whatsminer.api.models import ErrorCode, MinerSnapshot, Summary
from custom_components.whatsminer.manager.power import percent_at_least
from custom_components.whatsminer.power_floor import (
    LearnedFloor,
    balance_losses,
    model_family,
    model_floor_w,
    raised_floor_w,
)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("M64_VL20", "M64"),
        ("m64_vl20", "M64"),
        ("M30S+VE40", "M30S+"),
        ("M30S++V10", "M30S++"),
        ("M60S_VK30", "M60S"),
        ("P221B", None),
        (None, None),
    ],
)
def test_model_family(model: str | None, family: str | None) -> None:
    assert model_family(model) == family


def test_only_known_models_have_a_floor() -> None:
    """An M64 starts at 2000 W (an owner's report); an M64S or M60S is not an M64."""
    assert model_floor_w("M64_VL20") == 2000
    assert model_floor_w("M64S_VL30") is None
    assert model_floor_w("M60S_VK30") is None


def test_a_raise_is_a_step_above_the_failed_level_and_stays_below_full_power() -> None:
    assert raised_floor_w(2000, 7500) == 2375  # 5 % of full power
    assert raised_floor_w(500, 1000) == 600  # at least 100 W
    assert raised_floor_w(6700, 7500) == 6750  # never above 90 % of full power
    assert raised_floor_w(1000, None) == 1100


def test_stored_floor_round_trip_and_bad_data() -> None:
    floor = LearnedFloor(
        floor_w=2375,
        failed_w=2000,
        cause="code 561",
        at=datetime(2026, 12, 7, tzinfo=UTC),
        raises=1,
    )
    assert LearnedFloor.from_dict(floor.as_dict()) == floor
    assert LearnedFloor.from_dict(None) is None
    assert LearnedFloor.from_dict({"floor_w": "x"}) is None
    assert LearnedFloor.from_dict({**floor.as_dict(), "at": "yesterday"}) is None


def test_balance_losses_are_the_codes_560_to_563_with_their_time() -> None:
    at = datetime(2026, 12, 7, 8, 0)
    snapshot = MinerSnapshot(
        summary=Summary(),
        error_codes=(ErrorCode(code=561, reported_at=at), ErrorCode(code=530), ErrorCode(code=563)),
    )
    assert balance_losses(snapshot) == {(561, at), (563, None)}
    assert balance_losses(None) == frozenset()


def test_percent_at_least_never_stands_for_less_than_the_floor() -> None:
    assert percent_at_least(2000, 7500) == 27  # 26 % is only 1950 W
    assert percent_at_least(2250, 7500) == 30
    assert percent_at_least(7000, 7500, max_percent=90) == 90
