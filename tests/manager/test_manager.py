"""The power manager through Home Assistant, with three simulated miners."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.api.errors import WhatsMinerConnectionError
from custom_components.whatsminer.const import DOMAIN
from custom_components.whatsminer.diagnostics import async_get_config_entry_diagnostics
from custom_components.whatsminer.manager.core import PowerManager
from simulator import SimulatedMiner

from .conftest import let_time_pass, setup_manager

BUDGET = "number.power_manager_budget"
SURPLUS = "sensor.surplus"
PRICE = "sensor.price"
TEMPERATURE = "sensor.tank"
QUICK = {
    "min_run_minutes": 0,
    "min_stop_minutes": 0,
    "start_delay_minutes": 0,
    "ride_through_wh": 0,
}


def _entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None
    return found


async def _set_budget(hass: HomeAssistant, watts: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": BUDGET, "value": watts}, blocking=True
    )


def _last(manager: PowerManager) -> dict[str, Any]:
    return manager.decisions[-1]


def _actions(manager: PowerManager) -> dict[str, tuple[str, str]]:
    return {name: (m["action"], m["reason"]) for name, m in _last(manager)["miners"].items()}


def _power(hass: HomeAssistant, watts: float, unit: str = "W") -> None:
    hass.states.async_set(SURPLUS, str(watts), {"unit_of_measurement": unit})


async def test_budget_goes_to_the_most_efficient_miner_first(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """With a large budget all run, the most efficient at full power first; a little below
    the three minima (about 170 W) they ride through at their minima until that has cost
    the import allowance (30 Wh: about 10 minutes), then the least efficient stops; far
    below, the next stops at once."""
    legacy, plus, hydro = miners
    entry = await setup_manager(hass, miner_entries, **{**QUICK, "ride_through_wh": 30})
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 40, miners)
    assert legacy.state.mining and plus.state.mining and hydro.state.mining
    assert hydro.state.power_pct == plus.state.power_pct == legacy.state.power_pct == 100
    assert float(hass.states.get("sensor.power_manager_unused_budget").state) > 5000
    await _set_budget(hass, 6000)  # a little below the three minima: ride through
    await let_time_pass(hass, freezer, 5, miners)
    assert _actions(manager)["m20s_legacy"] == ("run", "ride_through")
    await let_time_pass(hass, freezer, 300, miners)  # a passing cloud stops nothing
    assert legacy.state.mining and plus.state.mining and hydro.state.mining
    await let_time_pass(hass, freezer, 360, miners)
    assert not legacy.state.mining and plus.state.mining and hydro.state.mining
    assert hass.states.get("sensor.power_manager_miners_running").state == "2"
    assert hydro.state.power_pct > plus.state.power_pct == 50
    assert float(hass.states.get("sensor.power_manager_allocated_power").state) == 6000
    assert hass.states.get("sensor.power_manager_unused_budget").state == "0"
    await _set_budget(hass, 1000)  # far below: the next stops at once
    await let_time_pass(hass, freezer, 5, miners)
    assert not plus.state.mining
    assert _actions(manager)["m30s_plus"][1] == "below_minimum"
    attributes = hass.states.get("sensor.power_manager_allocated_power").attributes["miners"]
    assert attributes["m20s_legacy"]["starts"] == 1 and attributes["m20s_legacy"]["stops"] == 2


async def test_daily_start_limit(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """However often the budget comes and goes, a miner starts at most `max_starts_per_day`
    times in 24 hours (that they count again after a day: test_allocation)."""
    hydro = miners[2]
    entry = await setup_manager(
        hass, miner_entries[2:], **QUICK, max_starts_per_day=2, max_restarts_per_hour=60
    )
    manager: PowerManager = entry.runtime_data
    for _ in range(3):
        await _set_budget(hass, 20_000)
        await let_time_pass(hass, freezer, 20, miners)
        await _set_budget(hass, 0)
        await let_time_pass(hass, freezer, 20, miners)
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    assert not hydro.state.mining
    assert _actions(manager)["m56s_hydro"] == ("idle", "daily_start_limit")
    attributes = hass.states.get("sensor.power_manager_allocated_power").attributes["miners"]
    assert attributes["m56s_hydro"]["starts"] == 2


async def test_surplus_sensor_keeps_import_near_zero(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """The budget is the export plus what the managed miners draw, less the reserve; kW and
    an import-positive meter are understood."""
    _power(hass, 0)
    entry = await setup_manager(
        hass, miner_entries[2:], surplus_sensor=SURPLUS, reserve=200, **QUICK
    )
    manager: PowerManager = entry.runtime_data
    assert manager.plan is not None
    draw = manager.plan.allocated_w  # what the miner was just set to draw
    _power(hass, 1)  # 1 W export
    await let_time_pass(hass, freezer, 5, miners)
    assert abs(manager.budget_w - (draw + 1 - 200)) < 50
    assert hass.states.get("sensor.power_manager_budget").attributes["reason"] == "surplus"
    _power(hass, -1.5, "kW")
    await let_time_pass(hass, freezer, 5, miners)
    assert manager.budget_w < draw - 1500


async def test_import_positive_meter(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """With a grid meter that counts import as positive, a negative reading is surplus."""
    _power(hass, -1000)
    entry = await setup_manager(
        hass,
        miner_entries[2:],
        surplus_sensor=SURPLUS,
        surplus_sign="import_positive",
        reserve=0,
    )
    manager: PowerManager = entry.runtime_data
    assert manager.budget_w > miners[2].state.power_w + 900


async def test_bad_input_holds_budget_and_raises_a_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Unknown, unavailable, text and another unit keep the last budget and raise a repair
    issue, which goes once the sensor is good again."""
    _power(hass, 500)
    entry = await setup_manager(hass, miner_entries[2:], surplus_sensor=SURPLUS)
    manager: PowerManager = entry.runtime_data
    held = manager.budget_w
    issue_id = f"manager_bad_input_{entry.entry_id}_surplus"
    issues = ir.async_get(hass)
    for state, unit in (("unavailable", "W"), ("unknown", "W"), ("lots", "W"), ("5", "A")):
        hass.states.async_set(SURPLUS, state, {"unit_of_measurement": unit})
        await let_time_pass(hass, freezer, 5, miners)
        assert manager.budget_w == held
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.translation_key == "manager_bad_input"
    assert manager.diagnostics()["problems"] == {"surplus": "wrong_unit"}
    hass.states.async_remove(SURPLUS)
    await let_time_pass(hass, freezer, 5, miners)
    assert manager.problems == {"surplus": "unavailable"}
    _power(hass, 100)
    await let_time_pass(hass, freezer, 5, miners)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert manager.budget_w != held
    await hass.config_entries.async_unload(entry.entry_id)


async def test_manual_control_is_left_alone(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Someone switching a miner's mining off takes it out of the manager's hands for the
    hold time; the budget goes to the others meanwhile."""
    hydro = miners[2]
    entry = await setup_manager(hass, miner_entries, manual_hold_minutes=2, **QUICK)
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 20_000)
    switch = _entity(hass, miner_entries[2], "switch", "mining")
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    await let_time_pass(hass, freezer, 20, miners)
    assert _actions(manager)["m56s_hydro"] == ("hold", "manual")
    assert not hydro.state.mining
    await let_time_pass(hass, freezer, 120, miners)
    assert _actions(manager)["m56s_hydro"][0] in ("start", "run")
    assert hydro.state.mining, (_last(manager), manager.records)


async def test_miner_dropping_out_gives_its_share_to_the_others(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """An unreachable miner is held; the budget is spread over the others."""
    _legacy, plus, hydro = miners
    entry = await setup_manager(hass, miner_entries, **QUICK)
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 6000)
    hydro.faults.offline = True
    await let_time_pass(hass, freezer, 40, miners)
    assert _actions(manager)["m56s_hydro"] == ("hold", "unavailable")
    assert _last(manager)["allocated_w"] == 6000
    assert plus.state.power_pct == 100


async def test_managed_off_is_hands_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Managed off: no writes, the miners keep their last state; on again: control resumes."""
    entry = await setup_manager(hass, miner_entries[2:], **QUICK)
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 4000)
    await let_time_pass(hass, freezer, 5, miners)
    before = miners[2].state.power_pct
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.power_manager_managed"}, blocking=True
    )
    await _set_budget(hass, 6000)
    await let_time_pass(hass, freezer, 20, miners)
    assert miners[2].state.power_pct == before
    assert "hands_off" in _last(manager)["notes"]
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.power_manager_managed"}, blocking=True
    )
    await let_time_pass(hass, freezer, 5, miners)
    assert miners[2].state.power_pct > before


async def test_restart_writes_are_limited_per_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """With one restart-causing write an hour, a miner stopped stays stopped for the hour."""
    entry = await setup_manager(hass, miner_entries[2:], max_restarts_per_hour=1, **QUICK)
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 0)
    await let_time_pass(hass, freezer, 70, miners)
    assert not miners[2].state.mining
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    assert _actions(manager)["m56s_hydro"] == ("idle", "restart_limit")
    assert not miners[2].state.mining


async def test_minimum_run_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A miner the manager started keeps running at its minimum for the minimum run time,
    unless that would import a lot."""
    options = {**QUICK, "min_run_minutes": 5, "ride_through_wh": 5}  # at once from 300 W short
    entry = await setup_manager(hass, miner_entries[2:], **options)
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 0)
    await let_time_pass(hass, freezer, 70, miners)
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    assert miners[2].state.mining
    await _set_budget(hass, 2500)  # a little below its minimum
    await let_time_pass(hass, freezer, 90, miners)
    assert _actions(manager)["m56s_hydro"] == ("run", "min_run_time")
    assert miners[2].state.mining
    await _set_budget(hass, 0)  # far below: the minimum run time gives way
    await let_time_pass(hass, freezer, 10, miners)
    assert not miners[2].state.mining


async def test_price_stops_and_runs_at_full_power(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Above the stop price the budget is zero; below the full-power price it is all."""
    hass.states.async_set(PRICE, "0.35")
    entry = await setup_manager(
        hass, miner_entries[2:], price_sensor=PRICE, price_stop_above=0.3, price_full_below=0.1
    )
    manager: PowerManager = entry.runtime_data
    assert (manager.budget_w, str(manager.budget_reason)) == (0, "price_high")
    hass.states.async_set(PRICE, "0.05")
    await let_time_pass(hass, freezer, 5, miners)
    assert str(manager.budget_reason) == "price_low"
    assert manager.budget_w > 5000


async def test_heating_thermostat_moves_the_budget(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Far below its target the thermostat asks for full power, off asks for none, and a
    chip above the limit lowers the demand."""
    hass.states.async_set(TEMPERATURE, "40", {"unit_of_measurement": "°C"})
    entry = await setup_manager(hass, miner_entries[2:], temperature_sensor=TEMPERATURE)
    manager: PowerManager = entry.runtime_data
    climate = "climate.power_manager_heating"
    await _set_budget(hass, 100_000)
    await hass.services.async_call(
        "climate", "set_temperature", {"entity_id": climate, "temperature": 55}, blocking=True
    )
    await let_time_pass(hass, freezer, 5, miners)
    state = hass.states.get(climate)
    assert state.state == "heat" and state.attributes["current_temperature"] == 40
    assert state.attributes["hvac_action"] == "heating"
    assert manager.heat_limit_w == manager.pi.max_output > 5000
    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": climate, "hvac_mode": "off"}, blocking=True
    )
    await let_time_pass(hass, freezer, 5, miners)
    assert manager.budget_w == 0 and str(manager.budget_reason) == "heat"
    assert hass.states.get(climate).attributes["hvac_action"] == "off"
    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": climate, "hvac_mode": "heat"}, blocking=True
    )
    hass.config_entries.async_update_entry(entry, options={**entry.options, "chip_temp_max": 50})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(climate).state == "heat"  # restored
    manager = entry.runtime_data
    await let_time_pass(hass, freezer, 5, miners)
    assert manager.heat_limit_w is not None and manager.heat_limit_w < manager.pi.max_output


async def test_diagnostics_show_the_last_decisions(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Decisions with their reasons, bounded in number."""
    entry = await setup_manager(hass, miner_entries[2:], **QUICK)
    await _set_budget(hass, 4000)
    await let_time_pass(hass, freezer, 300, miners, step=5)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)  # type: ignore[arg-type]
    assert diagnostics["title"] == "Power manager"
    assert 30 <= len(diagnostics["decisions"]) <= 50  # one per 10 s, and a few more
    decision = diagnostics["decisions"][-1]
    assert decision["budget_w"] == 4000
    assert decision["miners"]["m56s_hydro"]["reason"] == "budget"


async def test_unload_and_missing_miner(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A miner whose entry is unloaded is not managed; the manager unloads cleanly."""
    entry = await setup_manager(hass, miner_entries)
    await hass.config_entries.async_unload(miner_entries[0].entry_id)
    await let_time_pass(hass, freezer, 10, miners)
    assert "m20s_legacy" not in entry.runtime_data.decisions[-1]["miners"]
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_unknown_device_and_device_targets(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A configured device that no longer exists is skipped; a service call aimed at a
    miner's device (not an entity) is manual control too."""
    entry = await setup_manager(hass, miner_entries[2:], **QUICK)
    manager: PowerManager = entry.runtime_data
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "miners": [*entry.options["miners"], "gone"]}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    manager = entry.runtime_data
    assert len(manager.loaded_miners()) == 1
    device = entry.options["miners"][0]
    await hass.services.async_call("switch", "turn_on", {"device_id": device}, blocking=True)
    await let_time_pass(hass, freezer, 15, miners)
    assert _actions(manager)["m56s_hydro"] == ("hold", "manual")


async def test_failed_write_is_noted_not_raised(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A miner refusing a command shows in the decision's notes; the manager goes on."""
    entry = await setup_manager(hass, miner_entries[2:], **QUICK)
    manager: PowerManager = entry.runtime_data
    miner_type = type(miner_entries[2].runtime_data.miner)
    with patch.object(
        miner_type, "set_power_percent", side_effect=WhatsMinerConnectionError("no route")
    ):
        await _set_budget(hass, 4000)
        await let_time_pass(hass, freezer, 5, miners)
    assert any("m56s_hydro" in note for note in _last(manager)["notes"])


async def test_bad_temperature_holds_the_heat_demand_and_unload_clears_issues(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """An unusable temperature keeps the last heat demand; unloading removes the issue."""
    hass.states.async_set(TEMPERATURE, "45", {"unit_of_measurement": "°C"})
    entry = await setup_manager(hass, miner_entries[2:], temperature_sensor=TEMPERATURE)
    manager: PowerManager = entry.runtime_data
    demand = manager.heat_limit_w
    hass.states.async_set(TEMPERATURE, "unavailable")
    await let_time_pass(hass, freezer, 5, miners)
    assert manager.heat_limit_w == demand
    issue_id = f"manager_bad_input_{entry.entry_id}_temperature"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_miner_being_stopped_is_neither_planned_nor_counted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A poll that still shows a miner mining just after the manager stopped it (a stop
    takes a while to show) does not make the manager plan it again, and once it has
    stopped the budget does not count a level it was never going to draw."""
    hydro, coordinator = miners[2], miner_entries[2].runtime_data
    _power(hass, 0)
    entry = await setup_manager(
        hass,
        miner_entries[2:],
        surplus_sensor=SURPLUS,
        reserve=0,
        **QUICK | {"min_stop_minutes": 10},
    )
    manager: PowerManager = entry.runtime_data
    _power(hass, 2000)
    await let_time_pass(hass, freezer, 30, miners)
    assert hydro.state.mining
    _power(hass, -6000)  # a deep dip: the manager stops it at once
    await let_time_pass(hass, freezer, 5, miners)
    assert not hydro.state.mining
    hydro.state.mining = True  # the next poll still shows it mining ...
    await coordinator.async_refresh()
    _power(hass, 3000)  # ... while the meter shows the cloud gone
    await let_time_pass(hass, freezer, 5, miners)
    assert _actions(manager)["m56s_hydro"][0] == "idle", _last(manager)
    hydro.state.mining = False  # now it has stopped
    await coordinator.async_refresh()
    _power(hass, 3001)
    await let_time_pass(hass, freezer, 5, miners)
    assert manager.budget_w == pytest.approx(3000, abs=60), _last(manager)


async def test_the_day_is_carried_from_decision_to_decision(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """One day's ledger runs through the manager's decisions: the mining energy it gave
    the miners adds up, as the diagnostics show, and so the day's ride-through allowance
    grows with it."""
    entry = await setup_manager(hass, miner_entries[2:], **QUICK)
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 4000)
    await let_time_pass(hass, freezer, 120, miners)
    day = manager.diagnostics()["day"]
    assert day["mining_wh"] == pytest.approx(4000 * 120 / 3600, rel=0.2)
    assert day["ridden_through_wh"] == 0 and day["ride_through_spent"] is False
