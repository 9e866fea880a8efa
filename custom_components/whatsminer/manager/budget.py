"""What the miners may draw, from the manager's inputs. Pure functions.

- The budget number is the most mining may draw.
- A surplus sensor lowers it to what the house exports plus what the managed miners draw now,
  less a reserve, so that mining keeps the grid import it causes near zero.
- A price sensor stops mining above one price and runs it at full power below another.
- Heat demand (the climate entity) limits what the surplus may add.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SurplusSign(StrEnum):
    """How the surplus sensor counts."""

    EXPORT_POSITIVE = "export_positive"  # grid meter: export > 0, import < 0
    IMPORT_POSITIVE = "import_positive"  # grid meter: import > 0, export < 0
    PV_SURPLUS = "pv_surplus"  # PV minus the house, the miners NOT included (> 0: surplus)


class BudgetReason(StrEnum):
    """What set the budget."""

    BUDGET = "budget"  # the budget number
    SURPLUS = "surplus"
    PRICE_HIGH = "price_high"
    PRICE_LOW = "price_low"
    HEAT = "heat"


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetInputs:
    """Everything the budget depends on, already validated (None: not configured)."""

    budget_w: float  # the budget number
    full_power_w: float  # all managed miners at full power
    surplus_w: float | None = None  # in the sensor's own sign
    sign: SurplusSign = SurplusSign.EXPORT_POSITIVE
    mining_draw_w: float = 0.0  # what the managed miners draw now (already in the surplus)
    reserve_w: float = 0.0
    price: float | None = None
    price_stop_above: float | None = None
    price_full_below: float | None = None
    heat_limit_w: float | None = None


def export_w(surplus_w: float, sign: SurplusSign) -> float:
    """The surplus as export: positive while exporting."""
    return -surplus_w if sign is SurplusSign.IMPORT_POSITIVE else surplus_w


def compute_budget(inputs: BudgetInputs) -> tuple[float, BudgetReason]:
    """The watts mining may draw, and what decided it."""
    if inputs.price is not None:
        if inputs.price_stop_above is not None and inputs.price >= inputs.price_stop_above:
            return 0.0, BudgetReason.PRICE_HIGH
        if inputs.price_full_below is not None and inputs.price <= inputs.price_full_below:
            budget = min(inputs.budget_w, inputs.full_power_w)
            if inputs.heat_limit_w is not None and inputs.heat_limit_w < budget:
                return max(0.0, inputs.heat_limit_w), BudgetReason.HEAT
            return budget, BudgetReason.PRICE_LOW
    budget, reason = inputs.budget_w, BudgetReason.BUDGET
    if inputs.surplus_w is not None:
        # A grid meter already counts what the miners draw; a PV surplus does not.
        draw = 0.0 if inputs.sign is SurplusSign.PV_SURPLUS else inputs.mining_draw_w
        available = export_w(inputs.surplus_w, inputs.sign) + draw - inputs.reserve_w
        if available < budget:
            budget, reason = available, BudgetReason.SURPLUS
    if inputs.heat_limit_w is not None and inputs.heat_limit_w < budget:
        budget, reason = inputs.heat_limit_w, BudgetReason.HEAT
    return max(0.0, budget), reason
