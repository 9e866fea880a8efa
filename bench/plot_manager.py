"""Plot the power manager benchmark (bench/results/manager_day.json) into docs/.

Run by `bench/run manager` with bench/.venv (matplotlib lives there only):
docs/manager_day.png (surplus, power per miner, grid import; manager and blueprint) and
docs/manager_heating.png (tank temperature).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("M20S (49 J/TH)", "M30S+ (34 J/TH)", "M56S hydro (26 J/TH)")


def hours(t: float) -> float:
    return t / 3600.0


def main() -> None:
    report = json.loads((ROOT / "bench" / "results" / "manager_day.json").read_text())
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    runs = [run for run in ("manager", "blueprint") if run in report]
    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 4.2 * len(runs)), sharex=True)
    if len(runs) == 1:
        axes = [axes]
    for ax, run in zip(axes, runs, strict=True):
        series = report[run]["series"]
        t = [hours(row[0]) for row in series]
        available = [row[1] / 1000 for row in series]
        per_miner = list(zip(*[row[4] for row in series], strict=True))
        ax.stackplot(
            t, *[[p / 1000 for p in miner] for miner in per_miner], labels=NAMES, alpha=0.75
        )
        ax.plot(t, available, color="black", linewidth=0.9, label="surplus (PV - house)")
        ax.fill_between(
            t,
            [row[3] / 1000 for row in series],
            color="red",
            alpha=0.8,
            label="grid import by mining",
        )
        f = report[run]
        ax.set_title(
            f"{run}: {f['share_of_absorbable_used_pct']} % of absorbable surplus used, "
            f"import {f['grid_import_kwh']} kWh ({f['import_share_of_mining_pct']} % of mining), "
            f"starts {f['starts']}"
        )
        ax.set_ylabel("kW")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    axes[-1].set_xlabel("hour of the day")
    fig.tight_layout()
    fig.savefig(docs / "manager_day.png", dpi=90)
    if "heating" in report:
        heating = report["heating"]
        fig, ax = plt.subplots(figsize=(11, 3.2))
        ax.plot([hours(s) for s, _ in heating["series"]], [c for _, c in heating["series"]])
        ax.axhline(heating["target_c"], color="grey", linestyle="--", linewidth=0.8)
        ax.set_xlabel("hours")
        ax.set_ylabel("tank °C")
        ax.set_title(
            f"heating: steady state within ±{heating['steady_max_deviation_c']} °C, "
            f"{heating['demand_changes_per_hour_steady']} demand changes per hour"
        )
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(docs / "manager_heating.png", dpi=90)


if __name__ == "__main__":
    main()
