"""Config flows: add a miner in one step (its API is detected), reauth, reconfigure, options.

Adding a miner: the user enters its address (the two API ports sit in a collapsed section),
the flow detects which API the firmware speaks (`detect()`: v3 on 4433 first, else v2 on
4028), then shows what it found and asks for the password of that API's write account:
`admin` on v2, `super` on v3. The password is optional: without it, or when the miner refuses
writes for a reason its owner fixes on the miner (write API off, factory password on v3, no
permission), the miner can be added monitor only: every reading, no controls, and a repair
that says how to enable writes. A plainly wrong password is an error to correct.

Found by Home Assistant (DHCP): MicroBT control boards use network chips of several vendors
(no MAC prefix of their own), so the manifest matches the default hostname ("WhatsMiner*")
and the MACs of miners already added (`registered_devices`). A known miner's entry follows its
new address (same entry and device, reloaded); anything else is detected like an address the
user entered and, if it is a WhatsMiner, offered with the same password question. Miners whose
hostname was renamed are found by leaving the address empty: a search of the local subnets
that confirms every answer with the same detection (both ports). Where it finds nothing new
(a miner on another subnet, or with an address nobody knows), the flow can wait two minutes
for the miner's IP report button (a UDP datagram to port 8888, api/ipreport.py), then
detects the address it names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network, ip_interface
from typing import Any

from homeassistant.components import network
from homeassistant.config_entries import (
    SOURCE_DHCP,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
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
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import probatio as vol

from .access import async_check_password
from .api.auto import create_miner, detect
from .api.errors import NotAWhatsMinerError, WhatsMinerConnectionError, WhatsMinerError
from .api.ipreport import IP_REPORT_PORT, IpReport, async_wait_for_report
from .api.miner import ACCOUNTS, DEFAULT_PASSWORDS, DEFAULT_V2_PORT, DEFAULT_V3_PORT, Detection
from .api.models import ApiVersion
from .const import (
    CONF_API,
    CONF_RESTART_INTERVAL,
    CONF_SCAN_INTERVAL,
    CONF_V2_PORT,
    CONF_V3_PORT,
    DEFAULT_RESTART_INTERVAL_S,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    ENTRY_VERSION,
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
from .write_access import STEP_ENABLE_WRITE, async_enable_write, enable_write_schema

CONF_MINER = "miner"
CONF_ADVANCED = "advanced"

# Network search: at most a /24 around each address, this many probes at once, and a
# bound on each probe (both ports) and on the whole search.
SEARCH_PREFIX = 24
SEARCH_CONCURRENCY = 64
SEARCH_PROBE_TIMEOUT_S = 3.0
SEARCH_TIMEOUT_S = 60.0
DETECT_TIMEOUT_S = 3.0  # per probe when the user enters an address
# A miner asks for its DHCP lease while booting, a minute or two before its API answers:
# a discovered address that does not answer yet is asked again, every so often, this long.
DHCP_BOOT_WAIT_S = 180.0
DHCP_RETRY_S = 15.0
PROGRESS_STEP = 8  # report progress every this many probes
IP_REPORT_WAIT_S = 120.0  # how long the flow listens for a press of the IP report button

PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A miner that answered detection: where it is, and what it said."""

    host: str
    v2_port: int
    v3_port: int
    detection: Detection

    @property
    def mac(self) -> str:
        """The normalised MAC address (detection without a MAC is refused earlier)."""
        assert self.detection.mac is not None
        return format_mac(self.detection.mac)

    @property
    def title(self) -> str:
        """The entry title: model and hostname, e.g. "M30S+VE40 WhatsMiner-01"."""
        found = self.detection
        return f"{found.model or 'WhatsMiner'} {found.hostname or self.host}"

    @property
    def label(self) -> str:
        """How the miner is shown in the search's list: model, name, firmware, address."""
        found = self.detection
        name = " ".join(part for part in (found.model, found.hostname) if part) or "WhatsMiner"
        address = self.host if self.v2_port == DEFAULT_V2_PORT else f"{self.host}:{self.v2_port}"
        details = ", ".join(part for part in (address, found.firmware) if part)
        return f"{name} ({details})"

    def placeholders(self) -> dict[str, str]:
        """What the password step says it found."""
        found = self.detection
        api = found.api
        return {
            "host": self.host,
            "model": found.model or "WhatsMiner",
            "firmware": found.firmware or "?",
            "api_version": f"{api} ({found.api_version})" if found.api_version else str(api),
            "account": ACCOUNTS[api],
            "default": DEFAULT_PASSWORDS[api],
        }


# host, v2 port, v3 port
type SearchTarget = tuple[str, int, int]


async def async_search_targets(hass: HomeAssistant) -> list[SearchTarget]:
    """What to probe: every host of the enabled IPv4 subnets, on both default ports.

    Subnets larger than a /24 are narrowed to the /24 around Home Assistant's address.
    """
    targets: dict[SearchTarget, None] = {}
    for adapter in await network.async_get_adapters(hass):
        if not adapter["enabled"]:
            continue
        for configured in adapter["ipv4"]:
            own = ip_interface(f"{configured['address']}/{configured['network_prefix']}")
            if own.ip.is_loopback or own.ip.is_link_local:
                continue
            prefix = max(own.network.prefixlen, SEARCH_PREFIX)
            subnet = IPv4Network(f"{own.ip}/{prefix}", strict=False)
            targets.update(
                ((str(h), DEFAULT_V2_PORT, DEFAULT_V3_PORT), None)
                for h in subnet.hosts()
                if h != own.ip
            )
    return list(targets)


async def async_identify(
    host: str,
    v2_port: int,
    v3_port: int,
    timeout: float = DETECT_TIMEOUT_S,  # noqa: ASYNC109 - per probe, as detect()
) -> Detection:
    """Detect the API; where detection did not learn the MAC or the model (API v2 firmware
    answers get_version without them), one read of the miner (no password) fills them in."""
    found = await detect(host, v2_port=v2_port, v3_port=v3_port, timeout=timeout)
    if found.mac and found.model:
        return found
    miner = create_miner(
        host, found.api, password=None, v2_port=v2_port, v3_port=v3_port, timeout=timeout
    )
    try:
        snapshot = await miner.poll()
    except WhatsMinerError as err:
        LOGGER.debug("%s: no identity beyond detection: %s", host, err)
        return found
    finally:
        await miner.close()
    info = snapshot.info
    return replace(
        found,
        mac=found.mac or snapshot.mac,
        model=found.model or snapshot.model,
        hostname=found.hostname or (info.hostname if info else None),
    )


async def _async_probe(host: str, v2_port: int, v3_port: int) -> Target | None:
    """Ask whatever listens at host (both API ports) who it is; None unless a WhatsMiner."""
    try:
        async with asyncio.timeout(SEARCH_PROBE_TIMEOUT_S * 3):
            found = await async_identify(host, v2_port, v3_port, SEARCH_PROBE_TIMEOUT_S)
    except WhatsMinerError, TimeoutError:
        return None
    if not found.mac:
        return None
    return Target(host=host, v2_port=v2_port, v3_port=v3_port, detection=found)


async def async_search(
    targets: Iterable[SearchTarget], progress: Callable[[float], None]
) -> list[Target]:
    """Probe the targets with bounded concurrency and time; the miners found, by address."""
    targets = list(targets)
    semaphore = asyncio.Semaphore(SEARCH_CONCURRENCY)
    found: dict[str, Target] = {}
    done = 0

    async def probe(host: str, v2_port: int, v3_port: int) -> None:
        nonlocal done
        async with semaphore:
            miner = await _async_probe(host, v2_port, v3_port)
        if miner is not None:
            found.setdefault(miner.mac, miner)
        done += 1
        if done % PROGRESS_STEP == 0:
            progress(done / len(targets))

    tasks = [asyncio.create_task(probe(*target)) for target in targets]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=SEARCH_TIMEOUT_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return sorted(found.values(), key=lambda m: (IPv4Address(m.host), m.v2_port))


async def async_detect(host: str, v2_port: int, v3_port: int) -> tuple[Target | None, str | None]:
    """Detect the miner's API: (target, None) or (None, error key)."""
    try:
        found = await async_identify(host, v2_port, v3_port)
    except NotAWhatsMinerError:
        return None, "not_whatsminer"
    except WhatsMinerError:
        return None, "cannot_connect"
    except Exception:
        LOGGER.exception("Unexpected error while detecting the miner at %s", host)
        return None, "unknown"
    if not found.mac:
        return None, "no_mac"
    return Target(host=host, v2_port=v2_port, v3_port=v3_port, detection=found), None


async def async_detect_booting(host: str) -> tuple[Target | None, str | None]:
    """async_detect on the default ports, asked again while the address does not answer."""
    deadline = asyncio.get_running_loop().time() + DHCP_BOOT_WAIT_S
    while True:
        target, error = await async_detect(host, DEFAULT_V2_PORT, DEFAULT_V3_PORT)
        if error != "cannot_connect" or asyncio.get_running_loop().time() >= deadline:
            return target, error
        await asyncio.sleep(DHCP_RETRY_S)


def _address_schema(
    host: str = "", v2_port: int = DEFAULT_V2_PORT, v3_port: int = DEFAULT_V3_PORT
) -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_HOST, default=host): str,
            vol.Required(CONF_ADVANCED): section(
                vol.Schema(
                    {
                        vol.Required(CONF_V2_PORT, default=v2_port): PORT_SELECTOR,
                        vol.Required(CONF_V3_PORT, default=v3_port): PORT_SELECTOR,
                    }
                ),
                {"collapsed": True},
            ),
        }
    )


def _address(user_input: dict[str, Any]) -> tuple[str, int, int]:
    """Host and ports from an address form."""
    ports = user_input.get(CONF_ADVANCED, {})
    return (
        str(user_input.get(CONF_HOST, "")).strip(),
        int(ports.get(CONF_V2_PORT, DEFAULT_V2_PORT)),
        int(ports.get(CONF_V3_PORT, DEFAULT_V3_PORT)),
    )


PASSWORD_SCHEMA = vol.Schema({vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR})


class WhatsMinerConfigFlow(PowerManagerFlowMixin, ConfigFlow, domain=DOMAIN):
    """Add a WhatsMiner."""

    VERSION = ENTRY_VERSION

    def __init__(self) -> None:
        """Start without a miner."""
        self._search_task: asyncio.Task[list[Target]] | None = None
        self._report_task: asyncio.Task[IpReport | None] | None = None
        self._report: IpReport | None = None
        self._report_error = ""
        self._found: dict[str, Target] = {}
        self._target: Target | None = None

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
        """Once a miner exists, offer a power manager too; else straight to the address."""
        if user_input is None and miner_entries(self.hass):
            return await self.async_step_add()
        return await self._async_address_step("user", user_input)

    async def async_step_add(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to add: another miner or a power manager."""
        return self.async_show_menu(
            step_id="add", menu_options=["miner", "ip_report", "power_manager"]
        )

    async def async_step_miner(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a miner (chosen in the menu)."""
        return await self._async_address_step("miner", user_input)

    async def _async_address_step(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask for the miner's address (empty: search the network) and detect its API."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, v2_port, v3_port = _address(user_input)
            if not host:
                return await self.async_step_search()
            target, error = await async_detect(host, v2_port, v3_port)
            if target is None:
                errors["base"] = error or "unknown"
            else:
                return await self._async_found(target)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(_address_schema(), user_input),
            errors=errors,
        )

    async def _async_found(self, target: Target) -> ConfigFlowResult:
        """A miner answered: refuse a known one (its address updated), else ask the password."""
        await self.async_set_unique_id(target.mac)
        self._abort_if_unique_id_configured(
            updates={
                CONF_HOST: target.host,
                CONF_V2_PORT: target.v2_port,
                CONF_V3_PORT: target.v3_port,
            }
        )
        self._target = target
        self.context["title_placeholders"] = {"name": target.title}
        if self.source == SOURCE_DHCP:
            return await self.async_step_discovery_confirm()
        return await self.async_step_password()

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A lease for a known miner's MAC moves its entry; a new address is detected first."""
        host = discovery_info.ip
        await self.async_set_unique_id(format_mac(discovery_info.macaddress))
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        return await self._async_detected(host, await async_detect_booting(host))

    async def _async_detected(
        self, host: str, detected: tuple[Target | None, str | None]
    ) -> ConfigFlowResult:
        """An address Home Assistant was told of (DHCP, an IP report), detected: a miner goes
        on as found; anything else ends the flow, naming the address."""
        target, error = detected
        if target is None:
            return self.async_abort(
                reason=error or "unknown", description_placeholders={"host": host}
            )
        return await self._async_found(target)

    async def async_step_password(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say what was found; ask the write account's password (none: monitor only)."""
        return await self._async_password_step("password", user_input)

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The password step of a miner Home Assistant found on the network."""
        return await self._async_password_step("discovery_confirm", user_input)

    async def _async_password_step(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask the write account's password (none: monitor only) and add the miner."""
        target = self._target
        assert target is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            password: str | None = user_input.get(CONF_PASSWORD) or None
            error = None
            if password is not None:
                error = await async_check_password(
                    target.host,
                    target.detection.api,
                    password,
                    v2_port=target.v2_port,
                    v3_port=target.v3_port,
                )
            if error is None:
                return self.async_create_entry(
                    title=target.title,
                    data={
                        CONF_HOST: target.host,
                        CONF_V2_PORT: target.v2_port,
                        CONF_V3_PORT: target.v3_port,
                        CONF_API: str(target.detection.api),
                        CONF_PASSWORD: password,
                    },
                )
            errors["base"] = error
        return self.async_show_form(
            step_id=step_id,
            data_schema=PASSWORD_SCHEMA,
            description_placeholders=target.placeholders(),
            errors=errors,
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
        """Nothing new was found: wait for the miner's IP report, or enter its address."""
        return self.async_show_menu(step_id="search_none", menu_options=["ip_report", "miner"])

    async def async_step_ip_report(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Listen (UDP 8888) until a miner's IP report button is pressed, showing progress."""
        if self._report_task is None:
            self._report_task = self.hass.async_create_task(
                async_wait_for_report(IP_REPORT_WAIT_S, port=IP_REPORT_PORT), eager_start=False
            )
        if not self._report_task.done():
            return self.async_show_progress(
                step_id="ip_report", progress_action="ip_report", progress_task=self._report_task
            )
        task, self._report_task = self._report_task, None
        try:
            self._report = task.result()
        except WhatsMinerConnectionError as err:
            self._report_error = str(err)
            return self.async_show_progress_done(next_step_id="ip_report_unavailable")
        return self.async_show_progress_done(
            next_step_id="ip_report_found" if self._report else "ip_report_none"
        )

    async def async_step_ip_report_found(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A miner reported its address: detect it there, then as any miner found."""
        assert self._report is not None
        host = self._report.host
        LOGGER.debug("IP report from %s (MAC %s)", host, self._report.mac)
        return await self._async_detected(
            host, await async_detect(host, DEFAULT_V2_PORT, DEFAULT_V3_PORT)
        )

    async def async_step_ip_report_none(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """No miner reported within the time."""
        return self.async_abort(
            reason="no_ip_report",
            description_placeholders={"minutes": f"{IP_REPORT_WAIT_S / 60:g}"},
        )

    async def async_step_ip_report_unavailable(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Home Assistant could not listen on the IP report port."""
        return self.async_abort(
            reason="ip_report_unavailable", description_placeholders={"error": self._report_error}
        )

    async def async_step_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick one of the miners found (model, name, firmware, address)."""
        if user_input is not None:
            return await self._async_found(self._found[user_input[CONF_MINER]])
        options = [SelectOptionDict(value=mac, label=m.label) for mac, m in self._found.items()]
        schema = vol.Schema(
            {vol.Required(CONF_MINER): SelectSelector(SelectSelectorConfig(options=options))}
        )
        return self.async_show_form(step_id="pick", data_schema=schema)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The miner refused the password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password of the write account of the API the miner speaks."""
        entry = self._get_reauth_entry()
        host = entry.data[CONF_HOST]
        api = ApiVersion(entry.data[CONF_API])
        errors: dict[str, str] = {}
        if user_input is not None:
            target, error = await async_detect(
                host, entry.data[CONF_V2_PORT], entry.data[CONF_V3_PORT]
            )
            password: str | None = user_input.get(CONF_PASSWORD) or None
            if target is not None:
                await self.async_set_unique_id(target.mac)
                self._abort_if_unique_id_mismatch(reason="wrong_miner")
                api = target.detection.api
                if password is not None:
                    error = await async_check_password(
                        host,
                        api,
                        password,
                        v2_port=target.v2_port,
                        v3_port=target.v3_port,
                    )
            if error is None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: password, CONF_API: str(api)}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=PASSWORD_SCHEMA,
            description_placeholders={
                "name": entry.title,
                "host": host,
                "account": ACCOUNTS[api],
                "default": DEFAULT_PASSWORDS[api],
            },
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of a miner (detected again; another miner is refused)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, v2_port, v3_port = _address(user_input)
            target, error = (
                await async_detect(host, v2_port, v3_port) if host else (None, "cannot_connect")
            )
            if target is None:
                errors["base"] = error or "unknown"
            else:
                await self.async_set_unique_id(target.mac)
                self._abort_if_unique_id_mismatch(reason="wrong_miner")
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_HOST: host,
                        CONF_V2_PORT: v2_port,
                        CONF_V3_PORT: v3_port,
                        CONF_API: str(target.detection.api),
                    },
                )
        schema = _address_schema(
            entry.data[CONF_HOST], entry.data[CONF_V2_PORT], entry.data[CONF_V3_PORT]
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            description_placeholders={"name": entry.title},
            errors=errors,
        )


class WhatsMinerOptionsFlow(OptionsFlowWithReload):
    """Polling and write pacing of a miner (the entry reloads when they change), and the
    opt-in step that enables write access without WhatsMinerTool."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The settings, or enabling write access."""
        return self.async_show_menu(step_id="init", menu_options=["settings", STEP_ENABLE_WRITE])

    async def async_step_enable_write(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain (per firmware API), take the password, run the handshake, check it."""
        entry = self.config_entry
        if getattr(entry, "runtime_data", None) is None:
            return self.async_abort(reason="not_loaded", description_placeholders=_name(entry))
        errors: dict[str, str] = {}
        if user_input is not None:
            error, unlocked = await async_enable_write(self.hass, entry, user_input)
            if error is None:
                reason = "write_enabled" if unlocked else "write_already_on"
                return self.async_abort(reason=reason, description_placeholders=_name(entry))
            errors["base"] = error
        return self.async_show_form(
            step_id=f"{STEP_ENABLE_WRITE}_{entry.data[CONF_API]}",
            data_schema=enable_write_schema(entry),
            errors=errors,
            description_placeholders=_name(entry),
        )

    # the form's step ids: its text differs between the firmware generations
    async_step_enable_write_v2 = async_step_enable_write
    async_step_enable_write_v3 = async_step_enable_write

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
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
        return self.async_show_form(step_id="settings", data_schema=schema)


def _name(entry: WhatsMinerConfigEntry) -> dict[str, str]:
    return {"name": entry.title, "host": entry.data[CONF_HOST]}
