"""WhatsMiner numbers: power percent, power limit, temperature offset, frequency, ramp-up speed.

Power limit, target frequency and power percent in gradual mode restart the mining process and
are coalesced (see coalesce.py). A number whose value nobody knows (the firmware does not
report it and it was never set here) is an input box in the unknown state, never a slider
parked at its minimum.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import math
from typing import Any, override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower, UnitOfTemperature
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import ExtraStoredData, RestoredExtraData

from .api.miner import Capabilities, Control, Miner
from .api.models import MinerSnapshot
from .control import WhatsMinerControlDescription, WhatsMinerControlEntity, offered
from .coordinator import WhatsMinerConfigEntry
from .manager import entities as manager_entities
from .manager.flow import is_power_manager
from .manager.power import percent_at_least
from .power_target import PowerTargetController, controller_for, power_target_entities

PARALLEL_UPDATES = 1

# The API's own bound of adjust_power_limit and set_power (spec 6, 3.24).
MAX_POWER_W = 99999


@dataclass(frozen=True, kw_only=True)
class WhatsMinerNumberEntityDescription(
    NumberEntityDescription, WhatsMinerControlDescription[float]
):
    """A numeric setting of the miner.

    max_fn: the upper bound this miner has (from its capabilities), None for the fixed one.
    max_from_power: the upper bound is the most the firmware lets this miner draw, where it
    says; otherwise the highest power (drawn or limit) the miner was seen at, kept across
    restarts (its default limit is the highest it allows, and it clamps higher ones).
    """

    max_fn: Callable[[Capabilities], float | None] = lambda _: None
    max_from_power: bool = False
    # A power level (in W or % of full power): never set below the power floor, and a
    # restart after it raises the floor (power_floor.py).
    floored: bool = False
    # An input box shows the whole name and the value; a slider cuts the name off on the
    # device page ("Frequency ra…") and shows no number.
    mode: NumberMode = NumberMode.BOX


def _power_limit(snapshot: MinerSnapshot) -> float | None:
    if snapshot.settings.power_limit_w is not None:
        return snapshot.settings.power_limit_w
    if snapshot.summary.power_limit_w is not None:
        return snapshot.summary.power_limit_w
    return snapshot.status.power_limit_set_w if snapshot.status else None


def _power_percent(snapshot: MinerSnapshot) -> float | None:
    return snapshot.settings.power_percent


NUMBERS: tuple[WhatsMinerNumberEntityDescription, ...] = (
    WhatsMinerNumberEntityDescription(
        key="power_percent_fast",
        translation_key="power_percent_fast",
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        max_fn=lambda caps: caps.power_percent_max,
        value_fn=_power_percent,
        floored=True,
        set_fn=lambda miner, value: miner.set_power_percent(int(value), fast=True),
    ),
    WhatsMinerNumberEntityDescription(
        key="power_percent_normal",
        translation_key="power_percent_normal",
        control=Control.POWER_PERCENT_GRADUAL,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        max_fn=lambda caps: caps.power_percent_max,
        restarts_mining=True,
        value_fn=_power_percent,
        floored=True,
        set_fn=lambda miner, value: miner.set_power_percent(int(value), fast=False),
    ),
    WhatsMinerNumberEntityDescription(
        key="power_limit",
        translation_key="power_limit",
        device_class=NumberDeviceClass.POWER,
        mode=NumberMode.BOX,
        native_min_value=0,
        native_max_value=MAX_POWER_W,
        native_step=1,
        native_unit_of_measurement=UnitOfPower.WATT,
        restarts_mining=True,
        max_from_power=True,
        value_fn=_power_limit,
        floored=True,
        set_fn=lambda miner, value: miner.set_power_limit(int(value)),
    ),
    WhatsMinerNumberEntityDescription(
        key="target_frequency",
        translation_key="target_frequency",
        control=Control.TARGET_FREQ,
        entity_category=EntityCategory.CONFIG,
        native_min_value=-100,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        restarts_mining=True,
        value_fn=lambda s: s.settings.target_freq_pct,
        set_fn=lambda miner, value: miner.set_target_freq(int(value)),
    ),
    WhatsMinerNumberEntityDescription(
        key="temperature_offset",
        translation_key="temperature_offset",
        control=Control.TEMP_OFFSET,
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.TEMPERATURE,
        native_min_value=-30,
        native_max_value=0,
        native_step=1,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        exists_fn=lambda caps: caps.fans,  # the fans' target temperature: air-cooled only
        value_fn=lambda s: s.settings.fan_temp_offset_c,
        set_fn=lambda miner, value: miner.set_temp_offset(int(value)),
    ),
    WhatsMinerNumberEntityDescription(
        key="upfreq_speed",
        translation_key="upfreq_speed",
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=9,
        native_step=1,
        max_fn=lambda caps: caps.upfreq_speed_max,  # v2 0..9, v3 0..10
        value_fn=lambda s: s.settings.upfreq_speed,
        set_fn=lambda miner, value: miner.set_upfreq_speed(int(value)),
    ),
    # set_power is in later manuals only (not in the v2.0.5 document): off by default.
    WhatsMinerNumberEntityDescription(
        key="power_target",
        translation_key="power_target",
        device_class=NumberDeviceClass.POWER,
        entity_registry_enabled_default=False,
        mode=NumberMode.BOX,
        native_min_value=0,
        native_max_value=MAX_POWER_W,
        native_step=1,
        native_unit_of_measurement=UnitOfPower.WATT,
        floored=True,
        set_fn=lambda miner, value: miner.set_power_target(int(value)),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the numbers of one miner."""
    if is_power_manager(entry):
        await manager_entities.async_setup_number(hass, entry, async_add_entities)  # type: ignore[arg-type]
        return
    coordinator = entry.runtime_data
    async_add_entities(
        WhatsMinerNumber(coordinator, description) for description in offered(coordinator, NUMBERS)
    )
    async_add_entities(power_target_entities(coordinator))


class WhatsMinerNumber(WhatsMinerControlEntity[float], NumberEntity):
    """A numeric setting of the miner."""

    entity_description: WhatsMinerNumberEntityDescription
    _highest_seen: float | None = None

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None:
            stored = extra.as_dict()
            self._highest_seen = stored.get("highest_seen", stored.get("highest_reported"))
        self._track_highest()

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData:
        data = super().extra_restore_state_data.as_dict()
        return RestoredExtraData({**data, "highest_seen": self._highest_seen})

    def _track_highest(self) -> None:
        """Remember the highest power the miner was seen at (limit set or power drawn)."""
        if not self.entity_description.max_from_power or (snapshot := self.snapshot) is None:
            return
        for seen in (self._reported(), snapshot.summary.power_w):
            if seen is not None and (self._highest_seen is None or seen > self._highest_seen):
                self._highest_seen = seen

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._track_highest()
        super()._handle_coordinator_update()

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        return (*super()._shown_values(), self.native_min_value, self.native_max_value)

    def _firmware_power_max(self) -> int | None:
        if (snapshot := self.snapshot) is not None and snapshot.power_max_w is not None:
            return snapshot.power_max_w
        return self.capabilities.power_max_w

    @property
    @override
    def native_max_value(self) -> float:
        description = self.entity_description
        if description.max_from_power:
            if (firmware_max := self._firmware_power_max()) is not None:
                return firmware_max
            if self._highest_seen is not None:
                return self._highest_seen
        if (bound := description.max_fn(self.capabilities)) is not None:
            return bound
        return super().native_max_value

    @property
    def _bounds(self) -> PowerTargetController:
        return controller_for(self.coordinator)

    def _in_watts(self, value: float) -> float | None:
        """The power a value of this number stands for."""
        if self.entity_description.native_unit_of_measurement != PERCENTAGE:
            return value
        full = self._bounds.full_power_w
        return None if full is None else value * full / 100.0

    def _floor_value(self) -> float | None:
        """The power floor in this number's unit, where it is known."""
        if not self.entity_description.floored:
            return None
        if (floor := self._bounds.floor.floor_w) is None:
            return None
        if self.entity_description.native_unit_of_measurement != PERCENTAGE:
            return float(math.ceil(floor))
        full = self._bounds.full_power_w
        return None if not full else float(percent_at_least(floor, full))

    @property
    @override
    def native_min_value(self) -> float:
        low = super().native_min_value
        floor = self._floor_value()
        return low if floor is None else max(low, floor)

    @override
    async def _async_send(self, action: Callable[[Miner], Awaitable[Any]], value: float) -> None:
        watts = self._in_watts(value) if self.entity_description.floored else None
        if watts is None:
            await super()._async_send(action, value)
            return
        await self._bounds.floor.async_watch(
            watts,
            self._bounds.full_power_w,
            lambda: super(WhatsMinerNumber, self)._async_send(action, value),
            restarting=self.entity_description.restarts_mining,
            rewrite=self._async_write_floor,
        )

    async def _async_write_floor(self, _floor_w: float) -> None:
        """The miner restarted at the value written: write it again at the raised floor."""
        if (value := self._floor_value()) is not None:
            await self.async_write_value(value)

    @property
    @override
    def mode(self) -> NumberMode:
        # No slider pretending a value: unknown (or only assumed) values take an input box.
        if self._reported() is None:
            return NumberMode.BOX
        return super().mode

    @property
    @override
    def native_value(self) -> float | None:
        return self.control_value

    @override
    async def async_set_native_value(self, value: float) -> None:
        await self.async_write_value(value)
