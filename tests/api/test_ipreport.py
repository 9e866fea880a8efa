"""The miner's IP report (UDP 8888): parsing, and listening over real UDP on loopback."""

from __future__ import annotations

import asyncio
import socket

import pytest

from custom_components.whatsminer.api.errors import WhatsMinerConnectionError
from custom_components.whatsminer.api.ipreport import (
    IpReport,
    async_wait_for_report,
    parse_report,
)
from simulator import SimClock
from simulator.miner import SimulatedMiner
from simulator.profiles import PROFILES

from .fake_v3 import free_port


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"IP:192.168.1.20MAC:C6:07:20:00:00:01", IpReport("192.168.1.20", "C6:07:20:00:00:01")),
        # lower case, dashes, separators and a trailing NUL, as other firmware may send
        (b"IP: 10.0.0.7, MAC: c6-07-20-0a-0b-0c\x00", IpReport("10.0.0.7", "C6:07:20:0A:0B:0C")),
        # an address the miner cannot listen on: the sender's address instead
        (b"IP:0.0.0.0MAC:C6:07:20:00:00:01", IpReport("192.168.1.99", "C6:07:20:00:00:01")),
        (b"IP:255.255.255.255MAC:C6:07:20:00:00:01", IpReport("192.168.1.99", "C6:07:20:00:00:01")),
        (b"IP:300.1.1.1MAC:C6:07:20:00:00:01", IpReport("192.168.1.99", "C6:07:20:00:00:01")),
    ],
)
def test_reports_are_read(data: bytes, expected: IpReport) -> None:
    """The address and MAC of a report, normalised."""
    assert parse_report(data, "192.168.1.99") == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"IP:192.168.1.20",  # no MAC
        b"192.168.1.20,C6:07:20:00:00:01",  # another vendor's report
        b"IP:192.168.1.20MAC:C6:07:20:00:00",  # a MAC of five bytes
        b"\xff\xfe" * 400,
    ],
)
def test_other_datagrams_are_not_reports(data: bytes) -> None:
    """Anything else on the port is ignored."""
    assert parse_report(data, "192.168.1.99") is None


def test_no_usable_address_at_all() -> None:
    """A report with no usable address, from no usable address, is no report."""
    assert parse_report(b"IP:0.0.0.0MAC:C6:07:20:00:00:01", "0.0.0.0") is None


async def test_the_simulated_button_is_heard(socket_enabled: None) -> None:
    """A simulated miner's IP report reaches a listener over UDP with its address and MAC;
    other datagrams and reports `accept` refuses are passed over."""
    port = free_port(socket.SOCK_DGRAM)
    clock = SimClock(frozen=True)
    miner = SimulatedMiner(profile=PROFILES["m30s_plus"], clock=clock, host="127.0.0.2", seed=7)
    other = SimulatedMiner(profile=PROFILES["m60s"], clock=clock, host="127.0.0.3", seed=8)
    waiting = asyncio.create_task(
        async_wait_for_report(
            5.0, accept=lambda r: r.mac != other.state.mac, host="127.0.0.1", port=port
        )
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as noise:
        for _ in range(100):  # press until the listener is up, as an owner would
            await asyncio.sleep(0.01)
            noise.sendto(b"not a report", ("127.0.0.1", port))
            await other.press_ip_report(("127.0.0.1", port))
            sent = await miner.press_ip_report(("127.0.0.1", port))
            if waiting.done():
                break
    assert sent == f"IP:127.0.0.2MAC:{miner.state.mac}".encode()
    assert await waiting == IpReport("127.0.0.2", miner.state.mac)


async def test_nobody_presses(socket_enabled: None) -> None:
    """Without a report the wait ends after its time, with None."""
    port = free_port(socket.SOCK_DGRAM)
    assert await async_wait_for_report(0.1, host="127.0.0.1", port=port) is None


async def test_port_held_by_another_program(socket_enabled: None) -> None:
    """A port another program holds (without sharing it) is a connection error that says
    which port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with pytest.raises(WhatsMinerConnectionError, match=f"UDP 127.0.0.1:{port}"):
            await async_wait_for_report(1.0, host="127.0.0.1", port=port)
