"""Budget, power conversion, restart detection and the PI loop, without Home Assistant."""

from __future__ import annotations

from custom_components.whatsminer.api.models import (
    MinerSettings,
    MinerSnapshot,
    Status,
    Summary,
)
from custom_components.whatsminer.manager.budget import (
    BudgetInputs,
    BudgetReason,
    SurplusSign,
    compute_budget,
)
from custom_components.whatsminer.manager.pi import PiController
from custom_components.whatsminer.manager.power import (
    Observed,
    efficiency,
    full_power_guess,
    is_steady,
    learn_full_power,
    needs_reapply,
    percent_for,
    warmed_up,
    watts_for,
)


def snap(**kw: object) -> MinerSnapshot:
    summary_keys = {
        "power_w",
        "elapsed_s",
        "uptime_s",
        "upfreq_complete",
        "hashrate_ths",
        "efficiency_j_th",
        "power_limit_w",
    }
    summary = Summary(**{k: v for k, v in kw.items() if k in summary_keys})  # type: ignore[arg-type]
    return MinerSnapshot(
        summary=summary,
        status=Status(mining=bool(kw.get("mining", True))),
        process_down=bool(kw.get("process_down", False)),
        settings=MinerSettings(power_percent=kw.get("percent")),  # type: ignore[arg-type]
        power_max_w=kw.get("power_max_w"),  # type: ignore[arg-type]
    )


def test_percent_for_rounds_and_clamps() -> None:
    assert percent_for(1700, 3400, 50) == 50
    assert percent_for(2549, 3400, 50) == 75
    assert percent_for(2530, 3400, 50) == 74
    assert percent_for(100, 3400, 50) == 50
    assert percent_for(9999, 3400, 50) == 100
    assert percent_for(1000, 0, 50) == 100
    assert watts_for(50, 3400) == 1700


def test_learning_needs_warm_full_power() -> None:
    warm = snap(power_w=3400, upfreq_complete=True)
    assert warmed_up(warm)
    assert learn_full_power(None, warm, None) == 3400
    assert learn_full_power(3000, warm, 100) == 3000 + 0.3 * 400
    half = snap(power_w=1700, upfreq_complete=True)
    assert learn_full_power(3000, half, 50) == 3000  # only readings at 100 % count
    cold = snap(power_w=1000, upfreq_complete=False)
    assert learn_full_power(None, cold, None) is None
    assert warmed_up(snap(power_w=3400, elapsed_s=700))
    assert not warmed_up(snap(power_w=3400, elapsed_s=10))
    assert not warmed_up(snap(power_w=3400, mining=False))
    assert not warmed_up(snap(power_w=3400, elapsed_s=7000), mining_for_s=30)  # just started
    assert warmed_up(snap(power_w=3400, elapsed_s=7000), mining_for_s=700)
    assert learn_full_power(5.0, snap(power_w=None, upfreq_complete=True), None) == 5.0


def test_steady_readings_teach_without_warm_up_signs() -> None:
    assert not is_steady(None, 50, 1700)
    assert not is_steady((60, 1700), 50, 1700)
    assert not is_steady((50, 1500), 50, 1700)
    assert is_steady((50, 1690), 50, 1700)
    assert not is_steady((50, 1690), 50, None)
    young = snap(power_w=3400, elapsed_s=7000)
    assert learn_full_power(None, young, 100, 30) is None
    assert learn_full_power(None, young, 100, 30, steady=True) == 3400
    assert learn_full_power(None, snap(power_w=3400, mining=False), 100, steady=True) is None


def test_full_power_guess_and_efficiency() -> None:
    assert full_power_guess(snap(), 3600) == 3600
    assert full_power_guess(snap(power_max_w=3500), None) == 3500
    assert full_power_guess(snap(power_limit_w=3300), None) == 3300
    assert full_power_guess(snap(power_limit_w=99999, power_w=3100), None) == 3100
    assert full_power_guess(snap(), None) is None
    assert efficiency(snap(efficiency_j_th=30.5)) == 30.5
    assert efficiency(snap(power_w=3000, hashrate_ths=100)) == 30
    assert efficiency(snap()) is None
    # Tuning after a start: the hashrate lags the power, so no figure until it has finished.
    assert efficiency(snap(power_w=3000, hashrate_ths=40, upfreq_complete=False)) is None
    assert efficiency(snap(power_w=3000, hashrate_ths=100, upfreq_complete=True)) == 30


def test_reapply_after_restarts() -> None:
    base = Observed.of(snap(uptime_s=1000, elapsed_s=900, upfreq_complete=True))
    assert not needs_reapply(base, base, 60)
    assert not needs_reapply(base, base, None)
    assert needs_reapply(base, Observed.of(snap(uptime_s=10, elapsed_s=5)), 60)
    assert needs_reapply(base, Observed.of(snap(uptime_s=1100, elapsed_s=5)), 60)
    down = Observed.of(snap(process_down=True))
    assert not needs_reapply(base, down, 60)
    assert needs_reapply(down, base, 60)
    off = Observed.of(snap(mining=False))
    assert needs_reapply(off, base, 60)
    tuning = Observed.of(snap(uptime_s=900, elapsed_s=800, upfreq_complete=False))
    assert needs_reapply(tuning, base, 60)
    assert needs_reapply(None, Observed.of(snap(percent=100)), 60)
    assert not needs_reapply(None, Observed.of(snap(percent=60)), 60)
    assert not needs_reapply(None, base, 60)


def test_budget_from_number_surplus_price_and_heat() -> None:
    plain = BudgetInputs(budget_w=5000, full_power_w=9000)
    assert compute_budget(plain) == (5000, BudgetReason.BUDGET)
    surplus = BudgetInputs(
        budget_w=99999, full_power_w=9000, surplus_w=500, mining_draw_w=3000, reserve_w=100
    )
    assert compute_budget(surplus) == (3400, BudgetReason.SURPLUS)
    meter = BudgetInputs(
        budget_w=99999,
        full_power_w=9000,
        surplus_w=-500,
        sign=SurplusSign.IMPORT_POSITIVE,
        mining_draw_w=3000,
    )
    assert compute_budget(meter) == (3500, BudgetReason.SURPLUS)
    pv = BudgetInputs(
        budget_w=99999,
        full_power_w=9000,
        surplus_w=2500,
        sign=SurplusSign.PV_SURPLUS,
        mining_draw_w=3000,
        reserve_w=100,
    )
    assert compute_budget(pv) == (2400, BudgetReason.SURPLUS)
    importing = BudgetInputs(budget_w=99999, full_power_w=9000, surplus_w=-5000)
    assert compute_budget(importing) == (0, BudgetReason.SURPLUS)
    high = BudgetInputs(budget_w=5000, full_power_w=9000, price=0.4, price_stop_above=0.3)
    assert compute_budget(high) == (0, BudgetReason.PRICE_HIGH)
    low = BudgetInputs(
        budget_w=99999,
        full_power_w=9000,
        surplus_w=0,
        price=0.05,
        price_stop_above=0.3,
        price_full_below=0.1,
    )
    assert compute_budget(low) == (9000, BudgetReason.PRICE_LOW)
    low_heat = BudgetInputs(
        budget_w=99999, full_power_w=9000, price=0.05, price_full_below=0.1, heat_limit_w=2000
    )
    assert compute_budget(low_heat) == (2000, BudgetReason.HEAT)
    middle = BudgetInputs(
        budget_w=4000, full_power_w=9000, price=0.2, price_stop_above=0.3, price_full_below=0.1
    )
    assert compute_budget(middle) == (4000, BudgetReason.BUDGET)
    heat = BudgetInputs(budget_w=99999, full_power_w=9000, surplus_w=6000, heat_limit_w=1000)
    assert compute_budget(heat) == (1000, BudgetReason.HEAT)


def test_pi_holds_interval_and_does_not_wind_up() -> None:
    pi = PiController(kp=500, ki=1, max_output=6000, min_interval_s=300, deadband=50)
    assert pi.update(60, 40, 0) == 6000  # cold: full demand at once
    for t in range(1, 3600, 30):  # an hour far below target: no windup beyond the bound
        pi.update(60, 40, t)
    assert pi.integral <= 6000
    out = pi.update(60, 60.5, 3600)  # reached: output drops without a long unwind
    assert out < 6000
    assert pi.update(60, 70, 3610) == out  # within the minimum interval: unchanged
    assert pi.update(60, 70, 3900) == 0
    pi.reset(1000)
    assert pi.output == 1000 and pi.last_change is None
