"""Configuration keys and defaults of the power manager."""

from __future__ import annotations

from typing import Final

CONF_MINERS: Final = "miners"  # device ids of WhatsMiner miners
CONF_SURPLUS_SENSOR: Final = "surplus_sensor"
CONF_SURPLUS_SIGN: Final = "surplus_sign"
CONF_RESERVE: Final = "reserve"  # W kept free of mining
CONF_PRICE_SENSOR: Final = "price_sensor"
CONF_PRICE_STOP_ABOVE: Final = "price_stop_above"
CONF_PRICE_FULL_BELOW: Final = "price_full_below"
CONF_HASHPRICE_ENTITY: Final = "hashprice_entity"  # currency per TH/s per day
CONF_BREAK_EVEN_MARGIN: Final = "break_even_margin"  # runs only this % below break-even
CONF_TEMPERATURE_SENSOR: Final = "temperature_sensor"  # heating: creates the climate entity
CONF_CHIP_TEMP_MAX: Final = "chip_temp_max"
CONF_MIN_RUN: Final = "min_run_minutes"
CONF_MIN_STOP: Final = "min_stop_minutes"
CONF_START_DELAY: Final = "start_delay_minutes"
CONF_MAX_RESTARTS: Final = "max_restarts_per_hour"
CONF_MAX_STARTS_PER_DAY: Final = "max_starts_per_day"
CONF_RIDE_THROUGH: Final = "ride_through_wh"  # grid import a dip may cause before a stop
CONF_INTERVAL: Final = "interval"  # seconds between decisions
CONF_MANUAL_HOLD: Final = "manual_hold_minutes"

DEFAULT_RESERVE_W: Final = 50
DEFAULT_BREAK_EVEN_MARGIN_PCT: Final = 0
DEFAULT_CHIP_TEMP_MAX_C: Final = 95
DEFAULT_MIN_RUN_MIN: Final = 10
DEFAULT_MIN_STOP_MIN: Final = 10
DEFAULT_START_DELAY_MIN: Final = 5
DEFAULT_MAX_RESTARTS: Final = 4
DEFAULT_MAX_STARTS_PER_DAY: Final = 6
DEFAULT_RIDE_THROUGH_WH: Final = 30
DEFAULT_INTERVAL_S: Final = 10
DEFAULT_MANUAL_HOLD_MIN: Final = 30
MAX_BUDGET_W: Final = 1_000_000
DECISIONS_KEPT: Final = 50
# Heating loop: the minimum time between two changes of the heat demand (<= 12 an hour).
HEAT_MIN_INTERVAL_S: Final = 300
DEFAULT_TARGET_TEMP_C: Final = 50.0

MANAGER_PLATFORMS: Final = ["number", "sensor", "switch"]
HEATING_PLATFORMS: Final = ["climate"]
