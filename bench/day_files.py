"""The days of the power manager benchmark: generated, measured, or an owner's own CSV.

Pure Python (both the project's .venv and bench/.venv read days through here, so the
contenders in Home Assistant and the best schedule in bench/optimum.py see the same samples).

A day is named by `--day` (bench/run) or BENCH_MANAGER_DAYS, comma-separated:
- `sim-SEED`: a generated day (manager_day.day; sim-2026 clear with passing clouds, sim-2027
  cloudy);
- `nrel-...`: a measured day that bench/real_days.py wrote to bench/results/days/ from the
  data pvanalytics ships;
- any other value is a CSV file, in one of two shapes:
  * columns time, PV W [, house W] (a header line first). Time is seconds since midnight,
    HH:MM[:SS] or an ISO date and time; a header naming kW (`pv_kw`) means kilowatts. The
    samples are interpolated linearly onto the bench's 5 s steps;
  * Home Assistant's history download (columns entity_id, state, last_changed): the PV
    entity, and optionally the house entity, each held at its last state until it changes.
    With more than one entity in the file, BENCH_MANAGER_PV_ENTITY (and
    BENCH_MANAGER_HOUSE_ENTITY) say which is which. States below 100 are taken as kW.
    Times are UTC there: BENCH_MANAGER_TZ (e.g. Europe/Berlin) gives the local time of day.
  Without a house column the house of manager_day.house() is added. The day runs from half
  an hour before the PV first exceeds 50 W to half an hour after it last does.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
import csv
from dataclasses import dataclass
from datetime import datetime, time as clock_time
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from manager_day import STEP_S, Sample, day, house

ROOT = Path(__file__).resolve().parent.parent
MEASURED = ROOT / "bench" / "results" / "days"
SIM_DAYS = ("sim-2026", "sim-2027")
# bench/real_days.py writes these (what the pvanalytics package ships that fits a house day)
MEASURED_DAYS = (
    "nrel-serf-2022-03-18",
    "nrel-serf-2022-03-19",
    "nrel-rmis-2019-02-02",
    "nrel-rmis-2019-02-04",
)
DEFAULT_DAYS = ",".join((*SIM_DAYS, *MEASURED_DAYS))
PV_ON_W = 50.0
MARGIN_S = 1800
KW_BELOW = 100.0  # Home Assistant states below this are kilowatts
HA_COLUMNS = {"entity_id", "state", "last_changed"}


class DayError(ValueError):
    """A day file that cannot be read as a day."""


@dataclass(frozen=True, slots=True)
class Day:
    """A named day and its samples."""

    name: str
    samples: list[Sample]


Series = list[tuple[float, float]]  # (seconds since midnight, W), by time


def day_names(spec: str | None = None) -> list[str]:
    """The days asked for: `spec`, else BENCH_MANAGER_DAYS, else every bench day."""
    spec = spec or os.environ.get("BENCH_MANAGER_DAYS") or DEFAULT_DAYS
    return [part.strip() for part in spec.split(",") if part.strip()]


def load_day(spec: str) -> Day:
    """The day `spec` names (see the module's docstring)."""
    if spec.startswith("sim-") and spec[4:].isdigit():
        return Day(spec, day(int(spec[4:])))
    path = MEASURED / f"{spec}.csv" if spec.startswith("nrel-") else Path(spec)
    if not path.is_file():
        hint = " (bench/real_days.py writes it)" if spec.startswith("nrel-") else ""
        raise DayError(f"no day file {path}{hint}")
    return Day(path.stem, read_day(path))


def read_day(
    path: Path,
    *,
    pv_entity: str | None = None,
    house_entity: str | None = None,
    tz: str | None = None,
    step_s: int = STEP_S,
) -> list[Sample]:
    """The samples of a day file, on `step_s` steps (see the module's docstring)."""
    with path.open(newline="", encoding="utf-8-sig") as source:
        rows = [row for row in csv.reader(source) if row and any(cell.strip() for cell in row)]
    if len(rows) < 3:
        raise DayError(f"{path}: a header and at least two samples are needed")
    header = [cell.strip().lower() for cell in rows[0]]
    zone_name = tz or os.environ.get("BENCH_MANAGER_TZ")
    zone = ZoneInfo(zone_name) if zone_name else None
    if set(header) >= HA_COLUMNS:
        pv, home = _ha_history(
            header,
            rows[1:],
            pv_entity or os.environ.get("BENCH_MANAGER_PV_ENTITY"),
            house_entity or os.environ.get("BENCH_MANAGER_HOUSE_ENTITY"),
            zone or ZoneInfo("UTC"),
        )
        return _samples(pv, home, _hold, step_s)
    scale = [1000.0 if "kw" in name else 1.0 for name in header]
    pv_series: Series = []
    house_series: Series = []
    origin: datetime | None = None
    for number, row in enumerate(rows[1:], start=2):
        try:
            t, origin = _seconds(row[0], origin, zone)
            pv_series.append((t, float(row[1]) * scale[1]))
            if len(row) > 2 and row[2].strip():
                house_series.append((t, float(row[2]) * scale[2]))
        except (ValueError, IndexError) as err:
            raise DayError(f"{path}, line {number}: {err}") from err
    return _samples(
        sorted(pv_series), sorted(house_series) if house_series else None, _linear, step_s
    )


def _ha_history(
    header: list[str],
    rows: Sequence[list[str]],
    pv_entity: str | None,
    house_entity: str | None,
    zone: ZoneInfo,
) -> tuple[Series, Series | None]:
    col = {name: header.index(name) for name in HA_COLUMNS}
    by_entity: dict[str, list[tuple[datetime, float]]] = {}
    for row in rows:
        try:
            value = float(row[col["state"]])
            when = datetime.fromisoformat(row[col["last_changed"]].strip().replace("Z", "+00:00"))
        except (ValueError, IndexError):
            continue  # unavailable, unknown: the last state holds
        by_entity.setdefault(row[col["entity_id"]].strip(), []).append((when, value))
    if pv_entity is None:
        if len(by_entity) != 1:
            raise DayError(
                "several entities in the history: set BENCH_MANAGER_PV_ENTITY (and "
                f"BENCH_MANAGER_HOUSE_ENTITY) to two of {sorted(by_entity)}"
            )
        pv_entity = next(iter(by_entity))
    for wanted in (pv_entity, house_entity):
        if wanted is not None and wanted not in by_entity:
            raise DayError(f"no numeric states of {wanted} in the history")
    events = [when for entity in by_entity.values() for when, _ in entity]
    first = min(events)
    origin = datetime.combine(first.astimezone(zone).date(), clock_time(), tzinfo=zone)

    def series(entity: str) -> Series:
        points = sorted(by_entity[entity])
        kw = max(abs(v) for _, v in points) < KW_BELOW
        return [((w - origin).total_seconds(), v * (1000.0 if kw else 1.0)) for w, v in points]

    return series(pv_entity), series(house_entity) if house_entity else None


def _seconds(
    text: str, origin: datetime | None, zone: ZoneInfo | None
) -> tuple[float, datetime | None]:
    """Seconds since the midnight of the first sample, and that midnight (for datetimes)."""
    text = text.strip()
    try:
        return float(text), origin
    except ValueError:
        pass
    if ":" in text and "-" not in text and "/" not in text:
        parts = [float(p) for p in text.split(":")]
        return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0.0), origin
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if zone is not None and when.tzinfo is not None:
        when = when.astimezone(zone)
    if origin is None:
        origin = datetime.combine(when.date(), clock_time(), tzinfo=when.tzinfo)
    return (when - origin).total_seconds(), origin


def _linear(series: Series, t: float) -> float:
    """Linear interpolation of `series` at `t` (its end values beyond its ends)."""
    i = bisect_right(series, (t, float("inf")))
    if i == 0:
        return series[0][1]
    if i == len(series):
        return series[-1][1]
    (t0, v0), (t1, v1) = series[i - 1], series[i]
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1


def _hold(series: Series, t: float) -> float:
    """The last value of `series` at or before `t` (a state holds until it changes)."""
    i = bisect_right(series, (t, float("inf")))
    return series[max(0, i - 1)][1]


def _samples(
    pv: Series,
    home: Series | None,
    at: Callable[[Series, float], float],
    step_s: int,
) -> list[Sample]:
    load = house()
    samples = []
    for t in range(step_s * int(pv[0][0] // step_s), int(pv[-1][0]) + 1, step_s):
        house_w = at(home, t) if home else load.w(t)
        samples.append(Sample(t, round(max(0.0, at(pv, t)), 1), round(max(0.0, house_w), 1)))
    sunny = [s.t for s in samples if s.pv_w > PV_ON_W]
    if not sunny:
        raise DayError(f"the PV never exceeds {PV_ON_W:.0f} W")
    return [s for s in samples if sunny[0] - MARGIN_S <= s.t <= sunny[-1] + MARGIN_S]
