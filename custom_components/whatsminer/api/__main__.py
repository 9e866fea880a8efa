"""Command line for debugging a miner.

python -m custom_components.whatsminer.api --host H [--port P] [--password PW]
    COMMAND [key=value ...]

COMMAND is any API command (reads plaintext, writes encrypted); the reply is printed as JSON.
`poll [--json]` prints the normalised snapshot; `update_firmware file=PATH` uploads a firmware
file; `download_logs out=PATH` saves the logs. The password defaults to $WHATSMINER_PASSWORD,
else "admin". Errors print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Sequence
import dataclasses
from datetime import date, datetime
import json
import os
from pathlib import Path
import sys
from typing import Any

from .errors import WhatsMinerError, WhatsMinerValidationError
from .models import MinerSnapshot
from .v2.client import DEFAULT_PASSWORD, DEFAULT_PORT, WhatsMinerClient

_CHUNK = 256 * 1024


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.whatsminer.api",
        description="Talk to a WhatsMiner (API v2.0.5) and print its reply as JSON.",
    )
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--password",
        default=os.environ.get("WHATSMINER_PASSWORD", DEFAULT_PASSWORD),
        help="admin password for writes (default: $WHATSMINER_PASSWORD or admin)",
    )
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("command", help="API command, or poll [--json]")
    parser.add_argument("params", nargs=argparse.REMAINDER, help="key=value arguments")
    return parser


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=_json_default)


def snapshot_dict(snapshot: MinerSnapshot) -> dict[str, Any]:
    """The normalised snapshot as plain data (without the raw replies)."""
    data = {
        field.name: dataclasses.asdict(snapshot)[field.name]
        for field in dataclasses.fields(snapshot)
        if field.name != "raw"
    }
    data["mac"] = snapshot.mac
    data["mining"] = snapshot.mining
    data["firmware_version"] = snapshot.firmware_version
    return data


def _describe(snapshot: MinerSnapshot) -> str:
    summary = snapshot.summary
    pool = snapshot.active_pool
    lines = [
        f"model:      {snapshot.model or '?'}  mac: {snapshot.mac or '?'}",
        f"firmware:   {snapshot.firmware_version or '?'}",
        f"mining:     {snapshot.mining}  power mode: {summary.power_mode or '?'}",
        f"hashrate:   {summary.hashrate_ths} TH/s  power: {summary.power_w} W",
        f"temp:       {summary.temperature_c} C  fans: {summary.fan_in_rpm}/{summary.fan_out_rpm}",
        f"pool:       {pool.url if pool else '-'}",
        f"errors:     {', '.join(str(e.code) for e in snapshot.error_codes) or '-'}",
    ]
    return "\n".join(lines)


def _params(items: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise WhatsMinerValidationError(f"expected key=value, got {item!r}")
        params[key] = value
    return params


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            yield chunk


def _progress(done: int, total: int) -> None:
    print(f"\r{done}/{total} bytes", end="", file=sys.stderr, flush=True)


async def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    client = WhatsMinerClient(args.host, args.port, args.password, timeout=args.timeout)
    try:
        items = list(args.params)
        as_json = "--json" in items
        params = _params([item for item in items if item != "--json"])
        if args.command == "poll":
            snapshot = await client.poll()
            print(_dump(snapshot_dict(snapshot)) if as_json else _describe(snapshot))
        elif args.command == "update_firmware":
            path = Path(params.get("file", ""))
            if not path.is_file():
                raise WhatsMinerValidationError("update_firmware needs file=PATH")
            size = path.stat().st_size
            await client.update_firmware(_file_chunks(path), size, progress=_progress)
            print(file=sys.stderr)
            print(_dump({"uploaded": size}))
        elif args.command == "download_logs":
            out = Path(params.get("out", "whatsminer-logs.tgz"))
            data = await client.download_logs(progress=_progress)
            print(file=sys.stderr)
            out.write_bytes(data)
            print(_dump({"saved": str(out), "bytes": len(data)}))
        else:
            print(_dump(await client.command(args.command, **params)))
    except WhatsMinerValidationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except WhatsMinerError as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    """Entry point of `python -m custom_components.whatsminer.api`."""
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
