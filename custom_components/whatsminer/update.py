"""WhatsMiner firmware update entity.

The installed version comes from the miner. There is no online source of MicroBT firmware, so
installing takes a file through the `whatsminer.upgrade_firmware` action; meanwhile this entity
shows the upload's progress, then the wait for the miner to come back on the new build. It
exists where the miner takes firmware and the entry may write; the installed version is also
the device's firmware, so no sensor repeats it.
"""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.update import (
    UpdateDeviceClass,
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.miner import Control
from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator
from .entity import WhatsMinerEntity, has_control
from .firmware import installer_for

PARALLEL_UPDATES = 1

FIRMWARE = UpdateEntityDescription(
    key="firmware", device_class=UpdateDeviceClass.FIRMWARE, translation_key="firmware"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the firmware entity of one miner (where Home Assistant may install firmware)."""
    if has_control(entry.runtime_data, Control.FIRMWARE):
        async_add_entities([WhatsMinerUpdate(entry.runtime_data, FIRMWARE)])


class WhatsMinerUpdate(WhatsMinerEntity, UpdateEntity):
    """The miner's firmware."""

    _attr_supported_features = UpdateEntityFeature.PROGRESS

    def __init__(
        self, coordinator: WhatsMinerCoordinator, description: UpdateEntityDescription
    ) -> None:
        """Follow the miner's firmware installer."""
        super().__init__(coordinator, description)
        self._installer = installer_for(coordinator)

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._installer.async_add_listener(self.async_write_if_changed))

    @property
    @override
    def installed_version(self) -> str | None:
        return snapshot.firmware_version if (snapshot := self.snapshot) is not None else None

    @property
    @override
    def latest_version(self) -> str | None:
        return self.installed_version

    @property
    @override
    def in_progress(self) -> bool:
        return self._installer.in_progress

    @property
    @override
    def update_percentage(self) -> int | None:
        return self._installer.percentage

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"last_install_error": self._installer.last_error}
