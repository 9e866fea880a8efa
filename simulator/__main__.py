"""CLI: python -m simulator --miners N [--api v2|v3] [--host H] [--port P] [--v3-port P3]
[--model M] [--password PW] [--write-api on|off] [--unlock accept|refuse|unsupported].

Each miner's MAC and serial follow from --seed, which defaults to the first port, so
simulators started as separate processes on different ports are different miners.
With --api v3 each miner also serves API v3 on consecutive ports from --v3-port, and
--password is its `super` password (as well as the v2 admin one). --write-api off starts
the miners as they leave the factory; --unlock says how 4028 takes the open_write_api
handshake that switches it on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .profiles import PROFILES
from .simulator import MinerSimulator
from .state import Unlock


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--miners", type=int, default=1, help="number of miners")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4028, help="port of the first miner")
    parser.add_argument("--model", default="m30s_plus", choices=sorted(PROFILES))
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--api", choices=("v2", "v3"), default=None, help="firmware generation (default: model's)"
    )
    parser.add_argument("--v3-port", type=int, default=4433, help="v3 port of the first miner")
    parser.add_argument(
        "--seed", type=int, default=None, help="identity of the first miner (default: its port)"
    )
    parser.add_argument(
        "--write-api",
        choices=("on", "off"),
        default=None,
        help="start with the write API on or off (default: the model's, on)",
    )
    parser.add_argument(
        "--unlock",
        choices=[str(u) for u in Unlock],
        default=str(Unlock.ACCEPT),
        help="how 4028 takes the open_write_api handshake (default: accept)",
    )
    args = parser.parse_args(argv)
    if args.miners < 1:
        parser.error("--miners must be at least 1")
    if args.seed is None:
        args.seed = args.port
    return args


async def serve(args: argparse.Namespace, stop: asyncio.Event) -> None:
    """Run the miners, print one line per miner, return once `stop` is set."""
    sim = MinerSimulator(
        args.miners,
        args.model,
        args.host,
        args.port,
        args.password,
        seed=args.seed,
        api=args.api,
        v3_base_port=args.v3_port,
        write_api=None if args.write_api is None else args.write_api == "on",
    )
    for miner in sim.miners:
        miner.faults.unlock = Unlock(args.unlock)
    async with sim:
        for miner in sim.miners:
            v3 = f" v3_port={miner.v3_port}" if miner.state.v3 else ""
            print(
                f"model={miner.profile.model} address={miner.host} port={miner.port}{v3} "
                f"password={miner.state.password} mac={miner.state.mac}",
                flush=True,
            )
        await stop.wait()


async def run(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(args, stop)


def main(argv: list[str] | None = None) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
