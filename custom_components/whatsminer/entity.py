"""The base entity: device info, unique ids and availability shared by every platform.

The coordinator may be set up without a snapshot (the miner was off: entities are created
from the capabilities of its stored profile). Such entities exist and are unavailable until
the miner answers; nothing reads the missing snapshot meanwhile.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, override

from homeassistant.const import CONF_HOST
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.miner import Capabilities, Control
from .api.models import MinerSnapshot
from .const import DOMAIN, MANUFACTURER
from .coordinator import WhatsMinerCoordinator
from .profile import hardware_version

__all__ = ["WhatsMinerEntity", "hardware_version", "has_control", "shown_by_control"]


def has_control(coordinator: WhatsMinerCoordinator, control: Control) -> bool:
    """Whether Home Assistant may offer `control`: the miner's firmware has the command and
    the entry has the password to send it (a monitored-only miner gets no controls)."""
    return not coordinator.monitor_only and coordinator.capabilities.has(control)


def shown_by_control[D: EntityDescription](
    coordinator: WhatsMinerCoordinator, description: D, control: Control | None
) -> D:
    """A reading that a control entity shows already is kept only as a copy disabled by
    default (it stays enabled where there is no such control, e.g. monitored only)."""
    if control is not None and has_control(coordinator, control):
        return replace(description, entity_registry_enabled_default=False)
    return description


def device_info(coordinator: WhatsMinerCoordinator) -> DeviceInfo:
    """The miner's device: as last polled, or as remembered (profile.py) while it is off."""
    mac = coordinator.mac
    info = DeviceInfo(
        connections={(CONNECTION_NETWORK_MAC, mac)},
        identifiers={(DOMAIN, mac)},
        manufacturer=MANUFACTURER,
        name=coordinator.config_entry.title,
        configuration_url=f"http://{coordinator.config_entry.data[CONF_HOST]}",
    )
    if (profile := coordinator.profile) is None:
        return info
    info.update(
        DeviceInfo(
            model=profile.model,
            serial_number=profile.serial,
            sw_version=profile.firmware,
            hw_version=profile.hardware,
        )
    )
    if profile.hostname:
        info["name"] = profile.hostname
    return info


class WhatsMinerEntity(CoordinatorEntity[WhatsMinerCoordinator]):
    """An entity of one miner; `unique_id` is the miner's MAC plus the description key."""

    _attr_has_entity_name = True
    _last_shown: tuple[Any, ...] | None = None  # what the state machine was last given
    # Written at every poll, also unchanged: a source that helpers integrate over time (the
    # Riemann sum of power needs the poll's sample while the value holds, `last_reported`).
    _written_every_poll = False

    def __init__(self, coordinator: WhatsMinerCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the miner's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.mac}_{description.key}"
        self._attr_device_info = device_info(coordinator)

    @property
    def snapshot(self) -> MinerSnapshot | None:
        """The latest snapshot; None while the miner has not answered since setup."""
        return self.coordinator.data  # (read for every entity at every poll: no cast call)

    @property
    def capabilities(self) -> Capabilities:
        """What the miner has."""
        return self.coordinator.capabilities

    @property
    @override
    def available(self) -> bool:
        return super().available and self.coordinator.data is not None

    def _shown(self) -> tuple[Any, ...] | None:
        """What the state machine shows of this entity, to skip rewriting it unchanged at
        every poll (40,000 entities at 1,000 miners), as a coordinator with `always_update`
        off would; None for an entity written at every poll (`_written_every_poll`)."""
        if self._written_every_poll:
            return None
        if not self.available:
            return (False,)
        return (True, *self._shown_values())

    def _shown_values(self) -> tuple[Any, ...]:
        """Everything the state and attributes are made of, besides availability. This
        generic form asks Home Assistant's own properties (about half the cost of a write);
        entities whose state follows from a few values of theirs name just those."""
        return (
            self.state,
            self.state_attributes,
            self.extra_state_attributes,
            self.capability_attributes,
            self.assumed_state,
        )

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self.async_write_if_changed()

    @callback
    def async_write_if_changed(self) -> None:
        """Write the state unless the state machine shows it already. Every state change
        of ours goes through here (polls, actions, progress), so `_last_shown` is what the
        state machine shows."""
        shown = self._shown()
        if shown is None or shown != self._last_shown:
            self._last_shown = shown
            self.async_write_ha_state()

    @callback
    def async_remove_if_unsupported(self, control: Control) -> None:
        """The firmware refused `control` as unknown: the entity goes (it would only fail).

        It is disabled by the integration rather than deleted, so it stays gone after a
        restart too (a new client learns the refusal only by trying again); after a firmware
        upgrade that has the command, the owner can enable it again.
        """
        if self.capabilities.has(control) or self.registry_entry is None:
            return
        er.async_get(self.hass).async_update_entity(
            self.entity_id, disabled_by=er.RegistryEntryDisabler.INTEGRATION
        )
