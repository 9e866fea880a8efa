"""Found by Home Assistant: DHCP discovery flows against simulated miners over real TCP.

Each simulated miner listens on its own loopback address (127.x.y.z) on the real API ports
(4028, 4433), as a miner on the LAN does: a DHCP lease gives an address, nothing more.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from fnmatch import fnmatch
import random
from typing import Any

from homeassistant.config_entries import SOURCE_DHCP, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_dhcp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.whatsminer import config_flow
from custom_components.whatsminer.const import (
    CONF_API,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DOMAIN,
    ENTRY_VERSION,
)
from simulator import MinerSimulator, SimulatedMiner

from .conftest import entry_data
from .helpers import state_of

V2_PORT, V3_PORT = 4028, 4433  # where a miner on the LAN answers


@pytest.fixture
def loopback(socket_enabled: None) -> Callable[[], str]:
    """Hands out fresh loopback addresses the test may connect to (Home Assistant's test
    plugin allows 127.0.0.1 only)."""
    allowed = ["127.0.0.1"]
    rng = random.Random()

    def new() -> str:
        address = f"127.{rng.randint(100, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        allowed.append(address)
        pytest_socket.socket_allow_hosts(allowed)
        return address

    return new


@asynccontextmanager
async def _miner_at(address: str, profile: str = "m30s_plus") -> AsyncIterator[SimulatedMiner]:
    """A simulated miner on the default API ports of `address` (always the same MAC)."""
    async with MinerSimulator(
        profile=profile,
        host=address,
        base_port=V2_PORT,
        v3_base_port=V3_PORT,
        password="admin",
    ) as sim:
        yield sim.miners[0]


def _lease(address: str, mac: str, hostname: str = "whatsminer") -> DhcpServiceInfo:
    """What Home Assistant's DHCP watcher hands over (MAC lower case, no colons)."""
    return DhcpServiceInfo(ip=address, hostname=hostname, macaddress=mac.replace(":", "").lower())


async def _discover(hass: HomeAssistant, lease: DhcpServiceInfo) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=lease
    )


@pytest.fixture
def short_boot_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask a silent address again every 20 ms, for at most 2 s."""
    monkeypatch.setattr(config_flow, "DHCP_RETRY_S", 0.02)
    monkeypatch.setattr(config_flow, "DHCP_BOOT_WAIT_S", 2.0)


async def test_manifest_matches_default_hostname_and_known_miners(hass: HomeAssistant) -> None:
    """Home Assistant's DHCP watcher offers hostnames like the factory one, and any lease of
    a MAC that a WhatsMiner device already has."""
    matchers = [m for m in await async_get_dhcp(hass) if m["domain"] == DOMAIN]
    assert {"domain": DOMAIN, "registered_devices": True} in matchers
    hostnames = [m["hostname"] for m in matchers if "hostname" in m]
    # The watcher lower-cases the hostname and matches it with fnmatch.
    for hostname in ("WhatsMiner", "WhatsMiner-0a1b", "whatsminer"):
        assert any(fnmatch(hostname.lower(), pattern) for pattern in hostnames)
    assert not any(fnmatch("raspberrypi", pattern) for pattern in hostnames)


@pytest.mark.parametrize(
    ("profile", "api", "account"), [("m30s_plus", "v2", "admin"), ("m63s_hydro", "v3", "super")]
)
async def test_new_miner_offered_and_added(
    hass: HomeAssistant, loopback: Callable[[], str], profile: str, api: str, account: str
) -> None:
    """A new miner is detected at the leased address, offered with model and address, and
    asks the same password question as adding it by hand; a wrong password is an error."""
    address = loopback()
    async with _miner_at(address, profile) as miner:
        result = await _discover(hass, _lease(address, miner.state.mac))
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "discovery_confirm"
        placeholders = result["description_placeholders"]
        assert placeholders is not None
        assert (placeholders["host"], placeholders["model"]) == (address, miner.profile.model)
        assert (placeholders["firmware"], placeholders["account"]) == (miner.state.fw_ver, account)
        [progress] = hass.config_entries.flow.async_progress()
        assert progress["context"]["title_placeholders"] == {
            "name": f"{miner.profile.model} WhatsMiner"
        }

        flow_id = result["flow_id"]
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "nope"})
        assert result["step_id"] == "discovery_confirm"
        assert result["errors"] == {"base": "invalid_auth" if api == "v2" else "v3_no_permission"}
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "admin"})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.unique_id == format_mac(miner.state.mac)
        assert entry.data == {
            CONF_HOST: address,
            CONF_V2_PORT: V2_PORT,
            CONF_V3_PORT: V3_PORT,
            CONF_API: api,
            CONF_PASSWORD: "admin",
        }
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert not entry.runtime_data.monitor_only
        await hass.config_entries.async_unload(entry.entry_id)


async def test_new_miner_added_monitor_only(
    hass: HomeAssistant, loopback: Callable[[], str]
) -> None:
    """Without a password a discovered miner is added monitor only, as by hand."""
    address = loopback()
    async with _miner_at(address) as miner:
        result = await _discover(hass, _lease(address, miner.state.mac))
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.data[CONF_PASSWORD] is None
        await hass.async_block_till_done()
        assert entry.runtime_data.monitor_only
        await hass.config_entries.async_unload(entry.entry_id)


async def test_known_miner_follows_its_new_address(
    hass: HomeAssistant, loopback: Callable[[], str]
) -> None:
    """A known miner's new lease (whatever its hostname) moves the entry there: same entry,
    same device and entities, reloaded; its ports are kept."""
    old_address, new_address = loopback(), loopback()
    async with _miner_at(old_address) as miner:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="M30S+VE40 barn-01",
            unique_id=format_mac(miner.state.mac),
            data=entry_data(miner),
            version=ENTRY_VERSION,
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        mac = miner.state.mac
    # The miner rebooted and got another lease: the old address answers no more.
    async with _miner_at(new_address) as moved:
        assert moved.state.mac == mac
        result = await _discover(hass, _lease(new_address, mac, hostname="barn-01"))
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
        assert entry.data[CONF_HOST] == new_address
        assert (entry.data[CONF_V2_PORT], entry.data[CONF_V3_PORT]) == (V2_PORT, V3_PORT)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert moved.counters.connections > 0  # the reloaded entry reads the miner there
        assert state_of(hass, entry, "sensor", "power").state != STATE_UNAVAILABLE
        after = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert [d.id for d in after] == [d.id for d in devices]
        assert len(hass.config_entries.async_entries(DOMAIN)) == 1
        await hass.config_entries.async_unload(entry.entry_id)


async def test_known_miner_at_the_same_address_changes_nothing(
    hass: HomeAssistant, loopback: Callable[[], str]
) -> None:
    """A lease renewal of a known miner ends the flow without asking the miner."""
    address = loopback()
    async with _miner_at(address) as miner:
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=format_mac(miner.state.mac), data=entry_data(miner)
        )
        entry.add_to_hass(hass)
        result = await _discover(hass, _lease(address, miner.state.mac))
        assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")
        assert miner.counters.connections == 0
        assert entry.data == entry_data(miner)


async def test_second_lease_while_offered(hass: HomeAssistant, loopback: Callable[[], str]) -> None:
    """A miner already offered is not offered twice."""
    address = loopback()
    async with _miner_at(address) as miner:
        first = await _discover(hass, _lease(address, miner.state.mac))
        assert first["step_id"] == "discovery_confirm"
        second = await _discover(hass, _lease(address, miner.state.mac))
        assert (second["type"], second["reason"]) == (FlowResultType.ABORT, "already_in_progress")
        hass.config_entries.flow.async_abort(first["flow_id"])


async def test_not_a_whatsminer(hass: HomeAssistant, loopback: Callable[[], str]) -> None:
    """A device named like a miner that answers, but not as one, is not offered."""
    address = loopback()

    async def web_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(web_server, address, V2_PORT)
    try:
        result = await _discover(hass, _lease(address, "02:00:00:00:00:01"))
    finally:
        server.close()
        await server.wait_closed()
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "not_whatsminer")
    assert result["description_placeholders"] == {"host": address}


async def test_silent_address_is_asked_again_then_given_up(
    hass: HomeAssistant, loopback: Callable[[], str], short_boot_wait: None
) -> None:
    """Nothing answers at the leased address for the whole boot wait: not offered."""
    address = loopback()
    with pytest.MonkeyPatch.context() as patch:
        calls: list[str] = []
        detect = config_flow.async_detect

        async def counted(host: str, v2_port: int, v3_port: int) -> Any:
            calls.append(host)
            return await detect(host, v2_port, v3_port)

        patch.setattr(config_flow, "async_detect", counted)
        result = await _discover(hass, _lease(address, "02:00:00:00:00:02"))
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "cannot_connect")
    assert len(calls) > 2 and set(calls) == {address}


async def test_booting_miner_offered_once_its_api_answers(
    hass: HomeAssistant, loopback: Callable[[], str], short_boot_wait: None
) -> None:
    """The lease comes while the miner boots; the flow waits for its API and offers it."""
    address = loopback()
    flow = hass.async_create_task(_discover(hass, _lease(address, "c6:07:20:00:00:01")))
    await asyncio.sleep(0.1)
    assert not flow.done()
    async with _miner_at(address) as miner:
        result = await asyncio.wait_for(flow, 5)
        assert result["step_id"] == "discovery_confirm"
        assert format_mac(miner.state.mac) == "c6:07:20:00:00:01"
        hass.config_entries.flow.async_abort(result["flow_id"])
