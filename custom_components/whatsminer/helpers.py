"""The one place where actions reach a miner: lock, call, translate errors, refresh.

Every entity action and service goes through `async_miner_action`. It holds the miner's write
lock (two writes never interleave, a firmware upgrade has the miner to itself), turns the
client's errors into translated Home Assistant errors, starts reauthentication when the
password is wrong and asks the coordinator for a refresh, so the next state shown is the
miner's own. A write is never retried here: when its outcome is unknown, the user is told so
and the refresh shows the truth.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NoReturn

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .api.errors import (
    AuthenticationError,
    CommandRejectedError,
    DefaultPasswordError,
    MonitorOnlyError,
    PermissionDeniedError,
    TokenLimitError,
    UnsupportedCommandError,
    UnsupportedFirmwareError,
    WhatsMinerConnectionError,
    WhatsMinerError,
    WhatsMinerValidationError,
    WriteApiDisabledError,
    WriteOutcomeUnknownError,
)
from .api.miner import Miner
from .const import DOMAIN, LOGGER
from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator
from .issues import async_write_failed, async_write_succeeded


def _raise(key: str, err: Exception, **placeholders: str) -> NoReturn:
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err), **placeholders},
    ) from err


def translate_error(coordinator: WhatsMinerCoordinator, err: WhatsMinerError) -> NoReturn:
    """Raise the Home Assistant error a user can act on for a client error."""
    async_write_failed(coordinator, err)  # a repair issue when the owner can fix the cause
    host = coordinator.miner.host
    match err:
        case WhatsMinerValidationError():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_value",
                translation_placeholders={"field": err.field or "value", "error": str(err)},
            ) from err
        case MonitorOnlyError():
            _raise("monitor_only", err, host=host)
        case PermissionDeniedError():
            coordinator.config_entry.async_start_reauth(coordinator.hass)
            _raise("permission_denied", err, host=host)
        case AuthenticationError():
            coordinator.config_entry.async_start_reauth(coordinator.hass)
            _raise("write_invalid_auth", err, host=host)
        case DefaultPasswordError():
            _raise("default_password", err, host=host)
        case WriteApiDisabledError():
            _raise("write_api_disabled", err, host=host)
        case TokenLimitError():
            _raise("token_limit", err, host=host)
        case UnsupportedFirmwareError():
            _raise("unsupported_firmware", err, host=host)
        case WriteOutcomeUnknownError():
            _raise("write_outcome_unknown", err, host=host, command=err.command)
        case WhatsMinerConnectionError():
            _raise("write_connection_error", err, host=host)
        case UnsupportedCommandError():
            _raise("unsupported_command", err, host=host, command=err.command)
        case CommandRejectedError():
            _raise("command_rejected", err, host=host, code=str(err.code), msg=err.msg or "")
        case _:
            _raise("command_failed", err, host=host)


async def async_miner_action[T](
    coordinator: WhatsMinerCoordinator,
    action: Callable[[Miner], Awaitable[T]],
    *,
    write: bool = True,
    refresh: bool = True,
) -> T:
    """Run `action` on the miner's client and translate what can go wrong.

    Writes hold the miner's lock. Unless `refresh` is False the coordinator refreshes
    afterwards, also after a failure whose outcome is unknown.
    """
    sent = False
    try:
        if write:
            async with coordinator.write_lock:
                sent = True
                result = await action(coordinator.miner)
            async_write_succeeded(coordinator)  # clears write API / token repair issues
            return result
        sent = True
        return await action(coordinator.miner)
    except WhatsMinerValidationError as err:
        sent = False  # nothing reached the miner
        translate_error(coordinator, err)
    except AuthenticationError as err:
        sent = False  # reauth starts; polling with the old password cannot help
        translate_error(coordinator, err)
    except MonitorOnlyError as err:
        sent = False  # refused before sending
        translate_error(coordinator, err)
    except UnsupportedCommandError as err:
        # Nothing changed; when the miner refused it, the refresh shows the command gone.
        sent = err.sent
        translate_error(coordinator, err)
    except WhatsMinerError as err:
        LOGGER.debug("Action on %s failed: %s", coordinator.miner.host, err)
        translate_error(coordinator, err)
    finally:
        if sent and write:
            coordinator.async_written()  # a write may change slow-changing reads
        if sent and refresh:
            await coordinator.async_refresh()


def coordinator_for_device(hass: HomeAssistant, device_id: str) -> WhatsMinerCoordinator:
    """The coordinator of the loaded config entry a device belongs to."""
    device = dr.async_get(hass).async_get(device_id)
    entry: WhatsMinerConfigEntry | None = None
    if device is not None:
        entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device_id": device_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_loaded",
            translation_placeholders={"device_id": device_id, "title": entry.title},
        )
    return entry.runtime_data
