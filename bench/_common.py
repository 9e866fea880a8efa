"""Helpers shared by the benchmark scripts: the simulator process, our client, tables."""

from __future__ import annotations

from collections.abc import Sequence
import json
import os
from pathlib import Path
import subprocess
import sys
import types
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def _api_package() -> None:
    """Make `custom_components.whatsminer.api` importable without the integration's __init__.

    The client is a plain asyncio library (architecture.md): only its own package is loaded,
    so the benchmark environment needs no Home Assistant.
    """
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if "custom_components.whatsminer" not in sys.modules:
        pkg = types.ModuleType("custom_components.whatsminer")
        pkg.__path__ = [str(REPO / "custom_components" / "whatsminer")]
        sys.modules["custom_components.whatsminer"] = pkg


def import_client() -> type[Any]:
    """WhatsMinerClient (API v2), imported without Home Assistant."""
    _api_package()
    from custom_components.whatsminer.api.v2.client import WhatsMinerClient

    return WhatsMinerClient


def import_manager_profit() -> Any:
    """The power manager's pure `profit` module (break-even prices), without Home Assistant."""
    _api_package()
    from custom_components.whatsminer.manager import profit

    return profit


def import_auto() -> Any:
    """The `custom_components.whatsminer.api.auto` module (create_miner, detect, ...)."""
    _api_package()
    from custom_components.whatsminer.api import auto

    return auto


class SimProcess:
    """bench/simserver.py in a child process, pinned to its own CPU when there are two."""

    def __init__(
        self,
        miners: int,
        *,
        cpu: int | None = None,
        profile: str = "m30s_plus",
        api: str | None = None,
        seed: int = 1,
    ) -> None:
        cmd = [sys.executable, str(REPO / "bench" / "simserver.py"), "--miners", str(miners)]
        cmd += ["--profile", profile, "--seed", str(seed)]
        if api is not None:
            cmd += ["--api", api]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        hello = self._read()
        self.host: str = hello["host"]
        self.ports: list[int] = hello["ports"]  # API v2 (4028)
        self.v3_ports: list[int] = hello["v3_ports"]  # API v3 (4433), on v3 firmware
        self.macs: list[str] = hello["macs"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"simulator process ended (exit {self.proc.wait()})")
        data: dict[str, Any] = json.loads(line)
        return data

    def request(self, line: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n")
        self.proc.stdin.flush()
        return self._read()

    def counters(self) -> dict[str, Any]:
        return self.request("counters")

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """after - before for the numeric counters (and per command)."""
    out: dict[str, Any] = {k: after[k] - before[k] for k in after if k != "commands"}
    out["commands"] = {
        k: v - before["commands"].get(k, 0)
        for k, v in after["commands"].items()
        if v - before["commands"].get(k, 0)
    }
    return out


def ratio(theirs: float, ours: float) -> str:
    if ours == 0:
        return "-" if theirs == 0 else "inf"
    return f"{theirs / ours:.1f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (readable in a terminal, pasteable into the README)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def save(name: str, data: object) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
