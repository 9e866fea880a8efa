"""Measured PV days for the power manager benchmark, from the data pvanalytics ships.

Run by `bench/run manager` with bench/.venv (pvanalytics is installed there without its
dependencies: only its data files are read). Writes bench/results/days/nrel-*.csv in the
shape bench/day_files.py reads (local time, PV W), the house load added there:

- nrel-serf-2022-03-18, -19: AC power of NREL's SERF East system (Golden, Colorado), 1-minute
  means; the 18th clear until its afternoon clouds, the 19th clear.
- nrel-rmis-2019-02-02, -04: plane-of-array irradiance at NREL's RMIS station (Golden),
  5-minute samples, as PV power (proportional to it); the 2nd clear in the morning and
  cloudy in the afternoon, the 4th cloudy all day.

Each source is scaled so that its clearest day peaks at PV_PEAK_W (13 kW, as the generated
days), and clipped there, as an inverter of that size would.
"""

from __future__ import annotations

import csv
from datetime import datetime
import importlib.util
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))
from day_files import MEASURED
from manager_day import PV_PEAK_W


def data_dir() -> Path:
    """pvanalytics' data folder, found without importing the package (its dependencies are
    not installed)."""
    spec = importlib.util.find_spec("pvanalytics")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pvanalytics is not installed in bench/.venv (bench/run manager does)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def serf() -> dict[str, list[tuple[str, float]]]:
    """SERF East AC power (W) by local date: time as written, W."""
    days: dict[str, list[tuple[str, float]]] = {}
    with (data_dir() / "serf_east_1min_ac_power.csv").open(newline="") as source:
        for row in list(csv.reader(source))[1:]:
            if len(row) >= 2 and (value := _number(row[1])) is not None:
                days.setdefault(row[0][:10], []).append((row[0], value))
    return days


def rmis() -> dict[str, list[tuple[str, float]]]:
    """RMIS plane-of-array irradiance (W/m²) by date: ISO local time, W/m²."""
    days: dict[str, list[tuple[str, float]]] = {}
    with (data_dir() / "irradiance_RMIS_NREL.csv").open(newline="") as source:
        rows = list(csv.reader(source))
    column = rows[0].index("irradiance_poa__7984")
    for row in rows[1:]:
        if len(row) > column and (value := _number(row[column])) is not None:
            when = datetime.strptime(row[0], "%m/%d/%Y %H:%M")
            days.setdefault(when.date().isoformat(), []).append((when.isoformat(), value))
    return days


def write(name: str, points: list[tuple[str, float]], scale: float) -> Path:
    MEASURED.mkdir(parents=True, exist_ok=True)
    path = MEASURED / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["time", "pv_w"])
        for when, value in points:
            writer.writerow([when, round(min(PV_PEAK_W, max(0.0, value * scale)), 1)])
    return path


def main() -> None:
    written = []
    sources = (
        ("serf", serf(), "2022-03-19", ("2022-03-18", "2022-03-19")),
        ("rmis", rmis(), "2019-02-01", ("2019-02-02", "2019-02-04")),
    )
    for source, days, clearest, wanted in sources:
        scale = PV_PEAK_W / max(value for _, value in days[clearest])
        for date in wanted:
            written.append(write(f"nrel-{source}-{date}", days[date], scale))
    print("measured days:", ", ".join(p.stem for p in written))


if __name__ == "__main__":
    main()
