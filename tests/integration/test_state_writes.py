"""Each poll rewrites only what changed, except power, which is rewritten at every poll (a
Riemann sum of it needs every poll's sample, also while the value holds)."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import SimulatedMiner

from .helpers import next_poll, state_of


async def test_unchanged_states_are_not_rewritten(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await next_poll(hass, freezer)  # the first poll after setup writes everything once more
    fast_boot = state_of(hass, init_integration, "switch", "fast_boot")
    assert fast_boot.state == STATE_OFF
    # (the state machine updates an unchanged state in place: keep the times, not the state)
    switch_reported = fast_boot.last_reported
    power_reported = state_of(hass, init_integration, "sensor", "power").last_reported
    ambient = state_of(hass, init_integration, "sensor", "environment_temperature")
    ambient_value, ambient_reported = ambient.state, ambient.last_reported

    await next_poll(hass, freezer)
    again = state_of(hass, init_integration, "switch", "fast_boot")
    assert again.last_reported == switch_reported  # not written: nothing changed
    assert state_of(hass, init_integration, "sensor", "power").last_reported > power_reported
    # a measurement that holds is not rewritten either
    same_ambient = state_of(hass, init_integration, "sensor", "environment_temperature")
    assert same_ambient.state == ambient_value
    assert same_ambient.last_reported == ambient_reported

    miner.state.fast_boot = True  # changed on the miner: the next poll shows it
    await next_poll(hass, freezer)
    changed = state_of(hass, init_integration, "switch", "fast_boot")
    assert changed.state == STATE_ON
    assert changed.last_updated > switch_reported

    miner.faults.offline = True  # availability is part of what is shown
    await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "switch", "fast_boot").state == STATE_UNAVAILABLE
    miner.faults.offline = False
    await next_poll(hass, freezer, init_integration.runtime_data.update_interval)
    assert state_of(hass, init_integration, "switch", "fast_boot").state == STATE_ON


async def test_power_is_rewritten_while_it_holds(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A stopped miner draws the same few watts poll after poll: each poll still reports the
    sample, so a Riemann sum of the power does not stretch the next change over the stop."""
    miner.state.mining = False
    await next_poll(hass, freezer)
    stopped = state_of(hass, init_integration, "sensor", "power")
    assert float(stopped.state) < 100  # the control board only
    changed, reported = stopped.last_changed, stopped.last_reported  # (updated in place)
    await next_poll(hass, freezer)
    again = state_of(hass, init_integration, "sensor", "power")
    assert again.state == stopped.state
    assert again.last_changed == changed
    assert again.last_reported > reported
