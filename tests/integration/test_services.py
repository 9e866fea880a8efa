"""Actions against a simulated miner: each changes the miner; bad input is refused first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.whatsminer.const import DOMAIN
from simulator import MinerSimulator, SimulatedMiner
import simulator.v2.server as sim_v2_server

from .control_helpers import device_id


async def _call(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, response: bool = False, **data: Any
) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        service,
        {"device_id": device_id(hass, entry), **data},
        blocking=True,
        return_response=response,
    )


async def _refused(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, **data: Any
) -> ServiceValidationError:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, entry, service, **data)
    return err.value


async def test_update_pools(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """One to three pools replace the miner's pools; Home Assistant shows them."""
    await _call(
        hass,
        init_integration,
        "update_pools",
        pool_1_url="stratum+tcp://pool.example:3333",
        pool_1_worker="me.rig1",
        pool_2_url="stratum+tcp://backup.example:3333",
        pool_2_worker="me.rig1",
        pool_2_password="x",
    )
    assert [(p.url, p.user, p.passwd) for p in miner.state.pools] == [
        ("stratum+tcp://pool.example:3333", "me.rig1", ""),
        ("stratum+tcp://backup.example:3333", "me.rig1", "x"),
    ]
    pools = init_integration.runtime_data.data.pools
    assert [pool.url for pool in pools] == [p.url for p in miner.state.pools]

    response = await _call(hass, init_integration, "get_pools", response=True)
    assert [pool["url"] for pool in response["pools"]] == [p.url for p in miner.state.pools]


async def test_update_pools_refuses_incomplete_pool(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A pool without its worker is refused before anything is sent."""
    err = await _refused(
        hass,
        init_integration,
        "update_pools",
        pool_1_url="stratum+tcp://pool.example:3333",
        pool_1_worker="me.rig1",
        pool_2_url="stratum+tcp://backup.example:3333",
    )
    assert err.translation_key == "pool_incomplete"
    assert miner.counters.commands["update_pools"] == 0


async def test_set_led(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Manual LED with colour and timing, then back to automatic; bad timing is refused."""
    await _call(
        hass, init_integration, "set_led", mode="manual", color="green", period=1000, duration=400
    )
    led = miner.state.led
    assert (led.mode, led.color, led.period_ms, led.duration_ms, led.start_ms) == (
        "manual",
        "green",
        1000,
        400,
        0,
    )
    err = await _refused(hass, init_integration, "set_led", mode="manual", period=100, duration=200)
    assert err.translation_key == "invalid_value"
    await _call(hass, init_integration, "set_led", mode="auto")
    assert miner.state.led.mode == "auto"
    assert miner.counters.commands["set_led"] == 2


async def test_download_logs(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The logs are saved under the config directory, byte for byte what the miner sent."""
    sent: list[bytes] = []

    def record(*args: Any) -> bytes:
        sent.append(real(*args))
        return sent[-1]

    real = sim_v2_server.log_archive
    with patch.object(sim_v2_server, "log_archive", record):
        response = await _call(hass, init_integration, "download_logs", response=True)
    path = Path(response["path"])
    assert path.parent == Path(hass.config.path(DOMAIN, "logs"))
    assert path.name.endswith(".tgz")
    data = await hass.async_add_executor_job(path.read_bytes)
    assert len(sent) == 1
    assert data == sent[0]
    assert response["size"] == len(sent[0])


async def test_set_hostname(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The host name changes; an invalid one is refused before anything is sent."""
    await _call(hass, init_integration, "set_hostname", hostname="garage-miner")
    assert miner.state.hostname == "garage-miner"
    assert init_integration.runtime_data.data.info.hostname == "garage-miner"  # type: ignore[union-attr]
    err = await _refused(hass, init_integration, "set_hostname", hostname="bad host!")
    assert err.translation_key == "invalid_value"
    assert miner.counters.commands["set_hostname"] == 1


async def test_set_timezone(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The POSIX string is derived from the zone name, which defaults to Home Assistant's."""
    response = await _call(
        hass, init_integration, "set_timezone", response=True, zonename="Europe/Berlin"
    )
    assert response == {"timezone": "CET-1CEST,M3.5.0,M10.5.0/3", "zonename": "Europe/Berlin"}
    assert (miner.state.timezone, miner.state.zonename) == (
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "Europe/Berlin",
    )
    await hass.config.async_update(time_zone="Asia/Tokyo")
    await _call(hass, init_integration, "set_timezone")
    assert (miner.state.timezone, miner.state.zonename) == ("JST-9", "Asia/Tokyo")
    await _call(hass, init_integration, "set_timezone", zonename="Etc/UTC", timezone="UTC0")
    assert (miner.state.timezone, miner.state.zonename) == ("UTC0", "Etc/UTC")
    for bad in ("Mars/Olympus", "../../etc/passwd"):
        err = await _refused(hass, init_integration, "set_timezone", zonename=bad)
        assert err.translation_key == "unknown_time_zone"
    assert miner.counters.commands["set_zone"] == 3


async def test_set_syslog(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The remote syslog server is configured; a bad address is refused."""
    await _call(hass, init_integration, "set_syslog", ip="192.168.1.10", port=1514, proto="tcp")
    assert miner.state.syslog is not None
    assert (miner.state.syslog.ip, miner.state.syslog.port, miner.state.syslog.proto) == (
        "192.168.1.10",
        "1514",
        "tcp",
    )
    err = await _refused(hass, init_integration, "set_syslog", ip="not-an-ip")
    assert err.translation_key == "invalid_value"


async def test_set_network_static_and_dhcp(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """Static address with DNS servers, then DHCP again; missing fields are refused."""
    err = await _refused(hass, init_integration, "set_network", mode="static", ip="10.0.0.5")
    assert err.translation_key == "static_fields_missing"
    await _call(
        hass,
        init_integration,
        "set_network",
        mode="static",
        ip="10.0.0.5",
        netmask="255.255.255.0",
        gateway="10.0.0.1",
        dns=["10.0.0.1", "1.1.1.1"],
        hostname="rig1",
    )
    network = miner.state.network
    assert (network.proto, network.ip, network.gateway, network.dns) == (
        "static",
        "10.0.0.5",
        "10.0.0.1",
        "10.0.0.1 1.1.1.1",
    )
    assert miner.state.hostname == "rig1"
    simulator.clock.advance(miner.timing.reboot_s + 1)
    await _call(hass, init_integration, "set_network", mode="dhcp")
    assert miner.state.network.proto == "dhcp"


async def test_change_password_keeps_integration_working(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The new password is set on the miner and stored; writes and a reload keep working."""
    err = await _refused(hass, init_integration, "change_password", new_password="far_too_long")
    assert err.translation_key == "invalid_value"

    await _call(hass, init_integration, "change_password", new_password="s3cret_1")
    assert miner.state.password == "s3cret_1"
    assert init_integration.data[CONF_PASSWORD] == "s3cret_1"

    await _call(hass, init_integration, "set_hostname", hostname="after-change")
    assert miner.state.hostname == "after-change"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    await _call(hass, init_integration, "set_hostname", hostname="after-reload")
    assert miner.state.hostname == "after-reload"


async def test_factory_reset_needs_confirmation(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Without confirm nothing happens; with it the miner is reset."""
    err = await _refused(hass, init_integration, "factory_reset", confirm=False)
    assert err.translation_key == "factory_reset_not_confirmed"
    assert miner.counters.commands["factory_reset"] == 0
    await _call(hass, init_integration, "factory_reset", confirm=True)
    assert miner.state.pools == []
    assert miner.state.api_enabled is False


async def test_pre_power_on(
    hass: HomeAssistant,
    simulator: MinerSimulator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
) -> None:
    """Pre-heating a stopped miner reports its progress."""
    miner.state.mining = False
    response = await _call(hass, init_integration, "pre_power_on", response=True)
    assert response == {"complete": False, "message": "wait for adjust temp"}
    simulator.clock.advance(miner.timing.preheat_s + 1)
    response = await _call(
        hass, init_integration, "pre_power_on", response=True, message="adjust continue"
    )
    assert response == {"complete": True, "message": "adjust complete"}


async def test_set_customer_message(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A customer message is stored on the miner."""
    await _call(hass, init_integration, "set_customer_message", key="msg3", value="barn 2")
    assert miner.state.customer_msg == {"msg3": "barn 2"}


async def test_get_error_codes(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """The miner's error codes come back as response data, in words."""
    miner.raise_error(110)
    response = await _call(hass, init_integration, "get_error_codes", response=True)
    [error] = response["error_codes"]
    assert (error["code"], error["meaning"], error["part"], error["severity"]) == (
        110, "Intake fan speed not detected", "fan", "critical",
    )  # fmt: skip
    assert error["reported_at"] is not None


async def test_unknown_device(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """A device that is not a miner is refused."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    for device_id_ in (device.id, "nope"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, "get_pools", {"device_id": device_id_}, blocking=True, return_response=True
            )
        assert err.value.translation_key == "device_not_found"


async def test_device_not_loaded(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A miner whose entry is not loaded is refused."""
    device = device_id(hass, init_integration)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "get_pools", {"device_id": device}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "device_not_loaded"


async def test_relative_firmware_path_starts_at_config_dir(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A relative path is taken inside the config directory, and still checked."""
    err = await _refused(hass, init_integration, "upgrade_firmware", path="firmware.bin")
    assert err.translation_key == "path_not_allowed"
    assert err.translation_placeholders["path"] == hass.config.path("firmware.bin")


async def test_every_action_is_described(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """services.yaml and en.json describe every action; each has a device_id and selectors."""
    root = Path(__file__).parents[2] / "custom_components" / DOMAIN
    yaml = await hass.async_add_executor_job(load_yaml_dict, str(root / "services.yaml"))
    texts = await hass.async_add_executor_job((root / "translations" / "en.json").read_text)
    translated = json.loads(texts)["services"]
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    assert {name for name in yaml if not name.startswith(".")} == registered
    assert set(translated) == registered
    for name in registered:
        fields = yaml[name]["fields"]
        assert fields["device_id"]["required"] is True
        assert all("selector" in field for field in fields.values())
        assert set(translated[name]["fields"]) == set(fields)


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("upgrade_firmware", {"path": "/tmp/firmware.bin"}),
        ("download_logs", {}),
        ("set_network", {"mode": "dhcp"}),
        ("change_password", {"new_password": "abc"}),
        ("factory_reset", {"confirm": True}),
    ],
)
async def test_dangerous_actions_need_an_admin(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    hass_read_only_user: MockUser,
    service: str,
    data: dict[str, Any],
) -> None:
    """Actions that can lock the owner out or replace firmware are for administrators only."""
    commands = sum(miner.counters.commands.values())
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            service,
            {"device_id": device_id(hass, init_integration), **data},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert sum(miner.counters.commands.values()) == commands
