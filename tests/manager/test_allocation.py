"""The allocation rules, without Home Assistant."""

from __future__ import annotations

from dataclasses import replace

from custom_components.whatsminer.manager.allocation import (
    DAY_S,
    Action,
    Dip,
    Ledger,
    Limits,
    MinerInput,
    Plan,
    Reason,
    allocate,
    efficiency_order,
    start_delay,
)

LIMITS = Limits(
    min_run_s=600,
    min_stop_s=300,
    max_restart_writes_per_hour=4,
    start_margin_w=100,
    start_headroom=0,
    ride_through_wh=20,  # stops at once 1200 W short
    start_delay_s=0,
)
NOW = 100_000.0


def miner(key: str, j_th: float | None, *, mining: bool = False, **kw: object) -> MinerInput:
    return MinerInput(
        key=key,
        mining=mining,
        full_power_w=kw.pop("full", 3000.0),  # type: ignore[arg-type]
        min_power_w=kw.pop("minimum", 1500.0),  # type: ignore[arg-type]
        efficiency_j_th=j_th,
        **kw,  # type: ignore[arg-type]
    )


def actions(plan: Plan) -> dict[str, tuple[Action, float]]:
    return {m.key: (m.action, m.target_w) for m in plan.miners}


def test_most_efficient_first_and_unknown_last() -> None:
    ms = [miner("c", None), miner("b", 40.0), miner("a", 25.0)]
    assert [m.key for m in efficiency_order(ms)] == ["a", "b", "c"]


def test_fine_steps_fill_the_most_efficient_first() -> None:
    ms = [miner("bad", 40.0, mining=True), miner("good", 25.0, mining=True)]
    plan = allocate(4200, ms, LIMITS, NOW)
    assert actions(plan) == {"bad": (Action.RUN, 1500.0), "good": (Action.RUN, 2700.0)}
    assert plan.allocated_w == 4200 and plan.unused_w == 0 and plan.running == 2
    assert plan.by_key()["good"].reason is Reason.BUDGET


def test_starts_when_budget_holds_minimum_plus_margin() -> None:
    ms = [miner("a", 25.0), miner("b", 40.0)]
    assert actions(allocate(1550, ms, LIMITS, NOW)) == {
        "a": (Action.IDLE, 0.0),
        "b": (Action.IDLE, 0.0),
    }
    plan = allocate(1700, ms, LIMITS, NOW)
    assert actions(plan)["a"] == (Action.START, 1700.0)
    assert plan.by_key()["b"].reason is Reason.BELOW_MINIMUM
    plan = allocate(3300, ms, LIMITS, NOW)
    assert actions(plan) == {"a": (Action.START, 1800.0), "b": (Action.START, 1500.0)}


def test_full_power_is_the_upper_bound_and_the_rest_unused() -> None:
    plan = allocate(10_000, [miner("a", 25.0, mining=True)], LIMITS, NOW)
    assert actions(plan) == {"a": (Action.RUN, 3000.0)}
    assert plan.unused_w == 7000


def test_a_dip_is_ridden_through_until_its_import_allowance_is_spent() -> None:
    """1000 W short: the miners stay at their minima for 20 Wh (72 s), then the least
    efficient stops."""
    ms = [miner("a", 25.0, mining=True), miner("b", 40.0, mining=True)]
    plan = allocate(2000, ms, LIMITS, NOW)
    assert actions(plan) == {"a": (Action.RUN, 1500.0), "b": (Action.RUN, 1500.0)}
    assert plan.dip == Dip(since=NOW, at=NOW, short_w=1000.0)
    assert plan.by_key()["b"].reason is Reason.RIDE_THROUGH
    plan = allocate(2000, ms, LIMITS, NOW + 60, dip=plan.dip)
    assert plan.by_key()["b"].action is Action.RUN
    assert plan.dip is not None and round(plan.dip.wh, 1) == 16.7
    plan = allocate(2000, ms, LIMITS, NOW + 75, dip=plan.dip)
    assert actions(plan) == {"a": (Action.RUN, 2000.0), "b": (Action.STOP, 0.0)}
    assert plan.dip is None


def test_the_day_books_mining_and_the_import_of_its_dips() -> None:
    """The ledger books what was allocated since the last decision and, once a dip ends,
    all the import it caused; a new day starts 24 hours after the first decision."""
    limits = replace(LIMITS, day_import_share=0.01, day_import_floor_wh=20)
    ms = [miner("a", 25.0, mining=True)]
    plan = allocate(3000, ms, limits, NOW)
    assert plan.ledger == Ledger(since=NOW, at=NOW, mining_w=3000.0)
    plan = allocate(3000, ms, limits, NOW + 3600, ledger=plan.ledger)
    assert plan.ledger is not None and plan.ledger.mining_wh == 3000.0
    plan = allocate(1000, ms, limits, NOW + 3600, ledger=plan.ledger, dip=plan.dip)  # 500 W short
    plan = allocate(1000, ms, limits, NOW + 3630, ledger=plan.ledger, dip=plan.dip)
    plan = allocate(3000, ms, limits, NOW + 3660, ledger=plan.ledger, dip=plan.dip)  # over
    assert plan.dip is None and plan.ledger is not None
    assert round(plan.ledger.ridden_wh, 2) == round(500 * 60 / 3600, 2)
    assert round(plan.ledger.mining_wh) == 3000 + round(1500 * 60 / 3600)
    assert not plan.ledger.spent(limits)  # 8.3 of max(20, 1 % of 3025) = 30.25 Wh
    assert replace(plan.ledger, ridden_wh=30.3).spent(limits)
    later = plan.ledger.after(NOW + DAY_S)
    assert later == Ledger(since=NOW + DAY_S, at=NOW + DAY_S, mining_w=3000.0)


def test_once_the_days_allowance_is_spent_a_dip_stops_at_once() -> None:
    """A small dip that would ride through stops the miner at once when the day's riding
    through has imported its share; one within its minimum run time stays at its minimum."""
    limits = replace(LIMITS, day_import_share=0.01, day_import_floor_wh=20)
    ms = [miner("a", 25.0, mining=True)]
    day = Ledger(since=NOW - 7200, at=NOW, mining_wh=3000.0, ridden_wh=10.0)
    plan = allocate(1200, ms, limits, NOW, ledger=day)  # 300 W short
    assert actions(plan) == {"a": (Action.RUN, 1500.0)}
    assert plan.by_key()["a"].reason is Reason.RIDE_THROUGH
    spent = replace(day, ridden_wh=30.0)
    plan = allocate(1200, ms, limits, NOW, ledger=spent)
    assert actions(plan) == {"a": (Action.STOP, 0.0)}
    assert plan.by_key()["a"].reason is Reason.BELOW_MINIMUM
    young = [miner("a", 25.0, mining=True, last_start=NOW - 100)]
    plan = allocate(1200, young, limits, NOW, ledger=spent)
    assert actions(plan) == {"a": (Action.RUN, 1500.0)}
    assert plan.by_key()["a"].reason is Reason.MIN_RUN_TIME


def test_budget_back_above_minima_ends_the_dip() -> None:
    ms = [miner("a", 25.0, mining=True)]
    plan = allocate(1000, ms, LIMITS, NOW)
    assert plan.dip is not None and plan.dip.since == NOW
    plan = allocate(2000, ms, LIMITS, NOW + 30, dip=plan.dip)
    assert plan.dip is None


def test_min_run_time_keeps_a_miner_at_its_minimum() -> None:
    ms = [miner("a", 25.0, mining=True, last_start=NOW - 100)]
    spent = Dip(since=NOW - 120, at=NOW - 10, short_w=500.0, wh=25.0)
    plan = allocate(1000, ms, LIMITS, NOW, dip=spent)
    assert actions(plan) == {"a": (Action.RUN, 1500.0)}
    assert plan.by_key()["a"].reason is Reason.MIN_RUN_TIME
    assert plan.dip is not None and plan.dip.since == NOW - 120


def test_min_stop_time_and_restart_limit_block_starts() -> None:
    recently = miner("a", 25.0, last_stop=NOW - 100)
    plan = allocate(5000, [recently], LIMITS, NOW)
    assert plan.by_key()["a"].reason is Reason.MIN_STOP_TIME
    busy = miner("a", 25.0, restart_writes=(NOW - 3000, NOW - 2000, NOW - 1000, NOW - 10))
    plan = allocate(5000, [busy], LIMITS, NOW)
    assert plan.by_key()["a"].reason is Reason.RESTART_LIMIT
    old = miner("a", 25.0, restart_writes=(NOW - 5000,) * 4)
    assert allocate(5000, [old], LIMITS, NOW).by_key()["a"].action is Action.START


def test_restart_limit_blocks_stops() -> None:
    busy = miner("a", 25.0, mining=True, restart_writes=(NOW - 10,) * 4)
    plan = allocate(0, [busy], LIMITS, NOW)
    assert plan.by_key()["a"].reason is Reason.RESTART_LIMIT
    assert plan.by_key()["a"].action is Action.RUN


def test_unavailable_manual_and_uncontrolled_miners_are_left_alone() -> None:
    ms = [
        miner("gone", 20.0, available=False),
        miner("hands", 21.0, mining=True, manual=True),
        miner("none", 22.0, can_switch=False, can_target=False),
        miner("ok", 30.0, mining=True),
    ]
    plan = allocate(2500, ms, LIMITS, NOW)
    by_key = plan.by_key()
    assert by_key["gone"].action is Action.HOLD and by_key["gone"].reason is Reason.UNAVAILABLE
    assert by_key["hands"].reason is Reason.MANUAL
    assert by_key["none"].reason is Reason.NO_CONTROL
    assert by_key["ok"].target_w == 2500  # the whole budget goes to the one left


def test_miner_without_power_target_runs_whole() -> None:
    ms = [miner("onoff", 30.0, can_target=False)]
    assert actions(allocate(2000, ms, LIMITS, NOW))["onoff"][0] is Action.IDLE
    assert actions(allocate(3200, ms, LIMITS, NOW))["onoff"] == (Action.START, 3000.0)


def test_miner_that_cannot_switch_runs_at_least_its_minimum() -> None:
    ms = [miner("stuck", 30.0, mining=True, can_switch=False)]
    plan = allocate(0, ms, LIMITS, NOW)
    assert actions(plan) == {"stuck": (Action.RUN, 1500.0)}
    idle = [miner("stuck", 30.0, can_switch=False)]
    assert actions(allocate(5000, idle, LIMITS, NOW)) == {"stuck": (Action.IDLE, 0.0)}


def test_negative_budget_is_zero() -> None:
    plan = allocate(-500, [miner("a", 25.0)], LIMITS, NOW)
    assert plan.budget_w == 0 and plan.allocated_w == 0 and plan.unused_w == 0


def test_writes_last_hour_counts_only_the_hour() -> None:
    m = miner("a", 25.0, restart_writes=(NOW - 4000, NOW - 100))
    assert m.writes_last_hour(NOW) == 1


def test_start_waits_for_the_start_delay() -> None:
    limits = Limits(start_delay_s=120, start_margin_w=100)
    ms = [miner("a", 25.0), miner("b", 40.0)]
    plan = allocate(5000, ms, limits, NOW)
    assert plan.by_key()["a"].reason is Reason.START_DELAY
    assert plan.held == {"a": NOW, "b": NOW}
    plan = allocate(5000, ms, limits, NOW + 60, held=plan.held)
    assert plan.by_key()["a"].action is Action.IDLE
    plan = allocate(5000, ms, limits, NOW + 121, held=plan.held)
    assert plan.by_key()["a"].action is Action.START
    assert plan.by_key()["b"].action is Action.START  # one decision may start several
    assert plan.held == {}
    plan = allocate(500, ms, limits, NOW + 200, held={"a": NOW})
    assert plan.held == {}  # the surplus went away: start again from zero


def test_start_delay_grows_as_the_starts_of_the_day_are_used_up() -> None:
    limits = Limits(start_delay_s=60, max_starts_per_day=6)
    delays = [start_delay(miner("a", 25.0, starts=(NOW - 100,) * n), limits, NOW) for n in range(6)]
    assert delays == [60, 72, 90, 120, 180, 360]
    yesterday = miner("a", 25.0, starts=(NOW - 90_000,) * 5)
    assert start_delay(yesterday, limits, NOW) == 60  # starts older than a day do not count


def test_daily_start_limit() -> None:
    """A miner that started max_starts_per_day times in 24 hours does not start again (and
    does not keep a less efficient one waiting) until its oldest start is a day old."""
    limits = Limits(start_delay_s=0, max_starts_per_day=3, start_margin_w=100)
    day = (NOW - 80_000, NOW - 50_000, NOW - 1000)
    ms = [miner("a", 25.0, starts=day), miner("b", 40.0)]
    plan = allocate(1900, ms, limits, NOW)
    assert plan.by_key()["a"].reason is Reason.DAILY_START_LIMIT
    assert plan.by_key()["b"].action is Action.START
    assert allocate(1900, ms, limits, NOW + 6400).by_key()["a"].action is Action.START


def test_each_miner_waits_for_its_own_start_delay() -> None:
    """A miner with few starts left waits longer; a less efficient one that the budget also
    holds starts after its own, shorter delay."""
    limits = Limits(start_delay_s=60, max_starts_per_day=6, start_margin_w=100)
    tired = miner("a", 25.0, starts=(NOW - 1000,) * 4)  # 3 x 60 s
    ms = [tired, miner("b", 40.0)]
    plan = allocate(1900, ms, limits, NOW + 70, held={"a": NOW, "b": NOW})
    assert actions(plan) == {"a": (Action.IDLE, 0.0), "b": (Action.START, 1900.0)}
    assert plan.by_key()["a"].reason is Reason.START_DELAY and plan.held == {"a": NOW}


def test_large_deficit_stops_at_once() -> None:
    limits = Limits(ride_through_wh=10)  # a minute of 600 W
    assert limits.stop_now_deficit_w == 600
    ms = [miner("a", 25.0, mining=True), miner("b", 40.0, mining=True)]
    assert allocate(2500, ms, limits, NOW).by_key()["b"].action is Action.RUN
    assert allocate(2400, ms, limits, NOW).by_key()["b"].action is Action.STOP


def test_a_smaller_miner_that_fits_keeps_running() -> None:
    """When the most efficient miner's minimum no longer fits, a smaller one that does stays."""
    limits = Limits(ride_through_wh=0)
    ms = [
        miner("big", 25.0, mining=True, full=5600.0, minimum=2800.0),
        miner("small", 35.0, mining=True),
    ]
    plan = allocate(2400, ms, limits, NOW)
    assert actions(plan) == {"big": (Action.STOP, 0.0), "small": (Action.RUN, 2400.0)}


def test_a_dip_stops_as_little_mining_as_it_must() -> None:
    """3600 W left: the two small miners (3400 W of minima) keep running rather than the most
    efficient one alone (2800 W): one stop instead of two, so one start less later."""
    limits = Limits(ride_through_wh=0)
    ms = [
        miner("big", 26.0, mining=True, full=5600.0, minimum=2800.0),
        miner("mid", 34.0, mining=True, full=3400.0, minimum=1700.0),
        miner("old", 49.0, mining=True, full=3400.0, minimum=1700.0),
    ]
    plan = allocate(3600, ms, limits, NOW)
    assert actions(plan) == {
        "big": (Action.STOP, 0.0),
        "mid": (Action.RUN, 1900.0),
        "old": (Action.RUN, 1700.0),
    }
    # among sets that fill the budget equally, the more efficient: "mid" rather than "old"
    plan = allocate(2000, ms, limits, NOW)
    assert {k for k, (a, _) in actions(plan).items() if a is Action.RUN} == {"mid"}


def test_many_miners_in_a_dip_keep_the_most_efficient_that_fit() -> None:
    """Beyond a dozen miners the choice is greedy, most efficient first."""
    limits = Limits(ride_through_wh=0)
    ms = [miner(f"m{i:02}", 20.0 + i, mining=True) for i in range(14)]
    plan = allocate(4600, ms, limits, NOW)
    assert [k for k, (a, _) in actions(plan).items() if a is Action.RUN] == ["m00", "m01", "m02"]


def test_large_deficit_overrides_the_minimum_run_time_not_the_write_limit() -> None:
    limits = Limits(ride_through_wh=10, min_run_s=600)
    fresh = miner("a", 25.0, mining=True, last_start=NOW - 10)
    spent = Dip(since=NOW - 100, at=NOW - 5, short_w=100.0, wh=11.0)
    plan = allocate(1400, [fresh], limits, NOW, dip=spent)
    assert plan.by_key()["a"].reason is Reason.MIN_RUN_TIME
    assert allocate(0, [fresh], limits, NOW).by_key()["a"].action is Action.STOP
    busy = miner("a", 25.0, mining=True, restart_writes=(NOW - 10,) * 4)
    assert allocate(0, [busy], limits, NOW).by_key()["a"].reason is Reason.RESTART_LIMIT


def test_above_break_even_stops_and_stays_stopped() -> None:
    """A miner that no longer pays stops (its budget goes to the others) and a stopped one
    does not start, however large the budget."""
    ms = [
        miner("good", 25.0, mining=True),
        miner("bad", 40.0, mining=True, pays=False),
        miner("worse", 50.0, pays=False),
    ]
    plan = allocate(9000, ms, LIMITS, NOW)
    assert actions(plan) == {
        "good": (Action.RUN, 3000.0),
        "bad": (Action.STOP, 0.0),
        "worse": (Action.IDLE, 0.0),
    }
    assert {m.key: m.reason for m in plan.miners}["worse"] is Reason.ABOVE_BREAK_EVEN
    assert plan.by_key()["bad"].reason is Reason.ABOVE_BREAK_EVEN


def test_above_break_even_waits_for_the_limits_at_its_minimum() -> None:
    """Within its minimum run time, or without a mining switch, a miner that no longer pays
    runs at its minimum; the rest of the budget goes to the others."""
    ms = [
        miner("good", 25.0, mining=True),
        miner("young", 40.0, mining=True, pays=False, last_start=NOW - 60),
        miner("fixed", 45.0, mining=True, pays=False, can_switch=False),
    ]
    plan = allocate(9000, ms, LIMITS, NOW)
    assert actions(plan) == {
        "good": (Action.RUN, 3000.0),
        "young": (Action.RUN, 1500.0),
        "fixed": (Action.RUN, 1500.0),
    }
    reasons = {m.key: m.reason for m in plan.miners}
    assert reasons["young"] is Reason.MIN_RUN_TIME
    assert reasons["fixed"] is Reason.ABOVE_BREAK_EVEN
