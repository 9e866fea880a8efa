"""The power manager benchmark's figures as ratios to the best possible schedule, and the goal.

Run by `bench/run manager` (bench/.venv) after the contenders (bench/test_manager_day.py ->
bench/results/manager_days.json) and the best schedules (bench/optimum.py ->
bench/results/manager_optimum.json). Prints one table per day and the medians, checks the
goal of issue 21 on every day, and writes bench/results/manager_report.json.

The goal, for the manager on every day: surplus used >= 90 % of the best schedule's, grid
import < 1 % of the mining energy, <= 6 starts per miner, and fewer restarting writes than
the manager made before issue 21 (bench/manager_baseline.json: its figures on these days):
on no day more, over the bench days fewer. Where the manager already started each miner
about as rarely as the best schedule, "fewer" on that one day would ask for less than the
limit, so the day's check is "not more" and the strict one is over all days.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
RUNS = ("optimum", "manager", "community", "blueprint")
USED_SHARE_GOAL = 0.90
IMPORT_GOAL_PCT = 1.0
STARTS_GOAL = 6


def _ratio(value: float, limit: float) -> float:
    return round(100 * value / limit, 1) if limit else 0.0


def rows(days: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per day and contender: the figures that count, surplus used as % of the most any
    schedule can use (the best found plus its MIP gap) and hashes as % of the best
    schedule's."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, runs in days.items():
        best = runs["optimum"]
        limit = best.get("surplus_used_bound_kwh", best["surplus_used_kwh"])
        out[name] = {}
        for run in RUNS:
            if run not in runs:
                continue
            f = runs[run]
            out[name][run] = {
                "surplus_used_kwh": f["surplus_used_kwh"],
                "used_of_optimum_pct": _ratio(f["surplus_used_kwh"], limit),
                "import_share_of_mining_pct": f["import_share_of_mining_pct"],
                "grid_import_kwh": f["grid_import_kwh"],
                "hashes_eh": f["hashes_eh"],
                "hashes_of_optimum_pct": _ratio(f["hashes_eh"], best["hashes_eh"]),
                "starts": f["starts"],
                "restarting_writes": f["restarting_writes"],
            }
    return out


def goal(row: dict[str, Any], baseline_writes: list[int] | None) -> list[str]:
    """What the manager misses of the goal on one day (empty: met)."""
    missed = []
    if row["used_of_optimum_pct"] < 100 * USED_SHARE_GOAL:
        missed.append(f"surplus used {row['used_of_optimum_pct']} % of the best")
    if row["import_share_of_mining_pct"] >= IMPORT_GOAL_PCT:
        missed.append(f"import {row['import_share_of_mining_pct']} % of mining")
    if max(row["starts"]) > STARTS_GOAL:
        missed.append(f"starts {row['starts']}")
    if baseline_writes is not None and sum(row["restarting_writes"]) > sum(baseline_writes):
        missed.append(f"restarting writes {row['restarting_writes']} (before: {baseline_writes})")
    return missed


def main() -> None:
    contenders = json.loads((RESULTS / "manager_days.json").read_text(encoding="utf-8"))
    best = json.loads((RESULTS / "manager_optimum.json").read_text(encoding="utf-8"))
    baseline = json.loads((BENCH / "manager_baseline.json").read_text(encoding="utf-8"))
    days = {
        name: {"optimum": best["days"][name], **runs}
        for name, runs in contenders["days"].items()
        if name in best["days"]
    }
    table = rows(days)
    report: dict[str, Any] = {"days": table, "goal": {}, "medians": {}}
    for name, runs in table.items():
        print(f"\n{name}")
        print(
            f"{'':10} {'used kWh':>9} {'of best':>8} {'import':>7} {'EH':>6} {'of best':>8}"
            f" {'starts':>11} {'restarting writes':>18}"
        )
        for run, r in runs.items():
            print(
                f"{run:10} {r['surplus_used_kwh']:>9} {r['used_of_optimum_pct']:>7}% "
                f"{r['import_share_of_mining_pct']:>6}% {r['hashes_eh']:>6} "
                f"{r['hashes_of_optimum_pct']:>7}% {r['starts']!s:>11} "
                f"{r['restarting_writes']!s:>18}"
            )
        if "manager" in runs:
            missed = goal(runs["manager"], baseline["restarting_writes"].get(name))
            report["goal"][name] = missed
            print("goal:", "met" if not missed else "MISSED: " + "; ".join(missed))
    for run in RUNS[1:]:
        ran = [runs[run] for runs in table.values() if run in runs]
        if ran:
            report["medians"][run] = {
                key: round(median(r[key] for r in ran), 2)
                for key in (
                    "used_of_optimum_pct",
                    "import_share_of_mining_pct",
                    "hashes_of_optimum_pct",
                )
            }
            report["medians"][run]["restarting_writes_per_day"] = median(
                sum(r["restarting_writes"]) for r in ran
            )
    before = [
        sum(baseline["restarting_writes"][n]) for n in table if n in baseline["restarting_writes"]
    ]
    now = [
        sum(table[n]["manager"]["restarting_writes"])
        for n in table
        if n in baseline["restarting_writes"] and "manager" in table[n]
    ]
    if before:
        report["restarting_writes_all_days"] = {"before": sum(before), "now": sum(now)}
        verdict = "fewer" if sum(now) < sum(before) else "NOT fewer"
        print(
            f"\nrestarting writes over the bench days: {sum(now)}, before {sum(before)}: {verdict}"
        )
    print("medians over the days:", json.dumps(report["medians"]))
    (RESULTS / "manager_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
