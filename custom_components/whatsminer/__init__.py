"""The WhatsMiner integration: MicroBT bitcoin miners over API v2.0.5 (TCP 4028) and v3 (4433).

Home Assistant is imported inside the functions, not at module level, so that the client's
command line (`python -m custom_components.whatsminer.api`), which has to import this package,
starts without loading Home Assistant.
"""

from __future__ import annotations

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
    """Set up one miner (or a power manager)."""
    if _is_power_manager(entry):
        from .manager import setup as manager_setup  # noqa: PLC0415

        return await manager_setup.async_setup_entry(hass, entry)  # type: ignore[arg-type]
    from .coordinator import WhatsMinerCoordinator  # noqa: PLC0415
    from .repairs import async_setup_repairs  # noqa: PLC0415

    coordinator = WhatsMinerCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    async_setup_repairs(entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: WhatsMinerConfigEntry) -> bool:
    """Unload one miner (or a power manager)."""
    if _is_power_manager(entry):
        from .manager import setup as manager_setup  # noqa: PLC0415

        return await manager_setup.async_unload_entry(hass, entry)  # type: ignore[arg-type]
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
