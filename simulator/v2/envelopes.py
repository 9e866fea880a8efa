"""Reply envelopes of spec section 2: flat (api daemon), cgminer, and the cgminer join."""

from __future__ import annotations

from typing import Any

type Json = dict[str, Any]

OK_MSG = "API command OK"


def flat(code: int, msg: object, when: float, description: str, *, ok: bool = True) -> Json:
    return {
        "STATUS": "S" if ok else "E",
        "When": int(when),
        "Code": code,
        "Msg": msg,
        "Description": description,
    }


def cgminer(
    code: int, msg: str, when: float, description: str, section: str | None, items: list[Json]
) -> Json:
    status = {
        "STATUS": "S" if section else "E",
        "When": int(when),
        "Code": code,
        "Msg": msg,
        "Description": description,
    }
    reply: Json = {"STATUS": [status]}
    if section:
        reply[section] = items
    reply["id"] = 1
    return reply


def joined(parts: dict[str, Json]) -> Json:
    """cgminer head_join/tail_join: one key per sub-command holding a one-element array."""
    reply: Json = {name: [part] for name, part in parts.items()}
    reply["id"] = 1
    return reply
