"""Repair issues: problems with a miner that its owner can act on, each with the steps to fix it.

The issues are raised from what the integration learns anyway (each poll, each write's
outcome, the configured password), never from extra requests to the miner, and cleared as
soon as the fact behind them goes away:

- default_password: the entry still uses the factory password "admin" (cleared once the
  password is changed; the fix flow changes it on the miner).
- write_api_disabled: a write was refused because the miner's API switch is off (cleared by
  the next write that works; the fix flow checks again).
- token_limit: the miner handed out all its login tokens, usually to other tools polling it
  (cleared like write_api_disabled).
- v3_firmware: the firmware only takes writes through API v3 (cleared when a poll shows
  other firmware).

Issue ids are `<kind>_<entry_id>`; the issues of an entry are deleted when it unloads.
`async_setup_repairs` hooks an entry's coordinator; the action helper reports writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import probatio as vol

from .api.errors import (
    TokenLimitError,
    UnsupportedFirmwareError,
    WhatsMinerError,
    WriteApiDisabledError,
)
from .api.models import MinerSnapshot
from .api.v2.client import DEFAULT_PASSWORD
from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator

ISSUE_DEFAULT_PASSWORD: Final = "default_password"  # noqa: S105 - an issue id
ISSUE_WRITE_API_DISABLED: Final = "write_api_disabled"
ISSUE_TOKEN_LIMIT: Final = "token_limit"  # noqa: S105 - an issue id
ISSUE_V3_FIRMWARE: Final = "v3_firmware"
ISSUES: Final = (
    ISSUE_DEFAULT_PASSWORD,
    ISSUE_WRITE_API_DISABLED,
    ISSUE_TOKEN_LIMIT,
    ISSUE_V3_FIRMWARE,
)

_FIXABLE: Final = {ISSUE_DEFAULT_PASSWORD, ISSUE_WRITE_API_DISABLED, ISSUE_TOKEN_LIMIT}
_SEVERITY: Final = {
    ISSUE_DEFAULT_PASSWORD: ir.IssueSeverity.WARNING,
    ISSUE_WRITE_API_DISABLED: ir.IssueSeverity.ERROR,
    ISSUE_TOKEN_LIMIT: ir.IssueSeverity.WARNING,
    ISSUE_V3_FIRMWARE: ir.IssueSeverity.ERROR,
}
DOCS_URL: Final = "https://github.com/whatsminer-ha/whatsminer-homeassistant#troubleshooting"


def issue_id(kind: str, entry: ConfigEntry[Any]) -> str:
    """The id of one kind of issue of one miner."""
    return f"{kind}_{entry.entry_id}"


@callback
def _raise_issue(hass: HomeAssistant, entry: ConfigEntry[Any], kind: str) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry),
        data={"entry_id": entry.entry_id, "kind": kind},
        is_fixable=kind in _FIXABLE,
        learn_more_url=DOCS_URL,
        severity=_SEVERITY[kind],
        translation_key=kind,
        translation_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
    )


@callback
def _set_issue(hass: HomeAssistant, entry: ConfigEntry[Any], kind: str, present: bool) -> None:
    if present:
        _raise_issue(hass, entry, kind)
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_setup_repairs(entry: WhatsMinerConfigEntry) -> None:
    """Check every poll of a set-up miner; forget its issues when it unloads."""
    coordinator = entry.runtime_data
    hass = coordinator.hass

    @callback
    def _polled() -> None:
        if coordinator.last_update_success and coordinator.data is not None:
            async_check_poll(coordinator, coordinator.data)

    _polled()
    entry.async_on_unload(coordinator.async_add_listener(_polled))
    entry.async_on_unload(lambda: async_delete_issues(hass, entry))


@callback
def async_check_poll(coordinator: WhatsMinerCoordinator, snapshot: MinerSnapshot) -> None:
    """Raise or clear what a poll tells: the factory password, firmware that needs API v3."""
    entry = coordinator.config_entry
    hass = coordinator.hass
    _set_issue(hass, entry, ISSUE_DEFAULT_PASSWORD, entry.data[CONF_PASSWORD] == DEFAULT_PASSWORD)
    if snapshot.version is not None and snapshot.version.fw_ver:
        _set_issue(hass, entry, ISSUE_V3_FIRMWARE, snapshot.version.v3_only)


@callback
def async_write_failed(coordinator: WhatsMinerCoordinator, err: WhatsMinerError) -> None:
    """Raise the issue a failed write reveals, if it is one the owner can fix."""
    kind = {
        WriteApiDisabledError: ISSUE_WRITE_API_DISABLED,
        TokenLimitError: ISSUE_TOKEN_LIMIT,
        UnsupportedFirmwareError: ISSUE_V3_FIRMWARE,
    }.get(type(err))
    if kind is not None:
        _raise_issue(coordinator.hass, coordinator.config_entry, kind)


@callback
def async_write_succeeded(coordinator: WhatsMinerCoordinator) -> None:
    """A write worked: the API is on and a token was to be had."""
    for kind in (ISSUE_WRITE_API_DISABLED, ISSUE_TOKEN_LIMIT):
        ir.async_delete_issue(coordinator.hass, DOMAIN, issue_id(kind, coordinator.config_entry))


@callback
def async_delete_issues(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Forget every issue of a miner (its entry unloads or is removed)."""
    for kind in ISSUES:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


class _MinerRepairFlow(RepairsFlow):
    """A fix flow for one miner's issue; aborts when the miner is not loaded."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    def _entry(self) -> WhatsMinerConfigEntry | None:
        entry: WhatsMinerConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._entry_id
        )
        if entry is None or getattr(entry, "runtime_data", None) is None:
            return None
        return entry

    def _placeholders(self) -> dict[str, str]:
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        return dict(issue.translation_placeholders or {}) if issue else {}


class DefaultPasswordRepairFlow(_MinerRepairFlow):
    """Change the factory password on the miner and in Home Assistant."""

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Ask for a new password."""
        return await self.async_step_change_password()

    async def async_step_change_password(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Set the new password through the change_password service (same checks)."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        placeholders = self._placeholders()
        if user_input is not None:
            if entry.data[CONF_PASSWORD] != DEFAULT_PASSWORD:
                return self.async_create_entry(data={})
            new = user_input["new_password"]
            if new != user_input["confirm_password"]:
                errors["confirm_password"] = "passwords_differ"  # noqa: S105
            elif new == DEFAULT_PASSWORD:
                errors["new_password"] = "still_default"  # noqa: S105
            else:
                try:
                    await self.hass.services.async_call(
                        DOMAIN,
                        "change_password",
                        {"device_id": _device_id(self.hass, entry), "new_password": new},
                        blocking=True,
                    )
                except HomeAssistantError as err:
                    LOGGER.debug("Changing the password of %s failed: %s", entry.title, err)
                    errors["base"] = "change_failed"
                    placeholders["error"] = str(err)
                else:
                    return self.async_create_entry(data={})
        placeholders.setdefault("error", "")
        return self.async_show_form(
            step_id="change_password",
            data_schema=vol.Schema(
                {vol.Required("new_password"): str, vol.Required("confirm_password"): str}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


class CheckAgainRepairFlow(_MinerRepairFlow):
    """The owner fixed it on the miner; check with one authenticated read."""

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Show the steps."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Check again when the owner says it is fixed."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        placeholders = self._placeholders()
        if user_input is not None:
            coordinator = entry.runtime_data
            try:
                async with coordinator.write_lock:
                    await coordinator.miner.verify_password()
            except WhatsMinerError as err:
                LOGGER.debug("%s is still not writable: %s", entry.title, err)
                async_write_failed(coordinator, err)
                errors["base"] = "still_failing"
                placeholders["error"] = str(err)
            else:
                async_write_succeeded(coordinator)
                return self.async_create_entry(data={})
        placeholders.setdefault("error", "")
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=placeholders,
        )


def _device_id(hass: HomeAssistant, entry: ConfigEntry[Any]) -> str:
    """The miner's device ("" if it has none: the service then refuses with a clear error)."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return devices[0].id if devices else ""


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a fixable issue (Home Assistant's repairs platform)."""
    entry_id = str((data or {}).get("entry_id"))
    if issue_id.startswith(f"{ISSUE_DEFAULT_PASSWORD}_"):
        return DefaultPasswordRepairFlow(entry_id)
    return CheckAgainRepairFlow(entry_id)
