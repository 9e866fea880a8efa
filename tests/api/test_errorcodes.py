"""The error code table: ranges and slots, the choices where the public tables disagree, the
miner's own reason, unknown codes."""

from __future__ import annotations

from itertools import pairwise

import pytest

from custom_components.whatsminer.api import errorcodes
from custom_components.whatsminer.api.errorcodes import Part, Repair, Severity, describe


def test_rows_sorted_without_overlap() -> None:
    """Each code has at most one row (the lookup bisects on the first codes)."""
    rows = errorcodes._ROWS
    assert all(row.first <= row.last for row in rows)
    assert all(a.last < b.first for a, b in pairwise(rows))


def test_critical_exactly_where_a_repair_is_named() -> None:
    """A critical code raises a repair; no other code does."""
    for row in errorcodes._ROWS:
        assert (row.severity is Severity.CRITICAL) == (row.repair is not None), row


@pytest.mark.parametrize(
    ("code", "part", "severity", "slot", "meaning"),
    [
        (110, Part.FAN, Severity.CRITICAL, None, "Intake fan speed not detected"),
        (121, Part.FAN, Severity.WARNING, None, "Exhaust fan speed off by more than 2000 rpm"),
        (200, Part.PSU, Severity.CRITICAL, None, "No power supply found"),
        (234, Part.PSU, Severity.CRITICAL, None, "Power supply output over-temperature protection"),
        (285, Part.PSU, Severity.WARNING, None, "Power supply vendor status 1, bit 4"),
        (296, Part.PSU, Severity.WARNING, None, "Power supply vendor status 2, bit 7"),
        (302, Part.BOARD, Severity.WARNING, 2, "Hashboard slot 2: temperature sensor not detected"),
        (329, Part.CONTROL_BOARD, Severity.WARNING, None,
         "Control board temperature sensor communication error"),
        (351, Part.TEMPERATURE, Severity.CRITICAL, 1, "Hashboard slot 1: overheating protection"),
        (530, Part.BOARD, Severity.CRITICAL, 0, "Hashboard slot 0 not found"),
        (533, Part.BOARD, Severity.CRITICAL, 3, "Hashboard slot 3 not found"),
        (600, Part.TEMPERATURE, Severity.CRITICAL, None, "Ambient temperature too high"),
        (610, Part.TEMPERATURE, Severity.INFO, None,
         "Too hot for high performance mode: back to normal mode"),
        (2020, Part.POOL, Severity.WARNING, None, "Connection to pool 1 failed"),
        (2022, Part.POOL, Severity.WARNING, None, "Connection to pool 3 failed"),
        (5072, Part.TEMPERATURE, Severity.CRITICAL, 2, "Hashboard slot 2: abnormal coolant flow"),
        (5113, Part.BOARD, Severity.WARNING, 3, "Hashboard slot 3: frequency ramp-up timed out"),
        (521007, Part.CHIP, Severity.WARNING, 1, "Hashboard slot 1, chip 7: wrong nonces"),
        (543120, Part.CHIP, Severity.WARNING, 3,
         "Hashboard slot 3, chip 120: overheating protection"),
        (100002, Part.OTHER, Severity.CRITICAL, None,
         "Firmware signature check failed: illegal system file"),
    ],
)  # fmt: skip
def test_ranges_and_slots(
    code: int, part: Part, severity: Severity, slot: int | None, meaning: str
) -> None:
    found = describe(code)
    assert (found.part, found.severity, found.slot, found.meaning) == (
        part, severity, slot, meaning,
    )  # fmt: skip
    assert found.known and found.reason is None


@pytest.mark.parametrize(
    ("code", "part", "words"),
    [
        # MicroBT, pyasic and libminer: fans; Tether's older map: hashrate low, PSU init.
        (110, Part.FAN, "Intake fan"),
        (111, Part.FAN, "Exhaust fan"),
        # MicroBT and pyasic; Tether's older map: output over-voltage, input under-voltage,
        # input over-voltage.
        (240, Part.PSU, "output under-voltage"),
        (241, Part.PSU, "output current imbalance"),
        (243, Part.PSU, "input over-temperature"),
        # Tether's newer (M63S++) map and pyasic; its older map: control board, chip support.
        (510, Part.BOARD, "wrong miner type"),
        # MicroBT and Tether; pyasic: unknown error.
        (714, Part.NETWORK, "Network connection seriously unstable"),
        # MicroBT names 2340 and 2350, pyasic 2330 and 2340: all three recorded.
        (2330, Part.OTHER, "Hashrate loss too high"),
        (2340, Part.OTHER, "Hashrate loss too high"),
        (2350, Part.OTHER, "Hashrate loss too high"),
    ],
)
def test_where_the_tables_disagree(code: int, part: Part, words: str) -> None:
    found = describe(code)
    assert found.part is part
    assert words in found.meaning


@pytest.mark.parametrize("code", [202, 203, 204, 205, 206, 217, 236, 248, 264, 267, 270, 275, 620])
def test_codes_tether_counts_as_minor_are_not_critical(code: int) -> None:
    """Tether's worker keeps these as minor on some model: no repair for them."""
    assert describe(code).severity is Severity.WARNING
    assert describe(code).repair is None


def test_same_meaning_split_by_severity() -> None:
    """236 is minor on the M56S and M30 (Tether); 237 and 238, the same fault, are not."""
    assert describe(236).meaning == describe(237).meaning
    assert describe(236).severity is Severity.WARNING
    assert describe(237).repair is describe(238).repair is Repair.PSU


def test_repairs_of_the_critical_faults() -> None:
    assert describe(210).repair is Repair.PSU
    assert describe(8700).repair is Repair.PSU
    assert describe(360).repair is Repair.OVERHEAT
    assert describe(5051).repair is Repair.OVERHEAT
    assert describe(531).repair is Repair.BOARD
    assert describe(111).repair is Repair.FAN
    assert describe(5079).repair is Repair.COOLANT
    assert describe(110001).repair is Repair.FIRMWARE
    assert describe(2000).repair is None and describe(2000).critical is False


def test_the_miners_reason_is_preferred() -> None:
    found = describe(264, "Power xfer error. code: 0xffffffffc0000000")
    assert found.meaning == found.reason == "Power xfer error. code: 0xffffffffc0000000"
    assert (found.part, found.severity, found.known) == (Part.PSU, Severity.WARNING, True)
    assert describe(531, "  Slot1   not found. ").meaning == "Slot1 not found."


@pytest.mark.parametrize(
    "reason", [None, "", "   ", "error 531", "Error code 531", "531", "err531"]
)
def test_a_reason_that_only_repeats_the_code_is_ignored(reason: str | None) -> None:
    found = describe(531, reason)
    assert found.meaning == "Hashboard slot 1 not found"
    assert found.reason is None


@pytest.mark.parametrize("code", [0, 99, 242, 5140, 9999, 999_999, 1_000_000, -1])
def test_unknown_codes(code: int) -> None:
    found = describe(code)
    assert found.meaning == f"Unknown error code {code}"
    assert (found.part, found.severity, found.known) == (Part.OTHER, Severity.WARNING, False)
    assert found.slot is None and found.repair is None


def test_unknown_code_with_a_reason() -> None:
    found = describe(4242, "Something new broke.")
    assert (found.meaning, found.part, found.known) == ("Something new broke.", Part.OTHER, False)
