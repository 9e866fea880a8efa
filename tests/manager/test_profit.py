"""Break-even prices, the units of the hashprice and the price, and the stored histories,
without Home Assistant."""

from __future__ import annotations

import pytest

from custom_components.whatsminer.manager.history import MinerHistory
from custom_components.whatsminer.manager.profit import (
    Market,
    Money,
    break_even_price,
    hashprice_unit,
    market,
    price_unit,
    profit_per_day,
)

NOW = 1_800_000_000.0


def test_break_even_price_is_hashprice_over_the_energy_of_one_th_a_day() -> None:
    """0.05 per TH/s and day at 25 J/TH: 0.6 kWh a day per TH/s, break-even 0.0833 per kWh;
    a miner half as efficient breaks even at half the price."""
    assert break_even_price(0.05, 25.0) == pytest.approx(0.05 / 0.6)
    assert break_even_price(0.05, 50.0) == pytest.approx(break_even_price(0.05, 25.0) / 2)
    with pytest.raises(ValueError, match="efficiency"):
        break_even_price(0.05, 0.0)


def test_profit_per_day_is_zero_at_the_break_even_price() -> None:
    """A 3000 W miner at 100 TH/s (30 J/TH), at its break-even price, earns what it costs."""
    even = break_even_price(0.05, 30.0)
    revenue, cost = profit_per_day(0.05, even, 3000.0, 100.0)
    assert revenue == pytest.approx(5.0) and cost == pytest.approx(5.0)
    assert profit_per_day(0.05, 0.1, 3000.0, 100.0) == pytest.approx((5.0, 7.2))


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (None, Money(None, 1.0)),
        ("USD", Money("USD", 1.0)),
        ("USD/TH/day", Money("USD", 1.0)),
        ("usd/(TH/s)/d", Money("USD", 1.0)),
        ("$/PH/s/day", Money("USD", 0.001)),
        ("€/GH/day", Money("EUR", 1000.0)),
        ("sats/TH/day", Money("BTC", 1e-8)),
        ("USD/TH/h", None),  # per hour: not understood
        ("USD/MH/day", None),
        ("USD/TH/PH/day", None),
        ("💰/TH/day", None),
    ],
)
def test_hashprice_units(unit: str | None, expected: Money | None) -> None:
    """Currency per TH/s (or GH, PH, EH) per day; anything else is refused."""
    assert hashprice_unit(unit) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (None, Money(None, 1.0)),
        ("EUR/kWh", Money("EUR", 1.0)),
        ("€/MWh", Money("EUR", 0.001)),
        ("ct/kWh", Money(None, 0.01)),
        ("p/kWh", Money("GBP", 0.01)),
        ("EUR/Wh", Money("EUR", 1000.0)),
        ("EUR", None),
        ("EUR/m³", None),
        ("??/kWh", None),
    ],
)
def test_price_units(unit: str | None, expected: Money | None) -> None:
    """Currency (or cents) per Wh, kWh or MWh."""
    assert price_unit(unit) == expected


def test_market_in_one_currency() -> None:
    """Cents and PH/s are converted; two different named currencies are refused; without
    a named one the default is used."""
    found = market(50.0, "EUR/PH/day", 12.0, "ct/kWh", margin_pct=10)
    assert found == Market(
        hashprice_per_th_day=0.05, price_per_kwh=0.12, currency="EUR", margin_pct=10
    )
    assert market(0.05, "USD/TH/day", 0.1, "EUR/kWh") == "currency_mismatch"
    assert market(0.05, "USD/TH/hour", 0.1, "EUR/kWh") == "hashprice_unit"
    assert market(0.05, "USD/TH/day", 0.1, "USD/litre") == "price_unit"
    assert market(0.05, None, None, "junk", default_currency="CHF") == Market(
        hashprice_per_th_day=0.05, price_per_kwh=None, currency="CHF"
    )


def test_a_miner_pays_below_its_break_even_less_the_margin() -> None:
    """At 0.05 per TH/s and day, 25 J/TH breaks even at 0.0833: with a 10 % margin it runs
    below 0.075. Without a price or an efficiency nothing can be told: it runs."""
    even = break_even_price(0.05, 25.0)
    at = Market(hashprice_per_th_day=0.05, price_per_kwh=0.074, currency="EUR", margin_pct=10)
    assert at.break_even(25.0) == pytest.approx(even)
    assert at.pays(25.0) and not at.pays(28.0)
    assert not Market(hashprice_per_th_day=0.05, price_per_kwh=even, currency=None).pays(25.0)
    assert at.pays(None) and at.break_even(None) is None and at.break_even(-1.0) is None
    assert Market(hashprice_per_th_day=0.05, price_per_kwh=None, currency=None).pays(90.0)


def test_stored_history_drops_what_no_longer_counts() -> None:
    """Starts older than a day and writes older than an hour are gone on load; bad values
    are skipped."""
    stored = MinerHistory(
        last_start=NOW - 90_000,
        last_stop=NOW - 100,
        restart_writes=(NOW - 4000, NOW - 100),
        start_times=(NOW - 90_000, NOW - 3600),
        efficiency_j_th=26.5,
    )
    assert MinerHistory.from_dict(stored.as_dict(), NOW) == MinerHistory(
        last_start=NOW - 90_000,
        last_stop=NOW - 100,
        restart_writes=(NOW - 100,),
        start_times=(NOW - 3600,),
        efficiency_j_th=26.5,
    )
    junk = {"last_start": "soon", "start_times": [NOW - 10, None], "restart_writes": 3}
    assert MinerHistory.from_dict({**junk, "efficiency_j_th": 0}, NOW) == MinerHistory(
        start_times=(NOW - 10,)
    )
