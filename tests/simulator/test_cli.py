"""The command line: python -m simulator --miners N ..."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
import signal
import socket
import sys

import pytest
import pytest_socket

from simulator.__main__ import parse_args, serve

from .wire import command
from .wire_v3 import Client as v3_client, read as v3_read

ROOT = Path(__file__).resolve().parents[2]


def free_port_block(count: int) -> int:
    """A first port whose `count` successors are free right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        try:
            socks = [socket.create_server(("127.0.0.1", first + i)) for i in range(count)]
        except OSError:
            continue
        for s in socks:
            s.close()
        return first
    raise RuntimeError("no free port block")


async def test_cli_starts_miners_and_exits_cleanly(socket_enabled: None) -> None:
    port = free_port_block(3)
    args = ["--miners", "3", "--port", str(port), "--model", "m56s_hydro", "--password", "pw1"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 20)).decode() for _ in range(3)]
        for offset, line in enumerate(lines):
            assert f"port={port + offset}" in line
            assert "address=127.0.0.1" in line
            assert "model=M56S_VH30" in line
            assert "password=pw1" in line
        reply = await command(port + 2, "devdetails")
        assert reply["DEVDETAILS"][0]["Model"] == "M56S_VH30"
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, stderr.decode()


async def test_cli_rejects_a_bad_count() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--miners",
        "0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert b"--miners" in stderr


async def test_serve_in_process(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(["--miners", "2", "--port", str(free_port_block(2))])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(args, stop))
    try:
        for _ in range(200):
            out = capsys.readouterr().out
            if out:
                break
            await asyncio.sleep(0.01)
        assert out.count("model=M30S+VE40") == 2
        assert f"port={args.port + 1}" in out
        assert (await command(args.port + 1, "get_version"))["Code"] == 131
    finally:
        stop.set()
        await task


async def test_separate_simulators_are_different_miners(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two CLI runs on different ports must not look like one miner to a config flow."""
    macs = []
    for _ in range(2):
        args = parse_args(["--port", str(free_port_block(1))])
        stop = asyncio.Event()
        task = asyncio.create_task(serve(args, stop))
        try:
            reply = None
            for _ in range(200):
                with contextlib.suppress(OSError):
                    reply = await command(args.port, "get_miner_info", info="mac")
                    break
                await asyncio.sleep(0.01)
            assert reply is not None
            macs.append(reply["Msg"]["mac"])
            assert f"mac={reply['Msg']['mac']}" in capsys.readouterr().out
        finally:
            stop.set()
            await task
    assert macs[0] != macs[1]


def test_parse_args_defaults() -> None:
    args = parse_args([])
    assert (args.miners, args.host, args.port, args.model, args.password) == (
        1,
        "127.0.0.1",
        4028,
        "m30s_plus",
        "admin",
    )


async def test_cli_api_v3_on_another_loopback_address(socket_enabled: None) -> None:
    """--api v3: 4433-style ports from --v3-port, 4028-style from --port, any 127.x host."""
    host = "127.0.0.2"
    pytest_socket.socket_allow_hosts(["127.0.0.1", host], allow_unix_socket=True)
    port, v3_port = free_port_block(2), free_port_block(2)
    args = ["--miners", "2", "--api", "v3", "--host", host, "--port", str(port)]
    args += ["--v3-port", str(v3_port), "--model", "m60s", "--password", "pw2026"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 20)).decode() for _ in range(2)]
        assert f"v3_port={v3_port + 1}" in lines[1]
        assert f"address={host}" in lines[0]
        assert "model=M60S_VK40" in lines[0]
        info = await v3_read(v3_port + 1, "get.device.info", "system", host=host)
        assert info["msg"]["system"]["api"].startswith("3.")
        reply = await v3_client(v3_port + 1, host=host).write("set.miner.service", "stop")
        assert reply["code"] == 0
        reader, writer = await asyncio.open_connection(host, port + 1)
        writer.write(b'{"cmd":"get_version"}')
        await writer.drain()
        version = json.loads(await asyncio.wait_for(reader.read(), 5))
        writer.close()
        assert version["Msg"]["api_ver"] == "2.2.2"
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, stderr.decode()


def test_parse_args_v3() -> None:
    args = parse_args(["--api", "v3"])
    assert (args.api, args.v3_port, args.port) == ("v3", 4433, 4028)
    assert parse_args([]).api is None
