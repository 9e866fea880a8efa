"""Shared fixtures.

The integration is imported here, before Home Assistant mounts its test config directory,
so that the loader finds this repository's custom_components (see ha-conventions.md).
Tests that talk to simulated miners over loopback request the `socket_enabled` fixture.
Every test fails when Home Assistant reports deprecated use by this integration.
"""

from __future__ import annotations

from collections.abc import Iterator
import logging

import pytest

from custom_components.whatsminer.const import DOMAIN

from .ha_reports import UsageReports

assert DOMAIN == "whatsminer"


@pytest.fixture(autouse=True)
def ha_usage_reports() -> Iterator[UsageReports]:
    """Fail the test when Home Assistant reported deprecated use by this integration (the
    warnings Python raises from our modules are errors, see pyproject's filterwarnings)."""
    reports = UsageReports()
    logger = logging.getLogger("homeassistant")
    logger.addHandler(reports)
    try:
        yield reports
    finally:
        logger.removeHandler(reports)
    assert reports.found == []
