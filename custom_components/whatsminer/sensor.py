"""WhatsMiner sensors: hashrate, power, temperatures, fans, shares, errors, energy.

A sensor exists where the miner reports its reading (`capabilities.readings`), so the same
table serves both firmware generations and a miner that is off at setup. A reading that a
control shows already (power limit, power mode) is kept as a copy disabled by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .api.miner import Capabilities, Control
from .api.models import Board, MinerSnapshot, PowerMode
from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator
from .entity import WhatsMinerEntity, shown_by_control
from .manager import entities as manager_entities
from .manager.flow import is_power_manager
from .miner_errors import error_codes, errors_attributes, latest_error, latest_error_attributes
from .power_floor import floor_entities
from .power_target import controller_for

PARALLEL_UPDATES = 0

HASHRATE_UNIT = "TH/s"
EFFICIENCY_UNIT = "J/TH"
RPM = "rpm"

# The energy sensor integrates power only between two successful polls at most this far apart.
MAX_ENERGY_GAP = timedelta(minutes=5)


def _latest_error_time(snapshot: MinerSnapshot) -> datetime | None:
    # The miner reports naive local times; assume its clock runs in Home Assistant's zone.
    if (error := latest_error(snapshot)) is None or error.reported_at is None:
        return None
    return error.reported_at.replace(tzinfo=dt_util.get_default_time_zone())


def power_mode(snapshot: MinerSnapshot) -> PowerMode | None:
    """The power mode from summary, else from status, else from the miner's settings."""
    if snapshot.summary.power_mode is not None:
        return snapshot.summary.power_mode
    if snapshot.status is not None and snapshot.status.power_mode is not None:
        return snapshot.status.power_mode
    return snapshot.settings.power_mode


def _reject_rate(snapshot: MinerSnapshot) -> float | None:
    accepted, rejected = snapshot.summary.accepted, snapshot.summary.rejected
    if accepted is None or rejected is None:
        return None
    total = accepted + rejected
    return round(rejected / total * 100, 2) if total else 0.0


def _psu_fan(snapshot: MinerSnapshot) -> int | None:
    if snapshot.psu is not None and snapshot.psu.fan_rpm is not None:
        return snapshot.psu.fan_rpm
    return snapshot.summary.psu_fan_rpm


# The state of "Latest error code" when the miner reports no error.
NO_ERROR = "none"


def _latest_error_code(snapshot: MinerSnapshot) -> StateType:
    return error.code if (error := latest_error(snapshot)) else NO_ERROR


def short_url(url: str) -> str:
    """A pool URL without its scheme ("stratum+tcp://btc.pool.com:3333" -> "btc.pool.com:3333")."""
    return url.split("://", 1)[-1].rstrip("/")


@dataclass(frozen=True, kw_only=True)
class WhatsMinerSensorEntityDescription(SensorEntityDescription):
    """A sensor read from the snapshot.

    reading: the snapshot path it needs (None: every miner has it). exists_fn: further
    conditions on the miner's hardware. shown_by: the control whose entity shows the same
    fact (then this sensor is disabled by default). attributes_fn: extra state attributes.
    """

    value_fn: Callable[[MinerSnapshot], StateType | datetime]
    reading: str | None = None
    exists_fn: Callable[[Capabilities], bool] = lambda _: True
    shown_by: Control | None = None
    attributes_fn: Callable[[MinerSnapshot], dict[str, Any] | None] | None = None

    def exists(self, capabilities: Capabilities) -> bool:
        """Whether this miner has the sensor."""
        return (self.reading is None or capabilities.reports(self.reading)) and self.exists_fn(
            capabilities
        )


@dataclass(frozen=True, kw_only=True)
class WhatsMinerBoardSensorEntityDescription(SensorEntityDescription):
    """A sensor of one hashboard, created for every board the miner has."""

    value_fn: Callable[[Board], StateType]
    exists_fn: Callable[[Board], bool] | None = None  # None: every board has it

    def exists(self, board: Board) -> bool:
        """Whether `board` has this sensor."""
        return self.exists_fn is None or self.exists_fn(board)


def _hashrate(
    key: str,
    reading: str,
    value_fn: Callable[[MinerSnapshot], float | None],
    *,
    enabled: bool = True,
) -> WhatsMinerSensorEntityDescription:
    return WhatsMinerSensorEntityDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=HASHRATE_UNIT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
        reading=reading,
    )


def _temperature(
    key: str,
    reading: str,
    value_fn: Callable[[MinerSnapshot], float | None],
    *,
    enabled: bool = True,
    category: EntityCategory | None = None,
) -> WhatsMinerSensorEntityDescription:
    return WhatsMinerSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=category,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
        reading=reading,
    )


def _fan(
    key: str, reading: str, value_fn: Callable[[MinerSnapshot], int | None]
) -> WhatsMinerSensorEntityDescription:
    return WhatsMinerSensorEntityDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=RPM,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
        reading=reading,
        exists_fn=lambda caps: caps.fans,
    )


SENSORS: tuple[WhatsMinerSensorEntityDescription, ...] = (
    _hashrate("hashrate", "summary.hashrate_ths", lambda s: s.summary.hashrate_ths),
    _hashrate("hashrate_average", "summary.hashrate_avg_ths", lambda s: s.summary.hashrate_avg_ths),
    _hashrate(
        "hashrate_1m", "summary.hashrate_1m_ths", lambda s: s.summary.hashrate_1m_ths, enabled=False
    ),
    _hashrate(
        "hashrate_5m", "summary.hashrate_5m_ths", lambda s: s.summary.hashrate_5m_ths, enabled=False
    ),
    _hashrate(
        "hashrate_15m",
        "summary.hashrate_15m_ths",
        lambda s: s.summary.hashrate_15m_ths,
        enabled=False,
    ),
    _hashrate(
        "factory_hashrate",
        "summary.factory_hashrate_ths",
        lambda s: s.summary.factory_hashrate_ths,
        enabled=False,
    ),
    WhatsMinerSensorEntityDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: s.summary.power_w,
    ),
    WhatsMinerSensorEntityDescription(
        key="power_limit",
        translation_key="power_limit",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        reading="summary.power_limit_w",
        shown_by=Control.POWER_LIMIT,
        value_fn=lambda s: s.summary.power_limit_w,
    ),
    WhatsMinerSensorEntityDescription(
        key="efficiency",
        translation_key="efficiency",
        native_unit_of_measurement=EFFICIENCY_UNIT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        reading="summary.efficiency_j_th",
        value_fn=lambda s: s.summary.efficiency_j_th,
    ),
    _temperature("temperature", "summary.temperature_c", lambda s: s.summary.temperature_c),
    _temperature(
        "environment_temperature",
        "summary.env_temperature_c",
        lambda s: s.summary.env_temperature_c,
    ),
    _temperature(
        "chip_temperature_min",
        "summary.chip_temp_min_c",
        lambda s: s.summary.chip_temp_min_c,
        enabled=False,
    ),
    _temperature(
        "chip_temperature_average",
        "summary.chip_temp_avg_c",
        lambda s: s.summary.chip_temp_avg_c,
    ),
    _temperature(
        "chip_temperature_max", "summary.chip_temp_max_c", lambda s: s.summary.chip_temp_max_c
    ),
    _temperature(
        "coolant_temperature", "summary.coolant_temp_c", lambda s: s.summary.coolant_temp_c
    ),
    _temperature(
        "psu_temperature",
        "psu.temperature_c",
        lambda s: s.psu.temperature_c if s.psu else None,
        category=EntityCategory.DIAGNOSTIC,
    ),
    _fan("fan_in", "summary.fan_in_rpm", lambda s: s.summary.fan_in_rpm),
    _fan("fan_out", "summary.fan_out_rpm", lambda s: s.summary.fan_out_rpm),
    WhatsMinerSensorEntityDescription(
        key="psu_fan",
        translation_key="psu_fan",
        native_unit_of_measurement=RPM,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_psu_fan,
        exists_fn=lambda caps: caps.reports("psu.fan_rpm") or caps.reports("summary.psu_fan_rpm"),
    ),
    WhatsMinerSensorEntityDescription(
        key="psu_input_voltage",
        translation_key="psu_input_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        reading="psu.input_voltage_v",
        value_fn=lambda s: s.psu.input_voltage_v if s.psu else None,
    ),
    WhatsMinerSensorEntityDescription(
        key="psu_input_current",
        translation_key="psu_input_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        reading="psu.input_current_a",
        value_fn=lambda s: s.psu.input_current_a if s.psu else None,
    ),
    WhatsMinerSensorEntityDescription(
        key="psu_input_power",
        translation_key="psu_input_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        reading="psu.input_power_w",
        value_fn=lambda s: s.psu.input_power_w if s.psu else None,
    ),
    WhatsMinerSensorEntityDescription(
        key="uptime",
        translation_key="uptime",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        reading="summary.uptime_s",
        value_fn=lambda s: s.summary.uptime_s,
    ),
    WhatsMinerSensorEntityDescription(
        key="mining_time",
        translation_key="mining_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        reading="summary.elapsed_s",
        value_fn=lambda s: s.summary.elapsed_s,
    ),
    # Share counters: API v2 only (v3 does not count shares).
    WhatsMinerSensorEntityDescription(
        key="accepted_shares",
        translation_key="accepted_shares",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        reading="summary.accepted",
        value_fn=lambda s: s.summary.accepted,
    ),
    WhatsMinerSensorEntityDescription(
        key="rejected_shares",
        translation_key="rejected_shares",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        reading="summary.rejected",
        value_fn=lambda s: s.summary.rejected,
    ),
    WhatsMinerSensorEntityDescription(
        key="reject_rate",
        translation_key="reject_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        reading="summary.rejected",
        value_fn=_reject_rate,
    ),
    WhatsMinerSensorEntityDescription(
        key="pool_url",
        translation_key="pool_url",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: short_url(pool.url) if (pool := s.active_pool) else None,
        attributes_fn=lambda s: {"url": pool.url if (pool := s.active_pool) else None},
    ),
    WhatsMinerSensorEntityDescription(
        key="pool_worker",
        translation_key="pool_worker",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: pool.user if (pool := s.active_pool) else None,
    ),
    WhatsMinerSensorEntityDescription(
        key="power_mode",
        translation_key="power_mode",
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in PowerMode],
        shown_by=Control.POWER_MODE,
        value_fn=lambda s: mode.value if (mode := power_mode(s)) else None,
    ),
    WhatsMinerSensorEntityDescription(
        key="error_count",
        translation_key="error_count",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: len(error_codes(s)),
        attributes_fn=errors_attributes,
    ),
    WhatsMinerSensorEntityDescription(
        key="latest_error",
        translation_key="latest_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_latest_error_code,
        attributes_fn=latest_error_attributes,
    ),
    WhatsMinerSensorEntityDescription(
        key="latest_error_time",
        translation_key="latest_error_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_latest_error_time,
    ),
)

# Per hashboard, every one off by default: they change at every poll (a recorder row each,
# two or more per board) and repeat what the miner-wide readings and its error codes tell;
# an owner tracing a failing board enables the ones wanted.
BOARD_SENSORS: tuple[WhatsMinerBoardSensorEntityDescription, ...] = (
    WhatsMinerBoardSensorEntityDescription(
        key="hashrate",
        translation_key="board_hashrate",
        native_unit_of_measurement=HASHRATE_UNIT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda b: b.hashrate_ths,
    ),
    WhatsMinerBoardSensorEntityDescription(
        key="temperature",
        translation_key="board_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda b: b.temperature_c,
    ),
    WhatsMinerBoardSensorEntityDescription(
        key="chip_temperature",
        translation_key="board_chip_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda b: b.chip_temp_avg_c,
        exists_fn=lambda b: b.chip_temp_avg_c is not None,
    ),
    WhatsMinerBoardSensorEntityDescription(
        key="frequency",
        translation_key="board_frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.MEGAHERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda b: b.frequency_mhz,
        exists_fn=lambda b: b.frequency_mhz is not None,
    ),
    WhatsMinerBoardSensorEntityDescription(
        key="effective_chips",
        translation_key="board_effective_chips",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda b: b.effective_chips,
        exists_fn=lambda b: b.effective_chips is not None,
    ),
)

ENERGY = SensorEntityDescription(
    key="energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=3,
)


def _board_description(
    index: int, description: WhatsMinerBoardSensorEntityDescription
) -> WhatsMinerSensorEntityDescription:
    """A snapshot sensor reading `description` from the board with this index."""

    def value_fn(snapshot: MinerSnapshot) -> StateType:
        found = next((b for b in snapshot.boards if b.index == index), None)
        return description.value_fn(found) if found is not None else None

    return WhatsMinerSensorEntityDescription(
        key=f"board_{index}_{description.key}",
        translation_key=description.translation_key,
        translation_placeholders={"board": str(index)},
        device_class=description.device_class,
        native_unit_of_measurement=description.native_unit_of_measurement,
        state_class=description.state_class,
        suggested_display_precision=description.suggested_display_precision,
        entity_category=description.entity_category,
        entity_registry_enabled_default=description.entity_registry_enabled_default,
        value_fn=value_fn,
    )


def _board_descriptions(
    coordinator: WhatsMinerCoordinator,
) -> list[WhatsMinerSensorEntityDescription]:
    """The sensors of each hashboard: of the boards polled, else (the miner is off at setup)
    of as many boards as it had, with the sensors every board has."""
    snapshot = cast(MinerSnapshot | None, coordinator.data)
    if snapshot is not None and snapshot.boards:
        return [
            _board_description(board.index, d)
            for board in snapshot.boards
            for d in BOARD_SENSORS
            if d.exists(board)
        ]
    count = coordinator.capabilities.board_count or 0
    return [
        _board_description(index, d)
        for index in range(count)
        for d in BOARD_SENSORS
        if d.exists_fn is None
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsMinerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of one miner (for the readings it has) or of a power manager."""
    if is_power_manager(entry):
        await manager_entities.async_setup_sensor(hass, entry, async_add_entities)  # type: ignore[arg-type]
        return
    coordinator = entry.runtime_data
    capabilities = coordinator.capabilities
    descriptions = [
        shown_by_control(coordinator, d, d.shown_by) for d in SENSORS if d.exists(capabilities)
    ]
    descriptions += _board_descriptions(coordinator)
    entities: list[SensorEntity] = [WhatsMinerSensor(coordinator, d) for d in descriptions]
    entities.append(WhatsMinerEnergySensor(coordinator, ENERGY))
    entities += floor_entities(coordinator, controller_for(coordinator))[0]
    async_add_entities(entities)


class WhatsMinerSensor(WhatsMinerEntity, SensorEntity):
    """A sensor whose value is read from the latest snapshot."""

    entity_description: WhatsMinerSensorEntityDescription

    def __init__(
        self, coordinator: WhatsMinerCoordinator, description: WhatsMinerSensorEntityDescription
    ) -> None:
        """A power reading is written at every poll (a Riemann sum integrates it)."""
        super().__init__(coordinator, description)
        self._written_every_poll = description.device_class is SensorDeviceClass.POWER

    @property
    def native_value(self) -> StateType | datetime:
        """The value in the latest snapshot."""
        if (snapshot := self.snapshot) is None:
            return None
        return self.entity_description.value_fn(snapshot)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details of the value (the whole pool URL, error codes in words)."""
        if (snapshot := self.snapshot) is None:
            return None
        return self._attributes(snapshot)

    def _attributes(self, snapshot: MinerSnapshot) -> dict[str, Any] | None:
        attributes_fn = self.entity_description.attributes_fn
        return None if attributes_fn is None else attributes_fn(snapshot)

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        # (asked only while available: there is a snapshot)
        snapshot = self.coordinator.data
        return (self.entity_description.value_fn(snapshot), self._attributes(snapshot))


class WhatsMinerEnergySensor(WhatsMinerEntity, RestoreSensor):
    """Energy used, integrated from the reported power between consecutive good polls.

    Nothing is counted across a failed poll or a gap longer than MAX_ENERGY_GAP, so an
    outage adds nothing and the return of the miner causes no spike.
    """

    def __init__(
        self, coordinator: WhatsMinerCoordinator, description: SensorEntityDescription
    ) -> None:
        """Start at zero until the last state is restored."""
        super().__init__(coordinator, description)
        self._total_kwh = 0.0
        self._last: tuple[datetime, float] | None = None

    async def async_added_to_hass(self) -> None:
        """Restore the total and take the current power as the first sample."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, int | float | Decimal):
            self._total_kwh = float(last.native_value)
        self._sample()

    def _sample(self) -> None:
        now = dt_util.utcnow()
        snapshot = self.snapshot
        power = (
            snapshot.summary.power_w
            if snapshot is not None and self.coordinator.last_update_success
            else None
        )
        if power is None:
            self._last = None
            return
        if self._last is not None and timedelta(0) < now - self._last[0] <= MAX_ENERGY_GAP:
            hours = (now - self._last[0]).total_seconds() / 3600
            self._total_kwh += (self._last[1] + power) / 2 * hours / 1000
        self._last = (now, power)

    @property
    def native_value(self) -> float:
        """The energy counted so far, in kWh."""
        return round(self._total_kwh, 6)

    @override
    def _shown_values(self) -> tuple[Any, ...]:
        return (self.native_value,)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._sample()
        super()._handle_coordinator_update()
