"""The read commands of spec v2 section 3, built from a live reading."""

from __future__ import annotations

from collections.abc import Callable

from simulator.context import ReadContext, timestamp
from simulator.physics import board_spread
from simulator.profiles import V3_COMPAT_API
from simulator.state import Quirk

from .envelopes import Json, cgminer, flat

CGMINER_DESCRIPTION = "cgminer 4.9.2"
# Reduced v2 API of v3 firmware (spec 6.3): what summary and edevs keep, what is gone
COMPAT_SUMMARY_KEYS = (
    "Elapsed",
    "MHS av",
    "MHS 1m",
    "MHS 15m",
    "HS RT",
    "freq_avg",
    "Fan Speed In",
    "Fan Speed Out",
    "Power",
    "Power Rate",
    "Pool Rejected%",
    "Uptime",
    "Hash Stable",
    "Hash Stable Cost Seconds",
    "Target Freq",
    "Env Temp",
    "Power Mode",
    "Factory GHS",
    "Power Limit",
    "Chip Temp Min",
    "Chip Temp Max",
    "Chip Temp Avg",
    "Debug",
    "Btminer Fast Boot",
)
COMPAT_EDEVS_DROPPED = frozenset(
    {"ASC", "Enabled", "Status", "MHS 5s", "MHS 5m", "Accepted", "Rejected", "Last Valid Work"}
    | {"Chip Temp Min", "Chip Temp Max", "Chip Temp Avg", "chip_vol_diff"}
)

MINER_INFO_KEYS = ("ip", "proto", "netmask", "gateway", "dns", "hostname", "mac", "ledstat")
EXTRA_INFO_KEYS = ("minersn", "powersn", "upfreq_speed")


def fw_text(ctx: ReadContext) -> str:
    """The firmware version as v2 reports it (quoted on legacy firmware)."""
    quoted = ctx.profile.legacy or Quirk.QUOTED_FIRMWARE in ctx.quirks
    return f"'{ctx.fw_ver}'" if quoted else ctx.fw_ver


def flat_ok(ctx: ReadContext, msg: object) -> Json:
    return flat(131, msg, ctx.now, ctx.profile.description)


def _mhs(ctx: ReadContext, ths: float) -> dict[str, float]:
    mhs = ths * 1e6
    return {
        "MHS av": round(ctx.jitter(mhs, 0.002), 2),
        "MHS 5s": round(ctx.jitter(mhs, 0.03), 2),
        "MHS 1m": round(ctx.jitter(mhs, 0.01), 2),
        "MHS 5m": round(ctx.jitter(mhs, 0.004), 2),
        "MHS 15m": round(ctx.jitter(mhs, 0.002), 2),
        "HS RT": round(ctx.jitter(mhs, 0.004), 2),
    }


def _accepted(ctx: ReadContext, ths: float) -> int:
    return int(ctx.reading.elapsed_s * ths * 0.0035)


def summary_fields(ctx: ReadContext) -> Json:
    r, s, p = ctx.reading, ctx.state, ctx.profile
    power = round(ctx.jitter(r.power_w, 0.004)) if r.hashing else r.power_w
    ths = r.hashrate_ths
    board = round(ctx.jitter(r.board_temp, 0.005), 2)
    chip = ctx.jitter(r.chip_temp, 0.005)
    inf_nan = Quirk.INF_NAN in ctx.quirks
    rate = power / ths if ths else (float("inf") if inf_nan else 0.0)
    fields: Json = {"Elapsed": r.elapsed_s, **_mhs(ctx, ths)}
    fields |= {
        "Accepted": _accepted(ctx, ths),
        "Rejected": int(_accepted(ctx, ths) * 0.001),
        "Total MH": round(ths * 1e6 * r.elapsed_s, 4),
        "Temperature": board,
        "freq_avg": r.freq_mhz,
        "Fan Speed In": round(ctx.jitter(r.fan_rpm, 0.01)),
        "Fan Speed Out": round(ctx.jitter(r.fan_rpm, 0.01)),
        "Power": power,
        "Power Rate": round(rate, 2),
        "Pool Rejected%": 0.0,
        "Pool Stale%": 0.0,
        "Last getwork": int(ctx.now) if r.hashing else 0,
        "Uptime": r.uptime_s,
        "Security Mode": 0,
        "Hash Stable": r.warm >= 1.0,
        "Hash Stable Cost Seconds": min(r.elapsed_s, 1800),
        "Hash Deviation%": float("nan") if inf_nan else round(ctx.jitter(0.14, 0.2), 4),
        "Target Freq": round(p.freq_mhz * (1 + s.target_freq_pct / 100)),
        "Target MHS": round(ths * 1e6 * 0.9),
        "Env Temp": round(r.env_temp, 2),
        "Power Mode": s.power_mode.capitalize(),
        "Factory GHS": p.factory_ghs,
        "Power Limit": s.power_limit_w,
        "Chip Temp Min": round(chip - 8.0, 2) if r.hashing else board,
        "Chip Temp Max": round(chip + 9.0, 2) if r.hashing else board,
        "Chip Temp Avg": round(chip, 2),
        "Debug": f"{s.temp_offset:.1f}_{s.power_pct:.1f}_{p.freq_mhz}",
        "Btminer Fast Boot": "enable" if s.fast_boot else "disable",
        "Upfreq Complete": int(r.warm >= 1.0),
    }
    if p.hydro:
        fields["Liquid Cooling"] = True
        fields["Liquid Temperature"] = round(r.liquid_temp, 2)
    if p.legacy:  # API 1.4 (capture in asic-rs v1/summary.json)
        for key in ("Debug", "Btminer Fast Boot", "Upfreq Complete", "Env Temp"):
            del fields[key]
        fields |= {
            "Firmware Version": fw_text(ctx),
            "CB Platform": p.platform,
            "CB Version": "V8",
            "Chip Data": p.chip,
            "MAC": s.mac,
            "Liquid Cooling": False,
            "Power Current": round(power / 13.1),
            "Power Fanspeed": r.psu_fan_rpm,
            "Power_RT": power,
            "Voltage": 1180,
            "Hardware Errors": int(r.elapsed_s * 0.007),
            "Factory Error Code Count": 0,
        }
        codes = sorted(s.error_codes)
        fields["Error Code Count"] = len(codes)
        fields |= {f"Error Code {i}": code for i, code in enumerate(codes)}
    return fields


def compat_summary(ctx: ReadContext) -> Json:
    """v3 firmware on 4028: flat, MH/s, no 5 s / 5 min / target rates, float Elapsed."""
    fields = summary_fields(ctx)
    compat = {key: fields[key] for key in COMPAT_SUMMARY_KEYS}
    elapsed = ctx.reading.elapsed_s
    compat["Elapsed"] = elapsed + round(ctx.now % 1, 3) if elapsed else 0.0
    compat["Power"] = float(fields["Power"])
    compat["Hash Stable"] = "true" if fields["Hash Stable"] else "false"
    return compat


def summary(ctx: ReadContext) -> Json:
    if ctx.state.v3:
        return flat_ok(ctx, compat_summary(ctx))
    if Quirk.SUMMARY_IN_MSG in ctx.quirks:
        return flat_ok(ctx, summary_fields(ctx))
    return cgminer(11, "Summary", ctx.now, CGMINER_DESCRIPTION, "SUMMARY", [summary_fields(ctx)])


def pools(ctx: ReadContext) -> Json:
    s, r = ctx.state, ctx.reading
    active = [p for p in s.pools if p.url]
    items = []
    for index, pool in enumerate(active):
        first = index == 0
        accepted = _accepted(ctx, r.hashrate_ths) if first else 0
        host = pool.url.split("://")[-1].split(":")[0]
        items.append(
            {
                "POOL": index + 1,
                "URL": pool.url,
                "Status": "Alive",
                "Priority": index,
                "Quota": 1,
                "Long Poll": "N",
                "Getworks": max(1, r.elapsed_s // 30) if first else 1,
                "Accepted": accepted,
                "Rejected": int(accepted * 0.001),
                "Works": accepted * 4,
                "Discarded": 0,
                "Stale": 0,
                "Get Failures": 0,
                "Remote Failures": 0,
                "User": pool.user,
                "Last Share Time": int(ctx.now) - 3 if first and r.hashing else 0,
                "Diff1 Shares": 0,
                "Proxy Type": "",
                "Proxy": "",
                "Difficulty Accepted": float(accepted * 65536),
                "Difficulty Rejected": 0.0,
                "Difficulty Stale": 0.0,
                "Last Share Difficulty": 65536.0 if accepted else 0.0,
                "Work Difficulty": 65536.0,
                "Has Stratum": 1,
                "Stratum Active": first and r.btminer_up,
                "Stratum URL": host,
                "Stratum Difficulty": 65536.0,
                "Best Share": accepted * 91_000,
                "Pool Rejected%": 0.0,
                "Pool Stale%": 0.0,
                "Bad Work": 0,
                "Current Block Height": 870_000 + int(ctx.now // 600) % 1000,
                "Current Block Version": 536870916,
            }
        )
    return cgminer(7, f"{len(items)} Pool(s)", ctx.now, CGMINER_DESCRIPTION, "POOLS", items)


def edevs(ctx: ReadContext) -> Json:
    s, r, p = ctx.state, ctx.reading, ctx.profile
    items = []
    for slot in range(p.boards):
        spread = board_spread(slot, p.boards)
        temp = round(ctx.jitter(r.board_temp - spread, 0.005), 2)
        chip = ctx.jitter(r.chip_temp - spread, 0.005)
        ths = ctx.jitter(r.hashrate_ths / p.boards, 0.01)
        board: Json = {"ASC": slot, "Slot": slot, "Enabled": "Y", "Status": "Alive"}
        if Quirk.DEVS_WITHOUT_ASC in ctx.quirks:
            del board["ASC"]
        board |= {"Temperature": temp, "Chip Frequency": r.freq_mhz, **_mhs(ctx, ths)}
        factory_key = "Factory GHS" if Quirk.DEVS_FACTORY_GHS in ctx.quirks else "HS Factory"
        board |= {
            factory_key: p.factory_ghs // p.boards,
            "Accepted": _accepted(ctx, ths),
            "Rejected": 0,
            "Last Valid Work": int(ctx.now) if r.hashing else 0,
            "Upfreq Complete": int(r.warm >= 1.0),
            "Effective Chips": p.chips_per_board,
            "PCB SN": f"{s.serial[:8]}{slot}K6000{slot + 3}",
            "Chip Data": p.chip,
            "Chip Temp Min": round(chip - 8.0, 2) if r.hashing else temp,
            "Chip Temp Max": round(chip + 8.0, 2) if r.hashing else temp,
            "Chip Temp Avg": round(chip, 2),
            "chip_vol_diff": 9,
        }
        if p.legacy:
            board |= {"Fan Speed In": r.fan_rpm, "Fan Speed Out": r.fan_rpm, "Name": "SM"}
        if s.v3:
            board = compat_board(board)
        items.append(board)
    return cgminer(9, f"{len(items)} ASC(s)", ctx.now, CGMINER_DESCRIPTION, "DEVS", items)


def compat_board(board: Json) -> Json:
    """v3 firmware on 4028: no ASC, no chip temperatures, per-board rates in TH/s."""
    compat = {k: v for k, v in board.items() if k not in COMPAT_EDEVS_DROPPED}
    for key in ("MHS av", "MHS 1m", "MHS 15m", "HS RT"):
        compat[key] = round(compat[key] / 1e6, 2)
    compat["Factory GHS"] = compat.pop("HS Factory", compat.get("Factory GHS"))
    return compat


def devdetails(ctx: ReadContext) -> Json:
    items: list[Json] = [
        {
            "DEVDETAILS": slot,
            "Name": "SM",
            "ID": slot,
            "Driver": "bitmicro",
            "Kernel": "",
            "Model": ctx.profile.model,
        }
        for slot in range(ctx.profile.boards)
    ]
    return cgminer(69, "Device Details", ctx.now, "btminer", "DEVDETAILS", items)


def status(ctx: ReadContext) -> Json:
    s = ctx.state
    off = "false" if s.mining else "true"
    if ctx.profile.legacy or Quirk.LEGACY_STATUS in ctx.quirks:
        return flat_ok(ctx, {"Firmware Version": fw_text(ctx), "btmineroff": off})
    msg: Json = {
        "FirmwareVersion": fw_text(ctx),
        "hash_percent": str(round(s.power_pct)),
        "mineroff": off,
        "mineroff_reason": "" if s.mining else s.mineroff_reason,
        "mineroff_time": "" if s.mining else timestamp(s.mineroff_at),
        "power_limit_set": str(s.power_limit_w),
        "power_mode": s.power_mode,
    }
    if ctx.profile.hydro:
        msg["heat_mode"] = s.heat_mode
        msg["liquid_temp"] = f"{ctx.reading.liquid_temp:.1f}"
    if s.v3:  # spec 6.3: the reduced API adds these, liquid_temp as a number
        msg |= {"fast_mining": "false", "fast_hash": str(s.fast_hash).lower()}
        msg |= {"liquid_temp": round(ctx.reading.liquid_temp), "power_pct": round(s.power_pct)}
    return flat_ok(ctx, msg)


def get_version(ctx: ReadContext) -> Json:
    p = ctx.profile
    msg = {"api_ver": V3_COMPAT_API if ctx.state.v3 else p.api_ver, "fw_ver": ctx.fw_ver}
    if not p.legacy:
        msg |= {"platform": p.platform, "chip": p.chip}
    if ctx.state.v3:
        msg["miner_type"] = p.model
    return flat_ok(ctx, msg)


def get_psu(ctx: ReadContext) -> Json:
    r = ctx.reading
    psu = dict(ctx.profile.psu)
    amps = r.power_w / 230.0
    if "iin" in psu:
        psu["iin"] = str(round(ctx.jitter(amps * 1000, 0.01)))
    if "fan_speed" in psu:
        psu["fan_speed"] = str(round(ctx.jitter(r.psu_fan_rpm, 0.01)))
    if "vin" in psu:
        psu["vin"] = str(round(ctx.jitter(23000, 0.003)))
    if ctx.profile.hydro:
        psu["pin"] = str(round(ctx.jitter(r.power_w * 1.04, 0.005)))
    if Quirk.PSU_VENDOR in ctx.quirks and "vender" in psu:
        psu["vendor"] = psu.pop("vender")
    if ctx.profile.hydro or Quirk.PSU_MISSING_COMMA in ctx.quirks:
        psu["temp0"] = f"{r.env_temp + 12.0 * r.load:.1f}"
    return flat_ok(ctx, psu)


def miner_info_value(ctx: ReadContext, key: str) -> str | None:
    s = ctx.state
    values = {
        "ip": s.network.ip,
        "proto": s.network.proto,
        "netmask": s.network.netmask,
        "gateway": s.network.gateway,
        "dns": s.network.dns,
        "hostname": s.hostname,
        "mac": s.mac,
        "ledstat": s.led.mode,
        "upfreq_speed": None if ctx.profile.legacy else str(s.upfreq_speed),
        "minersn": s.serial if ctx.profile.hydro else None,
        "powersn": ctx.profile.psu.get("serial_no") if ctx.profile.hydro else None,
    }
    return values.get(key)


def get_miner_info(ctx: ReadContext, info: str | None) -> Json:
    keys = ("hostname", "mac", "ledstat") if info is None else info.split(",")
    msg: Json = {}
    for key in (k.strip() for k in keys):
        value = miner_info_value(ctx, key)
        if value is not None and key not in msg:
            msg[key] = value
    return flat_ok(ctx, msg)


def get_error_code(ctx: ReadContext) -> Json:
    codes = sorted(ctx.state.error_codes.items(), key=lambda item: item[1])
    return flat_ok(ctx, {"error_code": [{str(code): timestamp(at)} for code, at in codes]})


def get_customer_msg(ctx: ReadContext) -> Json:
    """Later manuals (V2.2.x) only: what set_customer_msg stored."""
    return flat_ok(ctx, dict(ctx.state.customer_msg))


type ReadHandler = Callable[[ReadContext], Json]

CGMINER_READS: dict[str, ReadHandler] = {
    "summary": summary,
    "pools": pools,
    "edevs": edevs,
    "devs": edevs,
    "devdetails": devdetails,
}
DAEMON_READS: dict[str, ReadHandler] = {
    "status": status,
    "get_version": get_version,
    "get_psu": get_psu,
    "get_error_code": get_error_code,
    "get_customer_msg": get_customer_msg,
}
