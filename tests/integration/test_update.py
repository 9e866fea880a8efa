"""Firmware upgrade through the update entity and the upgrade_firmware action."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_UPDATE_PERCENTAGE,
    DOMAIN as UPDATE_DOMAIN,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import firmware
from custom_components.whatsminer.const import DOMAIN
from simulator import MinerSimulator, SimulatedMiner

from .control_helpers import device_id
from .helpers import entity_id

NEW_VERSION = "20240901.12.REL"


@pytest.fixture(autouse=True)
def fast_reboot_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask the rebooting miner every 10 ms instead of every 10 s."""
    monkeypatch.setattr(firmware, "REBOOT_POLL_S", 0.01)


@pytest.fixture
def firmware_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A directory Home Assistant may read."""
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    return tmp_path


def _image(directory: Path, version: str, size: int = 300_000) -> Path:
    path = directory / "firmware.bin"
    marker = f"version={version};".encode()
    path.write_bytes(marker + bytes(size - len(marker)))
    return path


def _upgrade(hass: HomeAssistant, entry: MockConfigEntry, path: Path) -> asyncio.Task[Any]:
    return hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "upgrade_firmware",
            {"device_id": device_id(hass, entry), "path": str(path)},
            blocking=True,
            return_response=True,
        )
    )


async def _uploaded(miner: SimulatedMiner, before: str) -> None:
    async with asyncio.timeout(10):
        while miner.state.fw_ver == before:  # noqa: ASYNC110 - the simulator's state
            await asyncio.sleep(0.01)


async def test_upgrade_success(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    firmware_dir: Path,
) -> None:
    """Progress during the upload, a wait for the reboot, then the new version everywhere."""
    update = entity_id(hass, init_integration, UPDATE_DOMAIN, "firmware")
    old = miner.state.fw_ver
    assert hass.states.get(update).attributes[ATTR_INSTALLED_VERSION] == old  # type: ignore[union-attr]
    percentages: list[Any] = []

    def follow(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            percentages.append(state.attributes.get(ATTR_UPDATE_PERCENTAGE))

    unsub = async_track_state_change_event(hass, update, follow)
    task = _upgrade(hass, init_integration, _image(firmware_dir, NEW_VERSION))
    await _uploaded(miner, old)
    await asyncio.sleep(0.05)
    assert hass.states.get(update).attributes[ATTR_IN_PROGRESS] is True  # type: ignore[union-attr]
    assert not task.done()  # waiting for the miner to come back

    simulator.clock.advance(miner.timing.reboot_s + miner.timing.btminer_restart_s + 1)
    response = await task
    unsub()
    assert response == {"version": NEW_VERSION}
    assert 100 in percentages
    assert any(0 < p < 100 for p in percentages if p is not None)
    state = hass.states.get(update)
    assert state is not None
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes[ATTR_INSTALLED_VERSION] == NEW_VERSION
    device = dr.async_get(hass).async_get(device_id(hass, init_integration))
    assert device is not None
    assert device.sw_version == NEW_VERSION


async def test_upgrade_to_same_version_fails_clearly(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    firmware_dir: Path,
) -> None:
    """The miner comes back on the old build: the install failed, and the entity says so."""
    old = miner.state.fw_ver
    task = _upgrade(hass, init_integration, _image(firmware_dir, old))
    async with asyncio.timeout(10):
        while miner.state.reboot_until == 0:  # noqa: ASYNC110 - the simulator's state
            await asyncio.sleep(0.01)
    simulator.clock.advance(miner.timing.reboot_s + miner.timing.btminer_restart_s + 1)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "firmware_unchanged"
    state = hass.states.get(entity_id(hass, init_integration, UPDATE_DOMAIN, "firmware"))
    assert state is not None
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes["last_install_error"]


async def test_upgrade_timeout(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    firmware_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The miner does not come back in time."""
    monkeypatch.setattr(firmware, "REBOOT_TIMEOUT_S", 0.2)
    with pytest.raises(HomeAssistantError) as err:
        await _upgrade(hass, init_integration, _image(firmware_dir, NEW_VERSION))
    assert err.value.translation_key == "firmware_timeout"
    assert miner.state.fw_ver == NEW_VERSION  # it took the file; it is still rebooting


async def test_second_install_is_refused(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    firmware_dir: Path,
) -> None:
    """Only one upgrade at a time."""
    old = miner.state.fw_ver
    path = _image(firmware_dir, NEW_VERSION)
    first = _upgrade(hass, init_integration, path)
    await _uploaded(miner, old)
    with pytest.raises(HomeAssistantError) as err:
        await _upgrade(hass, init_integration, path)
    assert err.value.translation_key == "firmware_in_progress"
    simulator.clock.advance(miner.timing.reboot_s + miner.timing.btminer_restart_s + 1)
    assert await first == {"version": NEW_VERSION}
    assert miner.counters.commands["update_firmware"] == 1


async def test_upgrade_with_write_api_disabled(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    firmware_dir: Path,
) -> None:
    """The miner refuses the upload: a clear message, and nothing is left in progress."""
    miner.state.api_enabled = False
    with pytest.raises(HomeAssistantError) as err:
        await _upgrade(hass, init_integration, _image(firmware_dir, NEW_VERSION))
    assert err.value.translation_key == "write_api_disabled"
    state = hass.states.get(entity_id(hass, init_integration, UPDATE_DOMAIN, "firmware"))
    assert state is not None
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert "WhatsMinerTool" in state.attributes["last_install_error"]


async def test_path_checks(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    firmware_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Files outside the allowed directories, and missing files, are refused first."""
    outside = _image(tmp_path_factory.mktemp("outside"), NEW_VERSION)
    with pytest.raises(ServiceValidationError) as err:
        await _upgrade(hass, init_integration, outside)
    assert err.value.translation_key == "path_not_allowed"
    with pytest.raises(ServiceValidationError) as err:
        await _upgrade(hass, init_integration, firmware_dir / "missing.bin")
    assert err.value.translation_key == "file_not_found"
    assert miner.counters.commands["update_firmware"] == 0
