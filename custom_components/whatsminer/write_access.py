"""Enable write access from Home Assistant: the opt-in step of the repair and options flows.

Only ever run when the owner asks for it in a dialog (never automatically, never in a poll).
The miner first gets a write that changes nothing; only when its write switch refuses that
write does the client send the 4028 `open_write_api` handshake (not part of MicroBT's
documented API) and try the write once more (`Miner.enable_write_api`). On success the
entry keeps the password that worked and reloads: monitor only and write-off end, the
controls appear. On failure the dialog says why; WhatsMinerTool stays the documented way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import probatio as vol

from .access import error_key
from .api.auto import create_miner
from .api.errors import (
    WriteUnlockPasswordError,
    WriteUnlockRefusedError,
    WriteUnlockUnsupportedError,
)
from .api.miner import DEFAULT_PASSWORDS, DEFAULT_V2_PORT, DEFAULT_V3_PORT
from .api.models import ApiVersion
from .const import CONF_API, CONF_V2_PORT, CONF_V3_PORT, LOGGER

if TYPE_CHECKING:
    from .coordinator import WhatsMinerConfigEntry

STEP_ENABLE_WRITE: Final = "enable_write"
# v3 firmware: the v2 admin password the handshake on 4028 tries before the factory "admin"
CONF_ADMIN_PASSWORD: Final = "admin_password"  # noqa: S105 - a form field

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _error_key(err: Exception, api: ApiVersion) -> str:
    match err:
        case WriteUnlockPasswordError():
            return "unlock_wrong_password"
        case WriteUnlockRefusedError():
            return "unlock_refused"
        case WriteUnlockUnsupportedError():
            return "unlock_unsupported"
    return error_key(err, api)


def _api(entry: WhatsMinerConfigEntry) -> ApiVersion:
    return ApiVersion(entry.data[CONF_API])


def enable_write_schema(entry: WhatsMinerConfigEntry) -> vol.Schema:
    """The step's form: the write account's password (prefilled with the entry's; on v2
    without one, the factory `admin`), and on v3 firmware the optional v2 admin password."""
    api = _api(entry)
    configured = entry.data.get(CONF_PASSWORD)
    if api is ApiVersion.V2:
        suggested = configured or DEFAULT_PASSWORDS[ApiVersion.V2]
        return vol.Schema(
            {vol.Required(CONF_PASSWORD, description={"suggested_value": suggested}): _PASSWORD}
        )
    return vol.Schema(
        {
            vol.Required(CONF_PASSWORD, description={"suggested_value": configured}): _PASSWORD,
            vol.Optional(CONF_ADMIN_PASSWORD): _PASSWORD,
        }
    )


async def async_enable_write(
    hass: HomeAssistant, entry: WhatsMinerConfigEntry, user_input: dict[str, str]
) -> tuple[str | None, bool]:
    """Run the step for a loaded miner: (error key, None on success; whether the handshake
    was needed). On success the entry stores the password and reloads."""
    api = _api(entry)
    password = user_input[CONF_PASSWORD]
    # v2: one admin account for the handshake and the writes; v3: super writes, and the
    # handshake takes the v2 admin password given (then the factory one)
    admin = password if api is ApiVersion.V2 else user_input.get(CONF_ADMIN_PASSWORD) or None
    miner = create_miner(
        entry.data[CONF_HOST],
        api,
        password=password,
        v2_port=entry.data.get(CONF_V2_PORT, DEFAULT_V2_PORT),
        v3_port=entry.data.get(CONF_V3_PORT, DEFAULT_V3_PORT),
    )
    try:
        async with entry.runtime_data.write_lock:  # not between another write's steps
            unlocked = await miner.enable_write_api(admin)
    except Exception as err:  # every failure becomes a translated error
        LOGGER.debug("%s: enabling write access failed: %s", entry.title, err)
        return _error_key(err, api), False
    finally:
        await miner.close()
    LOGGER.info(
        "%s: write access %s", entry.title, "enabled" if unlocked else "was already enabled"
    )
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_PASSWORD: password})
    hass.config_entries.async_schedule_reload(entry.entry_id)
    return None, unlocked
