"""Config and options flows of the power manager (Add integration, WhatsMiner, Power manager)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    DeviceFilterSelectorConfig,
    DeviceSelector,
    DeviceSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
)
import probatio as vol

from ..const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_POWER_MANAGER, MANUFACTURER
from .budget import SurplusSign
from .const import (
    CONF_BREAK_EVEN_MARGIN,
    CONF_CHIP_TEMP_MAX,
    CONF_HASHPRICE_ENTITY,
    CONF_INTERVAL,
    CONF_MANUAL_HOLD,
    CONF_MAX_RESTARTS,
    CONF_MAX_STARTS_PER_DAY,
    CONF_MIN_RUN,
    CONF_MIN_STOP,
    CONF_MINERS,
    CONF_PRICE_FULL_BELOW,
    CONF_PRICE_SENSOR,
    CONF_PRICE_STOP_ABOVE,
    CONF_RESERVE,
    CONF_RIDE_THROUGH,
    CONF_START_DELAY,
    CONF_SURPLUS_SENSOR,
    CONF_SURPLUS_SIGN,
    CONF_TEMPERATURE_SENSOR,
    DEFAULT_BREAK_EVEN_MARGIN_PCT,
    DEFAULT_CHIP_TEMP_MAX_C,
    DEFAULT_INTERVAL_S,
    DEFAULT_MANUAL_HOLD_MIN,
    DEFAULT_MAX_RESTARTS,
    DEFAULT_MAX_STARTS_PER_DAY,
    DEFAULT_MIN_RUN_MIN,
    DEFAULT_MIN_STOP_MIN,
    DEFAULT_RESERVE_W,
    DEFAULT_RIDE_THROUGH_WH,
    DEFAULT_START_DELAY_MIN,
)

DEFAULT_NAME = "Power manager"


def is_power_manager(entry: ConfigEntry[Any]) -> bool:
    """Whether a config entry of this integration is a power manager."""
    return entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_POWER_MANAGER


def miner_entries(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    """The config entries of miners (not power managers)."""
    return [e for e in hass.config_entries.async_entries(DOMAIN) if not is_power_manager(e)]


def _number(
    low: float, high: float, unit: str | None = None, *, fine: bool = False
) -> NumberSelector:
    config = NumberSelectorConfig(
        min=low, max=high, step="any" if fine else 1, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _schema(*, options: bool) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if not options:
        fields[vol.Required(CONF_NAME, default=DEFAULT_NAME)] = TextSelector()
    fields.update(
        {
            vol.Required(CONF_MINERS): DeviceSelector(
                DeviceSelectorConfig(
                    multiple=True,
                    filter=[
                        DeviceFilterSelectorConfig(integration=DOMAIN, manufacturer=MANUFACTURER)
                    ],
                )
            ),
            vol.Optional(CONF_SURPLUS_SENSOR): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="power")
            ),
            vol.Required(CONF_SURPLUS_SIGN, default=str(SurplusSign.EXPORT_POSITIVE)): (
                SelectSelector(
                    SelectSelectorConfig(
                        options=[str(s) for s in SurplusSign], translation_key=CONF_SURPLUS_SIGN
                    )
                )
            ),
            vol.Required(CONF_RESERVE, default=DEFAULT_RESERVE_W): _number(0, 100_000, "W"),
            vol.Optional(CONF_PRICE_SENSOR): EntitySelector(EntitySelectorConfig(domain="sensor")),
            vol.Optional(CONF_PRICE_STOP_ABOVE): _number(-1000, 1000, fine=True),
            vol.Optional(CONF_PRICE_FULL_BELOW): _number(-1000, 1000, fine=True),
            vol.Optional(CONF_HASHPRICE_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=["sensor", "input_number", "number"])
            ),
            vol.Required(CONF_BREAK_EVEN_MARGIN, default=DEFAULT_BREAK_EVEN_MARGIN_PCT): _number(
                0, 90, "%", fine=True
            ),
            vol.Optional(CONF_TEMPERATURE_SENSOR): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="temperature")
            ),
            vol.Required(CONF_CHIP_TEMP_MAX, default=DEFAULT_CHIP_TEMP_MAX_C): _number(
                50, 110, "°C"
            ),
        }
    )
    if options:
        fields.update(
            {
                vol.Required(CONF_MIN_RUN, default=DEFAULT_MIN_RUN_MIN): _number(0, 240, "min"),
                vol.Required(CONF_MIN_STOP, default=DEFAULT_MIN_STOP_MIN): _number(0, 240, "min"),
                vol.Required(CONF_START_DELAY, default=DEFAULT_START_DELAY_MIN): _number(
                    0, 120, "min"
                ),
                vol.Required(CONF_MAX_RESTARTS, default=DEFAULT_MAX_RESTARTS): _number(1, 60),
                vol.Required(CONF_MAX_STARTS_PER_DAY, default=DEFAULT_MAX_STARTS_PER_DAY): _number(
                    1, 100
                ),
                vol.Required(CONF_RIDE_THROUGH, default=DEFAULT_RIDE_THROUGH_WH): _number(
                    0, 1000, "Wh"
                ),
                vol.Required(CONF_INTERVAL, default=DEFAULT_INTERVAL_S): _number(2, 600, "s"),
                vol.Required(CONF_MANUAL_HOLD, default=DEFAULT_MANUAL_HOLD_MIN): _number(
                    0, 1440, "min"
                ),
            }
        )
    return vol.Schema(fields)


def _validate(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    miners = {e.entry_id for e in miner_entries(hass)}
    devices = dr.async_get(hass)
    chosen = [devices.async_get(d) for d in user_input.get(CONF_MINERS, [])]
    if not chosen or any(d is None or d.config_entry_id not in miners for d in chosen):
        errors[CONF_MINERS] = "no_miners"
    stop, full = user_input.get(CONF_PRICE_STOP_ABOVE), user_input.get(CONF_PRICE_FULL_BELOW)
    if stop is not None and full is not None and full >= stop:
        errors[CONF_PRICE_FULL_BELOW] = "price_order"
    return errors


class PowerManagerFlowMixin(ConfigFlow):
    """The power manager step of the integration's config flow."""

    async def async_step_power_manager(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the miners and what drives the budget."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _validate(self.hass, user_input)
            if not errors:
                name = user_input.pop(CONF_NAME)
                return self.async_create_entry(
                    title=name,
                    data={CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER},
                    options=user_input,
                )
        return self.async_show_form(
            step_id="power_manager",
            data_schema=self.add_suggested_values_to_schema(_schema(options=False), user_input),
            errors=errors,
        )


class PowerManagerOptionsFlow(OptionsFlowWithReload):
    """Change everything after setup; the manager reloads."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The miners' options use step "init"; the manager's have their own step."""
        return await self.async_step_manager(user_input)

    async def async_step_manager(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _validate(self.hass, user_input)
            if not errors:
                return self.async_create_entry(data=user_input)
        suggested = user_input if user_input is not None else dict(self.config_entry.options)
        return self.async_show_form(
            step_id="manager",
            data_schema=self.add_suggested_values_to_schema(_schema(options=True), suggested),
            errors=errors,
        )
