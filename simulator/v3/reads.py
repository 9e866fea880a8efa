"""The get.* commands of spec section 4 (TH/s, lowercase enums, dashed keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from simulator.context import ReadContext, timestamp
from simulator.physics import board_spread, compute, full_power
from simulator.state import Quirk

from . import params
from .framing import Json

DEVICE_SECTIONS = ("network", "miner", "system", "power", "salt", "error-code")
STATUS_SECTIONS = ("summary", "pools", "edevs")
BTMINER_DOWN = "btminer process is down err"
HISTORY_STEP_S = 300
HISTORY_MAX_S = 24 * 3600
GARBAGE_LIMIT = "4294967295"


class Refusal(Exception):
    """A read answered with a non-zero code (or a string msg)."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def _r(value: float, digits: int = 3) -> float:
    return round(value, digits)


def liquid(ctx: ReadContext) -> bool:
    return ctx.profile.hydro


# ---- get.device.info -------------------------------------------------------------------


def _network(ctx: ReadContext) -> Json:
    s = ctx.state
    n = s.network
    return {
        "ip": n.ip,
        "proto": n.proto,
        "netmask": n.netmask,
        "dns": n.dns,
        "mac": s.mac,
        "gateway": n.gateway,
        "hostname": s.hostname,
    }


def _miner(ctx: ReadContext) -> Json:
    s, p, r = ctx.state, ctx.profile, ctx.reading
    per_board = r.hashrate_ths * 1000 / p.boards
    limit_set = GARBAGE_LIMIT if Quirk.POWER_LIMIT_GARBAGE in ctx.quirks else str(s.power_limit_w)
    info: Json = {
        "working": "true" if r.hashing else "false",
        "type": p.model,
        "hash-board": p.hash_board or p.model[-3:],
        "detect-hash-rate": ":".join(str(round(per_board)) for _ in range(p.boards)),
        "cointype": "BTC/BCH/BSV" if s.cointype == "BTC" else s.cointype,
        "pool-strategy": "FAILOVER",
        "heatmode": s.heat_mode if liquid(ctx) else "",
        "hash-percent": "" if s.power_pct == 100 else str(round(s.power_pct)),
        "fast-boot": "enable" if s.fast_boot else "disable",
        "board-num": str(p.boards),
    }
    for slot in range(p.boards):
        info[f"chipdata{slot}"] = p.chip
        info[f"pcbsn{slot}"] = pcb_sn(ctx, slot)
    info |= {
        "miner-sn": s.serial,
        "power-limit-set": limit_set,
        "UpfreqSpeed": str(s.upfreq_speed),
        "web-pool": int(s.web_pools),
        "permission": " ".join(
            f"{user}={255 if user == 'super' else int(bool(s.permissions.get(user)))}"
            for user in s.accounts
        ),
    }
    return info


def pcb_sn(ctx: ReadContext, slot: int) -> str:
    return f"{ctx.state.serial[:8]}{slot}K6000{slot + 3}"


def _system(ctx: ReadContext) -> Json:
    s = ctx.state
    return {
        "api": ctx.profile.v3_api,
        "platform": ctx.profile.platform,
        "fwversion": ctx.fw_ver,
        "control-board-version": "CB6V10",
        "apiswitch": "1" if s.api_enabled else "0",
        "ledstatus": s.led.mode,
    }


def _power(ctx: ReadContext) -> Json:
    r, psu = ctx.reading, ctx.profile.psu
    volts = ctx.jitter(230.0, 0.003)
    power: Json = {
        "type": psu.get("name", ""),
        "mode": "1",
        "hwversion": psu.get("hw_version", ""),
        "swversion": psu.get("sw_version", ""),
        "model": psu.get("model", ""),
        "iin": _r(r.power_w / volts, 2),
        "vin": _r(volts, 1),
        "vout": 1220 if r.hashing else 0,
        "pin": round(ctx.jitter(r.power_w * 1.03, 0.005)),
        "fanspeed": round(ctx.jitter(r.psu_fan_rpm, 0.01)),
        "temp0": round(r.env_temp + 12.0 * r.load),
        "sn": psu.get("serial_no", ""),
        "vendor": psu.get("vender", psu.get("vendor", "")),
    }
    if liquid(ctx):
        power["liquid-temperature"] = _r(r.liquid_temp, 1)
    return power


def error_codes(ctx: ReadContext) -> list[Json]:
    codes = sorted(ctx.state.error_codes.items(), key=lambda item: item[1])
    reasons = ctx.state.error_reasons
    return [
        {str(code): timestamp(at), "reason": reasons.get(code, f"error {code}")}
        for code, at in codes
    ]


DEVICE_PARTS: dict[str, Callable[[ReadContext], Any]] = {
    "network": _network,
    "miner": _miner,
    "system": _system,
    "power": _power,
    "salt": lambda ctx: ctx.state.device_salt,
    "error-code": error_codes,
}


def device_info(ctx: ReadContext, param: object) -> object:
    """All sections, or those named in param (comma-separated lists accepted)."""
    names: tuple[str, ...] = DEVICE_SECTIONS
    if isinstance(param, str) and param:
        names = tuple(n.strip() for n in param.split(","))
        if any(n not in DEVICE_PARTS for n in names):
            raise params.invalid(param)
    return {name: DEVICE_PARTS[name](ctx) for name in names}


def custom_data(ctx: ReadContext, param: object) -> object:
    stored = ctx.state.customer_msg
    return {key: stored.get(key, "") for key in ("CustomerSn", *(f"msg{i}" for i in range(10)))}


# ---- get.miner.status ------------------------------------------------------------------


def summary(ctx: ReadContext) -> Json:
    s, p, r = ctx.state, ctx.profile, ctx.reading
    ths = r.hashrate_ths
    power = ctx.jitter(r.power_w, 0.004) if r.hashing else float(r.power_w)
    temps = [
        _r(ctx.jitter(r.board_temp - board_spread(i, p.boards), 0.005), 1) for i in range(p.boards)
    ]
    chip = ctx.jitter(r.chip_temp, 0.005)
    factory = (
        -0.001 * p.boards if Quirk.NEGATIVE_FACTORY_HASH in ctx.quirks else p.factory_ghs / 1000
    )
    misspelled = Quirk.MISSPELLED_KEYS in ctx.quirks
    return {
        "elapsed": r.elapsed_s,
        "bootup-time": r.uptime_s,
        "freq-avg": r.freq_mhz,
        "target-freq": round(p.freq_mhz * (1 + s.target_freq_pct / 100)),
        "factory-hash": _r(factory),
        "hash-average": _r(ctx.jitter(ths, 0.002)),
        "hash-1min": _r(ctx.jitter(ths, 0.01)),
        "hash-15min": _r(ctx.jitter(ths, 0.002)),
        "hash-realtime": _r(ctx.jitter(ths, 0.004)),
        "power-rate": _r(power / ths) if ths else 0.0,
        "power-5min": _r(ctx.jitter(power, 0.002)),
        "power-realtime": round(power),
        "environment-tempurature" if misspelled else "environment-temperature": _r(r.env_temp, 1),
        "board-tempurature" if misspelled else "board-temperature": temps,
        "chip-temp-min": _r(chip - 8.0, 1) if r.hashing else min(temps),
        "chip-temp-avg": _r(chip, 1) if r.hashing else _r(sum(temps) / len(temps), 1),
        "chip-temp-max": _r(chip + 9.0, 1) if r.hashing else max(temps),
        "power-limit": s.power_limit_w,
        "up-freq-finish": int(r.hashing and r.warm >= 1.0),
        "fan-speed-in": round(ctx.jitter(r.fan_rpm, 0.01)),
        "fan-speed-out": round(ctx.jitter(r.fan_rpm, 0.01)),
    }


def edevs(ctx: ReadContext) -> list[Json]:
    p, r = ctx.profile, ctx.reading
    boards = []
    for slot in range(p.boards):
        chip = ctx.jitter(r.chip_temp - board_spread(slot, p.boards), 0.005)
        ths = ctx.jitter(r.hashrate_ths / p.boards, 0.01)
        boards.append(
            {
                "id": slot,
                "slot": slot,
                "status": "alive",
                "hash-average": _r(ths),
                "hash-realtime": _r(ctx.jitter(ths, 0.01)),
                "factory-hash": _r(p.factory_ghs / 1000 / p.boards),
                "freq": r.freq_mhz,
                "effective-chips": p.chips_per_board,
                "chip-temp-min": _r(chip - 8.0, 1),
                "chip-temp-avg": _r(chip, 1),
                "chip-temp-max": _r(chip + 8.0, 1),
            }
        )
    return boards


def pools(ctx: ReadContext) -> list[Json]:
    r = ctx.reading
    active = [pool for pool in ctx.state.pools if pool.url]
    return [
        {
            "id": index + 1,
            "url": pool.url,
            "status": "alive",
            "account": pool.user,
            "stratum-active": index == 0 and r.hashing,
            "reject-rate": 0.1 if index == 0 and r.hashing else 0.0,
            "last-share-time": int(ctx.now) - 3 if index == 0 and r.hashing else 0,
        }
        for index, pool in enumerate(active)
    ]


STATUS_PARTS: dict[str, Callable[[ReadContext], Any]] = {
    "summary": summary,
    "pools": pools,
    "edevs": edevs,
}


def miner_status(ctx: ReadContext, param: object, btminer_down: bool) -> object:
    """Sections joined with '+'; no param: empty msg. While mining is stopped there are no
    pools (a pools-only query fails with -1); while btminer itself is down the msg is a string."""
    if param is None or param == "":
        return {}
    names = [n.strip() for n in params.text(param).split("+")]
    if any(n not in STATUS_PARTS for n in names):
        raise params.invalid(param)
    if btminer_down or not ctx.reading.btminer_up:
        return BTMINER_DOWN
    if not ctx.reading.hashing:
        names = [n for n in names if n != "pools"]
        if not names:
            raise Refusal(-1, BTMINER_DOWN)
    return {name: STATUS_PARTS[name](ctx) for name in dict.fromkeys(names)}


# ---- settings ----------------------------------------------------------------------------


def miner_setting(ctx: ReadContext, param: object) -> object:
    s, p = ctx.state, ctx.profile
    target = s.power_target_w if s.power_target_w is not None else round(full_power(s, p))
    return {
        "power-limit": s.power_limit_w,
        "upfreq-speed": s.upfreq_speed,
        "power-mode": s.power_mode,
        "fast-boot": "enable" if s.fast_boot else "disable",
        "fast-hash": "enable" if s.fast_hash else "disable",
        "heat-mode": s.heat_mode if liquid(ctx) else "",
        "target-freq": s.target_freq_pct,
        "power": target,
        "power-percent": 0 if s.power_pct == 100 else round(s.power_pct),
    }


def system_setting(ctx: ReadContext, param: object) -> object:
    s = ctx.state
    start, stop = s.time_randomized
    setting: Json = {
        "web-pool": int(s.web_pools),
        "timezone": s.timezone,
        "zonename": s.zonename,
        "hostname": s.hostname,
        "time-randomized": {"start": start, "stop": stop},
        "ntp-server": list(s.ntp_servers),
    }
    if s.syslog is not None:
        log = s.syslog
        setting["log-upload"] = {"ip": log.ip, "port": log.port, "proto": log.proto}
    return setting


def fan_setting(ctx: ReadContext, param: object) -> object:
    s = ctx.state
    return {
        "fan-poweroff-cool": int(s.poweroff_cool),
        "fan-zero-speed": int(s.fan_zero_speed),
        "fan-temp-offset": s.temp_offset,
    }


def history(ctx: ReadContext, param: object, timing: Any) -> object:
    """Records every 5 minutes: "ts,TH/s,W" separated by spaces, in msg.Data.

    The range comes as {begin,end} (doc) or {start,stop} (pyasic), at most 24 h; past
    points are recomputed from today's settings (no stored history) except that a miner
    stopped now was mining before it stopped.
    """
    values = params.obj(param) if param not in (None, "") else {}
    end = params.number(values.get("end", values.get("stop", ctx.now)))
    begin = params.number(values.get("begin", values.get("start", end - 3600)))
    end = min(end, ctx.now)
    begin = max(begin, end - HISTORY_MAX_S, ctx.state.boot_at)
    if begin > end:
        raise params.invalid(param)
    records = []
    at = begin - begin % HISTORY_STEP_S + HISTORY_STEP_S
    mining_before_stop = replace(ctx.state, mining=True)
    while at <= end:
        before_stop = not ctx.state.mining and at < ctx.state.mineroff_at
        point = compute(mining_before_stop if before_stop else ctx.state, ctx.profile, timing, at)
        records.append(f"{int(at)},{point.hashrate_ths:.3f},{point.power_w}")
        at += HISTORY_STEP_S
    return {"Data": " ".join(records)}
