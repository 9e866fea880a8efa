"""Command line for debugging a miner.

python -m custom_components.whatsminer.api --host H [--port 4028] [--v3-port 4433]
    [--api auto|v2|v3] [--password PW] COMMAND|poll|detect|enable-write [key=value ...]
    [--json]

`--api auto` (the default) detects the API first (spec v3 6.2). `poll [--json]` prints the
normalised snapshot, with the API it was read with (`api`) and the settings; `detect` prints
what detection learned; `update_firmware file=PATH` uploads a firmware file;
`download_logs out=PATH` saves the logs; `enable-write` switches the write API on without
WhatsMinerTool (the 4028 `open_write_api` handshake, not part of the documented API; on v3
firmware the password is tried for it, then the factory `admin`). Any other COMMAND is sent
as it is and its reply printed as JSON: on v2 (reads plaintext, writes encrypted) with
key=value parameters, on v3 (get.* plain, set.* signed) with `param=VALUE`, VALUE read as
JSON when it is JSON (`param=salt`, `param='{"percent":"90","mode":"fast"}'`). The
password defaults to $WHATSMINER_PASSWORD, else the factory one of the API in use (v2
admin, v3 super), and is never printed. Errors print one line and exit non-zero. Importing
this module loads no Home Assistant (the clients, through `auto`, it does load).
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

from .auto import AutoMiner, detect
from .errorcodes import describe
from .errors import WhatsMinerError, WhatsMinerValidationError
from .miner import DEFAULT_PASSWORDS, DEFAULT_V2_PORT, DEFAULT_V3_PORT, Miner
from .models import ApiVersion, ErrorCode, MinerSnapshot
from .v2.miner import V2Miner
from .v3.miner import V3Miner

_CHUNK = 256 * 1024
_PASSWORD_ENV = "WHATSMINER_PASSWORD"  # noqa: S105 - the name of a variable


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.whatsminer.api",
        description="Talk to a WhatsMiner (API v2.0.5 or v3) and print its reply as JSON.",
    )
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=DEFAULT_V2_PORT, help="API v2 port")
    parser.add_argument("--v3-port", type=int, default=DEFAULT_V3_PORT, help="API v3 port")
    parser.add_argument("--api", choices=("auto", "v2", "v3"), default="auto")
    parser.add_argument(
        "--password",
        default=None,
        help=f"password for writes (default: ${_PASSWORD_ENV}, else v2 admin / v3 super)",
    )
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("command", help="API command, or poll [--json], detect, or enable-write")
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


def _error(error: ErrorCode) -> str:
    found = describe(error.code, error.reason)
    return f"{error.code} {found.meaning} ({found.part}, {found.severity})"


def _describe(snapshot: MinerSnapshot) -> str:
    summary = snapshot.summary
    pool = snapshot.active_pool
    settings = snapshot.settings
    lines = [
        f"model:      {snapshot.model or '?'}  mac: {snapshot.mac or '?'}",
        f"firmware:   {snapshot.firmware_version or '?'}  api: {snapshot.api or '?'}",
        f"mining:     {snapshot.mining}  power mode: {settings.power_mode or '?'}"
        f"  limit: {settings.power_limit_w or '-'} W  percent: {settings.power_percent or '-'}",
        f"hashrate:   {summary.hashrate_ths} TH/s  power: {summary.power_w} W",
        f"temp:       {summary.temperature_c} C  fans: {summary.fan_in_rpm}/{summary.fan_out_rpm}",
        f"pool:       {pool.url if pool else '-'}",
        f"errors:     {'; '.join(_error(e) for e in snapshot.error_codes) or '-'}",
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


def _password(args: argparse.Namespace, api: ApiVersion) -> str:
    given: str | None = args.password or os.environ.get(_PASSWORD_ENV)
    return given or DEFAULT_PASSWORDS[api]


def _v3_param(params: dict[str, str]) -> Any:
    """`param=VALUE`: VALUE as JSON when it parses, else the text itself."""
    unknown = set(params) - {"param"}
    if unknown:
        raise WhatsMinerValidationError(
            f"v3 commands take one param=VALUE, not {', '.join(sorted(unknown))}"
        )
    if "param" not in params:
        return None
    try:
        return json.loads(params["param"])
    except ValueError:
        return params["param"]


async def _raw(miner: Miner, command: str, params: dict[str, str]) -> Any:
    """One command as named, through the backend's client."""
    if isinstance(miner, V3Miner):
        return await miner.client.command(command, _v3_param(params))
    assert isinstance(miner, V2Miner)
    return await miner.client.command(command, **params)


async def _command(args: argparse.Namespace, params: dict[str, str], as_json: bool) -> None:
    if args.command == "detect":
        found = await detect(
            args.host, v2_port=args.port, v3_port=args.v3_port, timeout=min(args.timeout, 3.0)
        )
        print(_dump(dataclasses.asdict(found)))
        return
    explicit: str | None = args.password or os.environ.get(_PASSWORD_ENV)
    auto = AutoMiner(
        args.host,
        password=explicit,
        api=None if args.api == "auto" else ApiVersion(args.api),
        v2_port=args.port,
        v3_port=args.v3_port,
        timeout=args.timeout,
    )
    try:
        miner = await auto.ready()
        if explicit is None:
            assert auto.api is not None
            auto.set_password(_password(args, auto.api))
        if args.command == "poll":
            snapshot = await auto.poll()
            print(_dump(snapshot_dict(snapshot)) if as_json else _describe(snapshot))
        elif args.command == "enable-write":
            unlocked = await auto.enable_write_api(explicit)
            print(_dump({"write_api": "enabled" if unlocked else "already_on"}))
        elif args.command == "update_firmware":
            path = Path(params["file"])  # checked before connecting
            size = path.stat().st_size
            await auto.update_firmware(_file_chunks(path), size, progress=_progress)
            print(file=sys.stderr)
            print(_dump({"uploaded": size}))
        elif args.command == "download_logs":
            out = Path(params.get("out", "whatsminer-logs.tgz"))
            data = await auto.download_logs(progress=_progress)
            print(file=sys.stderr)
            out.write_bytes(data)
            print(_dump({"saved": str(out), "bytes": len(data)}))
        else:
            print(_dump(await _raw(miner, args.command, params)))
    finally:
        await auto.close()


async def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        items = list(args.params)
        as_json = "--json" in items
        params = _params([item for item in items if item != "--json"])
        if args.command == "update_firmware" and not Path(params.get("file", "")).is_file():
            raise WhatsMinerValidationError("update_firmware needs file=PATH")
        await _command(args, params, as_json)
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
