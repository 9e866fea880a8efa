"""The soak run: many miners, random faults, an accelerated clock over several token lifetimes.

Shared by the short soak in the test suite (tests/reliability/test_soak.py) and the long one
(`bench/run soak`, bench/soak.py). The simulated miners and the clients share the
simulator's clock (the client takes a `clock`), so half an hour of token lifetime passes in a
few rounds. Each round: move the clock, switch random faults on and off, poll every miner at
once, and send a write to some of them. Measured between rounds, when nothing is in flight:

- open file descriptors of the process, less the miners' listening sockets (sockets left
  open would pile up here; a hung miner's socket lives until the miner's idle timeout)
- tokens issued per miner (the simulator's counter), and the most tokens any miner had live
  at once (issued within one token lifetime)
- traced Python memory (tracemalloc), in all and allocated by our code alone (the simulator
  in the same process keeps caches of its own); growth after the warm-up must stay small
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
import math
from pathlib import Path
import random
import statistics
import time
import tracemalloc
from typing import Any

from custom_components.whatsminer.api.errors import WhatsMinerError
from custom_components.whatsminer.api.v2.client import WhatsMinerClient
from simulator import MinerSimulator, Quirk, SimulatedMiner, Timing

TOKEN_LIFETIME_S = 1800.0


Fault = Callable[[SimulatedMiner, bool], None]


def flag(name: str, on: Any = True, off: Any = False) -> Fault:
    """A fault that sets one of the miner's fault switches to `on`, or back to `off`."""

    def apply(miner: SimulatedMiner, enable: bool) -> None:
        setattr(miner.faults, name, on if enable else off)

    return apply


def quirk(name: str) -> Fault:
    """A fault that adds one of the firmware quirks, or takes it away."""

    def apply(miner: SimulatedMiner, enable: bool) -> None:
        (miner.faults.quirks.add if enable else miner.faults.quirks.discard)(name)

    return apply


def faults(timeout: float) -> dict[str, Fault]:
    return {
        "offline": flag("offline"),
        "hang": flag("hang"),
        "slow": flag("slow_reply_s", timeout * 2, 0.0),
        "close_mid_reply": flag("close_mid_reply"),
        "btminer_down": flag("btminer_down"),
        "token_exhaustion": flag("token_exhaustion"),
        **{f"quirk_{q.value}": quirk(q.value) for q in Quirk if q != Quirk.KEEP_OPEN},
    }


@dataclass
class SoakReport:
    miners: int
    rounds: int
    simulated_s: float
    wall_s: float = 0.0
    polls: int = 0
    failed_polls: int = 0
    writes: int = 0
    failed_writes: int = 0
    fault_switches: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # library errors, by class
    unexpected: list[str] = field(default_factory=list)  # exceptions not WhatsMinerError
    fds: list[int] = field(default_factory=list)
    memory: list[int] = field(default_factory=list)  # everything traced, simulator included
    client_memory: list[int] = field(default_factory=list)  # allocated by custom_components
    tokens_issued: list[int] = field(default_factory=list)  # per miner, at the end
    max_live_tokens: int = 0
    connections_per_miner_round: float = 0.0  # polls and writes, faults included
    recovered: bool = False

    @property
    def token_lifetimes(self) -> float:
        return self.simulated_s / TOKEN_LIFETIME_S

    @property
    def fd_spread(self) -> int:
        return max(self.fds) - min(self.fds)

    @property
    def fd_growth(self) -> float:
        """Median open descriptors in the last quarter minus in the second quarter."""
        q = max(len(self.fds) // 4, 1)
        return statistics.median(self.fds[-q:]) - statistics.median(self.fds[q : 2 * q])

    @property
    def memory_growth(self) -> int:
        """Traced memory at the end minus after the first quarter (the warm-up)."""
        start = self.memory[len(self.memory) // 4]
        return self.memory[-1] - start

    @property
    def client_memory_growth(self) -> int:
        """The same for memory allocated by the client and integration code alone."""
        return self.client_memory[-1] - self.client_memory[len(self.client_memory) // 4]

    def summary(self) -> dict[str, Any]:
        return {
            "miners": self.miners,
            "rounds": self.rounds,
            "simulated_hours": round(self.simulated_s / 3600, 2),
            "token_lifetimes": round(self.token_lifetimes, 1),
            "wall_s": round(self.wall_s, 1),
            "polls": self.polls,
            "failed_polls": self.failed_polls,
            "writes": self.writes,
            "failed_writes": self.failed_writes,
            "fault_switches": self.fault_switches,
            "errors": dict(self.errors.most_common()),
            "unexpected_exceptions": len(self.unexpected),
            "open_fds_min_max": (min(self.fds), max(self.fds)),
            "open_fds_growth": self.fd_growth,
            "tokens_issued_per_miner_max": max(self.tokens_issued),
            "tokens_issued_per_miner_median": statistics.median(self.tokens_issued),
            "max_live_tokens_per_miner": self.max_live_tokens,
            "connections_per_miner_per_round": round(self.connections_per_miner_round, 2),
            "traced_memory_start_kib": self.memory[len(self.memory) // 4] // 1024,
            "traced_memory_end_kib": self.memory[-1] // 1024,
            "memory_growth_kib": self.memory_growth // 1024,
            "client_memory_start_kib": self.client_memory[len(self.client_memory) // 4] // 1024,
            "client_memory_end_kib": self.client_memory[-1] // 1024,
            "client_memory_growth_kib": self.client_memory_growth // 1024,
            "recovered_after_faults_cleared": self.recovered,
        }


_CLIENT_CODE = [tracemalloc.Filter(True, "*/custom_components/*")]


def client_memory() -> int:
    """Bytes currently allocated by our client (by the line that allocated them).

    The simulator runs in the same process and keeps caches of its own (md5-crypt keys per
    issued token); this figure leaves those out.
    """
    snapshot = tracemalloc.take_snapshot().filter_traces(_CLIENT_CODE)
    return sum(stat.size for stat in snapshot.statistics("filename"))


def open_fds() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


async def soak(
    *,
    miners: int = 50,
    rounds: int = 30,
    step_s: float = 180.0,
    fault_rate: float = 0.05,
    write_rate: float = 0.1,
    client_timeout: float = 0.5,
    seed: int = 7,
) -> SoakReport:
    """Run the soak and return its measurements (assertions are the caller's)."""
    rng = random.Random(seed)
    report = SoakReport(miners=miners, rounds=rounds, simulated_s=rounds * step_s)
    fault_set = faults(client_timeout)
    started = time.perf_counter()
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    try:
        async with MinerSimulator(
            count=miners,
            host="127.0.0.1",
            base_port=0,
            password="admin",
            timing=Timing(token_lifetime_s=TOKEN_LIFETIME_S),
        ) as sim:
            clients = [
                WhatsMinerClient(
                    m.host, m.port, "admin", timeout=client_timeout, clock=sim.clock.now
                )
                for m in sim.miners
            ]
            active: dict[int, str] = {}
            issued_at: list[list[float]] = [[] for _ in sim.miners]
            last_issued = [0] * miners
            connections0 = sum(m.counters.connections for m in sim.miners)

            async def poll(i: int) -> None:
                report.polls += 1
                try:
                    await clients[i].poll()
                except WhatsMinerError as err:
                    report.failed_polls += 1
                    report.errors[type(err).__name__] += 1
                except Exception as err:
                    report.unexpected.append(f"poll: {err!r}")

            async def write(i: int) -> None:
                report.writes += 1
                try:
                    await clients[i].set_led_auto()
                except WhatsMinerError as err:
                    report.failed_writes += 1
                    report.errors[f"write {type(err).__name__}"] += 1
                except Exception as err:
                    report.unexpected.append(f"write: {err!r}")

            for _ in range(rounds):
                sim.clock.advance(step_s)
                for i, miner in enumerate(sim.miners):
                    if i in active and rng.random() < 0.5:
                        fault_set[active.pop(i)](miner, False)
                        report.fault_switches += 1
                    elif i not in active and rng.random() < fault_rate:
                        active[i] = rng.choice(sorted(fault_set))
                        fault_set[active[i]](miner, True)
                        report.fault_switches += 1
                writers = [i for i in range(miners) if rng.random() < write_rate]
                await asyncio.gather(*(poll(i) for i in range(miners)), *map(write, writers))
                await asyncio.sleep(0)  # let closed transports finish
                now = sim.clock.now()
                for i, miner in enumerate(sim.miners):
                    new = miner.counters.tokens_issued - last_issued[i]
                    last_issued[i] = miner.counters.tokens_issued
                    issued_at[i] += [now] * new
                    live = sum(1 for t in issued_at[i] if now - t < TOKEN_LIFETIME_S)
                    report.max_live_tokens = max(report.max_live_tokens, live)
                # the miners' listening sockets come and go with the offline fault
                report.fds.append(open_fds() - sum(m.listening for m in sim.miners))
                report.memory.append(tracemalloc.get_traced_memory()[0])
                report.client_memory.append(client_memory())

            for i, name in list(active.items()):
                fault_set[name](sim.miners[i], False)
            # every miner must be readable again within three polls (the first may still meet
            # a hung connection's leftovers; a loaded machine may cost one timeout)
            unread = list(range(miners))
            for _ in range(3):
                sim.clock.advance(step_s)
                results = await asyncio.gather(
                    *(clients[i].poll() for i in unread), return_exceptions=True
                )
                unread = [
                    i for i, r in zip(unread, results, strict=True) if isinstance(r, BaseException)
                ]
                if not unread:
                    break
            report.recovered = not unread
            report.tokens_issued = [m.counters.tokens_issued for m in sim.miners]
            connections = sum(m.counters.connections for m in sim.miners) - connections0
            report.connections_per_miner_round = connections / (rounds + 1) / miners
    finally:
        if not tracing:
            tracemalloc.stop()
    report.wall_s = time.perf_counter() - started
    return report


# the client renews its token this long before the miner would expire it
CLIENT_TOKEN_WINDOW_S = TOKEN_LIFETIME_S - 120.0


def token_bound(report: SoakReport) -> int:
    """The most tokens one miner may be asked for: one per client token window, plus one."""
    return math.ceil(report.simulated_s / CLIENT_TOKEN_WINDOW_S) + 1
