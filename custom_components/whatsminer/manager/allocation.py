"""Spreading one power budget across several miners. Pure functions: no Home Assistant.

The rules, in the order they are applied:

1. A miner that is unavailable, in manual control (someone else changed its power or its
   mining switch recently) or that offers no control is left alone; the budget goes to the
   others.
2. The most efficient miner (lowest measured J/TH) comes first. A miner without a measured
   efficiency comes after those with one.
3. Whole miners start and stop only when the budget crosses their minimum (the lowest power
   they run stably at). Starts are the expensive resource: each restarts the mining
   software. A stopped miner starts when the budget left after the running miners' minima
   holds its own minimum plus a margin (150 W or a fifth of the minimum) and has held it
   for its start delay, so a gap between two clouds does not start a miner only to stop it
   again. That delay grows as the miner's `max_starts_per_day` starts of the last 24 hours
   are used up (`start_delay_s` times 1, 1.2, 1.5, 2, 3, 6 with six), and the last one
   used, it does not start until its oldest start is a day old.
   When the budget no longer holds the running miners' minima (a dip), they stay at their
   minima while the grid import the dip causes is within `ride_through_wh`: a passing
   cloud is often gone by then. Over a day (24 hours from the ledger's start), riding
   through may import at most `day_import_share` of the mining energy (or
   `day_import_floor_wh`, if more): past that, a dip does not ride through. Once the
   allowance is spent, or at once when the budget falls short by more than would spend
   it within a minute (then even the minimum run time gives way;
   the hourly limit of restart-causing writes never does), those that must keep running
   do, then of the others the set whose minima fill what is left the most (the fewest
   watts stopped, so the fewest starts later; ties: the more efficient); the others stop.
   Starts and stops respect a minimum run time, a minimum stop time and that hourly limit.
4. The budget above the running miners' minima goes, in efficiency order, to each running
   miner up to its full power, in watts: the power targets are fine-grained.
5. With a hashprice (profit.py), a miner whose break-even electricity price is below the
   price now does not start, and stops once its minimum run time and the hourly limit
   allow; until then it runs at its minimum. The least efficient has the lowest break-even
   price, so it is the first to stop as the price rises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

HOUR_S = 3600.0
DAY_S = 24 * HOUR_S


class Action(StrEnum):
    """What the manager does with one miner in one decision."""

    HOLD = "hold"  # left alone (unavailable, manual control, no control)
    RUN = "run"  # keeps mining, at `target_w`
    START = "start"  # starts mining, at `target_w`
    STOP = "stop"  # stops mining
    IDLE = "idle"  # stays stopped


class Reason(StrEnum):
    """Why: shown in the diagnostics and the per-miner attributes."""

    UNAVAILABLE = "unavailable"
    MANUAL = "manual"
    NO_CONTROL = "no_control"
    BUDGET = "budget"  # the budget decided
    BELOW_MINIMUM = "below_minimum"  # the budget does not hold this miner's minimum
    MIN_RUN_TIME = "min_run_time"  # would stop, but has not run long enough
    MIN_STOP_TIME = "min_stop_time"  # would start, but has not been stopped long enough
    RESTART_LIMIT = "restart_limit"  # would start/stop, but the hourly write limit is reached
    DAILY_START_LIMIT = "daily_start_limit"  # would start, but has started enough in 24 h
    RIDE_THROUGH = "ride_through"  # below the minima, riding through on the import allowance
    START_DELAY = "start_delay"  # the budget holds it, waiting for the start delay
    ABOVE_BREAK_EVEN = "above_break_even"  # the price is above this miner's break-even


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The anti-cycling limits (seconds, watts)."""

    min_run_s: float = 900.0
    min_stop_s: float = 600.0
    max_restart_writes_per_hour: int = 4
    start_margin_w: float = 150.0
    start_headroom: float = 0.2  # ... or this share of the miner's minimum, if more
    start_delay_s: float = 240.0  # grows as the miner's starts of the day are used up
    max_starts_per_day: int = 6  # per miner, in any 24 hours
    ride_through_wh: float = 30.0  # grid import a dip may cause before miners stop
    day_import_share: float = 0.005  # ... and all dips of a day, of its mining energy
    day_import_floor_wh: float = 100.0  # ... or this much, if more (the morning's first dips)

    @property
    def stop_now_deficit_w(self) -> float:
        """A shortfall that would spend the ride-through allowance within a minute."""
        return self.ride_through_wh * 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerInput:
    """One miner as the allocation sees it. Times are seconds on any monotonic scale."""

    key: str
    mining: bool
    full_power_w: float  # measured draw at 100 %
    min_power_w: float  # lowest stable power; == full_power_w without fine power control
    efficiency_j_th: float | None = None  # measured, not nameplate
    available: bool = True
    manual: bool = False
    can_switch: bool = True  # can be started and stopped
    can_target: bool = True  # takes a power target without restarting
    last_start: float | None = None  # when mining last started (None: long ago)
    last_stop: float | None = None
    restart_writes: tuple[float, ...] = ()  # times of restart-causing writes
    starts: tuple[float, ...] = ()  # times of the manager's starts of this miner
    pays: bool = True  # False: the electricity price is above its break-even price

    def writes_last_hour(self, now: float) -> int:
        """Restart-causing writes within the hour before `now`."""
        return sum(1 for t in self.restart_writes if now - t < HOUR_S)

    def starts_last_day(self, now: float) -> int:
        """Starts within the 24 hours before `now`."""
        return sum(1 for t in self.starts if now - t < DAY_S)

    @property
    def floor_w(self) -> float:
        """The least this miner draws while it runs under the manager."""
        return self.min_power_w if self.can_target else self.full_power_w


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerPlan:
    """The decision for one miner."""

    key: str
    action: Action
    reason: Reason
    target_w: float = 0.0  # the power target while it runs; 0 when stopped or held


@dataclass(frozen=True, slots=True, kw_only=True)
class Dip:
    """The budget below the running miners' minima: since when, and the import so far."""

    since: float
    at: float  # the last decision in the dip
    short_w: float  # by how much the budget fell short then
    wh: float = 0.0  # the grid import the dip has caused (estimated from the shortfall)

    def import_since(self, now: float) -> float:
        """The grid import (Wh) since the last decision in the dip."""
        return self.short_w * (now - self.at) / HOUR_S

    def after(self, short_w: float, now: float) -> Dip:
        """The same dip at the next decision."""
        wh = self.wh + self.import_since(now)
        return Dip(since=self.since, at=now, short_w=short_w, wh=wh)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ledger:
    """A day of the manager's own estimates: the energy it allocated to mining and the grid
    import its riding through dips caused. A new day starts 24 hours after `since`."""

    since: float
    at: float  # the last decision
    mining_w: float = 0.0  # allocated at the last decision
    mining_wh: float = 0.0
    ridden_wh: float = 0.0

    def after(self, now: float) -> Ledger:
        """The ledger at the next decision: the mining since the last one booked."""
        if now - self.since >= DAY_S:
            return Ledger(since=now, at=now, mining_w=self.mining_w)
        wh = self.mining_w * max(0.0, now - self.at) / HOUR_S
        return replace(self, at=now, mining_wh=self.mining_wh + wh)

    def spent(self, limits: Limits) -> bool:
        """Whether the day's riding through has imported all it may."""
        allowed = max(limits.day_import_floor_wh, limits.day_import_share * self.mining_wh)
        return self.ridden_wh >= allowed


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """One decision for all miners."""

    budget_w: float
    allocated_w: float
    unused_w: float
    miners: tuple[MinerPlan, ...]
    dip: Dip | None  # the budget is below the running miners' minima
    held: Mapping[str, float] = field(default_factory=dict)  # stopped miner -> held since
    ledger: Ledger | None = None  # the day so far

    @property
    def running(self) -> int:
        """Miners that run under this plan."""
        return sum(1 for m in self.miners if m.action in (Action.RUN, Action.START))

    def by_key(self) -> dict[str, MinerPlan]:
        """The plans by miner key."""
        return {m.key: m for m in self.miners}


def efficiency_order(miners: Sequence[MinerInput]) -> list[MinerInput]:
    """Most efficient first; unknown efficiency last; ties by key (stable, deterministic)."""
    return sorted(
        miners,
        key=lambda m: (m.efficiency_j_th is None, m.efficiency_j_th or 0.0, m.key),
    )


def _may_write(miner: MinerInput, limits: Limits, now: float) -> bool:
    return miner.writes_last_hour(now) < limits.max_restart_writes_per_hour


def _may_stop(miner: MinerInput, limits: Limits, now: float) -> Reason | None:
    """None when the miner may stop now, else why not."""
    if miner.last_start is not None and now - miner.last_start < limits.min_run_s:
        return Reason.MIN_RUN_TIME
    if not _may_write(miner, limits, now):
        return Reason.RESTART_LIMIT
    return None


def _may_start(miner: MinerInput, limits: Limits, now: float) -> Reason | None:
    """None when the miner may start now, else why not."""
    if miner.last_stop is not None and now - miner.last_stop < limits.min_stop_s:
        return Reason.MIN_STOP_TIME
    if not _may_write(miner, limits, now):
        return Reason.RESTART_LIMIT
    return None


def start_delay(miner: MinerInput, limits: Limits, now: float) -> float:
    """How long the surplus must hold this miner before it starts: the fewer of its starts of
    the day are left, the longer (with 6 a day: 1, 1.2, 1.5, 2, 3 and 6 times the delay)."""
    left = limits.max_starts_per_day - miner.starts_last_day(now)
    return limits.start_delay_s * limits.max_starts_per_day / max(1, left)


FIT_EXHAUSTIVE_UP_TO = 12  # miners; beyond, the most efficient that still fit


def _fullest_fit(candidates: Sequence[MinerInput], watts: float) -> list[MinerInput]:
    """The miners (given most efficient first) to keep in `watts`: the set whose minima fill
    it most, so that a dip stops as few watts of mining as it must (each stop costs a start
    later); among equal sets the more efficient."""
    if len(candidates) > FIT_EXHAUSTIVE_UP_TO:
        kept: list[MinerInput] = []
        for miner in candidates:
            if miner.floor_w <= watts - sum(m.floor_w for m in kept):
                kept.append(miner)
        return kept
    best: tuple[float, list[int]] = (0.0, [])
    for mask in range(1 << len(candidates)):
        chosen = [i for i in range(len(candidates)) if mask >> i & 1]
        floor = sum(candidates[i].floor_w for i in chosen)
        if floor <= watts and (floor, [-i for i in chosen]) > (best[0], [-i for i in best[1]]):
            best = (floor, chosen)
    return [candidates[i] for i in best[1]]


def _idle(miner: MinerInput, reason: Reason) -> MinerPlan:
    return MinerPlan(key=miner.key, action=Action.IDLE, reason=reason)


@dataclass(slots=True)
class _Decision:
    """One allocation under way: what is decided so far."""

    budget: float
    limits: Limits
    now: float
    plans: dict[str, MinerPlan]
    running: list[MinerInput]
    ledger: Ledger
    reasons: dict[str, Reason] = field(default_factory=dict)  # why a running miner runs
    starting: set[str] = field(default_factory=set)

    @property
    def floor(self) -> float:
        return sum(m.floor_w for m in self.running)

    def unprofitable(self) -> None:
        """Stop the running miners above their break-even price where the limits allow;
        the others of them run at their minimum."""
        for miner in [m for m in self.running if not m.pays]:
            why = _may_stop(miner, self.limits, self.now) if miner.can_switch else None
            if miner.can_switch and why is None:
                self.plans[miner.key] = MinerPlan(
                    key=miner.key, action=Action.STOP, reason=Reason.ABOVE_BREAK_EVEN
                )
                self.running.remove(miner)
            else:
                self.reasons[miner.key] = why or Reason.ABOVE_BREAK_EVEN

    def stops(self, dip: Dip | None) -> Dip | None:
        """Ride through a dip below the running miners' minima, or stop what no longer fits."""
        short_w = self.floor - self.budget
        now, limits = self.now, self.limits
        if dip is not None:
            ridden = self.ledger.ridden_wh + dip.import_since(now)
            self.ledger = replace(self.ledger, ridden_wh=ridden)
        if short_w <= 0:
            return None
        dip = Dip(since=now, at=now, short_w=short_w) if dip is None else dip.after(short_w, now)
        large = short_w >= limits.stop_now_deficit_w
        if not large and dip.wh < limits.ride_through_wh and not self.ledger.spent(limits):
            self.reasons = {m.key: Reason.RIDE_THROUGH for m in self.running}
            return dip
        # Keep what must keep running, then the set of the others that fills the rest most.
        kept: list[MinerInput] = []
        for miner in self.running:
            why = _may_stop(miner, limits, now) if miner.can_switch else Reason.BUDGET
            if why is Reason.MIN_RUN_TIME and large:
                why = None  # the minimum run time gives way to a large grid import
            if why is not None:
                kept.append(miner)
                if why is not Reason.BUDGET:
                    self.reasons[miner.key] = why
        left = self.budget - sum(m.floor_w for m in kept)
        stay = _fullest_fit([m for m in self.running if m not in kept], left)
        for miner in self.running:
            if miner in kept:
                continue
            if miner in stay:
                kept.append(miner)
            else:
                self.plans[miner.key] = MinerPlan(
                    key=miner.key, action=Action.STOP, reason=Reason.BELOW_MINIMUM
                )
        self.running = [m for m in self.running if m in kept]
        return dip if self.floor > self.budget else None

    def starts(self, stopped: list[MinerInput], held: Mapping[str, float]) -> dict[str, float]:
        """Start, most efficient first, each miner the budget left over has held (its minimum
        plus a margin) for its own start delay. Returns since when each miner that waits
        has been held."""
        now, limits = self.now, self.limits
        holding: dict[str, float] = {}
        for miner in stopped:
            spare = self.budget - self.floor
            margin = max(limits.start_margin_w, limits.start_headroom * miner.floor_w)
            if not miner.can_switch or spare < miner.floor_w + margin:
                self.plans[miner.key] = _idle(miner, Reason.BELOW_MINIMUM)
                continue
            if miner.starts_last_day(now) >= limits.max_starts_per_day:
                self.plans[miner.key] = _idle(miner, Reason.DAILY_START_LIMIT)
                continue
            since = holding[miner.key] = held.get(miner.key, now)
            why = _may_start(miner, limits, now)
            if now - since < start_delay(miner, limits, now):
                why = Reason.START_DELAY
            if why is not None:
                self.plans[miner.key] = _idle(miner, why)
                continue
            del holding[miner.key]
            self.starting.add(miner.key)
            self.running.append(miner)
        return holding

    def powers(self) -> float:
        """Every running miner gets its minimum, the rest goes in efficiency order. Returns
        the power allocated."""
        extra = self.budget - self.floor
        allocated = 0.0
        for miner in efficiency_order(self.running):
            target = miner.floor_w
            if miner.can_target and miner.pays and extra > 0:
                more = min(extra, miner.full_power_w - miner.floor_w)
                target += more
                extra -= more
            allocated += target
            action = Action.START if miner.key in self.starting else Action.RUN
            reason = self.reasons.get(miner.key, Reason.BUDGET)
            self.plans[miner.key] = MinerPlan(
                key=miner.key, action=action, reason=reason, target_w=target
            )
        return allocated


def allocate(
    budget_w: float,
    miners: Sequence[MinerInput],
    limits: Limits,
    now: float,
    *,
    dip: Dip | None = None,
    held: Mapping[str, float] | None = None,
    ledger: Ledger | None = None,
) -> Plan:
    """Decide which miners run and at what power, for `budget_w` watts in total.

    `dip`, `held` and `ledger` come from the previous plan: the dip under way, since when
    the surplus has held each stopped miner, and the day so far."""
    budget = max(0.0, budget_w)
    plans: dict[str, MinerPlan] = {}
    managed: list[MinerInput] = []
    for miner in miners:
        if not miner.available:
            plans[miner.key] = MinerPlan(
                key=miner.key, action=Action.HOLD, reason=Reason.UNAVAILABLE
            )
        elif miner.manual:
            plans[miner.key] = MinerPlan(key=miner.key, action=Action.HOLD, reason=Reason.MANUAL)
        elif not (miner.can_switch or miner.can_target):
            plans[miner.key] = MinerPlan(
                key=miner.key, action=Action.HOLD, reason=Reason.NO_CONTROL
            )
        else:
            managed.append(miner)
    order = efficiency_order(managed)
    decision = _Decision(
        budget=budget,
        limits=limits,
        now=now,
        plans=plans,
        running=[m for m in order if m.mining],
        ledger=Ledger(since=now, at=now) if ledger is None else ledger.after(now),
    )
    decision.unprofitable()
    dip = decision.stops(dip)
    for miner in order:
        if not (miner.mining or miner.pays):
            plans[miner.key] = _idle(miner, Reason.ABOVE_BREAK_EVEN)
    holding = decision.starts([m for m in order if not m.mining and m.pays], held or {})
    allocated = decision.powers()
    return Plan(
        budget_w=budget,
        allocated_w=allocated,
        unused_w=max(0.0, budget - allocated),
        miners=tuple(plans[m.key] for m in miners),
        dip=dip,
        held=holding,
        ledger=replace(decision.ledger, mining_w=allocated),
    )
