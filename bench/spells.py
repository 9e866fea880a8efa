"""How much waiting tells about a sunny spell: the measure behind the cloudy day's ratio.

A spell is a stretch of a day in which the surplus (PV less the house) holds the bench's
largest miner (the M56S hydro at its floor plus the manager's start margin, as the
manager's default Limits have it). Per day: how many spells, how long they last, and how
long a spell lasts on average after it has already lasted 0, 5, 10 and 15 minutes. On a
day of long clear stretches that grows with the wait, which is what the manager's start
delay relies on; where it does not grow, waiting tells nothing about the spell's length and
only costs the energy of the wait.

With six starts a day, the best schedule (which knows the future) spends them on the six
longest spells; a controller that cannot tell a long spell from a short one while it begins
covers, on average, six spells of the mean length. Both shares of the day's spell time are
reported. Their ratio is what the largest miner's six starts are worth to such a controller
against the best schedule, before the smaller miners and the riding through dips that
make up part of the difference.

Run by `bench/run manager` with bench/.venv: bench/results/manager_spells.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import json
from pathlib import Path
from statistics import mean
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))
from day_files import day_names, load_day
from manager_day import Sample

from custom_components.whatsminer.manager.allocation import Limits

DEFAULTS = Limits()  # the manager's start margin and starts per day, as it runs by default
WAITS_MIN = (0, 5, 10, 15)


def spell_lengths_s(samples: Sequence[Sample], threshold_w: float) -> list[float]:
    """The lengths (s) of the stretches in which PV less house is at least `threshold_w`."""
    lengths: list[float] = []
    start: float | None = None
    for sample in samples:
        up = sample.pv_w - sample.house_w >= threshold_w
        if up and start is None:
            start = sample.t
        elif not up and start is not None:
            lengths.append(sample.t - start)
            start = None
    if start is not None:
        lengths.append(samples[-1].t - start)
    return lengths


@dataclass(frozen=True, slots=True)
class SpellFigures:
    """One day's spells for one threshold."""

    count: int
    total_min: float
    remaining_min: dict[int, float | None]  # wait (min) -> mean further length (min)
    longest_share_pct: float  # of the spell time, in the `starts` longest spells
    blind_share_pct: float  # ... in `starts` spells of the mean length

    @classmethod
    def of(
        cls, lengths_s: Sequence[float], starts: int = DEFAULTS.max_starts_per_day
    ) -> SpellFigures:
        minutes = [s / 60 for s in lengths_s]
        total = sum(minutes)
        remaining: dict[int, float | None] = {}
        for wait in WAITS_MIN:
            left = [m - wait for m in minutes if m >= wait]
            remaining[wait] = round(mean(left), 1) if left else None
        longest = sum(sorted(minutes)[-starts:])
        blind = min(total, starts * mean(minutes)) if minutes else 0.0
        return cls(
            count=len(minutes),
            total_min=round(total, 1),
            remaining_min=remaining,
            longest_share_pct=round(100 * longest / total, 1) if total else 0.0,
            blind_share_pct=round(100 * blind / total, 1) if total else 0.0,
        )


def largest_miner_threshold_w() -> float:
    """What a spell must hold: the bench's largest miner at its floor, plus the margin."""
    from optimum import bench_miners

    floor = max(spec.floor_w for spec in bench_miners()[0])
    return floor + max(DEFAULTS.start_margin_w, DEFAULTS.start_headroom * floor)


def main() -> None:
    threshold = largest_miner_threshold_w()
    starts = DEFAULTS.max_starts_per_day
    days: dict[str, object] = {}
    print(f"spells that hold the largest miner ({threshold:.0f} W and more)")
    print(
        f"{'day':24} {'spells':>6} {'minutes':>8}  mean further length after a wait of"
        f" {', '.join(str(w) for w in WAITS_MIN)} min   {starts} longest / blind"
    )
    for name in day_names():
        f = SpellFigures.of(spell_lengths_s(load_day(name).samples, threshold))
        days[name] = {
            "spells": f.count,
            "spell_minutes": f.total_min,
            "mean_further_min_after_wait": {str(k): v for k, v in f.remaining_min.items()},
            "longest_share_pct": f.longest_share_pct,
            "blind_share_pct": f.blind_share_pct,
        }
        further = "  ".join("-" if v is None else f"{v:5.1f}" for v in f.remaining_min.values())
        print(
            f"{name:24} {f.count:>6} {f.total_min:>8.0f}  {further:>38}"
            f"   {f.longest_share_pct:5.1f} % / {f.blind_share_pct:5.1f} %"
        )
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    report = {"threshold_w": round(threshold), "days": days}
    (results / "manager_spells.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
