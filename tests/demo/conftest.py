"""The demo end to end: one scripts/develop run shared by the tests of this directory.

These tests start real processes and a browser, so they run in a pytest of their own without
Home Assistant's test plugin (which blocks sockets): `scripts/test_demo`, which `scripts/test`
runs after the main suite. Inside the main pytest they are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo.demo import Demo, slug, wait_for


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip inside the main pytest (Home Assistant's plugin blocks the sockets these need)."""
    if config.pluginmanager.has_plugin("homeassistant"):
        skip = pytest.mark.skip(reason="runs in its own pytest: scripts/test_demo")
        for item in items:
            if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """scripts/develop, onboarded as a newcomer would, with every demo miner added."""
    instance = Demo(tmp_path_factory.mktemp("demo"))
    try:
        instance.start()
        instance.onboard()
        instance.add_miners()
        for miner in instance.miners:
            entity_id = f"sensor.{slug(miner.hostname)}_hashrate"
            wait_for(
                f"{entity_id} to have a value",
                lambda entity_id=entity_id: instance.numeric(entity_id),
                timeout=120,
            )
        # Screenshots of a started Home Assistant: while it starts (offline, onboarding's
        # radio browser takes a while), every page shows a "Starting ..." toast.
        wait_for(
            "Home Assistant to finish starting",
            lambda: instance.request("GET", "/api/config")["state"] == "RUNNING",
            timeout=180,
        )
        yield instance
    finally:
        instance.kill()
        print(f"\nscripts/develop's output: {instance.log_path}")
