"""Simulated miners in their own process, for measurements that must not count their CPU.

Started by the benchmark scripts as `python bench/simserver.py --miners N`. It prints one JSON
line `{"host": ..., "ports": [...], "pid": ...}` once the miners listen, then answers lines on
stdin, one JSON line each:

- `counters`: the simulator's counters summed over every miner, plus this process's CPU time
- `forget_tokens`: drop every miner's issued v2 tokens (between repeated write measurements)
- `quit`: stop the miners and exit

The simulator's own counters are the source of truth for connections, bytes and tokens: they
are counted where the miner would count them, whatever the client believes it sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import sys
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator import MinerSimulator


def totals(sim: MinerSimulator) -> dict[str, Any]:
    """The counters of every miner, summed."""
    out: dict[str, Any] = {
        "connections": 0,
        "bytes_in": 0,
        "bytes_out": 0,
        "tokens": 0,
        "commands": {},
        "cpu_s": time.process_time(),
    }
    commands: dict[str, int] = out["commands"]
    for miner in sim.miners:
        c = miner.counters
        out["connections"] += c.connections
        out["bytes_in"] += c.bytes_in
        out["bytes_out"] += c.bytes_out
        out["tokens"] += c.tokens_issued
        for name, n in c.commands.items():
            commands[name] = commands.get(name, 0) + n
    return out


async def serve(miners: int, profile: str, cpu: int | None, api: str | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with MinerSimulator(
        count=miners, profile=profile, host="127.0.0.1", base_port=0, password="admin", api=api
    ) as sim:
        hello = {
            "host": "127.0.0.1",
            "ports": [m.port for m in sim.miners],
            "v3_ports": [m.v3_port for m in sim.miners],
            "macs": [m.state.mac for m in sim.miners],
            "pid": os.getpid(),
        }
        print(json.dumps(hello), flush=True)
        while line := (await reader.readline()).decode().strip():
            if line == "counters":
                print(json.dumps(totals(sim)), flush=True)
            elif line == "forget_tokens":  # free the token slots (32 per address, spec 5.1)
                for miner in sim.miners:
                    miner.forget_tokens()
                print(json.dumps({"ok": True}), flush=True)
            elif line == "quit":
                break
            else:
                print(json.dumps({"error": f"unknown request {line!r}"}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--miners", type=int, required=True)
    parser.add_argument("--profile", default="m30s_plus")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    parser.add_argument("--api", choices=("v2", "v3"), default=None, help="firmware generation")
    args = parser.parse_args()
    asyncio.run(serve(args.miners, args.profile, args.cpu, args.api))


if __name__ == "__main__":
    main()
