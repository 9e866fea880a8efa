"""The power manager in Home Assistant: reads its inputs, decides, writes, remembers why.

Every `interval` seconds, and soon after an input changes, it reads the budget sources, asks
the pure allocation (allocation.py) who runs at what power, and carries that out through the
miners' own power target controllers and the restart coalescer, i.e. through
`helpers.async_miner_action` (starts and stops through `hold.async_set_mining`, which checks
that they hold). It knows miners only by their coordinators and capabilities.

A miner whose entities someone else commands (a service call on its mining switch or one of
its power settings) is in manual control for `manual_hold` minutes: left alone, and the
budget goes to the others. A bad input (unknown, unavailable, not a number, another unit)
keeps the last budget and raises a repair issue until it is good again.

With a hashprice sensor (profit.py) each miner runs only while the electricity price is below
its break-even price; an unusable hashprice raises a repair issue, and the manager runs the
miners as without one meanwhile. Start times and the like survive restarts (history.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
import math
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_ID,
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_CALL_SERVICE,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from ..api.miner import Control
from ..api.models import MinerSnapshot
from ..coalesce import coalescer_for
from ..const import DOMAIN, LOGGER
from ..coordinator import WhatsMinerCoordinator
from ..hold import async_set_mining
from ..power_target import PowerTargetController, controller_for
from .allocation import DAY_S, HOUR_S, Action, Limits, MinerInput, Plan, allocate
from .budget import BudgetInputs, BudgetReason, SurplusSign, compute_budget
from .const import (
    CONF_BREAK_EVEN_MARGIN,
    CONF_CHIP_TEMP_MAX,
    CONF_HASHPRICE_ENTITY,
    CONF_INTERVAL,
    CONF_MANUAL_HOLD,
    CONF_MAX_RESTARTS,
    CONF_MAX_STARTS_PER_DAY,
    CONF_MIN_RUN,
    CONF_MIN_STOP,
    CONF_MINERS,
    CONF_PRICE_FULL_BELOW,
    CONF_PRICE_SENSOR,
    CONF_PRICE_STOP_ABOVE,
    CONF_RESERVE,
    CONF_RIDE_THROUGH,
    CONF_START_DELAY,
    CONF_SURPLUS_SENSOR,
    CONF_SURPLUS_SIGN,
    CONF_TEMPERATURE_SENSOR,
    DECISIONS_KEPT,
    DEFAULT_BREAK_EVEN_MARGIN_PCT,
    DEFAULT_CHIP_TEMP_MAX_C,
    DEFAULT_INTERVAL_S,
    DEFAULT_MANUAL_HOLD_MIN,
    DEFAULT_MAX_RESTARTS,
    DEFAULT_MAX_STARTS_PER_DAY,
    DEFAULT_MIN_RUN_MIN,
    DEFAULT_MIN_STOP_MIN,
    DEFAULT_RESERVE_W,
    DEFAULT_RIDE_THROUGH_WH,
    DEFAULT_START_DELAY_MIN,
    DEFAULT_TARGET_TEMP_C,
    HEAT_MIN_INTERVAL_S,
    MAX_BUDGET_W,
)
from .history import HistoryStore, MinerHistory
from .pi import PiController
from .power import efficiency
from .profit import Market, market, profit_per_day

POWER_UNITS = {"W": 1.0, "kW": 1000.0, "MW": 1_000_000.0}
ISSUE_BAD_INPUT = "manager_bad_input"
ISSUE_BAD_HASHPRICE = "manager_bad_hashprice"
# A measured efficiency this far from the stored one is saved (else with the next start).
EFFICIENCY_SAVE_SHARE = 0.05
# Power target writes smaller than this (W, or 1 % of the miner's full power) are skipped.
DEADBAND_W = 20.0
# Entities of a miner whose service calls mean someone else is in control.
MANUAL_KEYS = (
    "mining",
    "power_target_fast",
    "power_percent_fast",
    "power_percent_normal",
    "power_limit",
    "power_target",
    "power_mode",
)
STOP_SETTLE_S = 90.0  # a miner the manager stopped counts as stopped this long (or while queued)
COOLING_FACTOR = 0.8  # the heat demand shrinks by this while a chip is too hot
MIN_GAP_S = 2.0  # between two decisions asked for by inputs


@dataclass(slots=True)
class MinerRecord:
    """What the manager remembers about one miner."""

    name: str
    last_start: float | None = None
    last_stop: float | None = None
    restart_writes: list[float] = field(default_factory=list)
    start_times: list[float] = field(default_factory=list)  # within the last 24 hours
    manual_until: float | None = None
    commanded_w: float | None = None
    commanded_at: float = 0.0
    polled_at: float = 0.0
    starts: int = 0
    stops: int = 0
    efficiency_j_th: float | None = None

    def stopping(self, now: float, *, stop_queued: bool) -> bool:
        """The manager stopped this miner last, and the stop may not show yet: it is queued,
        or was sent less than STOP_SETTLE_S ago."""
        if self.last_stop is None or (self.last_start or 0.0) > self.last_stop:
            return False
        return stop_queued or now - self.last_stop < STOP_SETTLE_S

    def history(self) -> MinerHistory:
        """What survives a restart."""
        return MinerHistory(
            last_start=self.last_start,
            last_stop=self.last_stop,
            restart_writes=tuple(self.restart_writes),
            start_times=tuple(self.start_times),
            efficiency_j_th=self.efficiency_j_th,
        )


@dataclass(frozen=True, slots=True)
class Managed:
    """A managed miner that is loaded now."""

    key: str
    coordinator: WhatsMinerCoordinator
    controller: PowerTargetController


class PowerManager:
    """One power manager config entry at run time."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[PowerManager]) -> None:
        """Take the configuration; `async_start` begins the work."""
        self.hass = hass
        self.entry = entry
        self.config: Mapping[str, Any] = {**entry.data, **entry.options}
        self.managed = True
        self.budget_number_w: float = (
            MAX_BUDGET_W
            if any(
                self.config.get(key)
                for key in (CONF_SURPLUS_SENSOR, CONF_PRICE_SENSOR, CONF_TEMPERATURE_SENSOR)
            )
            else 0.0
        )
        self.heating = bool(self.config.get(CONF_TEMPERATURE_SENSOR))
        self.heat_on = self.heating
        self.target_temp: float = DEFAULT_TARGET_TEMP_C
        self.current_temp: float | None = None
        self.heat_limit_w: float | None = None
        self.pi = PiController(kp=0.0, ki=0.0, max_output=0.0, min_interval_s=HEAT_MIN_INTERVAL_S)
        self.plan: Plan | None = None
        self.budget_w: float = 0.0
        self.budget_reason: BudgetReason = BudgetReason.BUDGET
        self.decisions: deque[dict[str, Any]] = deque(maxlen=DECISIONS_KEPT)
        self.records: dict[str, MinerRecord] = {}
        self.history = HistoryStore(hass, entry.entry_id)
        self._stored: dict[str, MinerHistory] = {}  # loaded, for miners not seen yet
        self.market: Market | None = None  # hashprice and price, when both are usable
        self.currency: str | None = hass.config.currency
        self.revenue_per_day: float | None = None
        self.cost_per_day: float | None = None
        self._price_unit: str | None = None  # of the last good price reading
        self.problems: dict[str, str] = {}  # input role -> problem
        self._last_good: dict[str, float] = {}
        self._draw_at_reading: float | None = None  # the managed draw when the meter read
        self._reading: State | None = None
        self._manual_entities: dict[str, str] = {}  # entity id -> miner key
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        # Decisions asked for by inputs: one at a time, at least MIN_GAP_S apart.
        self._running = False
        self._again = False
        self._last_run: float | None = None
        self._unsub_later: CALLBACK_TYPE | None = None

    # Configuration

    @property
    def limits(self) -> Limits:
        """The anti-cycling limits from the options."""
        return Limits(
            min_run_s=60.0 * self.config.get(CONF_MIN_RUN, DEFAULT_MIN_RUN_MIN),
            min_stop_s=60.0 * self.config.get(CONF_MIN_STOP, DEFAULT_MIN_STOP_MIN),
            start_delay_s=60.0 * self.config.get(CONF_START_DELAY, DEFAULT_START_DELAY_MIN),
            max_restart_writes_per_hour=int(
                self.config.get(CONF_MAX_RESTARTS, DEFAULT_MAX_RESTARTS)
            ),
            max_starts_per_day=int(
                self.config.get(CONF_MAX_STARTS_PER_DAY, DEFAULT_MAX_STARTS_PER_DAY)
            ),
            ride_through_wh=float(self.config.get(CONF_RIDE_THROUGH, DEFAULT_RIDE_THROUGH_WH)),
        )

    def miner_device_ids(self) -> list[str]:
        """The devices of the managed miners, as configured."""
        return list(self.config.get(CONF_MINERS, []))

    # Lifecycle

    async def async_start(self) -> None:
        """Follow the inputs and decide every interval."""
        watched = [
            entity
            for key in (
                CONF_SURPLUS_SENSOR,
                CONF_PRICE_SENSOR,
                CONF_HASHPRICE_ENTITY,
                CONF_TEMPERATURE_SENSOR,
            )
            if (entity := self.config.get(key))
        ]
        if watched:
            self._unsubs.append(
                async_track_state_change_event(self.hass, watched, self._async_input_changed)
            )
        interval = timedelta(seconds=self.config.get(CONF_INTERVAL, DEFAULT_INTERVAL_S))
        self._unsubs.append(async_track_time_interval(self.hass, self._async_tick, interval))
        self._unsubs.append(self.hass.bus.async_listen(EVENT_CALL_SERVICE, self._async_service))
        self._stored = await self.history.async_load(dt_util.utcnow().timestamp())
        for managed in self.loaded_miners():
            self._record(managed)
        await self.async_evaluate()

    @callback
    def async_stop(self) -> None:
        """Stop following; the miners keep their last state."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._unsub_later is not None:
            self._unsub_later()
            self._unsub_later = None
        for role in list(self.problems):
            self._clear_problem(role)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after each decision."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_request_evaluate(self) -> None:
        """Decide again soon (entities call this when the user changes something)."""
        if self._running:
            self._again = True
            return
        now = dt_util.utcnow().timestamp()
        if self._last_run is not None and now - self._last_run < MIN_GAP_S:
            if self._unsub_later is None:
                wait = MIN_GAP_S - (now - self._last_run)
                self._unsub_later = async_call_later(self.hass, wait, self._async_later)
            return
        self.entry.async_create_task(
            self.hass, self._async_run(), "whatsminer power manager decision"
        )

    @callback
    def _async_later(self, _now: Any) -> None:
        self._unsub_later = None
        self.async_request_evaluate()

    async def _async_run(self) -> None:
        self._running = True
        try:
            await self.async_evaluate()
        finally:
            self._running = False
        if self._again:
            self._again = False
            self.async_request_evaluate()

    @callback
    def _async_input_changed(self, _event: Event[Any]) -> None:
        self._note_reading()
        self.async_request_evaluate()

    def _note_reading(self) -> None:
        """Pair a new meter reading with what the managed miners drew when it came.

        The reading contains that draw; a decision made later, after a write but before the
        next reading, must add back that draw and not the new one (else each such decision
        would count the change twice). Called on the reading's event and at the start of
        every decision, whichever comes first.
        """
        entity_id = self.config.get(CONF_SURPLUS_SENSOR)
        state = self.hass.states.get(entity_id) if entity_id else None
        if state is None or state is self._reading:
            return
        self._reading = state  # a new reading is a new State object
        self._draw_at_reading = self._current_draw()

    def _current_draw(self) -> float:
        now = dt_util.utcnow().timestamp()
        return sum(
            self._draw(m)
            for m in self.loaded_miners()
            if m.key in self.records
            and not ((until := self.records[m.key].manual_until) and until > now)
        )

    @callback
    def _async_tick(self, _now: Any) -> None:
        self.async_request_evaluate()

    # The miners

    def loaded_miners(self) -> list[Managed]:
        """The managed miners whose entries are loaded."""
        devices = dr.async_get(self.hass)
        found: list[Managed] = []
        for device_id in self.miner_device_ids():
            device = devices.async_get(device_id)
            if device is None or device.config_entry_id is None:
                continue
            entry = self.hass.config_entries.async_get_entry(device.config_entry_id)
            if (
                entry is None
                or entry.domain != DOMAIN
                or entry.state is not ConfigEntryState.LOADED
            ):
                continue
            coordinator = cast(WhatsMinerCoordinator, entry.runtime_data)
            found.append(Managed(device_id, coordinator, controller_for(coordinator)))
        return found

    def _record(self, managed: Managed) -> MinerRecord:
        record = self.records.get(managed.key)
        if record is None:
            name = managed.coordinator.config_entry.title
            record = self.records[managed.key] = MinerRecord(name=name)
            if (stored := self._stored.pop(managed.key, None)) is not None:
                record.last_start, record.last_stop = stored.last_start, stored.last_stop
                record.restart_writes = list(stored.restart_writes)
                record.start_times = list(stored.start_times)
                record.efficiency_j_th = stored.efficiency_j_th

            @callback
            def polled() -> None:
                record.polled_at = dt_util.utcnow().timestamp()

            remove = managed.coordinator.async_add_listener(polled)
            self._unsubs.append(remove)
            registry = er.async_get(self.hass)
            mac = managed.coordinator.mac
            for entity in er.async_entries_for_device(registry, managed.key):
                if entity.unique_id in {f"{mac}_{key}" for key in MANUAL_KEYS}:
                    self._manual_entities[entity.entity_id] = managed.key
        return record

    @callback
    def _async_service(self, event: Event[Any]) -> None:
        """Someone else commands a miner: hands off it for a while."""
        data = event.data.get("service_data") or {}
        targets: set[str] = set()
        for attr in (ATTR_ENTITY_ID, ATTR_DEVICE_ID):
            value = data.get(attr)
            targets.update([value] if isinstance(value, str) else (value or []))
        now = dt_util.utcnow().timestamp()
        hold = 60.0 * self.config.get(CONF_MANUAL_HOLD, DEFAULT_MANUAL_HOLD_MIN)
        for target in targets:
            miner = self._manual_entities.get(target)
            if miner is None and target in self.records:
                miner = target  # a device id
            if miner is not None:
                record = self.records[miner]
                record.manual_until = now + hold
                record.commanded_w = None  # someone else sets its power now
                LOGGER.debug("%s is in manual control until %s", record.name, record.manual_until)

    # Inputs

    def _read(self, role: str, entity_id: str | None, *, power: bool) -> float | None:
        """A sensor's value (W for power), or the last good one with a repair issue."""
        if not entity_id:
            return None
        state = self.hass.states.get(entity_id)
        problem: str | None = None
        value: float | None = None
        if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            problem = "unavailable"
        else:
            try:
                value = float(state.state)
            except ValueError:
                problem = "not_numeric"
            else:
                if power:
                    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
                    if unit is not None and unit not in POWER_UNITS:
                        problem, value = "wrong_unit", None
                    elif unit is not None:
                        value *= POWER_UNITS[unit]
        if problem is None and value is not None:
            self._last_good[role] = value
            self._clear_problem(role)
            return value
        self._raise_problem(role, entity_id, problem or "unavailable", state.state if state else "")
        return self._last_good.get(role)

    def _issue(self, role: str) -> tuple[str, str]:
        """The repair issue of an input: its translation key and id."""
        key = ISSUE_BAD_HASHPRICE if role == "hashprice" else ISSUE_BAD_INPUT
        return key, f"{key}_{self.entry.entry_id}_{role}"

    def _raise_problem(self, role: str, entity_id: str, problem: str, state: str) -> None:
        if self.problems.get(role) == problem:
            return
        self.problems[role] = problem
        LOGGER.warning("Power manager input %s (%s): %s (%s)", role, entity_id, problem, state)
        translation_key, issue_id = self._issue(role)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=translation_key,
            translation_placeholders={
                "name": self.entry.title,
                "entity": entity_id,
                "problem": problem,
                "state": state,
            },
        )

    def _clear_problem(self, role: str) -> None:
        if self.problems.pop(role, None) is not None:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue(role)[1])

    def _read_market(self, price: float | None) -> Market | None:
        """The hashprice and the price in one currency; None without a hashprice sensor, or
        (with a repair issue) while it cannot be used: the miners then run as without one."""
        entity_id = self.config.get(CONF_HASHPRICE_ENTITY)
        if not entity_id:
            return None
        price_entity = self.config.get(CONF_PRICE_SENSOR)
        price_state = self.hass.states.get(price_entity) if price_entity else None
        if price_state is not None and "price" not in self.problems:
            self._price_unit = price_state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        state = self.hass.states.get(entity_id)
        found: Market | str = "unavailable"
        if state is not None and state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            try:
                value = float(state.state)
            except ValueError:
                value = math.nan
            found = (
                market(
                    value,
                    state.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
                    price,
                    self._price_unit,
                    margin_pct=float(
                        self.config.get(CONF_BREAK_EVEN_MARGIN, DEFAULT_BREAK_EVEN_MARGIN_PCT)
                    ),
                    default_currency=self.hass.config.currency,
                )
                if math.isfinite(value)
                else "not_numeric"
            )
        if isinstance(found, Market):
            self._clear_problem("hashprice")
            self.currency = found.currency
            return found
        self._raise_problem("hashprice", entity_id, found, state.state if state else "")
        return None

    def _estimate_profit(self, miners: list[Managed]) -> None:
        """Revenue and electricity cost per day of the miners mining now."""
        self.revenue_per_day = self.cost_per_day = None
        if self.market is None or self.market.price_per_kwh is None:
            return
        revenue = cost = 0.0
        for managed in miners:
            snapshot = cast(MinerSnapshot | None, managed.coordinator.data)
            if snapshot is None or not snapshot.mining:
                continue
            summary = snapshot.summary
            earned, spent = profit_per_day(
                self.market.hashprice_per_th_day,
                self.market.price_per_kwh,
                summary.power_w or 0.0,
                summary.hashrate_ths or 0.0,
            )
            revenue, cost = revenue + earned, cost + spent
        self.revenue_per_day, self.cost_per_day = revenue, cost

    def break_even(self, key: str) -> float | None:
        """A miner's break-even electricity price (per kWh) at the hashprice now."""
        record = self.records.get(key)
        if self.market is None or record is None:
            return None
        return self.market.break_even(record.efficiency_j_th)

    @callback
    def _save(self) -> None:
        """Save the miners' histories a little later."""
        self.history.async_delay_save(self._histories)

    def _histories(self) -> dict[str, MinerHistory]:
        configured = set(self.miner_device_ids())
        return {
            # Configured miners that are not loaded now keep theirs; others are forgotten.
            **{key: h for key, h in self._stored.items() if key in configured},
            **{key: record.history() for key, record in self.records.items()},
        }

    # Deciding

    def _inputs(self, miners: list[Managed], now: float) -> list[MinerInput]:
        inputs: list[MinerInput] = []
        for managed in miners:
            record = self._record(managed)
            coordinator, controller = managed.coordinator, managed.controller
            snapshot = cast(MinerSnapshot | None, coordinator.data)
            full, low = controller.full_power_w, controller.min_power_w
            available = (
                coordinator.last_update_success
                and snapshot is not None
                and not snapshot.process_down
                and full is not None
                and low is not None
            )
            if snapshot is not None and snapshot.mining and (eff := efficiency(snapshot)):
                known = record.efficiency_j_th
                record.efficiency_j_th = eff
                if known is None or abs(eff - known) > EFFICIENCY_SAVE_SHARE * known:
                    self._save()
            # A stop takes a poll or more to show (longer while the coalescer holds it back):
            # meanwhile the miner is no longer planned as running, nor sent power targets.
            stopping = record.stopping(
                now, stop_queued=coalescer_for(coordinator).pending("mining") is False
            )
            record.restart_writes = [t for t in record.restart_writes if now - t < HOUR_S]
            record.start_times = [t for t in record.start_times if now - t < DAY_S]
            inputs.append(
                MinerInput(
                    key=managed.key,
                    mining=bool(snapshot and snapshot.mining) and not stopping,
                    full_power_w=full or 0.0,
                    min_power_w=low or 0.0,
                    efficiency_j_th=record.efficiency_j_th,
                    available=available,
                    manual=record.manual_until is not None and record.manual_until > now,
                    can_switch=coordinator.capabilities.has(Control.MINING)
                    and not coordinator.monitor_only,
                    can_target=controller.supported,
                    last_start=record.last_start,
                    last_stop=record.last_stop,
                    restart_writes=tuple(record.restart_writes),
                    starts=tuple(record.start_times),
                    pays=self.market.pays(record.efficiency_j_th) if self.market else True,
                )
            )
        return inputs

    def _draw(self, managed: Managed) -> float:
        """What a managed miner draws now: what the manager last set it to, else the reading.

        The fast path reaches a new level within about a second, long before the next poll,
        and a poll that was under way while the level changed reports the old one: the level
        set is the better figure once the manager has set one.
        """
        record = self.records[managed.key]
        if record.commanded_w is not None:
            return record.commanded_w
        snapshot = cast(MinerSnapshot | None, managed.coordinator.data)
        if snapshot is None or not snapshot.mining:
            return 0.0
        return snapshot.summary.power_w or 0.0

    def _heat_limit(self, miners: list[Managed], full_w: float, now: float) -> float | None:
        if not self.heating:
            return None
        if not self.heat_on:
            return 0.0
        measured = self._read("temperature", self.config.get(CONF_TEMPERATURE_SENSOR), power=False)
        self.current_temp = measured
        self.pi.max_output = full_w
        self.pi.kp = full_w / 2.0  # full power at 2 K below the target
        self.pi.ki = self.pi.kp / 900.0  # integral time 15 minutes
        self.pi.deadband = 0.01 * full_w
        if measured is None:
            return self.heat_limit_w
        demand = self.pi.update(self.target_temp, measured, now)
        cap = float(self.config.get(CONF_CHIP_TEMP_MAX, DEFAULT_CHIP_TEMP_MAX_C))
        hottest = max(
            (
                s.summary.chip_temp_max_c or s.summary.chip_temp_avg_c or 0.0
                for m in miners
                if (s := cast(MinerSnapshot | None, m.coordinator.data)) is not None
            ),
            default=0.0,
        )
        if hottest >= cap:
            allocated = self.plan.allocated_w if self.plan else demand
            demand = min(demand, allocated * COOLING_FACTOR)
            self.pi.reset(demand)
        return demand

    async def async_evaluate(self) -> None:
        """Decide once and carry the decision out."""
        now = dt_util.utcnow().timestamp()
        self._last_run = now
        self._note_reading()
        miners = self.loaded_miners()
        price = self._read("price", self.config.get(CONF_PRICE_SENSOR), power=False)
        self.market = self._read_market(price)
        inputs = self._inputs(miners, now)
        full_w = sum(i.full_power_w for i in inputs if i.available and not i.manual)
        self.heat_limit_w = self._heat_limit(miners, full_w, now)
        surplus = self._read("surplus", self.config.get(CONF_SURPLUS_SENSOR), power=True)
        surplus_problem = "surplus" in self.problems
        sign = SurplusSign(self.config.get(CONF_SURPLUS_SIGN, SurplusSign.EXPORT_POSITIVE))
        draw = self._draw_at_reading
        if draw is None:
            draw = sum(self._draw(m) for m, i in zip(miners, inputs, strict=True) if not i.manual)
        budget, reason = compute_budget(
            BudgetInputs(
                budget_w=self.budget_number_w,
                full_power_w=full_w,
                surplus_w=surplus,
                sign=sign,
                mining_draw_w=draw,
                reserve_w=float(self.config.get(CONF_RESERVE, DEFAULT_RESERVE_W)),
                price=price,
                price_stop_above=self.config.get(CONF_PRICE_STOP_ABOVE),
                price_full_below=self.config.get(CONF_PRICE_FULL_BELOW),
                heat_limit_w=self.heat_limit_w,
            )
        )
        if surplus_problem and self.plan is not None:
            budget = self.budget_w  # hold the last budget while the input is bad
        self.budget_w, self.budget_reason = budget, reason
        notes: list[str] = [f"{role}: {problem}" for role, problem in self.problems.items()]
        self._estimate_profit(miners)
        if not self.managed:
            self._remember(now, None, ["hands_off", *notes])
            return
        plan = allocate(
            budget,
            inputs,
            self.limits,
            now,
            dip=self.plan.dip if self.plan else None,
            held=self.plan.held if self.plan else None,
            ledger=self.plan.ledger if self.plan else None,
        )
        self.plan = plan
        by_key = {m.key: m for m in miners}
        for decided in plan.miners:
            managed = by_key.get(decided.key)
            if managed is None:  # pragma: no cover - every input comes from a loaded miner
                continue
            try:
                await self._async_carry_out(managed, decided.action, decided.target_w, now)
            except HomeAssistantError as err:
                notes.append(f"{self.records[decided.key].name}: {err}")
                LOGGER.warning(
                    "Power manager could not control %s: %s", self.records[decided.key].name, err
                )
        self._remember(now, plan, notes)

    async def _async_carry_out(
        self, managed: Managed, action: Action, target_w: float, now: float
    ) -> None:
        record = self.records[managed.key]
        coordinator, controller = managed.coordinator, managed.controller
        coalescer = coalescer_for(coordinator)
        if action in (Action.START, Action.STOP):
            on = action is Action.START
            if coalescer.pending("mining") == on:
                return  # already asked for; the coalescer sends it when the interval allows
            record.restart_writes.append(now)
            if on:
                record.last_start, record.starts = now, record.starts + 1
                record.start_times.append(now)
            else:
                record.last_stop, record.stops = now, record.stops + 1
                record.commanded_w = 0.0
            self._save()

            async def apply() -> None:
                await async_set_mining(coordinator, on)  # watched: hold.py

            await coalescer.async_submit("mining", on, apply)
            if on and coalescer.pending("mining") is not None:
                record.commanded_w = 0.0  # held back: it does not draw yet
                return
        if action in (Action.START, Action.RUN) and controller.supported:
            full = controller.full_power_w or 0.0
            deadband = max(DEADBAND_W, 0.01 * full)
            current = controller.target_w
            stale = record.commanded_w is None or abs(record.commanded_w - target_w) >= deadband
            if current is None or stale or action is Action.START:
                record.commanded_w, record.commanded_at = target_w, now
                try:
                    await controller.async_set(target_w, refresh=False)
                except HomeAssistantError:
                    record.commanded_w = None  # unknown: go by the readings
                    raise
        elif action is Action.START:
            record.commanded_w = controller.full_power_w

    def _remember(self, now: float, plan: Plan | None, notes: list[str]) -> None:
        decision: dict[str, Any] = {
            "time": dt_util.utc_from_timestamp(now).isoformat(),
            "budget_w": round(self.budget_w),
            "budget_reason": str(self.budget_reason),
            "notes": notes,
        }
        if plan is not None:
            decision["allocated_w"] = round(plan.allocated_w)
            decision["miners"] = {
                self.records[m.key].name: {
                    "action": str(m.action),
                    "target_w": round(m.target_w),
                    "reason": str(m.reason),
                }
                for m in plan.miners
            }
        self.decisions.append(decision)
        for listener in list(self._listeners):
            listener()

    # Views for the entities

    def miner_attributes(self) -> dict[str, dict[str, Any]]:
        """Per miner: the last decision, its power and counters."""
        plans = self.plan.by_key() if self.plan else {}
        out: dict[str, dict[str, Any]] = {}
        for key, record in self.records.items():
            plan = plans.get(key)
            out[record.name] = {
                "action": str(plan.action) if plan else None,
                "target_w": round(plan.target_w) if plan else None,
                "reason": str(plan.reason) if plan else None,
                "efficiency_j_th": (
                    round(record.efficiency_j_th, 1) if record.efficiency_j_th else None
                ),
                "break_even_price": self.break_even(key),
                "starts": record.starts,
                "stops": record.stops,
            }
        return out

    def diagnostics(self) -> dict[str, Any]:
        """What the diagnostics download shows."""
        return {
            "config": dict(self.config),
            "managed": self.managed,
            "budget_number_w": self.budget_number_w,
            "budget_w": self.budget_w,
            "budget_reason": str(self.budget_reason),
            "heat_limit_w": self.heat_limit_w,
            "problems": dict(self.problems),
            "market": None
            if self.market is None
            else {
                "hashprice_per_th_day": self.market.hashprice_per_th_day,
                "price_per_kwh": self.market.price_per_kwh,
                "currency": self.market.currency,
                "margin_pct": self.market.margin_pct,
            },
            "miners": self.miner_attributes(),
            "day": None
            if self.plan is None or self.plan.ledger is None
            else {
                "mining_wh": round(self.plan.ledger.mining_wh, 1),
                "ridden_through_wh": round(self.plan.ledger.ridden_wh, 1),
                "ride_through_spent": self.plan.ledger.spent(self.limits),
            },
            "decisions": list(self.decisions),
        }
