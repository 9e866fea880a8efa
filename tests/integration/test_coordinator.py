"""Availability follows the miner, logged once when lost and once when back."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, EVENT_HOMEASSISTANT_STARTED, STATE_UNAVAILABLE
from homeassistant.core import CoreState, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.api.models import MinerSnapshot
from custom_components.whatsminer.const import CONF_API, DEFAULT_SCAN_INTERVAL, DOMAIN
from custom_components.whatsminer.coordinator import WhatsMinerCoordinator
from simulator import SimulatedMiner

from .helpers import next_poll, state_of


async def test_unavailable_while_unreachable(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Entities go unavailable when the miner stops answering, and come back with it."""
    assert state_of(hass, init_integration, "sensor", "power").state != STATE_UNAVAILABLE

    coordinator = init_integration.runtime_data
    miner.faults.offline = True
    caplog.clear()
    for _ in range(3):
        await next_poll(hass, freezer, coordinator.update_interval)
        assert state_of(hass, init_integration, "sensor", "power").state == STATE_UNAVAILABLE
        assert state_of(hass, init_integration, "switch", "mining").state == (STATE_UNAVAILABLE)
    lost = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(lost) == 1
    assert miner.host in lost[0].getMessage()

    miner.faults.offline = False
    caplog.clear()
    await next_poll(hass, freezer, coordinator.update_interval)
    await next_poll(hass, freezer, coordinator.update_interval)
    assert state_of(hass, init_integration, "sensor", "power").state != STATE_UNAVAILABLE
    back = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(back) == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_backoff_while_unreachable(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each poll without an answer doubles the interval, up to ten minutes; one answer
    brings the configured interval back. Nothing is polled in between."""
    coordinator = init_integration.runtime_data
    assert coordinator.update_interval == DEFAULT_SCAN_INTERVAL
    polls = 0
    poll = coordinator.miner.poll

    async def counted() -> MinerSnapshot:
        nonlocal polls
        polls += 1
        return await poll()

    coordinator.miner.poll = counted  # type: ignore[method-assign]
    miner.faults.offline = True
    await next_poll(hass, freezer)
    assert polls == 1
    seen = [int(coordinator.update_interval.total_seconds())]
    for attempt in range(1, 7):
        # Half way through the longer interval nothing happens ...
        await next_poll(hass, freezer, coordinator.update_interval / 2)
        assert polls == attempt
        # ... then one poll fails, and the next waits longer still.
        await next_poll(hass, freezer, coordinator.update_interval / 2 + timedelta(seconds=1))
        assert polls == attempt + 1
        seen.append(int(coordinator.update_interval.total_seconds()))
    assert seen == [60, 120, 240, 480, 600, 600, 600]

    miner.faults.offline = False
    await next_poll(hass, freezer, coordinator.update_interval)
    assert coordinator.last_update_success
    assert coordinator.update_interval == DEFAULT_SCAN_INTERVAL


async def test_different_miner_appears(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """When another miner takes over the address, its data is not shown as this miner's."""
    miner.state.mac = "AA:BB:CC:DD:EE:FF"
    init_integration.runtime_data.miner.invalidate_cache()
    await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "sensor", "power").state == STATE_UNAVAILABLE
    assert init_integration.runtime_data.last_exception is not None
    assert init_integration.runtime_data.last_exception.translation_key == "wrong_miner"


async def test_mining_process_down_stays_available(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While btminer is down the miner is shown as not mining, not as unavailable."""
    miner.faults.btminer_down = True
    await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "sensor", "hashrate").state == "0.0"
    assert state_of(hass, init_integration, "switch", "mining").state == "off"
    assert state_of(hass, init_integration, "sensor", "temperature").state == "unknown"

    miner.faults.btminer_down = False
    await next_poll(hass, freezer)
    assert float(state_of(hass, init_integration, "sensor", "hashrate").state) > 0
    assert state_of(hass, init_integration, "switch", "mining").state == "on"


async def test_setup_while_mining_process_down(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner set up while btminer is down gets its full set of entities once it is up."""
    miner.faults.btminer_down = True
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, mock_config_entry, "switch", "mining").state == "off"
    assert hass.states.get("sensor.whatsminer_temperature") is None

    miner.faults.btminer_down = False
    await next_poll(hass, freezer)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(state_of(hass, mock_config_entry, "sensor", "temperature").state) > 0
    assert state_of(hass, mock_config_entry, "switch", "mining").state == "on"


async def test_interval_polls_wait_until_home_assistant_has_started(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set up while Home Assistant starts: the first poll runs at once, the interval polls
    only once it has started (a starting barn keeps the event loop busy)."""
    hass.set_state(CoreState.starting)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = mock_config_entry.runtime_data
    first = coordinator.data
    assert first is not None
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert coordinator.data is first  # not polled while starting

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    # then from the miner's own point of the interval (not at once), every interval
    phase = timedelta(seconds=coordinator.phase_s)
    assert timedelta(0) <= phase < DEFAULT_SCAN_INTERVAL
    assert coordinator._unsub_refresh is None  # no interval poll yet: waits for its phase
    await next_poll(hass, freezer, phase + timedelta(seconds=0.1))  # takes up its polls
    assert coordinator._unsub_refresh is not None
    assert coordinator.data is first
    await next_poll(hass, freezer, DEFAULT_SCAN_INTERVAL + timedelta(seconds=1))
    polled = coordinator.data
    assert polled is not first
    await next_poll(hass, freezer)
    assert coordinator.data is not polled


async def test_a_barn_polls_spread_over_the_interval(hass: HomeAssistant) -> None:
    """Miners set up at the same start take up their polls at points spread over the whole
    interval (from their MAC addresses), not all in the same second."""
    entries = [
        MockConfigEntry(
            domain=DOMAIN,
            unique_id=f"c8:ac:00:00:{i // 256:02x}:{i % 256:02x}",
            data={CONF_HOST: "127.0.0.1", CONF_API: "v2"},
        )
        for i in range(300)
    ]
    phases = sorted(WhatsMinerCoordinator(hass, entry).phase_s for entry in entries)  # type: ignore[arg-type]
    interval = DEFAULT_SCAN_INTERVAL.total_seconds()
    assert phases[0] >= 0
    assert phases[-1] < interval
    per_tenth = [
        sum(k * interval / 10 <= p < (k + 1) * interval / 10 for p in phases) for k in range(10)
    ]
    assert min(per_tenth) > 10 and max(per_tenth) < 50  # about 30 in every tenth


async def test_unloaded_while_starting_stops_waiting(
    hass: HomeAssistant, miner: SimulatedMiner, mock_config_entry: MockConfigEntry
) -> None:
    """An entry unloaded before Home Assistant has started leaves no start listener."""
    hass.set_state(CoreState.starting)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
