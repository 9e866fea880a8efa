"""The "IP report" of a WhatsMiner: what it sends when its IP report button is pressed.

Pressing the button on the control board makes the miner send one UDP datagram to the
broadcast address, port 8888, with its address and MAC as text: `IP:192.168.1.20MAC:C6:07:
20:00:00:01` (the format IP-reporter tools match, with nothing between the two fields;
spaces, commas or a trailing NUL are tolerated here). Neither API document describes it.

`async_wait_for_report` listens for such datagrams for a bounded time and returns the first
that `accept` takes. A report that names no usable address (multicast, broadcast, unspecified)
falls back to the address it came from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, ip_address
import re
import socket

from .errors import WhatsMinerConnectionError

IP_REPORT_PORT = 8888
BROADCAST = IPv4Address("255.255.255.255")
_REPORT = re.compile(
    rb"IP\s*:\s*(?P<ip>\d{1,3}(?:\.\d{1,3}){3})[\s,;]*"
    rb"MAC\s*:\s*(?P<mac>[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5})"
)


@dataclass(frozen=True, slots=True)
class IpReport:
    """A miner's report: where its API listens, and its MAC (upper case, colons)."""

    host: str
    mac: str


def _usable(address: str) -> bool:
    """An IPv4 address a miner can listen on (loopback included: simulated miners)."""
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return isinstance(ip, IPv4Address) and not (
        ip.is_multicast or ip.is_unspecified or ip == BROADCAST
    )


def parse_report(data: bytes, source: str) -> IpReport | None:
    """The report in a datagram from `source`; None when it is not an IP report."""
    match = _REPORT.search(data[:512])
    if match is None:
        return None
    host = match["ip"].decode()
    if not _usable(host):
        if not _usable(source):
            return None
        host = source
    mac = match["mac"].decode().upper().replace("-", ":")
    return IpReport(host=host, mac=mac)


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, accept: Callable[[IpReport], bool], found: asyncio.Future[IpReport]):
        self._accept = accept
        self._found = found

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        report = parse_report(data, str(addr[0]))
        if report is not None and not self._found.done() and self._accept(report):
            self._found.set_result(report)


async def async_wait_for_report(
    timeout_s: float,
    *,
    accept: Callable[[IpReport], bool] = lambda _report: True,
    host: str = "0.0.0.0",  # a broadcast reaches only a socket bound to all addresses
    port: int = IP_REPORT_PORT,
) -> IpReport | None:
    """The first IP report `accept` takes within `timeout_s`, or None.

    Raises WhatsMinerConnectionError when the port cannot be opened (another program
    listens on it without sharing it, or it needs privileges here)."""
    loop = asyncio.get_running_loop()
    found: asyncio.Future[IpReport] = loop.create_future()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Listener(accept, found),
            local_addr=(host, port),
            family=socket.AF_INET,
            reuse_port=hasattr(socket, "SO_REUSEPORT"),
        )
    except OSError as err:
        raise WhatsMinerConnectionError(
            f"cannot listen for IP reports on UDP {host}:{port}: {err.strerror or err}"
        ) from err
    try:
        async with asyncio.timeout(timeout_s):
            return await found
    except TimeoutError:
        return None
    finally:
        transport.close()
