"""The command line: JSON replies, poll --json, file flows, one-line errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import sys

import pytest

from custom_components.whatsminer.api.__main__ import run

from . import samples
from .fake_miner import FakeMiner, Request


def _args(miner: FakeMiner, *rest: str) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(miner.port), "--timeout", "2", *rest]


async def test_read_command_prints_reply_json(
    miner: FakeMiner, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(_args(miner, "get_version")) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(samples.VERSION)


async def test_write_with_params(miner: FakeMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_args(miner, "--password", "admin", "set_power_pct", "percent=40")) == 0
    assert json.loads(capsys.readouterr().out)["Msg"] == "API command OK"
    (write,) = [r for r in miner.requests if r.encrypted]
    assert write.body["percent"] == "40"


async def test_poll_json(miner: FakeMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_args(miner, "poll", "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "M30S+VE40"
    assert data["mac"] == "C6:07:20:00:1E:C2"
    assert data["summary"]["power_w"] == 3593
    assert data["error_codes"][0] == {"code": 218, "reported_at": "2024-06-15T10:30:00"}
    assert "raw" not in data


async def test_poll_text(miner: FakeMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_args(miner, "poll")) == 0
    out = capsys.readouterr().out
    assert "M30S+VE40" in out and "218, 110" in out


async def test_errors_are_one_line(miner: FakeMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_args(miner, "stats")) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: CommandRejectedError:") and err.count("\n") == 1
    assert await run(_args(miner, "set_power_pct", "percent")) == 2
    assert "key=value" in capsys.readouterr().err
    assert await run(_args(miner, "update_firmware", "file=/nonexistent")) == 2
    assert miner.connections == 1


async def test_download_logs_and_update_firmware(
    miner: FakeMiner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = b"\x1f\x8b" + bytes(range(256)) * 50

    async def download(request: Request) -> bytes:
        header = miner.encrypt(miner.ok({"logfilelen": str(len(logs))}))
        return json.dumps(header).encode() + logs

    received: list[int] = []

    async def update(request: Request) -> None:
        request.writer.write(json.dumps(miner.encrypt(miner.ok("ready"))).encode())
        await request.writer.drain()
        head = await request.reader.readexactly(4)
        received.append(len(await request.reader.readexactly(int.from_bytes(head, "little"))))

    miner.handlers["download_logs"] = download
    miner.handlers["update_firmware"] = update
    out = tmp_path / "logs.tgz"
    assert await run(_args(miner, "download_logs", f"out={out}")) == 0
    assert out.read_bytes() == logs
    firmware = tmp_path / "fw.bin"
    firmware.write_bytes(b"\x01" * 300_000)
    assert await run(_args(miner, "update_firmware", f"file={firmware}")) == 0
    assert received == [300_000]
    assert json.loads(capsys.readouterr().out.split("\n}\n")[1] + "\n}") == {"uploaded": 300_000}


async def test_python_dash_m(miner: FakeMiner) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.whatsminer.api",
        *_args(miner, "status"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    assert json.loads(out)["Msg"]["power_mode"] == "low"
