"""The manager's start history survives Home Assistant restarts."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_POWER_MANAGER
from custom_components.whatsminer.manager.const import CONF_MINERS
from custom_components.whatsminer.manager.core import PowerManager
from simulator import SimulatedMiner

from .conftest import device_id, let_time_pass, setup_manager
from .test_manager import QUICK, _actions, _set_budget

LIMITS = {**QUICK, "max_starts_per_day": 2, "max_restarts_per_hour": 60}
HOUR = 3600.0


async def _cycle(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miners: list[SimulatedMiner]
) -> None:
    """The budget comes (a start) and goes (a stop)."""
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    await _set_budget(hass, 0)
    await let_time_pass(hass, freezer, 20, miners)


async def test_starts_per_day_count_across_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Two starts, a restart of the manager: with two starts a day the miner does not start
    again, and its stored history holds both starts. Removing the manager deletes it."""
    hydro = miners[2]
    entry = await setup_manager(hass, miner_entries[2:], **LIMITS)
    for _ in range(2):
        await _cycle(hass, freezer, miners)
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.manager.{entry.entry_id}"]
    assert stored["version"] == 1
    (history,) = stored["data"]["miners"].values()
    assert len(history["start_times"]) == 2 and history["efficiency_j_th"] > 0
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    manager: PowerManager = entry.runtime_data
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    assert not hydro.state.mining
    assert _actions(manager)["m56s_hydro"] == ("idle", "daily_start_limit")
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.manager.{entry.entry_id}" not in hass_storage


async def test_a_new_home_assistant_reads_the_stored_history(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """What an earlier Home Assistant stored: a start 25 hours ago no longer counts, one ten
    minutes ago does (so one more start uses up the two a day); the last start and the
    writes of the last hour are known again. A miner no longer managed is forgotten."""
    now = dt_util.utcnow().timestamp()
    hydro_device = device_id(hass, miner_entries[2])
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Power manager",
        data={CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER},
        options={CONF_MINERS: [hydro_device], **LIMITS},
    )
    key = f"{DOMAIN}.manager.{entry.entry_id}"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "miners": {
                hydro_device: {
                    "last_start": now - 600,
                    "last_stop": now - 2 * HOUR,
                    "start_times": [now - 25 * HOUR, now - 600],
                    "restart_writes": [now - 2 * HOUR, now - 600],
                    "efficiency_j_th": 27.0,
                },
                "gone": {"start_times": [now - 60]},  # no longer managed
            }
        },
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    manager: PowerManager = entry.runtime_data
    record = manager.records[hydro_device]
    assert record.last_start == now - 600 and record.start_times == [now - 600]
    assert record.restart_writes == [now - 600, now]  # and the stop at budget 0 now
    await _cycle(hass, freezer, miners)  # the second start of the day
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    assert not miners[2].state.mining
    assert _actions(manager)["m56s_hydro"] == ("idle", "daily_start_limit")
    await hass.config_entries.async_unload(entry.entry_id)
    assert list(hass_storage[key]["data"]["miners"]) == [hydro_device]


async def test_efficiency_of_a_stopped_miner_survives(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A miner stopped before the restart keeps its measured efficiency, hence its
    break-even price, though it does not mine."""
    hass.states.async_set("sensor.hashprice", "0.05", {"unit_of_measurement": "EUR/TH/day"})
    entry = await setup_manager(
        hass, miner_entries[2:], **LIMITS, hashprice_entity="sensor.hashprice"
    )
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 20, miners)
    await _set_budget(hass, 0)
    await let_time_pass(hass, freezer, 20, miners)
    assert not miners[2].state.mining
    sensor = "sensor.power_manager_m56s_hydro_break_even_price"
    before = hass.states.get(sensor).state
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == before != "unknown"
