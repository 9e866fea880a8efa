"""Each poll rewrites only what changed, except measurements, which are rewritten every poll
(statistics and helpers such as the Riemann sum count on their `last_reported`)."""

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

    await next_poll(hass, freezer)
    again = state_of(hass, init_integration, "switch", "fast_boot")
    assert again.last_reported == switch_reported  # not written: nothing changed
    assert state_of(hass, init_integration, "sensor", "power").last_reported > power_reported

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
