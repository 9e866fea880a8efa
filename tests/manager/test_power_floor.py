"""The power floor through Home Assistant: learned from a restart loop, kept, enforced, reset.

The miner is the simulator's M64 on API v3 firmware. Its model floor is 2000 W (an owner's
report); this one's hashboards need 2600 W, so a target at the model floor makes it restart
in a loop, and the floor has to be learned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import (
    DOMAIN,
)
from custom_components.whatsminer.diagnostics import async_get_config_entry_diagnostics
from custom_components.whatsminer.manager.core import PowerManager
from custom_components.whatsminer.power_target import controller_for
from custom_components.whatsminer.profile import STORAGE_KEY
from simulator import PROFILES, MinerSimulator, SimClock, SimulatedMiner

from .conftest import let_time_pass, miner_entry, setup_manager
from .test_manager import QUICK, _set_budget

V3_PASSWORD = "pw2026"
BOARDS_NEED_W = 2600


@pytest.fixture
async def m64(socket_enabled: None) -> AsyncIterator[SimulatedMiner]:
    """An M64 on v3 firmware, warmed up, whose hashboards need 2600 W."""
    clock = SimClock(frozen=True)
    async with MinerSimulator(
        profile="m64_hydro", api="v3", password=V3_PASSWORD, clock=clock, seed=64
    ) as sim:
        clock.advance(3600)
        miner = sim.miners[0]
        miner.profile = replace(miner.profile, min_stable_w=BOARDS_NEED_W)
        miner.state.noise = False
        yield miner


@pytest.fixture
async def m64_entry(hass: HomeAssistant, m64: SimulatedMiner) -> MockConfigEntry:
    entry = miner_entry(m64, V3_PASSWORD)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _id(hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(domain, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None, key
    return found


async def _set(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )


def _floor(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[float, dict[str, Any]]:
    state = hass.states.get(_id(hass, entry, "sensor", "power_floor"))
    assert state is not None
    return float(state.state), dict(state.attributes)


def _restarts(miner: SimulatedMiner) -> int:
    miner.reading()  # what came due is carried out when the miner is looked at
    return miner.counters.balance_restarts


async def _learn(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
) -> None:
    """Ask for the model floor: the miner loops until the floor is above what it needs."""
    await _set(hass, _id(hass, entry, "number", "power_target_min"), 10)
    await _set(hass, _id(hass, entry, "number", "power_target_fast"), 2000)
    await let_time_pass(hass, freezer, 1500, [miner])


async def test_floor_starts_at_the_model_and_bounds_every_power_control(
    hass: HomeAssistant, m64: SimulatedMiner, m64_entry: MockConfigEntry
) -> None:
    """Before anything is learned the M64's floor is its model's, 2000 W: the power target
    clamps to it, and the power limit and percentage refuse to go lower. (This one is a
    stock M64: it holds 2000 W.)"""
    m64.profile = PROFILES["m64_hydro"]
    await _set(hass, _id(hass, m64_entry, "number", "power_target_min"), 10)
    floor, attributes = _floor(hass, m64_entry)
    assert floor == 2000
    assert attributes["source"] == "model"
    assert attributes["raises"] == 0
    target = _id(hass, m64_entry, "number", "power_target_fast")
    assert hass.states.get(target).attributes["min"] == 2000
    with pytest.raises(ServiceValidationError):
        await _set(hass, target, 1000)
    limit = _id(hass, m64_entry, "number", "power_limit")
    assert hass.states.get(limit).attributes["min"] == 2000
    with pytest.raises(ServiceValidationError):
        await _set(hass, limit, 1000)
    percent = _id(hass, m64_entry, "number", "power_percent_fast")
    full = hass.states.get(target).attributes["full_power"]
    assert hass.states.get(percent).attributes["min"] == -(-2000 * 100 // full)
    assert m64.counters.commands["set.miner.power_limit"] == 0
    # the manager's miner: bounded by the same floor
    controller = controller_for(m64_entry.runtime_data)
    controller.target_w = None
    await controller.async_set(500)
    assert controller.target_w == 2000
    assert m64.state.power_pct == -(-2000 * 100 // full)  # the percentage at or above 2000 W
    assert _restarts(m64) == 0


async def test_floor_rises_after_a_restart_loop_then_holds(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    m64: SimulatedMiner,
    m64_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A target at the model floor restarts this M64: the floor rises a step above each
    level that failed and the target is written again at it, until the miner holds. What
    the owner sees: the Power floor sensor, learned, and a warning per raise in the log."""
    await _learn(hass, freezer, m64, m64_entry)
    floor, attributes = _floor(hass, m64_entry)
    assert floor >= BOARDS_NEED_W
    assert floor <= BOARDS_NEED_W + 0.05 * 7500 + 100  # one step above what the boards need
    assert attributes["source"] == "learned"
    assert attributes["raises"] == _restarts(m64) >= 2
    assert attributes["restarted_at_power"] < BOARDS_NEED_W
    assert attributes["cause"] in {"restart", *(f"code {c}" for c in range(560, 564))}
    assert "restarted after its power was set to" in caplog.text
    # the loop has ended: the miner mines at the target, which is the floor
    looped = _restarts(m64)
    await let_time_pass(hass, freezer, 600, [m64])
    assert _restarts(m64) == looped
    assert m64.state.mining
    assert abs(m64.state.power_w - floor) < 0.02 * floor
    target = hass.states.get(_id(hass, m64_entry, "number", "power_target_fast"))
    assert float(target.state) == pytest.approx(floor, abs=1)
    assert target.attributes["min"] == pytest.approx(floor, abs=1)


async def test_floor_is_kept_and_the_button_forgets_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    m64: SimulatedMiner,
    m64_entry: MockConfigEntry,
) -> None:
    """The learned floor is saved with the miner's profile and read back at setup; Reset
    power floor goes back to the model's."""
    await _learn(hass, freezer, m64, m64_entry)
    learned, _ = _floor(hass, m64_entry)
    stored = hass_storage[STORAGE_KEY]["data"]["floors"][m64_entry.entry_id]
    assert stored["floor_w"] == pytest.approx(learned, abs=1)
    diagnostics = await async_get_config_entry_diagnostics(hass, m64_entry)
    assert diagnostics["power_floor"] == stored

    assert await hass.config_entries.async_reload(m64_entry.entry_id)
    await hass.async_block_till_done()
    assert _floor(hass, m64_entry)[0] == learned  # read back (a restart reads the same file)

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": _id(hass, m64_entry, "button", "reset_power_floor")},
        blocking=True,
    )
    floor, attributes = _floor(hass, m64_entry)
    assert (floor, attributes["source"], attributes["raises"]) == (2000, "model", 0)
    await let_time_pass(hass, freezer, 30, [m64])
    assert m64_entry.entry_id not in hass_storage[STORAGE_KEY]["data"]["floors"]


async def _press(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": _id(hass, entry, "button", key)}, blocking=True
    )


async def test_a_restart_after_a_write_raises_the_floor_unless_another_write_came(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    m64: SimulatedMiner,
    m64_entry: MockConfigEntry,
) -> None:
    """btminer restarting by itself soon after a level was set is the level's doing; after
    another write in between (here the LED) it is not: nothing is learned from it."""
    m64.profile = PROFILES["m64_hydro"]  # holds any level from 2000 W
    target = _id(hass, m64_entry, "number", "power_target_fast")
    await _set(hass, target, 4000)
    await _press(hass, m64_entry, "led_auto")
    m64.restart_btminer()
    await let_time_pass(hass, freezer, 200, [m64])
    floor, attributes = _floor(hass, m64_entry)
    assert attributes["raises"] == 0
    assert attributes["source"] == "power_target_minimum"  # half of full power

    await let_time_pass(hass, freezer, 400, [m64])  # tuned again
    await _set(hass, target, 4200)
    m64.restart_btminer()
    await let_time_pass(hass, freezer, 60, [m64])
    floor, attributes = _floor(hass, m64_entry)
    assert (attributes["raises"], attributes["cause"]) == (1, "restart")
    assert floor == pytest.approx(4200 + 0.05 * 7512, abs=30)


async def test_power_limit_loop_raises_the_floor_and_the_limit(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    m64: SimulatedMiner,
    m64_entry: MockConfigEntry,
) -> None:
    """A power limit restarts mining by itself, so only the balance codes tell: each raises
    the floor, and the limit is written again at it until the miner holds."""
    await _set(hass, _id(hass, m64_entry, "number", "power_limit"), 2000)
    await let_time_pass(hass, freezer, 1200, [m64])
    floor, attributes = _floor(hass, m64_entry)
    assert attributes["source"] == "learned"
    assert attributes["cause"].startswith("code 56")
    assert floor >= BOARDS_NEED_W
    assert m64.state.power_limit_w == pytest.approx(floor, abs=1)
    looped = _restarts(m64)
    await let_time_pass(hass, freezer, 600, [m64])
    assert _restarts(m64) == looped
    assert m64.state.mining


async def test_manager_runs_the_miner_at_its_learned_floor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    m64: SimulatedMiner,
    m64_entry: MockConfigEntry,
) -> None:
    """The manager never sets the miner below its floor: a budget under it runs the miner
    at the floor or stops it, never at the budget."""
    await _learn(hass, freezer, m64, m64_entry)
    floor, _ = _floor(hass, m64_entry)
    manager_entry = await setup_manager(hass, [m64_entry], **QUICK)
    manager: PowerManager = manager_entry.runtime_data
    assert manager is not None
    looped = _restarts(m64)
    await _set_budget(hass, floor + 300)
    await let_time_pass(hass, freezer, 300, [m64])
    await _set_budget(hass, floor - 400)
    await let_time_pass(hass, freezer, 600, [m64])
    assert _restarts(m64) == looped
    decision = list(manager.decisions)[-1]["miners"][m64_entry.title]
    assert decision["action"] != "run" or decision["target_w"] >= floor - 1  # its own plan
    controller = controller_for(m64_entry.runtime_data)
    assert controller.target_w is None or controller.target_w >= floor - 1
    assert not m64.state.mining or m64.state.power_w >= floor - 0.02 * floor
