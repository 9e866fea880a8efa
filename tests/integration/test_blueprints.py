"""The automation blueprints load through Home Assistant's blueprint machinery and their
automations act on simulated miners."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint.models import DomainBlueprints
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.const import DOMAIN
from simulator import MinerSimulator, SimulatedMiner

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"
SOLAR = "whatsminer/solar_surplus.yaml"
TARIFF = "whatsminer/tariff_power_levels.yaml"
SURPLUS = "sensor.grid_surplus"


@pytest.fixture(autouse=True)
def repository_blueprints() -> Iterator[None]:
    """Home Assistant reads blueprints from this repository's blueprints/ folder."""
    with patch.object(
        DomainBlueprints, "blueprint_folder", property(lambda self: BLUEPRINTS / self.domain)
    ):
        yield


@pytest.fixture
async def miners(socket_enabled: None) -> AsyncIterator[list[SimulatedMiner]]:
    """Two simulated miners."""
    async with MinerSimulator(count=2, host="127.0.0.1", base_port=0, seed=11) as sim:
        for miner in sim.miners:
            miner.state.noise = False
        yield sim.miners


@pytest.fixture
async def entries(hass: HomeAssistant, miners: list[SimulatedMiner]) -> list[MockConfigEntry]:
    """Both miners set up in Home Assistant."""
    result = []
    for miner in miners:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"WhatsMiner {miner.port}",
            unique_id=format_mac(miner.state.mac),
            data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        result.append(entry)
    await hass.async_block_till_done()
    return result


def _entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None
    return found


async def _automation(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    config = {
        "automation": {"id": "from_blueprint", "use_blueprint": {"path": path, "input": inputs}}
    }
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    state = hass.states.get("automation.from_blueprint") or next(
        iter(hass.states.async_all("automation"))
    )
    assert state.state == "on", state.attributes


async def _wait(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Let time pass second by second, so `for:` timers, delays and polls all run.

    A running automation waits in its `delay` for time that only this function moves, so
    async_block_till_done would wait forever. Instead the loop gets some turns after each
    second: a command in flight finishes long before its connection timeout (10 s).
    """
    for _ in range(int(delta.total_seconds())):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        for _ in range(30):
            await asyncio.sleep(0)


def _surplus(hass: HomeAssistant, watts: float) -> None:
    hass.states.async_set(
        SURPLUS, str(watts), {"unit_of_measurement": "W", "device_class": "power"}
    )


@pytest.mark.parametrize("path", [SOLAR, TARIFF])
async def test_blueprint_loads(hass: HomeAssistant, path: str) -> None:
    """Each blueprint is valid for Home Assistant and describes every input."""
    assert await async_setup_component(hass, "automation", {})
    blueprint = await async_get_blueprints(hass).async_get_blueprint(path)
    assert blueprint.domain == "automation"
    assert blueprint.name.startswith("WhatsMiner")
    assert blueprint.inputs
    for key, spec in blueprint.inputs.items():
        assert spec.get("name"), f"input {key} has no name"
        assert "selector" in spec, f"input {key} has no selector"


async def test_every_blueprint_is_tested() -> None:
    """A new blueprint file gets a test here too."""
    found = {str(p.relative_to(BLUEPRINTS / "automation")) for p in BLUEPRINTS.rglob("*.yaml")}
    assert found == {SOLAR, TARIFF}


async def test_solar_surplus_starts_and_stops_miners_with_hysteresis(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    entries: list[MockConfigEntry],
) -> None:
    """Miners stop one by one (last first) on a deficit and start one by one on surplus;
    a surplus between the thresholds changes nothing."""
    first, second = miners
    switches = [_entity(hass, entry, "switch", "mining") for entry in entries]
    _surplus(hass, 1000)
    await _automation(
        hass,
        SOLAR,
        {
            "surplus_sensor": SURPLUS,
            "miners": switches,
            "start_above": 3500,
            "stop_below": 0,
            "start_delay": {"minutes": 5},
            "stop_delay": {"minutes": 2},
        },
    )
    assert first.state.mining and second.state.mining

    # Importing from the grid: after 2 minutes the last miner stops, 2 minutes later the first.
    _surplus(hass, -800)
    await _wait(hass, freezer, timedelta(minutes=1))
    assert first.state.mining and second.state.mining
    await _wait(hass, freezer, timedelta(minutes=1, seconds=30))
    assert first.state.mining
    assert not second.state.mining
    await _wait(hass, freezer, timedelta(minutes=2))
    assert not first.state.mining
    assert not second.state.mining
    assert hass.states.get(switches[0]).state == "off"

    # Surplus: the first miner starts after 5 minutes ...
    _surplus(hass, 4000)
    await _wait(hass, freezer, timedelta(minutes=5, seconds=30))
    assert first.state.mining
    assert not second.state.mining
    # ... and draws 3.4 kW, so the surplus falls between the thresholds: nothing changes.
    _surplus(hass, 600)
    await _wait(hass, freezer, timedelta(minutes=15))
    assert first.state.mining
    assert not second.state.mining
    # More sun: the second miner starts too.
    _surplus(hass, 4200)
    await _wait(hass, freezer, timedelta(minutes=5, seconds=30))
    assert first.state.mining
    assert second.state.mining


async def test_tariff_sets_power_mode_and_percent(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    entries: list[MockConfigEntry],
) -> None:
    """Each tariff level sets its power mode and power percentage on every miner."""
    assert await async_setup_component(
        hass,
        "input_select",
        {"input_select": {"tariff": {"options": ["low", "normal", "high"], "initial": "normal"}}},
    )
    await _automation(
        hass,
        TARIFF,
        {
            "tariff_entity": "input_select.tariff",
            "power_mode_selects": [_entity(hass, e, "select", "power_mode") for e in entries],
            "power_percent_numbers": [
                _entity(hass, e, "number", "power_percent_fast") for e in entries
            ],
            "percent_cheap": 100,
            "percent_normal": 80,
            "percent_expensive": 40,
        },
    )

    async def tariff(level: str) -> None:
        await hass.services.async_call(
            "input_select",
            "select_option",
            {"entity_id": "input_select.tariff", "option": level},
            blocking=True,
        )
        await hass.async_block_till_done()
        # Power mode changes restart mining; the integration spaces them 60 s apart.
        await _wait(hass, freezer, timedelta(seconds=90))

    await tariff("high")
    assert [m.state.power_mode for m in miners] == ["low", "low"]
    assert [m.state.power_pct for m in miners] == [40, 40]
    await tariff("low")
    assert [m.state.power_mode for m in miners] == ["high", "high"]
    assert [m.state.power_pct for m in miners] == [100, 100]
    await tariff("normal")
    assert [m.state.power_mode for m in miners] == ["normal", "normal"]
    assert [m.state.power_pct for m in miners] == [80, 80]


async def test_tariff_stops_mining_while_expensive(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    entries: list[MockConfigEntry],
) -> None:
    """With mining switches, the expensive tariff stops the miners and the next starts them."""
    assert await async_setup_component(
        hass,
        "input_select",
        {"input_select": {"tariff": {"options": ["low", "normal", "high"], "initial": "normal"}}},
    )
    await _automation(
        hass,
        TARIFF,
        {
            "tariff_entity": "input_select.tariff",
            "mining_switches": [_entity(hass, e, "switch", "mining") for e in entries],
        },
    )
    for level, mining in (("high", False), ("low", True)):
        await hass.services.async_call(
            "input_select",
            "select_option",
            {"entity_id": "input_select.tariff", "option": level},
            blocking=True,
        )
        await _wait(hass, freezer, timedelta(seconds=30))
        assert [m.state.mining for m in miners] == [mining, mining]
