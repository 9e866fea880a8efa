"""The power manager on generated and measured days, against the solar-surplus blueprint and
the community's rule (issues 12 and 21).

Run by `bench/run manager` (the project's .venv, Home Assistant from phcc); not a unit test.
The days: bench/day_files.py (BENCH_MANAGER_DAYS, `bench/run manager --day ...`). The best
possible schedule of each day is computed apart, in bench/.venv (bench/optimum.py), and
bench/manager_report.py sets these figures against it.

Method
- Three simulated miners of different efficiency (m20s_legacy 49 J/TH, m30s_plus 34 J/TH,
  m56s_hydro 26 J/TH at full power) on one simulated clock, set up as WhatsMiner entries in
  Home Assistant. Home Assistant's clock (freezer) and the miners' clock move together in
  5 s steps over the day.
- Each step: the miners' real draw (the simulator's own physics) is booked against the PV
  and house load of that step; then sensor.grid_surplus is set to PV - house - miners
  (export positive) and Home Assistant reacts during the next 5 s. So every reaction is
  at least one step late, for both contenders.
- Run 1, the manager: a power manager entry over the three miners with the surplus sensor
  and default options (reserve 50 W, minimum run and stop 10 min, start delay 5 min,
  4 restarting writes an hour, 6 starts a day, 30 Wh import allowance per dip, 50 %
  minimum level).
- Run 2, the blueprint: blueprints/automation/whatsminer/solar_surplus.yaml over the same
  miners (most efficient first), start above 5800 W (the largest miner's draw plus a
  margin, as its description advises), stop below 0 W, its default delays.
- Run 3, the community rule (bench/community_rule.py): whole miners at full power, the next
  (most efficient first) on after 15 minutes of enough export, the last off after 7 minutes
  of import, through the miners' mining switches.
- Figures: available surplus (PV - house, when positive), what the miners could absorb of it
  (each miner off or between its minimum and full power), surplus used by mining, grid
  import caused by mining, starts/stops per miner (from the simulator's state), restarting
  writes per miner (the simulator's command counters: power_on/off and the other
  btminer-restarting commands), hashes mined.
- Every run starts with the miners stopped (night).
- Heating: the manager with a thermostat on a simulated 1000 l tank (manager_day.Tank),
  8 hours; steady state is the last 4 hours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import sys
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.blueprint.models import DomainBlueprints
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_POWER_MANAGER
from simulator import MinerSimulator, SimClock, SimulatedMiner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from community_rule import CommunityRule
from day_files import Day, day_names, load_day
from manager_day import STEP_S, Sample, Tally, Tank, write_csv
from tariff_day import HASHPRICE, HOURLY_PRICE

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BLUEPRINTS = ROOT / "blueprints"
PROFILES = ("m20s_legacy", "m30s_plus", "m56s_hydro")
SURPLUS = "sensor.grid_surplus"
PRICE = "sensor.electricity_price"
HASHPRICE_SENSOR = "sensor.hashprice"
TANK = "sensor.tank_temperature"
RESTARTING = (
    "power_on",
    "power_off",
    "restart_btminer",
    "set_power_pct_v2",
    "adjust_power_limit",
    "set_low_power",
    "set_normal_power",
    "set_high_power",
    "set_target_freq",
    "reboot",
)
HOURS = float(os.environ.get("BENCH_MANAGER_HOURS", "24"))
REPORT: dict[str, Any] = {"days": {}}
DAYS = day_names()
# the manager's options beyond the defaults, e.g. '{"ride_through_wh": 60}' (to try your own)
OPTIONS: dict[str, Any] = json.loads(os.environ.get("BENCH_MANAGER_OPTIONS", "{}"))
DAY_CACHE: dict[str, Day] = {}
SETTLE_TURNS = 50_000  # event-loop turns a step may take to finish its polls and writes
SETTLE_CUT_SHORT = [0]  # steps whose polls and writes were not done in SETTLE_TURNS
TRACE: Any = None  # debugging hook: called after each step


@pytest.fixture(autouse=True)
def repository_blueprints() -> Iterator[None]:
    """Home Assistant reads blueprints from this repository's blueprints/ folder."""
    with patch.object(
        DomainBlueprints, "blueprint_folder", property(lambda self: BLUEPRINTS / self.domain)
    ):
        yield


async def _miners(hass: HomeAssistant) -> tuple[list[MinerSimulator], list[SimulatedMiner]]:
    clock = SimClock(start=dt_util.utcnow().timestamp(), frozen=True)
    sims = [
        MinerSimulator(profile=p, host="127.0.0.1", clock=clock, seed=40 + i)
        for i, p in enumerate(PROFILES)
    ]
    for sim in sims:
        await sim.__aenter__()
    miners = [sim.miners[0] for sim in sims]
    clock.advance(3600)  # warmed up
    for miner in miners:
        miner.state.noise = False
    return sims, miners


async def _entries(hass: HomeAssistant, miners: list[SimulatedMiner]) -> list[MockConfigEntry]:
    entries = []
    for miner in miners:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=miner.profile.name,
            unique_id=format_mac(miner.state.mac),
            data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        entries.append(entry)
    await hass.async_block_till_done()
    return entries


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.unique_id or ""), entry.entry_id
    )
    assert device is not None
    return device.id


def _hashing(miner: SimulatedMiner) -> bool:
    return miner.reading().hashing


def _power(miner: SimulatedMiner) -> float:
    return float(miner.state.power_w) if _hashing(miner) else 0.0


def _waiting_on_time(task: asyncio.Future[Any]) -> bool:
    """An automation or script run waits in a delay for time that only the bench moves."""
    coro = task.get_coro() if isinstance(task, asyncio.Task) else None
    code = getattr(coro, "cr_code", None)
    filename = code.co_filename if code is not None else ""
    return "helpers/script.py" in filename or "components/automation" in filename


async def _settle(hass: HomeAssistant) -> None:
    """Let every poll and write finish, without waiting for automations' delays (which only
    end when the bench moves time: async_block_till_done would wait forever)."""
    for _ in range(SETTLE_TURNS):
        await asyncio.sleep(0)
        busy = [
            t
            for t in (*hass._tasks, *hass._background_tasks)
            if not t.done() and not _waiting_on_time(t)
        ]
        if not busy:
            return
    SETTLE_CUT_SHORT[0] += 1


async def _step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock) -> None:
    """One step in two parts: what Home Assistant decides during the first seconds reaches
    the miners, and their fast power changes (about 1 s in the simulator) finish in the
    last second, as they would between two meter readings in real time."""
    for seconds in (STEP_S - 1, 1):
        freezer.tick(timedelta(seconds=seconds))
        clock.advance(seconds)
        async_fire_time_changed(hass)
        await _settle(hass)


def _restarting_writes(miner: SimulatedMiner) -> int:
    return sum(miner.counters.commands.get(name, 0) for name in RESTARTING)


async def _run_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    samples: list[Sample],
    control: Any = None,
) -> dict[str, Any]:
    # Each miner off, or between the manager's default minimum (50 %) and its full power.
    full = [m.profile.power_w["normal"] + 12.0 for m in miners]  # hashboards + control board
    ranges = [(0.5 * f, f) for f in full]
    writes_before = [_restarting_writes(m) for m in miners]
    tally = Tally(ranges)
    clock = miners[0].clock
    started = time.process_time()
    for sample in samples:
        powers = [_power(m) for m in miners]
        tally.add(sample, powers, [m.state.hashrate for m in miners], [_hashing(m) for m in miners])
        surplus = sample.pv_w - sample.house_w - sum(powers)
        hass.states.async_set(
            SURPLUS, str(round(surplus)), {"unit_of_measurement": "W", "device_class": "power"}
        )
        if control is not None:
            await control(surplus)
        await _step(hass, freezer, clock)
        if TRACE is not None:
            TRACE(sample, powers, surplus)
    figures: dict[str, Any] = tally.figures()
    figures["restarting_writes"] = [
        _restarting_writes(m) - before for m, before in zip(miners, writes_before, strict=True)
    ]
    figures["power_target_writes"] = [m.counters.commands.get("set_power_pct", 0) for m in miners]
    figures["cpu_s"] = round(time.process_time() - started, 1)
    figures["steps_cut_short"] = SETTLE_CUT_SHORT[0]
    SETTLE_CUT_SHORT[0] = 0
    figures["series"] = tally.series
    return figures


def _start_of_day(freezer: FrozenDateTimeFactory, samples: list[Sample]) -> None:
    midnight = datetime(2026, 6, 21, tzinfo=dt_util.UTC)
    freezer.move_to(midnight + timedelta(seconds=samples[0].t))


FROM_H = float(os.environ.get("BENCH_MANAGER_FROM_H", "0"))  # debugging: start later


def _day(name: str) -> Day:
    if name not in DAY_CACHE:
        DAY_CACHE[name] = load_day(name)
    return DAY_CACHE[name]


def _samples(name: str) -> list[Sample]:
    samples = [s for s in _day(name).samples if s.t >= FROM_H * 3600]
    return samples[: int(HOURS * 3600 / STEP_S)]


def _book(name: str, run: str, figures: dict[str, Any]) -> None:
    REPORT["days"].setdefault(_day(name).name, {})[run] = figures


async def _stop_all(hass: HomeAssistant, miners: list[SimulatedMiner]) -> None:
    for miner in miners:
        miner.state.mining = False
        miner.state.stopped_at = miner.now()


@pytest.mark.parametrize("name", DAYS)
async def test_manager_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None, name: str
) -> None:
    """Run 1: the power manager follows the surplus."""
    samples = _samples(name)
    _start_of_day(freezer, samples)
    sims, miners = await _miners(hass)
    try:
        await _stop_all(hass, miners)  # night: everything off
        entries = await _entries(hass, miners)
        hass.states.async_set(SURPLUS, "0", {"unit_of_measurement": "W", "device_class": "power"})
        manager = MockConfigEntry(
            domain=DOMAIN,
            title="Power manager",
            data={CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER},
            options={
                "miners": [_device(hass, e) for e in entries],
                "surplus_sensor": SURPLUS,
                **OPTIONS,
            },
        )
        manager.add_to_hass(hass)
        assert await hass.config_entries.async_setup(manager.entry_id)
        await hass.async_block_till_done()
        _book(name, "manager", await _run_day(hass, freezer, miners, samples))
        await hass.config_entries.async_unload(manager.entry_id)
    finally:
        for sim in sims:
            await sim.__aexit__(None, None, None)


@pytest.mark.parametrize("name", DAYS)
async def test_blueprint_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None, name: str
) -> None:
    """Run 2: the solar-surplus blueprint on the same day."""
    samples = _samples(name)
    _start_of_day(freezer, samples)
    sims, miners = await _miners(hass)
    try:
        await _stop_all(hass, miners)
        entries = await _entries(hass, miners)
        hass.states.async_set(SURPLUS, "0", {"unit_of_measurement": "W", "device_class": "power"})
        registry = er.async_get(hass)
        switches = [
            registry.async_get_entity_id("switch", DOMAIN, f"{e.unique_id}_mining")
            for e in reversed(entries)  # most efficient first
        ]
        config = {
            "automation": {
                "id": "solar",
                "use_blueprint": {
                    "path": "whatsminer/solar_surplus.yaml",
                    "input": {
                        "surplus_sensor": SURPLUS,
                        "miners": switches,
                        "start_above": 5800,
                        "stop_below": 0,
                    },
                },
            }
        }
        assert await async_setup_component(hass, "automation", config)
        await hass.async_block_till_done()
        _book(name, "blueprint", await _run_day(hass, freezer, miners, samples))
    finally:
        for sim in sims:
            await sim.__aexit__(None, None, None)


@pytest.mark.parametrize("name", DAYS)
async def test_community_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None, name: str
) -> None:
    """Run 3: the community's rule (15 minutes on, 7 minutes off) on the same day."""
    samples = _samples(name)
    _start_of_day(freezer, samples)
    sims, miners = await _miners(hass)
    try:
        await _stop_all(hass, miners)
        entries = await _entries(hass, miners)
        registry = er.async_get(hass)
        order = list(reversed(range(len(miners))))  # most efficient first
        switches = [
            registry.async_get_entity_id("switch", DOMAIN, f"{entries[i].unique_id}_mining") or ""
            for i in order
        ]
        rule = CommunityRule([miners[i].profile.power_w["normal"] + 12.0 for i in order])

        async def control(export_w: float) -> None:
            running = [
                (state := hass.states.get(s)) is not None and state.state == "on" for s in switches
            ]
            decided = rule.decide(dt_util.utcnow().timestamp(), export_w, running)
            if decided is not None:
                index, on = decided
                await hass.services.async_call(
                    "switch", "turn_on" if on else "turn_off", {"entity_id": switches[index]}
                )

        _book(name, "community", await _run_day(hass, freezer, miners, samples, control))
    finally:
        for sim in sims:
            await sim.__aexit__(None, None, None)


async def test_heating(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """The thermostat holds a 1000 l tank at 50 °C with the miners' heat."""
    freezer.move_to(datetime(2026, 6, 21, 5, 30, tzinfo=dt_util.UTC))
    sims, miners = await _miners(hass)
    tank = Tank()
    try:
        entries = await _entries(hass, miners)
        hass.states.async_set(TANK, str(round(tank.temp_c, 1)), {"unit_of_measurement": "°C"})
        manager_entry = MockConfigEntry(
            domain=DOMAIN,
            title="Heating",
            data={CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER},
            options={"miners": [_device(hass, e) for e in entries], "temperature_sensor": TANK},
        )
        manager_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(manager_entry.entry_id)
        await hass.async_block_till_done()
        await hass.services.async_call(
            "number", "set_value", {"entity_id": "number.heating_budget", "value": 100_000}
        )
        await hass.services.async_call(
            "climate",
            "set_temperature",
            {"entity_id": "climate.heating_heating", "temperature": 50},
            blocking=True,
        )
        manager = manager_entry.runtime_data
        clock = miners[0].clock
        hours = min(HOURS, 8.0)
        total = int(hours * 3600 / STEP_S)
        temps: list[tuple[int, float]] = []
        demand_changes: list[int] = []
        last_demand = manager.heat_limit_w
        writes_at_half = None
        for i in range(total):
            tank.step(sum(_power(m) for m in miners), STEP_S)
            hass.states.async_set(TANK, str(round(tank.temp_c, 1)), {"unit_of_measurement": "°C"})
            await _step(hass, freezer, clock)
            temps.append((i * STEP_S, tank.temp_c))
            if manager.heat_limit_w != last_demand:
                demand_changes.append(i * STEP_S)
                last_demand = manager.heat_limit_w
            if i == total // 2:
                writes_at_half = [m.counters.commands.get("set_power_pct", 0) for m in miners]
        steady_from = total * STEP_S // 2
        steady = [t for s, t in temps if s >= steady_from]
        steady_hours = (total * STEP_S - steady_from) / 3600
        REPORT["heating"] = {
            "hours": hours,
            "target_c": 50.0,
            "steady_state_hours": steady_hours,
            "steady_min_c": round(min(steady), 2),
            "steady_max_c": round(max(steady), 2),
            "steady_max_deviation_c": round(max(abs(t - 50.0) for t in steady), 2),
            "demand_changes_per_hour_steady": round(
                sum(1 for s in demand_changes if s >= steady_from) / steady_hours, 1
            ),
            "power_target_writes_per_hour_steady_per_miner": [
                round((m.counters.commands.get("set_power_pct", 0) - w) / steady_hours, 1)
                for m, w in zip(miners, writes_at_half or [0, 0, 0], strict=True)
            ],
            "series": [(s, round(t, 2)) for s, t in temps if s % 60 == 0],
        }
    finally:
        for sim in sims:
            await sim.__aexit__(None, None, None)


async def test_tariff_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """The manager with a price sensor and a hashprice (break-even margin 0), 24 hours of the
    hourly prices of bench/tariff_day.py, no surplus sensor: profit from the miners' own
    power and hashrate (bench/tariff_day.py sets it against mining always and the best)."""
    freezer.move_to(datetime(2026, 6, 21, tzinfo=dt_util.UTC))
    sims, miners = await _miners(hass)
    try:
        await _stop_all(hass, miners)
        entries = await _entries(hass, miners)
        price_attrs = {"unit_of_measurement": "EUR/kWh"}
        hass.states.async_set(PRICE, str(HOURLY_PRICE[0]), price_attrs)
        hass.states.async_set(
            HASHPRICE_SENSOR, str(HASHPRICE), {"unit_of_measurement": "EUR/TH/day"}
        )
        manager = MockConfigEntry(
            domain=DOMAIN,
            title="Tariff",
            data={CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER},
            options={
                "miners": [_device(hass, e) for e in entries],
                "price_sensor": PRICE,
                "hashprice_entity": HASHPRICE_SENSOR,
                **OPTIONS,
            },
        )
        manager.add_to_hass(hass)
        assert await hass.config_entries.async_setup(manager.entry_id)
        await hass.async_block_till_done()
        clock = miners[0].clock
        revenue = cost = energy_wh = 0.0
        writes_before = [_restarting_writes(m) for m in miners]
        starts = [0] * len(miners)
        was = [False] * len(miners)
        per_hour: list[list[float]] = [[0.0] * 24 for _ in miners]
        steps = int(min(HOURS, 24.0) * 3600 / STEP_S)
        for i in range(steps):
            hour = i * STEP_S // 3600
            if i * STEP_S % 3600 == 0:
                hass.states.async_set(PRICE, str(HOURLY_PRICE[hour]), price_attrs)
            for k, m in enumerate(miners):
                power, on = _power(m), _hashing(m)
                starts[k] += on and not was[k]
                was[k] = on
                per_hour[k][hour] += power * STEP_S / 3600
                energy_wh += power * STEP_S / 3600
                cost += power / 1000 * STEP_S / 3600 * HOURLY_PRICE[hour]
                revenue += m.state.hashrate * HASHPRICE * STEP_S / 86400
            await _step(hass, freezer, clock)
        REPORT["tariff"] = {
            "profit": round(revenue - cost, 3),
            "revenue": round(revenue, 3),
            "cost": round(cost, 3),
            "energy_kwh": round(energy_wh / 1000, 1),
            "starts": starts,
            "restarting_writes": [
                _restarting_writes(m) - b for m, b in zip(miners, writes_before, strict=True)
            ],
            "wh_per_hour": [[round(w) for w in miner] for miner in per_hour],
        }
        await hass.config_entries.async_unload(manager.entry_id)
    finally:
        for sim in sims:
            await sim.__aexit__(None, None, None)


def test_report() -> None:
    """Write bench/results/manager_days.json (and each day's curve) and print the figures;
    bench/manager_report.py sets them against the best schedule."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    for run_day in DAY_CACHE.values():
        write_csv(run_day.samples, RESULTS / f"manager_day_{run_day.name}.csv")
    (RESULTS / "manager_days.json").write_text(json.dumps(REPORT, indent=1), encoding="utf-8")
    keys = [
        "surplus_used_kwh",
        "import_share_of_mining_pct",
        "hashes_eh",
        "starts",
        "restarting_writes",
        "power_target_writes",
        "cpu_s",
    ]
    runs = ("manager", "community", "blueprint")
    for name, figures in REPORT["days"].items():
        print(f"\n{name:32} {runs[0]:>22} {runs[1]:>22} {runs[2]:>22}")
        for key in keys:
            row = [str(figures.get(run, {}).get(key, "-")) for run in runs]
            print(f"{key:32} {row[0]:>22} {row[1]:>22} {row[2]:>22}")
    if "tariff" in REPORT:
        print("tariff day, manager:", json.dumps(REPORT["tariff"]["profit"]))
    heating = {k: v for k, v in REPORT.get("heating", {}).items() if k != "series"}
    if heating:
        print("heating:", json.dumps(heating))
