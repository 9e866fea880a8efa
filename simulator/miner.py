"""One simulated WhatsMiner: its state, faults and counters, served on two ports.

The v2 port (4028 semantics) is `v2.V2Server`, the v3 port (4433, on v3 firmware) `v3.V3Server`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
import random
from typing import Any

from . import actions, crypto
from .blobs import next_firmware
from .clock import SimClock
from .context import ReadContext
from .listener import Listener
from .physics import compute
from .profiles import V3_FIRMWARE_MARKER, Profile, v3_firmware
from .state import (
    FACTORY_PASSWORD,
    FACTORY_SALT,
    Counters,
    Faults,
    MinerState,
    Quirk,
    Reading,
    Timing,
)
from .v2 import V2Server
from .v3 import V3Server

V3_FIRMWARE = "20250409.15.REL"


class SimulatedMiner:
    def __init__(
        self,
        *,
        profile: Profile,
        clock: SimClock,
        host: str = "127.0.0.1",
        port: int = 0,
        password: str = FACTORY_PASSWORD,
        seed: int = 0,
        timing: Timing | None = None,
        trailing_nul: bool | None = None,
        v3: bool | None = None,
        v3_port: int = 0,
        write_api: bool | None = None,
    ) -> None:
        """`v3`: run API v3 firmware (default: what the profile ships with); `password` is
        then the v3 `super` password as well as the v2 admin one. `write_api`: start with
        the write API on or off (default: as the profile says)."""
        self.profile = profile
        self.clock = clock
        self.host = host
        self.timing = timing or Timing()
        self.rng = random.Random(seed)
        now = clock.now()
        v3 = profile.v3 if v3 is None else v3
        mac_tail = ":".join(f"{b:02X}" for b in seed.to_bytes(3, "big"))
        self.state = MinerState(
            fw_ver=v3_firmware(profile.fw_ver) if v3 else profile.fw_ver,
            mac=f"C6:07:20:{mac_tail}",
            serial=f"HEM1EP9C4{seed:05d}K6",
            boot_at=now - 7200.0,
            btminer_start_at=now - 7000.0,
            hashing_since=now - 7000.0,
            power_limit_w=profile.max_power_limit_w,
            password=password,
            salt=FACTORY_SALT if password == FACTORY_PASSWORD else crypto.new_salt(),
            v3=v3,
            device_salt=crypto.seeded_salt(seed),
            api_enabled=profile.write_api if write_api is None else write_api,
        )
        self.state.accounts["super"] = password
        self.state.reading = self.reading
        nul = profile.legacy if trailing_nul is None else trailing_nul
        self.faults = Faults(quirks={Quirk.TRAILING_NUL} if nul else set())
        self.faults.quirks |= profile.quirks
        self.faults.on_change = self._sync_listener
        self.counters = Counters()
        self._running = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._v2 = Listener(host, port, self._handle, self._spawn)
        self._v3 = Listener(host, v3_port, self._handle_v3, self._spawn)
        self.v2_server = V2Server(self)
        self.v3_server = V3Server(self)
        self._reopen: asyncio.TimerHandle | None = None

    @property
    def port(self) -> int:
        """The v2 port (4028 semantics)."""
        return self._v2.port

    @property
    def v3_port(self) -> int:
        """The API v3 port (4433 semantics); listening only while on v3 firmware."""
        return self._v3.port

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._running = True
        self.clock.subscribe(self._sync_listener)
        self._sync_listener()
        await asyncio.gather(*list(self._tasks))

    async def stop(self) -> None:
        self._running = False
        self.clock.unsubscribe(self._sync_listener)
        self._sync_listener()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await asyncio.gather(self._v2.shutdown(), self._v3.shutdown())

    @property
    def listening(self) -> bool:
        return self._v2.is_open

    def now(self) -> float:
        return self.clock.now()

    def _sync_listener(self) -> None:
        """Open or close the port to match `running`, `faults.offline` and a reboot."""
        if self._reopen is not None:
            self._reopen.cancel()
            self._reopen = None
        rebooting_for = self.state.reboot_until - self.now()
        want = self._running and not self.faults.offline and rebooting_for <= 0
        self._v2.want(want)
        self._v3.want(want and self.state.v3)
        if self._running and rebooting_for > 0 and not self.clock.frozen:
            loop = asyncio.get_running_loop()
            self._reopen = loop.call_later(rebooting_for + 0.01, self._sync_listener)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- operations used by write commands and tests ---------------------------------

    def restart_btminer(self) -> None:
        if self.reading().hashing:
            self.state.stopped_at = self.now()
        self.state.btminer_start_at = self.now() + self.timing.btminer_restart_s
        self.state.btminer_stopped = False
        self._new_btminer_run()

    def _new_btminer_run(self) -> None:
        """A btminer start: fast boot and a saved power target apply, the percentage is lost."""
        s = self.state
        s.booted_fast = s.fast_boot
        s.power_pct, s.power_ramp, s.live_target_w = 100.0, None, s.power_target_w
        actions.watch_stability(self, s.btminer_start_at)

    def reboot(self) -> None:
        s, now = self.state, self.now()
        if self.reading().hashing:
            s.stopped_at = now
        s.reboot_until = s.boot_at = now + self.timing.reboot_s
        s.btminer_start_at = s.reboot_until + self.timing.btminer_restart_s
        s.btminer_stopped = not s.btminer_init
        s.mining, s.mineroff_reason, s.preheat_started_at = True, "", None
        self._new_btminer_run()
        self.forget_tokens()
        self.v3_server.drop_all()
        self._sync_listener()

    def forget_tokens(self) -> None:
        self.v2_server.tokens.clear()

    def install_firmware(self, image: bytes) -> None:
        """Flash `image` and reboot into it. An image carrying V3_FIRMWARE_MARKER is API v3
        firmware: after the reboot the v3 port answers and 4028 serves the reduced API."""
        s = self.state
        upgrade = V3_FIRMWARE_MARKER in image and not s.v3
        s.fw_ver = next_firmware(s.fw_ver, image)
        if upgrade:
            s.v3 = True
            s.fw_ver = v3_firmware(s.fw_ver)
        self.reboot()

    def raise_error(self, code: int, reason: str | None = None) -> None:
        """Report `code` from now on; v3 sends `reason` with it (else "error <code>")."""
        self.state.error_codes[code] = self.now()
        if reason is not None:
            self.state.error_reasons[code] = reason

    def clear_errors(self) -> None:
        self.state.error_codes.clear()
        self.state.error_reasons.clear()

    async def press_ip_report(self, to: tuple[str, int] = ("255.255.255.255", 8888)) -> bytes:
        """The IP report button on the control board: one UDP datagram naming the miner's
        address and MAC, sent from its address to the broadcast address (or `to`)."""
        payload = f"IP:{self.host}MAC:{self.state.mac}".encode()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=(self.host, 0), allow_broadcast=True
        )
        try:
            transport.sendto(payload, to)
        finally:
            transport.close()
        return payload

    def reading(self) -> Reading:
        actions.catch_up(self)
        return compute(self.state, self.profile, self.timing, self.now())

    # ---- connections ---------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._tracked(self.v2_server.handle(reader, writer))

    async def _handle_v3(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._tracked(self.v3_server.handle(reader, writer))

    async def _tracked(self, conversation: Awaitable[None]) -> None:
        """One connection, counted among the tasks `stop` cancels."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await conversation
        finally:
            if task is not None:
                self._tasks.discard(task)

    def context(self) -> ReadContext:
        actions.catch_up(self)
        now = self.now()
        fw = V3_FIRMWARE if self.faults.v3_only else self.state.fw_ver
        reading = compute(self.state, self.profile, self.timing, now)
        return ReadContext(self.state, self.profile, reading, now, self.faults.quirks, fw, self.rng)
