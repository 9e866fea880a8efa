"""The tariff day (bench/tariff_day.py): break-even price and the best hours, brute-forced.

Run by `bench/run manager` with bench/.venv (see bench/test_optimum.py for the command).
"""

from __future__ import annotations

from itertools import product
from pathlib import Path
import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tariff_day import TariffMiner, best_hours, break_even_price, compare

LINEAR = TariffMiner(name="m", floor_w=1000.0, full_w=2000.0, ths_at=lambda w: w / 25.0)


def test_break_even_price() -> None:
    """0.12 per TH/s and day at 25 J/TH: a TH/s costs 0.6 kWh a day, so 0.2 per kWh."""
    assert break_even_price(0.12, 25.0) == pytest.approx(0.2)
    assert LINEAR.profit(2000.0, 0.2, 0.12) == pytest.approx(0.0)


def test_best_hours_match_brute_force() -> None:
    """One start allowed over six hours with two cheap spells: the miner runs through the
    dear hour between them at its floor (a loss of 0.3) rather than give up either."""
    prices = [0.1, 0.1, 0.5, 0.05, 0.05, 0.05]
    hours = best_hours(LINEAR, prices, 0.12, max_starts=1)
    best = max(
        sum(
            LINEAR.best_level(p, 0.12)[1] if on else 0.0
            for on, p in zip(pattern, prices, strict=True)
        )
        for pattern in product((False, True), repeat=6)
        if sum(1 for h, on in enumerate(pattern) if on and (h == 0 or not pattern[h - 1])) <= 1
    )
    assert sum(
        LINEAR.profit(w, p, 0.12) for w, p in zip(hours, prices, strict=True)
    ) == pytest.approx(best)
    assert best == pytest.approx(1.0)
    assert hours == [2000.0, 2000.0, 1000.0, 2000.0, 2000.0, 2000.0]
    alone = best_hours(LINEAR, [0.1, 0.1, 0.9, 0.05, 0.05, 0.05], 0.12, max_starts=1)
    assert alone == [0.0, 0.0, 0.0, 2000.0, 2000.0, 2000.0]  # too dear to run through


def test_the_rule_mines_below_break_even_only() -> None:
    """The break-even rule never loses money; mining always does when prices are high."""
    report = compare([LINEAR], prices=[0.1, 0.3], hashprice=0.12)
    assert report["break_even_margin_0pct"]["profit"] > 0
    assert report["always"]["profit"] < report["best"]["profit"]
