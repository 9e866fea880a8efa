"""The energy sensor integrates the reported power, across restarts and outages."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from simulator import SimulatedMiner

from .helpers import entity_id, next_poll, state_of

POLL_H = 30 / 3600
# Polls are not exactly 30 s apart (the loop's own time passes too), hence rel=1e-2 below.


@pytest.fixture(autouse=True)
def exact_readings(miner: SimulatedMiner) -> None:
    """No noise on the simulated readings, so the energy can be computed."""
    miner.state.noise = False


def _energy(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    return float(state_of(hass, entry, "sensor", "energy").state)


async def test_energy_accumulates(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Four polls at constant power add power x time."""
    state = state_of(hass, init_integration, "sensor", "energy")
    assert state.attributes["unit_of_measurement"] == "kWh"
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["device_class"] == "energy"
    assert float(state.state) == 0
    for _ in range(4):
        await next_poll(hass, freezer)
    kw = miner.state.power_w / 1000
    assert _energy(hass, init_integration) == pytest.approx(kw * 4 * POLL_H, rel=1e-2)


async def test_outage_adds_nothing_and_no_spike(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nothing is counted while the miner is unreachable, nor for the gap after it."""
    kw = miner.state.power_w / 1000
    await next_poll(hass, freezer)
    before = _energy(hass, init_integration)
    assert before == pytest.approx(kw * POLL_H, rel=1e-2)

    coordinator = init_integration.runtime_data
    miner.faults.offline = True
    for _ in range(5):
        await next_poll(hass, freezer, coordinator.update_interval)  # backs off
    miner.faults.offline = False
    await next_poll(hass, freezer, coordinator.update_interval)
    assert _energy(hass, init_integration) == pytest.approx(before)

    await next_poll(hass, freezer)
    assert _energy(hass, init_integration) == pytest.approx(before + kw * POLL_H, rel=1e-2)

    # A long stall between two good polls (Home Assistant busy or suspended) is not counted.
    await next_poll(hass, freezer, timedelta(minutes=20))
    assert _energy(hass, init_integration) == pytest.approx(before + kw * POLL_H, rel=1e-2)


async def test_energy_survives_reload(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reloading the entry keeps the total."""
    await next_poll(hass, freezer)
    before = _energy(hass, init_integration)
    assert before > 0
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _energy(hass, init_integration) == pytest.approx(before)


async def test_energy_restored_after_restart(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a restart the total continues from the stored value."""
    mock_config_entry.add_to_hass(hass)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.whatsminer_energy", "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert entity_id(hass, mock_config_entry, "sensor", "energy") == "sensor.whatsminer_energy"
    assert _energy(hass, mock_config_entry) == pytest.approx(12.5)
    await next_poll(hass, freezer)
    kw = miner.state.power_w / 1000
    assert _energy(hass, mock_config_entry) == pytest.approx(12.5 + kw * POLL_H, rel=1e-2)
