"""What Home Assistant remembers of each miner, so it can be set up while the miner is off.

After a successful poll the coordinator keeps a small profile of the miner: its identity
(MAC, model, firmware, host name, API, board count) and its capabilities. When the miner
cannot be reached at start-up (smart plug off at night, breaker, network), the entry is set
up from it: the entities exist and are unavailable until the miner answers.

Where it is kept: one `Store` for the whole integration (`.storage/whatsminer.profiles`),
keyed by config entry id. Not in the entry data, because a profile is a cache the miner can
rebuild at any time, not configuration: its ~3 KB (the list of readings) would otherwise be
rewritten with every save of `core.config_entries`, for every miner. Not one Store per entry,
because a barn of 1,000 miners would then read 1,000 files at start-up; one file is read
once, and writes are delayed and coalesced.

The same file keeps each miner's learned power floor (power_floor.py): unlike the profile it
is learned from the miner's restarts, not rebuilt from a poll, so it has its own section.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from .api.miner import Capabilities
from .api.models import ApiVersion, MinerSnapshot
from .const import DOMAIN

STORAGE_KEY: Final = f"{DOMAIN}.profiles"
STORAGE_VERSION: Final = 1
SAVE_DELAY_S: Final = 10.0


def hardware_version(snapshot: MinerSnapshot) -> str | None:
    """The control board platform and chip, e.g. "H6OS / K210"."""
    if (version := snapshot.version) is None:
        return None
    parts = [part for part in (version.platform, version.chip) if part]
    return " / ".join(parts) or None


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerProfile:
    """A miner as last seen: enough to create its device and entities while it is off."""

    mac: str
    api: ApiVersion
    capabilities: Capabilities
    model: str | None = None
    firmware: str | None = None
    hostname: str | None = None
    serial: str | None = None
    hardware: str | None = None
    board_count: int | None = None

    @classmethod
    def from_poll(
        cls, mac: str, snapshot: MinerSnapshot, capabilities: Capabilities, hardware: str | None
    ) -> MinerProfile:
        """The profile a successful poll shows."""
        info, version = snapshot.info, snapshot.version
        return cls(
            mac=mac,
            api=capabilities.api,
            capabilities=capabilities,
            model=snapshot.model or (version.miner_type if version else None),
            firmware=snapshot.firmware_version,
            hostname=info.hostname if info else None,
            serial=info.miner_serial if info else None,
            hardware=hardware,
            board_count=capabilities.board_count
            if capabilities.board_count is not None
            else (len(snapshot.boards) or None),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (what the store and diagnostics hold)."""
        return {
            "mac": self.mac,
            "api": str(self.api),
            "model": self.model,
            "firmware": self.firmware,
            "hostname": self.hostname,
            "serial": self.serial,
            "hardware": self.hardware,
            "board_count": self.board_count,
            "capabilities": self.capabilities.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MinerProfile:
        """Read a stored profile back."""
        return cls(
            mac=str(data["mac"]),
            api=ApiVersion(data["api"]),
            capabilities=Capabilities.from_dict(data["capabilities"]),
            model=data.get("model"),
            firmware=data.get("firmware"),
            hostname=data.get("hostname"),
            serial=data.get("serial"),
            hardware=data.get("hardware"),
            board_count=data.get("board_count"),
        )


class ProfileStore:
    """Every miner's profile in one file; loaded once, saved after a short delay."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the store (nothing is read yet)."""
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._profiles: dict[str, dict[str, Any]] | None = None
        self._floors: dict[str, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    async def async_load(self) -> None:
        """Read the file once (every entry's setup awaits the same read)."""
        async with self._lock:
            if self._profiles is None:
                data = await self._store.async_load() or {}
                self._profiles = dict(data.get("profiles", {}))
                self._floors = dict(data.get("floors", {}))

    def get(self, entry_id: str) -> MinerProfile | None:
        """The stored profile of an entry, if it has a readable one."""
        raw = (self._profiles or {}).get(entry_id)
        if raw is None:
            return None
        try:
            return MinerProfile.from_dict(raw)
        except KeyError, ValueError, TypeError:
            return None

    @callback
    def async_set(self, entry_id: str, profile: MinerProfile) -> None:
        """Remember a (changed) profile; written to disk a little later."""
        assert self._profiles is not None, "async_load first"
        self._profiles[entry_id] = profile.as_dict()
        self._store.async_delay_save(self._data, SAVE_DELAY_S)

    def floor(self, entry_id: str) -> dict[str, Any] | None:
        """The power floor learned for an entry (power_floor.py reads it)."""
        return self._floors.get(entry_id)

    @callback
    def async_set_floor(self, entry_id: str, floor: dict[str, Any] | None) -> None:
        """Remember (or, with None, forget) an entry's learned power floor."""
        if floor is None:
            if self._floors.pop(entry_id, None) is None:
                return
        else:
            self._floors[entry_id] = floor
        self._store.async_delay_save(self._data, SAVE_DELAY_S)

    @callback
    def async_remove(self, entry_id: str) -> None:
        """Forget an entry's profile and floor (the entry was removed)."""
        removed = self._floors.pop(entry_id, None) is not None
        if self._profiles is not None and self._profiles.pop(entry_id, None) is not None:
            removed = True
        if removed:
            self._store.async_delay_save(self._data, SAVE_DELAY_S)

    def _data(self) -> dict[str, Any]:
        return {"profiles": self._profiles or {}, "floors": self._floors}


PROFILES: HassKey[ProfileStore] = HassKey(f"{DOMAIN}_profiles")


async def async_get_profiles(hass: HomeAssistant) -> ProfileStore:
    """The integration's profile store, loaded."""
    if (store := hass.data.get(PROFILES)) is None:
        store = hass.data[PROFILES] = ProfileStore(hass)
    await store.async_load()
    return store
