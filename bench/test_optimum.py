"""The best schedule (bench/optimum.py) on tiny days whose answer is known or brute-forced.

bench/.venv only (scipy): `bench/run manager` runs it first, as
`bench/.venv/bin/python -m pytest --noconftest -p no:cacheprovider -q bench/test_optimum.py`.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path
import random
import sys

import pytest

pytest.importorskip("scipy")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from manager_day import Sample
from optimum import MinerSpec, Rules, best_schedule, minute_means

SMALL = MinerSpec(name="small", floor_w=50.0, full_w=100.0, j_per_th=40.0)
LARGE = MinerSpec(name="large", floor_w=120.0, full_w=240.0, j_per_th=25.0)


def _blocks(on: tuple[bool, ...]) -> list[tuple[bool, int, int]]:
    """(state, first step, length) of each run of equal states."""
    out: list[tuple[bool, int, int]] = []
    for t, state in enumerate(on):
        if out and out[-1][0] == state:
            out[-1] = (state, out[-1][1], out[-1][2] + 1)
        else:
            out.append((state, t, 1))
    return out


def _allowed(on: tuple[bool, ...], rules: Rules) -> bool:
    """The rules, stated plainly: off before the first step; every run lasts the minimum
    run time and every stop the minimum stop time (unless the day ends first); at most
    max_starts starts; at most max_writes_per_hour starts and stops in any hour."""
    steps = len(on)
    run = round(rules.min_run_s / rules.step_s)
    stop = round(rules.min_stop_s / rules.step_s)
    hour = round(3600 / rules.step_s)
    writes = [0] * steps
    starts = 0
    for state, first, length in _blocks(on):
        ends_day = first + length == steps
        if state:
            starts += 1
            writes[first] += 1
            if length < run and not ends_day:
                return False
        elif first > 0:
            writes[first] += 1
            if length < stop and not ends_day:
                return False
    if starts > rules.max_starts:
        return False
    return all(
        sum(writes[max(0, t - hour + 1) : t + 1]) <= rules.max_writes_per_hour for t in range(steps)
    )


def _brute_force(available: list[float], miners: list[MinerSpec], rules: Rules) -> float:
    """The most surplus used without any import, over every on/off pattern."""
    steps = len(available)
    patterns = [p for p in product((False, True), repeat=steps) if _allowed(p, rules)]
    best = 0.0
    for chosen in product(patterns, repeat=len(miners)):
        used = 0.0
        for t in range(steps):
            running = [m for m, pattern in zip(miners, chosen, strict=True) if pattern[t]]
            if sum(m.floor_w for m in running) > available[t]:
                break  # would import
            used += min(available[t], sum(m.full_w for m in running))
        else:
            best = max(best, used)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force(seed: int) -> None:
    """Random little days, two miners, no import allowed: the schedule finds the best."""
    rng = random.Random(seed)
    available = [rng.choice((0.0, 40.0, 80.0, 130.0, 200.0, 300.0, 400.0)) for _ in range(7)]
    rules = Rules(
        step_s=600,
        min_run_s=1200,
        min_stop_s=1200,
        max_starts=rng.choice((1, 2)),
        max_writes_per_hour=rng.choice((2, 3)),
        import_share=0.0,
    )
    schedule = best_schedule(available, [SMALL, LARGE], rules)
    assert schedule.used_w and sum(schedule.used_w) == pytest.approx(
        _brute_force(available, [SMALL, LARGE], rules), abs=1e-3
    )
    assert schedule.import_wh == pytest.approx(0.0, abs=1e-6)
    assert all(s <= rules.max_starts for s in schedule.starts)
    assert all(_allowed(tuple(on), rules) for on in schedule.on)


def test_rides_through_a_dip_only_within_the_import_allowance() -> None:
    """One miner, a dip below its floor between two full steps, a minimum run of the three
    steps: running through costs 5 W of import against 250 W mined (2 %)."""
    available = [100.0, 45.0, 100.0]
    rules = Rules(step_s=60, min_run_s=180, min_stop_s=180, import_share=0.02)
    schedule = best_schedule(available, [SMALL], rules)
    assert schedule.power_w[0] == pytest.approx([100.0, 50.0, 100.0])
    assert sum(schedule.used_w) == pytest.approx(245.0)
    # with 1 %, the only run without that import starts in the last step (the day ends it)
    strict = best_schedule(available, [SMALL], Rules(step_s=60, min_run_s=180, import_share=0.01))
    assert strict.power_w[0] == pytest.approx([0.0, 0.0, 100.0])


def test_starts_are_limited() -> None:
    """Three sunny spells and one start allowed: the schedule keeps the longest."""
    available = [100.0] * 2 + [0.0] * 2 + [100.0] * 4 + [0.0] * 2 + [100.0] * 3
    rules = Rules(step_s=600, min_run_s=600, min_stop_s=600, max_starts=1, import_share=0.0)
    schedule = best_schedule(available, [SMALL], rules)
    assert schedule.starts == [1]
    assert sum(schedule.used_w) == pytest.approx(400.0)


def test_prefers_the_efficient_miner() -> None:
    """A surplus either miner could take alone goes to the more efficient one."""
    available = [110.0] * 4
    schedule = best_schedule(available, [SMALL, LARGE], Rules(step_s=600, import_share=0.0))
    assert schedule.power_w[1] == pytest.approx([0.0] * 4)  # 110 W is below its floor
    wide = best_schedule([200.0] * 4, [SMALL, LARGE], Rules(step_s=600, import_share=0.0))
    assert wide.power_w[1] == pytest.approx([200.0] * 4)
    assert wide.power_w[0] == pytest.approx([0.0] * 4)


def test_minute_means_of_positive_surplus() -> None:
    """A minute's surplus is the mean of its 5 s samples' PV - house, import counted as 0."""
    samples = [Sample(t, 1000.0 if t < 30 else 0.0, 400.0) for t in range(0, 120, 5)]
    assert minute_means(samples) == pytest.approx([300.0, 0.0])
