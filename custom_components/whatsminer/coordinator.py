"""The coordinator: one poll of the miner per interval, shared by every entity."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api.errors import (
    AuthenticationError,
    MonitorOnlyError,
    TokenLimitError,
    UnsupportedFirmwareError,
    WhatsMinerError,
    WriteApiDisabledError,
)
from .api.miner import Capabilities, Miner, create_miner
from .api.models import ApiVersion, MinerSnapshot
from .const import CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL, DOMAIN, LOGGER
from .repairs import async_write_failed

type WhatsMinerConfigEntry = ConfigEntry[WhatsMinerCoordinator]


class WhatsMinerCoordinator(DataUpdateCoordinator[MinerSnapshot]):
    """Polls one miner and checks on every poll that it is still the same miner."""

    config_entry: WhatsMinerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WhatsMinerConfigEntry,
        miner: Miner | None = None,
    ) -> None:
        """Create the coordinator (and the miner, unless one is given)."""
        self.miner = miner or create_miner(
            entry.data[CONF_HOST],
            ApiVersion.V2,
            password=entry.data[CONF_PASSWORD],
            v2_port=entry.data[CONF_PORT],
        )
        # One write at a time per miner; a firmware upgrade needs the miner to itself.
        self.write_lock = asyncio.Lock()
        # Reads need no password, so it is checked once per setup (writes reuse the token).
        self._password_checked = False
        # Set up while the mining process was down: reload once it is back, so the entities
        # it did not report then get created.
        self._reload_when_up = False
        interval = entry.options.get(CONF_SCAN_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            # host:port, so the log tells miners behind one address apart
            name=f"{DOMAIN} {entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}",
            update_interval=(timedelta(seconds=interval) if interval else DEFAULT_SCAN_INTERVAL),
        )

    @property
    def mac(self) -> str:
        """The normalised MAC address this entry belongs to."""
        assert self.config_entry.unique_id is not None
        return self.config_entry.unique_id

    @property
    def capabilities(self) -> Capabilities:
        """What this miner has: entities and services are created from it."""
        return self.miner.capabilities

    @property
    def monitor_only(self) -> bool:
        """No password: every reading, no controls."""
        return self.miner.password is None

    async def _async_update_data(self) -> MinerSnapshot:
        host = self.config_entry.data[CONF_HOST]
        try:
            snapshot = await self.miner.poll()
            if snapshot.process_down and cast(MinerSnapshot | None, self.data) is None:
                self._reload_when_up = True
            elif not snapshot.process_down and self._reload_when_up:
                self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
            if not self._password_checked:
                await self._async_check_password()
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"host": host},
            ) from err
        except WhatsMinerError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"host": host, "error": str(err)},
            ) from err
        if snapshot.mac is not None and format_mac(snapshot.mac) != self.mac:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="wrong_miner",
                translation_placeholders={"host": host, "mac": format_mac(snapshot.mac)},
            )
        self._async_update_device(snapshot)
        return snapshot

    def _async_update_device(self, snapshot: MinerSnapshot) -> None:
        """Keep the device's firmware version true when it changes (also outside HA)."""
        previous = cast(MinerSnapshot | None, self.data)
        version = snapshot.firmware_version
        if previous is None or version is None or version == previous.firmware_version:
            return
        self.async_set_sw_version(version)

    @callback
    def async_set_sw_version(self, version: str) -> None:
        """Show `version` as the firmware of the miner's device."""
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.mac), self.config_entry.entry_id
        )
        if device is not None and device.sw_version != version:
            registry.async_update_device(device.id, sw_version=version)

    async def _async_check_password(self) -> None:
        """Check the admin password; a miner that takes no writes is still read."""
        if self.monitor_only:  # no password to check (and no write to try it with)
            self._password_checked = True
            return
        try:
            await self.miner.verify_password()
        except MonitorOnlyError:
            pass
        except (WriteApiDisabledError, TokenLimitError, UnsupportedFirmwareError) as err:
            LOGGER.debug("Could not check the password of %s: %s", self.miner.host, err)
            async_write_failed(self, err)  # tell the owner (repairs.py)
        self._password_checked = True
