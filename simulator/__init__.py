"""Stateful fake WhatsMiners (API v2.0.5 and API v3 firmware) for tests, demo and benchmarks.

Held against the protocol spec, never against our client: nothing here imports the
integration or its client.
"""

from .clock import SimClock
from .miner import SimulatedMiner
from .profiles import PROFILES, Profile
from .simulator import MinerSimulator
from .state import Counters, Faults, MinerState, Quirk, Timing, Unlock

__all__ = [
    "PROFILES",
    "Counters",
    "Faults",
    "MinerSimulator",
    "MinerState",
    "Profile",
    "Quirk",
    "SimClock",
    "SimulatedMiner",
    "Timing",
    "Unlock",
]
