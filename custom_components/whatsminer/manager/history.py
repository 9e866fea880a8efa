"""What the manager remembers of each miner across Home Assistant restarts.

Its anti-cycling rules count starts of the last 24 hours and restart-causing writes of the
last hour, and keep a miner running for its minimum run time after its last start: all of
that would be forgotten by a restart, and a manager restarted a few times a day could start
a miner far more often than `max_starts_per_day`. The measured efficiency is kept too, so a
miner stopped before the restart keeps its place in the order and its break-even price.

One `Store` per manager entry (`.storage/whatsminer.manager.<entry id>`), keyed by the
miners' device ids; saved a little after each start or stop, read once at setup, and what
no longer counts (starts older than a day, writes older than an hour) dropped on load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from ..const import DOMAIN
from .allocation import DAY_S, HOUR_S

STORAGE_VERSION: Final = 1
SAVE_DELAY_S: Final = 10.0


def storage_key(entry_id: str) -> str:
    """The store of one manager entry."""
    return f"{DOMAIN}.manager.{entry_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerHistory:
    """The part of a miner's record that survives a restart. Times are Unix timestamps."""

    last_start: float | None = None
    last_stop: float | None = None
    restart_writes: tuple[float, ...] = ()
    start_times: tuple[float, ...] = ()
    efficiency_j_th: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "last_start": self.last_start,
            "last_stop": self.last_stop,
            "restart_writes": list(self.restart_writes),
            "start_times": list(self.start_times),
            "efficiency_j_th": self.efficiency_j_th,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], now: float) -> MinerHistory:
        """A stored history, without what no longer counts at `now`."""

        def time(value: Any) -> float | None:
            return float(value) if isinstance(value, int | float) else None

        def times(values: Any, within: float) -> tuple[float, ...]:
            found = (time(v) for v in values) if isinstance(values, list) else ()
            return tuple(t for t in found if t is not None and now - t < within)

        efficiency = time(data.get("efficiency_j_th"))
        return cls(
            last_start=time(data.get("last_start")),
            last_stop=time(data.get("last_stop")),
            restart_writes=times(data.get("restart_writes"), HOUR_S),
            start_times=times(data.get("start_times"), DAY_S),
            efficiency_j_th=efficiency if efficiency and efficiency > 0 else None,
        )


class HistoryStore:
    """One manager's miner histories on disk."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the store (nothing is read yet)."""
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._source: Callable[[], Mapping[str, MinerHistory]] | None = None

    async def async_load(self, now: float) -> dict[str, MinerHistory]:
        """The stored histories by device id (empty when there is no readable file)."""
        data = await self._store.async_load()
        miners = data.get("miners") if isinstance(data, dict) else None
        if not isinstance(miners, dict):
            return {}
        return {
            str(key): MinerHistory.from_dict(value, now)
            for key, value in miners.items()
            if isinstance(value, dict)
        }

    @callback
    def async_delay_save(self, source: Callable[[], Mapping[str, MinerHistory]]) -> None:
        """Save what `source` returns then, a little later (many changes, one write)."""
        self._source = source
        self._store.async_delay_save(self._data, SAVE_DELAY_S)

    async def async_flush(self) -> None:
        """Write a save still waiting now (the entry unloads)."""
        if self._source is not None:
            await self._store.async_save(self._data())
            self._source = None

    def _data(self) -> dict[str, Any]:
        source = self._source() if self._source is not None else {}
        return {"miners": {key: history.as_dict() for key, history in source.items()}}


async def async_remove(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed manager's store."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
