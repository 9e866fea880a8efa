"""Reading a day for the power manager benchmark (bench/day_files.py), and the community rule.

Pure Python; run by `bench/run manager` with bench/.venv:
`bench/.venv/bin/python -m pytest --noconftest -p no:cacheprovider -q bench/test_day_files.py`.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from community_rule import CommunityRule
from day_files import DayError, load_day, read_day
from manager_day import house


@pytest.fixture(autouse=True)
def no_day_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings an owner may have exported for `bench/run manager --day`."""
    for name in (
        "BENCH_MANAGER_PV_ENTITY",
        "BENCH_MANAGER_HOUSE_ENTITY",
        "BENCH_MANAGER_TZ",
        "BENCH_MANAGER_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_csv_interpolated_and_the_house_added(tmp_path: Path) -> None:
    """time, PV W: linear between the samples, the bench's house load added, the day trimmed
    to half an hour around the PV."""
    day = read_day(
        _write(
            tmp_path / "d.csv",
            "time,pv_w\n06:00,0\n08:00,0\n08:01,600\n12:00,6000\n16:00,0\n20:00,0\n",
        )
    )
    assert day[0].t == 8 * 3600 + 10 - 1800  # the first step above 50 W, less half an hour
    assert day[-1].t < 16 * 3600 + 1800
    by_t = {s.t: s for s in day}
    assert by_t[10 * 3600].pv_w == pytest.approx(600 + 5400 * (119 / 239), abs=0.1)
    assert by_t[10 * 3600].house_w == pytest.approx(house().w(10 * 3600), abs=0.1)
    assert {b.t - a.t for a, b in pairwise(day)} == {5}


def test_kilowatts_and_a_house_column_with_iso_times(tmp_path: Path) -> None:
    """pv_kw is kilowatts; a third column is the house (no model then)."""
    text = (
        "when,pv_kw,house_w\n2024-06-01T09:00:00+02:00,2.0,500\n2024-06-01T10:00:00+02:00,4.0,700\n"
    )
    day = read_day(_write(tmp_path / "d.csv", text))
    assert day[0].t == 9 * 3600 and day[0].pv_w == 2000.0 and day[0].house_w == 500.0
    assert {s.t: s for s in day}[int(9.5 * 3600)].pv_w == pytest.approx(3000.0)


def test_home_assistant_history(tmp_path: Path) -> None:
    """History download: states held until they change, kW recognised, UTC to local time,
    unavailable states skipped, the entities picked by name."""
    text = (
        "entity_id,state,last_changed\n"
        "sensor.pv,0.0,2024-06-01T04:00:00.000Z\n"
        "sensor.pv,3.5,2024-06-01T05:00:00.000Z\n"
        "sensor.pv,unavailable,2024-06-01T05:30:00.000Z\n"
        "sensor.house,450,2024-06-01T04:00:00.000Z\n"
        "sensor.pv,0.0,2024-06-01T07:00:00.000Z\n"
    )
    path = _write(tmp_path / "history.csv", text)
    with pytest.raises(DayError, match=r"sensor\.house"):
        read_day(path)
    day = read_day(path, pv_entity="sensor.pv", house_entity="sensor.house", tz="Europe/Berlin")
    by_t = {s.t: s for s in day}
    assert day[0].t == 7 * 3600 - 1800  # 05:00 UTC is 07:00 in Berlin, minus the margin
    assert by_t[8 * 3600].pv_w == 3500.0  # held through the unavailable state
    assert by_t[8 * 3600].house_w == 450.0


def test_bad_day_files(tmp_path: Path) -> None:
    """What cannot be a day says why."""
    with pytest.raises(DayError, match="no day file"):
        load_day(str(tmp_path / "missing.csv"))
    with pytest.raises(DayError, match="never exceeds"):
        read_day(_write(tmp_path / "dark.csv", "t,pv\n0,0\n60,10\n120,0\n"))
    with pytest.raises(DayError, match="line 3"):
        read_day(_write(tmp_path / "bad.csv", "t,pv\n0,0\n60,lots\n120,0\n"))


def test_generated_days_by_name() -> None:
    """sim-SEED is the generated day of that seed."""
    day = load_day("sim-2027")
    assert day.name == "sim-2027" and len(day.samples) == 15 * 3600 // 5


def test_community_rule() -> None:
    """On after 15 minutes of enough export, most efficient first; off after 7 minutes of
    import, last started first; each switch starts both timers again."""
    rule = CommunityRule([5000.0, 3000.0])
    assert rule.decide(0, 5500, [False, False]) is None
    assert rule.decide(899, 5500, [False, False]) is None
    assert rule.decide(900, 5500, [False, False]) == (0, True)
    assert rule.decide(901, 3500, [True, False]) is None  # timers start again
    assert rule.decide(1000, 2000, [True, False]) is None  # not enough: timer reset
    assert rule.decide(1001, 3500, [True, False]) is None
    assert rule.decide(1901, 3500, [True, False]) == (1, True)
    assert rule.decide(2000, -10, [True, True]) is None
    assert rule.decide(2419, -10, [True, True]) is None
    assert rule.decide(2420, -10, [True, True]) == (1, False)
