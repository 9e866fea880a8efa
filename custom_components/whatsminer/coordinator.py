"""The coordinator: one poll of the miner per interval, shared by every entity.

It holds the entry's `AutoMiner` (whichever API the firmware speaks), the profile the miner
was last seen with (identity and capabilities, kept across restarts: profile.py), and backs
off while the miner does not answer, so a barn of switched-off miners costs next to nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, cast
import zlib

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util.hass_dict import HassKey

from . import const
from .api.auto import AutoMiner
from .api.errors import (
    AuthenticationError,
    PermissionDeniedError,
    TokenLimitError,
    WhatsMinerConnectionError,
    WhatsMinerError,
    WriteApiDisabledError,
)
from .api.miner import DEFAULT_V2_PORT, DEFAULT_V3_PORT, Capabilities, Miner
from .api.models import ApiVersion, MinerSnapshot
from .const import (
    CONF_API,
    CONF_SCAN_INTERVAL,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_BACKOFF_S,
    PROFILE_REFRESH_POLLS,
)
from .issues import async_write_failed
from .profile import MinerProfile, ProfileStore, hardware_version

type WhatsMinerConfigEntry = ConfigEntry[WhatsMinerCoordinator]

# Per connection step (tests of unreachable miners shorten it).
MINER_TIMEOUT_S = 10.0


def create_entry_miner(data: dict[str, Any] | Any) -> Miner:
    """The miner an entry's data describes (the API found when it was added or last seen)."""
    return AutoMiner(
        data[CONF_HOST],
        password=data.get(CONF_PASSWORD),
        api=ApiVersion(data[CONF_API]) if data.get(CONF_API) else None,
        v2_port=data.get(CONF_V2_PORT, DEFAULT_V2_PORT),
        v3_port=data.get(CONF_V3_PORT, DEFAULT_V3_PORT),
        timeout=MINER_TIMEOUT_S,
    )


_POLL_SLOTS: HassKey[asyncio.Semaphore] = HassKey(f"{DOMAIN}_poll_slots")


def _poll_slots(hass: HomeAssistant) -> asyncio.Semaphore:
    """The semaphore every poll takes (one per Home Assistant)."""
    if (slots := hass.data.get(_POLL_SLOTS)) is None:
        slots = hass.data[_POLL_SLOTS] = asyncio.Semaphore(const.POLL_CONCURRENCY)
    return slots


class WhatsMinerCoordinator(DataUpdateCoordinator[MinerSnapshot]):
    """Polls one miner and checks on every poll that it is still the same miner.

    `data` is None until the first good poll: an entry set up from its stored profile while
    the miner was off has entities (all unavailable) before the miner ever answered.
    """

    config_entry: WhatsMinerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WhatsMinerConfigEntry,
        miner: Miner | None = None,
        profiles: ProfileStore | None = None,
    ) -> None:
        """Create the coordinator (and the miner, unless one is given)."""
        self.miner = miner or create_entry_miner(entry.data)
        self._profiles = profiles
        self.profile: MinerProfile | None = profiles.get(entry.entry_id) if profiles else None
        # One write at a time per miner; a firmware upgrade needs the miner to itself.
        self.write_lock = asyncio.Lock()
        # Reads need no password, so it is checked once per setup (writes reuse the token).
        self._password_checked = False
        # Set up while the mining process was down, or from the stored profile: reload once
        # a full poll shows what the miner has, if that differs from what the entities saw.
        self._reload_when_up = False
        self._set_up_from_profile = False
        interval = entry.options.get(CONF_SCAN_INTERVAL)
        self.base_interval = timedelta(seconds=interval) if interval else DEFAULT_SCAN_INTERVAL
        self.failures = 0  # consecutive polls the miner did not answer
        self._capabilities: Capabilities | None = None  # from a poll (see capabilities)
        self._profile_due = True  # work out capabilities and profile at the next poll
        self._profile_age = 0  # polls since they were worked out
        self._waiting_for_start: CALLBACK_TYPE | None = None
        self._write_listeners: list[CALLBACK_TYPE] = []
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            # title and host, so the log tells miners apart, also several behind one address
            name=f"{DOMAIN} {entry.title} ({entry.data[CONF_HOST]})",
            update_interval=self.base_interval,
        )

    @property
    def profile_store(self) -> ProfileStore | None:
        """Where this miner's profile and learned power floor are kept."""
        return self._profiles

    @property
    def mac(self) -> str:
        """The normalised MAC address this entry belongs to."""
        assert self.config_entry.unique_id is not None
        return self.config_entry.unique_id

    @property
    def capabilities(self) -> Capabilities:
        """What this miner has: entities and services are created from it.

        Until the miner has answered (set up while it was off), the stored ones. Worked out
        from a poll every PROFILE_REFRESH_POLLS polls, after every write (a refusal learned
        by a write shows after the refresh that follows it) and when the firmware changes;
        every entity asks at every state write (40,000 at 1,000 miners).
        """
        snapshot: MinerSnapshot | None = self.data  # (asked at every poll: no cast call)
        if snapshot is None:
            return self.profile.capabilities if self.profile else self.miner.capabilities
        if self._capabilities is None:
            self._capabilities = self.miner.capabilities
        return self._capabilities

    @callback
    def async_written(self) -> None:
        """A write reached the miner: the next poll re-reads its slow-changing values and
        works out again what it has (a refusal, a new hostname or firmware)."""
        self.miner.invalidate_cache()
        self._capabilities = None
        self._profile_due = True
        for listener in tuple(self._write_listeners):
            listener()

    @callback
    def async_add_write_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after every write that reached the miner (or may have)."""
        self._write_listeners.append(listener)
        return lambda: self._write_listeners.remove(listener)

    @property
    def api(self) -> ApiVersion:
        """The API the miner is spoken to with (or was, when last seen)."""
        return ApiVersion(self.config_entry.data[CONF_API])

    @property
    def monitor_only(self) -> bool:
        """No password: every reading, no controls."""
        return self.miner.password is None

    @callback
    def _schedule_refresh(self) -> None:
        """Poll on the interval, but not before Home Assistant has finished starting, and
        then first at this miner's own point of the interval (`phase_s`).

        Starting a barn keeps the event loop busy for long stretches (thousands of entities
        created): a poll then waits for the loop, and its timeout fires before the reply that
        already arrived is read. The first refresh at set-up is bounded apart (__init__.py).
        """
        if self.hass.state is CoreState.running:
            super()._schedule_refresh()
            return
        if self._waiting_for_start is not None or self.hass.is_stopping:
            return

        @callback
        def started(_: HomeAssistant) -> None:
            # A barn's polls spread over the interval: each miner takes up its polls at its
            # own point of it, rather than a thousand of them in the same second.
            self._waiting_for_start = async_call_later(self.hass, self.phase_s, take_up)

        @callback
        def take_up(_: datetime) -> None:
            self._waiting_for_start = None
            self._schedule_refresh()

        self._waiting_for_start = async_at_started(self.hass, started)
        self.config_entry.async_on_unload(self._async_stop_waiting)

    @property
    def phase_s(self) -> float:
        """This miner's point in the update interval (from its MAC: the same at every start)."""
        return zlib.crc32(self.mac.encode()) / 2**32 * self.base_interval.total_seconds()

    @callback
    def _async_stop_waiting(self) -> None:
        if self._waiting_for_start is not None:
            self._waiting_for_start()
            self._waiting_for_start = None

    @callback
    def async_start_from_profile(self) -> None:
        """The miner did not answer at start-up: run on the stored profile until it does
        (the failed first poll already set the longer interval)."""
        self._set_up_from_profile = True

    def _back_off(self) -> None:
        """One more poll without an answer: wait twice as long next time (bounded)."""
        self.failures += 1
        seconds = self.base_interval.total_seconds() * 2**self.failures
        self.update_interval = timedelta(seconds=min(seconds, MAX_BACKOFF_S))

    async def _async_update_data(self) -> MinerSnapshot:
        host = self.config_entry.data[CONF_HOST]
        try:
            async with _poll_slots(self.hass):
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
        except WhatsMinerConnectionError as err:
            self._back_off()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"host": host, "error": str(err)},
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
        if self.failures:
            self.failures = 0
            self.update_interval = self.base_interval
        if (api := self.miner.api) is not None and api is not self.api:
            await self._async_api_changed(api)
        self._async_update_device(snapshot)
        self._async_update_profile(snapshot)
        return snapshot

    async def _async_api_changed(self, api: ApiVersion) -> None:
        """The firmware now speaks another API (upgraded with the update entity or
        WhatsMinerTool): remember it, keep the password if that API's write account takes
        it (else monitor only, and the repair says how to enable writes), then reload so
        the entities follow the new capabilities. Same MAC, same entry, same entities."""
        entry = self.config_entry
        LOGGER.info("%s now speaks API %s (was %s)", entry.title, api, entry.data[CONF_API])
        password = self.miner.password
        if password is not None:
            try:
                await self.miner.verify_password()
            except WhatsMinerError as err:
                LOGGER.info(
                    "%s: the %s account does not take the stored password (%s); monitor only",
                    entry.title,
                    api,
                    type(err).__name__,
                )
                password = None
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_API: str(api), CONF_PASSWORD: password}
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)

    def _async_update_device(self, snapshot: MinerSnapshot) -> None:
        """Keep the device's firmware version true when it changes (also outside HA)."""
        previous = cast(MinerSnapshot | None, self.data)
        version = snapshot.firmware_version
        seen = previous.firmware_version if previous else None
        if previous is None and self.profile is not None:
            seen = self.profile.firmware
        if version is None or seen is None or version == seen:
            return
        self.async_set_sw_version(version)

    def _async_update_profile(self, snapshot: MinerSnapshot) -> None:
        """Remember the miner as this poll shows it (stored when the poll shows all of it)."""
        if snapshot.process_down and self.profile is not None:
            return
        if (
            not self._profile_due
            and self._profile_age < PROFILE_REFRESH_POLLS
            and self.profile is not None
            and snapshot.firmware_version == self.profile.firmware
        ):
            self._profile_age += 1
            return
        capabilities = self._capabilities = self.miner.capabilities
        self._profile_due, self._profile_age = False, 0
        profile = MinerProfile.from_poll(
            self.mac, snapshot, capabilities, hardware_version(snapshot)
        )
        previous, self.profile = self.profile, profile
        if snapshot.process_down:
            return
        if profile != previous and self._profiles is not None:
            self._profiles.async_set(self.config_entry.entry_id, profile)
        if self._set_up_from_profile:
            self._set_up_from_profile = False
            if previous is not None and previous.capabilities != profile.capabilities:
                # The entities were made from what the miner had when last seen.
                self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

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
        """Check the write password; a miner that takes no writes is still read."""
        if not self.monitor_only:  # else nothing to check (the monitor-only repair tells)
            try:
                await self.miner.verify_password()
            except (WriteApiDisabledError, TokenLimitError, PermissionDeniedError) as err:
                LOGGER.debug("Could not check the password of %s: %s", self.miner.host, err)
                async_write_failed(self, err)  # tell the owner (issues.py)
        self._password_checked = True
