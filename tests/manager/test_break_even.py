"""The power manager with a hashprice: each miner runs only below its break-even price."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
from custom_components.whatsminer.manager.core import PowerManager
from custom_components.whatsminer.manager.profit import break_even_price
from simulator import SimulatedMiner

from .conftest import let_time_pass, setup_manager
from .test_manager import PRICE, QUICK, _actions, _set_budget

HASHPRICE = "sensor.hashprice"
PROFIT = "sensor.power_manager_estimated_profit_per_day"
PER_TH_DAY = {"unit_of_measurement": "USD/TH/day"}
PER_KWH = {"unit_of_measurement": "USD/kWh"}


def _history(manager: PowerManager, name: str) -> list[tuple[str, str]]:
    """A miner's actions and reasons over the decisions kept."""
    return [
        (m["action"], m["reason"])
        for d in manager.decisions
        if (m := d.get("miners", {}).get(name)) is not None
    ]


def _break_even(hass: HomeAssistant, name: str) -> float:
    return float(hass.states.get(f"sensor.power_manager_{name}_break_even_price").state)


async def _all_running(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
    **options: object,
) -> PowerManager:
    """A manager over the three miners with hashprice and price, all at full power."""
    entry = await setup_manager(
        hass,
        miner_entries,
        **QUICK,
        price_sensor=PRICE,
        hashprice_entity=HASHPRICE,
        max_restarts_per_hour=60,
        **options,
    )
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 30, miners)
    assert all(m.state.mining for m in miners)
    manager: PowerManager = entry.runtime_data
    return manager


async def test_break_even_sensors_follow_the_formula(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Each miner's break-even price is the hashprice over the energy of one TH/s a day at
    its measured J/TH, in the sensors' currency: the least efficient has the lowest."""
    hass.states.async_set(HASHPRICE, "0.05", PER_TH_DAY)
    hass.states.async_set(PRICE, "0.01", PER_KWH)
    manager = await _all_running(hass, freezer, miners, miner_entries)
    prices = {}
    for entry in miner_entries:
        name = entry.title
        j_th = next(r.efficiency_j_th for r in manager.records.values() if r.name == name)
        assert j_th is not None
        prices[name] = _break_even(hass, name)
        assert prices[name] == pytest.approx(break_even_price(0.05, j_th), 1e-4)
        state = hass.states.get(f"sensor.power_manager_{name}_break_even_price")
        assert state.attributes["unit_of_measurement"] == "USD/kWh"
    assert prices["m20s_legacy"] < prices["m30s_plus"] < prices["m56s_hydro"]
    summary = miner_entries[2].runtime_data.data.summary  # what the miner reports
    measured = summary.power_w / summary.hashrate_ths
    assert prices["m56s_hydro"] == pytest.approx(0.05 / (measured * 24 / 1000), rel=0.02)
    attributes = hass.states.get("sensor.power_manager_m56s_hydro_break_even_price").attributes
    assert attributes["runs_below"] == pytest.approx(prices["m56s_hydro"], 1e-4)
    assert attributes["problem"] is None


async def test_price_above_break_even_stops_the_least_efficient_first(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """At 0.05 per TH/s and day the miners break even at about 0.042 (49 J/TH), 0.061 and
    0.079 (26 J/TH) per kWh. As the price rises past each, that miner stops, the least
    efficient first, and its budget goes to the others; as it falls, they start again."""
    legacy, plus, hydro = miners
    hass.states.async_set(HASHPRICE, "0.05", PER_TH_DAY)
    hass.states.async_set(PRICE, "0.03", PER_KWH)
    manager = await _all_running(hass, freezer, miners, miner_entries)
    hass.states.async_set(PRICE, "0.05", PER_KWH)
    await let_time_pass(hass, freezer, 10, miners)
    assert not legacy.state.mining and plus.state.mining and hydro.state.mining
    assert ("stop", "above_break_even") in _history(manager, "m20s_legacy")
    await let_time_pass(hass, freezer, 30, miners)
    assert _actions(manager)["m20s_legacy"] == ("idle", "above_break_even")
    assert plus.state.power_pct == hydro.state.power_pct == 100
    hass.states.async_set(PRICE, "0.07", PER_KWH)
    await let_time_pass(hass, freezer, 10, miners)
    assert not legacy.state.mining and not plus.state.mining and hydro.state.mining
    hass.states.async_set(PRICE, "0.03", PER_KWH)
    await let_time_pass(hass, freezer, 40, miners)
    assert legacy.state.mining and plus.state.mining and hydro.state.mining


async def test_margin_stops_a_miner_short_of_its_break_even(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """With a 10 % margin the most efficient miner (break-even 0.079) stops at 0.075."""
    hass.states.async_set(HASHPRICE, "50", {"unit_of_measurement": "USD/PH/day"})
    hass.states.async_set(PRICE, "3", {"unit_of_measurement": "USD/MWh"})
    manager = await _all_running(hass, freezer, miners, miner_entries[2:], break_even_margin=10)
    assert _break_even(hass, "m56s_hydro") == pytest.approx(0.0794, abs=5e-4)  # PH, MWh
    hass.states.async_set(PRICE, "75", {"unit_of_measurement": "USD/MWh"})
    await let_time_pass(hass, freezer, 10, miners)
    assert ("stop", "above_break_even") in _history(manager, "m56s_hydro")
    assert not miners[2].state.mining


async def test_profit_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """What the miners mining now earn a day at the hashprice, less what their power costs at
    the price: the least efficient stopped no longer counts."""
    hass.states.async_set(HASHPRICE, "0.05", PER_TH_DAY)
    hass.states.async_set(PRICE, "0.03", PER_KWH)
    await _all_running(hass, freezer, miners, miner_entries)
    hass.states.async_set(PRICE, "0.05", PER_KWH)
    await let_time_pass(hass, freezer, 20, miners)
    running = [e.runtime_data.data.summary for e in miner_entries[1:]]
    assert not miner_entries[0].runtime_data.data.mining
    revenue = sum(0.05 * s.hashrate_ths for s in running)
    cost = sum(0.05 * s.power_w * 24 / 1000 for s in running)
    state = hass.states.get(PROFIT)
    assert float(state.state) == pytest.approx(revenue - cost, abs=1e-3)
    assert state.attributes["unit_of_measurement"] == "USD/d"
    assert state.attributes["revenue_per_day"] == pytest.approx(revenue)
    assert state.attributes["cost_per_day"] == pytest.approx(cost)
    assert float(state.state) > 0  # the two that run pay


async def test_unusable_hashprice_behaves_as_without(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """An unavailable hashprice, text, an unknown unit or another currency than the price's:
    the miners run as without a hashprice, a repair issue and the sensors say why; a good
    hashprice again takes over."""
    legacy = miners[0]
    hass.states.async_set(PRICE, "0.07", PER_KWH)
    hass.states.async_set(HASHPRICE, "unavailable", PER_TH_DAY)
    manager = await _all_running(hass, freezer, miners, miner_entries)
    issue_id = f"manager_bad_hashprice_{manager.entry.entry_id}_hashprice"
    issues = ir.async_get(hass)
    for state, unit, problem in (
        ("unavailable", "USD/TH/day", "unavailable"),
        ("lots", "USD/TH/day", "not_numeric"),
        ("nan", "USD/TH/day", "not_numeric"),
        ("0.05", "USD/TH/hour", "hashprice_unit"),
        ("0.05", "EUR/TH/day", "currency_mismatch"),
    ):
        hass.states.async_set(HASHPRICE, state, {"unit_of_measurement": unit})
        await let_time_pass(hass, freezer, 10, miners)
        assert all(action == "run" for action, _ in _actions(manager).values())
        assert manager.problems == {"hashprice": problem}
        assert f"hashprice: {problem}" in manager.decisions[-1]["notes"]
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None and issue.translation_key == "manager_bad_hashprice"
        assert hass.states.get(PROFIT).state == "unknown"
        assert hass.states.get(PROFIT).attributes["problem"] == problem
        assert hass.states.get("sensor.power_manager_m56s_hydro_break_even_price").state == (
            "unknown"
        )
    hass.states.async_set(HASHPRICE, "0.05", PER_TH_DAY)
    await let_time_pass(hass, freezer, 10, miners)
    assert not legacy.state.mining
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert manager.diagnostics()["market"]["hashprice_per_th_day"] == 0.05


async def test_hashprice_without_price_only_shows_break_even(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Without a price sensor the break-even prices show, nothing stops for them, and the
    profit is unknown. Taking the hashprice out removes its sensors."""
    hass.states.async_set(HASHPRICE, "0.0001", PER_TH_DAY)  # would stop every miner
    entry = await setup_manager(hass, miner_entries[2:], **QUICK, hashprice_entity=HASHPRICE)
    options = {**entry.options, "miners": [*entry.options["miners"], "gone"]}
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.config_entries.async_reload(entry.entry_id)
    await _set_budget(hass, 20_000)
    await let_time_pass(hass, freezer, 30, miners)
    assert miners[2].state.mining
    assert _break_even(hass, "m56s_hydro") > 0
    assert hass.states.get(PROFIT).state == "unknown"
    assert len(_break_even_sensors(hass)) == 1  # none for a device that is gone
    options = {k: v for k, v in entry.options.items() if k != "hashprice_entity"}
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    assert registry.async_get(PROFIT) is None
    assert registry.async_get("sensor.power_manager_m56s_hydro_break_even_price") is None
    assert _break_even_sensors(hass) == []


def _break_even_sensors(hass: HomeAssistant) -> list[str]:
    return [e for e in hass.states.async_entity_ids("sensor") if e.endswith("break_even_price")]
