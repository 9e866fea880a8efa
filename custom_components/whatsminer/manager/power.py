"""Watts to the miner's own scale, learning its full power, and noticing restarts. Pure.

A miner takes a fast power change as a percentage of its full power (v2 `set_power_pct`, v3
`set.miner.power_percent` fast). The full power is learned from what the miner draws while it
runs warmed up at 100 %, and kept. The miner forgets a percentage when it restarts, so a
restart (uptime or mining time going back, the mining process coming back up, mining starting
again, tuning finishing, or the miner reporting another percentage than the one set) asks for
the target to be written again.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from ..api.models import MinerSnapshot

# The spec warns that the fast path is "less stable" and "long run may be unstable" at low
# levels, and v3 firmware restarts below its stable range: half power is the default floor.
DEFAULT_MIN_PERCENT = 50
MIN_PERCENT_LOWEST = 10
# A reading is trusted for learning once tuning has finished or mining has run this long.
WARM_AFTER_S = 600
# Weight of a new reading in the learned full power.
LEARN_WEIGHT = 0.3
# Two polls this close at the same percentage show the miner has settled.
STEADY_SHARE = 0.02


def percent_for(watts: float, full_power_w: float, min_percent: int, max_percent: int = 100) -> int:
    """The percentage nearest to `watts`, between `min_percent` and `max_percent`."""
    if full_power_w <= 0:
        return max_percent
    percent = math.floor(100.0 * watts / full_power_w + 0.5)
    return max(min_percent, min(max_percent, percent))


def percent_at_least(watts: float, full_power_w: float, max_percent: int = 100) -> int:
    """The lowest percentage that stands for `watts` or more (at most `max_percent`)."""
    return min(math.ceil(100.0 * watts / full_power_w), max_percent)


def watts_for(percent: int, full_power_w: float) -> float:
    """The power a percentage stands for."""
    return full_power_w * percent / 100.0


def warmed_up(snapshot: MinerSnapshot, mining_for_s: float | None = None) -> bool:
    """Whether the readings show the miner's steady state (tuning over).

    `mining_for_s`: how long the caller has seen it mining without a break; the mining
    process's own run time does not restart when only hashing was switched off and on.
    """
    summary = snapshot.summary
    if snapshot.process_down or not snapshot.mining:
        return False
    if summary.upfreq_complete is not None:
        return summary.upfreq_complete
    if mining_for_s is not None:
        return mining_for_s >= WARM_AFTER_S
    return summary.elapsed_s is not None and summary.elapsed_s >= WARM_AFTER_S


def learn_full_power(
    learned_w: float | None,
    snapshot: MinerSnapshot,
    percent_in_force: int | None,
    mining_for_s: float | None = None,
    *,
    steady: bool = False,
) -> float | None:
    """The full power after this snapshot: updated when it shows the miner at 100 %, warm
    (tuning over) or `steady` (two polls in a row at 100 % that agree).

    Only readings at 100 % count: a reading at a lower level may come from a poll that was
    under way while the level changed, and scaling it up multiplies that error.
    """
    power = snapshot.summary.power_w
    if power is None or power <= 0 or snapshot.process_down or not snapshot.mining:
        return learned_w
    if percent_in_force not in (None, 100):
        return learned_w
    if not (steady or warmed_up(snapshot, mining_for_s)):
        return learned_w
    if learned_w is None:
        return float(power)
    return learned_w + LEARN_WEIGHT * (power - learned_w)


def is_steady(
    before: tuple[int | None, float] | None, percent: int | None, power_w: float | None
) -> bool:
    """Two polls in a row at the same percentage within STEADY_SHARE of each other."""
    if before is None or power_w is None or power_w <= 0 or before[0] != percent:
        return False
    return abs(power_w - before[1]) <= STEADY_SHARE * power_w


def full_power_guess(snapshot: MinerSnapshot, power_max_w: int | None) -> float | None:
    """Before anything is learned: the firmware's maximum or limit, else what it draws now."""
    for candidate in (
        power_max_w,
        snapshot.power_max_w,
        snapshot.summary.power_limit_w,
        snapshot.settings.power_limit_w,
    ):
        if candidate is not None and 0 < candidate < 99999:
            return float(candidate)
    power = snapshot.summary.power_w
    return float(power) if power else None


def efficiency(snapshot: MinerSnapshot) -> float | None:
    """J/TH as measured now: the firmware's figure, else power over hashrate. None while the
    miner tunes after a start: the hashrate lags the power then, no fair figure yet."""
    summary = snapshot.summary
    if summary.upfreq_complete is False:
        return None
    if summary.efficiency_j_th:
        return summary.efficiency_j_th
    if summary.power_w and summary.hashrate_ths:
        return summary.power_w / summary.hashrate_ths
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """What restart detection keeps from one snapshot."""

    uptime_s: int | None
    elapsed_s: int | None
    process_down: bool
    mining: bool
    upfreq_complete: bool | None
    power_percent: int | None

    @classmethod
    def of(cls, snapshot: MinerSnapshot) -> Observed:
        """The parts of `snapshot` that show a restart."""
        summary = snapshot.summary
        return cls(
            uptime_s=summary.uptime_s,
            elapsed_s=summary.elapsed_s,
            process_down=snapshot.process_down,
            mining=snapshot.mining,
            upfreq_complete=summary.upfreq_complete,
            power_percent=snapshot.settings.power_percent,
        )


def needs_reapply(before: Observed | None, now: Observed, percent_set: int | None) -> bool:
    """Whether the miner has forgotten the percentage set (restart, reboot, new start)."""
    if percent_set is None or now.process_down or not now.mining:
        return False
    if now.power_percent is not None and now.power_percent not in (0, percent_set):
        return True  # it reports another percentage (100 after a restart)
    if before is None:
        return False
    if before.process_down or not before.mining:
        return True  # the mining process came back, or mining started again
    if before.upfreq_complete is False and now.upfreq_complete is True:
        return True  # tuning finished: v3 applies a percentage only now
    return went_back(before, now)


def went_back(before: Observed, now: Observed) -> bool:
    """Whether the uptime or the mining process's run time went back: a reboot or restart."""
    for old, new in ((before.uptime_s, now.uptime_s), (before.elapsed_s, now.elapsed_s)):
        if old is not None and new is not None and new < old:
            return True
    return False


def restarted(before: Observed, now: Observed) -> bool:
    """Whether the miner restarted between two polls by itself: its mining process went
    down, or its uptime or run time went back (a stop or start of ours excluded by the
    caller)."""
    return (now.process_down and not before.process_down) or went_back(before, now)
