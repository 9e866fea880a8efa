"""Binary sensors: mining, problem, pool connected."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import SimulatedMiner

from .helpers import next_poll, state_of


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_mining_and_pool(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A mining miner is running and connected to its pool; a stopped one is not running."""
    mining = state_of(hass, init_integration, "binary_sensor", "mining")
    assert mining.state == "on"
    assert mining.attributes["device_class"] == "running"
    pool = state_of(hass, init_integration, "binary_sensor", "pool_connected")
    assert pool.state == "on"
    assert pool.attributes["device_class"] == "connectivity"

    miner.state.mining = False
    await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "binary_sensor", "mining").state == "off"

    miner.state.pools = []
    await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "binary_sensor", "pool_connected").state == "off"
