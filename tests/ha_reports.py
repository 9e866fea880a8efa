"""Home Assistant's reports of deprecated use by this integration, caught as they are logged."""

from __future__ import annotations

import logging

from custom_components.whatsminer.const import DOMAIN

# What Home Assistant's frame helper (`report_usage`) logs about a custom integration's use of
# something deprecated or wrong: "Detected that custom integration 'whatsminer' calls ...".
OUR_REPORT = f"Detected that custom integration '{DOMAIN}'"


class UsageReports(logging.Handler):
    """Home Assistant's reports of this integration's deprecated use, as they are logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(OUR_REPORT):
            self.found.append(message)
