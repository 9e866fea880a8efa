"""What switches, numbers and selects share: a miner setting that Home Assistant can write.

The value shown is, in this order:

1. the value waiting to be sent when the write is held back by the restart coalescer;
2. the value just written, for a bounded time (`SETTLE_TIME`) until the miner reports it,
   because the miner restarts after many writes and reports the old value meanwhile;
3. the miner's own value (`MinerSettings`), where the firmware reports the setting;
4. otherwise the value last set through Home Assistant, restored across restarts. Such an
   entity has `assumed_state` and the attribute `reported_by_miner: false`;
5. otherwise nothing: the state is unknown, never a guess.

A control exists only where the miner's firmware has its command (`capabilities.controls`)
and the entry may write (not monitored only). When the firmware turns out to lack the command
(the miner refuses it as unknown), the command leaves the capabilities and the entity is
disabled by the integration (gone, also after a restart); the user is told in words why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.restore_state import ExtraStoredData, RestoredExtraData, RestoreEntity
from homeassistant.util import dt as dt_util

from .api.miner import Capabilities, Control, Miner
from .api.models import MinerSnapshot
from .coalesce import RestartCoalescer, coalescer_for
from .coordinator import WhatsMinerCoordinator
from .entity import WhatsMinerEntity, has_control
from .helpers import async_miner_action

# How long a written value is shown while the miner still reports the previous one.
SETTLE_TIME = timedelta(minutes=3)


@dataclass(frozen=True, kw_only=True)
class WhatsMinerControlDescription[T](EntityDescription):
    """A writable setting.

    set_fn: writes a value. value_fn: the miner's own value, None where it does not report it
    (then the value last set is shown, else unknown). control: the command it needs (by default
    the Control named like the key). exists_fn: whether this miner has the setting beyond the
    command (e.g. fans). restarts_mining: the write restarts btminer, so it goes through the
    restart coalescer.
    """

    set_fn: Callable[[Miner, T], Awaitable[Any]]
    value_fn: Callable[[MinerSnapshot], T | None] = lambda _: None
    control: Control | None = None
    # Where the firmware reports the setting: a control disabled by default (a command of
    # later manuals) is enabled by default on a miner that reports it.
    reading: str | None = None
    restarts_mining: bool = False
    exists_fn: Callable[[Capabilities], bool] = lambda _: True
    # Sends the write its own way instead of through the action helper alone, given the
    # coordinator, the write (`set_fn` with the value) and the value (mining: hold.py).
    write_fn: (
        Callable[[WhatsMinerCoordinator, Callable[[Miner], Awaitable[Any]], T], Awaitable[None]]
        | None
    ) = None

    @property
    def command(self) -> Control:
        """The control this setting needs."""
        return self.control or Control(self.key)


def offered[D: WhatsMinerControlDescription[Any]](
    coordinator: WhatsMinerCoordinator, descriptions: Iterable[D]
) -> list[D]:
    """The descriptions of the controls this miner has and Home Assistant may use."""
    capabilities = coordinator.capabilities
    found: list[D] = []
    for description in descriptions:
        if not has_control(coordinator, description.command) or not description.exists_fn(
            capabilities
        ):
            continue
        if description.reading is not None and capabilities.reports(description.reading):
            found.append(replace(description, entity_registry_enabled_default=True))
        else:
            found.append(description)
    return found


class WhatsMinerControlEntity[T](WhatsMinerEntity, RestoreEntity):
    """Shows a setting of the miner and writes it through the one action helper."""

    def __init__(
        self, coordinator: WhatsMinerCoordinator, description: WhatsMinerControlDescription[T]
    ) -> None:
        """Attach the setting to the miner."""
        super().__init__(coordinator, description)
        self._control = description
        self._command = description.command  # asked at every poll (`available`)
        self._coalescer: RestartCoalescer | None = (
            coalescer_for(coordinator) if description.restarts_mining else None
        )
        self._last_set: T | None = None
        self._written: tuple[T, datetime] | None = None

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None:
            self._last_set = extra.as_dict().get("last_set")
        if self._coalescer is not None:
            self.async_on_remove(self._coalescer.async_add_listener(self.async_write_if_changed))

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData:
        return RestoredExtraData({"last_set": self._last_set})

    def _reported(self) -> T | None:
        if (snapshot := self.snapshot) is None:
            return None
        return self._control.value_fn(snapshot)

    def _pending(self) -> T | None:
        if self._coalescer is None:
            return None
        value: T | None = self._coalescer.pending(self._control.key)
        return value

    @property
    def control_value(self) -> T | None:
        """The value to show (see the module docstring)."""
        return self._value_shown(self._pending(), self._reported())

    def _value_shown(self, pending: T | None, reported: T | None) -> T | None:
        if pending is not None:
            return pending
        if self._written is not None:
            value, until = self._written
            if reported != value and dt_util.utcnow() < until:
                return value
            self._written = None
        return self._last_set if reported is None else reported

    @property
    @override
    def available(self) -> bool:
        # The firmware may turn out to lack the command (removed from the registry then).
        return super().available and self.capabilities.has(self._command)

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        # the value, `pending_value`, and `reported_by_miner` (also the assumed state)
        pending, reported = self._pending(), self._reported()
        return (self._value_shown(pending, reported), pending, reported is None)

    @property
    @override
    def assumed_state(self) -> bool:
        return self._reported() is None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"reported_by_miner": self._reported() is not None}
        if (pending := self._pending()) is not None:
            attributes["pending_value"] = pending
        return attributes

    async def async_write_value(self, value: T) -> None:
        """Write `value` now, or hold it back when it would restart the miner too soon."""

        async def apply() -> None:
            def action(miner: Miner) -> Awaitable[Any]:
                return self._control.set_fn(miner, value)

            try:
                await self._async_send(action, value)
            finally:
                self.async_remove_if_unsupported(self._command)
            self._last_set = value
            self._written = (value, dt_util.utcnow() + SETTLE_TIME)
            self.async_write_if_changed()

        if self._coalescer is None:
            await apply()
        else:
            await self._coalescer.async_submit(self._control.key, value, apply)

    async def _async_send(self, action: Callable[[Miner], Awaitable[Any]], value: T) -> None:
        """Send the write: its own way (`write_fn`), else through the action helper."""
        if (write := self._control.write_fn) is not None:
            await write(self.coordinator, action, value)
        else:
            await async_miner_action(self.coordinator, action)
