"""The power manager's stops are watched like the switch's (hold.py): a heating loop that
switches its miner off learns when the miner does not stay off."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
from custom_components.whatsminer.manager.core import PowerManager
from simulator import Quirk, SimulatedMiner

from .conftest import let_time_pass, setup_manager

TEMPERATURE = "sensor.tank"
QUICK = {"min_run_minutes": 0, "min_stop_minutes": 0, "start_delay_minutes": 0}


async def test_heating_off_with_a_miner_that_does_not_stay_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    hydro, entry = miners[2], miner_entries[2]
    hydro.faults.quirks.add(Quirk.STOP_RESTARTS)
    hass.states.async_set(TEMPERATURE, "40", {"unit_of_measurement": "°C"})
    manager_entry = await setup_manager(
        hass, [entry], temperature_sensor=TEMPERATURE, ride_through_wh=0, **QUICK
    )
    manager: PowerManager = manager_entry.runtime_data
    await hass.services.async_call(
        "climate",
        "set_hvac_mode",
        {"entity_id": "climate.power_manager_heating", "hvac_mode": "off"},
        blocking=True,
    )
    await let_time_pass(hass, freezer, 60, miners)
    assert manager.budget_w == 0
    assert hydro.counters.commands["power_off"] >= 1
    await let_time_pass(hass, freezer, 300, miners, step=10)
    assert hydro.counters.self_restarts >= 1
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"stop_not_held_{entry.entry_id}")
    assert issue is not None and issue.active
    sensor = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{entry.unique_id}_stop_start"
    )
    assert sensor is not None
    state = hass.states.get(sensor)
    assert state is not None and state.state == "on"
