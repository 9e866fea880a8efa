"""WhatsMiner binary sensors: mining, problem, pool connected, stop and start (hold.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.miner import Control
from .api.models import MinerSnapshot
from .coordinator import WhatsMinerConfigEntry
from .entity import WhatsMinerEntity, has_control, shown_by_control
from .hold import StopStartSensor, hold_for
from .miner_errors import error_codes

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WhatsMinerBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor read from the snapshot."""

    value_fn: Callable[[MinerSnapshot], bool | None]
    shown_by: Control | None = None  # a control entity shows it: disabled by default then


BINARY_SENSORS: tuple[WhatsMinerBinarySensorEntityDescription, ...] = (
    WhatsMinerBinarySensorEntityDescription(
        key="mining",
        translation_key="mining",
        device_class=BinarySensorDeviceClass.RUNNING,
        shown_by=Control.MINING,
        value_fn=lambda s: s.mining,
    ),
    WhatsMinerBinarySensorEntityDescription(
        key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: bool(error_codes(s)),
    ),
    WhatsMinerBinarySensorEntityDescription(
        key="pool_connected",
        translation_key="pool_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: pool.alive if (pool := s.active_pool) else False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of one miner."""
    coordinator = entry.runtime_data
    entities: list[WhatsMinerEntity] = [
        WhatsMinerBinarySensor(coordinator, shown_by_control(coordinator, d, d.shown_by))
        for d in BINARY_SENSORS
    ]
    if has_control(coordinator, Control.MINING) or hold_for(coordinator).problem is not None:
        entities.append(StopStartSensor(coordinator))  # whether starts and stops hold
    async_add_entities(entities)


class WhatsMinerBinarySensor(WhatsMinerEntity, BinarySensorEntity):
    """A binary sensor whose value is read from the latest snapshot."""

    entity_description: WhatsMinerBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The value in the latest snapshot."""
        if (snapshot := self.snapshot) is None:
            return None
        return self.entity_description.value_fn(snapshot)

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        return (self.is_on,)
