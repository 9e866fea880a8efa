"""A controllable clock shared by the simulated miners."""

from __future__ import annotations

from collections.abc import Callable
import time


class SimClock:
    """Wall time plus an offset that tests move forward with `advance`.

    With `frozen=True` time only moves through `advance`. Miners subscribe to be told when
    time jumps, so a reboot downtime can end without any ticking loop.
    """

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._frozen = frozen
        self._origin_real = time.monotonic()
        self._origin = time.time() if start is None else start
        self._offset = 0.0
        self._listeners: list[Callable[[], None]] = []

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> float:
        """Simulated Unix time in seconds."""
        elapsed = 0.0 if self._frozen else time.monotonic() - self._origin_real
        return self._origin + elapsed + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        for listener in list(self._listeners):
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
