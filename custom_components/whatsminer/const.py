"""Constants of the WhatsMiner integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "whatsminer"
MANUFACTURER: Final = "MicroBT"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=30)
MIN_SCAN_INTERVAL_S: Final = 10
MAX_SCAN_INTERVAL_S: Final = 600
CONF_SCAN_INTERVAL: Final = "scan_interval"
