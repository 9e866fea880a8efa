"""What can go wrong with an action, and what the user is told (the one action helper)."""

from __future__ import annotations

import asyncio

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
from simulator import SimulatedMiner

from .helpers import entity_id


async def _turn_off(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        "turn_off",
        {ATTR_ENTITY_ID: entity_id(hass, entry, SWITCH_DOMAIN, key)},
        blocking=True,
    )


async def _failing_write(hass: HomeAssistant, entry: MockConfigEntry) -> HomeAssistantError:
    with pytest.raises(HomeAssistantError) as err:
        await _turn_off(hass, entry, "web_pools")
    return err.value


async def test_write_api_disabled(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A miner with its write API off: the message says how to switch it on."""
    miner.state.api_enabled = False
    err = await _failing_write(hass, init_integration)
    assert err.translation_key == "write_api_disabled"
    assert "WhatsMinerTool" in str(err)
    assert miner.state.web_pools is True


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The password was changed elsewhere: the user is told and asked for the new one."""
    miner.state.password = "other"
    err = await _failing_write(hass, init_integration)
    assert err.translation_key == "write_invalid_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert miner.state.web_pools is True


async def test_token_limit(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """No token slots left on the miner."""
    miner.faults.token_exhaustion = True
    miner.forget_tokens()  # the cached token expires; a new one is refused
    err = await _failing_write(hass, init_integration)
    assert err.translation_key == "token_limit"


async def test_unreachable(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The miner does not answer at all."""
    miner.faults.offline = True
    err = await _failing_write(hass, init_integration)
    assert err.translation_key == "write_connection_error"


async def test_v3_firmware_refused_before_sending(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Firmware from 2024-11 on takes writes only through API v3: the user is told so."""
    miner.state.fw_ver = "20250409.15.REL"
    coordinator = init_integration.runtime_data
    coordinator.miner.invalidate_cache()
    await coordinator.async_refresh()
    err = await _failing_write(hass, init_integration)
    assert err.translation_key == "unsupported_firmware"
    assert miner.counters.commands["disable_web_pools"] == 0


async def test_command_refused_by_miner(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The miner answers with an error code: it is shown."""
    miner.faults.v3_only = True
    err = await _failing_write(hass, init_integration)
    assert err.translation_key == "command_rejected"
    assert err.translation_placeholders["code"] == "132"


async def test_unknown_outcome_is_reported_and_not_retried(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The connection breaks before the reply: the outcome is unknown; the next poll tells."""
    miner.faults.close_mid_reply = True
    switch = entity_id(hass, init_integration, SWITCH_DOMAIN, "mining")
    with pytest.raises(HomeAssistantError) as err:
        await _turn_off(hass, init_integration, "mining")
    assert err.value.translation_key == "write_outcome_unknown"
    assert err.value.translation_placeholders["command"] == "power_off"
    assert miner.counters.commands["power_off"] == 1  # not retried
    assert miner.state.mining is False

    miner.faults.close_mid_reply = False
    await init_integration.runtime_data.async_refresh()
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]


async def test_two_writes_do_not_interleave(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Two writes at once: the second reaches the miner only after the first finished."""
    miner.faults.slow_reply_s = 0.3
    first = hass.async_create_task(_turn_off(hass, init_integration, "web_pools"))
    second = hass.async_create_task(_turn_off(hass, init_integration, "poweroff_cool"))
    async with asyncio.timeout(5):
        while not miner.counters.commands["disable_web_pools"]:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # the first reply is still 0.2 s away
    assert miner.counters.commands["set_poweroff_cool"] == 0
    await asyncio.gather(first, second)
    assert miner.counters.commands["set_poweroff_cool"] == 1
    assert miner.state.web_pools is False
    assert miner.state.poweroff_cool is False
