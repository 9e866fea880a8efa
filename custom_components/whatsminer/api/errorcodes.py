"""What a WhatsMiner error code means: its words, the part at fault and how serious it is.

Pure data and one lookup, `describe(code, reason)`. The facts are re-encoded from the public
tables: MicroBT's error code descriptions (2021-04 and 2021-09 editions, with the action to
take), pyasic's WhatsMiner table, libminer's (the asic-rs family, with a part per code) and
Tether MiningOS's worker (a map for most models, a newer one for the M63S++, and per model the
codes it counts as minor). The same code families are used by v2 and v3 firmware.

How the codes are built: the hundreds give the family (1xx fans, 2xx power supply, 3xx
temperature sensors, 4xx hashboard EEPROM, 5xx hashboards, 6xx environment, 7xx control
board, 8xx firmware checks), the last digit often the hashboard slot (531: slot 1, counted
from 0 as the miner and the board sensors count), and four digit codes add pools (20xx),
hashrate (23xx) and chip voltage or temperature per slot (50xx, 51xx). Six digit codes
52nccc to 56nccc name slot n and chip ccc; 100000 and up are the firmware's security checks.

Where the tables disagree, the reading of MicroBT's own list and the newer firmware wins, and
the other is noted beside the row (tests/api/test_errorcodes.py holds each choice):
- 110/111: fans (MicroBT, pyasic, libminer); Tether's older map says low hashrate and PSU init.
- 240, 241, 243-245: output under-voltage, output current imbalance, input over-temperature
  (MicroBT, pyasic, libminer); Tether's older map shifts them (over-voltage, input under-voltage).
- 510-513: hashboard of the wrong miner type (MicroBT, pyasic, Tether's newer map); its older
  map says "control board does not support the chip".
- 714: network connection unstable (MicroBT, Tether); pyasic says unknown error.
- 2330 to 2350: hashrate loss too high; MicroBT names 2340 and 2350, pyasic 2330 and 2340
  (2350 "hashrate loss"): all three are recorded.

Severity: critical where the miner stops hashing or protects itself from damage (power supply
faults and protections, overheating, a hashboard not found, a fan not turning, the coolant
flow, the firmware's security checks); info where nothing needs doing; warning for the rest.
A code Tether's worker counts as minor on some model (e.g. 203, 236, 248, 264, 270) is never
critical here. Critical codes name the repair they raise (error_repairs.py).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Final


class Part(StrEnum):
    """The part of the miner an error is about."""

    FAN = "fan"
    PSU = "psu"
    BOARD = "board"  # a hashboard
    CHIP = "chip"  # one chip (or the chips) of a hashboard
    NETWORK = "network"
    POOL = "pool"
    TEMPERATURE = "temperature"  # heat and cooling: overheating, ambient, coolant
    CONTROL_BOARD = "control_board"
    OTHER = "other"  # firmware, hashrate, factory data, and codes not in the tables


class Severity(StrEnum):
    """How serious an error is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Repair(StrEnum):
    """The repair issue a critical code raises: what happened, in words, and what to check."""

    PSU = "psu"
    OVERHEAT = "overheat"
    BOARD = "board"
    FAN = "fan"
    COOLANT = "coolant"
    FIRMWARE = "firmware"


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorInfo:
    """One error code in words.

    meaning: the miner's own reason when it sent one (v3 API 3.0.1+), else the table's.
    reason: the miner's reason as sent, None when it sent none (or only repeated the code).
    slot: the hashboard slot the code names (0-based), None for the others.
    known: whether the code is in the table (an unknown one is part OTHER, a warning).
    """

    code: int
    meaning: str
    part: Part
    severity: Severity
    slot: int | None = None
    reason: str | None = None
    known: bool = True
    repair: Repair | None = None  # set for the critical codes only

    @property
    def critical(self) -> bool:
        """Whether the code raises a repair issue."""
        return self.severity is Severity.CRITICAL


@dataclass(frozen=True, slots=True)
class _Row:
    """Codes first..last. In `meaning`, {n} is code - first (a slot, pool or bit) and
    {n1} is n + 1 (pools, numbered from 1 as Home Assistant shows them); chip rows
    (52nccc...) give {n} the slot digit and {chip} the last three digits."""

    first: int
    last: int
    part: Part
    severity: Severity
    meaning: str
    repair: Repair | None = None
    slotted: bool = False  # {n} is a hashboard slot
    chips: bool = False


_I, _W, _C = Severity.INFO, Severity.WARNING, Severity.CRITICAL


def _row(
    codes: int | tuple[int, int],
    part: Part,
    severity: Severity,
    meaning: str,
    repair: Repair | None = None,
) -> _Row:
    first, last = (codes, codes) if isinstance(codes, int) else codes
    return _Row(first, last, part, severity, meaning, repair, slotted="slot {n}" in meaning)


def _chip_row(prefix: int, severity: Severity, meaning: str) -> _Row:
    """Six digit codes `<prefix>nccc`: slot n, chip ccc."""
    first = prefix * 10_000
    return _Row(first, first + 9_999, Part.CHIP, severity, meaning, slotted=True, chips=True)


_FAN, _PSU, _BOARD, _CHIP = Part.FAN, Part.PSU, Part.BOARD, Part.CHIP
_NET, _POOL, _TEMP, _CB, _OTHER = (
    Part.NETWORK,
    Part.POOL,
    Part.TEMPERATURE,
    Part.CONTROL_BOARD,
    Part.OTHER,
)
_PSU_FIX, _HOT, _LOST = Repair.PSU, Repair.OVERHEAT, Repair.BOARD

# Sorted by first code, no overlaps (the unit tests hold both).
_ROWS: Final[tuple[_Row, ...]] = (
    # ---- 1xx fans
    _row(100, _FAN, _W, "Fan error"),
    _row(110, _FAN, _C, "Intake fan speed not detected", Repair.FAN),  # Tether old: hashrate
    _row(111, _FAN, _C, "Exhaust fan speed not detected", Repair.FAN),  # Tether old: PSU init
    _row(120, _FAN, _W, "Intake fan speed off by more than 2000 rpm"),
    _row(121, _FAN, _W, "Exhaust fan speed off by more than 2000 rpm"),
    _row(130, _FAN, _W, "Intake fan speed off by more than 3000 rpm"),
    _row(131, _FAN, _W, "Exhaust fan speed off by more than 3000 rpm"),
    _row(140, _FAN, _W, "Fan speed too high"),
    # ---- 2xx power supply
    _row(200, _PSU, _C, "No power supply found", _PSU_FIX),
    _row(201, _PSU, _C, "Power supply does not match the configuration", _PSU_FIX),
    _row(202, _PSU, _W, "Power supply output voltage error"),  # minor (Tether, M53)
    _row(203, _PSU, _W, "Power supply protecting itself: ambient temperature too high"),
    _row(204, _PSU, _W, "Power supply current protection: ambient temperature too high"),
    _row(205, _PSU, _W, "Power supply current error"),
    _row(206, _PSU, _W, "Power supply input voltage too low"),
    _row(207, _PSU, _C, "Power supply input current protection", _PSU_FIX),
    _row(208, _PSU, _C, "Power supply error: its power changes too much", _PSU_FIX),
    _row(209, _PSU, _W, "Power supply voltage offset error"),
    _row(210, _PSU, _C, "Power supply reports an error status", _PSU_FIX),
    _row(211, _PSU, _W, "Power supply output current error"),
    _row(212, _PSU, _W, "Power supply output voltage out of range"),
    _row(213, _PSU, _C, "Power supply input does not match its output", _PSU_FIX),
    _row(214, _PSU, _W, "Power supply input power reading does not change"),
    _row(215, _PSU, _W, "Setting the power supply output voltage failed"),
    _row(216, _PSU, _W, "Power supply readings unchanged for a long time"),
    _row(217, _PSU, _W, "Switching the power supply on failed"),
    _row(218, _PSU, _W, "Input voltage below 230 V: no high power mode"),
    _row(219, _PSU, _W, "Power supply input current incorrect"),
    _row((233, 235), _PSU, _C, "Power supply output over-temperature protection", _PSU_FIX),
    _row(236, _PSU, _W, "Power supply output over-current protection"),  # minor (M56S, M30)
    _row((237, 238), _PSU, _C, "Power supply output over-current protection", _PSU_FIX),
    _row(239, _PSU, _C, "Power supply output over-voltage protection", _PSU_FIX),
    # Tether's older map: 240 output over-voltage, 241 input under-voltage
    _row(240, _PSU, _C, "Power supply output under-voltage protection", _PSU_FIX),
    _row(241, _PSU, _C, "Power supply output current imbalance", _PSU_FIX),
    # Tether's older map: input over-voltage
    _row((243, 245), _PSU, _C, "Power supply input over-temperature protection", _PSU_FIX),
    _row((246, 247), _PSU, _C, "Power supply input over-current protection", _PSU_FIX),
    _row(248, _PSU, _W, "Power supply input over-voltage protection"),  # minor (M56S, M30)
    _row(249, _PSU, _C, "Power supply input over-voltage protection", _PSU_FIX),
    _row((250, 251), _PSU, _C, "Power supply input under-voltage protection", _PSU_FIX),
    _row((253, 254), _PSU, _C, "Power supply fan error", _PSU_FIX),
    _row((255, 256), _PSU, _C, "Power supply output over-power protection", _PSU_FIX),
    _row(257, _PSU, _C, "Power supply primary side over-current protection", _PSU_FIX),
    _row(263, _PSU, _W, "Power supply communication warning"),
    # minor on the M53 (Tether), so none of 264 to 280 is critical
    _row(264, _PSU, _W, "Power supply communication error"),
    _row((265, 266), _PSU, _W, "Power supply error (unknown)"),
    _row(267, _PSU, _W, "Power supply watchdog protection"),
    _row(268, _PSU, _W, "Power supply output over-current protection"),
    _row(269, _PSU, _W, "Power supply input over-current protection"),
    _row(270, _PSU, _W, "Power supply input over-voltage protection"),
    _row(271, _PSU, _W, "Power supply input under-voltage protection"),
    _row(272, _PSU, _W, "Power supply output power too high"),
    _row(273, _PSU, _W, "Power supply input power too high"),
    _row(274, _PSU, _W, "Power supply fan warning"),
    _row(275, _PSU, _W, "Power supply over-temperature warning"),
    _row((276, 280), _PSU, _W, "Power supply error (unknown)"),
    _row((281, 288), _PSU, _W, "Power supply vendor status 1, bit {n}"),
    _row((289, 296), _PSU, _W, "Power supply vendor status 2, bit {n}"),
    # ---- 3xx temperature sensors and protection
    _row((300, 303), _BOARD, _W, "Hashboard slot {n}: temperature sensor not detected"),
    _row(309, _BOARD, _W, "No temperature sensor detected"),
    _row((320, 323), _BOARD, _W, "Hashboard slot {n}: temperature reading error"),
    _row(326, _TEMP, _W, "Coolant temperature sensor communication error"),
    _row(329, _CB, _W, "Control board temperature sensor communication error"),
    _row((350, 353), _TEMP, _C, "Hashboard slot {n}: overheating protection", _HOT),
    _row((360, 363), _TEMP, _C, "Hashboard overheating", _HOT),
    _row(370, _TEMP, _W, "Ambient temperature fluctuates too much"),
    _row(380, _OTHER, _W, "Humidity sensor not found"),
    _row((381, 382), _OTHER, _W, "Humidity sensor reading error"),
    _row(383, _OTHER, _W, "Humidity protection"),
    # ---- 4xx hashboard EEPROM
    _row(400, _BOARD, _W, "Hashboard EEPROM error"),
    _row((410, 413), _BOARD, _W, "Hashboard slot {n}: EEPROM not detected"),
    _row((420, 423), _BOARD, _W, "Hashboard slot {n}: EEPROM data unreadable"),
    _row((430, 433), _BOARD, _W, "Hashboard slot {n}: chip bin type error"),
    _row((440, 443), _BOARD, _W, "Hashboard slot {n}: EEPROM chip count error"),
    _row((450, 453), _BOARD, _W, "Hashboard slot {n}: EEPROM transfer error"),
    # ---- 5xx hashboards
    _row(500, _BOARD, _W, "Hashboard error"),
    # Tether's older map: control board does not support the chip
    _row((510, 513), _BOARD, _W, "Hashboard slot {n}: wrong miner type"),
    _row((520, 523), _BOARD, _W, "Hashboard slot {n}: chip bin type mismatch"),
    _row((530, 533), _BOARD, _C, "Hashboard slot {n} not found", _LOST),
    _row((540, 543), _BOARD, _W, "Hashboard slot {n}: reading the chip IDs failed"),
    _row((550, 553), _BOARD, _W, "Hashboard slot {n} has bad chips"),
    _row((560, 563), _BOARD, _W, "Hashboard slot {n}: loss of balance"),
    _row((570, 573), _BOARD, _W, "Hashboard slot {n}: chip transfer error"),
    _row((580, 583), _BOARD, _W, "Hashboard slot {n}: reset error"),
    _row((590, 593), _BOARD, _W, "Hashboard slot {n}: frequency too low"),
    # ---- 6xx environment
    _row(600, _TEMP, _C, "Ambient temperature too high", _HOT),
    _row(610, _TEMP, _I, "Too hot for high performance mode: back to normal mode"),
    _row(620, _TEMP, _W, "Coolant temperature protection"),  # minor (Tether, M56S)
    _row(652, _TEMP, _W, "Coolant temperature fluctuates too much"),
    # ---- 7xx control board and network
    _row(700, _CB, _W, "Invalid MAC address"),
    _row(701, _CB, _W, "Control board does not support the chips (firmware of another model?)"),
    _row(702, _CB, _W, "Unknown control board version"),
    _row(710, _CB, _W, "Control board restarted after an exception"),
    _row(711, _CB, _W, "Control board restarted after an exception and slowed down its CPU"),
    _row(712, _CB, _W, "Control board restarted after an exception"),
    _row(713, _NET, _W, "Network unstable: the clock was changed"),
    _row(714, _NET, _W, "Network connection seriously unstable"),  # pyasic: unknown error
    _row((720, 723), _CB, _W, "Control board: frame error on slot {n}"),
    # ---- 8xx firmware checks
    _row(800, _OTHER, _W, "Firmware check failed: cgminer checksum error"),
    _row(801, _OTHER, _W, "Firmware check failed: system-monitor checksum error"),
    _row(802, _OTHER, _W, "Firmware check failed: remote-daemon checksum error"),
    _row(810, _BOARD, _W, "Liquid cooling conversion: hashboard serial numbers do not match"),
    _row(820, _PSU, _W, "Liquid cooling conversion: power supply serial number does not match"),
    _row(901, _OTHER, _W, "Power rate error"),
    # ---- 20xx pools
    _row(2000, _POOL, _W, "No pool configured"),
    _row(2010, _POOL, _W, "All pools are disabled"),
    _row((2020, 2022), _POOL, _W, "Connection to pool {n1} failed"),
    _row(2030, _POOL, _W, "High share rejection rate on the pool"),
    _row(2040, _POOL, _I, "The pool does not support AsicBoost"),
    _row(2050, _POOL, _W, "Switching to the new pool failed"),
    _row((2110, 2113), _BOARD, _I, "Hashboard slot {n}: factory test step failed"),
    # ---- 23xx hashrate
    _row(2310, _OTHER, _W, "Hashrate too low"),
    _row(2320, _OTHER, _W, "Hashrate too low"),
    # MicroBT: 2340 and 2350; pyasic: 2330 and 2340 (2350 "hashrate loss")
    _row(2330, _OTHER, _W, "Hashrate loss too high"),
    _row(2340, _OTHER, _W, "Hashrate loss too high"),
    _row(2350, _OTHER, _W, "Hashrate loss too high"),
    # ---- 50xx, 51xx chips and hashboards per slot
    _row((5010, 5013), _CHIP, _W, "Hashboard slot {n}: chip voltage too low"),
    _row((5020, 5023), _CHIP, _W, "Hashboard slot {n}: chip voltage changed"),
    _row((5030, 5033), _CHIP, _W, "Hashboard slot {n}: chip temperatures differ too much"),
    _row((5040, 5043), _CHIP, _W, "Hashboard slot {n}: hottest chip differs too much"),
    _row(
        (5050, 5053),
        _TEMP,
        _C,
        "Hashboard slot {n} stopped hashing: chip overheating protection",
        _HOT,
    ),
    _row((5070, 5073), _TEMP, _C, "Hashboard slot {n}: abnormal coolant flow", Repair.COOLANT),
    _row(5079, _TEMP, _C, "Coolant flow too slow", Repair.COOLANT),
    _row(5080, _CHIP, _W, "Chip temperature calibration failed: restore the factory settings"),
    _row((5090, 5093), _CHIP, _W, "Hashboard slot {n}: chip temperature calibration unbalanced"),
    _row((5110, 5113), _BOARD, _W, "Hashboard slot {n}: frequency ramp-up timed out"),
    _row((5120, 5123), _BOARD, _W, "Hashboard slot {n}: too many CRC errors"),
    _row((5130, 5133), _BOARD, _W, "Hashboard slot {n} unstable"),
    _row((5170, 5173), _BOARD, _W, "Hashboard slot {n}: frequency ramp-up timed out"),
    # ---- 8xxx factory and firmware data
    _row(8000, _OTHER, _I, "WhatsMinerTool version too old: update it"),
    _row(8010, _OTHER, _I, "Frequency below standard"),
    _row(8020, _OTHER, _I, "Hashrate below standard"),
    _row(8035, _TEMP, _I, "Ambient temperature too high for the factory test"),
    _row(8100, _CHIP, _W, "Chip data error"),
    _row(8200, _PSU, _W, "Power supply version error"),
    _row(8210, _OTHER, _W, "Miner type error"),
    _row(8220, _OTHER, _W, "Version information error"),
    _row(8300, _OTHER, _I, "Empty level error"),
    _row(8400, _OTHER, _W, "Wrong or old firmware installed"),
    _row(8410, _OTHER, _W, "Firmware does not match the miner model"),
    _row(8600, _OTHER, _I, "Product serial number missing"),
    _row(8610, _OTHER, _I, "Product type missing"),
    _row((8620, 8621), _OTHER, _I, "Miner serial number missing or wrong"),
    _row((8630, 8632), _PSU, _I, "Power supply or miner serial number missing or wrong"),
    _row((8640, 8644), _PSU, _I, "Power supply model missing or wrong"),
    _row(8650, _BOARD, _I, "Wrong hashboard structure"),
    _row(8660, _OTHER, _I, "Wrong cooling type"),
    _row(8670, _BOARD, _I, "Hashboard serial number missing"),
    _row(8700, _PSU, _C, "Miner and power supply do not match", _PSU_FIX),
    _row(9000, _OTHER, _W, "Mining process exited with an error"),
    _row(9010, _OTHER, _W, "Mining process exited with an error"),
    _row(9100, _OTHER, _W, "Mining process blocked"),
    _row(9110, _OTHER, _W, "Mining process blocked"),
    _row(9990, _OTHER, _W, "Miner error (unknown)"),
    # ---- 1000xx, 1100xx security checks of the firmware
    _row(100000, _OTHER, _C, "Security library error: update the firmware", Repair.FIRMWARE),
    _row(
        (100001, 100003),
        _OTHER,
        _C,
        "Firmware signature check failed: illegal system file",
        Repair.FIRMWARE,
    ),
    _row(100100, _OTHER, _C, "Security check removed the mining program", Repair.FIRMWARE),
    _row(110000, _OTHER, _C, "Security check found an illegal file", Repair.FIRMWARE),
    _row(110001, _OTHER, _C, "Security check removed a virus", Repair.FIRMWARE),
    # ---- 52nccc to 56nccc: slot n, chip ccc
    _chip_row(52, _W, "Hashboard slot {n}, chip {chip}: wrong nonces"),
    _chip_row(53, _W, "Hashboard slot {n}, chip {chip}: too few nonces"),
    _chip_row(54, _W, "Hashboard slot {n}, chip {chip}: overheating protection"),
    _chip_row(55, _I, "Hashboard slot {n}, chip {chip}: was reset"),
    _chip_row(56, _W, "Hashboard slot {n}, chip {chip}: no nonces"),
)
_FIRSTS: Final = tuple(row.first for row in _ROWS)

# A reason that only restates the code ("error 531", "531") says nothing the table does not.
_BARE_REASON = re.compile(r"(?:err(?:or)?\s*(?:code)?\s*)?\d+\.?", re.IGNORECASE)


def miner_reason(reason: str | None) -> str | None:
    """The miner's reason text when it says something, else None."""
    if reason is None or not (text := " ".join(reason.split())):
        return None
    return None if _BARE_REASON.fullmatch(text) else text


def _row_of(code: int) -> _Row | None:
    index = bisect_right(_FIRSTS, code) - 1
    if index < 0 or code > (row := _ROWS[index]).last:
        return None
    return row


def describe(code: int, reason: str | None = None) -> ErrorInfo:
    """The error code in words, preferring the miner's own reason when it sent one."""
    said = miner_reason(reason)
    if (row := _row_of(code)) is None:
        return ErrorInfo(
            code=code,
            meaning=said or f"Unknown error code {code}",
            part=Part.OTHER,
            severity=Severity.WARNING,
            reason=said,
            known=False,
        )
    if row.chips:
        n, chip = (code // 1000) % 10, code % 1000
    else:
        n, chip = code - row.first, 0
    return ErrorInfo(
        code=code,
        meaning=said or row.meaning.format(n=n, n1=n + 1, chip=chip),
        part=row.part,
        severity=row.severity,
        slot=n if row.slotted else None,
        reason=said,
        repair=row.repair,
    )
