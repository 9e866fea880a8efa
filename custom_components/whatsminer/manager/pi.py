"""The heating loop: a PI controller with anti-windup and a minimum interval. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, kw_only=True)
class PiController:
    """Turns a temperature error into a power demand between 0 and `max_output`.

    The integral only moves while the output is not pinned at a bound in the direction the
    error pushes (conditional integration), so a long cold start does not wind it up. The
    output changes at most once per `min_interval_s`, and only by at least `deadband`.
    """

    kp: float  # W per K
    ki: float  # W per K per second
    max_output: float
    min_interval_s: float = 300.0
    deadband: float = 0.0
    integral: float = 0.0
    output: float = 0.0
    last_change: float | None = None
    last_time: float | None = None

    def update(self, target: float, measured: float, now: float) -> float:
        """The demand after this measurement (unchanged within the minimum interval)."""
        error = target - measured
        dt = 0.0 if self.last_time is None else max(0.0, now - self.last_time)
        self.last_time = now
        raw = self.kp * error + self.integral + self.ki * error * dt
        pinned_high = raw > self.max_output and error > 0
        pinned_low = raw < 0 and error < 0
        if not (pinned_high or pinned_low):
            self.integral += self.ki * error * dt
        self.integral = max(0.0, min(self.max_output, self.integral))
        wanted = max(0.0, min(self.max_output, self.kp * error + self.integral))
        due = self.last_change is None or now - self.last_change >= self.min_interval_s
        if due and abs(wanted - self.output) > self.deadband:
            self.output = wanted
            self.last_change = now
        return self.output

    def reset(self, output: float = 0.0) -> None:
        """Start again from `output` (after the target or the mode changed)."""
        self.integral = output
        self.output = output
        self.last_change = None
        self.last_time = None
