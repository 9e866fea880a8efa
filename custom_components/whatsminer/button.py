"""WhatsMiner buttons: restart mining, reboot, identify, LED back to automatic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.client import WhatsMinerClient
from .api.models import LedColor
from .coordinator import WhatsMinerConfigEntry
from .entity import WhatsMinerEntity
from .helpers import async_miner_action

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsMinerButtonEntityDescription(ButtonEntityDescription):
    """A command without parameters."""

    press_fn: Callable[[WhatsMinerClient], Awaitable[Any]]


BUTTONS: tuple[WhatsMinerButtonEntityDescription, ...] = (
    WhatsMinerButtonEntityDescription(
        key="restart_mining",
        translation_key="restart_mining",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.restart_btminer(),
    ),
    WhatsMinerButtonEntityDescription(
        key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.reboot(),
    ),
    WhatsMinerButtonEntityDescription(
        key="identify",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.DIAGNOSTIC,
        press_fn=lambda client: client.set_led(LedColor.RED),
    ),
    WhatsMinerButtonEntityDescription(
        key="led_auto",
        translation_key="led_auto",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.set_led_auto(),
    ),
    # restore_power_pct is in later manuals only (not in the v2.0.5 document): off by default.
    WhatsMinerButtonEntityDescription(
        key="restore_power_percent",
        translation_key="restore_power_percent",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda client: client.restore_power_pct(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the buttons of one miner."""
    async_add_entities(WhatsMinerButton(entry.runtime_data, description) for description in BUTTONS)


class WhatsMinerButton(WhatsMinerEntity, ButtonEntity):
    """A command without parameters."""

    entity_description: WhatsMinerButtonEntityDescription

    @override
    async def async_press(self) -> None:
        await async_miner_action(self.coordinator, self.entity_description.press_fn)
