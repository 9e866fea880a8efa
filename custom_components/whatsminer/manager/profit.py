"""Profit of mining at an electricity price, per miner. Pure functions: no Home Assistant.

A miner at E J/TH turns 1 TH/s of hashrate into E W of draw: E × 24 / 1000 kWh a day. The
hashprice (what the pool pays per TH/s per day) over that energy is the electricity price
at which the miner's revenue equals its cost: its break-even price. Miners differ in
efficiency, so each has its own; the least efficient has the lowest and stops first.

Units understood (the sensors' `unit_of_measurement`):

- hashprice: `<currency>/TH/day`, also with `TH/s`, `(TH/s)`, `PH` (÷ 1000), `GH` (× 1000),
  `EH`, and `d` for day; a bare `<currency>` or no unit means per TH/s per day;
- electricity price: `<currency>/kWh`, also `Wh` and `MWh`; no unit means per kWh;
- currency: a code (`EUR`, `USD`, ...), `€`, `$`, `£`, `¥`, cents (`ct`, `c`, `cent`, `öre`,
  `øre`, `p`: ÷ 100, currency not named) and satoshis (`sat`, `sats`: BTC ÷ 10⁸). Two named
  currencies must be the same: the manager does not convert between them.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

HOURS_PER_DAY = 24.0
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₽": "RUB", "₿": "BTC"}
# Sub-units: factor to the main unit, and the main unit when the name tells it.
_SUBUNITS: dict[str, tuple[float, str | None]] = {
    "ct": (0.01, None),
    "c": (0.01, None),
    "cent": (0.01, None),
    "cents": (0.01, None),
    "öre": (0.01, None),
    "øre": (0.01, None),
    "ore": (0.01, None),
    "p": (0.01, "GBP"),
    "sat": (1e-8, "BTC"),
    "sats": (1e-8, "BTC"),
}
_PER_KWH = {"wh": 1000.0, "kwh": 1.0, "mwh": 0.001}  # price per X -> per kWh
_PER_TH = {"gh": 1000.0, "th": 1.0, "ph": 0.001, "eh": 1e-6}  # price per X/s -> per TH/s
_DAY = {"d", "day", "days", "s"}  # "s" of "TH/s"
_CODE = re.compile(r"^[A-Za-z]{3,4}$")


def break_even_price(hashprice_per_th_day: float, efficiency_j_per_th: float) -> float:
    """The electricity price (per kWh) at which a miner's revenue equals its cost."""
    if efficiency_j_per_th <= 0:
        raise ValueError(f"efficiency must be positive, not {efficiency_j_per_th}")
    return hashprice_per_th_day / (efficiency_j_per_th * HOURS_PER_DAY / 1000.0)


def profit_per_day(
    hashprice_per_th_day: float, price_per_kwh: float, power_w: float, hashrate_ths: float
) -> tuple[float, float]:
    """Revenue and electricity cost per day of a miner drawing `power_w` at `hashrate_ths`."""
    return hashprice_per_th_day * hashrate_ths, price_per_kwh * power_w * HOURS_PER_DAY / 1000.0


@dataclass(frozen=True, slots=True)
class Money:
    """A unit's currency (None: not named) and its factor to that currency's main unit."""

    currency: str | None
    factor: float


def _money(token: str) -> Money | None:
    token = token.strip()
    if token in _SYMBOLS:
        return Money(_SYMBOLS[token], 1.0)
    if token.lower() in _SUBUNITS:
        factor, currency = _SUBUNITS[token.lower()]
        return Money(currency, factor)
    if _CODE.match(token):
        return Money(token.upper(), 1.0)
    return None


def _parts(unit: str) -> list[str]:
    return [p for p in re.split(r"[/()\s·]+", unit) if p]


def hashprice_unit(unit: str | None) -> Money | None:
    """The currency of a hashprice unit and the factor to per TH/s per day; None when the
    unit is not one of those understood."""
    if unit is None or not unit.strip():
        return Money(None, 1.0)
    first, *rest = _parts(unit)
    money = _money(first)
    if money is None:
        return None
    factor = money.factor
    hashes = [p.lower() for p in rest if p.lower() in _PER_TH]
    if len(hashes) > 1 or any(p.lower() not in _PER_TH and p.lower() not in _DAY for p in rest):
        return None
    if hashes:
        factor *= _PER_TH[hashes[0]]
    return Money(money.currency, factor)


def price_unit(unit: str | None) -> Money | None:
    """The currency of an electricity price unit and the factor to per kWh; None when the
    unit is not one of those understood."""
    if unit is None or not unit.strip():
        return Money(None, 1.0)
    parts = _parts(unit)
    if len(parts) != 2 or parts[1].lower() not in _PER_KWH:
        return None
    money = _money(parts[0])
    if money is None:
        return None
    return Money(money.currency, money.factor * _PER_KWH[parts[1].lower()])


@dataclass(frozen=True, slots=True, kw_only=True)
class Market:
    """The hashprice and the electricity price, both in one currency's main unit."""

    hashprice_per_th_day: float
    price_per_kwh: float | None  # None: no (usable) price sensor
    currency: str | None
    margin_pct: float = 0.0  # a miner runs only this far below its break-even

    def break_even(self, efficiency_j_th: float | None) -> float | None:
        """A miner's break-even price; None without a measured efficiency."""
        if efficiency_j_th is None or efficiency_j_th <= 0:
            return None
        return break_even_price(self.hashprice_per_th_day, efficiency_j_th)

    def pays(self, efficiency_j_th: float | None) -> bool:
        """Whether a miner earns more than its electricity costs, by the margin. True when
        that cannot be told (no price, no efficiency): the miner runs as without a hashprice."""
        even = self.break_even(efficiency_j_th)
        if even is None or self.price_per_kwh is None:
            return True
        return self.price_per_kwh < even * (1.0 - self.margin_pct / 100.0)


def market(
    hashprice: float,
    hashprice_unit_of_measurement: str | None,
    price: float | None,
    price_unit_of_measurement: str | None,
    *,
    margin_pct: float = 0.0,
    default_currency: str | None = None,
) -> Market | str:
    """Both figures in one unit, or why they cannot be: "hashprice_unit", "price_unit" or
    "currency_mismatch"."""
    per_th = hashprice_unit(hashprice_unit_of_measurement)
    if per_th is None:
        return "hashprice_unit"
    per_kwh = Money(None, 1.0) if price is None else price_unit(price_unit_of_measurement)
    if per_kwh is None:
        return "price_unit"
    named = {c for c in (per_th.currency, per_kwh.currency) if c is not None}
    if len(named) > 1:
        return "currency_mismatch"
    return Market(
        hashprice_per_th_day=hashprice * per_th.factor,
        price_per_kwh=None if price is None else price * per_kwh.factor,
        currency=next(iter(named), default_currency),
        margin_pct=margin_pct,
    )
