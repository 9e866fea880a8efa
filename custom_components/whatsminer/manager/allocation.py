"""Spreading one power budget across several miners. Pure functions: no Home Assistant.

The rules, in the order they are applied:

1. A miner that is unavailable, in manual control (someone else changed its power or its
   mining switch recently) or that offers no control is left alone; the budget goes to the
   others.
2. The most efficient miner (lowest measured J/TH) comes first. A miner without a measured
   efficiency comes after those with one.
3. Whole miners start and stop only when the budget crosses their minimum (the lowest power
   they run stably at). A stopped miner starts when the budget left after the running
   miners' minima holds its own minimum plus a margin (150 W or a fifth of the minimum)
   and has held it for `start_delay_s`, so a gap between two clouds does not start a
   miner only to stop it again. When the budget no longer holds the running miners'
   minima, those that must keep running do, then, most efficient first, those that still
   fit; the others stop: after `stop_delay_s`, or at once when the budget falls short by
   `stop_now_deficit_w` or more (that would be grid import, so then even the minimum run
   time gives way; the hourly limit of restart-causing writes never does). Starts and
   stops respect a minimum run time, a minimum stop time and that hourly limit.
4. The budget above the running miners' minima goes, in efficiency order, to each running
   miner up to its full power, in watts: the power targets are fine-grained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

HOUR_S = 3600.0


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
    STOP_DELAY = "stop_delay"  # below the minima, waiting for the stop delay
    START_DELAY = "start_delay"  # the budget holds it, waiting for the start delay


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The anti-cycling limits (seconds, watts)."""

    min_run_s: float = 900.0
    min_stop_s: float = 600.0
    max_restart_writes_per_hour: int = 4
    start_margin_w: float = 150.0
    start_headroom: float = 0.2  # ... or this share of the miner's minimum, if more
    start_delay_s: float = 240.0
    stop_delay_s: float = 30.0
    stop_now_deficit_w: float = 400.0


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

    def writes_last_hour(self, now: float) -> int:
        """Restart-causing writes within the hour before `now`."""
        return sum(1 for t in self.restart_writes if now - t < HOUR_S)

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
class Plan:
    """One decision for all miners."""

    budget_w: float
    allocated_w: float
    unused_w: float
    miners: tuple[MinerPlan, ...]
    deficit_since: float | None  # the budget is below the running miners' minima since
    surplus_since: float | None = None  # the budget holds one more miner since

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


def allocate(
    budget_w: float,
    miners: Sequence[MinerInput],
    limits: Limits,
    now: float,
    *,
    deficit_since: float | None = None,
    surplus_since: float | None = None,
) -> Plan:
    """Decide which miners run and at what power, for `budget_w` watts in total."""
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
    running = [m for m in order if m.mining]
    stopped = [m for m in order if not m.mining]
    stop_reason: dict[str, Reason] = {}

    # Stops: the budget no longer holds the running miners' minima.
    floor = sum(m.floor_w for m in running)
    if budget < floor:
        deficit_since = now if deficit_since is None else deficit_since
        short = floor - budget >= limits.stop_now_deficit_w
        if short or now - deficit_since >= limits.stop_delay_s:
            # Keep what must keep running, then, most efficient first, what still fits.
            kept: list[MinerInput] = []
            for miner in running:
                why = _may_stop(miner, limits, now) if miner.can_switch else Reason.BUDGET
                if why is Reason.MIN_RUN_TIME and short:
                    why = None  # the minimum run time gives way to a large grid import
                if why is not None:
                    kept.append(miner)
                    if why is not Reason.BUDGET:
                        stop_reason[miner.key] = why
            left = budget - sum(m.floor_w for m in kept)
            for miner in running:
                if miner in kept:
                    continue
                if miner.floor_w <= left:
                    kept.append(miner)
                    left -= miner.floor_w
                    continue
                plans[miner.key] = MinerPlan(
                    key=miner.key, action=Action.STOP, reason=Reason.BELOW_MINIMUM
                )
            running = [m for m in running if m in kept]
            floor = sum(m.floor_w for m in running)
        else:
            stop_reason = {m.key: Reason.STOP_DELAY for m in running}
        if budget >= floor:
            deficit_since = None
    else:
        deficit_since = None

    # Starts: the budget left over holds one more miner's minimum (plus a margin), and has
    # held it for the start delay.
    starting: set[str] = set()
    held = False
    for miner in stopped:
        if miner.key in plans:
            continue
        spare = budget - floor
        margin = max(limits.start_margin_w, limits.start_headroom * miner.floor_w)
        if not miner.can_switch or spare < miner.floor_w + margin:
            plans[miner.key] = MinerPlan(
                key=miner.key, action=Action.IDLE, reason=Reason.BELOW_MINIMUM
            )
            continue
        if (why := _may_start(miner, limits, now)) is not None:
            plans[miner.key] = MinerPlan(key=miner.key, action=Action.IDLE, reason=why)
            continue
        held = True
        surplus_since = now if surplus_since is None else surplus_since
        if now - surplus_since < limits.start_delay_s:
            plans[miner.key] = MinerPlan(
                key=miner.key, action=Action.IDLE, reason=Reason.START_DELAY
            )
            continue
        starting.add(miner.key)
        running.append(miner)
        floor += miner.floor_w
    if not held or starting:
        surplus_since = None  # after a start, the next one waits for the surplus again

    # Power: every running miner gets its minimum, the rest goes in efficiency order.
    extra = budget - floor
    allocated = 0.0
    for miner in efficiency_order(running):
        target = miner.floor_w
        if miner.can_target and extra > 0:
            more = min(extra, miner.full_power_w - miner.floor_w)
            target += more
            extra -= more
        allocated += target
        action = Action.START if miner.key in starting else Action.RUN
        reason = stop_reason.get(miner.key, Reason.BUDGET)
        plans[miner.key] = MinerPlan(key=miner.key, action=action, reason=reason, target_w=target)
    for miner in stopped:  # a stopped miner nobody decided about stays stopped
        plans.setdefault(
            miner.key, MinerPlan(key=miner.key, action=Action.IDLE, reason=Reason.BELOW_MINIMUM)
        )
    return Plan(
        budget_w=budget,
        allocated_w=allocated,
        unused_w=max(0.0, budget - allocated),
        miners=tuple(plans[m.key] for m in miners),
        deficit_since=deficit_since,
        surplus_since=surplus_since,
    )
