"""What a read is built from, whichever API asks: the state, the profile, a live reading."""

from __future__ import annotations

from dataclasses import dataclass
import random
import time

from .profiles import Profile
from .state import MinerState, Reading


@dataclass(slots=True)
class ReadContext:
    state: MinerState
    profile: Profile
    reading: Reading
    now: float
    quirks: set[str]
    fw_ver: str  # what the firmware reports (v3-only firmware reports a 2025 build)
    rng: random.Random

    def jitter(self, value: float, rel: float) -> float:
        """Multiplicative noise, off when the state asks for exact readings."""
        if not self.state.noise or not value:
            return value
        return value * (1.0 + self.rng.gauss(0.0, rel))


def timestamp(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))
