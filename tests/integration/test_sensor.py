"""Sensors against the simulated miner's state, end to end over loopback."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.api.v2.client import ALTERNATE_READS
from simulator import SimulatedMiner

from .helpers import entity_id as entity_id_of, next_poll, state_of


@pytest.fixture(autouse=True)
def exact_readings(miner: SimulatedMiner) -> None:
    """No noise on the simulated readings, so values can be compared."""
    miner.state.noise = False


def _keys(hass: HomeAssistant, entry: MockConfigEntry, platform: str) -> set[str]:
    prefix = f"{entry.unique_id}_"
    return {
        e.unique_id.removeprefix(prefix)
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == platform
    }


async def test_power_mode_changes_power_and_hashrate(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A power mode set on the miner shows up as lower power and hashrate."""
    power = state_of(hass, init_integration, "sensor", "power")
    assert float(power.state) == pytest.approx(miner.state.power_w, abs=1)
    assert power.attributes["unit_of_measurement"] == "W"
    hashrate = state_of(hass, init_integration, "sensor", "hashrate")
    assert float(hashrate.state) == pytest.approx(miner.state.hashrate, rel=0.01)
    assert hashrate.attributes["unit_of_measurement"] == "TH/s"
    assert state_of(hass, init_integration, "select", "power_mode").state == "normal"

    miner.state.power_mode = "low"
    await next_poll(hass, freezer)

    low_power = state_of(hass, init_integration, "sensor", "power")
    assert float(low_power.state) == pytest.approx(miner.state.power_w, abs=1)
    assert float(low_power.state) < float(power.state)
    low_hashrate = state_of(hass, init_integration, "sensor", "hashrate")
    assert float(low_hashrate.state) == pytest.approx(miner.state.hashrate, rel=0.01)
    assert float(low_hashrate.state) < float(hashrate.state)
    assert state_of(hass, init_integration, "select", "power_mode").state == "low"
    efficiency = float(state_of(hass, init_integration, "sensor", "efficiency").state)
    assert efficiency == pytest.approx(miner.state.power_w / miner.state.hashrate, rel=0.05)


async def test_stopped_miner_reports_real_values(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner that stopped mining stays available with zero hashrate and its idle power."""
    miner.state.mining = False
    await next_poll(hass, freezer)
    assert float(state_of(hass, init_integration, "sensor", "hashrate").state) == 0
    power = state_of(hass, init_integration, "sensor", "power")
    assert float(power.state) == pytest.approx(miner.state.power_w, abs=1)
    assert float(power.state) < 100
    assert state_of(hass, init_integration, "switch", "mining").state == "off"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_air_cooled_entities(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """An air-cooled miner has fans, a PSU fan and three boards."""
    keys = _keys(hass, init_integration, "sensor")
    assert {"fan_in", "fan_out", "psu_fan", "psu_input_voltage", "energy"} <= keys
    assert {k for k in keys if k.startswith("board_") and k.endswith("_hashrate")} == {
        "board_0_hashrate",
        "board_1_hashrate",
        "board_2_hashrate",
    }
    fan = state_of(hass, init_integration, "sensor", "fan_in")
    assert int(fan.state) > 0
    board = state_of(hass, init_integration, "sensor", "board_1_hashrate")
    assert board.name.endswith("Board 1 hashrate")
    assert float(board.state) == pytest.approx(miner.state.hashrate / 3, rel=0.1)
    temperature = state_of(hass, init_integration, "sensor", "board_1_temperature")
    assert temperature.attributes["unit_of_measurement"] == "°C"
    pool = miner.state.pools[0]
    active = state_of(hass, init_integration, "sensor", "pool_url")
    assert active.name.endswith(" Pool")
    assert active.state == pool.url.split("://")[1]
    assert active.attributes["url"] == pool.url
    assert state_of(hass, init_integration, "sensor", "pool_worker").state == pool.user
    assert state_of(hass, init_integration, "sensor", "error_count").state == "0"
    # No error is "none", not unknown.
    assert state_of(hass, init_integration, "sensor", "latest_error").state == "none"
    assert state_of(hass, init_integration, "sensor", "temperature").name.endswith(
        "Board temperature"
    )


@pytest.mark.parametrize("profile", ["m56s_hydro"])
async def test_hydro_has_no_fans_and_four_boards(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A hydro miner gets no fan entities, and one set of board entities per board."""
    keys = _keys(hass, init_integration, "sensor")
    assert not {"fan_in", "fan_out"} & keys
    assert len({k for k in keys if k.startswith("board_") and k.endswith("_hashrate")}) == 4


@pytest.mark.parametrize("profile", ["m20s_legacy"])
async def test_legacy_firmware(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Old firmware is read too; what it does not report gets no entity."""
    assert float(state_of(hass, init_integration, "sensor", "power").state) > 0


async def test_noisy_sensors_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Averages, uptime, shares and the per-board sensors start disabled."""
    registry = er.async_get(hass)
    for key in (
        "hashrate_1m",
        "uptime",
        "accepted_shares",
        "board_0_hashrate",
        "board_2_temperature",
        "board_0_frequency",
    ):
        entity_id = entity_id_of(hass, init_integration, "sensor", key)
        entry = registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None


@pytest.mark.parametrize("profile", ["m30s_plus", "m20s_legacy"])
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_errors(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    profile: str,
) -> None:
    """Errors raised on the miner are counted, the latest named and flagged as a problem,
    within two polls (a minute: v2 reads them by turns with status) of being raised or cleared."""
    assert state_of(hass, init_integration, "binary_sensor", "problem").state == "off"
    miner.raise_error(531)
    await next_poll(hass, freezer)
    miner.raise_error(210)
    for _ in range(len(ALTERNATE_READS)):
        await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "sensor", "error_count").state == "2"
    assert state_of(hass, init_integration, "binary_sensor", "problem").state == "on"
    latest = state_of(hass, init_integration, "sensor", "latest_error").state
    when = state_of(hass, init_integration, "sensor", "latest_error_time").state
    if profile == "m20s_legacy":  # old firmware lists codes without times: the last listed
        assert latest in {"210", "531"}
        assert when == STATE_UNKNOWN
    else:
        assert latest == "210"
        assert dt_util.parse_datetime(when) is not None

    miner.clear_errors()
    for _ in range(len(ALTERNATE_READS)):
        await next_poll(hass, freezer)
    assert state_of(hass, init_integration, "sensor", "error_count").state == "0"
    assert state_of(hass, init_integration, "binary_sensor", "problem").state == "off"
