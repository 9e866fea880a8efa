"""Whether a miner takes writes with a password: one check for the config flow and repairs.

The answer is an error key of the translations (config and repair flows share them), or
None when writes would be accepted. Keys that mean "the miner refuses writes for a reason
its owner fixes on the miner" are in `REFUSALS`: the config flow then offers to add the
miner monitor only; a plainly wrong password is an error to correct instead.
"""

from __future__ import annotations

from typing import Final

from .api.auto import create_miner
from .api.errors import (
    AuthenticationError,
    DefaultPasswordError,
    NotAWhatsMinerError,
    PermissionDeniedError,
    TokenLimitError,
    WhatsMinerError,
    WriteApiDisabledError,
)
from .api.models import ApiVersion
from .const import LOGGER

WRITE_API_DISABLED: Final = "write_api_disabled"  # v2: API switch off
TOKEN_LIMIT: Final = "token_limit"  # noqa: S105 - v2: no token slots left
V3_WRITE_DISABLED: Final = "v3_write_disabled"  # v3: API write switch off
V3_DEFAULT_PASSWORD: Final = "v3_default_password"  # noqa: S105 - v3: super still "super"
V3_NO_PERMISSION: Final = "v3_no_permission"  # v3: "no permission" with the switch on

REFUSALS: Final = frozenset(
    {WRITE_API_DISABLED, TOKEN_LIMIT, V3_WRITE_DISABLED, V3_DEFAULT_PASSWORD, V3_NO_PERMISSION}
)


def refusal_key(err: WhatsMinerError, api: ApiVersion) -> str | None:
    """The key of a refusal the owner can fix on the miner, if `err` is one."""
    match err:
        case DefaultPasswordError():
            return V3_DEFAULT_PASSWORD
        case WriteApiDisabledError():
            return V3_WRITE_DISABLED if api is ApiVersion.V3 else WRITE_API_DISABLED
        case PermissionDeniedError():
            return V3_NO_PERMISSION
        case TokenLimitError():
            return TOKEN_LIMIT
    return None


def error_key(err: Exception, api: ApiVersion) -> str:
    """The translated error for anything a password check can raise."""
    if isinstance(err, WhatsMinerError) and (key := refusal_key(err, api)) is not None:
        return key
    match err:
        case AuthenticationError():
            return "invalid_auth"
        case NotAWhatsMinerError():
            return "not_whatsminer"
        case WhatsMinerError():
            return "cannot_connect"
    LOGGER.error("Unexpected error while checking a miner's password", exc_info=err)
    return "unknown"


async def async_check_password(
    host: str, api: ApiVersion, password: str, *, v2_port: int, v3_port: int
) -> str | None:
    """Ask the miner whether it would take writes with `password` (nothing is changed)."""
    miner = create_miner(host, api, password=password, v2_port=v2_port, v3_port=v3_port)
    try:
        await miner.verify_password()
    except Exception as err:  # every failure becomes a translated error
        return error_key(err, api)
    finally:
        await miner.close()
    return None
