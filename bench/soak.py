"""The long soak run (`bench/run soak`): the short one of the test suite, much longer.

50 simulated miners, random faults switched on and off, an accelerated clock (simulator and
clients share it) covering many token lifetimes. Prints the figures and checks the same
bounds as tests/reliability/test_soak.py: no exception other than the library's own, no
sockets left open, at most one token per lifetime per miner, memory flat after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from _common import REPO, save

sys.path.insert(0, str(REPO))

from tests.reliability.soak_run import soak, token_bound


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--miners", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=600)
    parser.add_argument("--step", type=float, default=60.0, help="simulated seconds per round")
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    report = asyncio.run(
        soak(
            miners=args.miners,
            rounds=args.rounds,
            step_s=args.step,
            fault_rate=args.fault_rate,
            seed=args.seed,
        )
    )
    summary = report.summary()
    print(json.dumps(summary, indent=2))
    print(f"raw results: {save('soak.json', summary)}")
    checks = {
        "no exception other than WhatsMinerError": not report.unexpected,
        "open sockets do not pile up (fd growth <= 2)": report.fd_growth <= 2,
        "open sockets bounded (fd spread <= 10)": report.fd_spread <= 10,
        f"tokens per miner <= {token_bound(report)}": max(report.tokens_issued)
        <= token_bound(report),
        "live tokens per miner <= 2": report.max_live_tokens <= 2,
        "client memory growth after warm-up < 64 KiB": report.client_memory_growth < 65536,
        "process memory growth after warm-up < 1 MiB": report.memory_growth < 1024 * 1024,
        "every miner readable once faults cleared": report.recovered,
    }
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
