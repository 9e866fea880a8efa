"""Repair issues for the critical error codes a miner reports (api/errorcodes.py).

One issue per kind of fault (power supply, overheating, hashboard not found, fan, coolant
flow, firmware security) and miner, raised by the poll that first reports one of its codes
and deleted by the first poll that reports none: the owner fixes the miner, not Home
Assistant, so there is no fix flow. The issue lists the codes in words (the miner's own
reason when it sends one) and its translated text says what to check. Polls that fail leave
the issues as they are; the issues of a miner are deleted when it unloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api.errorcodes import Repair
from .api.models import MinerSnapshot
from .const import DOMAIN
from .miner_errors import error_codes, info

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .coordinator import WhatsMinerConfigEntry

DOCS_URL: Final = (
    "https://github.com/whatsminer-ha/whatsminer-homeassistant/blob/main/docs/repairs.md"
    "#error-codes"
)


def issue_id(repair: Repair, entry: ConfigEntry[Any]) -> str:
    """The id of one kind of fault's issue of one miner."""
    return f"error_{repair}_{entry.entry_id}"


def faults(snapshot: MinerSnapshot) -> dict[Repair, str]:
    """The critical codes of a poll by the repair they raise, each a line "- code: meaning"."""
    lines: dict[Repair, list[str]] = {}
    for error in error_codes(snapshot):
        if (found := info(error)).repair is not None:
            lines.setdefault(found.repair, []).append(f"- {found.code}: {found.meaning}")
    return {repair: "\n".join(listed) for repair, listed in lines.items()}


@callback
def async_setup_error_repairs(entry: WhatsMinerConfigEntry) -> None:
    """Raise and clear the issues of a set-up miner's critical codes after each poll."""
    coordinator = entry.runtime_data
    hass = coordinator.hass
    raised: dict[Repair, str] | None = None  # None: not checked yet (clear any left over)

    @callback
    def _polled() -> None:
        nonlocal raised
        if not coordinator.last_update_success or (snapshot := coordinator.data) is None:
            return
        found = faults(snapshot)
        if found == raised:
            return
        for repair in Repair:
            if repair in found:
                if raised is None or raised.get(repair) != found[repair]:
                    _raise(hass, entry, repair, found[repair])
            elif raised is None or repair in raised:
                ir.async_delete_issue(hass, DOMAIN, issue_id(repair, entry))
        raised = found

    _polled()
    entry.async_on_unload(coordinator.async_add_listener(_polled))
    entry.async_on_unload(lambda: async_delete_error_issues(hass, entry))


@callback
def _raise(hass: HomeAssistant, entry: ConfigEntry[Any], repair: Repair, errors: str) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(repair, entry),
        is_fixable=False,
        learn_more_url=DOCS_URL,
        severity=ir.IssueSeverity.ERROR,
        translation_key=f"error_{repair}",
        translation_placeholders={
            "name": entry.title,
            "host": entry.data[CONF_HOST],
            "errors": errors,
        },
    )


@callback
def async_delete_error_issues(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Forget the error issues of a miner (its entry unloads)."""
    for repair in Repair:
        ir.async_delete_issue(hass, DOMAIN, issue_id(repair, entry))
