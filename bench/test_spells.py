"""The spell measure of bench/spells.py on made-up days.

Pure Python; run by `bench/run manager` with bench/.venv."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))
from manager_day import Sample
from spells import SpellFigures, spell_lengths_s


def _day(levels: Sequence[float], step_s: int = 60) -> list[Sample]:
    return [Sample(i * step_s, level + 500.0, 500.0) for i, level in enumerate(levels)]


def test_spells_are_the_stretches_at_or_above_the_threshold() -> None:
    """Three spells: one of 3 minutes, one of 1 minute, and one running to the day's end."""
    levels = [0, 4000, 4000, 4000, 100, 5000, 0, 0, 3337, 3400]
    assert spell_lengths_s(_day(levels), 3337.0) == [180.0, 60.0, 60.0]
    assert spell_lengths_s(_day([0, 1000, 0]), 3337.0) == []


def test_a_long_clear_stretch_rewards_waiting() -> None:
    """Short blips and one long stretch: a spell that has lasted 5 minutes lasts far longer
    than one that has just begun, and six starts blind cover all of it."""
    lengths = [60.0] * 4 + [7200.0]
    f = SpellFigures.of(lengths)
    assert f.count == 5
    assert f.remaining_min[5] == 115.0 and f.remaining_min[0] is not None
    assert f.remaining_min[5] > 4 * f.remaining_min[0]
    assert f.longest_share_pct == 100.0 and f.blind_share_pct == 100.0


def test_memoryless_spells_tell_nothing_and_blind_starts_cover_less() -> None:
    """Twelve spells of 10 to 120 minutes: six picked blind cover half of the spell time,
    the six longest more; waiting does not lengthen what is left by much."""
    minutes = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    f = SpellFigures.of([60.0 * m for m in minutes])
    assert f.blind_share_pct == 50.0
    assert f.longest_share_pct == round(100 * sum(minutes[6:]) / sum(minutes), 1)
    assert f.remaining_min[15] is not None and f.remaining_min[0] is not None
    assert f.remaining_min[15] < f.remaining_min[0] + 15
