"""Plot the power manager benchmark into docs/.

Run by `bench/run manager` with bench/.venv (matplotlib lives there only), from
bench/results/manager_days.json, manager_optimum.json and manager_report.json:
docs/manager_day_<day>.png for each bench day (bench/results/ for other days: the best
schedule, the manager, the community rule and the blueprint: surplus, power per miner, grid
import) and docs/manager_heating.png (tank temperature).
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from day_files import DEFAULT_DAYS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NAMES = ("M20S (49 J/TH)", "M30S+ (34 J/TH)", "M56S hydro (26 J/TH)")
TITLES = {
    "optimum": "best possible schedule (perfect foresight, same rules)",
    "manager": "power manager",
    "community": "community rule (on after 15 min, off after 7 min)",
    "blueprint": "solar-surplus blueprint",
}


def hours(t: float) -> float:
    return t / 3600.0


def plot_day(name: str, runs: dict[str, Any], table: dict[str, Any], out: Path) -> None:
    present = [run for run in TITLES if run in runs]
    fig, axes = plt.subplots(len(present), 1, figsize=(11, 3.3 * len(present)), sharex=True)
    axes = list(axes) if len(present) > 1 else [axes]
    for ax, run in zip(axes, present, strict=True):
        series = runs[run]["series"]
        t = [hours(row[0]) for row in series]
        per_miner = list(zip(*[row[4] for row in series], strict=True))
        ax.stackplot(t, *[[p / 1000 for p in m] for m in per_miner], labels=NAMES, alpha=0.75)
        ax.plot(
            t,
            [row[1] / 1000 for row in series],
            color="black",
            linewidth=0.8,
            label="surplus (PV - house)",
        )
        ax.fill_between(
            t,
            [row[3] / 1000 for row in series],
            color="red",
            alpha=0.8,
            label="grid import by mining",
        )
        r = table.get(run, {})
        ax.set_title(
            f"{TITLES[run]}: {r.get('surplus_used_kwh')} kWh used "
            f"({r.get('used_of_optimum_pct')} % of the best), import "
            f"{r.get('import_share_of_mining_pct')} % of mining, starts {r.get('starts')}",
            fontsize=10,
        )
        ax.set_ylabel("kW")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=7)
    axes[-1].set_xlabel(f"hour of the day ({name})")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main() -> None:
    docs = ROOT / "docs"
    contenders = json.loads((RESULTS / "manager_days.json").read_text(encoding="utf-8"))
    best = json.loads((RESULTS / "manager_optimum.json").read_text(encoding="utf-8"))["days"]
    table = json.loads((RESULTS / "manager_report.json").read_text(encoding="utf-8"))["days"]
    for name, runs in contenders["days"].items():
        if name not in best:
            continue
        out = (docs if name in DEFAULT_DAYS.split(",") else RESULTS) / f"manager_day_{name}.png"
        plot_day(name, {"optimum": best[name], **runs}, table[name], out)
        print("plot:", out.relative_to(ROOT))
    heating = contenders.get("heating")
    if heating:
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
