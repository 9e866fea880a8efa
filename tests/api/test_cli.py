"""The command line: JSON replies, poll --json, file flows, one-line errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
from pathlib import Path
import sys

import pytest

from custom_components.whatsminer.api.__main__ import run
from simulator import MinerSimulator, SimulatedMiner

from . import samples
from .fake_miner import FakeMiner, Request
from .fake_v3 import free_port
from .test_unlock import WriteSwitch


def _args(miner: FakeMiner, *rest: str) -> list[str]:
    return [
        "--host",
        "127.0.0.1",
        "--port",
        str(miner.port),
        "--api",
        "v2",
        "--timeout",
        "2",
        *rest,
    ]


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
    assert data["error_codes"][0] == {
        "code": 218, "reported_at": "2024-06-15T10:30:00", "reason": None,
    }  # fmt: skip
    assert "raw" not in data


async def test_poll_text(miner: FakeMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_args(miner, "poll")) == 0
    out = capsys.readouterr().out
    assert "M30S+VE40" in out
    assert (
        "218 Input voltage below 230 V: no high power mode (psu, warning); "
        "110 Intake fan speed not detected (fan, critical)"
    ) in out


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


# ---- both APIs: detection, v3 commands, default passwords --------------------------------


def _sim_args(miner: SimulatedMiner, *rest: str) -> list[str]:
    return [
        "--host",
        miner.host,
        "--port",
        str(miner.port),
        "--v3-port",
        str(miner.v3_port),
        "--timeout",
        "2",
        *rest,
    ]


@pytest.fixture
async def v3_sim(socket_enabled: None) -> AsyncIterator[SimulatedMiner]:
    async with MinerSimulator(count=1, profile="m60s", api="v3", v3_base_port=free_port()) as sim:
        yield sim.miners[0]


async def test_auto_detects_v2(miner: FakeMiner, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--host", "127.0.0.1", "--port", str(miner.port), "--v3-port", str(free_port())]
    assert await run([*args, "poll", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["api"] == "v2"
    assert data["settings"]["power_mode"] == "low"
    assert await run([*args, "detect"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert (found["api"], found["mac"]) == ("v2", "C6:07:20:00:1E:C2")


async def test_auto_detects_v3(v3_sim: SimulatedMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_sim_args(v3_sim, "poll", "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["api"] == "v3"
    assert data["settings"]["power_mode"] in ("low", "normal", "high")
    assert data["mac"] == v3_sim.state.mac
    assert await run(_sim_args(v3_sim, "poll")) == 0
    assert "api: v3" in capsys.readouterr().out


async def test_v3_raw_commands(v3_sim: SimulatedMiner, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(_sim_args(v3_sim, "--api", "v3", "get.device.info", "param=salt")) == 0
    assert json.loads(capsys.readouterr().out) == {"salt": v3_sim.state.device_salt}
    write = ["--api", "v3", "--password", "admin", "set.system.led", "param=auto"]
    assert await run(_sim_args(v3_sim, *write)) == 0
    assert json.loads(capsys.readouterr().out) == "ok"
    percent = '{"percent":"90","mode":"fast"}'
    write = ["--password", "admin", "set.miner.power_percent", f"param={percent}"]
    assert await run(_sim_args(v3_sim, *write)) == 0
    assert v3_sim.counters.commands["set.miner.power_percent"] == 1
    assert await run(_sim_args(v3_sim, "get.miner.status", "sections=summary")) == 2
    assert "param=VALUE" in capsys.readouterr().err


async def test_default_password_per_api(
    v3_sim: SimulatedMiner, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHATSMINER_PASSWORD", raising=False)
    # the simulated super password is "admin": v3's default "super" is refused ...
    assert await run(_sim_args(v3_sim, "set.system.led", "param=auto")) == 1
    assert "Error" in capsys.readouterr().err
    # ... and the environment variable overrides the default
    monkeypatch.setenv("WHATSMINER_PASSWORD", "admin")
    assert await run(_sim_args(v3_sim, "set.system.led", "param=auto")) == 0


async def test_import_loads_no_home_assistant() -> None:
    check = (
        "import custom_components.whatsminer.api.__main__, sys; "
        "assert not any(m.startswith('homeassistant') for m in sys.modules)"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", check)
    assert await proc.wait() == 0


async def test_enable_write(
    miner: FakeMiner, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password comes from the environment and is never echoed; a second run finds the
    write API on already and sends no handshake."""
    miner.password = "Xy7q_2"
    switch = WriteSwitch(miner, admin="Xy7q_2").install()
    monkeypatch.setenv("WHATSMINER_PASSWORD", "Xy7q_2")
    assert await run(_args(miner, "enable-write")) == 0
    assert await run(_args(miner, "enable-write")) == 0
    out, err = capsys.readouterr()
    assert [json.loads(part) for part in out.replace("}\n{", "}\n\x00{").split("\x00")] == [
        {"write_api": "enabled"},
        {"write_api": "already_on"},
    ]
    assert "Xy7q_2" not in out + err
    assert len(switch.opens) == 1


async def test_enable_write_wrong_password(
    miner: FakeMiner, capsys: pytest.CaptureFixture[str]
) -> None:
    miner.password = "Xy7q_2"
    WriteSwitch(miner, admin="other").install()
    assert await run(_args(miner, "--password", "Xy7q_2", "enable-write")) == 1
    out, err = capsys.readouterr()
    assert err.startswith("error: WriteUnlockPasswordError:")
    assert "Xy7q_2" not in out + err
