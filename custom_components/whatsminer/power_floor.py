"""The power floor: the least a miner runs at without restarting, learned from its restarts.

Below its hashboards' real minimum a miner restarts in a loop (a board "loses balance", codes
560-563). The power target, the power limit and the power manager never go below this floor.
It starts from what is known of the model (MODEL_FLOORS_W: neither API reports a minimum) and
rises when a restart follows one of Home Assistant's own power writes within WATCH_S:

* for a write that does not restart mining by itself (a fast percentage, a power target), the
  mining process going down or the uptime or its run time going back;
* for any power write (also a power limit, which restarts mining anyway), a new balance code.

The floor then lies RAISE_SHARE of full power (at least RAISE_MIN_W) above the level that
failed, and the level is written again at the floor. Any other write in between (a stop, a
reboot, another setting) ends the watch: that restart is not the level's. Levels at
WATCH_BELOW_SHARE of full power or more are not watched: a restart near full power says
nothing of a minimum.

The learned floor is kept with the miner's profile (profile.py), so it survives restarts of
Home Assistant; the *Reset power floor* button forgets it. A diagnostic sensor shows the
lowest power Home Assistant sets the miner to, and why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
import re
from typing import Any, Final, Protocol, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfPower
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .api.miner import Control
from .api.models import MinerSnapshot
from .const import LOGGER
from .coordinator import WhatsMinerCoordinator
from .entity import WhatsMinerEntity, has_control
from .manager.power import Observed, restarted
from .miner_errors import error_codes

MODEL_FLOORS_W: Final[dict[str, float]] = {
    "M64": 2000.0,  # an owner's M64 holds about 2000 W, 1000 W loops (issue 20)
}
WATCH_S: Final = 300.0
RAISE_SHARE: Final = 0.05
RAISE_MIN_W: Final = 100.0
WATCH_BELOW_SHARE: Final = 0.9
BALANCE_CODES: Final = range(560, 564)
POWER_CONTROLS: Final = (
    Control.POWER_PERCENT_FAST,
    Control.POWER_PERCENT_GRADUAL,
    Control.POWER_TARGET,
    Control.POWER_LIMIT,
)

type BalanceLosses = frozenset[tuple[int, datetime | None]]


def model_family(model: str | None) -> str | None:
    """The model family a floor is known for: "M64_VL20" -> "M64", "M30S+VE40" -> "M30S+"."""
    if model is None or (match := re.match(r"M\d+S?\+{0,2}", model.upper())) is None:
        return None
    return match.group(0)


@cache  # asked for every power bound, at every poll: a few models per installation
def model_floor_w(model: str | None) -> float | None:
    """The floor known for a model, if any."""
    family = model_family(model)
    return None if family is None else MODEL_FLOORS_W.get(family)


def balance_losses(snapshot: MinerSnapshot | None) -> BalanceLosses:
    """The balance codes (560-563) the miner reports, each with when it was raised."""
    if snapshot is None:
        return frozenset()
    return frozenset(
        (error.code, error.reported_at)
        for error in error_codes(snapshot)
        if error.code in BALANCE_CODES
    )


def raised_floor_w(failed_w: float, full_w: float | None) -> float:
    """The floor after a restart at `failed_w`: a step above it, below WATCH_BELOW_SHARE."""
    if full_w is None or full_w <= 0:
        return failed_w + RAISE_MIN_W
    floor = failed_w + max(RAISE_MIN_W, RAISE_SHARE * full_w)
    return min(floor, WATCH_BELOW_SHARE * full_w)


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnedFloor:
    """The floor as last raised: where, after which level, why and how often."""

    floor_w: float
    failed_w: float  # the level the miner restarted at
    cause: str  # "restart" or "code 561"
    at: datetime
    raises: int  # how often it rose since the last reset

    def as_dict(self) -> dict[str, Any]:
        """The form the profile store keeps."""
        return {
            "floor_w": self.floor_w,
            "failed_w": self.failed_w,
            "cause": self.cause,
            "at": self.at.isoformat(),
            "raises": self.raises,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LearnedFloor | None:
        """Read a stored floor back (None when there is none, or it is unreadable)."""
        if data is None:
            return None
        try:
            return cls(
                floor_w=float(data["floor_w"]),
                failed_w=float(data["failed_w"]),
                cause=str(data["cause"]),
                at=datetime.fromisoformat(data["at"]),
                raises=int(data["raises"]),
            )
        except KeyError, ValueError, TypeError:
            return None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Watch:
    watts: float
    restarting: bool
    since: float
    writes: int  # writes seen when it began: its own makes one more
    losses: BalanceLosses
    rewrite: Callable[[float], Awaitable[None]] | None


class PowerFloor:
    """The floor of one miner: what is known of its model, raised by its restarts."""

    def __init__(self, coordinator: WhatsMinerCoordinator) -> None:
        """Read the learned floor back and count the writes that reach the miner."""
        self._coordinator = coordinator
        store = coordinator.profile_store
        entry = coordinator.config_entry
        self.learned = LearnedFloor.from_dict(store.floor(entry.entry_id) if store else None)
        self._watch: _Watch | None = None
        self._writes = 0
        self._listeners: list[CALLBACK_TYPE] = []
        entry.async_on_unload(coordinator.async_add_write_listener(self._async_written))

    @callback
    def _async_written(self) -> None:
        self._writes += 1

    @property
    def model_floor_w(self) -> float | None:
        """The floor known for this miner's model."""
        coordinator = self._coordinator
        profile, snapshot = coordinator.profile, coordinator.data
        model = profile.model if profile is not None else None
        if model is None and snapshot is not None:
            model = snapshot.model
        return model_floor_w(model)

    @property
    def floor_w(self) -> float | None:
        """The least this miner is set to: the model's floor or the learned one, if known."""
        known = [w for w in (self.model_floor_w, self.learned and self.learned.floor_w) if w]
        return max(known) if known else None

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when the floor changes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def async_watch[T](
        self,
        watts: float,
        full_w: float | None,
        write: Callable[[], Awaitable[T]],
        *,
        restarting: bool,
        rewrite: Callable[[float], Awaitable[None]] | None = None,
    ) -> T:
        """Send the power write `write` for `watts`, and watch the polls after it for a
        restart it caused. `rewrite` writes the level again at a raised floor."""
        watch = None
        if full_w is None or watts < WATCH_BELOW_SHARE * full_w:
            watch = _Watch(
                watts=watts,
                restarting=restarting,
                since=dt_util.utcnow().timestamp(),
                writes=self._writes,
                losses=balance_losses(self._coordinator.data),
                rewrite=rewrite,
            )
        self._watch = watch  # also ends the watch of an earlier level
        try:
            return await write()
        except HomeAssistantError as err:
            if err.translation_key != "write_outcome_unknown" and self._watch is watch:
                self._watch = None  # refused: the miner runs what it ran
            raise

    @callback
    def async_polled(self, before: Observed | None, now: Observed, full_w: float | None) -> bool:
        """Learn from a poll; whether the floor rose."""
        watch = self._watch
        if watch is None:
            return False
        if self._writes > watch.writes + 1 or dt_util.utcnow().timestamp() - watch.since > WATCH_S:
            self._watch = None  # another write came, or the level held
            return False
        cause = None
        if new := balance_losses(self._coordinator.data) - watch.losses:
            cause = f"code {min(code for code, _ in new)}"
        elif not watch.restarting and before is not None and restarted(before, now):
            cause = "restart"
        if cause is None:
            return False
        self._watch = None
        self._raise(watch, full_w, cause)
        return True

    def _raise(self, watch: _Watch, full_w: float | None, cause: str) -> None:
        floor = max(raised_floor_w(watch.watts, full_w), self.floor_w or 0.0)
        raises = 1 if self.learned is None else self.learned.raises + 1
        self.learned = LearnedFloor(
            floor_w=floor, failed_w=watch.watts, cause=cause, at=dt_util.utcnow(), raises=raises
        )
        self._save()
        coordinator = self._coordinator
        LOGGER.warning(
            "%s restarted after its power was set to %d W (%s): it is not set below %d W "
            "from now on (power floor; the Reset power floor button forgets it)",
            coordinator.config_entry.title,
            watch.watts,
            cause,
            floor,
        )
        if watch.rewrite is not None:
            coordinator.config_entry.async_create_background_task(
                coordinator.hass, self._async_rewrite(watch.rewrite, floor), "whatsminer floor"
            )
        self._notify()

    async def _async_rewrite(
        self, rewrite: Callable[[float], Awaitable[None]], floor: float
    ) -> None:
        try:
            await rewrite(floor)
        except HomeAssistantError as err:
            LOGGER.warning(
                "Could not set %s to its power floor of %d W: %s",
                self._coordinator.config_entry.title,
                floor,
                err,
            )

    @callback
    def async_reset(self) -> None:
        """Forget what was learned: back to the model's floor (or none)."""
        self._watch = None
        if self.learned is None:
            return
        self.learned = None
        self._save()
        LOGGER.info("%s: learned power floor reset", self._coordinator.config_entry.title)
        self._notify()

    def _save(self) -> None:
        if (store := self._coordinator.profile_store) is not None:
            entry_id = self._coordinator.config_entry.entry_id
            store.async_set_floor(
                entry_id, None if self.learned is None else self.learned.as_dict()
            )


class PowerBounds(Protocol):
    """What the floor's entities show: the power target controller (power_target.py)."""

    @property
    def floor(self) -> PowerFloor: ...

    @property
    def min_power_w(self) -> float | None: ...

    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE: ...


def floor_applies(coordinator: WhatsMinerCoordinator) -> bool:
    """Whether Home Assistant sets this miner's power (so a floor bounds it)."""
    return any(has_control(coordinator, control) for control in POWER_CONTROLS)


POWER_FLOOR = SensorEntityDescription(
    key="power_floor",
    translation_key="power_floor",
    device_class=SensorDeviceClass.POWER,  # no state class: a setting, not a measurement
    native_unit_of_measurement=UnitOfPower.WATT,
    entity_category=EntityCategory.DIAGNOSTIC,
)
RESET_POWER_FLOOR = ButtonEntityDescription(
    key="reset_power_floor",
    translation_key="reset_power_floor",
    entity_category=EntityCategory.CONFIG,
)


class _BoundsEntity(WhatsMinerEntity):
    def __init__(
        self,
        coordinator: WhatsMinerCoordinator,
        description: SensorEntityDescription | ButtonEntityDescription,
        bounds: PowerBounds,
    ) -> None:
        super().__init__(coordinator, description)
        self._bounds = bounds


class PowerFloorSensor(_BoundsEntity, SensorEntity):
    """The lowest power Home Assistant sets the miner to, and what decides it."""

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._bounds.async_add_listener(self.async_write_if_changed))

    @property
    @override
    def native_value(self) -> float | None:
        low = self._bounds.min_power_w
        return None if low is None else round(low)  # as the power numbers show it

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        floor = self._bounds.floor
        learned = floor.learned
        model = floor.model_floor_w
        low = self._bounds.min_power_w
        if low is None:
            source = None
        elif learned is not None and learned.floor_w >= low:
            source = "learned"
        elif model is not None and model >= low:
            source = "model"
        else:
            source = "power_target_minimum"
        return {
            "source": source,
            "model_floor": model,
            "learned_floor": None if learned is None else round(learned.floor_w),
            "restarted_at_power": None if learned is None else round(learned.failed_w),
            "cause": None if learned is None else learned.cause,
            "raised_at": None if learned is None else learned.at.isoformat(),
            "raises": 0 if learned is None else learned.raises,
        }

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        floor = self._bounds.floor
        return (self._bounds.min_power_w, floor.learned, floor.model_floor_w)


class ResetPowerFloorButton(_BoundsEntity, ButtonEntity):
    """Forget the learned floor (after a repair, or a firmware that runs lower)."""

    @override
    async def async_press(self) -> None:
        self._bounds.floor.async_reset()


def floor_entities(
    coordinator: WhatsMinerCoordinator, bounds: PowerBounds
) -> tuple[list[SensorEntity], list[ButtonEntity]]:
    """The floor's sensor and reset button, for a miner whose power Home Assistant sets."""
    if not floor_applies(coordinator):
        return [], []
    return (
        [PowerFloorSensor(coordinator, POWER_FLOOR, bounds)],
        [ResetPowerFloorButton(coordinator, RESET_POWER_FLOOR, bounds)],
    )
