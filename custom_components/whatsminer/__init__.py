"""The WhatsMiner integration: MicroBT bitcoin miners over API v2.0.5 (TCP 4028) and v3 (4433).

Home Assistant is imported inside the functions, not at module level, so that the client's
command line (`python -m custom_components.whatsminer.api`), which has to import this package,
starts without loading Home Assistant.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_POWER_MANAGER

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .coordinator import WhatsMinerConfigEntry

# Platform values (homeassistant.const.Platform is a StrEnum of these names).
PLATFORMS: list[str] = [
    "binary_sensor",
    "button",
    "number",
    "select",
    "sensor",
    "switch",
    "update",
]


def _config_entry_only(config: dict[str, Any]) -> dict[str, Any]:
    """This integration is set up from the UI only (warns about YAML configuration)."""
    from homeassistant.helpers import config_validation as cv  # noqa: PLC0415

    validated: dict[str, Any] = cv.config_entry_only_config_schema(DOMAIN)(config)
    return validated


CONFIG_SCHEMA = _config_entry_only


def _is_power_manager(entry: WhatsMinerConfigEntry) -> bool:
    """Power manager entries (manager/) share the domain with the miners."""
    return bool(entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_POWER_MANAGER)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (services are registered here, once)."""
    from .services import async_setup_services  # noqa: PLC0415

    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> bool:
    """Set up one miner (or a power manager); a miner from its stored profile when it does
    not answer.

    A miner never seen before is retried (ConfigEntryNotReady) until it answers. A miner
    seen before gets its device and entities at once, unavailable until it answers, and is
    polled with a growing interval meanwhile (no set-up retry loop).
    """
    if _is_power_manager(entry):
        from .manager import setup as manager_setup  # noqa: PLC0415

        return await manager_setup.async_setup_entry(hass, entry)  # type: ignore[arg-type]
    from homeassistant.exceptions import ConfigEntryNotReady  # noqa: PLC0415

    from .const import LOGGER  # noqa: PLC0415
    from .coordinator import WhatsMinerCoordinator  # noqa: PLC0415
    from .error_repairs import async_setup_error_repairs  # noqa: PLC0415
    from .hold import async_setup_hold  # noqa: PLC0415
    from .profile import async_get_profiles  # noqa: PLC0415
    from .repairs import async_setup_repairs  # noqa: PLC0415

    profiles = await async_get_profiles(hass)
    coordinator = WhatsMinerCoordinator(hass, entry, profiles=profiles)
    try:
        # Connect only when it is this miner's turn: a start-up of hundreds of miners keeps
        # a handful of first polls in flight, so none holds a connection open while the
        # event loop is busy creating other miners' entities.
        async with _first_refresh_slots(hass):
            await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
        if coordinator.profile is None:
            raise
        LOGGER.warning(
            "%s (%s) does not answer (%s); set up as last seen, unavailable until it answers",
            entry.title,
            entry.data["host"],
            err.__cause__ or err,
        )
        coordinator.async_start_from_profile()
    entry.runtime_data = coordinator
    async_setup_repairs(entry)
    async_setup_error_repairs(entry)
    async_setup_hold(entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _first_refresh_slots(hass: HomeAssistant) -> asyncio.Semaphore:
    """The semaphore every entry's first refresh takes (one per Home Assistant)."""
    from .const import FIRST_REFRESH_CONCURRENCY  # noqa: PLC0415

    key = f"{DOMAIN}_first_refresh"
    slots: asyncio.Semaphore | None = hass.data.get(key)
    if slots is None:
        slots = hass.data[key] = asyncio.Semaphore(FIRST_REFRESH_CONCURRENCY)
    return slots


async def async_unload_entry(hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> bool:
    """Unload one miner (or a power manager)."""
    if _is_power_manager(entry):
        from .manager import setup as manager_setup  # noqa: PLC0415

        return await manager_setup.async_unload_entry(hass, entry)  # type: ignore[arg-type]
    unloaded: bool = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.miner.close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> None:
    """Forget the removed miner's stored profile and its stop and start reports (or the
    power manager's histories)."""
    from .hold import async_remove_hold  # noqa: PLC0415
    from .profile import async_get_profiles  # noqa: PLC0415

    if _is_power_manager(entry):
        from .manager import setup as manager_setup  # noqa: PLC0415

        await manager_setup.async_remove_entry(hass, entry)  # type: ignore[arg-type]
        return
    (await async_get_profiles(hass)).async_remove(entry.entry_id)
    async_remove_hold(hass, entry)


async def async_migrate_entry(hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> bool:
    """Version 1 entries (API v2 only: host, port, password) to version 2."""
    from homeassistant.const import CONF_PORT  # noqa: PLC0415

    from .api.miner import DEFAULT_V2_PORT, DEFAULT_V3_PORT  # noqa: PLC0415
    from .api.models import ApiVersion  # noqa: PLC0415
    from .const import (  # noqa: PLC0415
        CONF_API,
        CONF_V2_PORT,
        CONF_V3_PORT,
        ENTRY_VERSION,
        LOGGER,
    )

    if entry.version > ENTRY_VERSION:
        return False  # written by a newer version of the integration
    if entry.version == 1:
        data = dict(entry.data)
        data.setdefault(CONF_V2_PORT, data.pop(CONF_PORT, DEFAULT_V2_PORT))
        data.setdefault(CONF_V3_PORT, DEFAULT_V3_PORT)
        data.setdefault(CONF_API, str(ApiVersion.V2))
        hass.config_entries.async_update_entry(entry, data=data, version=ENTRY_VERSION)
        LOGGER.debug("Migrated %s to entry version %s", entry.title, ENTRY_VERSION)
    return True
