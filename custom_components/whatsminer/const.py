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

# Entry data of a miner (version 2): host, the two API ports, the API found, the password of
# the API's write account (None: monitor only).
CONF_API: Final = "api"
CONF_V2_PORT: Final = "v2_port"
CONF_V3_PORT: Final = "v3_port"
ENTRY_VERSION: Final = 2

# While a miner does not answer, polls back off: the interval doubles after each failure up
# to this bound, and is the configured one again as soon as it answers.
MAX_BACKOFF_S: Final = 600
# First refreshes in flight at once, across every miner of this Home Assistant (start-up of a
# barn: each poll connects only once it holds a slot, so no connection waits for a busy loop).
FIRST_REFRESH_CONCURRENCY: Final = 8
# Polls in flight at once across every miner: a refresh cycle of a barn is a queue of short
# exchanges rather than a thousand connections opened in the same second (each poll connects
# only once it holds a slot, so no connection idles while others are served).
POLL_CONCURRENCY: Final = 64
# What a miner has (capabilities, stored profile) is worked out again from a poll after this
# many polls, and at once after a write or a firmware change: its readings do not change from
# poll to poll, and working them out is a walk over the whole snapshot.
PROFILE_REFRESH_POLLS: Final = 10
