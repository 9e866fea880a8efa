"""Poll cost: our client against pyasic, on the same simulated miners, in the same run.

Method
- The simulated miners run in a child process (bench/simserver.py), pinned to CPU 1; this
  process (both clients) is pinned to CPU 0. So the client CPU time measured here
  (time.process_time) contains no simulator work, and "one core" means one core.
- Connections, bytes and token requests come from the simulator's own counters (what the
  miner saw), read before and after each round.
- A round is one full refresh of every miner, all miners concurrently (as N coordinators
  would). Ours: `WhatsMinerClient.poll()`. pyasic: `miner.get_data()` (what its Home Assistant
  integration calls on every refresh), on BTMinerV2 objects whose RPC port points at the
  simulated miner. One warm-up round each first (caches, tokens, imports), then R measured
  rounds, ours and pyasic alternating; figures are medians over the rounds.
- Write path: ten consecutive `set_led auto` writes with one client (token reused), against
  ten writes each with a new client (a fresh token per write), and pyasic's ten writes.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import importlib.metadata
import logging
import os
import statistics
import sys
import time
from typing import Any

from _common import SimProcess, delta, import_client, ratio, save, table

Poller = Callable[[int], Awaitable[Any]]


def pin(cpu: int) -> bool:
    if (os.cpu_count() or 1) < 2:
        return False
    os.sched_setaffinity(0, {cpu})
    return True


def make_ours(host: str, ports: list[int]) -> Poller:
    client_cls = import_client()
    clients = [client_cls(host, port) for port in ports]

    async def poll(i: int) -> Any:
        return await clients[i].poll()

    return poll


def make_pyasic(host: str, ports: list[int]) -> Poller:
    from pyasic.miners.whatsminer.btminer.M3X.M30S_Plus import BTMinerM30SPlusVE40

    miners = []
    for port in ports:
        miner = BTMinerM30SPlusVE40(host)
        miner.rpc.port = port  # pyasic has no port option: its RPC object holds the port
        miners.append(miner)

    async def poll(i: int) -> Any:
        return await miners[i].get_data()

    return poll


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
        "commands": d["commands"],
        "errors": len(errors),
        "first_error": repr(errors[0]) if errors else None,
    }


def med(rounds: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in rounds))


async def measure_polls(n: int, rounds: int) -> dict[str, Any]:
    with SimProcess(n, cpu=1 if (os.cpu_count() or 1) > 1 else None) as sim:
        pollers = {
            "ours": make_ours(sim.host, sim.ports),
            "pyasic": make_pyasic(sim.host, sim.ports),
        }
        results: dict[str, Any] = {}
        for name, poll in pollers.items():
            results[name] = {"warmup": await one_round(sim, poll, n), "rounds": []}
        for _ in range(rounds):
            for name, poll in pollers.items():
                results[name]["rounds"].append(await one_round(sim, poll, n))
    return results


async def measure_writes(count: int) -> dict[str, Any]:
    client_cls = import_client()
    from pyasic.miners.whatsminer.btminer.M3X.M30S_Plus import BTMinerM30SPlusVE40

    out: dict[str, Any] = {}
    with SimProcess(1, cpu=1 if (os.cpu_count() or 1) > 1 else None) as sim:
        port = sim.ports[0]

        async def reuse() -> None:
            client = client_cls(sim.host, port)
            for _ in range(count):
                await client.set_led_auto()

        async def fresh() -> None:
            for _ in range(count):
                await client_cls(sim.host, port).set_led_auto()

        async def theirs() -> None:
            miner = BTMinerM30SPlusVE40(sim.host)
            miner.rpc.port = port
            for _ in range(count):
                assert await miner.fault_light_off()

        for name, fn in (("ours_token_reuse", reuse), ("fresh_token", fresh), ("pyasic", theirs)):
            before = sim.counters()
            t0, c0 = time.perf_counter(), time.process_time()
            err = None
            try:
                await fn()
            except Exception as e:  # reported, not hidden
                err = repr(e)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            d = delta(sim.counters(), before)
            out[name] = {
                "wall_s": wall,
                "client_cpu_s": cpu,
                "sim_cpu_s": d["cpu_s"],
                "connections": d["connections"],
                "tokens": d["tokens"],
                "commands": d["commands"],
                "error": err,
            }
    return out


def print_polls(n: int, res: dict[str, Any]) -> list[list[str]]:
    ours, theirs = res["ours"]["rounds"], res["pyasic"]["rounds"]

    def row(label: str, key: str, per: float, fmt: str) -> list[str]:
        a, b = med(ours, key) / per, med(theirs, key) / per
        return [label, format(a, fmt), format(b, fmt), ratio(b, a)]

    rows = [
        row("TCP connections per miner", "connections", n, ".2f"),
        row("token requests per miner", "tokens", n, ".2f"),
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


def print_writes(count: int, res: dict[str, Any]) -> None:
    rows = []
    for name, label in (
        ("ours_token_reuse", "ours, token reused"),
        ("fresh_token", "ours, fresh token per write"),
        ("pyasic", "pyasic"),
    ):
        r = res[name]
        rows.append(
            [
                label,
                str(r["connections"]),
                str(r["tokens"]),
                f"{r['wall_s'] * 1000:.1f}",
                f"{r['client_cpu_s'] * 1000:.1f}",
                f"{r['sim_cpu_s'] * 1000:.1f}",
                r["error"] or "",
            ]
        )
    print(f"\n### Write path: {count} consecutive writes (set_led auto) to one miner\n")
    print(
        table(
            ["", "connections", "tokens", "wall (ms)", "client CPU (ms)", "miner CPU (ms)", "err"],
            rows,
        )
    )
    for name in ("ours_token_reuse", "fresh_token", "pyasic"):
        print(
            f"  {name}: commands seen by the miner: {dict(sorted(res[name]['commands'].items()))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--miners", default="1,50,500", help="comma-separated miner counts")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per size")
    parser.add_argument("--writes", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("pyasic").setLevel(logging.CRITICAL)
    pinned = pin(0)
    print(
        f"poll cost, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"clients pinned to CPU 0: {pinned}, simulator in its own process on CPU 1"
    )
    print(f"pyasic {importlib.metadata.version('pyasic')}")
    all_results: dict[str, Any] = {}
    for n in (int(x) for x in args.miners.split(",")):
        res = asyncio.run(measure_polls(n, args.rounds))
        all_results[f"poll_{n}"] = res
        print_polls(n, res)
    writes = asyncio.run(measure_writes(args.writes))
    all_results["writes"] = writes
    print_writes(args.writes, writes)
    print(f"\nraw results: {save('poll_cost.json', all_results)}")


if __name__ == "__main__":
    main()
