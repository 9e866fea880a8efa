"""The set.* commands of spec section 4 (binary flows and auth live in server.py/auth.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json
import re

from simulator import actions
from simulator.actions import Control
from simulator.crypto import decrypt
from simulator.state import V3_ACCOUNTS, Led, Network, Pool, Syslog

from . import params
from .params import ParamError, choice, integer, obj, text

HOSTNAME_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
HEAT_MODES = ("heating", "normal", "anti-freezing", "anti-icing")
COINTYPES = ("BTC", "BCH", "BSV", "DCR", "HC", "DGB", "SHA256")
CUSTOM_KEYS = ("CustomerSn", *(f"msg{i}" for i in range(10)))
MAX_POOLS = 3
MAX_WATTS = 99999
MAX_REPORT_GAP_S = 285
BINARY_WRITES = frozenset({"set.system.update_firmware"})


@dataclass(frozen=True, slots=True)
class Call:
    param: object
    key: bytes  # SHA-256 digest of this request: the AES key of encrypted params
    account: str


def not_supported(what: str) -> ParamError:
    return ParamError(-1, f"not supported: {what}")


def secret(call: Call) -> object:
    """Decrypt an AES-256-ECB param (PKCS#7 or zero padding), parsing twice if the demo's
    double JSON encoding left a string (spec 3.6)."""
    try:
        value: object = json.loads(decrypt(call.key, text(call.param)))
        if isinstance(value, str):
            value = json.loads(value)
    except ValueError:
        raise ParamError(-1, "invalid encrypted param") from None
    return value


def _ipv4(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


# ---- mining service and power -----------------------------------------------------------


def service(m: Control, call: Call) -> None:
    action = choice(call.param, "start", "stop", "restart", "enable", "disable")
    if action == "stop":
        actions.stop_mining(m, "by api v3", v2=False)
    elif action == "start":
        actions.start_mining(m)
    elif action == "restart":
        actions.start_mining(m)
        m.restart_btminer()
    else:
        m.state.btminer_init = action == "enable"


def watts(call: Call) -> int:
    """0..99999 W as int, float or numeric string (spec 4.5.1)."""
    value = params.number(call.param)
    if not 0 <= value <= MAX_WATTS:
        raise params.invalid(call.param)
    return round(value)


def power_limit(m: Control, call: Call) -> None:
    actions.set_power_limit(m, watts(call))


def power(m: Control, call: Call) -> None:
    actions.set_power_target(m, watts(call), after_tuning=True)


def power_percent(m: Control, call: Call) -> None:
    values = obj(call.param)
    top = 200 if m.profile.hydro else 100
    percent = integer(params.field(values, "percent"), 0, top)
    mode = choice(values.get("mode", "fast"), "fast", "normal")
    if mode == "normal" and not m.profile.hydro and m.state.power_mode == "high":
        raise not_supported("normal mode in high power mode")  # spec 4.5.3
    actions.set_power_pct(m, float(percent), fast=mode == "fast", after_tuning=True)


def power_mode(m: Control, call: Call) -> None:
    actions.set_power_mode(m, choice(call.param, "low", "normal", "high"))


def target_freq(m: Control, call: Call) -> None:
    percent = integer(call.param, -100, 100)
    if percent > 0 and not m.profile.hydro:
        raise not_supported("raising the frequency of an air-cooled miner")
    actions.set_target_freq(m, percent)


def upfreq_speed(m: Control, call: Call) -> None:
    m.state.upfreq_speed = integer(call.param, 0, 10)


def fastboot(m: Control, call: Call) -> None:
    m.state.fast_boot = choice(call.param, "enable", "disable") == "enable"


def fast_hash(m: Control, call: Call) -> None:
    m.state.fast_hash = integer(call.param, 0, 1) == 1


def heat_mode(m: Control, call: Call) -> None:
    mode = choice(call.param, *HEAT_MODES)
    if not m.profile.hydro:
        raise not_supported("heat mode on an air-cooled miner")
    m.state.heat_mode = mode


def cointype(m: Control, call: Call) -> None:
    m.state.cointype = choice(params.field(obj(call.param), "cointype"), *COINTYPES)


def restore_setting(m: Control, call: Call) -> None:
    actions.restore_mining_settings(m)
    m.restart_btminer()


def report(m: Control, call: Call) -> None:
    m.state.report_gap_s = integer(params.field(obj(call.param), "gap"), 0, MAX_REPORT_GAP_S)


def pools(m: Control, call: Call) -> None:
    entries = secret(call)
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_POOLS:
        raise params.invalid("pools")
    found = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise params.invalid(entry)
        url = str(entry.get("pool", "") or "")
        if url:
            found.append(Pool(url, str(entry.get("worker", "")), str(entry.get("passwd", ""))))
    if not found:
        raise params.invalid("pools")
    m.state.pools = found


# ---- system ----------------------------------------------------------------------------


def led(m: Control, call: Call) -> None:
    value = params.decoded(params.required(call.param))
    if value == "auto":
        m.state.led = Led()
        return
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise params.invalid(call.param)
    first = value[0]
    color = choice(params.field(first, "color"), "red", "green")
    period, duration, start = (
        integer(params.field(first, key), 0, 100_000) for key in ("period", "duration", "start")
    )
    m.state.led = Led("manual", color, period, duration, start)


def net_config(m: Control, call: Call) -> None:
    value = params.decoded(params.required(call.param))
    if value == "dhcp":
        m.state.network = Network()
    else:
        values = obj(value)
        ip, mask, gate, dns = (
            text(params.field(values, key)) for key in ("ip", "netmask", "gateway", "dns")
        )
        if not all(_ipv4(a) for a in (ip, mask, gate, *dns.replace(",", " ").split())):
            raise params.invalid(value)
        m.state.network = Network("static", ip, mask, gate, dns)
    m.reboot()


def hostname(m: Control, call: Call) -> None:
    name = text(params.field(obj(call.param), "hostname"))
    if not HOSTNAME_RE.fullmatch(name):
        raise params.invalid(name)
    m.state.hostname = name


def ntp_server(m: Control, call: Call) -> None:
    servers = [s.strip() for s in text(call.param).split(",") if s.strip()]
    if not servers:
        raise params.invalid(call.param)
    m.state.ntp_servers = servers


def timezone(m: Control, call: Call) -> None:
    values = obj(call.param)
    zone, name = (text(params.field(values, key)) for key in ("timezone", "zonename"))
    m.state.timezone, m.state.zonename = zone, name


def time_randomized(m: Control, call: Call) -> None:
    values = obj(call.param)
    start = integer(params.field(values, "start"), 0, 120)
    m.state.time_randomized = (start, integer(params.field(values, "stop"), 0, 120))


def webpools(m: Control, call: Call) -> None:
    m.state.web_pools = choice(call.param, "enable", "disable") == "enable"


def change_passwd(m: Control, call: Call) -> None:
    values = secret(call)
    if not isinstance(values, dict):
        raise params.invalid("passwd")
    account = choice(params.field(values, "account"), *V3_ACCOUNTS)
    new = text(params.field(values, "new"))
    if len(new) > 32 or not new.isprintable():
        raise params.invalid("new")
    if text(params.field(values, "old")) != m.state.accounts[account]:
        raise ParamError(-1, "old password is wrong")
    m.state.accounts[account] = new


def permission(m: Control, call: Call) -> None:
    values = obj(call.param)
    user = choice(params.field(values, "user"), *V3_ACCOUNTS[1:])
    m.state.permissions[user] = text(params.field(values, "permission"))


def reboot(m: Control, call: Call) -> None:
    m.reboot()


def factory_reset(m: Control, call: Call) -> None:
    actions.factory_reset(m)
    m.reboot()


def _air_only(m: Control, what: str) -> None:
    if m.profile.hydro:
        raise not_supported(f"{what} on a liquid-cooled miner")


def poweroff_cool(m: Control, call: Call) -> None:
    _air_only(m, "fan setting")
    m.state.poweroff_cool = integer(call.param, 0, 1) == 1


def temp_offset(m: Control, call: Call) -> None:
    _air_only(m, "fan setting")
    m.state.temp_offset = integer(call.param, -30, 0)


def zero_speed(m: Control, call: Call) -> None:
    _air_only(m, "fan setting")
    m.state.fan_zero_speed = integer(call.param, 0, 1) == 1


def log_upload(m: Control, call: Call) -> None:
    values = obj(call.param)
    ip, proto = text(params.field(values, "ip")), choice(values.get("proto"), "tcp", "udp")
    port = integer(params.field(values, "port"), 1, 65535)
    if not _ipv4(ip):
        raise params.invalid(ip)
    m.state.syslog = Syslog(ip, str(port), proto)


def custom_data(m: Control, call: Call) -> None:
    values = obj(call.param)
    key = choice(params.field(values, "key"), *CUSTOM_KEYS)
    value = text(params.field(values, "value"))
    if len(value.encode()) >= 128 or not value.isprintable():
        raise params.invalid(value)
    m.state.customer_msg[key] = value


type WriteHandler = Callable[[Control, Call], None]

WRITES: dict[str, WriteHandler] = {
    "set.device.custom_data": custom_data,
    "set.miner.service": service,
    "set.miner.power_limit": power_limit,
    "set.miner.power": power,
    "set.miner.power_percent": power_percent,
    "set.miner.power_mode": power_mode,
    "set.miner.target_freq": target_freq,
    "set.miner.upfreq_speed": upfreq_speed,
    "set.miner.fastboot": fastboot,
    "set.miner.fast_hash": fast_hash,
    "set.miner.heat_mode": heat_mode,
    "set.miner.cointype": cointype,
    "set.miner.restore_setting": restore_setting,
    "set.miner.report": report,
    "set.miner.pools": pools,
    "set.system.led": led,
    "set.system.net_config": net_config,
    "set.system.hostname": hostname,
    "set.system.ntp_server": ntp_server,
    "set.system.timezone": timezone,
    "set.system.time_randomized": time_randomized,
    "set.system.webpools": webpools,
    "set.user.change_passwd": change_passwd,
    "set.user.permission": permission,
    "set.system.reboot": reboot,
    "set.system.factory_reset": factory_reset,
    "set.fan.poweroff_cool": poweroff_cool,
    "set.fan.temp_offset": temp_offset,
    "set.fan.zero_speed": zero_speed,
    "set.log.upload": log_upload,
}
ALL_WRITES = frozenset(WRITES) | BINARY_WRITES
