"""The power manager's entities: Managed switch, Budget number, sensors, heating climate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import ClimateEntityFeature, HVACAction, HVACMode
from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
    RestoreNumber,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import ATTR_TEMPERATURE, UnitOfPower, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from ..const import DOMAIN, MANUFACTURER
from .const import CONF_HASHPRICE_ENTITY, MAX_BUDGET_W
from .core import PowerManager
from .setup import PowerManagerConfigEntry


class ManagerEntity(Entity):
    """An entity of the power manager's device, updated after each decision."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, manager: PowerManager, description: EntityDescription) -> None:
        """Attach the entity to the manager's device."""
        self.manager = manager
        self.entity_description = description
        entry = manager.entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer=MANUFACTURER,
            model="Power manager",
            entry_type=DeviceEntryType.SERVICE,
        )

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.manager.async_add_listener(self.async_write_ha_state))


class ManagedSwitch(ManagerEntity, SwitchEntity, RestoreEntity):
    """On: the manager controls the miners. Off: hands off, they keep their last state."""

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self.manager.managed = last.state != "off"

    @property
    @override
    def is_on(self) -> bool:
        return self.manager.managed

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        self.manager.managed = True
        self.async_write_ha_state()
        self.manager.async_request_evaluate()

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        self.manager.managed = False
        self.async_write_ha_state()
        self.manager.async_request_evaluate()


class BudgetNumber(ManagerEntity, RestoreNumber):
    """The most the miners may draw; a surplus sensor or heat demand may lower it."""

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.manager.budget_number_w = float(last.native_value)

    @property
    @override
    def native_value(self) -> float:
        return self.manager.budget_number_w

    @override
    async def async_set_native_value(self, value: float) -> None:
        self.manager.budget_number_w = value
        self.async_write_ha_state()
        self.manager.async_request_evaluate()


@dataclass(frozen=True, kw_only=True)
class ManagerSensorDescription(SensorEntityDescription):
    """A figure of the manager's last decision."""

    value_fn: Callable[[PowerManager], float | int | None]


SENSORS: tuple[ManagerSensorDescription, ...] = (
    ManagerSensorDescription(
        key="budget",
        translation_key="manager_budget",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda m: round(m.budget_w),
    ),
    ManagerSensorDescription(
        key="allocated",
        translation_key="manager_allocated",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda m: round(m.plan.allocated_w) if m.plan else None,
    ),
    ManagerSensorDescription(
        key="unused",
        translation_key="manager_unused",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda m: round(m.plan.unused_w) if m.plan else None,
    ),
    ManagerSensorDescription(
        key="running",
        translation_key="manager_running",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda m: m.plan.running if m.plan else None,
    ),
)


class ManagerSensor(ManagerEntity, SensorEntity):
    """A figure of the last decision; the allocation sensor carries the per-miner details."""

    entity_description: ManagerSensorDescription

    @property
    @override
    def native_value(self) -> float | int | None:
        return self.entity_description.value_fn(self.manager)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        key = self.entity_description.key
        if key == "allocated":
            return {"miners": self.manager.miner_attributes()}
        if key == "budget":
            return {"reason": str(self.manager.budget_reason)}
        return None


class ProfitSensor(ManagerEntity, SensorEntity):
    """What the miners mining now earn a day less their electricity, at the prices now."""

    _attr_suggested_display_precision = 2

    @property
    @override
    def native_value(self) -> float | None:
        revenue, cost = self.manager.revenue_per_day, self.manager.cost_per_day
        return None if revenue is None or cost is None else round(revenue - cost, 4)

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        return f"{self.manager.currency}/d" if self.manager.currency else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        market = self.manager.market
        return {
            "revenue_per_day": self.manager.revenue_per_day,
            "cost_per_day": self.manager.cost_per_day,
            "hashprice_per_th_day": market.hashprice_per_th_day if market else None,
            "price_per_kwh": market.price_per_kwh if market else None,
            "problem": self.manager.problems.get("hashprice"),
        }


class BreakEvenSensor(ManagerEntity, SensorEntity):
    """One miner's break-even electricity price: above it, mining it costs more than it
    earns."""

    _attr_suggested_display_precision = 3

    def __init__(self, manager: PowerManager, device_id: str, miner: str) -> None:
        """One sensor per managed miner, named after it."""
        description = SensorEntityDescription(
            key=f"break_even_{device_id}", translation_key="manager_break_even"
        )
        super().__init__(manager, description)
        self._device_id = device_id
        self._attr_translation_placeholders = {"miner": miner}

    @property
    @override
    def native_value(self) -> float | None:
        price = self.manager.break_even(self._device_id)
        return None if price is None else round(price, 5)

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        return f"{self.manager.currency}/kWh" if self.manager.currency else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        record = self.manager.records.get(self._device_id)
        market, price = self.manager.market, self.manager.break_even(self._device_id)
        return {
            "efficiency_j_th": record.efficiency_j_th if record else None,
            "runs_below": None
            if market is None or price is None
            else round(price * (1.0 - market.margin_pct / 100.0), 5),
            "problem": self.manager.problems.get("hashprice"),
        }


def miner_names(hass: HomeAssistant, manager: PowerManager) -> dict[str, str]:
    """The configured miners that still exist, by device id: their entries' titles."""
    devices = dr.async_get(hass)
    names: dict[str, str] = {}
    for device_id in manager.miner_device_ids():
        device = devices.async_get(device_id)
        if device is None:
            continue
        entry = hass.config_entries.async_get_entry(device.config_entry_id or "")
        names[device_id] = entry.title if entry else device.name_by_user or device.name or ""
    return names


def _remove_stale(hass: HomeAssistant, entry: PowerManagerConfigEntry, kept: set[str]) -> None:
    """Profit sensors of a hashprice no longer configured, or of miners no longer managed."""
    registry = er.async_get(hass)
    prefix = f"{entry.entry_id}_"
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        key = entity.unique_id.removeprefix(prefix)
        if (key == "profit" or key.startswith("break_even_")) and entity.unique_id not in kept:
            registry.async_remove(entity.entity_id)


class HeatingClimate(ManagerEntity, ClimateEntity, RestoreEntity):
    """Holds a temperature at its target by moving the manager's budget (PI loop)."""

    _attr_hvac_modes = [HVACMode.OFF, HVACMode.HEAT]  # noqa: RUF012 - Home Assistant's API
    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.TURN_ON
        | ClimateEntityFeature.TURN_OFF
    )
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_min_temp = 5.0
    _attr_max_temp = 95.0
    _attr_target_temperature_step = 0.5

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self.manager.heat_on = last.state == HVACMode.HEAT
            if (temp := last.attributes.get(ATTR_TEMPERATURE)) is not None:
                self.manager.target_temp = float(temp)

    @property
    @override
    def hvac_mode(self) -> HVACMode:
        return HVACMode.HEAT if self.manager.heat_on else HVACMode.OFF

    @property
    @override
    def hvac_action(self) -> HVACAction:
        if not self.manager.heat_on:
            return HVACAction.OFF
        plan = self.manager.plan
        return HVACAction.HEATING if plan and plan.allocated_w > 0 else HVACAction.IDLE

    @property
    @override
    def current_temperature(self) -> float | None:
        return self.manager.current_temp

    @property
    @override
    def target_temperature(self) -> float:
        return self.manager.target_temp

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        return {
            "heat_demand": None
            if self.manager.heat_limit_w is None
            else round(self.manager.heat_limit_w)
        }

    @override
    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        self.manager.heat_on = hvac_mode == HVACMode.HEAT
        self.manager.pi.reset()
        self.async_write_ha_state()
        self.manager.async_request_evaluate()

    @override
    async def async_set_temperature(self, **kwargs: Any) -> None:
        if (temp := kwargs.get(ATTR_TEMPERATURE)) is not None:
            self.manager.target_temp = float(temp)
            self.manager.pi.last_change = None  # a new target may act at once
        self.async_write_ha_state()
        self.manager.async_request_evaluate()


async def async_setup_switch(
    hass: HomeAssistant,
    entry: PowerManagerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The Managed switch."""
    description = SwitchEntityDescription(key="managed", translation_key="manager_managed")
    async_add_entities([ManagedSwitch(entry.runtime_data, description)])


async def async_setup_number(
    hass: HomeAssistant,
    entry: PowerManagerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The Budget number."""
    description = NumberEntityDescription(
        key="budget_limit",
        translation_key="manager_budget_limit",
        device_class=NumberDeviceClass.POWER,
        mode=NumberMode.BOX,
        native_min_value=0,
        native_max_value=MAX_BUDGET_W,
        native_step=1,
        native_unit_of_measurement=UnitOfPower.WATT,
    )
    async_add_entities([BudgetNumber(entry.runtime_data, description)])


async def async_setup_sensor(
    hass: HomeAssistant,
    entry: PowerManagerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Budget, allocated, unused and running; with a hashprice, the profit per day and each
    miner's break-even price."""
    manager = entry.runtime_data
    entities: list[SensorEntity] = [ManagerSensor(manager, d) for d in SENSORS]
    if manager.config.get(CONF_HASHPRICE_ENTITY):
        profit = SensorEntityDescription(key="profit", translation_key="manager_profit")
        entities.append(ProfitSensor(manager, profit))
        entities.extend(
            BreakEvenSensor(manager, device_id, name)
            for device_id, name in miner_names(hass, manager).items()
        )
    _remove_stale(hass, entry, {e.unique_id for e in entities if e.unique_id})
    async_add_entities(entities)


async def async_setup_climate(
    hass: HomeAssistant,
    entry: PowerManagerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The heating thermostat (only set up when a temperature sensor is configured)."""
    description = EntityDescription(key="heating", translation_key="manager_heating")
    async_add_entities([HeatingClimate(entry.runtime_data, description)])
