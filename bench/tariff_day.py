"""A tariff day for the power manager benchmark: hourly prices and a hashprice, profit compared.

The bench's three miners draw from the grid at hourly prices (HOURLY_PRICE, a day-ahead
shape: cheap at night and midday, dear in the morning and evening) and earn the hashprice
(HASHPRICE, currency per TH/s per day) on the hashes of the simulator's efficiency curve.
Three ways to run them:
- always: every miner at full power all day;
- the power manager in Home Assistant with a price sensor and a hashprice sensor
  (bench/test_manager_day.py::test_tariff_day, margin 0): its figures come from
  bench/results/manager_days.json;
- the break-even rule computed here, for comparison: a miner mines at full power in the
  hours whose price is below its break-even price (the manager's own break_even_price,
  hashprice / (J/TH x 24 / 1000) per kWh) less a margin;
- the best schedule: per miner and hour, off or the power in [floor, full] that earns the
  most, with at most 6 starts a day (an exact dynamic programme over the hours).

Run by `bench/run manager` (bench/.venv); results in bench/results/manager_tariff.json.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import json
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import import_manager_profit

# the manager's own: hashprice / (J/TH x 24 / 1000) per kWh
break_even_price = import_manager_profit().break_even_price

# per kWh, hour 0..23
HOURLY_PRICE = (
    0.22, 0.20, 0.19, 0.18, 0.18, 0.20, 0.26, 0.32, 0.30, 0.24, 0.18, 0.12,
    0.08, 0.06, 0.07, 0.10, 0.16, 0.26, 0.34, 0.38, 0.33, 0.28, 0.25, 0.23,
)  # fmt: skip
HASHPRICE = 0.12  # per TH/s per day, same currency
MARGINS = (0.0, 0.1)
MAX_STARTS = 6
LEVELS = 101  # powers tried between floor and full


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffMiner:
    """A miner on the tariff day: its power range and TH/s at a power."""

    name: str
    floor_w: float
    full_w: float
    ths_at: Callable[[float], float]

    def profit(self, watts: float, price: float, hashprice: float, hours: float = 1.0) -> float:
        """What `hours` at `watts` earn less what they cost."""
        if watts <= 0:
            return 0.0
        return (self.ths_at(watts) * hashprice / 24 - watts / 1000 * price) * hours

    def best_level(self, price: float, hashprice: float) -> tuple[float, float]:
        """(watts, profit) of the best power for one hour at `price`, off excluded."""
        levels = [
            self.floor_w + (self.full_w - self.floor_w) * k / (LEVELS - 1) for k in range(LEVELS)
        ]
        return max(((w, self.profit(w, price, hashprice)) for w in levels), key=lambda x: x[1])


def best_hours(
    miner: TariffMiner, prices: Sequence[float], hashprice: float, max_starts: int = MAX_STARTS
) -> list[float]:
    """The watts per hour that earn the most with at most `max_starts` starts (off before
    the first hour): a dynamic programme over (hour, on, starts used)."""
    best = [miner.best_level(p, hashprice) for p in prices]
    neg = float("-inf")
    # value[on][starts] after the hours so far, and the choices that led there
    value = [[0.0] + [neg] * max_starts, [neg] * (max_starts + 1)]
    paths: list[list[list[float]]] = [[[] for _ in range(max_starts + 1)] for _ in range(2)]
    for hour, (watts, gain) in enumerate(best):
        new = [[neg] * (max_starts + 1) for _ in range(2)]
        new_paths: list[list[list[float]]] = [[[] for _ in range(max_starts + 1)] for _ in range(2)]
        for starts in range(max_starts + 1):
            for on in (0, 1):
                if value[on][starts] == neg:
                    continue
                if value[on][starts] > new[0][starts]:  # off this hour
                    new[0][starts] = value[on][starts]
                    new_paths[0][starts] = [*paths[on][starts], 0.0]
                used = starts + (0 if on else 1)
                if used <= max_starts and value[on][starts] + gain > new[1][used]:
                    new[1][used] = value[on][starts] + gain
                    new_paths[1][used] = [*paths[on][starts], watts]
        value, paths = new, new_paths
        del hour
    on, starts = max(
        ((o, s) for o in (0, 1) for s in range(max_starts + 1)), key=lambda k: value[k[0]][k[1]]
    )
    return paths[on][starts]


def day_profit(
    miners: Sequence[TariffMiner],
    hours: Sequence[Sequence[float]],
    prices: Sequence[float],
    hashprice: float,
) -> dict[str, float]:
    """Profit, cost, revenue and energy of a schedule (watts per miner and hour)."""
    energy = sum(w for m in hours for w in m) / 1000
    cost = sum(w / 1000 * prices[h] for m in hours for h, w in enumerate(m))
    revenue = sum(
        miner.ths_at(w) * hashprice / 24
        for miner, m in zip(miners, hours, strict=True)
        for w in m
        if w > 0
    )
    return {
        "profit": round(revenue - cost, 3),
        "revenue": round(revenue, 3),
        "cost": round(cost, 3),
        "energy_kwh": round(energy, 1),
    }


def compare(
    miners: Sequence[TariffMiner],
    prices: Sequence[float] = HOURLY_PRICE,
    hashprice: float = HASHPRICE,
) -> dict[str, Any]:
    """The three ways on one tariff day."""
    report: dict[str, Any] = {"prices": list(prices), "hashprice": hashprice}
    always = [[m.full_w] * len(prices) for m in miners]
    report["always"] = day_profit(miners, always, prices, hashprice)
    best = [best_hours(m, prices, hashprice) for m in miners]
    report["best"] = day_profit(miners, best, prices, hashprice)
    for margin in MARGINS:
        rule = []
        for m in miners:
            limit = break_even_price(hashprice, m.full_w / m.ths_at(m.full_w)) * (1 - margin)
            rule.append([m.full_w if p < limit else 0.0 for p in prices])
        figures: dict[str, Any] = day_profit(miners, rule, prices, hashprice)
        figures["starts"] = [
            sum(1 for h, w in enumerate(r) if w and (h == 0 or not r[h - 1])) for r in rule
        ]
        report[f"break_even_margin_{round(100 * margin)}pct"] = figures
    return report


def main() -> None:
    from optimum import bench_miners

    specs, rates = bench_miners()
    miners = [
        TariffMiner(name=s.name, floor_w=s.floor_w, full_w=s.full_w, ths_at=r)
        for s, r in zip(specs, rates, strict=True)
    ]
    report = compare(miners)
    contenders = Path(__file__).resolve().parent / "results" / "manager_days.json"
    if contenders.is_file() and "tariff" in (ran := json.loads(contenders.read_text())):
        report["manager"] = ran["tariff"]
    best = report["best"]["profit"]
    for key in ("always", "manager", "break_even_margin_0pct", "break_even_margin_10pct", "best"):
        if key in report:
            f = report[key]
            print(
                f"tariff day {key:24} profit {f['profit']:8.2f} "
                f"({100 * f['profit'] / best:6.1f} % of the best), energy {f['energy_kwh']} kWh"
            )
    out = Path(__file__).resolve().parent / "results" / "manager_tariff.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
