"""Diagnostics hold the snapshot and raw replies, without secrets or identities."""

from __future__ import annotations

import json

from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
import pytest
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


@pytest.mark.parametrize("profile", ["m63s_hydro"])
async def test_diagnostics_v3_api_and_profile(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    miner: SimulatedMiner,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The API in use and the stored profile are included; the super password is not,
    also while the miner is off (no snapshot, only the profile)."""
    secret = "Sup3r_s3cret"
    miner.state.accounts["super"] = secret
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_PASSWORD: secret}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics["api"] == "v3"
    assert diagnostics["monitor_only"] is False
    assert diagnostics["entry"]["data"]["api"] == "v3"
    profile = diagnostics["profile"]
    assert profile["api"] == "v3"
    assert profile["model"] == "M63S_VL10"
    assert profile["mac"] == "**REDACTED**"
    assert "power_target" in profile["capabilities"]["controls"]
    assert secret.lower() not in json.dumps(diagnostics).lower()

    miner.faults.offline = True
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics["snapshot"] is None
    assert diagnostics["raw"] is None
    assert diagnostics["profile"]["model"] == "M63S_VL10"
    text = json.dumps(diagnostics).lower()
    assert secret.lower() not in text
    assert miner.state.mac.lower() not in text
