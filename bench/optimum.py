"""The best possible schedule of a bench day: the limit the power manager is measured against.

A controller with perfect foresight, under the manager's own rules, chooses for every step
(STEP_S, one minute) and every miner: off, or a power between its floor (the manager's
minimum, 50 %) and its full power. The rules: at most `max_starts` starts per miner and day,
a minimum run time and a minimum stop time, at most `max_writes_per_hour` starts and stops
per miner in any hour (the manager's restart limit), and the grid import mining causes at
most `import_share` of the mining energy (the goal: under 1 %). A level is held for a whole
step: a change decided from the readings takes effect one step later, which costs a
controller that knows the future nothing, so the delay binds only as that granularity.

It maximises the surplus used (mining energy drawn from the surplus), then, by far smaller
weights, avoids import, prefers the more efficient miners (hashes) and avoids restarts.
A mixed-integer programme (scipy's HiGHS): per miner and step on (binary), power, start,
stop; per step the surplus used (<= the surplus, <= the power).

The surplus of a step is the mean over its 5 s samples of max(0, PV - house): the schedule
cannot follow changes within a minute, but booking minute means also forgives them, which
makes its figure an upper bound for a controller that reacts within seconds (up to the
minutes in which a miner starts or stops).

Run by `bench/run manager` with bench/.venv: the days of bench/day_files.py, results in
bench/results/manager_optimum.json. Tested on tiny cases by bench/test_optimum.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
import json
from pathlib import Path
import sys
import time
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

sys.path.insert(0, str(Path(__file__).resolve().parent))
from manager_day import Sample

STEP_S = 60
IMPORT_WEIGHT = 0.01  # per W of import, against 1 per W of surplus used
HASH_WEIGHT = 0.001  # per W on the most efficient miner, less on the others
WRITE_WEIGHT = 0.02  # per start or stop: this share of the miner's full power for a step


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerSpec:
    """One miner as the schedule sees it."""

    name: str
    floor_w: float
    full_w: float
    j_per_th: float  # at full power: ranks the miners


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """The manager's rules (its defaults)."""

    step_s: int = STEP_S
    min_run_s: float = 600.0
    min_stop_s: float = 600.0
    max_starts: int = 6
    max_writes_per_hour: int = 4
    import_share: float = 0.01  # of the mining energy


@dataclass(slots=True)
class Schedule:
    """The best schedule found: powers per miner and step, and its figures."""

    power_w: list[list[float]]  # [miner][step]
    on: list[list[bool]]
    used_w: list[float]  # per step
    starts: list[int]
    step_s: int
    status: str
    gap: float  # relative MIP gap left (0: proven optimal)
    solve_s: float
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def used_wh(self) -> float:
        return sum(self.used_w) * self.step_s / 3600.0

    @property
    def mining_wh(self) -> float:
        return sum(map(sum, self.power_w)) * self.step_s / 3600.0

    @property
    def import_wh(self) -> float:
        return max(0.0, self.mining_wh - self.used_wh)


class _Index:
    """Column numbers of the variables: u, p, s, d per miner and step, then y per step."""

    def __init__(self, miners: int, steps: int) -> None:
        self.n, self.t = miners, steps
        self.size = 4 * miners * steps + steps

    def var(self, block: int, i: int, t: int) -> int:
        return (block * self.n + i) * self.t + t

    def y(self, t: int) -> int:
        return 4 * self.n * self.t + t


U, P, S, D = range(4)
DEFAULT_RULES = Rules()


def best_schedule(
    available_w: Sequence[float],
    miners: Sequence[MinerSpec],
    rules: Rules = DEFAULT_RULES,
    *,
    time_limit_s: float = 240.0,
    gap: float = 1e-3,
) -> Schedule:
    """The schedule that uses the most of `available_w` (W per step) under `rules`."""
    n, steps = len(miners), len(available_w)
    ix = _Index(n, steps)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def row(terms: Sequence[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lower)
        for col, val in terms:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        lower.append(lo)
        upper.append(hi)

    inf = np.inf
    run = max(1, round(rules.min_run_s / rules.step_s))
    stop = max(1, round(rules.min_stop_s / rules.step_s))
    hour = max(1, round(3600 / rules.step_s))
    for i, miner in enumerate(miners):
        u = [ix.var(U, i, t) for t in range(steps)]
        p = [ix.var(P, i, t) for t in range(steps)]
        s = [ix.var(S, i, t) for t in range(steps)]
        d = [ix.var(D, i, t) for t in range(steps)]
        for t in range(steps):
            row([(p[t], 1.0), (u[t], -miner.floor_w)], 0.0, inf)
            row([(p[t], 1.0), (u[t], -miner.full_w)], -inf, 0.0)
            before = [(u[t - 1], 1.0)] if t else []  # off before the first step (night)
            row([(s[t], 1.0), (u[t], -1.0), *before], 0.0, inf)
            if t:
                row([(d[t], 1.0), (u[t], 1.0), (u[t - 1], -1.0)], 0.0, inf)
            window = range(max(0, t - run + 1), t + 1)
            row([*((s[k], 1.0) for k in window), (u[t], -1.0)], -inf, 0.0)
            window = range(max(1, t - stop + 1), t + 1)
            row([*((d[k], 1.0) for k in window), (u[t], 1.0)], -inf, 1.0)
            if t >= 1:
                window = range(max(0, t - hour + 1), t + 1)
                terms = [(v[k], 1.0) for k in window for v in (s, d)]
                row(terms, -inf, float(rules.max_writes_per_hour))
        row([(s[t], 1.0) for t in range(steps)], -inf, float(rules.max_starts))
    for t in range(steps):
        row([(ix.y(t), 1.0), *((ix.var(P, i, t), -1.0) for i in range(n))], -inf, 0.0)
    row(
        [
            *((ix.var(P, i, t), 1.0 - rules.import_share) for i in range(n) for t in range(steps)),
            *((ix.y(t), -1.0) for t in range(steps)),
        ],
        -inf,
        0.0,
    )
    best = min(m.j_per_th for m in miners)
    cost = np.zeros(ix.size)
    lo = np.zeros(ix.size)
    hi = np.zeros(ix.size)
    integrality = np.zeros(ix.size)
    for i, miner in enumerate(miners):
        for t in range(steps):
            integrality[ix.var(U, i, t)] = 1
            hi[ix.var(U, i, t)] = hi[ix.var(S, i, t)] = hi[ix.var(D, i, t)] = 1.0
            hi[ix.var(P, i, t)] = miner.full_w
            cost[ix.var(P, i, t)] = IMPORT_WEIGHT - HASH_WEIGHT * best / miner.j_per_th
            cost[ix.var(S, i, t)] = cost[ix.var(D, i, t)] = WRITE_WEIGHT * miner.full_w
    for t in range(steps):
        hi[ix.y(t)] = max(0.0, float(available_w[t]))
        cost[ix.y(t)] = -(1.0 + IMPORT_WEIGHT)
    matrix = coo_array((vals, (rows, cols)), shape=(len(lower), ix.size)).tocsr()
    started = time.perf_counter()
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=integrality,
        bounds=Bounds(lo, hi),
        options={"time_limit": time_limit_s, "mip_rel_gap": gap, "disp": False},
    )
    solve_s = time.perf_counter() - started
    if result.x is None:
        raise RuntimeError(f"no schedule found: {result.message}")
    x = result.x
    on = [[x[ix.var(U, i, t)] > 0.5 for t in range(steps)] for i in range(n)]
    power = [
        [float(x[ix.var(P, i, t)]) if on[i][t] else 0.0 for t in range(steps)] for i in range(n)
    ]
    used = [min(float(available_w[t]), sum(power[i][t] for i in range(n))) for t in range(steps)]
    starts = [
        sum(1 for t in range(steps) if on[i][t] and (t == 0 or not on[i][t - 1])) for i in range(n)
    ]
    return Schedule(
        power_w=power,
        on=on,
        used_w=used,
        starts=starts,
        step_s=rules.step_s,
        status=str(result.message),
        gap=float(getattr(result, "mip_gap", 0.0) or 0.0),
        solve_s=solve_s,
    )


def minute_means(samples: Sequence[Sample], step_s: int = STEP_S) -> list[float]:
    """The surplus (PV - house, when positive) of each step: the mean of its samples."""
    sums: dict[int, list[float]] = {}
    first = samples[0].t
    for sample in samples:
        sums.setdefault((sample.t - first) // step_s, []).append(
            max(0.0, sample.pv_w - sample.house_w)
        )
    return [sum(v) / len(v) for _, v in sorted(sums.items())]


def bench_miners() -> tuple[list[MinerSpec], list[Callable[[float], float]]]:
    """The bench's three miners (test_manager_day.PROFILES), and each one's TH/s at a power."""
    from simulator.physics import IDLE_POWER_W, hashrate_for
    from simulator.profiles import PROFILES

    specs: list[MinerSpec] = []
    rates: list[Callable[[float], float]] = []
    for key in ("m20s_legacy", "m30s_plus", "m56s_hydro"):
        profile = PROFILES[key]
        full = profile.power_w["normal"] + IDLE_POWER_W
        ths = hashrate_for(profile.power_w["normal"], profile)
        specs.append(MinerSpec(name=key, floor_w=0.5 * full, full_w=full, j_per_th=full / ths))

        def rate(w: float, profile: Any = profile) -> float:
            return hashrate_for(w - IDLE_POWER_W, profile) if w > 0 else 0.0

        rates.append(rate)
    return specs, rates


def figures(spec: str) -> tuple[str, dict[str, Any]]:
    """The day's name, and its best schedule's figures (as test_manager_day reports them)."""
    from day_files import load_day

    day = load_day(spec)
    specs, rates = bench_miners()
    available = minute_means(day.samples)
    schedule = best_schedule(available, specs)
    start = day.samples[0].t
    hashes_th = sum(
        rates[i](w) * schedule.step_s for i in range(len(specs)) for w in schedule.power_w[i]
    )
    return day.name, {
        "available_kwh": round(sum(available) * STEP_S / 3600 / 1000, 2),
        "mining_kwh": round(schedule.mining_wh / 1000, 2),
        "surplus_used_kwh": round(schedule.used_wh / 1000, 2),
        # what no schedule can beat: the one found plus the gap HiGHS could not close
        "surplus_used_bound_kwh": round(schedule.used_wh * (1 + schedule.gap) / 1000, 2),
        "grid_import_kwh": round(schedule.import_wh / 1000, 3),
        "import_share_of_mining_pct": round(100 * schedule.import_wh / schedule.mining_wh, 2)
        if schedule.mining_wh
        else 0.0,
        "hashes_eh": round(hashes_th * 1e12 / 1e18, 3),
        "starts": schedule.starts,
        "restarting_writes": [
            2 * s - (1 if schedule.on[i][-1] else 0) for i, s in enumerate(schedule.starts)
        ],
        "status": schedule.status,
        "mip_gap_pct": round(100 * schedule.gap, 3),
        "solve_s": round(schedule.solve_s, 1),
        "series": [
            (
                start + k * STEP_S,
                available[k],
                sum(p[k] for p in schedule.power_w),
                max(0.0, sum(p[k] for p in schedule.power_w) - available[k]),
                [p[k] for p in schedule.power_w],
            )
            for k in range(len(available))
        ],
    }


def main() -> None:
    from day_files import day_names

    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    names = day_names()
    with ProcessPoolExecutor(max_workers=2) as pool:
        report = dict(pool.map(figures, names))
    for name, f in report.items():
        print(
            f"best schedule {name}: {f['surplus_used_kwh']} kWh of {f['available_kwh']} used, "
            f"import {f['import_share_of_mining_pct']} %, starts {f['starts']}, "
            f"{f['hashes_eh']} EH, gap {f['mip_gap_pct']} %, {f['solve_s']} s"
        )
    out = results / "manager_optimum.json"
    out.write_text(json.dumps({"days": report}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
