"""The demo's five simulated miners, in one process (started by scripts/develop).

Air-cooled M30S+, hydro M56S and an M20S on older firmware (API v2), a hydro M63S on API v3
firmware, and an M60S on API v3 firmware whose write API is off (added monitor only, it shows
the repair that explains how to enable writes). On consecutive ports of 127.0.0.1 (the v3
ones from --port + 405, so 4433 for the first), each with its own MAC address. The M30S+
keeps the factory password "admin", so the demo also shows the repair that asks to change
it. Prints one line per miner (and writes them to --table) once all of them listen; stops on
SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal

from simulator import MinerSimulator, SimClock

# label, simulator profile, password (v2 admin / v3 super), host name (Home Assistant names the
# device after it), firmware API, write API on
DEMO_MINERS = (
    ("M30S+ (air-cooled)", "m30s_plus", "admin", "garage-m30s", "v2", True),
    ("M56S (hydro)", "m56s_hydro", "hydro_01", "boiler-m56s", "v2", True),
    ("M20S (older firmware)", "m20s_legacy", "admin", "barn-m20s", "v2", True),
    ("M63S (hydro, API v3)", "m63s_hydro", "hydro_03", "pool-m63s", "v3", True),
    ("M60S (API v3, writes off)", "m60s", "shed_v3", "shed-m60s", "v3", False),
)
V3_PORT_OFFSET = 405  # 4028 + 405 = 4433: each miner's v3 port (listening on v3 firmware only)


async def run(host: str, first_port: int, table: Path | None) -> None:
    """Start the miners, report where they listen, run until stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    clock = SimClock()
    async with contextlib.AsyncExitStack() as stack:
        lines = []
        for index, (label, profile, password, hostname, api, writes) in enumerate(DEMO_MINERS):
            sim = MinerSimulator(
                1,
                profile,
                host,
                first_port + index,
                password,
                clock=clock,
                seed=index + 1,
                api=api,
                v3_base_port=first_port + V3_PORT_OFFSET + index,
            )
            miner = sim.miners[0]
            miner.state.api_enabled = writes
            if not writes:  # the v2 port's admin account keeps its factory password, as shipped
                miner.state.password = "admin"  # noqa: S105
            await stack.enter_async_context(sim)
            miner.state.hostname = hostname
            secret = password
            if not writes:  # added monitor only, then "Enable write access" with this password
                secret = f"none (writes off: add it monitor only), then {password} to enable"
            lines.append(
                f"   {label:26} host {miner.host}   port {miner.port:<5}"
                f"   v3 port {first_port + V3_PORT_OFFSET + index:<5}   password {secret}"
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
