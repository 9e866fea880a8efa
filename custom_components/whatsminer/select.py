"""WhatsMiner selects: power mode, and heat mode on hydro models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import HeatMode, MinerSnapshot, PowerMode
from .control import WhatsMinerControlDescription, WhatsMinerControlEntity, offered
from .coordinator import WhatsMinerConfigEntry
from .sensor import power_mode

PARALLEL_UPDATES = 1

POWER_MODES = [PowerMode.LOW.value, PowerMode.NORMAL.value, PowerMode.HIGH.value]
HEAT_MODES = [str(mode) for mode in HeatMode]


def _power_mode(snapshot: MinerSnapshot) -> str | None:
    # Sleep is a state the miner reports, not an option to select.
    mode = snapshot.settings.power_mode or power_mode(snapshot)
    return mode.value if mode is not None and mode.value in POWER_MODES else None


@dataclass(frozen=True, kw_only=True)
class WhatsMinerSelectEntityDescription(SelectEntityDescription, WhatsMinerControlDescription[str]):
    """A setting of the miner with a fixed set of options."""


SELECTS: tuple[WhatsMinerSelectEntityDescription, ...] = (
    WhatsMinerSelectEntityDescription(
        key="power_mode",
        translation_key="power_mode",
        options=POWER_MODES,
        restarts_mining=True,
        value_fn=_power_mode,
        set_fn=lambda miner, option: miner.set_power_mode(PowerMode(option)),
    ),
    WhatsMinerSelectEntityDescription(
        key="heat_mode",
        translation_key="heat_mode",
        entity_category=EntityCategory.CONFIG,
        options=HEAT_MODES,
        exists_fn=lambda caps: caps.liquid_cooled,
        value_fn=lambda snapshot: mode.value if (mode := snapshot.settings.heat_mode) else None,
        set_fn=lambda miner, option: miner.set_heat_mode(HeatMode(option)),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the selects of one miner."""
    coordinator = entry.runtime_data
    async_add_entities(
        WhatsMinerSelect(coordinator, description) for description in offered(coordinator, SELECTS)
    )


class WhatsMinerSelect(WhatsMinerControlEntity[str], SelectEntity):
    """A setting of the miner with a fixed set of options."""

    entity_description: WhatsMinerSelectEntityDescription

    @property
    @override
    def current_option(self) -> str | None:
        return self.control_value

    @override
    async def async_select_option(self, option: str) -> None:
        await self.async_write_value(option)
