"""Config flows: add a miner by address or by searching the network, reauth, reconfigure.

DHCP discovery is deliberately not offered: MicroBT control boards use network chips of
several vendors (no MAC prefix of their own) and owners rename the default "WhatsMiner"
hostname, so a DHCP match would miss miners and catch other devices. Instead the user can
ask for a search of the local subnets, which confirms every answer on port 4028.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_interface
from typing import Any

from homeassistant.components import network
from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .api.errors import (
    AuthenticationError,
    NotAWhatsMinerError,
    TokenLimitError,
    UnsupportedFirmwareError,
    WhatsMinerError,
    WriteApiDisabledError,
)
from .api.models import MinerSnapshot
from .api.v2.client import DEFAULT_PASSWORD, DEFAULT_PORT, WhatsMinerClient
from .const import (
    CONF_RESTART_INTERVAL,
    CONF_SCAN_INTERVAL,
    DEFAULT_RESTART_INTERVAL_S,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_RESTART_INTERVAL_S,
    MAX_SCAN_INTERVAL_S,
    MIN_RESTART_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .coordinator import WhatsMinerConfigEntry
from .manager.flow import (
    PowerManagerFlowMixin,
    PowerManagerOptionsFlow,
    is_power_manager,
    miner_entries,
)

CONF_MINER = "miner"

# Network search: at most a /24 around each address, this many probes at once, and a
# bound on each probe and on the whole search.
SEARCH_PREFIX = 24
SEARCH_CONCURRENCY = 64
SEARCH_PROBE_TIMEOUT_S = 3.0
SEARCH_TIMEOUT_S = 60.0
PROGRESS_STEP = 8  # report progress every this many probes

PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundMiner:
    """A WhatsMiner that answered during the network search."""

    host: str
    port: int
    mac: str
    model: str | None
    hostname: str | None

    @property
    def label(self) -> str:
        """How the miner is shown in the list."""
        name = " ".join(part for part in (self.model, self.hostname) if part) or "WhatsMiner"
        address = self.host if self.port == DEFAULT_PORT else f"{self.host}:{self.port}"
        return f"{name} ({address})"


async def async_search_targets(hass: HomeAssistant) -> list[tuple[str, int]]:
    """The (host, port) pairs to probe: every host of the enabled IPv4 subnets.

    Subnets larger than a /24 are narrowed to the /24 around Home Assistant's address.
    """
    targets: dict[str, int] = {}
    for adapter in await network.async_get_adapters(hass):
        if not adapter["enabled"]:
            continue
        for configured in adapter["ipv4"]:
            own = ip_interface(f"{configured['address']}/{configured['network_prefix']}")
            if own.ip.is_loopback or own.ip.is_link_local:
                continue
            prefix = max(own.network.prefixlen, SEARCH_PREFIX)
            subnet = IPv4Network(f"{own.ip}/{prefix}", strict=False)
            targets.update((str(h), DEFAULT_PORT) for h in subnet.hosts() if h != own.ip)
    return list(targets.items())


async def _async_probe(host: str, port: int) -> FoundMiner | None:
    """Ask whatever listens at host:port who it is; None unless it is a WhatsMiner."""
    client = WhatsMinerClient(host, port, timeout=SEARCH_PROBE_TIMEOUT_S)
    try:
        async with asyncio.timeout(SEARCH_PROBE_TIMEOUT_S * 3):
            info = await client.get_miner_info()
            model = await client.devdetails()
    except WhatsMinerError, TimeoutError:
        return None
    if not info.mac:
        return None
    return FoundMiner(
        host=host, port=port, mac=format_mac(info.mac), model=model, hostname=info.hostname
    )


async def async_search(
    targets: Iterable[tuple[str, int]], progress: Callable[[float], None]
) -> list[FoundMiner]:
    """Probe the targets with bounded concurrency and time; the miners found, by address."""
    targets = list(targets)
    semaphore = asyncio.Semaphore(SEARCH_CONCURRENCY)
    found: dict[str, FoundMiner] = {}
    done = 0

    async def probe(host: str, port: int) -> None:
        nonlocal done
        async with semaphore:
            miner = await _async_probe(host, port)
        if miner is not None:
            found.setdefault(miner.mac, miner)
        done += 1
        if done % PROGRESS_STEP == 0:
            progress(done / len(targets))

    tasks = [asyncio.create_task(probe(host, port)) for host, port in targets]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=SEARCH_TIMEOUT_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return sorted(found.values(), key=lambda m: (IPv4Address(m.host), m.port))


async def async_read_miner(
    host: str, port: int, password: str
) -> tuple[MinerSnapshot | None, str | None]:
    """Read the miner and check the password: (snapshot, None) or (None, error key)."""
    client = WhatsMinerClient(host, port, password)
    try:
        snapshot = await client.poll()
        await client.verify_password()
    except NotAWhatsMinerError:
        return None, "not_whatsminer"
    except AuthenticationError:
        return None, "invalid_auth"
    except WriteApiDisabledError:
        return None, "write_api_disabled"
    except TokenLimitError:
        return None, "token_limit"
    except UnsupportedFirmwareError:
        return None, "unsupported_firmware"
    except WhatsMinerError:
        return None, "cannot_connect"
    except Exception:
        LOGGER.exception("Unexpected error while reading the miner at %s:%s", host, port)
        return None, "unknown"
    if snapshot.mac is None:
        return None, "no_mac"
    return snapshot, None


def miner_title(snapshot: MinerSnapshot, host: str) -> str:
    """The entry title: model and hostname, e.g. "M30S+VE40 WhatsMiner-01"."""
    info = snapshot.info
    hostname = info.hostname if info and info.hostname else host
    return f"{snapshot.model or 'WhatsMiner'} {hostname}"


def _connection_schema(host: str = "", port: int = DEFAULT_PORT) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=host): str,
            vol.Required(CONF_PORT, default=port): PORT_SELECTOR,
        }
    )


def _password_schema(default: str | None = DEFAULT_PASSWORD) -> vol.Schema:
    key = vol.Required(CONF_PASSWORD, default=default) if default else vol.Required(CONF_PASSWORD)
    return vol.Schema({key: PASSWORD_SELECTOR})


class WhatsMinerConfigFlow(PowerManagerFlowMixin, ConfigFlow, domain=DOMAIN):
    """Add a WhatsMiner."""

    VERSION = 1

    def __init__(self) -> None:
        """Start without a search."""
        self._search_task: asyncio.Task[list[FoundMiner]] | None = None
        self._found: dict[str, FoundMiner] = {}

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: WhatsMinerConfigEntry,
    ) -> WhatsMinerOptionsFlow | PowerManagerOptionsFlow:
        """The options of a miner (or of a power manager)."""
        if is_power_manager(config_entry):
            return PowerManagerOptionsFlow()
        return WhatsMinerOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Once a miner exists, offer a power manager too; else straight to adding a miner."""
        if miner_entries(self.hass):
            return self.async_show_menu(step_id="user", menu_options=["miner", "power_manager"])
        return await self.async_step_miner()

    async def async_step_miner(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user choose between entering an address and searching the network."""
        return self.async_show_menu(step_id="miner", menu_options=["manual", "search"])

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a miner by its address and admin password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            password = user_input[CONF_PASSWORD]
            snapshot, error = await async_read_miner(host, port, password)
            if snapshot is None:
                errors["base"] = error or "unknown"
            else:
                return await self._async_create(snapshot, host, port, password)
        schema = _connection_schema().extend(_password_schema().schema)
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def _async_create(
        self, snapshot: MinerSnapshot, host: str, port: int, password: str
    ) -> ConfigFlowResult:
        assert snapshot.mac is not None
        await self.async_set_unique_id(format_mac(snapshot.mac))
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        return self.async_create_entry(
            title=miner_title(snapshot, host),
            data={CONF_HOST: host, CONF_PORT: port, CONF_PASSWORD: password},
        )

    async def async_step_search(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Search the local subnets for miners, showing progress."""
        if self._search_task is None:
            targets = await async_search_targets(self.hass)
            self._search_task = self.hass.async_create_task(
                async_search(targets, self.async_update_progress), eager_start=False
            )
        if not self._search_task.done():
            return self.async_show_progress(
                step_id="search", progress_action="search", progress_task=self._search_task
            )
        configured = self._async_current_ids(include_ignore=False)
        self._found = {m.mac: m for m in self._search_task.result() if m.mac not in configured}
        self._search_task = None
        return self.async_show_progress_done(next_step_id="pick" if self._found else "search_none")

    async def async_step_search_none(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Nothing new was found."""
        return self.async_abort(reason="no_miners_found")

    async def async_step_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick one of the miners found and give its admin password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            found = self._found[user_input[CONF_MINER]]
            password = user_input[CONF_PASSWORD]
            snapshot, error = await async_read_miner(found.host, found.port, password)
            if snapshot is None:
                errors["base"] = error or "unknown"
            else:
                return await self._async_create(snapshot, found.host, found.port, password)
        options = [SelectOptionDict(value=mac, label=m.label) for mac, m in self._found.items()]
        schema = vol.Schema(
            {
                vol.Required(CONF_MINER): SelectSelector(SelectSelectorConfig(options=options)),
                vol.Required(CONF_PASSWORD, default=DEFAULT_PASSWORD): PASSWORD_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="pick",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The miner refused the password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new admin password."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            snapshot, error = await async_read_miner(
                entry.data[CONF_HOST], entry.data[CONF_PORT], user_input[CONF_PASSWORD]
            )
            if snapshot is None:
                errors["base"] = error or "unknown"
            else:
                assert snapshot.mac is not None
                await self.async_set_unique_id(format_mac(snapshot.mac))
                self._abort_if_unique_id_mismatch(reason="wrong_miner")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_password_schema(default=None),
            description_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of a miner."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            snapshot, error = await async_read_miner(host, port, entry.data[CONF_PASSWORD])
            if snapshot is None:
                errors["base"] = error or "unknown"
            else:
                assert snapshot.mac is not None
                await self.async_set_unique_id(format_mac(snapshot.mac))
                self._abort_if_unique_id_mismatch(reason="wrong_miner")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_HOST: host, CONF_PORT: port}
                )
        schema = _connection_schema(entry.data[CONF_HOST], entry.data[CONF_PORT])
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            description_placeholders={"name": entry.title},
            errors=errors,
        )


class WhatsMinerOptionsFlow(OptionsFlowWithReload):
    """Polling and write pacing of a miner; the entry reloads when they change."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={key: int(value) for key, value in user_input.items()}
            )
        options = self.config_entry.options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SCAN_INTERVAL,
                    default=options.get(
                        CONF_SCAN_INTERVAL, int(DEFAULT_SCAN_INTERVAL.total_seconds())
                    ),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_SCAN_INTERVAL_S,
                        max=MAX_SCAN_INTERVAL_S,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(
                    CONF_RESTART_INTERVAL,
                    default=options.get(CONF_RESTART_INTERVAL, DEFAULT_RESTART_INTERVAL_S),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_RESTART_INTERVAL_S,
                        max=MAX_RESTART_INTERVAL_S,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
