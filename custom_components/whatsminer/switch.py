"""WhatsMiner switches: mining, and on/off settings of the miner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .control import WhatsMinerControlDescription, WhatsMinerControlEntity, offered
from .coordinator import WhatsMinerConfigEntry
from .hold import async_watched_write
from .manager import entities as manager_entities
from .manager.flow import is_power_manager

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsMinerSwitchEntityDescription(
    SwitchEntityDescription, WhatsMinerControlDescription[bool]
):
    """An on/off setting of the miner."""


SWITCHES: tuple[WhatsMinerSwitchEntityDescription, ...] = (
    WhatsMinerSwitchEntityDescription(
        key="mining",
        translation_key="mining",
        value_fn=lambda snapshot: snapshot.mining,
        set_fn=lambda miner, on: miner.set_mining(on),
        write_fn=async_watched_write,  # the polls then tell whether it holds
    ),
    WhatsMinerSwitchEntityDescription(
        key="fast_boot",
        translation_key="fast_boot",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: snapshot.settings.fast_boot,
        set_fn=lambda miner, on: miner.set_fast_boot(on),
    ),
    WhatsMinerSwitchEntityDescription(
        key="web_pools",
        translation_key="web_pools",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: snapshot.settings.web_pools,
        set_fn=lambda miner, on: miner.set_web_pools(on),
    ),
    WhatsMinerSwitchEntityDescription(
        key="poweroff_cool",
        translation_key="poweroff_cool",
        entity_category=EntityCategory.CONFIG,
        exists_fn=lambda caps: caps.fans,  # air-cooled only
        value_fn=lambda snapshot: snapshot.settings.fan_poweroff_cool,
        set_fn=lambda miner, on: miner.set_poweroff_cool(on),
    ),
    WhatsMinerSwitchEntityDescription(
        key="fan_zero_speed",
        translation_key="fan_zero_speed",
        entity_category=EntityCategory.CONFIG,
        exists_fn=lambda caps: caps.fans,  # air-cooled only
        value_fn=lambda snapshot: snapshot.settings.fan_zero_speed,
        set_fn=lambda miner, on: miner.set_fan_zero_speed(on),
    ),
    WhatsMinerSwitchEntityDescription(
        key="mining_at_boot",
        translation_key="mining_at_boot",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: snapshot.settings.mining_at_boot,
        set_fn=lambda miner, on: miner.set_mining_at_boot(on),
    ),
    # Commands of later v2 manuals (not in the v2.0.5 document): off by default there.
    WhatsMinerSwitchEntityDescription(
        key="fast_mining",
        translation_key="fast_mining",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        reading="settings.fast_mining",
        value_fn=lambda snapshot: snapshot.settings.fast_mining,
        set_fn=lambda miner, on: miner.set_fast_mining(on),
    ),
    WhatsMinerSwitchEntityDescription(
        key="fast_hash",
        translation_key="fast_hash",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        reading="settings.fast_hash",
        value_fn=lambda snapshot: snapshot.settings.fast_hash,
        set_fn=lambda miner, on: miner.set_fast_hash(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the switches of one miner."""
    if is_power_manager(entry):
        await manager_entities.async_setup_switch(hass, entry, async_add_entities)  # type: ignore[arg-type]
        return
    coordinator = entry.runtime_data
    async_add_entities(
        WhatsMinerSwitch(coordinator, description) for description in offered(coordinator, SWITCHES)
    )


class WhatsMinerSwitch(WhatsMinerControlEntity[bool], SwitchEntity):
    """An on/off setting of the miner."""

    entity_description: WhatsMinerSwitchEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        return self.control_value

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.async_write_value(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.async_write_value(False)
