"""Diagnostics hold the snapshot and raw replies, without secrets or identities."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator import SimulatedMiner


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """The password, MAC, serials and pool credentials never leave Home Assistant."""
    miner.state.password = "hunter2-secret"
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["host"] == miner.host
    assert diagnostics["snapshot"]["summary"]["power_w"] > 0
    assert diagnostics["snapshot"]["info"]["mac"] == "**REDACTED**"
    assert diagnostics["snapshot"]["pools"][0]["user"] == "**REDACTED**"
    assert {"summary", "pools", "edevs"} <= set(diagnostics["raw"])

    text = json.dumps(diagnostics).lower()
    secrets = [
        "admin",
        miner.state.mac.lower(),
        miner.state.serial.lower(),
        *(pool.user.lower() for pool in miner.state.pools),
        *(pool.url.lower() for pool in miner.state.pools),
        *(pool.passwd.lower() for pool in miner.state.pools if len(pool.passwd) > 3),
    ]
    for secret in secrets:
        assert secret not in text, secret
