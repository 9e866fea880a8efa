"""WhatsMiner actions: everything a miner can do that is not an entity.

Every action targets one miner through a required `device_id`, is validated before anything
is sent (ServiceValidationError) and goes through the one action helper, which holds the
miner's lock and translates the client's errors. An action the miner's firmware does not have,
or any write to a miner monitored only, is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, cast
import zoneinfo

from homeassistant.const import CONF_DEVICE_ID, CONF_PASSWORD
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
import probatio as vol

from .api.miner import Control, Miner
from .api.models import LedColor, MinerSnapshot, PoolConfig, SyslogProto
from .const import DOMAIN, LOGGER
from .coordinator import WhatsMinerCoordinator
from .firmware import installer_for
from .helpers import async_miner_action, coordinator_for_device
from .miner_errors import described

MAX_POOLS = 3
PRE_POWER_ON_MESSAGES = ("wait for adjust temp", "adjust complete", "adjust continue")
CUSTOMER_MSG_KEYS = ("CustomerSn", *(f"msg{index}" for index in range(10)))


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _schema(fields: dict[Any, Any]) -> vol.Schema:
    return vol.Schema({vol.Required(CONF_DEVICE_ID): cv.string, **fields})


POOL_FIELDS: dict[Any, Any] = {}
for _index in range(1, MAX_POOLS + 1):
    _key = vol.Required if _index == 1 else vol.Optional
    POOL_FIELDS |= {
        _key(f"pool_{_index}_url"): vol.All(cv.string, vol.Length(min=1, max=256)),
        _key(f"pool_{_index}_worker"): vol.All(cv.string, vol.Length(min=1, max=256)),
        vol.Optional(f"pool_{_index}_password"): vol.All(cv.string, vol.Length(max=256)),
    }

SCHEMAS: dict[str, vol.Schema] = {
    "upgrade_firmware": _schema({vol.Required("path"): cv.string}),
    "update_pools": _schema(POOL_FIELDS),
    "set_led": _schema(
        {
            vol.Required("mode"): vol.In(["auto", "manual"]),
            vol.Optional("color", default=LedColor.RED.value): vol.In([c.value for c in LedColor]),
            vol.Optional("period", default=200): vol.All(vol.Coerce(int), vol.Range(1, 60000)),
            vol.Optional("duration", default=100): vol.All(vol.Coerce(int), vol.Range(0, 60000)),
            vol.Optional("start", default=0): vol.All(vol.Coerce(int), vol.Range(0, 60000)),
        }
    ),
    "download_logs": _schema({}),
    "set_hostname": _schema({vol.Required("hostname"): cv.string}),
    "set_timezone": _schema(
        {
            vol.Optional("zonename"): vol.All(cv.string, vol.Length(min=1, max=64)),
            vol.Optional("timezone"): vol.All(cv.string, vol.Length(min=1, max=64)),
        }
    ),
    "set_ntp_servers": _schema(
        {
            vol.Required("servers"): vol.All(
                cv.ensure_list, [vol.All(cv.string, vol.Length(min=1, max=253))], vol.Length(min=1)
            ),
        }
    ),
    "set_syslog": _schema(
        {
            vol.Required("ip"): cv.string,
            vol.Optional("port", default=514): cv.port,
            vol.Optional("proto", default=SyslogProto.UDP.value): vol.In(
                [p.value for p in SyslogProto]
            ),
        }
    ),
    "set_network": _schema(
        {
            vol.Required("mode"): vol.In(["dhcp", "static"]),
            vol.Optional("ip"): cv.string,
            vol.Optional("netmask"): cv.string,
            vol.Optional("gateway"): cv.string,
            vol.Optional("dns"): vol.All(cv.ensure_list, [cv.string]),
            vol.Optional("hostname"): cv.string,
        }
    ),
    "change_password": _schema({vol.Required("new_password"): cv.string}),
    "factory_reset": _schema({vol.Required("confirm"): cv.boolean}),
    "pre_power_on": _schema(
        {
            vol.Optional("complete", default=False): cv.boolean,
            vol.Optional("message", default=PRE_POWER_ON_MESSAGES[0]): vol.In(
                PRE_POWER_ON_MESSAGES
            ),
        }
    ),
    "set_customer_message": _schema(
        {
            vol.Required("key"): vol.In(CUSTOMER_MSG_KEYS),
            vol.Required("value"): vol.All(cv.string, vol.Length(max=128)),
        }
    ),
    "get_pools": _schema({}),
    "get_error_codes": _schema({}),
}


def _pools(data: dict[str, Any]) -> list[PoolConfig]:
    pools: list[PoolConfig] = []
    for index in range(1, MAX_POOLS + 1):
        url, worker = data.get(f"pool_{index}_url"), data.get(f"pool_{index}_worker")
        if url is None and worker is None:
            continue
        if url is None or worker is None:
            raise _invalid("pool_incomplete", pool=str(index))
        password = data.get(f"pool_{index}_password", "")
        pools.append(PoolConfig(url=url, worker=worker, password=password))
    return pools


async def _upgrade_firmware(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    path = Path(data["path"])
    if not path.is_absolute():
        path = Path(hass.config.path(data["path"]))
    if not hass.config.is_allowed_path(str(path)):
        raise _invalid("path_not_allowed", path=str(path))
    if not await hass.async_add_executor_job(path.is_file):
        raise _invalid("file_not_found", path=str(path))
    version = await installer_for(coordinator).async_install(path)
    return {"version": version}


async def _download_logs(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    logs = await async_miner_action(coordinator, lambda miner: miner.download_logs(), refresh=False)
    stamp = dt_util.utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = Path(hass.config.path(DOMAIN, "logs", f"{coordinator.mac.replace(':', '')}-{stamp}.tgz"))

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(logs)

    await hass.async_add_executor_job(write)
    LOGGER.info("Saved the logs of %s to %s", coordinator.miner.host, path)
    return {"path": str(path), "size": len(logs)}


def _set_led(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    if data["mode"] == "auto":
        return lambda miner: miner.set_led_auto()
    return lambda miner: miner.set_led(
        LedColor(data["color"]),
        period_ms=data["period"],
        duration_ms=data["duration"],
        start_ms=data["start"],
    )


def _set_hostname(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    return lambda miner: miner.set_hostname(data["hostname"])


def _set_ntp_servers(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    servers = [server.strip() for server in data["servers"]]
    if not all(servers) or any("," in server or " " in server for server in servers):
        raise _invalid("invalid_ntp_server", servers=", ".join(data["servers"]))
    return lambda miner: miner.set_ntp_servers(servers)


def _set_syslog(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    return lambda miner: miner.set_syslog(data["ip"], data["port"], SyslogProto(data["proto"]))


async def _set_network(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    if data["mode"] == "dhcp":
        await async_miner_action(coordinator, lambda miner: miner.net_config_dhcp())
        return None
    missing = [field for field in ("ip", "netmask", "gateway", "dns") if not data.get(field)]
    if missing:
        raise _invalid("static_fields_missing", fields=", ".join(missing))
    snapshot = cast(MinerSnapshot | None, coordinator.data)
    info = snapshot.info if snapshot is not None else None
    hostname = data.get("hostname") or (info.hostname if info else None) or "WhatsMiner"
    await async_miner_action(
        coordinator,
        lambda miner: miner.net_config_static(
            ip=data["ip"],
            mask=data["netmask"],
            gateway=data["gateway"],
            dns=data["dns"],
            host=hostname,
        ),
    )
    return None


async def _change_password(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    new = data["new_password"]
    entry = coordinator.config_entry

    await async_miner_action(coordinator, lambda miner: miner.change_password(new))
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_PASSWORD: new})
    return None


def _factory_reset(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    if data["confirm"] is not True:
        raise _invalid("factory_reset_not_confirmed")
    return lambda miner: miner.factory_reset()


async def _pre_power_on(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    state = await async_miner_action(
        coordinator,
        lambda miner: miner.pre_power_on(complete=data["complete"], msg=data["message"]),
    )
    return {"complete": state.complete, "message": state.message}


async def _get_pools(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    pools = await async_miner_action(
        coordinator, lambda miner: miner.get_pools(), write=False, refresh=False
    )
    return {
        "pools": [
            {
                "index": pool.index,
                "url": pool.url,
                "user": pool.user,
                "status": pool.status,
                "priority": pool.priority,
                "active": pool.active,
                "accepted": pool.accepted,
                "rejected": pool.rejected,
                "stale": pool.stale,
                "last_share_time": _iso(pool.last_share_time),
            }
            for pool in pools
        ]
    }


async def _get_error_codes(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    codes = await async_miner_action(
        coordinator, lambda miner: miner.get_error_codes(), write=False, refresh=False
    )
    return {
        "error_codes": [
            {**described(code), "reported_at": _iso(code.reported_at)} for code in codes
        ]
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


type Handler = Callable[
    [HomeAssistant, WhatsMinerCoordinator, dict[str, Any]], Awaitable[ServiceResponse]
]
type Writer = Callable[[dict[str, Any]], Callable[[Miner], Awaitable[Any]]]


def _write(build: Writer) -> Handler:
    """A handler that validates the call into one client write and sends it."""

    async def handler(
        hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
    ) -> ServiceResponse:
        await async_miner_action(coordinator, build(data))
        return None

    return handler


def _update_pools(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    pools = _pools(data)
    return lambda miner: miner.update_pools(pools)


def posix_timezone(zonename: str) -> str | None:
    """The POSIX TZ string of an IANA zone (the footer of its TZif file), if it has one."""
    try:
        zoneinfo.ZoneInfo(zonename)  # refuses unknown names and paths
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    for base in zoneinfo.TZPATH:
        if (path := Path(base, zonename)).is_file():
            data = path.read_bytes()
            break
    else:
        try:
            data = resources.files("tzdata.zoneinfo").joinpath(*zonename.split("/")).read_bytes()
        except (ModuleNotFoundError, OSError):
            return None
    if not data.startswith(b"TZif"):
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return footer.decode("ascii", "replace") or None


async def _set_timezone(
    hass: HomeAssistant, coordinator: WhatsMinerCoordinator, data: dict[str, Any]
) -> ServiceResponse:
    zonename = data.get("zonename") or hass.config.time_zone
    timezone = data.get("timezone") or await hass.async_add_executor_job(posix_timezone, zonename)
    if timezone is None:
        raise _invalid("unknown_time_zone", zonename=zonename)
    await async_miner_action(coordinator, lambda miner: miner.set_timezone(timezone, zonename))
    return {"timezone": timezone, "zonename": zonename}


def _set_customer_message(data: dict[str, Any]) -> Callable[[Miner], Awaitable[Any]]:
    return lambda miner: miner.set_custom_data(data["key"], data["value"])


# name -> (handler, response support, admin only, the control it needs or None for reads)
SERVICES: dict[str, tuple[Handler, SupportsResponse, bool, Control | None]] = {
    "upgrade_firmware": (_upgrade_firmware, SupportsResponse.OPTIONAL, True, Control.FIRMWARE),
    "update_pools": (_write(_update_pools), SupportsResponse.NONE, False, Control.POOLS),
    "set_led": (_write(_set_led), SupportsResponse.NONE, False, Control.LED),
    "download_logs": (_download_logs, SupportsResponse.OPTIONAL, True, Control.LOGS),
    "set_hostname": (_write(_set_hostname), SupportsResponse.NONE, False, Control.HOSTNAME),
    "set_timezone": (_set_timezone, SupportsResponse.OPTIONAL, False, Control.TIMEZONE),
    "set_ntp_servers": (
        _write(_set_ntp_servers),
        SupportsResponse.NONE,
        False,
        Control.NTP_SERVERS,
    ),
    "set_syslog": (_write(_set_syslog), SupportsResponse.NONE, False, Control.SYSLOG),
    "set_network": (_set_network, SupportsResponse.NONE, True, Control.NETWORK),
    "change_password": (_change_password, SupportsResponse.NONE, True, Control.PASSWORD),
    "factory_reset": (_write(_factory_reset), SupportsResponse.NONE, True, Control.FACTORY_RESET),
    "pre_power_on": (_pre_power_on, SupportsResponse.OPTIONAL, False, Control.PRE_POWER_ON),
    "set_customer_message": (
        _write(_set_customer_message),
        SupportsResponse.NONE,
        False,
        Control.CUSTOM_DATA,
    ),
    "get_pools": (_get_pools, SupportsResponse.ONLY, False, None),
    "get_error_codes": (_get_error_codes, SupportsResponse.ONLY, False, None),
}


def require_control(coordinator: WhatsMinerCoordinator, control: Control) -> None:
    """Refuse, before anything is sent, what this miner cannot do or may not be asked."""
    host = coordinator.miner.host
    if coordinator.monitor_only:
        raise _invalid("monitor_only", host=host)
    if not coordinator.capabilities.has(control):
        raise _invalid("unsupported_command", host=host, command=str(control))


async def _async_call(
    hass: HomeAssistant, handler: Handler, control: Control | None, call: ServiceCall
) -> ServiceResponse:
    coordinator = coordinator_for_device(hass, call.data[CONF_DEVICE_ID])
    if control is not None:
        require_control(coordinator, control)
    return await handler(hass, coordinator, dict(call.data))


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of the integration (once, from async_setup)."""
    for name, (handler, supports_response, admin, control) in SERVICES.items():
        func = partial(_async_call, hass, handler, control)
        if admin:
            service.async_register_admin_service(
                hass, DOMAIN, name, func, SCHEMAS[name], supports_response
            )
        else:
            hass.services.async_register(DOMAIN, name, func, SCHEMAS[name], supports_response)
