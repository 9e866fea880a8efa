"""Real third-party API v3 clients against the simulator: detect, read, control.

    bench/.venv/bin/python bench/third_party_v3.py [--host 127.0.0.2] [--model m60s]

Starts one simulated miner on v3 firmware at HOST with the standard ports (4028 and 4433),
then drives it with pyasic (its BTMinerV3 backend) and with asic-rs through its Python
bindings (pyasic-rs), both installed only in bench/.venv. Every check compares what the
client reports with the simulator's own state. Prints one line per check and writes
bench/results/third_party_v3.json; exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import json
import logging
from pathlib import Path
import sys
import time
from typing import Any
import warnings

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from simulator import MinerSimulator, SimulatedMiner  # noqa: E402

PASSWORD = "bench-v3"  # a changed super password: the write API accepts it
RESULTS = REPO / "bench" / "results" / "third_party_v3.json"


class Report:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

        self.commands: dict[str, dict[str, int]] = {}

    async def check(
        self,
        client: str,
        name: str,
        step: Callable[[], Awaitable[tuple[bool, str]]],
        *,
        client_bug: str = "",
    ) -> bool:
        """`client_bug`: a known deviation of the client (not the simulator): reported, but
        not counted as a failure."""
        started = time.monotonic()
        try:
            ok, detail = await step()
        except Exception as err:
            ok, detail = False, f"{type(err).__name__}: {err}"
        ms = round((time.monotonic() - started) * 1000)
        known = client_bug if not ok else ""
        row = {"client": client, "check": name, "ok": ok, "ms": ms, "detail": detail}
        self.rows.append(row | {"client_bug": known})
        mark = "ok  " if ok else ("BUG " if known else "FAIL")
        note = f"  [client bug: {known}]" if known else ""
        print(f"{client:8} {name:28} {mark} {ms:5} ms  {detail}{note}", flush=True)
        return ok


def same(label: str, got: object, want: object) -> tuple[bool, str]:
    return got == want, f"{label}={got!r}" + ("" if got == want else f" (simulator: {want!r})")


async def settle(miner: SimulatedMiner, condition: Callable[[], bool]) -> bool:
    """Writes land at once in the simulator; give a client's fire-and-forget a moment."""
    for _ in range(20):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def run_pyasic(host: str, miner: SimulatedMiner, report: Report) -> None:
    import pyasic
    from pyasic.miners.backends.btminer import BTMinerV3

    found: Any = None

    async def detect() -> tuple[bool, str]:
        nonlocal found
        found = await pyasic.get_miner(host)
        ok = isinstance(found, BTMinerV3)
        return ok, f"{type(found).__name__}: {found}"

    if not await report.check("pyasic", "detect (BTMinerV3)", detect):
        return
    found.rpc.pwd = PASSWORD
    s = miner.state
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = await found.get_data()

    async def field(name: str, ok: bool, detail: str, client_bug: str = "") -> None:
        async def step() -> tuple[bool, str]:
            return ok, detail

        await report.check("pyasic", name, step, client_bug=client_bug)

    hashrate = float(data.hashrate) if data.hashrate is not None else 0.0
    await field("read hashrate", abs(hashrate - s.hashrate) < 5, f"{hashrate:.1f} TH/s")
    await field("read power", abs((data.wattage or 0) - s.power_w) < 50, f"{data.wattage} W")
    board_temps = [b.temp for b in data.hashboards]
    await field(
        "read temps",
        data.env_temp is not None and all(t for t in board_temps),
        f"env {data.env_temp}, boards {board_temps}",
    )
    fans = [f.speed for f in data.fans]
    await field("read fans", len(fans) == 2 and all(fans), f"{fans}")
    pools = (
        [p.url for group in data.config.pools.groups for p in group.pools] if data.config else []
    )
    await field("read pools (config)", pools == [p.url for p in s.pools], f"{pools}")
    await field(
        "read pools (metrics)",
        bool(data.pools),
        f"{len(data.pools)} pools",
        "pyasic 0.79 reads pools from get.miner.status 'summary', which has no pools",
    )
    await field(*same_row("read MAC", data.mac, s.mac))
    await field(*same_row("read model", data.model, miner.profile.model.replace("_", " ")))
    await field(*same_row("read firmware", data.fw_ver, s.fw_ver))

    async def stop() -> tuple[bool, str]:
        sent = await found.stop_mining()
        return sent and await settle(miner, lambda: not s.mining), f"sent={sent} mining={s.mining}"

    async def start() -> tuple[bool, str]:
        sent = await found.resume_mining()
        return sent and await settle(miner, lambda: s.mining), f"sent={sent} mining={s.mining}"

    async def limit() -> tuple[bool, str]:
        sent = await found.set_power_limit(3000)
        landed = await settle(miner, lambda: s.power_limit_w == 3000)
        return sent and landed, f"sent={sent} power-limit={s.power_limit_w}"

    await report.check("pyasic", "control stop mining", stop)
    await report.check("pyasic", "control start mining", start)
    await report.check("pyasic", "control power limit 3000 W", limit)


def same_row(name: str, got: object, want: object) -> tuple[str, bool, str]:
    ok, detail = same(name.split()[-1], got, want)
    return name, ok, detail


async def run_asic_rs(host: str, miner: SimulatedMiner, report: Report) -> None:
    from pyasic_rs import MinerFactory

    found: Any = None

    async def detect() -> tuple[bool, str]:
        nonlocal found
        found = await MinerFactory().get_miner(host)
        ok = found is not None and "WhatsMiner" in str(found)
        return ok, str(found)

    if not await report.check("asic-rs", "detect", detect):
        return
    found.set_auth("super", PASSWORD)
    s = miner.state
    data = await found.get_data()

    async def row(name: str, ok: bool, detail: str) -> None:
        async def step() -> tuple[bool, str]:
            return ok, detail

        await report.check("asic-rs", name, step)

    d = data.model_dump()
    rate = d.get("hashrate") or {}
    await row(
        "read hashrate",
        rate.get("unit") == "TH/s" and abs(float(rate.get("value", 0)) - s.hashrate) < 5,
        f"{rate.get('value')} {rate.get('unit')}",
    )
    watts = d.get("wattage") or 0.0
    await row("read power", abs(watts - s.power_w) < 50, f"{watts} W")
    temps = [b.get("board_temperature") for b in d.get("hashboards", [])]
    await row(
        "read temps",
        bool(temps) and all(temps) and d.get("fluid_temperature") is not None,
        f"boards {[round(t or 0, 1) for t in temps]}, env/fluid {d.get('fluid_temperature')}",
    )
    fans = [f.get("rpm") for f in d.get("fans", [])]
    await row("read fans", len(fans) == 2 and all(fans), f"{fans}")
    urls = [p.get("url") for g in d.get("pools", []) for p in g.get("pools", [])]
    await row(*same_row("read pools", urls, [p.url for p in s.pools]))
    await row(*same_row("read MAC", (d.get("mac") or "").upper(), s.mac))
    model = d.get("device_info", {}).get("model")
    await row(*same_row("read model", model, miner.profile.model.replace("_", "")))
    await row(*same_row("read firmware", d.get("firmware_version"), s.fw_ver))

    async def pause() -> tuple[bool, str]:
        sent = await found.pause()
        return sent and await settle(miner, lambda: not s.mining), f"sent={sent} mining={s.mining}"

    async def resume() -> tuple[bool, str]:
        sent = await found.resume()
        return sent and await settle(miner, lambda: s.mining), f"sent={sent} mining={s.mining}"

    async def limit() -> tuple[bool, str]:
        sent = await found.set_power_limit(2800.0)
        landed = await settle(miner, lambda: s.power_limit_w == 2800)
        return sent and landed, f"sent={sent} power-limit={s.power_limit_w}"

    await report.check("asic-rs", "control pause", pause)
    await report.check("asic-rs", "control resume", resume)
    await report.check("asic-rs", "control power limit 2800 W", limit)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.ERROR)
    report = Report()
    sim = MinerSimulator(
        profile=args.model,
        host=args.host,
        base_port=4028,
        v3_base_port=4433,
        password=PASSWORD,
        api="v3",
    )
    async with sim:
        miner = sim.miners[0]
        miner.state.noise = False
        print(
            f"simulator: {miner.profile.model} at {args.host}, ports {miner.port}/{miner.v3_port}"
        )
        await run_pyasic(args.host, miner, report)
        report.commands["pyasic"] = dict(miner.counters.commands)
        miner.counters.commands.clear()
        miner.restart_btminer()  # start the second client from a fresh, mining miner
        miner.state.power_limit_w = miner.profile.max_power_limit_w
        miner.clock.advance(miner.timing.btminer_restart_s + miner.timing.warmup_s)
        await run_asic_rs(args.host, miner, report)
        report.commands["asic-rs"] = dict(miner.counters.commands)
    for client, commands in report.commands.items():
        print(f"{client} sent: {', '.join(f'{c} x{n}' for c, n in sorted(commands.items()))}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"checks": report.rows, "commands": report.commands}, indent=1))
    failed = [r for r in report.rows if not r["ok"] and not r["client_bug"]]
    bugs = sum(1 for r in report.rows if r["client_bug"])
    print(f"{len(report.rows) - len(failed) - bugs} passed, {len(failed)} failed")
    print(f"({bugs} known client bug(s), not counted)")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.2")
    parser.add_argument("--model", default="m60s")
    sys.exit(asyncio.run(main(parser.parse_args())))
