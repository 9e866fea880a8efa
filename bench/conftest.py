"""pytest setup of the Home Assistant benchmarks (bench/test_*.py, run by `bench/run scale`).

As in tests/conftest.py, the integration is imported before Home Assistant mounts its test
config directory, so the loader finds this repository's custom_components.
"""

from __future__ import annotations

import asyncio

import pytest

from custom_components.whatsminer.const import DOMAIN

assert DOMAIN == "whatsminer"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's custom integration."""


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure a production-like loop: phcc's fixture of this name turns asyncio debug on.

    Debug mode (slow-callback checks, task creation tracebacks) costs CPU that a real Home
    Assistant does not spend, so the benchmarks override it with a loop in normal mode.
    """
    asyncio.get_running_loop().set_debug(False)
