"""The base entity: device info and unique ids shared by every platform."""

from __future__ import annotations

from homeassistant.const import CONF_HOST
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.models import MinerSnapshot
from .const import DOMAIN, MANUFACTURER
from .coordinator import WhatsMinerCoordinator


def hardware_version(snapshot: MinerSnapshot) -> str | None:
    """The control board platform and chip, e.g. "H6OS / K210"."""
    if (version := snapshot.version) is None:
        return None
    parts = [part for part in (version.platform, version.chip) if part]
    return " / ".join(parts) or None


class WhatsMinerEntity(CoordinatorEntity[WhatsMinerCoordinator]):
    """An entity of one miner; `unique_id` is the miner's MAC plus the description key."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: WhatsMinerCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the miner's device."""
        super().__init__(coordinator)
        self.entity_description = description
        mac = coordinator.mac
        self._attr_unique_id = f"{mac}_{description.key}"
        snapshot = coordinator.data
        info = snapshot.info
        self._attr_device_info = DeviceInfo(
            connections={(CONNECTION_NETWORK_MAC, mac)},
            identifiers={(DOMAIN, mac)},
            manufacturer=MANUFACTURER,
            model=snapshot.model or (snapshot.version.miner_type if snapshot.version else None),
            name=(info.hostname if info and info.hostname else None)
            or coordinator.config_entry.title,
            serial_number=info.miner_serial if info else None,
            sw_version=snapshot.firmware_version,
            hw_version=hardware_version(snapshot),
            configuration_url=f"http://{coordinator.config_entry.data[CONF_HOST]}",
        )
