"""Adding a power manager through the config flow, and its options."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_POWER_MANAGER

from .conftest import device_id, setup_manager


async def test_first_miner_needs_no_menu_choice(hass: HomeAssistant) -> None:
    """Without a miner the flow goes straight to the miner's address."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"


async def test_power_manager_flow_errors_then_entry(
    hass: HomeAssistant, miner_entries: list[MockConfigEntry]
) -> None:
    """The menu offers a power manager; wrong miners and price order are shown and fixed."""
    manager = await setup_manager(hass, miner_entries[:1])
    (manager_device,) = (
        d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), manager.entry_id)
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU and result["step_id"] == "add"
    assert result["menu_options"] == ["miner", "ip_report", "power_manager"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "power_manager"}
    )
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "power_manager"
    miners = [device_id(hass, e) for e in miner_entries]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "name": "Barn",
            "miners": [manager_device],
            "surplus_sign": "export_positive",
            "reserve": 100,
            "chip_temp_max": 90,
            "price_stop_above": 0.2,
            "price_full_below": 0.3,
        },
    )
    assert result["errors"] == {"miners": "no_miners", "price_full_below": "price_order"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "name": "Barn",
            "miners": miners,
            "surplus_sign": "import_positive",
            "reserve": 150,
            "chip_temp_max": 90,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Barn"
    assert result["data"] == {CONF_ENTRY_TYPE: ENTRY_TYPE_POWER_MANAGER}
    assert result["options"]["miners"] == miners
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(result["result"].entry_id)
    assert entry is not None and entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.barn_managed").state == "on"


async def test_power_manager_options(
    hass: HomeAssistant, miner_entries: list[MockConfigEntry]
) -> None:
    """Everything can be changed after setup, the hashprice sensor too; the manager reloads
    with it."""
    entry = await setup_manager(hass, miner_entries[:1])
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "manager"
    options = {
        "miners": [device_id(hass, e) for e in miner_entries],
        "surplus_sign": "export_positive",
        "reserve": 300,
        "chip_temp_max": 90,
        "min_run_minutes": 20,
        "min_stop_minutes": 5,
        "start_delay_minutes": 2,
        "max_restarts_per_hour": 2,
        "max_starts_per_day": 4,
        "ride_through_wh": 10,
        "interval": 15,
        "manual_hold_minutes": 10,
        "price_sensor": "sensor.price",
        "hashprice_entity": "sensor.hashprice",
        "break_even_margin": 10,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**options, "miners": []}
    )
    assert result["errors"] == {"miners": "no_miners"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == options
    manager = entry.runtime_data
    assert manager.limits.min_run_s == 1200 and manager.limits.max_restart_writes_per_hour == 2
    assert manager.limits.max_starts_per_day == 4 and manager.limits.ride_through_wh == 10
    assert len(manager.loaded_miners()) == 3
    assert manager.problems["hashprice"] == "unavailable"  # no such sensor yet
    assert hass.states.get("sensor.power_manager_estimated_profit_per_day") is not None
