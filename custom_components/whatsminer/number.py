"""WhatsMiner numbers: power percent, power limit, temperature offset, frequency, upfreq speed.

Power limit, target frequency and power percent in normal mode restart the mining process and
are coalesced (see coalesce.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

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

from .api.models import MinerSnapshot
from .control import WhatsMinerControlDescription, WhatsMinerControlEntity
from .coordinator import WhatsMinerConfigEntry
from .manager import entities as manager_entities
from .manager.flow import is_power_manager
from .power_target import power_target_entities

PARALLEL_UPDATES = 1

# The API's own bound of adjust_power_limit and set_power (spec 6, 3.24).
MAX_POWER_W = 99999


@dataclass(frozen=True, kw_only=True)
class WhatsMinerNumberEntityDescription(
    NumberEntityDescription, WhatsMinerControlDescription[float]
):
    """A numeric setting of the miner.

    max_from_reported: the highest value the miner has reported is the upper bound (the
    power limit: its default is the highest the miner allows, and it clamps higher ones).
    """

    max_from_reported: bool = False


def _power_limit(snapshot: MinerSnapshot) -> float | None:
    if snapshot.summary.power_limit_w is not None:
        return snapshot.summary.power_limit_w
    return snapshot.status.power_limit_set_w if snapshot.status else None


NUMBERS: tuple[WhatsMinerNumberEntityDescription, ...] = (
    WhatsMinerNumberEntityDescription(
        key="power_percent_fast",
        translation_key="power_percent_fast",
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        set_fn=lambda miner, value: miner.set_power_percent(int(value), fast=True),
    ),
    WhatsMinerNumberEntityDescription(
        key="power_percent_normal",
        translation_key="power_percent_normal",
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        restarts_mining=True,
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
        max_from_reported=True,
        value_fn=_power_limit,
        set_fn=lambda miner, value: miner.set_power_limit(int(value)),
    ),
    WhatsMinerNumberEntityDescription(
        key="target_frequency",
        translation_key="target_frequency",
        entity_category=EntityCategory.CONFIG,
        native_min_value=-100,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        restarts_mining=True,
        set_fn=lambda miner, value: miner.set_target_freq(int(value)),
    ),
    WhatsMinerNumberEntityDescription(
        key="temperature_offset",
        translation_key="temperature_offset",
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.TEMPERATURE,
        native_min_value=-30,
        native_max_value=0,
        native_step=1,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        set_fn=lambda miner, value: miner.set_temp_offset(int(value)),
    ),
    WhatsMinerNumberEntityDescription(
        key="upfreq_speed",
        translation_key="upfreq_speed",
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=9,
        native_step=1,
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
        WhatsMinerNumber(coordinator, description)
        for description in NUMBERS
        if description.exists_fn(coordinator.data)
    )
    async_add_entities(power_target_entities(coordinator))


class WhatsMinerNumber(WhatsMinerControlEntity[float], NumberEntity):
    """A numeric setting of the miner."""

    entity_description: WhatsMinerNumberEntityDescription
    _highest_reported: float | None = None

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None:
            self._highest_reported = extra.as_dict().get("highest_reported")
        self._track_highest()

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData:
        data = super().extra_restore_state_data.as_dict()
        return RestoredExtraData({**data, "highest_reported": self._highest_reported})

    def _track_highest(self) -> None:
        reported = self._reported()
        if reported is not None and (
            self._highest_reported is None or reported > self._highest_reported
        ):
            self._highest_reported = reported

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._track_highest()
        super()._handle_coordinator_update()

    @property
    @override
    def native_max_value(self) -> float:
        if self.entity_description.max_from_reported and self._highest_reported is not None:
            return self._highest_reported
        return super().native_max_value

    @property
    @override
    def native_value(self) -> float | None:
        return self.control_value

    @override
    async def async_set_native_value(self, value: float) -> None:
        await self.async_write_value(value)
