"""Error codes in words, end to end: the simulated miner raises codes, the error sensors
carry their meaning, part and severity, and critical ones raise a repair that says what
happened and what to check, gone once the miner stops reporting the code."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.api.v2.client import ALTERNATE_READS
from custom_components.whatsminer.const import DOMAIN
from simulator import SimulatedMiner

from .helpers import next_poll, state_of


def _issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"error_{kind}_{entry.entry_id}")


def _error_issues(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {
        issue_id.removesuffix(f"_{entry.entry_id}")
        for (domain, issue_id) in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith("error_")
    }


async def _words(
    hass: HomeAssistant, issue: ir.IssueEntry, language: str = "en"
) -> tuple[str, str]:
    """The issue's title and description as the Repairs dashboard shows them."""
    texts = await async_get_translations(hass, language, "issues", {DOMAIN})
    key = f"component.{DOMAIN}.issues.{issue.translation_key}"
    placeholders = issue.translation_placeholders or {}
    return texts[f"{key}.title"].format(**placeholders), texts[f"{key}.description"].format(
        **placeholders
    )


async def _polls(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Enough polls for v2 to read its error codes (every second poll, by turns)."""
    for _ in range(len(ALTERNATE_READS)):
        await next_poll(hass, freezer)


def _errors(hass: HomeAssistant, entry: MockConfigEntry) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = state_of(hass, entry, "sensor", "error_count").attributes[
        "errors"
    ]
    return errors


async def test_v2_psu_fault_in_words_and_repair(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """v2 firmware sends numbers only: the table gives the words."""
    entry = init_integration
    assert _errors(hass, entry) == []
    assert state_of(hass, entry, "sensor", "latest_error").attributes.get("meaning") is None

    miner.raise_error(121)
    miner.raise_error(233)
    await _polls(hass, freezer)

    errors = {error["code"]: error for error in _errors(hass, entry)}
    assert errors[121] | {"reported_at": None} == {
        "code": 121,
        "meaning": "Exhaust fan speed off by more than 2000 rpm",
        "part": "fan",
        "severity": "warning",
        "reported_at": None,
    }
    assert errors[233]["meaning"] == "Power supply output over-temperature protection"
    assert (errors[233]["part"], errors[233]["severity"]) == ("psu", "critical")
    assert errors[233]["reported_at"]  # the miner's time of it
    latest = state_of(hass, entry, "sensor", "latest_error")
    assert latest.state in {"121", "233"}  # raised in the same second
    assert latest.attributes["meaning"] == errors[int(latest.state)]["meaning"]
    assert latest.attributes["severity"] == errors[int(latest.state)]["severity"]

    # Only the critical code raises a repair: the fan deviation is a warning.
    assert _error_issues(hass, entry) == {"error_psu"}
    issue = _issue(hass, "psu", entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR and not issue.is_fixable
    title, description = await _words(hass, issue)
    assert title == f"{entry.title} reports a power supply fault"
    assert "- 233: Power supply output over-temperature protection" in description
    assert "What to check" in description and "copper bars" in description
    assert "121" not in description
    title, description = await _words(hass, issue, "de")
    assert title == f"{entry.title} meldet einen Netzteilfehler"
    assert "Zu prüfen" in description and "- 233: " in description

    # The miner stops answering: what it reported last stays.
    miner.faults.offline = True
    await _polls(hass, freezer)
    assert not entry.runtime_data.last_update_success
    assert _error_issues(hass, entry) == {"error_psu"}
    miner.faults.offline = False
    miner.clear_errors()
    await _polls(hass, freezer)
    freezer.tick(120)  # past the back-off of the failed polls
    await _polls(hass, freezer)
    assert _errors(hass, entry) == []
    assert _error_issues(hass, entry) == set()
    assert state_of(hass, entry, "sensor", "latest_error").state == "none"


@pytest.mark.parametrize("profile", ["m63s_hydro"])
async def test_v3_reason_preferred_and_repairs_per_fault(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """v3 firmware sends its own reason with each code: shown instead of the table's words,
    while the table still gives the part and severity. One repair per kind of fault."""
    entry = init_integration
    miner.raise_error(600, "Environment temperature is too high.")
    await _polls(hass, freezer)
    [error] = _errors(hass, entry)
    assert (error["code"], error["meaning"], error["part"], error["severity"]) == (
        600, "Environment temperature is too high.", "temperature", "critical",
    )  # fmt: skip
    latest = state_of(hass, entry, "sensor", "latest_error")
    assert latest.state == "600"
    assert latest.attributes["meaning"] == "Environment temperature is too high."
    assert (latest.attributes["part"], latest.attributes["severity"]) == ("temperature", "critical")
    issue = _issue(hass, "overheat", entry)
    assert issue is not None
    title, description = await _words(hass, issue)
    assert title == f"{entry.title} is overheating"
    assert "- 600: Environment temperature is too high." in description
    assert "ambient temperature" in description

    # A reason that only repeats the code ("error 531") gives way to the table's words.
    freezer.tick(5)
    miner.raise_error(531)
    await _polls(hass, freezer)
    errors = {error["code"]: error for error in _errors(hass, entry)}
    assert errors[531]["meaning"] == "Hashboard slot 1 not found"
    assert (errors[531]["part"], errors[531]["slot"]) == ("board", 1)
    assert state_of(hass, entry, "sensor", "latest_error").attributes["slot"] == 1
    assert _error_issues(hass, entry) == {"error_overheat", "error_board"}
    board = _issue(hass, "board", entry)
    assert board is not None
    title, description = await _words(hass, board, "ru")
    assert title == f"{entry.title}: хэш-плата не найдена"
    assert "- 531: Hashboard slot 1 not found" in description

    miner.clear_errors()
    miner.raise_error(531, "Slot1 not found.")
    await _polls(hass, freezer)
    assert _error_issues(hass, entry) == {"error_board"}
    board = _issue(hass, "board", entry)
    assert board is not None
    assert (board.translation_placeholders or {})["errors"] == "- 531: Slot1 not found."

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _error_issues(hass, entry) == set()
