"""The simulated day of the power manager benchmark: the surplus curve, the tank, the figures.

Pure Python (no Home Assistant): bench/test_manager_day.py runs Home Assistant with the
manager (or the solar-surplus blueprint) on three simulated miners and feeds it this day.

The day: PV on a clear-sky bell between 06:00 and 20:00 (peak 13 kW) with passing clouds
(seeded: each cloud takes 35-85 % of the PV for 1-20 minutes), a house that draws 350-700 W
with a kettle, an oven and a washing machine on top. Everything is generated from SEED, so
every run sees the same day. `write_csv` ships a copy next to the results.
"""

from __future__ import annotations

from collections.abc import Sequence
import csv
from dataclasses import dataclass, field
from itertools import combinations
import math
from pathlib import Path
import random

SEED = 2026
STEP_S = 5
DAY_START_S = 5 * 3600 + 30 * 60  # 05:30, before sunrise
DAY_END_S = 20 * 3600 + 30 * 60  # 20:30, after sunset
SUNRISE_S, SUNSET_S = 6 * 3600, 20 * 3600
PV_PEAK_W = 13_000.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One step of the day."""

    t: int  # seconds since midnight
    pv_w: float
    house_w: float


@dataclass(frozen=True, slots=True)
class House:
    """The house load: 350-700 W on a slow wave, with a kettle, an oven and a washing machine."""

    appliances: tuple[tuple[int, int, float], ...]  # start, end (s since midnight), W

    def w(self, t: float) -> float:
        """What the house draws at `t` (seconds since midnight)."""
        house = 350.0 + 350.0 * (0.5 + 0.5 * math.sin(t / 2400.0)) ** 2
        return house + sum(p for start, end, p in self.appliances if start <= t < end)


def _weather(seed: int) -> tuple[list[tuple[int, int, float]], House]:
    """The clouds (start, end, share of PV taken) and the house of a generated day."""
    rng = random.Random(seed)
    clouds: list[tuple[int, int, float]] = []
    t = SUNRISE_S
    while t < SUNSET_S:
        t += int(rng.expovariate(1 / 1500))  # a cloud every 25 minutes on average
        length = rng.randint(60, 1200)
        clouds.append((t, t + length, rng.uniform(0.35, 0.85)))
    appliances: list[tuple[int, int, float]] = []
    for power, count, length in ((2000, 6, 180), (2500, 2, 2400), (1800, 2, 5400)):
        for _ in range(count):
            start = rng.randint(6 * 3600, 21 * 3600)
            appliances.append((start, start + length, power))
    return clouds, House(tuple(appliances))


def house(seed: int = SEED) -> House:
    """The house of the generated day `seed`: the load every measured day is given too."""
    return _weather(seed)[1]


def day(seed: int = SEED, step_s: int = STEP_S) -> list[Sample]:
    """The whole simulated day, one sample per step."""
    clouds, home = _weather(seed)
    samples = []
    for t in range(DAY_START_S, DAY_END_S, step_s):
        sun = 0.0
        if SUNRISE_S < t < SUNSET_S:
            sun = math.sin(math.pi * (t - SUNRISE_S) / (SUNSET_S - SUNRISE_S)) ** 1.5
        shade = max((share for start, end, share in clouds if start <= t < end), default=0.0)
        pv = PV_PEAK_W * sun * (1.0 - shade)
        samples.append(Sample(t, round(pv, 1), round(home.w(t), 1)))
    return samples


def write_csv(samples: Sequence[Sample], path: Path) -> None:
    """The day as CSV (seconds since midnight, PV W, house W)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["t_s", "pv_w", "house_w"])
        writer.writerows((s.t, s.pv_w, s.house_w) for s in samples)


def absorbable_w(available_w: float, ranges: Sequence[tuple[float, float]]) -> float:
    """The most the miners could draw without import: each off or within [min, full]."""
    best = 0.0
    for n in range(1, len(ranges) + 1):
        for chosen in combinations(ranges, n):
            low = sum(r[0] for r in chosen)
            if low <= available_w:
                best = max(best, min(available_w, sum(r[1] for r in chosen)))
    return best


@dataclass(slots=True)
class Tally:
    """The figures of one run, accumulated step by step."""

    ranges: Sequence[tuple[float, float]]
    step_s: int = STEP_S
    available_wh: float = 0.0
    absorbable_wh: float = 0.0
    mining_wh: float = 0.0
    used_wh: float = 0.0
    import_wh: float = 0.0
    hashes_th: float = 0.0  # TH/s x s = 1e12 hashes
    starts: list[int] = field(default_factory=list)
    stops: list[int] = field(default_factory=list)
    was_mining: list[bool] | None = None
    series: list[tuple[int, float, float, float, list[float]]] = field(default_factory=list)
    lag_import_wh: float = 0.0  # import in the step where the surplus fell (no one can react)
    last_available: float = 0.0

    def add(
        self,
        sample: Sample,
        powers: Sequence[float],
        hashrates: Sequence[float],
        mining: Sequence[bool],
    ) -> None:
        """One step: what the miners drew and mined while the house saw `sample`."""
        hours = self.step_s / 3600.0
        available = max(0.0, sample.pv_w - sample.house_w)
        total = sum(powers)
        self.available_wh += available * hours
        self.absorbable_wh += absorbable_w(available, self.ranges) * hours
        self.mining_wh += total * hours
        self.used_wh += min(total, available) * hours
        grid_import = max(0.0, total - available)
        self.import_wh += grid_import * hours
        if available < self.last_available - 200:
            self.lag_import_wh += grid_import * hours
        self.last_available = available
        self.hashes_th += sum(hashrates) * self.step_s
        if self.was_mining is None:
            self.was_mining = list(mining)
            self.starts = [0] * len(mining)
            self.stops = [0] * len(mining)
        for i, (before, now) in enumerate(zip(self.was_mining, mining, strict=True)):
            if now and not before:
                self.starts[i] += 1
            elif before and not now:
                self.stops[i] += 1
        self.was_mining = list(mining)
        if sample.t % 60 == 0:
            self.series.append((sample.t, available, total, grid_import, list(powers)))

    def figures(self) -> dict[str, float | list[int]]:
        """The report."""
        return {
            "available_kwh": round(self.available_wh / 1000, 2),
            "absorbable_kwh": round(self.absorbable_wh / 1000, 2),
            "mining_kwh": round(self.mining_wh / 1000, 2),
            "surplus_used_kwh": round(self.used_wh / 1000, 2),
            "share_of_absorbable_used_pct": round(100 * self.used_wh / self.absorbable_wh, 1)
            if self.absorbable_wh
            else 0.0,
            "grid_import_kwh": round(self.import_wh / 1000, 3),
            "import_share_of_mining_pct": round(100 * self.import_wh / self.mining_wh, 2)
            if self.mining_wh
            else 0.0,
            "import_in_first_step_of_a_drop_kwh": round(self.lag_import_wh / 1000, 3),
            "hashes_eh": round(self.hashes_th * 1e12 / 1e18, 3),
            "starts": list(self.starts),
            "stops": list(self.stops),
        }


@dataclass(slots=True)
class Tank:
    """A buffer tank heated by the miners: first order, C dT/dt = P - UA (T - T_amb) - draw."""

    temp_c: float = 38.0
    capacity_j_k: float = 1000 * 4186.0  # 1000 l of water
    ua_w_k: float = 100.0
    ambient_c: float = 15.0
    draw_w: float = 1000.0  # hot water taken, steady
    heat_share: float = 0.95  # of the miners' power that reaches the water (hydro loop)

    def step(self, power_w: float, seconds: float) -> None:
        """Let `seconds` pass with the miners drawing `power_w`."""
        flow = power_w * self.heat_share - self.ua_w_k * (self.temp_c - self.ambient_c)
        self.temp_c += (flow - self.draw_w) * seconds / self.capacity_j_k
