"""The demo's three simulated miners, in one process (started by scripts/develop).

Air-cooled M30S+, hydro M56S and an M20S on older firmware, on consecutive ports of
127.0.0.1, each with its own MAC address. The M30S+ keeps the factory password "admin", so
the demo also shows the repair that asks to change it. Prints one line per miner (and
writes them to --table) once all of them listen; stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal

from simulator import MinerSimulator, SimClock

# label, simulator profile, admin password, host name (Home Assistant names the device after it)
DEMO_MINERS = (
    ("M30S+ (air-cooled)", "m30s_plus", "admin", "garage-m30s"),
    ("M56S (hydro)", "m56s_hydro", "hydro_01", "boiler-m56s"),
    ("M20S (older firmware)", "m20s_legacy", "admin", "barn-m20s"),
)


async def run(host: str, first_port: int, table: Path | None) -> None:
    """Start the miners, report where they listen, run until stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    clock = SimClock()
    async with contextlib.AsyncExitStack() as stack:
        lines = []
        for index, (label, profile, password, hostname) in enumerate(DEMO_MINERS):
            sim = MinerSimulator(
                1, profile, host, first_port + index, password, clock=clock, seed=index + 1
            )
            await stack.enter_async_context(sim)
            miner = sim.miners[0]
            miner.state.hostname = hostname
            lines.append(
                f"   {label:24} host {miner.host}   port {miner.port:<5}   password {password}"
            )
        text = "\n".join(lines) + "\n"
        if table is not None:
            table.write_text(text, encoding="utf-8")
        print(text, end="", flush=True)
        await stop.wait()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4028, help="port of the first miner")
    parser.add_argument("--table", type=Path, help="also write the miner lines to this file")
    args = parser.parse_args()
    asyncio.run(run(args.host, args.port, args.table))


if __name__ == "__main__":
    main()
