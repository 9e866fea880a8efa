"""The error codes a poll found, in words (api/errorcodes.py), for the sensors and repairs.

Attributes carry English: the miner's own reason when its firmware sends one (v3 API 3.0.1+),
else the meaning from the table. `part` and `severity` are fixed values that the entity
translations name in every language; the repairs of critical codes are translated too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .api.errorcodes import ErrorInfo, describe
from .api.models import ErrorCode, MinerSnapshot


def error_codes(snapshot: MinerSnapshot) -> tuple[ErrorCode, ...]:
    """The errors the miner reports, from get_error_code or (old firmware) summary."""
    return snapshot.error_codes or snapshot.summary.error_codes or ()


def latest_error(snapshot: MinerSnapshot) -> ErrorCode | None:
    """The most recently raised error (the last one when times are unknown)."""
    if not (errors := error_codes(snapshot)):
        return None
    dated = [error for error in errors if error.reported_at is not None]
    if dated:
        return max(dated, key=lambda error: error.reported_at or datetime.min)
    return errors[-1]


def info(error: ErrorCode) -> ErrorInfo:
    """One reported error in words."""
    return describe(error.code, error.reason)


def described(error: ErrorCode) -> dict[str, Any]:
    """What an attribute shows of one error: code, meaning, part, severity (slot, time)."""
    found = info(error)
    shown: dict[str, Any] = {
        "code": error.code,
        "meaning": found.meaning,
        "part": found.part.value,
        "severity": found.severity.value,
    }
    if found.slot is not None:
        shown["slot"] = found.slot
    if error.reported_at is not None:
        shown["reported_at"] = error.reported_at.isoformat()
    return shown


def errors_attributes(snapshot: MinerSnapshot) -> dict[str, Any]:
    """The "Errors" sensor: every active code in words, as the miner lists them."""
    return {"errors": [described(error) for error in error_codes(snapshot)]}


def latest_error_attributes(snapshot: MinerSnapshot) -> dict[str, Any] | None:
    """The "Latest error code" sensor: its code in words (nothing while there is none)."""
    if (error := latest_error(snapshot)) is None:
        return None
    shown = described(error)
    del shown["code"]  # the state
    shown.pop("reported_at", None)  # the "Latest error time" sensor
    return shown
