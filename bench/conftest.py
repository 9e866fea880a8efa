"""pytest setup of the Home Assistant benchmarks (bench/test_*.py, run by `bench/run scale`).

As in tests/conftest.py, the integration is imported before Home Assistant mounts its test
config directory, so the loader finds this repository's custom_components.
"""

from __future__ import annotations

import pytest

from custom_components.whatsminer.const import DOMAIN

assert DOMAIN == "whatsminer"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's custom integration."""
