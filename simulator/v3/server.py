"""Spec 1 and 9: persistent framed connections on the v3 port, with the binary phases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import json

from simulator.actions import Host
from simulator.blobs import log_archive
from simulator.context import ReadContext

from . import reads
from .auth import authorize
from .framing import FrameTooLong, Json, encode, frame, read_frame, reply
from .params import ParamError
from .writes import WRITES, Call

MAX_CLIENTS = 10  # the 11th concurrent connection is accepted and closed at once
LOG_CHUNK = 10_000  # get.log.download streams the archive in 10 kB writes (spec 4.12)
MAX_FIRMWARE = 512 * 1024 * 1024
GARBAGE_HEADER = (0x7FFFFFF0).to_bytes(4, "little")
REPORT_DESC = "get.miner.report"


@dataclass(slots=True)
class Outcome:
    """The reply (None: close without one) and what follows it on the socket."""

    reply: Json | None
    then: str = ""  # "logs", "firmware" or "report"
    payload: bytes = b""


class V3Server:
    def __init__(self, miner: Host) -> None:
        self.miner = miner
        self._writers: set[asyncio.StreamWriter] = set()
        self._reads: dict[str, Callable[[ReadContext, object], object]] = {
            "get.device.info": reads.device_info,
            "get.device.custom_data": reads.custom_data,
            "get.miner.status": self._status,
            "get.miner.setting": reads.miner_setting,
            "get.system.setting": reads.system_setting,
            "get.fan.setting": reads.fan_setting,
            "get.miner.history": lambda ctx, p: reads.history(ctx, p, miner.timing),
        }

    @property
    def clients(self) -> int:
        return len(self._writers)

    def _status(self, ctx: ReadContext, param: object) -> object:
        return reads.miner_status(ctx, param, self.miner.faults.btminer_down)

    def drop_all(self) -> None:
        """Hang up every connection once the replies already written have gone out."""
        writers = list(self._writers)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for writer in writers:
            if loop is None:
                writer.close()
            else:
                loop.call_soon(writer.close)

    # ---- one connection ----------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.miner.counters.connections += 1
        if len(self._writers) >= MAX_CLIENTS:
            writer.close()
            return
        self._writers.add(writer)
        reporter: asyncio.Task[None] | None = None
        try:
            while True:
                body = await read_frame(reader, self.miner.timing.v3_idle_timeout_s)
                self.miner.counters.bytes_in += 4 + len(body)
                if not body or self.miner.faults.hang:
                    continue  # heartbeat (the wait above restarts the idle timer)
                outcome = self.answer(body)
                if outcome.reply is None:
                    return
                await self._send(writer, outcome.reply)
                if outcome.then == "logs":
                    await self._stream(writer, outcome.payload)
                elif outcome.then == "firmware":
                    await self._receive_firmware(reader, writer)
                    return
                elif outcome.then == "report":
                    if reporter is not None:
                        reporter.cancel()
                    reporter = self._start_reporter(writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, FrameTooLong):
            pass
        finally:
            if reporter is not None:
                reporter.cancel()
            self._writers.discard(writer)
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, message: Json) -> None:
        faults = self.miner.faults
        if faults.slow_reply_s:
            await asyncio.sleep(faults.slow_reply_s)
        data = frame(encode(message))
        if faults.garbage_length:
            data = GARBAGE_HEADER + data[4:]
        if faults.close_mid_reply:
            data = data[: len(data) // 2]
        await self._write(writer, data)
        if faults.close_mid_reply:
            raise ConnectionAbortedError

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        self.miner.counters.bytes_out += len(data)
        await writer.drain()

    async def _stream(self, writer: asyncio.StreamWriter, payload: bytes) -> None:
        await asyncio.sleep(self.miner.timing.log_delay_s)
        for start in range(0, len(payload), LOG_CHUNK):
            await self._write(writer, payload[start : start + LOG_CHUNK])

    async def _receive_firmware(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        idle = self.miner.timing.v3_idle_timeout_s
        size = int.from_bytes(await asyncio.wait_for(reader.readexactly(4), idle), "little")
        if size > MAX_FIRMWARE:
            return
        image = await asyncio.wait_for(reader.readexactly(size), 60 + size / 1_000_000)
        self.miner.counters.bytes_in += 4 + size
        await self._send(writer, self._reply(0, "ok", "set.system.update_firmware"))
        self.miner.install_firmware(image)

    def _start_reporter(self, writer: asyncio.StreamWriter) -> asyncio.Task[None] | None:
        gap = self.miner.state.report_gap_s
        return asyncio.get_running_loop().create_task(self._report(writer, gap)) if gap else None

    async def _report(self, writer: asyncio.StreamWriter, gap: float) -> None:
        """set.miner.report: summary pushes on this connection every `gap` (real) seconds."""
        while not writer.is_closing():
            await asyncio.sleep(gap)
            msg = {"summary": reads.summary(self.miner.context())}
            await self._write(writer, frame(encode(self._reply(0, msg, REPORT_DESC))))

    # ---- protocol (no I/O) -------------------------------------------------------------

    def _reply(self, code: int, msg: object, desc: str) -> Json:
        return reply(code, msg, self.miner.now(), desc)

    def answer(self, body: bytes) -> Outcome:
        try:
            req = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            req = None
        if not isinstance(req, dict):
            return Outcome(self._reply(-1, "invalid json", ""))
        cmd = req.get("cmd")
        if not isinstance(cmd, str):
            return Outcome(self._reply(-2, "invalid command", ""))
        self.miner.counters.commands[cmd] += 1
        try:
            return self._dispatch(cmd, req)
        except ParamError as err:
            return Outcome(self._reply(err.code, err.msg, cmd))
        except reads.Refusal as err:
            return Outcome(self._reply(err.code, err.msg, cmd))

    def _dispatch(self, cmd: str, req: Json) -> Outcome:
        m = self.miner
        param = req.get("param")
        if cmd in self._reads:
            return Outcome(self._reply(0, self._reads[cmd](m.context(), param), cmd))
        if cmd == "get.log.download":
            logs = log_archive(m.state, m.profile, m.reading(), m.now())
            return Outcome(self._reply(0, {"logsize": str(len(logs))}, cmd), "logs", logs)
        if cmd == "set.system.update_firmware":
            authorize(m.state, req, cmd, m.faults.token_error_code)
            return Outcome(self._reply(0, "ready", cmd), "firmware")
        if cmd not in WRITES:
            return Outcome(self._reply(-2, "invalid command", cmd))
        key = authorize(m.state, req, cmd, m.faults.token_error_code)
        WRITES[cmd](m, Call(param, key, str(req["account"])))
        if m.faults.drop_after_write or (
            cmd == "set.system.reboot" and m.faults.no_reply_to_reboot
        ):
            return Outcome(None)
        return Outcome(self._reply(0, "ok", cmd), "report" if cmd == "set.miner.report" else "")
