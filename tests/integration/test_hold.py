"""Stops that hold, through Home Assistant against the simulator: on v3 firmware the mining
switch stops with set.miner.service; a stop that does not hold is sent once more by the other
route; when nothing holds, a persistent repair and the "Stop and start" problem sensor."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, CONF_PASSWORD, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import CONF_API, DOMAIN, ENTRY_VERSION
from custom_components.whatsminer.hold import START_TAKES, STOP_WATCH
from simulator import Quirk, SimulatedMiner, actions
from simulator.v2.writes import WRITES

from .conftest import entry_data
from .helpers import entity_id, next_poll, state_of

EARLY_V3_FIRMWARE = "20241011.12.Rel.LC"  # v3 before the v3 era's date (spec v3 6.2.3)


def _entry(miner: SimulatedMiner, api: str | None = None) -> MockConfigEntry:
    data = entry_data(miner)
    if api is not None:
        data[CONF_API] = api  # remembered from before (the firmware changed since)
    return MockConfigEntry(
        domain=DOMAIN,
        title="Boiler miner",
        unique_id=format_mac(miner.state.mac),
        data=data,
        version=ENTRY_VERSION,
    )


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _switch(hass: HomeAssistant, entry: MockConfigEntry, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        "turn_on" if on else "turn_off",
        {ATTR_ENTITY_ID: entity_id(hass, entry, SWITCH_DOMAIN, "mining")},
        blocking=True,
    )


async def _polls_for(hass: HomeAssistant, freezer: FrozenDateTimeFactory, span: timedelta) -> None:
    """Let the polls of `span` run (and a retry or reload they start)."""
    end = span + timedelta(seconds=30)
    while end > timedelta(0):
        await next_poll(hass, freezer)
        end -= timedelta(seconds=30)


def _issue(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{entry.entry_id}")


def _problem(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[str, object]:
    state = state_of(hass, entry, "binary_sensor", "stop_start")
    return state.state, state.attributes.get("problem")


@pytest.mark.parametrize("profile", ["m64_hydro"])
@pytest.mark.parametrize("remembered", [None, "v2"])
async def test_v3_firmware_stops_with_set_miner_service(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,  # first: the simulator's clock follows it
    miner: SimulatedMiner,
    remembered: str | None,
) -> None:
    """The M64 of the report: its v2 power_off does not hold, so it is never used."""
    entry = await _set_up(hass, _entry(miner, remembered))
    await _switch(hass, entry, False)
    assert miner.counters.commands["set.miner.service"] == 1
    assert miner.counters.commands["power_off"] == 0
    await _polls_for(hass, freezer, STOP_WATCH)
    assert miner.state.hashrate == 0 and miner.counters.self_restarts == 0
    assert state_of(hass, entry, SWITCH_DOMAIN, "mining").state == STATE_OFF
    assert _problem(hass, entry) == (STATE_OFF, None)
    assert entry.data[CONF_API] == "v3"


@pytest.mark.parametrize("profile", ["m64_hydro"])
async def test_stop_that_restarts_is_sent_again_by_the_other_route(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miner: SimulatedMiner
) -> None:
    """Early v3 firmware remembered as v2: the v2 stop goes out, btminer starts again by
    itself, the integration stops it once more over API v3, and that holds."""
    miner.state.fw_ver = EARLY_V3_FIRMWARE
    entry = await _set_up(hass, _entry(miner, "v2"))
    await _switch(hass, entry, False)
    assert miner.counters.commands["power_off"] == 1
    await _polls_for(hass, freezer, timedelta(seconds=miner.timing.self_restart_s + 60))
    assert miner.counters.self_restarts == 1  # it did start again by itself ...
    assert miner.counters.commands["set.miner.service"] == 1  # ... and was stopped over v3
    assert entry.data[CONF_API] == "v3"  # the entry follows the API that worked
    await _polls_for(hass, freezer, STOP_WATCH)
    assert miner.state.hashrate == 0 and miner.counters.self_restarts == 1
    assert miner.counters.commands["power_off"] == 1  # never blindly again
    assert _problem(hass, entry) == (STATE_OFF, None)
    assert _issue(hass, entry, "stop_not_held") is None


@pytest.mark.parametrize("profile", ["m64_hydro"])
async def test_refused_second_stop_is_reported(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miner: SimulatedMiner
) -> None:
    """The other route answers, but refuses the stop (its write switch is off): reported."""
    miner.state.fw_ver = EARLY_V3_FIRMWARE
    entry = await _set_up(hass, _entry(miner, "v2"))
    await _switch(hass, entry, False)
    miner.state.api_enabled = False  # switched off in WhatsMinerTool since
    await _polls_for(hass, freezer, timedelta(minutes=3))
    assert miner.counters.self_restarts == 1
    assert miner.counters.commands["set.miner.service"] == 1  # sent once, refused
    assert entry.data[CONF_PASSWORD] is None  # now on v3, whose account may not write
    assert _problem(hass, entry) == (STATE_ON, "stop_not_held")  # shown all the same


@pytest.mark.parametrize("profile", ["m64_hydro"])
@pytest.mark.parametrize("remembered", [None, "v2"])
async def test_nothing_holds_raises_a_persistent_problem(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miner: SimulatedMiner,
    remembered: str | None,
) -> None:
    """Every stop restarts: on v3 there is no other route (reported at once); over v2 the
    other route is tried once. Then a repair and the problem sensor, which survive a reload
    and go once a stop holds again."""
    miner.faults.quirks.add(Quirk.STOP_RESTARTS)
    if remembered:
        miner.state.fw_ver = EARLY_V3_FIRMWARE
    entry = await _set_up(hass, _entry(miner, remembered))
    await _switch(hass, entry, False)
    await _polls_for(hass, freezer, timedelta(minutes=6))
    services = miner.counters.commands["set.miner.service"]
    assert services == 1  # over v2: power_off, then v3 once; on v3: the stop alone
    assert miner.counters.commands["power_off"] == (1 if remembered else 0)
    issue = _issue(hass, entry, "stop_not_held")
    assert issue is not None and issue.is_persistent and issue.active
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {"name": "Boiler miner", "host": miner.host}
    assert _problem(hass, entry) == (STATE_ON, "stop_not_held")
    assert miner.state.hashrate > 0  # it is mining: the owner has to act

    miner.faults.offline = True  # set up again while the miner does not answer
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.data is None
    assert _problem(hass, entry) == (STATE_ON, "stop_not_held")  # still shown
    miner.faults.offline = False
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    # While it stays reported, a stop gets no automatic retry; one that holds clears it.
    miner.faults.quirks.discard(Quirk.STOP_RESTARTS)
    await _switch(hass, entry, False)
    await _polls_for(hass, freezer, STOP_WATCH)
    assert miner.counters.commands["set.miner.service"] == services + 1
    assert _issue(hass, entry, "stop_not_held") is None
    assert _problem(hass, entry) == (STATE_OFF, None)


@pytest.mark.parametrize("profile", ["m64_hydro"])
async def test_ignoring_the_repair_acknowledges_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miner: SimulatedMiner
) -> None:
    miner.faults.quirks.add(Quirk.STOP_RESTARTS)
    entry = await _set_up(hass, _entry(miner))
    await _switch(hass, entry, False)
    await _polls_for(hass, freezer, timedelta(minutes=4))
    assert _problem(hass, entry) == (STATE_ON, "stop_not_held")
    ir.async_ignore_issue(hass, DOMAIN, f"stop_not_held_{entry.entry_id}", True)
    await hass.async_block_till_done()
    assert _problem(hass, entry) == (STATE_OFF, None)
    # a later failure shows again
    await _switch(hass, entry, False)
    await _polls_for(hass, freezer, timedelta(minutes=4))
    issue = _issue(hass, entry, "stop_not_held")
    assert issue is not None and issue.dismissed_version is None
    assert _problem(hass, entry) == (STATE_ON, "stop_not_held")


async def test_v2_stop_ignored_without_other_route_is_reported(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miner: SimulatedMiner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pure v2 firmware whose power_off acknowledges but does nothing: after a minute the
    stop counts as not taken; v2 has no other route, so it is reported (no second write)."""
    monkeypatch.setitem(WRITES, "power_off", lambda m, req: None)
    entry = await _set_up(hass, _entry(miner))
    await _switch(hass, entry, False)
    await _polls_for(hass, freezer, timedelta(seconds=90))
    assert miner.counters.commands["power_off"] == 1
    assert _problem(hass, entry) == (STATE_ON, "stop_not_held")


@pytest.mark.parametrize("restarts", [False, True])
async def test_stop_of_unknown_outcome_is_judged_by_the_polls(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miner: SimulatedMiner,
    restarts: bool,
) -> None:
    """The reply to power_off breaks off: the user is told the outcome is unknown; the polls
    then tell whether it holds (pure v2: no other route, so a restart is reported); nothing
    is sent again."""
    if restarts:
        miner.faults.quirks.add(Quirk.STOP_RESTARTS)
    entry = await _set_up(hass, _entry(miner))
    miner.faults.close_mid_reply = True
    with pytest.raises(HomeAssistantError) as caught:
        await _switch(hass, entry, False)
    miner.faults.close_mid_reply = False
    assert caught.value.translation_key == "write_outcome_unknown"
    await _polls_for(hass, freezer, STOP_WATCH)
    assert miner.counters.commands["power_off"] == 1
    assert (miner.state.hashrate > 0) is restarts
    assert _problem(hass, entry) == ((STATE_ON, "stop_not_held") if restarts else (STATE_OFF, None))


async def test_no_answer_until_after_the_watch_is_not_judged(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miner: SimulatedMiner
) -> None:
    """Stopped, then unreachable for the rest of the watch (its supply cut, say), and mining
    when it answers again: nothing to tell about the stop."""
    miner.faults.quirks.add(Quirk.STOP_RESTARTS)
    entry = await _set_up(hass, _entry(miner))
    await _switch(hass, entry, False)
    await next_poll(hass, freezer)  # seen down
    miner.faults.offline = True
    await _polls_for(hass, freezer, STOP_WATCH)
    miner.faults.offline = False
    await _polls_for(hass, freezer, timedelta(minutes=20))  # back-off: a while to answer
    assert entry.runtime_data.last_update_success and miner.state.hashrate > 0
    assert miner.counters.commands["power_off"] == 1
    assert _problem(hass, entry) == (STATE_OFF, None)


async def test_another_write_ends_the_watch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miner: SimulatedMiner
) -> None:
    """A restart pressed after the stop starts the miner on purpose: no retry, no report."""
    miner.faults.quirks.add(Quirk.STOP_RESTARTS)
    entry = await _set_up(hass, _entry(miner))
    await _switch(hass, entry, False)
    await hass.services.async_call(
        BUTTON_DOMAIN,
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, BUTTON_DOMAIN, "restart_mining")},
        blocking=True,
    )
    await _polls_for(hass, freezer, timedelta(minutes=5))
    assert miner.counters.commands["power_off"] == 1
    assert _problem(hass, entry) == (STATE_OFF, None)


async def test_start_that_does_not_take_is_reported_until_it_hashes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miner: SimulatedMiner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = await _set_up(hass, _entry(miner))
    await _switch(hass, entry, False)
    start = WRITES["power_on"]
    monkeypatch.setitem(WRITES, "power_on", lambda m, req: None)  # acknowledged, not done
    await _switch(hass, entry, True)
    await _polls_for(hass, freezer, START_TAKES)
    issue = _issue(hass, entry, "start_not_taken")
    assert issue is not None and issue.severity is ir.IssueSeverity.WARNING
    assert _problem(hass, entry) == (STATE_ON, "start_not_taken")
    assert miner.counters.commands["power_on"] == 1  # reported, not retried

    actions.start_mining(miner)  # started from elsewhere (WhatsMinerTool, say)
    await _polls_for(hass, freezer, timedelta(minutes=3))
    assert miner.state.hashrate > 0
    assert _problem(hass, entry) == (STATE_OFF, None)  # it hashes: the report goes

    await _switch(hass, entry, False)
    await _switch(hass, entry, True)
    await _polls_for(hass, freezer, START_TAKES)
    assert _problem(hass, entry) == (STATE_ON, "start_not_taken")
    monkeypatch.setitem(WRITES, "power_on", start)
    await _switch(hass, entry, True)
    await _polls_for(hass, freezer, timedelta(minutes=3))
    assert miner.state.hashrate > 0
    assert _problem(hass, entry) == (STATE_OFF, None)


async def test_start_that_takes_clears_nothing_else(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, miner: SimulatedMiner
) -> None:
    entry = await _set_up(hass, _entry(miner))
    await _switch(hass, entry, False)
    await _switch(hass, entry, True)
    await _polls_for(hass, freezer, timedelta(minutes=3))
    assert miner.state.hashrate > 0
    assert _problem(hass, entry) == (STATE_OFF, None)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, entry, "start_not_taken") is None
