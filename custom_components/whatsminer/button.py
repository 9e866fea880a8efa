"""WhatsMiner buttons: restart mining, reboot, identify, LED back to automatic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .api.miner import Control, Miner
from .api.models import LedColor
from .const import LOGGER
from .coordinator import WhatsMinerConfigEntry
from .entity import WhatsMinerEntity, has_control
from .helpers import async_miner_action
from .power_floor import floor_entities
from .power_target import controller_for

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsMinerButtonEntityDescription(ButtonEntityDescription):
    """A command without parameters."""

    press_fn: Callable[[Miner], Awaitable[Any]]
    control: Control  # the command it needs: no button where the firmware lacks it
    # Undone by itself after `undo_after` (identify: the LED goes back to showing faults).
    undo_fn: Callable[[Miner], Awaitable[Any]] | None = None
    undo_after: timedelta = timedelta(minutes=2)


BUTTONS: tuple[WhatsMinerButtonEntityDescription, ...] = (
    WhatsMinerButtonEntityDescription(
        key="restart_mining",
        control=Control.RESTART_MINING,
        translation_key="restart_mining",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda miner: miner.restart_mining(),
    ),
    WhatsMinerButtonEntityDescription(
        key="reboot",
        control=Control.REBOOT,
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda miner: miner.reboot(),
    ),
    WhatsMinerButtonEntityDescription(
        key="identify",
        control=Control.LED,
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.DIAGNOSTIC,
        press_fn=lambda miner: miner.set_led(LedColor.RED),
        undo_fn=lambda miner: miner.set_led_auto(),
    ),
    WhatsMinerButtonEntityDescription(
        key="led_auto",
        control=Control.LED,
        translation_key="led_auto",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda miner: miner.set_led_auto(),
    ),
    # restore_power_pct is in later manuals only (not in the v2.0.5 document): off by default.
    WhatsMinerButtonEntityDescription(
        key="restore_power_percent",
        control=Control.RESTORE_POWER_PERCENT,
        translation_key="restore_power_percent",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda miner: miner.restore_power_percent(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the buttons of one miner."""
    coordinator = entry.runtime_data
    async_add_entities(
        WhatsMinerButton(coordinator, description)
        for description in BUTTONS
        if has_control(coordinator, description.control)
    )
    async_add_entities(floor_entities(coordinator, controller_for(coordinator))[1])


class WhatsMinerButton(WhatsMinerEntity, ButtonEntity):
    """A command without parameters."""

    entity_description: WhatsMinerButtonEntityDescription
    _unsub_undo: CALLBACK_TYPE | None = None

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_undo)

    @property
    @override
    def available(self) -> bool:
        return super().available and self.capabilities.has(self.entity_description.control)

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        return ()  # the time of the last press, which Home Assistant writes itself

    @override
    async def async_press(self) -> None:
        self._cancel_undo()
        try:
            await async_miner_action(self.coordinator, self.entity_description.press_fn)
        finally:
            self.async_remove_if_unsupported(self.entity_description.control)
        if self.entity_description.undo_fn is not None:
            self._unsub_undo = async_call_later(
                self.hass, self.entity_description.undo_after, self._async_undo_due
            )

    @callback
    def _cancel_undo(self) -> None:
        if self._unsub_undo is not None:
            self._unsub_undo()
            self._unsub_undo = None

    @callback
    def _async_undo_due(self, _now: datetime) -> None:
        self._unsub_undo = None
        self.coordinator.config_entry.async_create_task(self.hass, self._async_undo())

    async def _async_undo(self) -> None:
        undo = self.entity_description.undo_fn
        assert undo is not None
        try:
            await async_miner_action(self.coordinator, undo)
        except HomeAssistantError as err:
            LOGGER.warning(
                "Could not undo %s on %s: %s", self.entity_id, self.coordinator.miner.host, err
            )
