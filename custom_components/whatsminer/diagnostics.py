"""Diagnostics: the config entry, the snapshot and the last raw replies, redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .coordinator import WhatsMinerConfigEntry
from .manager.core import PowerManager
from .manager.flow import is_power_manager

# Keys as the models and the firmware name them; matched at any depth.
TO_REDACT = {
    CONF_PASSWORD,
    "passwd",
    "pwd",
    "token",
    "unique_id",
    "mac",
    "MAC",
    "serial",
    "miner_serial",
    "psu_serial",
    "minersn",
    "powersn",
    "PCB SN",
    "SN",
    "sn",
    "user",
    "User",
    "worker",
    "url",
    "URL",
    "Stratum URL",
}


def _plain(value: Any) -> Any:
    """Tuples as lists, so async_redact_data looks inside them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WhatsMinerConfigEntry
) -> dict[str, Any]:
    """Everything needed to understand a miner's behaviour, without secrets or identities."""
    if is_power_manager(entry):
        manager: PowerManager = entry.runtime_data  # type: ignore[assignment]
        return {"title": entry.title, **manager.diagnostics()}
    coordinator = entry.runtime_data
    snapshot = coordinator.data  # None while a miner set up from its profile never answered
    profile, store = coordinator.profile, coordinator.profile_store
    return {
        "entry": async_redact_data(
            {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
            TO_REDACT,
        ),
        "api": str(coordinator.miner.api or coordinator.api),
        "monitor_only": coordinator.monitor_only,
        "last_update_success": coordinator.last_update_success,
        "update_interval_s": (
            coordinator.update_interval.total_seconds() if coordinator.update_interval else None
        ),
        "profile": async_redact_data(profile.as_dict(), TO_REDACT) if profile else None,
        "power_floor": store.floor(entry.entry_id) if store else None,  # learned, if any
        "snapshot": (
            async_redact_data(_plain(asdict(snapshot) | {"raw": None}), TO_REDACT)
            if snapshot is not None
            else None
        ),
        "raw": async_redact_data(_plain(snapshot.raw), TO_REDACT) if snapshot else None,
    }
