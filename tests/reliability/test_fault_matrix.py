"""The fault matrix: every fault the simulator offers, each while Home Assistant runs.

For a fault that takes the miner away (offline, hang, slow beyond the timeout, close mid
reply, btminer down) the entities go unavailable, the integration logs one line when that
happens and one when the miner is back, there is no traceback, the polls during the outage
open no more connections than normal polls would (no retry storm), and the config entry and
its settings come out intact. For a fault that real firmware shows while working (every quirk
of spec section 7.2, a slow but timely reply, token exhaustion, v3-only writes, no reply to
power_off or reboot) the entities stay available and nothing is logged above debug.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.whatsminer.const import DEFAULT_SCAN_INTERVAL
from simulator import SimulatedMiner
from simulator.state import Quirk
from tests.integration.helpers import entity_id

from .conftest import CLIENT_TIMEOUT_S
from .soak_run import Fault, flag, quirk

LOGGER_NAME = "custom_components.whatsminer"
FAILING_POLLS = 3
# One poll is at most 3 connections (the client's contract); a failed poll may not retry more.
MAX_CONNECTIONS_PER_POLL = 3
# A fault that changes the firmware the miner reports (v3_only) rightly triggers one re-read
# of the slow-changing reads (version, miner info, psu): 3 more connections, once; and the
# entry's AutoMiner detects the API again (another firmware may speak v3): at most 2 more.
SLOW_REFRESH_CONNECTIONS = 3 + 2
# One scan interval, and a second more so the poll is surely due.
POLL_STEP = DEFAULT_SCAN_INTERVAL + timedelta(seconds=1)

OUTAGES: dict[str, Fault] = {
    "offline": flag("offline"),
    "hang": flag("hang"),
    "slow_beyond_timeout": flag("slow_reply_s", CLIENT_TIMEOUT_S * 3, 0.0),
    "close_mid_reply": flag("close_mid_reply"),
}
# The mining process down while the control board answers: the miner stays available and
# shows that it does not mine (the integration's choice, commit "a miner whose mining
# process is down stays available as not mining").
BTMINER_DOWN = flag("btminer_down")

TOLERATED: dict[str, Fault] = {
    "slow_within_timeout": flag("slow_reply_s", CLIENT_TIMEOUT_S / 4, 0.0),
    "token_exhaustion": flag("token_exhaustion"),
    "v3_only": flag("v3_only"),
    "no_reply_to_power_off": flag("no_reply_to_power_off"),
    "no_reply_to_reboot": flag("no_reply_to_reboot"),
    **{f"quirk_{q.value}": quirk(q.value) for q in Quirk},
}


class Clock:
    """Moves Home Assistant's timers forward one scan interval at a time."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.now = dt_util.utcnow()

    async def next_poll(self) -> None:
        self.now += POLL_STEP
        async_fire_time_changed(self.hass, self.now)
        await self.hass.async_block_till_done(wait_background_tasks=True)


def entity_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    registry = er.async_get(hass)
    states = {}
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        if ent.disabled_by is None and (state := hass.states.get(ent.entity_id)) is not None:
            states[ent.entity_id] = state.state
    return states


def assert_entry_intact(
    entry: MockConfigEntry, data: dict[str, Any], options: dict[str, Any]
) -> None:
    """The entry is still loaded, with the settings it had before the fault."""
    assert entry.state is ConfigEntryState.LOADED
    assert dict(entry.data) == data
    assert dict(entry.options) == options


def assert_within_budget(miner: SimulatedMiner, connections: int) -> None:
    """The polls since `connections` opened no more connections than normal polls would."""
    opened = miner.counters.connections - connections
    budget = FAILING_POLLS * MAX_CONNECTIONS_PER_POLL + SLOW_REFRESH_CONNECTIONS
    assert opened <= budget, f"{opened} connections: {dict(miner.counters.commands)}"


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(LOGGER_NAME) and r.levelno >= level]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing a user sees (INFO and up, the default log level) carries a traceback.

    Home Assistant's coordinator adds the full error at DEBUG level on purpose; that is
    visible only to someone who turned on debug logging, so it is not counted.
    """
    shown = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert not [r for r in shown if r.exc_info], "a traceback was logged"
    assert not [r for r in shown if "Traceback" in r.getMessage()]


@pytest.mark.parametrize("fault", list(OUTAGES), ids=list(OUTAGES))
async def test_outage_goes_unavailable_and_recovers(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    miner: SimulatedMiner,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    caplog.set_level(logging.INFO)
    data, options = dict(loaded_entry.data), dict(loaded_entry.options)
    before = entity_states(hass, loaded_entry)
    assert before, "the integration created no entities"
    assert STATE_UNAVAILABLE not in before.values()
    clock = Clock(hass)

    caplog.clear()
    connections = miner.counters.connections
    OUTAGES[fault](miner, True)
    for _ in range(FAILING_POLLS):
        await clock.next_poll()
    during = entity_states(hass, loaded_entry)
    assert set(during.values()) == {STATE_UNAVAILABLE}
    went_away = records(caplog, logging.INFO)
    assert len(went_away) == 1, [r.getMessage() for r in went_away]
    assert went_away[0].levelno >= logging.WARNING
    opened = miner.counters.connections - connections
    assert opened <= FAILING_POLLS * MAX_CONNECTIONS_PER_POLL, f"{opened} connections"
    assert_no_traceback(caplog)

    caplog.clear()
    OUTAGES[fault](miner, False)
    await clock.next_poll()
    after = entity_states(hass, loaded_entry)
    assert set(after) == set(before)
    assert STATE_UNAVAILABLE not in after.values()
    came_back = records(caplog, logging.INFO)
    assert len(came_back) == 1, [r.getMessage() for r in came_back]
    assert_no_traceback(caplog)

    assert_entry_intact(loaded_entry, data, options)
    assert len(hass.config_entries.async_entries("whatsminer")) == 1


@pytest.mark.parametrize("fault", list(TOLERATED))
async def test_tolerated_fault_keeps_entities_available(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    miner: SimulatedMiner,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    caplog.set_level(logging.INFO)
    data, options = dict(loaded_entry.data), dict(loaded_entry.options)
    before = entity_states(hass, loaded_entry)
    clock = Clock(hass)

    caplog.clear()
    connections = miner.counters.connections
    TOLERATED[fault](miner, True)
    for _ in range(FAILING_POLLS):
        await clock.next_poll()
    assert_within_budget(miner, connections)
    during = entity_states(hass, loaded_entry)
    assert set(during) == set(before)
    assert STATE_UNAVAILABLE not in during.values(), {
        k: v for k, v in during.items() if v == STATE_UNAVAILABLE
    }
    assert not records(caplog, logging.WARNING), [
        r.getMessage() for r in records(caplog, logging.WARNING)
    ]
    assert_no_traceback(caplog)
    TOLERATED[fault](miner, False)

    assert_entry_intact(loaded_entry, data, options)


async def test_btminer_down_shows_not_mining_and_recovers(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    miner: SimulatedMiner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    data, options = dict(loaded_entry.data), dict(loaded_entry.options)
    mining = entity_id(hass, loaded_entry, "switch", "mining")  # the binary sensor copy is off
    assert hass.states.get(mining).state == "on"
    clock = Clock(hass)

    caplog.clear()
    connections = miner.counters.connections
    BTMINER_DOWN(miner, True)
    for _ in range(FAILING_POLLS):
        await clock.next_poll()
    assert hass.states.get(mining).state == "off"
    assert len(records(caplog, logging.WARNING)) <= 1
    assert_within_budget(miner, connections)
    assert_no_traceback(caplog)

    caplog.clear()
    BTMINER_DOWN(miner, False)
    for _ in range(5):  # the integration may reload the entry once mining is back
        await clock.next_poll()
        await hass.async_block_till_done(wait_background_tasks=True)
        if hass.states.get(mining).state == "on":
            break
    assert not records(caplog, logging.WARNING)
    assert_no_traceback(caplog)
    after = entity_states(hass, loaded_entry)
    assert STATE_UNAVAILABLE not in after.values()
    assert hass.states.get(mining).state == "on"
    assert_entry_intact(loaded_entry, data, options)


# A write that meets an outage must fail with a clean HomeAssistantError and must not be
# mistaken for a wrong password (which would start a reauthentication flow).
WRITE_OUTAGES = list(OUTAGES)


@pytest.mark.parametrize("fault", WRITE_OUTAGES)
async def test_write_during_outage_fails_cleanly(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    miner: SimulatedMiner,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    caplog.set_level(logging.INFO)
    data = dict(loaded_entry.data)
    press = {"entity_id": entity_id(hass, loaded_entry, "button", "identify")}
    await hass.services.async_call("button", "press", press, blocking=True)  # token cached
    tokens = miner.counters.tokens_issued

    OUTAGES[fault](miner, True)
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call("button", "press", press, blocking=True)
    await hass.async_block_till_done()
    reauth = list(loaded_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert not reauth, "a reauthentication flow was started"
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert dict(loaded_entry.data) == data
    assert_no_traceback(caplog)

    OUTAGES[fault](miner, False)
    await hass.services.async_call("button", "press", press, blocking=True)
    assert miner.counters.tokens_issued == tokens, "the cached token was not reused"
