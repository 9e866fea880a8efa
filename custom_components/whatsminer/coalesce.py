"""Coalescing of writes that restart the mining process.

Changing the power mode, the power limit, the target frequency or the power percent in normal
mode makes btminer restart, and mining stops for a while each time. A slider dragged across its
range or an automation that follows solar surplus every minute would keep the miner restarting,
so these writes are coalesced per miner:

* The first write is sent at once.
* A write arriving less than the restart interval (options flow, default 60 s, 0 turns
  coalescing off) after the last restart-causing write is held back. The entity shows the
  pending value meanwhile.
* When the interval has passed, the pending writes are sent together: for each setting only
  the latest value is sent, so the miner restarts at most once per interval.
* A delayed write that fails is logged as an error and the entity falls back to what the miner
  reports; it is never retried. Unloading the integration drops writes still pending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import CONF_RESTART_INTERVAL, DEFAULT_RESTART_INTERVAL_S, LOGGER
from .coordinator import WhatsMinerCoordinator

type Apply = Callable[[], Awaitable[None]]


@dataclass(slots=True, kw_only=True)
class _Pending:
    value: Any
    apply: Apply


class RestartCoalescer:
    """At most one restart-causing write per interval for one miner; the latest value wins."""

    def __init__(self, coordinator: WhatsMinerCoordinator) -> None:
        """Hold the coalescing state of one miner until its entry unloads."""
        self._coordinator = coordinator
        self._pending: dict[str, _Pending] = {}
        self._last_sent: datetime | None = None
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        coordinator.config_entry.async_on_unload(self._async_unload)

    @property
    def interval(self) -> timedelta:
        """The minimum time between two restart-causing writes."""
        seconds = self._coordinator.config_entry.options.get(
            CONF_RESTART_INTERVAL, DEFAULT_RESTART_INTERVAL_S
        )
        return timedelta(seconds=seconds)

    def pending(self, key: str) -> Any | None:
        """The value waiting to be written for `key`, or None."""
        if (pending := self._pending.get(key)) is None:
            return None
        return pending.value

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever a pending value appears or goes; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def async_submit(self, key: str, value: Any, apply: Apply) -> None:
        """Send `apply` now when the interval allows it, else hold it back as `key`'s latest."""
        now = dt_util.utcnow()
        due = now if self._last_sent is None else self._last_sent + self.interval
        if due <= now and not self._pending:
            previous, self._last_sent = self._last_sent, now
            try:
                await apply()
            except ServiceValidationError:
                self._last_sent = previous  # refused before anything was sent
                raise
            return
        self._pending[key] = _Pending(value=value, apply=apply)
        LOGGER.debug("Holding back %s=%s until %s", key, value, due)
        if self._unsub_timer is None:
            self._unsub_timer = async_call_later(
                self._coordinator.hass, max(due - now, timedelta()), self._async_due
            )
        self._notify()

    @callback
    def _async_due(self, _now: datetime) -> None:
        self._unsub_timer = None
        self._coordinator.config_entry.async_create_task(
            self._coordinator.hass, self._async_flush(), "whatsminer coalesced writes"
        )

    async def _async_flush(self) -> None:
        pending, self._pending = self._pending, {}
        self._last_sent = dt_util.utcnow()
        try:
            for key, write in pending.items():
                try:
                    await write.apply()
                except HomeAssistantError as err:
                    LOGGER.error(
                        "Delayed write of %s=%s to %s failed: %s",
                        key,
                        write.value,
                        self._coordinator.miner.host,
                        err,
                    )
        finally:
            self._notify()

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @callback
    def _async_unload(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        if self._pending:
            LOGGER.warning(
                "Dropping writes not yet sent to %s: %s",
                self._coordinator.miner.host,
                ", ".join(self._pending),
            )
            self._pending.clear()
        _COALESCERS.pop(self._coordinator, None)


_COALESCERS: WeakKeyDictionary[WhatsMinerCoordinator, RestartCoalescer] = WeakKeyDictionary()


def coalescer_for(coordinator: WhatsMinerCoordinator) -> RestartCoalescer:
    """The coalescer of one miner, created on first use."""
    if (coalescer := _COALESCERS.get(coordinator)) is None:
        coalescer = _COALESCERS[coordinator] = RestartCoalescer(coordinator)
    return coalescer
