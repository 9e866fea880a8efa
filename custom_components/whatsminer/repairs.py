"""Home Assistant's repairs platform: the fix flow of each repair issue (`issues.py` says
which issues there are and when each is raised), and the checks of a set-up miner's polls.

`async_setup_repairs` hooks an entry's coordinator; writes report their outcome to
`issues.py` (the coordinator and the action helper), so the coordinator never imports this.

The monitor-only and write-switch-off fix flows start with a menu: enable write access from
Home Assistant (`write_access.py`, opt-in), or the WhatsMinerTool steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import probatio as vol

from .access import async_check_password
from .api.errors import WhatsMinerError
from .api.miner import DEFAULT_PASSWORDS, DEFAULT_V2_PORT, DEFAULT_V3_PORT
from .api.models import ApiVersion, MinerSnapshot
from .const import CONF_API, CONF_V2_PORT, CONF_V3_PORT, DOMAIN, LOGGER
from .issues import (
    CLEARED_BY_A_WRITE,
    ISSUE_DEFAULT_PASSWORD,
    ISSUE_MONITOR_ONLY,
    ISSUE_V3_WRITE_DISABLED,
    ISSUE_WRITE_API_DISABLED,
    PASSWORD_FIXES,
    RETIRED,
    async_check_entry,
    async_delete_issues,
    async_write_failed,
    async_write_succeeded,
    entry_api,
    issue_id,
    set_issue,
)
from .write_access import STEP_ENABLE_WRITE, async_enable_write, enable_write_schema

if TYPE_CHECKING:
    from .coordinator import WhatsMinerConfigEntry, WhatsMinerCoordinator

PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


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

    for kind in RETIRED:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))
    async_check_entry(hass, entry)  # also while the miner is off
    _polled()
    entry.async_on_unload(coordinator.async_add_listener(_polled))
    entry.async_on_unload(lambda: async_delete_issues(hass, entry))


@callback
def async_check_poll(coordinator: WhatsMinerCoordinator, snapshot: MinerSnapshot) -> None:
    """Raise or clear what a poll tells: the entry's password, v3's write switch."""
    entry = coordinator.config_entry
    hass = coordinator.hass
    async_check_entry(hass, entry)
    if snapshot.write_access is not None and not coordinator.monitor_only:
        set_issue(hass, entry, ISSUE_V3_WRITE_DISABLED, not snapshot.write_access)


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


class _EnableWriteMixin(_MinerRepairFlow):
    """A first menu: enable write access from Home Assistant, or the WhatsMinerTool way
    (`OTHER_STEP`, the flow's own step)."""

    OTHER_STEP: str

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Offer both ways."""
        return self.async_show_menu(
            step_id="init",
            menu_options=[STEP_ENABLE_WRITE, self.OTHER_STEP],
            description_placeholders=self._placeholders(),
        )

    async def async_step_enable_write(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Explain, take the password, run the handshake and check it with a write."""
        if (entry := self._entry()) is None:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            error, _ = await async_enable_write(self.hass, entry, user_input)
            if error is None:
                return self.async_create_entry(data={})
            errors["base"] = error
        return self.async_show_form(
            step_id=STEP_ENABLE_WRITE,
            data_schema=enable_write_schema(entry),
            errors=errors,
            description_placeholders=self._placeholders(),
        )


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
                entry_api(entry),
                password,
                v2_port=entry.data.get(CONF_V2_PORT, DEFAULT_V2_PORT),
                v3_port=entry.data.get(CONF_V3_PORT, DEFAULT_V3_PORT),
            )
            if error is None:
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_PASSWORD: password}
                )
                for kind in (*CLEARED_BY_A_WRITE, *PASSWORD_FIXES):
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


class WriteOffRepairFlow(_EnableWriteMixin, CheckAgainRepairFlow):
    """The write switch is off: enable write access from here, or check again after
    switching it on with WhatsMinerTool."""

    OTHER_STEP = "confirm"


class MonitorOnlyRepairFlow(_EnableWriteMixin, PasswordRepairFlow):
    """No password: enable write access from here (taking the password), or enter the
    password after enabling writes with WhatsMinerTool."""

    OTHER_STEP = "password"


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
    if kind == ISSUE_MONITOR_ONLY:
        return MonitorOnlyRepairFlow(entry_id)
    if kind in (ISSUE_WRITE_API_DISABLED, ISSUE_V3_WRITE_DISABLED):
        return WriteOffRepairFlow(entry_id)
    if kind in PASSWORD_FIXES:
        return PasswordRepairFlow(entry_id)
    return CheckAgainRepairFlow(entry_id)
