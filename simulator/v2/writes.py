"""The write commands of spec section 6 (the binary flows live in `server.py`)."""

from __future__ import annotations

from collections.abc import Callable
import re
from typing import Any

from simulator import actions
from simulator.actions import Control
from simulator.crypto import new_salt
from simulator.state import Led, Network, Pool, Syslog

from .envelopes import OK_MSG, Json

PASSWORD_RE = re.compile(r"[A-Za-z0-9_]{1,8}")
HOSTNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")
HEAT_MODES = ("normal", "heating", "anti-icing")
POWER_LIMIT_RESET = 99999


type Msg = Json | None  # a reply Msg object, or None for "API command OK"


class CommandError(Exception):
    """Answered with a flat error envelope."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def invalid_data() -> CommandError:
    return CommandError(14, "invalid data")


def command_failed() -> CommandError:
    return CommandError(132, "API command ERROR")


def text(req: Json, key: str) -> str:
    """A parameter as text; clients send strings or numbers."""
    value = req.get(key)
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise invalid_data()
    return str(value).strip()


def integer(req: Json, key: str, low: int, high: int) -> int:
    raw = req.get(key)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool):
        raise invalid_data()
    if isinstance(raw, int):
        value = raw
    else:
        try:
            value = int(text(req, key))
        except ValueError:
            raise invalid_data() from None
    if not low <= value <= high:
        raise invalid_data()
    return value


def flag(req: Json, key: str) -> bool:
    return integer(req, key, 0, 1) == 1


def boolean_text(req: Json, key: str) -> bool:
    value = text(req, key).lower()
    if value not in ("true", "false"):
        raise invalid_data()
    return value == "true"


def update_pools(m: Control, req: Json) -> Msg:
    pools = []
    for i in (1, 2, 3):
        url = str(req.get(f"pool{i}", "") or "")
        if url:
            pools.append(
                Pool(url, str(req.get(f"worker{i}", "") or ""), str(req.get(f"passwd{i}", "")))
            )
    if not pools:
        raise invalid_data()
    m.state.pools = pools
    return None


def restart_btminer(m: Control, req: Json) -> Msg:
    m.restart_btminer()
    return None


def power_off(m: Control, req: Json) -> Msg:
    if "respbefore" in req:
        boolean_text(req, "respbefore")
    actions.stop_mining(m, "by whatsminer api", v2=True)
    return None


def power_on(m: Control, req: Json) -> Msg:
    actions.start_mining(m)
    return None


def set_led(m: Control, req: Json) -> Msg:
    if req.get("param") == "auto":
        m.state.led = Led()
        return None
    color = text(req, "color")
    if color not in ("red", "green"):
        raise invalid_data()
    m.state.led = Led(
        "manual",
        color,
        integer(req, "period", 0, 100_000),
        integer(req, "duration", 0, 100_000),
        integer(req, "start", 0, 100_000),
    )
    return None


def power_mode(mode: str) -> Callable[[Control, Json], Msg]:
    def handler(m: Control, req: Json) -> Msg:
        actions.set_power_mode(m, mode)
        return None

    return handler


def reboot(m: Control, req: Json) -> Msg:
    m.reboot()
    return None


def factory_reset(m: Control, req: Json) -> Msg:
    actions.factory_reset(m)
    return None


def update_pwd(m: Control, req: Json) -> Msg:
    new = text(req, "new")
    if not PASSWORD_RE.fullmatch(new):
        raise invalid_data()
    if text(req, "old") != m.state.password:
        raise command_failed()
    m.state.password, m.state.salt = new, new_salt()
    m.forget_tokens()
    return None


def net_config(m: Control, req: Json) -> Msg:
    if req.get("param") == "dhcp":
        m.state.network = Network()
    else:
        host = text(req, "host")
        if not HOSTNAME_RE.fullmatch(host):
            raise invalid_data()
        addresses = [text(req, key) for key in ("ip", "mask", "gate")]
        dns = text(req, "dns")
        if not all(_is_ipv4(a) for a in [*addresses, *dns.split()]):
            raise invalid_data()
        m.state.network = Network("static", addresses[0], addresses[1], addresses[2], dns)
        m.state.hostname = host
    m.reboot()
    return None


def _is_ipv4(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


def set_target_freq(m: Control, req: Json) -> Msg:
    actions.set_target_freq(m, integer(req, "percent", -100, 100))
    return None


def setter(attr: str, value: Any) -> Callable[[Control, Json], Msg]:
    def handler(m: Control, req: Json) -> Msg:
        setattr(m.state, attr, value)
        return None

    return handler


def set_hostname(m: Control, req: Json) -> Msg:
    hostname = text(req, "hostname")
    if not HOSTNAME_RE.fullmatch(hostname):
        raise invalid_data()
    m.state.hostname = hostname
    return None


def set_zone(m: Control, req: Json) -> Msg:
    timezone, zonename = text(req, "timezone"), text(req, "zonename")
    if not timezone or not zonename:
        raise invalid_data()
    m.state.timezone, m.state.zonename = timezone, zonename
    return None


def load_log(m: Control, req: Json) -> Msg:
    ip, proto = text(req, "ip"), text(req, "proto")
    port = integer(req, "port", 1, 65535)
    if not _is_ipv4(ip) or proto not in ("tcp", "udp"):
        raise invalid_data()
    m.state.syslog = Syslog(ip, str(port), proto)
    return None


def set_power_pct(m: Control, req: Json) -> Msg:
    actions.set_power_pct(m, float(integer(req, "percent", 0, 100)), fast=True, after_tuning=False)
    return None


def set_power_pct_v2(m: Control, req: Json) -> Msg:
    actions.set_power_pct(m, float(integer(req, "percent", 0, 100)), fast=False, after_tuning=False)
    return None


def restore_power_pct(m: Control, req: Json) -> Msg:
    actions.restore_power(m)
    return None


def set_power(m: Control, req: Json) -> Msg:
    actions.set_power_target(m, integer(req, "power", 0, 99999), after_tuning=False)
    return None


def pre_power_on(m: Control, req: Json) -> Msg:
    s, now = m.state, m.now()
    if s.mining:
        msg = {"complete": "true", "msg": "adjust complete"}
    elif s.preheat_started_at is None:
        s.preheat_started_at = now
        msg = {"complete": "false", "msg": "wait for adjust temp"}
    elif now - s.preheat_started_at >= m.timing.preheat_s:
        msg = {"complete": "true", "msg": "adjust complete"}
    else:
        msg = {"complete": "false", "msg": "adjust continue"}
    return msg


def set_temp_offset(m: Control, req: Json) -> Msg:
    m.state.temp_offset = integer(req, "temp_offset", -30, 0)
    return None


def adjust_power_limit(m: Control, req: Json) -> Msg:
    limit = integer(req, "power_limit", 0, 99999)
    actions.set_power_limit(m, m.profile.max_power_limit_w if limit == POWER_LIMIT_RESET else limit)
    return None


def adjust_upfreq_speed(m: Control, req: Json) -> Msg:
    speed = integer(req, "upfreq_speed", 0, 9)
    if m.state.fast_boot:
        raise command_failed()  # cannot be used together with fast boot
    m.state.upfreq_speed = speed
    return None


def set_poweroff_cool(m: Control, req: Json) -> Msg:
    m.state.poweroff_cool = flag(req, "poweroff_cool")
    return None


def set_fan_zero_speed(m: Control, req: Json) -> Msg:
    m.state.fan_zero_speed = flag(req, "fan_zero_speed")
    return None


def set_heat_mode(m: Control, req: Json) -> Msg:
    mode = text(req, "mode")
    if mode not in HEAT_MODES:
        raise invalid_data()
    if not m.profile.hydro:
        raise command_failed()
    m.state.heat_mode = mode
    return None


def set_customer_msg(m: Control, req: Json) -> Msg:
    key = text(req, "key")
    if key != "CustomerSn" and key not in {f"msg{i}" for i in range(10)}:
        raise invalid_data()
    m.state.customer_msg[key] = text(req, "val")
    return None


type WriteHandler = Callable[[Control, Json], Msg]

WRITES: dict[str, WriteHandler] = {
    "update_pools": update_pools,
    "restart_btminer": restart_btminer,
    "power_off": power_off,
    "power_on": power_on,
    "set_led": set_led,
    "set_low_power": power_mode("low"),
    "set_normal_power": power_mode("normal"),
    "set_high_power": power_mode("high"),
    "reboot": reboot,
    "factory_reset": factory_reset,
    "update_pwd": update_pwd,
    "net_config": net_config,
    "set_target_freq": set_target_freq,
    "enable_btminer_fast_boot": setter("fast_boot", True),
    "disable_btminer_fast_boot": setter("fast_boot", False),
    "enable_web_pools": setter("web_pools", True),
    "disable_web_pools": setter("web_pools", False),
    "enable_btminer_init": setter("btminer_init", True),
    "disable_btminer_init": setter("btminer_init", False),
    "set_hostname": set_hostname,
    "set_zone": set_zone,
    "load_log": load_log,
    "set_power_pct": set_power_pct,
    "set_power_pct_v2": set_power_pct_v2,
    "restore_power_pct": restore_power_pct,
    "set_power": set_power,
    "pre_power_on": pre_power_on,
    "set_temp_offset": set_temp_offset,
    "adjust_power_limit": adjust_power_limit,
    "adjust_upfreq_speed": adjust_upfreq_speed,
    "set_poweroff_cool": set_poweroff_cool,
    "set_fan_zero_speed": set_fan_zero_speed,
    "set_heat_mode": set_heat_mode,
    "set_customer_msg": set_customer_msg,
}
STREAMING_WRITES = frozenset({"update_firmware", "download_logs"})
ALL_WRITES = frozenset(WRITES) | STREAMING_WRITES

__all__ = ["ALL_WRITES", "OK_MSG", "STREAMING_WRITES", "WRITES", "CommandError", "Control"]
