"""Firmware upgrade of one miner: upload a file, wait for the miner, verify the new version.

The upload streams the file in chunks read in the executor (never the whole file in memory)
and holds the miner's write lock until the miner is back, so nothing else talks to it
meanwhile. Only one upgrade runs at a time per miner.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
import time
from weakref import WeakKeyDictionary

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .api.errors import WhatsMinerError
from .api.miner import Miner
from .const import DOMAIN, LOGGER
from .coordinator import WhatsMinerCoordinator
from .helpers import async_miner_action

CHUNK_SIZE = 64 * 1024
# After the upload the miner reboots; how long to wait for it and how often to ask.
REBOOT_TIMEOUT_S = 600.0
REBOOT_POLL_S = 10.0


async def read_chunks(hass: HomeAssistant, path: Path) -> AsyncIterator[bytes]:
    """The file's bytes in chunks, each read in the executor."""
    file = await hass.async_add_executor_job(path.open, "rb")
    try:
        while chunk := await hass.async_add_executor_job(file.read, CHUNK_SIZE):
            yield chunk
    finally:
        await hass.async_add_executor_job(file.close)


class FirmwareInstaller:
    """Installs firmware files on one miner and tells listeners how far it got."""

    def __init__(self, coordinator: WhatsMinerCoordinator) -> None:
        """Track upgrades of one miner."""
        self._coordinator = coordinator
        self.in_progress = False
        self.percentage: int | None = None
        self.last_error: str | None = None
        self._listeners: list[CALLBACK_TYPE] = []

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when progress changes; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @callback
    def _progress(self, sent: int, total: int) -> None:
        percentage = min(100, sent * 100 // total) if total else 100
        if percentage != self.percentage:
            self.percentage = percentage
            self._notify()

    async def async_install(self, path: Path) -> str:
        """Upload `path`, wait for the miner to come back and return its new version."""
        if self.in_progress:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="firmware_in_progress"
            )
        coordinator = self._coordinator
        hass = coordinator.hass
        self.in_progress, self.percentage, self.last_error = True, 0, None
        self._notify()
        try:
            size = (await hass.async_add_executor_job(path.stat)).st_size
            old = coordinator.data.firmware_version

            async def upgrade(miner: Miner) -> str:
                await miner.update_firmware(read_chunks(hass, path), size, progress=self._progress)
                return await self._async_wait_for_new_version(miner, old)

            version = await async_miner_action(coordinator, upgrade)
        except HomeAssistantError as err:
            self.last_error = str(err)
            raise
        finally:
            self.in_progress, self.percentage = False, None
            self._notify()
        coordinator.async_set_sw_version(version)
        LOGGER.info("Firmware of %s upgraded from %s to %s", coordinator.miner.host, old, version)
        return version

    async def _async_wait_for_new_version(self, miner: Miner, old: str | None) -> str:
        host = miner.host
        deadline = time.monotonic() + REBOOT_TIMEOUT_S
        miner.invalidate_cache()
        while True:
            await asyncio.sleep(REBOOT_POLL_S)
            try:
                version = (await miner.poll()).firmware_version
            except WhatsMinerError as err:
                LOGGER.debug("Waiting for %s to come back: %s", host, err)
                version = None
            if version is not None:
                break
            if time.monotonic() >= deadline:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="firmware_timeout",
                    translation_placeholders={"host": host, "minutes": str(REBOOT_TIMEOUT_S / 60)},
                )
        if version == old:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="firmware_unchanged",
                translation_placeholders={"host": host, "version": version},
            )
        return version


_INSTALLERS: WeakKeyDictionary[WhatsMinerCoordinator, FirmwareInstaller] = WeakKeyDictionary()


def installer_for(coordinator: WhatsMinerCoordinator) -> FirmwareInstaller:
    """The firmware installer of one miner, created on first use."""
    if (installer := _INSTALLERS.get(coordinator)) is None:
        installer = _INSTALLERS[coordinator] = FirmwareInstaller(coordinator)
    return installer
