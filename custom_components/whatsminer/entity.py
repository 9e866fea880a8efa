"""The base entity: device info and unique ids shared by every platform."""

from __future__ import annotations

from homeassistant.const import CONF_HOST
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER
from .coordinator import WhatsMinerCoordinator
from .profile import hardware_version

__all__ = ["WhatsMinerEntity", "hardware_version"]


class WhatsMinerEntity(CoordinatorEntity[WhatsMinerCoordinator]):
    """An entity of one miner; `unique_id` is the miner's MAC plus the description key."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: WhatsMinerCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the miner's device."""
        super().__init__(coordinator)
        self.entity_description = description
        mac = coordinator.mac
        self._attr_unique_id = f"{mac}_{description.key}"
        # The miner as last polled, or as remembered when set up while it was off.
        profile = coordinator.profile
        self._attr_device_info = DeviceInfo(
            connections={(CONNECTION_NETWORK_MAC, mac)},
            identifiers={(DOMAIN, mac)},
            manufacturer=MANUFACTURER,
            model=profile.model if profile else None,
            name=(profile.hostname if profile else None) or coordinator.config_entry.title,
            serial_number=profile.serial if profile else None,
            sw_version=profile.firmware if profile else None,
            hw_version=profile.hardware if profile else None,
            configuration_url=f"http://{coordinator.config_entry.data[CONF_HOST]}",
        )
