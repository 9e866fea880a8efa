"""Power target: set a miner's power in watts through the fastest path that keeps it mining.

v2 `set_power_pct` and v3 `set.miner.power_percent` fast (`set_power_percent(fast=True)`) take
a percentage of the miner's full power; the watts are converted with the full power learned
from the miner's own readings at 100 % (kept across restarts). A miner without a fast
percentage but with `set_power_target` (v3 `set.miner.power`) gets the watts directly once
tuning has finished. The target is bounded below by the lowest level the owner allows (the
*Power target minimum* number, default from manager/power.py) and by the power floor the miner
runs at without restarting (power_floor.py, learned from its restarts), above by full power,
and written again when the miner has forgotten it (restart, reboot, mining started again).

`controller_for(coordinator)` is the one controller per miner; the number entities here and
the power manager both go through it.
"""

from __future__ import annotations

from typing import Any, cast, override
from weakref import WeakKeyDictionary

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.restore_state import ExtraStoredData, RestoredExtraData, RestoreEntity
from homeassistant.util import dt as dt_util

from .api.miner import Control, Miner
from .api.models import MinerSnapshot
from .const import LOGGER
from .coordinator import WhatsMinerCoordinator
from .entity import WhatsMinerEntity
from .helpers import async_miner_action
from .manager.power import (
    DEFAULT_MIN_PERCENT,
    MIN_PERCENT_LOWEST,
    Observed,
    full_power_guess,
    is_steady,
    learn_full_power,
    needs_reapply,
    percent_at_least,
    percent_for,
    watts_for,
)
from .power_floor import PowerFloor

POWER_TARGET_KEY = "power_target_fast"
# The target's range follows full power in steps of more than this share: Home Assistant
# keeps a number's range in the entity registry, which it saves to disk at every change.
RANGE_STEP = 0.02
POWER_TARGET_MIN_KEY = "power_target_min"


class PowerTargetController:
    """The power target of one miner: conversion, bounds, learning, re-applying."""

    def __init__(self, coordinator: WhatsMinerCoordinator) -> None:
        """Follow the miner's polls until its entry unloads."""
        self.coordinator = coordinator
        self.target_w: float | None = None
        self.learned_full_w: float | None = None
        self.min_percent = DEFAULT_MIN_PERCENT
        self.percent_set: int | None = None
        self.range_full_w: float | None = None  # full power as the target's range shows it
        self._deferred = False  # a target waits for the miner to mine again
        self._mining_since: float | None = None  # seen mining without a break since
        self._last_reading: tuple[int | None, float] | None = None  # (percent, W) last poll
        self._observed: Observed | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self.floor = PowerFloor(coordinator)
        self.floor.async_add_listener(self._floor_changed)
        entry = coordinator.config_entry
        entry.async_on_unload(coordinator.async_add_listener(self._async_polled))
        entry.async_on_unload(self._forget)
        self._async_polled()  # learn from the poll made before this controller existed

    @callback
    def _forget(self) -> None:
        _CONTROLLERS.pop(self.coordinator, None)

    def _snapshot(self) -> MinerSnapshot | None:
        return cast(MinerSnapshot | None, self.coordinator.data)

    @property
    def supported(self) -> bool:
        """Whether this miner takes a power target without restarting."""
        caps = self.coordinator.capabilities
        return not self.coordinator.monitor_only and (
            caps.has(Control.POWER_PERCENT_FAST) or caps.has(Control.POWER_TARGET)
        )

    @property
    def full_power_w(self) -> float | None:
        """Full power: learned, else the best guess from the readings."""
        if self.learned_full_w is not None:
            return self.learned_full_w
        snapshot = self._snapshot()
        if snapshot is None:
            return None
        return full_power_guess(snapshot, self.coordinator.capabilities.power_max_w)

    def follow_range(self) -> bool:
        """Move the range shown by the target with full power once they differ by more
        than RANGE_STEP; whether it moved."""
        full, shown = self.full_power_w, self.range_full_w
        if full is None or (shown is not None and abs(full - shown) <= RANGE_STEP * shown):
            return False
        self.range_full_w = full
        return True

    @property
    def min_power_w(self) -> float | None:
        """The lowest power the miner is set to: the owner's minimum or the power floor."""
        full = self.full_power_w
        return self.floor.floor_w if full is None else self.lowest_w(full)

    def lowest_w(self, full_w: float) -> float:
        """The lower bound at a full power of `full_w`: the owner's minimum or the floor."""
        low = watts_for(self.min_percent, full_w)
        floor = self.floor.floor_w
        return low if floor is None else min(max(low, floor), full_w)

    @callback
    def _floor_changed(self) -> None:
        """The floor rose or was reset: the target stays above it (written at the next poll)."""
        if self.target_w is not None:
            self.target_w = self.clamp(self.target_w)
        self.notify()

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when the target or what is learned changes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def notify(self) -> None:
        """Tell the entities that the target or the bounds changed."""
        for listener in list(self._listeners):
            listener()

    def clamp(self, watts: float) -> float:
        """`watts` within the miner's stable range."""
        full, low = self.full_power_w, self.min_power_w
        if full is None or low is None:
            return watts
        return max(low, min(full, watts))

    async def async_set(self, watts: float, *, refresh: bool = True) -> None:
        """Set the power target and write it (now, or once the miner mines again)."""
        self.target_w = self.clamp(watts)
        snapshot = self._snapshot()
        if snapshot is not None and (snapshot.process_down or not snapshot.mining):
            self._deferred = True  # written when mining resumes
            self.notify()
            return
        await self._async_write(refresh=refresh)

    async def _async_write(self, *, refresh: bool) -> None:
        if self.target_w is None:
            return
        self._deferred = False
        caps = self.coordinator.capabilities
        full = self.full_power_w
        if caps.has(Control.POWER_PERCENT_FAST) and full is not None:
            percent = percent_for(self.target_w, full, self.min_percent, caps.power_percent_max)
            if (floor := self.floor.floor_w) is not None and watts_for(percent, full) < floor:
                percent = percent_at_least(floor, full, caps.power_percent_max)

            async def write(miner: Miner) -> None:
                await miner.set_power_percent(percent, fast=True)

            await self.floor.async_watch(
                watts_for(percent, full),
                full,
                lambda: async_miner_action(self.coordinator, write, refresh=refresh),
                restarting=False,
            )
            if percent != self.percent_set:
                self._last_reading = None  # a poll under way may still show the old level
            self.percent_set = percent
        elif caps.has(Control.POWER_TARGET):
            snapshot = self._snapshot()
            if snapshot is not None and snapshot.summary.upfreq_complete is False:
                # Sent while tuning, set.miner.power would only apply at the next boot.
                self._deferred = True
                self.notify()
                return
            watts = round(self.target_w)
            await self.floor.async_watch(
                watts,
                full,
                lambda: async_miner_action(
                    self.coordinator, lambda miner: miner.set_power_target(watts), refresh=refresh
                ),
                restarting=False,
            )
            self.percent_set = None
        else:
            raise HomeAssistantError("no fast power control")  # pragma: no cover - guarded
        self.notify()

    @callback
    def _async_polled(self) -> None:
        snapshot = self._snapshot()
        if snapshot is None or not self.coordinator.last_update_success:
            return
        observed = Observed.of(snapshot)
        mines = observed.mining and not observed.process_down
        now = dt_util.utcnow().timestamp()
        before = self._observed
        if not mines:
            self._mining_since = None
        elif self._mining_since is None and before is not None:
            self._mining_since = now  # seen starting: warm-up begins now
        mining_for = None if self._mining_since is None else now - self._mining_since
        power = snapshot.summary.power_w
        steady = mines and is_steady(self._last_reading, self.percent_set, power)
        self._last_reading = (self.percent_set, power) if mines and power else None
        learned = learn_full_power(
            self.learned_full_w, snapshot, self.percent_set, mining_for, steady=steady
        )
        # A restart at the target raises the floor, and the target with it: written again.
        raised = self.floor.async_polled(before, observed, self.full_power_w)
        if raised and not mines:
            self._deferred = True
        reapply = self.target_w is not None and (
            (self._deferred and mines)
            or (raised and mines)
            or needs_reapply(self._observed, observed, self.percent_set)
        )
        self._observed = observed
        self.learned_full_w = learned
        if self.follow_range():
            self.notify()
        if reapply:
            LOGGER.debug("Writing the power target of %s again", self.coordinator.miner.host)
            self.coordinator.config_entry.async_create_background_task(
                self.coordinator.hass, self._async_reapply(), "whatsminer power target"
            )

    async def _async_reapply(self) -> None:
        try:
            await self._async_write(refresh=False)
        except HomeAssistantError as err:
            LOGGER.warning(
                "Could not write the power target of %s again: %s",
                self.coordinator.miner.host,
                err,
            )


_CONTROLLERS: WeakKeyDictionary[WhatsMinerCoordinator, PowerTargetController] = WeakKeyDictionary()


def controller_for(coordinator: WhatsMinerCoordinator) -> PowerTargetController:
    """The power target controller of one miner, created on first use."""
    if (controller := _CONTROLLERS.get(coordinator)) is None:
        controller = _CONTROLLERS[coordinator] = PowerTargetController(coordinator)
    return controller


POWER_TARGET = NumberEntityDescription(
    key=POWER_TARGET_KEY,
    translation_key=POWER_TARGET_KEY,
    device_class=NumberDeviceClass.POWER,
    mode=NumberMode.BOX,
    native_step=1,
    native_unit_of_measurement=UnitOfPower.WATT,
)
POWER_TARGET_MIN = NumberEntityDescription(
    key=POWER_TARGET_MIN_KEY,
    translation_key=POWER_TARGET_MIN_KEY,
    entity_category=EntityCategory.CONFIG,
    mode=NumberMode.BOX,
    native_min_value=MIN_PERCENT_LOWEST,
    native_max_value=100,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
)


def power_target_entities(coordinator: WhatsMinerCoordinator) -> list[NumberEntity]:
    """The power target numbers of a miner that takes one (none otherwise)."""
    controller = controller_for(coordinator)
    if not controller.supported:
        return []
    return [
        PowerTargetNumber(coordinator, POWER_TARGET, controller),
        PowerTargetMinNumber(coordinator, POWER_TARGET_MIN, controller),
    ]


class _ControllerEntity(WhatsMinerEntity, RestoreEntity, NumberEntity):
    def __init__(
        self,
        coordinator: WhatsMinerCoordinator,
        description: NumberEntityDescription,
        controller: PowerTargetController,
    ) -> None:
        super().__init__(coordinator, description)
        self._controller = controller

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None:
            self._restore(extra.as_dict())
        self.async_on_remove(self._controller.async_add_listener(self.async_write_if_changed))

    def _restore(self, data: dict[str, Any]) -> None:
        raise NotImplementedError


class PowerTargetNumber(_ControllerEntity):
    """The power target in W (what the miner draws is its Power sensor)."""

    def _restore(self, data: dict[str, Any]) -> None:
        if self._controller.target_w is None:
            self._controller.target_w = data.get("target_w")
        if self._controller.learned_full_w is None:
            self._controller.learned_full_w = data.get("full_power_w")
            self._controller.follow_range()

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData:
        return RestoredExtraData(
            {
                "target_w": self._controller.target_w,
                "full_power_w": self._controller.learned_full_w,
            }
        )

    @property
    @override
    def native_value(self) -> float | None:
        target = self._controller.target_w
        return None if target is None else round(target)

    @property
    @override
    def native_min_value(self) -> float:
        full = self._controller.range_full_w
        if full is None:
            return 0.0
        return float(round(self._controller.lowest_w(full)))

    @property
    @override
    def native_max_value(self) -> float:
        full = self._controller.range_full_w
        return 0.0 if full is None else float(round(full))

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        full = self._controller.range_full_w
        # (what the miner draws is the Power sensor's: an attribute that changed at every
        # poll made a state write, and a recorder attributes row, per miner and poll)
        return {
            "full_power": None if full is None else round(full),
            "full_power_learned": self._controller.learned_full_w is not None,
            "percent": self._controller.percent_set,
        }

    @override
    async def async_set_native_value(self, value: float) -> None:
        await self._controller.async_set(value)


class PowerTargetMinNumber(_ControllerEntity):
    """The lowest level (% of full power) the power target goes down to."""

    def _restore(self, data: dict[str, Any]) -> None:
        if (value := data.get("min_percent")) is not None:
            self._controller.min_percent = int(value)
            self._controller.notify()  # the target's bounds change with it

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData:
        return RestoredExtraData({"min_percent": self._controller.min_percent})

    @property
    @override
    def native_value(self) -> float:
        return self._controller.min_percent

    @override
    async def async_set_native_value(self, value: float) -> None:
        self._controller.min_percent = int(value)
        if self._controller.target_w is not None:
            self._controller.target_w = self._controller.clamp(self._controller.target_w)
        self._controller.notify()
