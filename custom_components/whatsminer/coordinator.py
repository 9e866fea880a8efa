"""The coordinator: one poll of the miner per interval, shared by every entity."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api.client import WhatsMinerClient
from .api.errors import (
    AuthenticationError,
    TokenLimitError,
    UnsupportedFirmwareError,
    WhatsMinerError,
    WriteApiDisabledError,
)
from .api.models import MinerSnapshot
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
        client: WhatsMinerClient | None = None,
    ) -> None:
        """Create the coordinator (and the client, unless one is given)."""
        self.client = client or WhatsMinerClient(
            entry.data[CONF_HOST], entry.data[CONF_PORT], entry.data[CONF_PASSWORD]
        )
        # One write at a time per miner; a firmware upgrade needs the miner to itself.
        self.write_lock = asyncio.Lock()
        # Reads need no password, so it is checked once per setup (writes reuse the token).
        self._password_checked = False
        interval = entry.options.get(CONF_SCAN_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.data[CONF_HOST]}",
            update_interval=(timedelta(seconds=interval) if interval else DEFAULT_SCAN_INTERVAL),
        )

    @property
    def mac(self) -> str:
        """The normalised MAC address this entry belongs to."""
        assert self.config_entry.unique_id is not None
        return self.config_entry.unique_id

    async def _async_update_data(self) -> MinerSnapshot:
        host = self.config_entry.data[CONF_HOST]
        try:
            snapshot = await self.client.poll()
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
        return snapshot

    async def _async_check_password(self) -> None:
        """Check the admin password; a miner that takes no writes is still read."""
        try:
            await self.client.verify_password()
        except (WriteApiDisabledError, TokenLimitError, UnsupportedFirmwareError) as err:
            LOGGER.debug("Could not check the password of %s: %s", self.client.host, err)
            async_write_failed(self, err)  # tell the owner (repairs.py)
        self._password_checked = True
