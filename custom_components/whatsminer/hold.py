"""Stops that hold: after Home Assistant starts or stops mining, the polls tell whether it took.

Every start and stop from Home Assistant (the mining switch, the power manager and its
heating thermostat) goes through `async_set_mining` (or `async_watched_write`), which then
watches the following polls:

- A stop holds when the miner stops hashing and drawing power within STOP_TAKES and stays
  down until STOP_WATCH after the stop. A miner that ignored the stop, or started hashing
  again by itself, is stopped once more by the other route its client knows
  (`Miner.set_mining_alternative`: the client decides what that is, e.g. API v3 for a miner
  spoken to over v2). When it has none, or that does not hold either, a repair issue says
  so and the miner's "Stop and start" sensor shows a problem.
- A start takes when the miner hashes within START_TAKES; otherwise the same report (no
  retry: a start that does not take is rarely the route's fault, rather pools or hardware).

At most one retry per stop, and none while a failed stop stays reported. The retry is sent
only after a poll showed that the stop had not held, so also after a stop whose outcome was
unknown (the poll decides, never a blind second write). Any other write to the miner (a
restart, a reboot, a power mode) ends the watch of a stop: the miner was told something else.

The report is a persistent repair issue: Home Assistant's issue registry keeps it across
restarts. It goes when a stop holds (a start takes), or when the owner ignores it in Repairs
(acknowledged); a later failure raises it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import CONF_HOST, EntityCategory
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.miner import Miner
from .api.models import MinerSnapshot
from .const import DOMAIN, LOGGER
from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator
from .entity import WhatsMinerEntity
from .helpers import async_miner_action
from .issues import issue_id

STOP_TAKES: Final = timedelta(seconds=60)  # power and hashrate down within this
STOP_WATCH: Final = timedelta(minutes=10)  # and still down this long after the stop
START_TAKES: Final = timedelta(minutes=20)  # hashing within this (warm-up takes minutes)
HASHING_MIN_THS: Final = 0.5
STOPPED_MAX_W: Final = 200.0  # control board, fans running down: no hashboard draws this little

ISSUE_STOP_NOT_HELD: Final = "stop_not_held"
ISSUE_START_NOT_TAKEN: Final = "start_not_taken"
KINDS: Final = (ISSUE_STOP_NOT_HELD, ISSUE_START_NOT_TAKEN)  # the first one present is shown
DOCS_URL: Final = (
    "https://github.com/whatsminer-ha/whatsminer-homeassistant/blob/main/docs/controls.md"
    "#stops-that-hold"
)
_OUTCOME_UNKNOWN: Final = "write_outcome_unknown"  # helpers.translate_error's key
_NO_ALTERNATIVE: Final = "unsupported_command"

_HOLDS: HassKey[dict[str, MiningHold]] = HassKey(f"{DOMAIN}_holds")


def hashing(snapshot: MinerSnapshot) -> bool:
    """The miner hashes (a start took)."""
    return (snapshot.summary.hashrate_ths or 0.0) >= HASHING_MIN_THS


def running(snapshot: MinerSnapshot) -> bool:
    """Anything says the miner runs: its status, its hashrate or the power it draws."""
    if snapshot.process_down:
        return False
    return snapshot.mining or hashing(snapshot) or (snapshot.summary.power_w or 0.0) > STOPPED_MAX_W


@dataclass(slots=True)
class _Watch:
    """One start or stop being watched."""

    on: bool
    since: datetime
    retried: bool = False  # a stop: its one retry is spent (or barred by a standing report)
    stopped: bool = False  # a stop: a poll showed the miner down


class MiningHold:
    """The watch over one miner's starts and stops; kept across reloads of its entry (a
    retry over API v3 makes the entry reload on the new API while the watch goes on)."""

    def __init__(self, hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> None:
        self.hass = hass
        self._entry = entry
        self._coordinator: WhatsMinerCoordinator | None = None
        self._watch: _Watch | None = None
        self._own_write = False
        self._retrying = False
        self._listeners: list[CALLBACK_TYPE] = []
        self.issue_ids = {kind: issue_id(kind, entry) for kind in KINDS}

    # ---- what the owner sees ---------------------------------------------------------

    @property
    def problem(self) -> str | None:
        """The reported failure (an issue kind) the owner has not acknowledged, if any."""
        registry = ir.async_get(self.hass)
        for kind, known in self.issue_ids.items():
            issue = registry.async_get_issue(DOMAIN, known)
            if issue is not None and issue.active and issue.dismissed_version is None:
                return kind
        return None

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when the problem may have changed."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_notify(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    def _reported(self, kind: str) -> bool:
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_ids[kind])
        return issue is not None and issue.active

    @callback
    def _report(self, kind: str) -> None:
        self._watch = None
        registry = ir.async_get(self.hass)
        reported = self.issue_ids[kind]
        if (old := registry.async_get_issue(DOMAIN, reported)) and old.dismissed_version:
            ir.async_delete_issue(self.hass, DOMAIN, reported)  # acknowledged: show it anew
        what = "does not stay stopped" if kind == ISSUE_STOP_NOT_HELD else "does not start"
        LOGGER.warning("%s %s: reported in Repairs", self._entry.title, what)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            reported,
            data={"entry_id": self._entry.entry_id, "kind": kind},
            is_fixable=False,
            is_persistent=True,  # kept across restarts until a stop holds or it is ignored
            learn_more_url=DOCS_URL,
            severity=ir.IssueSeverity.ERROR
            if kind == ISSUE_STOP_NOT_HELD
            else ir.IssueSeverity.WARNING,
            translation_key=kind,
            translation_placeholders={
                "name": self._entry.title,
                "host": self._entry.data[CONF_HOST],
            },
        )
        self.async_notify()

    @callback
    def _resolved(self, kind: str) -> None:
        self._watch = None
        if self._reported(kind):
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_ids[kind])
            self.async_notify()

    # ---- following the coordinator ---------------------------------------------------

    @callback
    def async_attach(self, coordinator: WhatsMinerCoordinator) -> CALLBACK_TYPE:
        """Judge `coordinator`'s polls from now on; returns the detach."""
        self._coordinator = coordinator
        removes = (
            coordinator.async_add_listener(self._polled),
            coordinator.async_add_write_listener(self._written),
        )

        @callback
        def detach() -> None:
            for remove in removes:
                remove()
            if self._coordinator is coordinator:
                self._coordinator = None

        return detach

    @callback
    def _written(self) -> None:
        if not self._own_write and self._watch is not None and not self._watch.on:
            self._watch = None  # told something else since: hands off

    async def async_write(
        self, coordinator: WhatsMinerCoordinator, action: Callable[[Miner], Awaitable[Any]]
    ) -> None:
        """A start or stop through the action helper, which this watch does not take for
        someone else's write."""
        self._own_write = True
        try:
            await async_miner_action(coordinator, action)
        finally:
            self._own_write = False

    @callback
    def async_expect(self, on: bool) -> None:
        """Watch the polls for a start (`on`) or stop just sent (or maybe sent)."""
        previous = self._watch
        retried = (previous is not None and previous.on is on and previous.retried) or (
            not on and self._reported(ISSUE_STOP_NOT_HELD)
        )
        self._watch = _Watch(on=on, since=dt_util.utcnow(), retried=retried)

    @callback
    def _polled(self) -> None:
        coordinator = self._coordinator
        if (
            coordinator is None
            or self._retrying  # its own refresh: judged from the next poll on
            or not coordinator.last_update_success
            or (snapshot := coordinator.data) is None
        ):
            return
        watch = self._watch
        if watch is None:
            if hashing(snapshot) and self._reported(ISSUE_START_NOT_TAKEN):
                self._resolved(ISSUE_START_NOT_TAKEN)  # it hashes now, whoever started it
            return
        age = dt_util.utcnow() - watch.since
        if watch.on:
            if hashing(snapshot):
                self._resolved(ISSUE_START_NOT_TAKEN)
            elif age >= START_TAKES:
                self._report(ISSUE_START_NOT_TAKEN)
            return
        if not running(snapshot):
            watch.stopped = True
            if age >= STOP_WATCH:
                if watch.retried:
                    LOGGER.info("%s stays stopped after the second stop", self._entry.title)
                self._resolved(ISSUE_STOP_NOT_HELD)
        elif watch.stopped and age >= STOP_WATCH:
            self._watch = None  # seen down, then no poll until after the watch: not judged
        elif watch.stopped or age >= STOP_TAKES:
            LOGGER.info(
                "%s %s after a stop",
                self._entry.title,
                "started again by itself" if watch.stopped else "did not stop",
            )
            self._not_held(coordinator, watch)

    @callback
    def _not_held(self, coordinator: WhatsMinerCoordinator, watch: _Watch) -> None:
        if watch.retried:
            self._report(ISSUE_STOP_NOT_HELD)
            return
        watch.retried = True
        self._retrying = True
        self.hass.async_create_background_task(
            self._async_retry(coordinator, watch), f"{DOMAIN} second stop of {self._entry.title}"
        )

    async def _async_retry(self, coordinator: WhatsMinerCoordinator, watch: _Watch) -> None:
        """Stop once more, by the other route; report when there is none or it fails."""
        try:
            await self.async_write(coordinator, lambda miner: miner.set_mining_alternative(False))
        except HomeAssistantError as err:
            if err.translation_key != _OUTCOME_UNKNOWN:  # else the polls tell
                if err.translation_key == _NO_ALTERNATIVE:
                    LOGGER.info("%s has no other way to stop", self._entry.title)
                else:
                    LOGGER.warning("%s: the second stop failed: %s", self._entry.title, err)
                if self._watch is watch:
                    self._report(ISSUE_STOP_NOT_HELD)
                return
        finally:
            self._retrying = False
        if self._watch is watch:
            watch.since, watch.stopped = dt_util.utcnow(), False


def hold_for(coordinator: WhatsMinerCoordinator) -> MiningHold:
    """The watch of a coordinator's miner, attached to it."""
    holds = coordinator.hass.data.setdefault(_HOLDS, {})
    entry = coordinator.config_entry
    if (hold := holds.get(entry.entry_id)) is None:
        hold = holds[entry.entry_id] = MiningHold(coordinator.hass, entry)
    if hold._coordinator is not coordinator:
        entry.async_on_unload(hold.async_attach(coordinator))
    return hold


async def async_watched_write(
    coordinator: WhatsMinerCoordinator, action: Callable[[Miner], Awaitable[Any]], on: bool
) -> None:
    """Send a start (`on`) or stop through the action helper, then watch that it holds."""
    hold = hold_for(coordinator)
    try:
        await hold.async_write(coordinator, action)
    except HomeAssistantError as err:
        if err.translation_key == _OUTCOME_UNKNOWN:
            hold.async_expect(on)  # maybe sent: the polls tell
        raise
    hold.async_expect(on)


async def async_set_mining(coordinator: WhatsMinerCoordinator, on: bool) -> None:
    """Start or stop mining, watched."""
    await async_watched_write(coordinator, lambda miner: miner.set_mining(on), on)


@callback
def async_setup_hold(entry: WhatsMinerConfigEntry) -> None:
    """Attach the watch to a set-up miner; follow the owner acknowledging a report."""
    hold = hold_for(entry.runtime_data)
    issue_ids = set(hold.issue_ids.values())

    @callback
    def ours(data: ir.EventIssueRegistryUpdatedData) -> bool:
        return data["domain"] == DOMAIN and data["issue_id"] in issue_ids

    @callback
    def changed(_: Event[ir.EventIssueRegistryUpdatedData]) -> None:
        hold.async_notify()

    entry.async_on_unload(
        entry.runtime_data.hass.bus.async_listen(
            ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, changed, event_filter=ours
        )
    )


@callback
def async_remove_hold(hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> None:
    """Forget a removed miner's watch and reports (also ones from before a restart)."""
    hass.data.get(_HOLDS, {}).pop(entry.entry_id, None)
    for kind in KINDS:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


class StopStartSensor(WhatsMinerEntity, BinarySensorEntity):
    """On (problem) while a stop that did not hold, or a start that did not take, stands
    reported; shown also while the miner does not answer."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: WhatsMinerCoordinator) -> None:
        description = BinarySensorEntityDescription(key="stop_start", translation_key="stop_start")
        super().__init__(coordinator, description)
        self._hold = hold_for(coordinator)

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._hold.async_add_listener(self.async_write_if_changed))

    @property
    @override
    def available(self) -> bool:
        # a standing report stays shown while the miner does not answer
        return super().available or self._hold.problem is not None

    @property
    @override
    def is_on(self) -> bool:
        return self._hold.problem is not None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"problem": self._hold.problem}

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        return (self._hold.problem,)
