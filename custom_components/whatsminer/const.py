"""Constants of the WhatsMiner integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "whatsminer"
MANUFACTURER: Final = "MicroBT"
LOGGER: Final = logging.getLogger(__package__)

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=30)
MIN_SCAN_INTERVAL_S: Final = 10
MAX_SCAN_INTERVAL_S: Final = 600
CONF_SCAN_INTERVAL: Final = "scan_interval"

# Seconds to wait between two writes that restart the mining process (power mode, power
# limit, frequency, ...), so a burst of automations cannot keep the miner restarting.
CONF_RESTART_INTERVAL: Final = "restart_interval"
DEFAULT_RESTART_INTERVAL_S: Final = 60
MIN_RESTART_INTERVAL_S: Final = 0
MAX_RESTART_INTERVAL_S: Final = 3600

# Two kinds of config entries: a miner, and a power manager that drives several miners.
CONF_ENTRY_TYPE: Final = "entry_type"
ENTRY_TYPE_MINER: Final = "miner"
ENTRY_TYPE_POWER_MANAGER: Final = "power_manager"
