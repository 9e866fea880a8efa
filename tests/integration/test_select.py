"""Selects against a simulated miner: power mode, and heat mode on hydro models."""

from __future__ import annotations

from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import CONF_RESTART_INTERVAL, DOMAIN
from simulator import MinerSimulator, SimulatedMiner

from .control_helpers import after_btminer_restart
from .helpers import entity_id


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """No coalescing here (tested in test_coalesce.py)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data=mock_config_entry.data,
        options={CONF_RESTART_INTERVAL: 0},
    )


async def _select(hass: HomeAssistant, target: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: target, ATTR_OPTION: option},
        blocking=True,
    )


async def test_power_mode(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """The power mode is the miner's; selecting one changes it."""
    select = entity_id(hass, init_integration, SELECT_DOMAIN, "power_mode")
    state = hass.states.get(select)
    assert state is not None
    assert state.state == "normal"
    assert state.attributes[ATTR_OPTIONS] == ["low", "normal", "high"]
    assert state.attributes["reported_by_miner"] is True
    for mode in ("low", "high", "normal"):
        await _select(hass, select, mode)
        assert miner.state.power_mode == mode
        await after_btminer_restart(simulator, init_integration)
        assert hass.states.get(select).state == mode  # type: ignore[union-attr]
    assert miner.counters.commands["set_low_power"] == 1


async def test_no_heat_mode_on_air_cooled(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Air-cooled miners have no heat mode."""
    unique_id = f"{init_integration.unique_id}_heat_mode"
    assert er.async_get(hass).async_get_entity_id(SELECT_DOMAIN, DOMAIN, unique_id) is None


@pytest.mark.parametrize("profile", ["m56s_hydro"])
async def test_heat_mode_on_hydro(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Hydro miners have a heat mode; the API does not report it, so the last set is shown."""
    select = entity_id(hass, init_integration, SELECT_DOMAIN, "heat_mode")
    await _select(hass, select, "anti-freezing")
    assert miner.state.heat_mode == "anti-icing"
    state = hass.states.get(select)
    assert state is not None
    assert state.state == "anti-freezing"
    assert state.attributes["reported_by_miner"] is False
