"""The Power target number of a miner: watts through the fast path, bounds, re-applying."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.whatsminer.api.errors import WhatsMinerConnectionError
from custom_components.whatsminer.api.miner import Capabilities, Control
from custom_components.whatsminer.api.models import ApiVersion
from custom_components.whatsminer.const import DOMAIN
from custom_components.whatsminer.coordinator import WhatsMinerCoordinator
from custom_components.whatsminer.power_target import controller_for
from simulator import SimulatedMiner

from .conftest import let_time_pass


def _entity(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id("number", DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None
    return found


async def _set(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )


async def test_power_target_sets_percent_and_power_follows(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """Watts become the miner's fast percentage of its learned full power."""
    miner, entry = miners[1], miner_entries[1]
    target = _entity(hass, entry, "power_target_fast")
    state = hass.states.get(target)
    assert state.state == "unknown"
    assert state.attributes["full_power_learned"] is True  # learned from the first poll
    full = state.attributes["full_power"]
    assert abs(full - miner.state.power_w) < 5
    assert state.attributes["min"] == round(full / 2)
    await _set(hass, target, 2400)
    assert miner.state.power_pct == round(100 * 2400 / full)
    await let_time_pass(hass, freezer, 35, miners)
    state = hass.states.get(target)
    assert state.state == "2400"
    assert "power_reached" not in state.attributes  # the Power sensor shows it
    power = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_power")
    assert power is not None
    assert abs(float(hass.states.get(power).state) - 2400) < 60
    with pytest.raises(ServiceValidationError):
        await _set(hass, target, 100)  # below the stable minimum


async def test_minimum_raises_the_target(
    hass: HomeAssistant, miners: list[SimulatedMiner], miner_entries: list[MockConfigEntry]
) -> None:
    """Raising the minimum above the target raises the target with it."""
    entry = miner_entries[1]
    target, minimum = (
        _entity(hass, entry, "power_target_fast"),
        _entity(hass, entry, "power_target_min"),
    )
    await _set(hass, target, 1800)
    await _set(hass, minimum, 70)
    assert hass.states.get(minimum).state == "70"
    full = hass.states.get(target).attributes["full_power"]
    assert float(hass.states.get(target).state) == round(full * 0.7)


async def test_target_written_again_after_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """The miner forgets the percentage when btminer restarts: it is sent again."""
    miner, entry = miners[1], miner_entries[1]
    target = _entity(hass, entry, "power_target_fast")
    await _set(hass, target, 2000)
    sent = miner.counters.commands["set_power_pct"]
    miner.restart_btminer()
    miner.state.power_pct = 100.0  # as real firmware does
    await let_time_pass(hass, freezer, 90, miners)
    assert miner.counters.commands["set_power_pct"] == sent + 1
    assert miner.state.power_pct < 100


async def test_target_waits_while_the_miner_is_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """A target set while the miner does not mine is written once it mines again."""
    miner, entry = miners[1], miner_entries[1]
    switch = er.async_get(hass).async_get_entity_id("switch", DOMAIN, f"{entry.unique_id}_mining")
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    sent = miner.counters.commands["set_power_pct"]
    await _set(hass, _entity(hass, entry, "power_target_fast"), 2000)
    assert miner.counters.commands["set_power_pct"] == sent
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    await let_time_pass(hass, freezer, 35, miners)
    assert miner.counters.commands["set_power_pct"] == sent + 1


async def test_watts_to_a_miner_without_fast_percent(
    hass: HomeAssistant, miners: list[SimulatedMiner], miner_entries: list[MockConfigEntry]
) -> None:
    """A miner that only takes a power target in watts gets the watts."""
    miner, entry = miners[1], miner_entries[1]
    coordinator: WhatsMinerCoordinator = entry.runtime_data
    caps = Capabilities(api=ApiVersion.V2, controls=frozenset({Control.POWER_TARGET}))
    with patch.object(
        WhatsMinerCoordinator, "capabilities", new_callable=PropertyMock, return_value=caps
    ):
        controller = controller_for(coordinator)
        assert controller.supported
        await controller.async_set(2500)
        assert miner.counters.commands["set_power"] == 1
        assert controller.percent_set is None
        tuning = replace(
            coordinator.data, summary=replace(coordinator.data.summary, upfreq_complete=False)
        )
        coordinator.async_set_updated_data(tuning)
        await controller.async_set(2400)  # while tuning: kept until tuning has finished
        assert miner.counters.commands["set_power"] == 1
        done = replace(tuning, summary=replace(tuning.summary, upfreq_complete=True))
        coordinator.async_set_updated_data(done)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert miner.counters.commands["set_power"] == 2


async def test_restored_after_a_restart_of_home_assistant(
    hass: HomeAssistant, miners: list[SimulatedMiner]
) -> None:
    """The target, the learned full power and the minimum survive a restart."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("number.whatsminer_power_target_fast", "2000"),
                {"target_w": 2000, "full_power_w": 3300.0},
            ),
            (State("number.whatsminer_power_target_minimum", "60"), {"min_percent": 60}),
        ],
    )
    miner = miners[1]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: "admin"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get("number.whatsminer_power_target_fast")
    assert state.state == "2000"
    assert hass.states.get("number.whatsminer_power_target_minimum").state == "60"
    assert state.attributes["min"] == round(0.6 * state.attributes["full_power"])


async def test_monitor_only_miner_has_no_power_target(
    hass: HomeAssistant, miners: list[SimulatedMiner]
) -> None:
    """Without a password nothing can be written: no power target."""
    miner = miners[1]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=format_mac(miner.state.mac),
        data={CONF_HOST: miner.host, CONF_PORT: miner.port, CONF_PASSWORD: None},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("number.whatsminer_power_target_fast") is None


async def test_reapply_that_fails_is_logged(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A write again that fails is logged, not raised."""
    miner, entry = miners[1], miner_entries[1]
    await _set(hass, _entity(hass, entry, "power_target_fast"), 2000)
    controller = controller_for(entry.runtime_data)
    # past the power floor's watch: a restart sooner would be taken as the level's doing
    await let_time_pass(hass, freezer, 330, miners)
    with patch.object(
        type(entry.runtime_data.miner),
        "set_power_percent",
        side_effect=WhatsMinerConnectionError("gone"),
    ):
        miner.restart_btminer()
        await let_time_pass(hass, freezer, 90, miners)
    assert "Could not write the power target" in caplog.text
    assert controller.target_w == 2000


async def test_range_follows_full_power_in_steps(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    miners: list[SimulatedMiner],
    miner_entries: list[MockConfigEntry],
) -> None:
    """The range moves only when full power moves by more than 2 %: Home Assistant keeps a
    number's range in the entity registry and saves it at every change, so a range that
    wobbled with each reading would rewrite the registry at every poll."""
    miner, entry = miners[1], miner_entries[1]
    target = _entity(hass, entry, "power_target_fast")
    registry = er.async_get(hass)
    controller = controller_for(entry.runtime_data)
    capabilities = registry.async_get(target).capabilities  # type: ignore[union-attr]
    learned = set()
    for wobble in (1, -1, 1, -1, 1, -1):
        miner.state.target_freq_pct = wobble  # full power 1 % up or down
        await let_time_pass(hass, freezer, 30, miners)
        learned.add(controller.learned_full_w)
        assert registry.async_get(target).capabilities == capabilities  # type: ignore[union-attr]
    assert len(learned) > 1  # full power was learned again and again

    miner.state.target_freq_pct = 8
    await let_time_pass(hass, freezer, 300, miners)
    moved = registry.async_get(target).capabilities  # type: ignore[union-attr]
    assert moved["max"] > capabilities["max"] * 1.04  # type: ignore[index]
    assert hass.states.get(target).attributes["max"] == moved["max"]  # type: ignore[union-attr]
