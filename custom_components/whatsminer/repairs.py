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
`async_setup_repairs` hooks an entry's coordinator; the action helper reports writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import probatio as vol

from .access import (
    TOKEN_LIMIT,
    V3_DEFAULT_PASSWORD,
    V3_NO_PERMISSION,
    V3_WRITE_DISABLED,
    WRITE_API_DISABLED,
    async_check_password,
    refusal_key,
)
from .api.errors import WhatsMinerError
from .api.miner import ACCOUNTS, DEFAULT_PASSWORDS, DEFAULT_V2_PORT, DEFAULT_V3_PORT
from .api.models import ApiVersion, MinerSnapshot
from .const import CONF_API, CONF_V2_PORT, CONF_V3_PORT, DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator

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
_CLEARED_BY_A_WRITE: Final = (
    ISSUE_WRITE_API_DISABLED,
    ISSUE_TOKEN_LIMIT,
    ISSUE_V3_WRITE_DISABLED,
    ISSUE_V3_NO_PERMISSION,
)
# Fixed by giving Home Assistant a (new) password.
_PASSWORD_FIXES: Final = {ISSUE_MONITOR_ONLY, ISSUE_V3_DEFAULT_PASSWORD, ISSUE_V3_NO_PERMISSION}
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
_RETIRED: Final = ("v3_firmware",)
DOCS_URL: Final = (
    "https://github.com/whatsminer-ha/whatsminer-homeassistant/blob/main/docs/repairs.md"
)

PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def issue_id(kind: str, entry: ConfigEntry[Any]) -> str:
    """The id of one kind of issue of one miner."""
    return f"{kind}_{entry.entry_id}"


def _api(entry: ConfigEntry[Any]) -> ApiVersion:
    return ApiVersion(entry.data.get(CONF_API, ApiVersion.V2))


@callback
def _raise_issue(hass: HomeAssistant, entry: ConfigEntry[Any], kind: str) -> None:
    api = _api(entry)
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
def _set_issue(hass: HomeAssistant, entry: ConfigEntry[Any], kind: str, present: bool) -> None:
    if present:
        _raise_issue(hass, entry, kind)
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_setup_repairs(entry: WhatsMinerConfigEntry) -> None:
    """Check the polls of a set-up miner (again when what the checks depend on changed);
    forget its issues when it unloads."""
    coordinator = entry.runtime_data
    hass = coordinator.hass

    checked: tuple[Any, ...] | None = None  # what the last check saw

    @callback
    def _polled() -> None:
        # Checked again when what it depends on changed, not at every poll of every miner.
        nonlocal checked
        if not coordinator.last_update_success or (snapshot := coordinator.data) is None:
            return
        seen = (entry.data.get(CONF_PASSWORD), entry.data.get(CONF_API), snapshot.write_access)
        if seen != checked:
            checked = seen
            async_check_poll(coordinator, snapshot)

    for kind in _RETIRED:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))
    async_check_entry(hass, entry)  # also while the miner is off
    _polled()
    entry.async_on_unload(coordinator.async_add_listener(_polled))
    entry.async_on_unload(lambda: async_delete_issues(hass, entry))


@callback
def async_check_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Raise or clear what the entry itself tells: no password, a factory password."""
    password = entry.data.get(CONF_PASSWORD)
    api = _api(entry)
    _set_issue(hass, entry, ISSUE_MONITOR_ONLY, password is None)
    _set_issue(
        hass,
        entry,
        ISSUE_DEFAULT_PASSWORD,
        api is ApiVersion.V2 and password == DEFAULT_PASSWORDS[ApiVersion.V2],
    )
    _set_issue(
        hass,
        entry,
        ISSUE_V3_DEFAULT_PASSWORD,
        api is ApiVersion.V3 and password == DEFAULT_PASSWORDS[ApiVersion.V3],
    )


@callback
def async_check_poll(coordinator: WhatsMinerCoordinator, snapshot: MinerSnapshot) -> None:
    """Raise or clear what a poll tells: the entry's password, v3's write switch."""
    entry = coordinator.config_entry
    hass = coordinator.hass
    async_check_entry(hass, entry)
    if snapshot.write_access is not None and not coordinator.monitor_only:
        _set_issue(hass, entry, ISSUE_V3_WRITE_DISABLED, not snapshot.write_access)


@callback
def async_write_failed(coordinator: WhatsMinerCoordinator, err: WhatsMinerError) -> None:
    """Raise the issue a failed write reveals, if it is one the owner can fix."""
    if (kind := refusal_key(err, coordinator.api)) is not None:
        _raise_issue(coordinator.hass, coordinator.config_entry, kind)


@callback
def async_write_succeeded(coordinator: WhatsMinerCoordinator) -> None:
    """A write worked: the API is on, a token was to be had, the account may write."""
    for kind in _CLEARED_BY_A_WRITE:
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
    """Change the factory password on the miner and in Home Assistant (API v2)."""

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
        default = DEFAULT_PASSWORDS[ApiVersion.V2]
        if user_input is not None:
            if entry.data.get(CONF_PASSWORD) != default:
                return self.async_create_entry(data={})
            new = user_input["new_password"]
            if new != user_input["confirm_password"]:
                errors["confirm_password"] = "passwords_differ"  # noqa: S105
            elif new == default:
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


class PasswordRepairFlow(_MinerRepairFlow):
    """The owner enabled writes on the miner: take the write account's password, check it,
    store it and reload the miner, so its controls appear without restarting."""

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Show the steps and ask for the password."""
        return await self.async_step_password()

    async def async_step_password(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Check the password with the miner; on success store it and reload."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        placeholders = self._placeholders()
        if user_input is not None:
            password = user_input[CONF_PASSWORD]
            error = await async_check_password(
                entry.data[CONF_HOST],
                _api(entry),
                password,
                v2_port=entry.data.get(CONF_V2_PORT, DEFAULT_V2_PORT),
                v3_port=entry.data.get(CONF_V3_PORT, DEFAULT_V3_PORT),
            )
            if error is None:
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_PASSWORD: password}
                )
                for kind in (*_CLEARED_BY_A_WRITE, *_PASSWORD_FIXES):
                    ir.async_delete_issue(self.hass, DOMAIN, issue_id(kind, entry))
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return self.async_create_entry(data={})
            errors["base"] = error
        return self.async_show_form(
            step_id="password",
            data_schema=vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR}),
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
    kind = str((data or {}).get("kind"))
    if kind == ISSUE_DEFAULT_PASSWORD:
        return DefaultPasswordRepairFlow(entry_id)
    if kind in _PASSWORD_FIXES:
        return PasswordRepairFlow(entry_id)
    return CheckAgainRepairFlow(entry_id)
