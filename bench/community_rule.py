"""The community's rule for mining on solar surplus, as a contender in the manager benchmark.

What owners commonly write as automations: a miner runs at full power or not at all; the
next one (most efficient first) starts after 15 minutes of enough surplus (the export covers
its full power), and the last one started stops after 7 minutes of too little (importing).
After each switch both timers start again, so the meter shows the effect first.
Pure: bench/test_manager_day.py carries the decisions out through the miners' mining
switches in Home Assistant, like the blueprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

START_AFTER_S = 15 * 60.0
STOP_AFTER_S = 7 * 60.0


@dataclass(slots=True)
class CommunityRule:
    """The rule over miners given most efficient first, each by its full power."""

    full_w: Sequence[float]
    start_after_s: float = START_AFTER_S
    stop_after_s: float = STOP_AFTER_S
    enough_since: float | None = None
    short_since: float | None = None

    def decide(
        self, now: float, export_w: float, running: Sequence[bool]
    ) -> tuple[int, bool] | None:
        """(miner, on) to switch now, or None. `export_w`: the grid meter, export positive,
        the miners included."""
        stopped = [i for i, on in enumerate(running) if not on]
        started = [i for i, on in enumerate(running) if on]
        enough = bool(stopped) and export_w >= self.full_w[stopped[0]]
        short = bool(started) and export_w < 0
        if not enough:
            self.enough_since = None
        elif self.enough_since is None:
            self.enough_since = now
        if not short:
            self.short_since = None
        elif self.short_since is None:
            self.short_since = now
        if self.enough_since is not None and now - self.enough_since >= self.start_after_s:
            self.enough_since = self.short_since = None
            return stopped[0], True
        if self.short_since is not None and now - self.short_since >= self.stop_after_s:
            self.enough_since = self.short_since = None
            return started[-1], False
        return None
