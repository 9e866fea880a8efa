"""The integration at scale: 1,000 config entries (API v2 and v3 firmware mixed) in one Home
Assistant instance.

Run by `bench/run scale` (the project's .venv, Home Assistant from phcc); not a unit test.

Method
- The simulated miners run in a child process (bench/simserver.py) pinned to CPU 1; Home
  Assistant runs in this process pinned to CPU 0, so "one core" is literal and the CPU time
  measured here contains no simulator work.
- Miners: N simulated miners, a share of them (BENCH_SCALE_V3_SHARE, default 0.5) on API v3
  firmware (M60S: 4433 with a kept connection, plus share counts from its v2 port), the
  others on API v2 firmware (M30S+). Entries carry the API as the config flow stores it.
- Setup: N config entries are added, then the integration is set up (every entry: first
  poll, device, entities). Wall time and CPU time of the event-loop thread are measured, and
  how many entries loaded on the first try (no set-up retry, no entry without data).
- Refresh cycle: one scan interval (30 s) of the event loop's clock, run faster than real
  time: the loop's clock is moved on 0.1 s at a time, the timers due by then run (every
  coordinator's own refresh timer fires once per interval, at its miner's point of it), and
  the refreshes they start finish before the clock moves on (as when the loop keeps up).
  Before the cycles measured, 210 s of the loop's clock run unmeasured (the miners take up
  their polls after Home Assistant has started; Home Assistant saves its registries once,
  180 s after the start-up). Measured: event-loop thread CPU per cycle (median of the
  cycles), and the share of the 30 s interval that the loop is busy with it; the busiest
  second of the loop. The machine's speed drifts (a shared 2-core machine): before each
  cycle a fixed piece of Python work (the yardstick) is timed, and the cycle is also given
  in yardsticks, to compare code across runs.
- Memory per miner: resident set size after setup and the first cycles minus before, / N.
- Connections and token requests per miner and cycle: the simulator's counters.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import os
from pathlib import Path
import socket
import statistics
import sys
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    EVENT_HOMEASSISTANT_STARTED,
    STATE_UNAVAILABLE,
)
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
import pytest_socket

from custom_components.whatsminer import const
from custom_components.whatsminer.const import (
    CONF_API,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DOMAIN,
    ENTRY_VERSION,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SimProcess, delta, save, table

CYCLES = 15
INTERVAL_S = 30.0
# Home Assistant saves its registries once, 180 s after the last change of the start-up (all
# entities registered); that one-off write is not a refresh cycle's work: the cycles measured
# start after it.
WARM_UP_S = 210.0
SIZES = [int(x) for x in os.environ.get("BENCH_SCALE_SIZES", "1000").split(",")]
V3_SHARE = float(os.environ.get("BENCH_SCALE_V3_SHARE", "0.5"))
# First refreshes in flight at once (the integration's own bound unless set, for comparison).
SLOTS = os.environ.get("BENCH_SCALE_FIRST_REFRESH_SLOTS")
# cProfile the refresh cycles into this file (for finding where the loop's time goes)
PROFILE = os.environ.get("BENCH_SCALE_PROFILE")
STEP_S = 0.1  # how far the loop's clock moves at a time
RESULTS: dict[str, Any] = {}


class LoopClock:
    """The event loop's clock, stopped and moved on by hand, faster than real time: the loop
    runs the timers that are due by then, as it would once that time had passed (Home
    Assistant's code, timers and timeouts included, sees this clock). Stopped in between, so
    each cycle is exactly one interval of it, however long the loop took."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._real = loop.time
        self._now = loop.time()
        loop.time = self._time  # type: ignore[method-assign]

    def _time(self) -> float:
        return self._now

    async def run(self, hass: HomeAssistant, seconds: float) -> list[float]:
        """Move the clock on by `seconds`, STEP_S at a time, and wait after each step until
        the refreshes it started are done; the loop thread's CPU seconds of each second."""
        busy = []
        for _ in range(round(seconds / STEP_S)):
            start = time.thread_time()
            self._now += STEP_S
            # coordinators refresh in background tasks: wait for those too
            await hass.async_block_till_done(wait_background_tasks=True)
            busy.append(time.thread_time() - start)
        per_second = max(1, round(1 / STEP_S))
        return [sum(busy[i : i + per_second]) for i in range(0, len(busy), per_second)]

    def restore(self) -> None:
        self._loop.time = self._real  # type: ignore[method-assign]


def yardstick_s() -> float:
    """CPU seconds of a fixed piece of Python work (objects, dicts, attribute and JSON work,
    like a refresh's), the best of three: this shared machine's speed drifts by a third
    between runs and within one, so each cycle is also given in units of this."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        rows = [{"key": f"k{i}", "value": i * 1.5, "items": [i, str(i)]} for i in range(3000)]
        text = json.dumps(rows)
        total = sum(row["value"] for row in json.loads(text) if row["key"] != "k7")
        assert total > 0
        best = min(best, time.thread_time() - start)
    return best


class GcTimer:
    """Time spent in the garbage collector (it runs in the event loop's thread)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.total += time.thread_time() - self._start


def counters(sims: tuple[SimProcess, ...]) -> dict[str, Any]:
    """The simulators' counters, summed over the processes."""
    total: dict[str, Any] = {}
    for sim in sims:
        for key, value in sim.counters().items():
            if key == "commands":
                commands = total.setdefault("commands", {})
                for name, count in value.items():
                    commands[name] = commands.get(name, 0) + count
            else:
                total[key] = total.get(key, 0) + value
    return total


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture(autouse=True, scope="module")
def pin_to_one_core() -> None:
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """The event loop as Home Assistant runs it: phcc turns asyncio's debug mode on for
    tests (source tracebacks for every future and callback, thread checks), Home Assistant
    runs without it."""
    asyncio.get_running_loop().set_debug(False)


@pytest.fixture
def unguarded_sockets(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback connections without pytest-socket's check of every connect (test-harness
    work, 2 % of a refresh cycle, that Home Assistant itself never does)."""
    monkeypatch.setattr(socket.socket, "connect", pytest_socket._true_connect)


@pytest.fixture(autouse=True)
def first_refresh_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    if SLOTS:
        monkeypatch.setattr(const, "FIRST_REFRESH_CONCURRENCY", int(SLOTS))


@pytest.mark.parametrize("n", SIZES)
async def test_scale(hass: HomeAssistant, unguarded_sockets: None, n: int) -> None:
    cpu = 1 if (os.cpu_count() or 1) > 1 else None
    n_v3 = round(n * V3_SHARE)
    with (
        SimProcess(n - n_v3, cpu=cpu) as sim_v2,
        # other seeds: other MAC addresses than the v2 miners'
        SimProcess(n_v3, cpu=cpu, profile="m60s", api="v3", seed=100_001) as sim_v3,
    ):
        sims = (sim_v2, sim_v3)
        entries: list[MockConfigEntry] = []
        for sim, api in ((sim_v2, "v2"), (sim_v3, "v3")):
            for port, v3_port, mac in zip(sim.ports, sim.v3_ports, sim.macs, strict=True):
                entry = MockConfigEntry(
                    domain=DOMAIN,
                    title=f"miner {len(entries)}",
                    unique_id=format_mac(mac),
                    data={
                        CONF_HOST: sim.host,
                        CONF_V2_PORT: port,
                        CONF_V3_PORT: v3_port,
                        CONF_API: api,
                        CONF_PASSWORD: "admin",
                    },
                    version=ENTRY_VERSION,
                )
                entries.append(entry)
        gc.collect()
        rss0 = rss_bytes()
        for entry in entries:
            entry.add_to_hass(hass)

        c_before = counters(sims)
        t0, l0 = time.perf_counter(), time.thread_time()
        # As at a real start: the entries are set up while Home Assistant is starting.
        hass.set_state(CoreState.starting)
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        hass.set_state(CoreState.running)
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
        await hass.async_block_till_done()
        setup_wall, setup_loop = time.perf_counter() - t0, time.thread_time() - l0
        setup_counters = delta(counters(sims), c_before)
        loaded = sum(e.state is ConfigEntryState.LOADED for e in entries)
        # loaded on the first try with a first poll (not from a stored profile)
        first_try = sum(
            e.state is ConfigEntryState.LOADED and e.runtime_data.data is not None for e in entries
        )
        failed = [
            str(e.runtime_data.last_exception if e.state is ConfigEntryState.LOADED else e.reason)
            for e in entries
            if e.state is not ConfigEntryState.LOADED or e.runtime_data.data is None
        ]

        clock = LoopClock(hass.loop)
        await clock.run(hass, WARM_UP_S)
        cycles = []
        profiler = cProfile.Profile() if PROFILE else None
        if profiler is not None:
            profiler.enable()
        gc_timer = GcTimer()
        gc.callbacks.append(gc_timer)
        for _ in range(CYCLES):
            updated = {st.entity_id: st.last_updated for st in hass.states.async_all()}
            before = counters(sims)
            yardstick = yardstick_s()
            gc_before = gc_timer.total
            t0, l0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
            steps = await clock.run(hass, INTERVAL_S)
            cycles.append(
                {
                    "wall_s": time.perf_counter() - t0,
                    "loop_cpu_s": time.thread_time() - l0,
                    "process_cpu_s": time.process_time() - p0,
                    "busiest_second_s": max(steps),
                    "gc_s": gc_timer.total - gc_before,
                    "yardstick_s": yardstick,
                    # states whose value or attributes changed (the rest were rewritten as is)
                    "states_changed": sum(
                        st.last_updated != updated.get(st.entity_id)
                        for st in hass.states.async_all()
                    ),
                    **delta(counters(sims), before),
                }
            )
        gc.callbacks.remove(gc_timer)
        clock.restore()
        if profiler is not None and PROFILE:
            profiler.disable()
            profiler.dump_stats(PROFILE)
        gc.collect()
        rss1 = rss_bytes()
        states = hass.states.async_all()
        ours = [s for s in states if s.entity_id.split(".")[0] != "sun"]
        unavailable = sum(s.state == STATE_UNAVAILABLE for s in ours)

    def med(key: str) -> float:
        return float(statistics.median(c[key] for c in cycles))

    mean_cycle = statistics.mean(c["loop_cpu_s"] for c in cycles)
    in_yardsticks = statistics.median(c["loop_cpu_s"] / c["yardstick_s"] for c in cycles)
    result = {
        "entries": n,
        "v3_entries": n_v3,
        "first_refresh_slots": const.FIRST_REFRESH_CONCURRENCY,
        "loaded": loaded,
        "loaded_first_try": first_try,
        "first_failures": failed[:10],
        "entities": len(ours),
        "unavailable_entities": unavailable,
        "setup_wall_s": setup_wall,
        "setup_loop_cpu_s": setup_loop,
        "setup_connections_per_miner": setup_counters["connections"] / n,
        "setup_tokens": setup_counters["tokens"],
        "cycle_wall_s": med("wall_s"),
        "cycle_loop_cpu_s": med("loop_cpu_s"),
        "cycle_process_cpu_s": med("process_cpu_s"),
        "busy_share_of_interval": med("loop_cpu_s") / INTERVAL_S,
        "cycle_loop_cpu_mean_s": mean_cycle,
        "yardstick_s": med("yardstick_s"),
        "cycle_in_yardsticks": in_yardsticks,
        "busiest_second_s": med("busiest_second_s"),
        "connections_per_miner_per_cycle": med("connections") / n,
        "tokens_per_cycle": med("tokens"),
        "rss_per_miner_kib": (rss1 - rss0) / n / 1024,
        "cycles": cycles,
    }
    RESULTS[str(n)] = result
    save("scale.json", RESULTS)
    rows = [
        ["miners (API v2 / API v3 firmware)", f"{n - n_v3} / {n_v3}"],
        ["first polls in flight at once (bound)", str(const.FIRST_REFRESH_CONCURRENCY)],
        ["config entries loaded on the first try", f"{first_try} / {n}"],
        ["entities (unavailable)", f"{len(ours)} ({unavailable})"],
        ["setup: wall time (s)", f"{setup_wall:.2f}"],
        ["setup: event-loop CPU (s)", f"{setup_loop:.2f}"],
        ["refresh cycle: wall time (s)", f"{result['cycle_wall_s']:.2f}"],
        ["refresh cycle: event-loop CPU (s)", f"{result['cycle_loop_cpu_s']:.2f}"],
        ["refresh cycle: process CPU, all threads (s)", f"{result['cycle_process_cpu_s']:.2f}"],
        ["share of the 30 s interval the loop is busy", f"{result['busy_share_of_interval']:.1%}"],
        ["busiest second of the loop (CPU s)", f"{med('busiest_second_s'):.3f}"],
        ["refresh cycle: of which garbage collection (s)", f"{med('gc_s'):.2f}"],
        ["refresh cycle: mean, garbage collection included (s)", f"{mean_cycle:.2f}"],
        ["yardstick: a fixed piece of Python work (ms)", f"{med('yardstick_s') * 1000:.1f}"],
        ["refresh cycle in yardsticks (to compare runs)", f"{in_yardsticks:.0f}"],
        ["states changed per cycle (of all entities)", f"{med('states_changed'):.0f}"],
        ["connections per miner per cycle", f"{result['connections_per_miner_per_cycle']:.2f}"],
        ["token requests per cycle (all miners)", f"{result['tokens_per_cycle']:.0f}"],
        ["memory per miner (RSS, KiB)", f"{result['rss_per_miner_kib']:.0f}"],
    ]
    print(f"\n### Home Assistant with {n} WhatsMiner config entries (median of {CYCLES} cycles)\n")
    print(table(["", "value"], rows))
    assert len({e.unique_id for e in entries}) == n
    assert first_try == n, failed[:10]
    assert unavailable == 0
