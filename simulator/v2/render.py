"""Turning a reply into the bytes a miner sends, including the spec 7.2 text quirks."""

from __future__ import annotations

import json
import re

from simulator.state import Quirk

from .envelopes import Json

ERROR_LIST_RE = re.compile(r'"error_code":\[(.*?)\]')
LEDSTAT_END_RE = re.compile(r'("ledstat":"[^"]*")\}')


def dumps(reply: Json) -> str:
    return json.dumps(reply, separators=(",", ":"))


def render(reply: Json, cmd: str, quirks: set[str], *, bare: bool = False) -> str:
    """`bare`: the request carried no arguments (matters for get_miner_info)."""
    text = dumps(reply)
    if Quirk.INF_NAN in quirks:
        text = text.replace("Infinity", "inf").replace("NaN", "nan")
    if cmd == "get_miner_info" and bare and Quirk.TRAILING_COMMA in quirks:
        text = LEDSTAT_END_RE.sub(r"\1,}", text, count=1)
    if cmd == "get_psu" and Quirk.PSU_MISSING_COMMA in quirks:
        text = text.replace('","temp0"', '""temp0"')
    if cmd == "get_error_code" and Quirk.ERROR_CODE_BRACKETS in quirks:
        text = ERROR_LIST_RE.sub(
            lambda m: '"error_code":[' + m.group(1).replace("},{", ",").strip("{}") + "]", text
        )
    if cmd == "get_error_code" and Quirk.TRUNCATED_REPLY in quirks:
        text = text[: max(1, len(text) * 2 // 3)]
    if Quirk.RAW_NEWLINES in quirks:
        text = text.replace(',"', ',\n"').replace('"Description":"', '"Description":"\n')
    return text
