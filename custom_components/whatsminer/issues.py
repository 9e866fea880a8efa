"""Repair issues: problems with a miner that its owner can act on, each with the steps to fix it.

The issues are raised from what the integration learns anyway (each poll, each write's
outcome, the configured password), never from extra requests to the miner, and cleared as
soon as the fact behind them goes away:

- monitor_only: the miner was added without a password (or its firmware changed API and the
  new write account does not take the stored one). Steps for its firmware (v2 or v3); the
  fix flow takes the password, checks it and reloads the miner with its controls.
- API v2 firmware:
  - default_password: the entry uses the factory password "admin" (cleared once it is
    changed; the fix flow changes it on the miner).
  - write_api_disabled: a write was refused because the API switch is off (cleared by the
    next write that works; the fix flow checks again).
  - token_limit: the miner handed out all its login tokens (cleared like write_api_disabled).
- API v3 firmware:
  - v3_write_disabled: the miner reports its API write switch off (get.device.info), or a
    write was refused for it (cleared by a poll showing it on or a write that works).
  - v3_default_password: the entry uses the factory `super` password, which v3 firmware
    refuses for writes (cleared once the entry has another; the fix flow takes the new one
    after the owner changed it in WhatsMinerTool or the web UI).
  - v3_no_permission: the miner answered "no permission" with the switch on (cleared by a
    write that works; the fix flow takes the password again).

Issue ids are `<kind>_<entry_id>`; the issues of an entry are deleted when it unloads.
(`hold.py` raises two more, kept across restarts: a stop that does not hold, a start that
does not take.)
The coordinator and the action helper report writes here; `repairs.py` checks the polls and
holds the fix flows. This module imports neither, so both may import it.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .access import (
    TOKEN_LIMIT,
    V3_DEFAULT_PASSWORD,
    V3_NO_PERMISSION,
    V3_WRITE_DISABLED,
    WRITE_API_DISABLED,
    refusal_key,
)
from .api.errors import WhatsMinerError
from .api.miner import ACCOUNTS, DEFAULT_PASSWORDS
from .api.models import ApiVersion
from .const import CONF_API, DOMAIN

ISSUE_MONITOR_ONLY: Final = "monitor_only"
ISSUE_DEFAULT_PASSWORD: Final = "default_password"  # noqa: S105 - an issue id
ISSUE_WRITE_API_DISABLED: Final = WRITE_API_DISABLED
ISSUE_TOKEN_LIMIT: Final = TOKEN_LIMIT
ISSUE_V3_WRITE_DISABLED: Final = V3_WRITE_DISABLED
ISSUE_V3_DEFAULT_PASSWORD: Final = V3_DEFAULT_PASSWORD
ISSUE_V3_NO_PERMISSION: Final = V3_NO_PERMISSION
ISSUES: Final = (
    ISSUE_MONITOR_ONLY,
    ISSUE_DEFAULT_PASSWORD,
    ISSUE_WRITE_API_DISABLED,
    ISSUE_TOKEN_LIMIT,
    ISSUE_V3_WRITE_DISABLED,
    ISSUE_V3_DEFAULT_PASSWORD,
    ISSUE_V3_NO_PERMISSION,
)
# Cleared by any write that works (the miner took a write: switch on, token to be had, ...).
CLEARED_BY_A_WRITE: Final = (
    ISSUE_WRITE_API_DISABLED,
    ISSUE_TOKEN_LIMIT,
    ISSUE_V3_WRITE_DISABLED,
    ISSUE_V3_NO_PERMISSION,
)
# Fixed by giving Home Assistant a (new) password.
PASSWORD_FIXES: Final = {ISSUE_MONITOR_ONLY, ISSUE_V3_DEFAULT_PASSWORD, ISSUE_V3_NO_PERMISSION}
_SEVERITY: Final = {
    ISSUE_MONITOR_ONLY: ir.IssueSeverity.WARNING,
    ISSUE_DEFAULT_PASSWORD: ir.IssueSeverity.WARNING,
    ISSUE_WRITE_API_DISABLED: ir.IssueSeverity.ERROR,
    ISSUE_TOKEN_LIMIT: ir.IssueSeverity.WARNING,
    ISSUE_V3_WRITE_DISABLED: ir.IssueSeverity.ERROR,
    ISSUE_V3_DEFAULT_PASSWORD: ir.IssueSeverity.ERROR,
    ISSUE_V3_NO_PERMISSION: ir.IssueSeverity.ERROR,
}
# Kinds earlier versions raised (the "firmware needs API v3" issue went with API v3 support).
RETIRED: Final = ("v3_firmware",)
DOCS_URL: Final = (
    "https://github.com/whatsminer-ha/whatsminer-homeassistant/blob/main/docs/repairs.md"
)


class IssueOwner(Protocol):
    """What reports a write's outcome: the miner's coordinator."""

    @property
    def hass(self) -> HomeAssistant: ...
    @property
    def config_entry(self) -> ConfigEntry[Any]: ...
    @property
    def api(self) -> ApiVersion: ...


def issue_id(kind: str, entry: ConfigEntry[Any]) -> str:
    """The id of one kind of issue of one miner."""
    return f"{kind}_{entry.entry_id}"


def entry_api(entry: ConfigEntry[Any]) -> ApiVersion:
    return ApiVersion(entry.data.get(CONF_API, ApiVersion.V2))


@callback
def raise_issue(hass: HomeAssistant, entry: ConfigEntry[Any], kind: str) -> None:
    api = entry_api(entry)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry),
        data={"entry_id": entry.entry_id, "kind": kind},
        is_fixable=True,
        learn_more_url=DOCS_URL,
        severity=_SEVERITY[kind],
        # monitor only: the steps of this firmware's API
        translation_key=f"{kind}_{api}" if kind == ISSUE_MONITOR_ONLY else kind,
        translation_placeholders={
            "name": entry.title,
            "host": entry.data[CONF_HOST],
            "account": ACCOUNTS[api],
            "default": DEFAULT_PASSWORDS[api],
        },
    )


@callback
def set_issue(hass: HomeAssistant, entry: ConfigEntry[Any], kind: str, present: bool) -> None:
    if present:
        raise_issue(hass, entry, kind)
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_check_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Raise or clear what the entry itself tells: no password, a factory password."""
    password = entry.data.get(CONF_PASSWORD)
    api = entry_api(entry)
    set_issue(hass, entry, ISSUE_MONITOR_ONLY, password is None)
    set_issue(
        hass,
        entry,
        ISSUE_DEFAULT_PASSWORD,
        api is ApiVersion.V2 and password == DEFAULT_PASSWORDS[ApiVersion.V2],
    )
    set_issue(
        hass,
        entry,
        ISSUE_V3_DEFAULT_PASSWORD,
        api is ApiVersion.V3 and password == DEFAULT_PASSWORDS[ApiVersion.V3],
    )


@callback
def async_write_failed(owner: IssueOwner, err: WhatsMinerError) -> None:
    """Raise the issue a failed write reveals, if it is one the owner can fix."""
    if (kind := refusal_key(err, owner.api)) is not None:
        raise_issue(owner.hass, owner.config_entry, kind)


@callback
def async_write_succeeded(owner: IssueOwner) -> None:
    """A write worked: the API is on, a token was to be had, the account may write."""
    for kind in CLEARED_BY_A_WRITE:
        ir.async_delete_issue(owner.hass, DOMAIN, issue_id(kind, owner.config_entry))


@callback
def async_delete_issues(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Forget every issue of a miner (its entry unloads or is removed)."""
    for kind in ISSUES:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))
