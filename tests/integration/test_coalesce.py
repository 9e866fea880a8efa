"""Coalescing of restart-causing writes, driven by a controlled clock."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.api.errors import WhatsMinerValidationError
from simulator import MinerSimulator, SimulatedMiner

from .control_helpers import after_btminer_restart
from .helpers import entity_id


async def _set_limit(hass: HomeAssistant, entry: MockConfigEntry, watts: int) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id(hass, entry, NUMBER_DOMAIN, "power_limit"), ATTR_VALUE: watts},
        blocking=True,
    )


async def _set_mode(hass: HomeAssistant, entry: MockConfigEntry, mode: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id(hass, entry, SELECT_DOMAIN, "power_mode"), ATTR_OPTION: mode},
        blocking=True,
    )


async def _let_interval_pass(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_latest_value_wins_at_most_one_restart_per_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """A dragged slider: the first value goes at once, the last one after the interval."""
    limit = entity_id(hass, init_integration, NUMBER_DOMAIN, "power_limit")
    await _set_limit(hass, init_integration, 3000)
    assert miner.counters.commands["adjust_power_limit"] == 1
    await after_btminer_restart(simulator, init_integration)

    for watts in (2900, 2800, 2600):
        await _set_limit(hass, init_integration, watts)
    assert miner.counters.commands["adjust_power_limit"] == 1
    assert miner.state.power_limit_w == 3000
    state = hass.states.get(limit)
    assert state is not None
    assert float(state.state) == 2600  # the pending value is shown
    assert state.attributes["pending_value"] == 2600

    await _let_interval_pass(hass, freezer)
    assert miner.counters.commands["adjust_power_limit"] == 2
    assert miner.state.power_limit_w == 2600
    await after_btminer_restart(simulator, init_integration)
    state = hass.states.get(limit)
    assert state is not None
    assert float(state.state) == 2600
    assert "pending_value" not in state.attributes


async def test_different_settings_share_the_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """Power mode and power limit both restart mining: they wait for the same slot."""
    await _set_mode(hass, init_integration, "low")
    await after_btminer_restart(simulator, init_integration)
    await _set_limit(hass, init_integration, 2500)
    await _set_mode(hass, init_integration, "high")
    assert miner.state.power_mode == "low"
    assert miner.counters.commands["adjust_power_limit"] == 0
    mode = entity_id(hass, init_integration, SELECT_DOMAIN, "power_mode")
    assert hass.states.get(mode).state == "high"  # type: ignore[union-attr]

    await _let_interval_pass(hass, freezer)
    assert miner.state.power_mode == "high"
    assert miner.state.power_limit_w == 2500


async def test_write_after_quiet_interval_goes_at_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """Once the interval has passed without writes, the next write is not delayed."""
    await _set_limit(hass, init_integration, 3000)
    freezer.tick(timedelta(seconds=61))
    await after_btminer_restart(simulator, init_integration)
    await _set_limit(hass, init_integration, 2000)
    assert miner.counters.commands["adjust_power_limit"] == 2
    assert miner.state.power_limit_w == 2000


async def test_refused_write_does_not_start_the_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """A write the client refuses before sending restarts nothing, so the next one goes at once."""
    miner_api = init_integration.runtime_data.miner
    refused = WhatsMinerValidationError("watts out of range", field="watts")
    with (
        patch.object(miner_api, "set_power_limit", side_effect=refused),
        pytest.raises(ServiceValidationError),
    ):
        await _set_limit(hass, init_integration, 3000)
    await _set_limit(hass, init_integration, 2000)
    assert miner.counters.commands["adjust_power_limit"] == 1
    assert miner.state.power_limit_w == 2000


async def test_failed_delayed_write_is_logged(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A delayed write that fails is logged, not retried, and the miner's value comes back."""
    await _set_limit(hass, init_integration, 3000)
    await after_btminer_restart(simulator, init_integration)
    await _set_limit(hass, init_integration, 2000)
    miner.state.api_enabled = False
    await _let_interval_pass(hass, freezer)
    assert "Delayed write of power_limit=2000" in caplog.text
    assert "WhatsMinerTool" in caplog.text
    assert miner.state.power_limit_w == 3000
    limit = entity_id(hass, init_integration, NUMBER_DOMAIN, "power_limit")
    assert float(hass.states.get(limit).state) == 3000  # type: ignore[union-attr]


async def test_unload_drops_pending_writes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloading cancels the timer; a pending write is dropped and says so."""
    await _set_limit(hass, init_integration, 3000)
    await after_btminer_restart(simulator, init_integration)
    await _set_limit(hass, init_integration, 2000)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert "Dropping writes not yet sent" in caplog.text
    await _let_interval_pass(hass, freezer)
    assert miner.counters.commands["adjust_power_limit"] == 1
