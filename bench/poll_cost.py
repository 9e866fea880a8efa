"""Poll and write cost: our client against pyasic, on the same simulated miners, same run.

Method
- The simulated miners run in a child process (bench/simserver.py), pinned to CPU 1; this
  process (both clients) is pinned to CPU 0. So the client CPU time measured here
  (time.process_time) contains no simulator work, and "one core" means one core.
- Connections, requests, bytes and token requests come from the simulator's own counters
  (what the miner saw), read before and after each round.
- A round is one full refresh of every miner, all miners concurrently (as N coordinators
  would). One warm-up round each first (caches, tokens, salts, kept connections, imports),
  then R measured rounds, ours and pyasic alternating; figures are medians over the rounds.
- `--api v2` (default): miners on v2 firmware. Ours: `WhatsMinerClient.poll()`; pyasic:
  `miner.get_data()` (what its Home Assistant integration calls on every refresh) on
  BTMinerV2 objects whose RPC port points at the simulated miner.
- `--api v3`: miners on v3 firmware (4433 plus the reduced 4028 API). Ours: `V3Miner.poll()`
  (from `create_miner`, the backend AutoMiner holds); pyasic: `get_data()` on BTMinerV3.
  Our salt requests are the client's own counter (the simulator counts get.device.info
  without telling a salt-only request from the poll's full read).
- Write path: ten consecutive `set_led auto` writes to one miner: ours through the backend
  after one poll (the steady state in Home Assistant: firmware, token or salt known), ours
  cold (a new client whose first write must learn them), and pyasic's ten writes.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
import importlib.metadata
import logging
import os
import statistics
import sys
import time
from typing import Any

from _common import SimProcess, delta, import_auto, import_client, ratio, save, table

Poller = Callable[[int], Awaitable[Any]]
PASSWORD = "admin"  # the simulator's password, v2 admin and v3 super alike
PROFILES = {"v2": "m30s_plus", "v3": "m60s"}


def pin(cpu: int) -> bool:
    if (os.cpu_count() or 1) < 2:
        return False
    os.sched_setaffinity(0, {cpu})
    return True


# --no-shares: our v3 backend without its share-count read on the v2 port (4028)
SHARES = {"on": True}


def _v3_miner(host: str, v2_port: int, v3_port: int) -> Any:
    auto = import_auto()
    if not SHARES["on"]:
        from custom_components.whatsminer.api.v3.miner import V3Miner

        return V3Miner(host, password=PASSWORD, port=v3_port, v2_port=None)
    return auto.create_miner(
        host, auto.ApiVersion.V3, password=PASSWORD, v2_port=v2_port, v3_port=v3_port
    )


def _pyasic_v2(host: str, port: int) -> Any:
    from pyasic.miners.whatsminer.btminer.M3X.M30S_Plus import BTMinerM30SPlusVE40

    miner = BTMinerM30SPlusVE40(host)
    miner.rpc.port = port  # pyasic has no port option: its RPC object holds the port
    return miner


def _pyasic_v3(host: str, port: int) -> Any:
    from pyasic.miners.backends.btminer import BTMinerV3

    miner = BTMinerV3(host)
    miner.rpc.port = port
    miner.rpc.pwd = PASSWORD
    return miner


def make_ours(api: str, sim: SimProcess) -> tuple[Poller, list[Any]]:
    if api == "v3":
        backends = [
            _v3_miner(sim.host, v2, v3) for v2, v3 in zip(sim.ports, sim.v3_ports, strict=True)
        ]
    else:
        client_cls = import_client()
        backends = [client_cls(sim.host, port) for port in sim.ports]

    async def poll(i: int) -> Any:
        return await backends[i].poll()

    return poll, backends


def make_pyasic(api: str, sim: SimProcess) -> tuple[Poller, list[Any]]:
    if api == "v3":
        miners = [_pyasic_v3(sim.host, port) for port in sim.v3_ports]
    else:
        miners = [_pyasic_v2(sim.host, port) for port in sim.ports]

    async def poll(i: int) -> Any:
        return await miners[i].get_data()

    return poll, miners


async def one_round(sim: SimProcess, poll: Poller, n: int) -> dict[str, Any]:
    before = sim.counters()
    t0, c0 = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(poll(i) for i in range(n)), return_exceptions=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    d = delta(sim.counters(), before)
    errors = [r for r in results if isinstance(r, BaseException)]
    return {
        "wall_s": wall,
        "client_cpu_s": cpu,
        "sim_cpu_s": d["cpu_s"],
        "connections": d["connections"],
        "bytes_in": d["bytes_in"],
        "bytes_out": d["bytes_out"],
        "tokens": d["tokens"],
        "requests": sum(d["commands"].values()),
        "commands": d["commands"],
        "errors": len(errors),
        "first_error": repr(errors[0]) if errors else None,
    }


def med(rounds: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in rounds))


def _salt_requests(backends: list[Any]) -> int:
    return sum(getattr(getattr(b, "client", None), "salt_requests", 0) for b in backends)


async def measure_polls(api: str, n: int, rounds: int) -> dict[str, Any]:
    cpu = 1 if (os.cpu_count() or 1) > 1 else None
    with SimProcess(n, cpu=cpu, profile=PROFILES[api], api=api) as sim:
        ours, ours_backends = make_ours(api, sim)
        theirs, _ = make_pyasic(api, sim)
        pollers = {"ours": ours, "pyasic": theirs}
        results: dict[str, Any] = {}
        for name, poll in pollers.items():
            results[name] = {"warmup": await one_round(sim, poll, n), "rounds": []}
        for _ in range(rounds):
            for name, poll in pollers.items():
                salts = _salt_requests(ours_backends)
                result = await one_round(sim, poll, n)
                result["salt_requests"] = _salt_requests(ours_backends) - salts
                results[name]["rounds"].append(result)
        for backend in ours_backends:
            if hasattr(backend, "close"):
                await backend.close()
    return results


async def _timed(sim: SimProcess, fn: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    before = sim.counters()
    t0, c0 = time.perf_counter(), time.process_time()
    err = None
    try:
        await fn()
    except Exception as e:  # reported, not hidden
        err = repr(e)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    d = delta(sim.counters(), before)
    return {
        "wall_s": wall,
        "client_cpu_s": cpu,
        "sim_cpu_s": d["cpu_s"],
        "connections": d["connections"],
        "requests": sum(d["commands"].values()),
        "tokens": d["tokens"],
        "commands": d["commands"],
        "error": err,
    }


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per numeric key the median over the runs; commands and error from the last run."""
    out = {
        key: statistics.median(r[key] for r in runs)
        for key, value in runs[0].items()
        if isinstance(value, int | float)
    }
    errors = [r["error"] for r in runs if r["error"]]
    return {**out, "commands": runs[-1]["commands"], "error": errors[0] if errors else None}


async def measure_writes(api: str, count: int, reps: int) -> dict[str, Any]:
    """Each variant `reps` times, new objects each time; medians."""
    cpu = 1 if (os.cpu_count() or 1) > 1 else None
    runs: dict[str, list[dict[str, Any]]] = {}
    with SimProcess(1, cpu=cpu, profile=PROFILES[api], api=api) as sim:
        v2_port, v3_port = sim.ports[0], sim.v3_ports[0]
        auto = import_auto()

        def backend() -> Any:
            if api == "v3":
                return _v3_miner(sim.host, v2_port, v3_port)
            return auto.create_miner(
                sim.host, auto.ApiVersion.V2, password=PASSWORD, v2_port=v2_port
            )

        async def ten(miner: Any) -> None:
            for _ in range(count):
                await miner.set_led_auto()

        async def fresh() -> None:
            client_cls = import_client()
            for _ in range(count):
                await client_cls(sim.host, v2_port).set_led_auto()

        def pyasic() -> Any:
            if api == "v3":
                return _pyasic_v3(sim.host, v3_port)
            return _pyasic_v2(sim.host, v2_port)

        async def theirs(miner: Any) -> None:
            for _ in range(count):
                assert await miner.fault_light_off()

        for _ in range(reps):
            sim.request("forget_tokens")  # v2: 32 token slots per address, 13 used per round
            steady, cold, other = backend(), backend(), pyasic()
            await steady.poll()  # what Home Assistant did before any write: not measured
            variants = {
                "ours_after_poll": partial(ten, steady),
                "ours_cold": partial(ten, cold),
                "fresh_token": fresh if api == "v2" else None,
                "pyasic": partial(theirs, other),
            }
            for name, fn in variants.items():
                if fn is not None:
                    runs.setdefault(name, []).append(await _timed(sim, fn))
            for miner in (steady, cold):
                await miner.close()
    return {name: _median_of(r) for name, r in runs.items()}


def print_polls(n: int, res: dict[str, Any]) -> list[list[str]]:
    ours, theirs = res["ours"]["rounds"], res["pyasic"]["rounds"]

    def row(label: str, key: str, per: float, fmt: str) -> list[str]:
        a, b = med(ours, key) / per, med(theirs, key) / per
        return [label, format(a, fmt), format(b, fmt), ratio(b, a)]

    v3 = "get.device.info" in theirs[-1]["commands"]
    rows = [
        row("TCP connections per miner", "connections", n, ".2f"),
        row("requests per miner", "requests", n, ".2f"),
        row("salt requests per miner (ours: client counter)", "salt_requests", n, ".2f")
        if v3
        else row("token requests per miner", "tokens", n, ".2f"),
        row("bytes sent to the miner, per miner", "bytes_in", n, ".0f"),
        row("bytes received from the miner, per miner", "bytes_out", n, ".0f"),
        row("wall time of the full refresh (ms)", "wall_s", 1 / 1000, ".1f"),
        row("client CPU per full refresh (ms)", "client_cpu_s", 1 / 1000, ".1f"),
        row("client CPU per miner (ms)", "client_cpu_s", n / 1000, ".2f"),
        row("simulated-miner CPU per miner (ms)", "sim_cpu_s", n / 1000, ".2f"),
    ]
    errs = sum(r["errors"] for r in ours), sum(r["errors"] for r in theirs)
    rows.append(["failed polls (all rounds)", str(errs[0]), str(errs[1]), ""])
    print(f"\n### {n} miner(s): one full refresh, median of {len(ours)} rounds\n")
    print(table(["", "ours", "pyasic", "pyasic / ours"], rows))
    for name, rr in (("ours", ours), ("pyasic", theirs)):
        cmds = rr[-1]["commands"]
        per_miner = {k: round(v / n, 2) for k, v in sorted(cmds.items())}
        print(f"  {name}: commands per miner in the last round: {per_miner}")
        if rr[-1]["first_error"]:
            print(f"  {name}: first error: {rr[-1]['first_error']}")
    return rows


WRITE_LABELS = {
    "ours_after_poll": "ours, after a poll (backend)",
    "ours_cold": "ours, cold (nothing known yet)",
    "fresh_token": "ours, a new client per write",
    "pyasic": "pyasic",
}


def print_writes(api: str, count: int, res: dict[str, Any]) -> None:
    rows = []
    for name, label in WRITE_LABELS.items():
        if name not in res:
            continue
        r = res[name]
        info = r["commands"].get("get.device.info", 0)
        rows.append(
            [
                label,
                f"{r['connections']:g}",
                f"{r['requests']:g}",
                f"{info if api == 'v3' else r['tokens']:g}",
                f"{r['wall_s'] * 1000:.1f}",
                f"{r['client_cpu_s'] * 1000:.1f}",
                f"{r['sim_cpu_s'] * 1000:.1f}",
                r["error"] or "",
            ]
        )
    auth = "salt reads" if api == "v3" else "tokens"
    print(
        f"\n### Write path ({api}): {count} consecutive writes (set_led auto) to one miner, "
        "median of the rounds\n"
    )
    headers = ["", "connections", "requests", auth, "wall (ms)", "client CPU (ms)"]
    print(table([*headers, "miner CPU (ms)", "err"], rows))
    for name in WRITE_LABELS:
        if name in res:
            commands = dict(sorted(res[name]["commands"].items()))
            print(f"  {name}: commands seen by the miner: {commands}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api", choices=("v2", "v3"), default="v2", help="firmware generation")
    parser.add_argument("--miners", default="1,50,500", help="comma-separated miner counts")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per size")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument(
        "--no-shares", action="store_true", help="v3: ours without share counts from 4028"
    )
    args = parser.parse_args()
    SHARES["on"] = not args.no_shares
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("pyasic").setLevel(logging.CRITICAL)
    pinned = pin(0)
    print(
        f"poll cost ({args.api} firmware), python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, clients pinned to CPU 0: {pinned}, "
        "simulator in its own process on CPU 1"
    )
    print(f"pyasic {importlib.metadata.version('pyasic')}")
    if args.api == "v3":
        print(f"ours: V3Miner, share counts from the v2 port: {SHARES['on']}")
    all_results: dict[str, Any] = {}
    for n in (int(x) for x in args.miners.split(",") if x):
        res = asyncio.run(measure_polls(args.api, n, args.rounds))
        all_results[f"poll_{n}"] = res
        print_polls(n, res)
    if args.writes:
        writes = asyncio.run(measure_writes(args.api, args.writes, args.rounds))
        all_results["writes"] = writes
        print_writes(args.api, args.writes, writes)
    name = "poll_cost.json" if args.api == "v2" else f"poll_cost_{args.api}.json"
    name = name.replace(".json", "_no_shares.json") if args.no_shares else name
    print(f"\nraw results: {save(name, all_results)}")


if __name__ == "__main__":
    main()
