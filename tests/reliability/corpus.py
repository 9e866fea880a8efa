"""Real-looking replies for the fuzzers: the spec's official examples and captures.

Each entry is the raw text a miner sends for one command (spec sections 3, 4, 5 and 7),
quirks included, so the mutations start from what firmware really produces.
"""

from __future__ import annotations

import json

WHEN = 1700000000

SUMMARY_BODY = {
    "Elapsed": 2648, "MHS av": 84983730.62, "MHS 5s": 102423869.64, "MHS 1m": 86361423.06,
    "MHS 5m": 84941366.02, "MHS 15m": 84969424.09, "HS RT": 84941366.02, "Accepted": 804,
    "Rejected": 0, "Total MH": 225043191209.0, "Temperature": 80.0, "freq_avg": 646,
    "Fan Speed In": 4530, "Fan Speed Out": 4530, "Power": 3593, "Power Rate": 42.31,
    "Pool Rejected%": 0.0, "Pool Stale%": 0.0, "Last getwork": 0, "Uptime": 20507,
    "Security Mode": 0, "Hash Stable": True, "Hash Stable Cost Seconds": 17569,
    "Hash Deviation%": 0.1398, "Target Freq": 574, "Target MHS": 76157172, "Env Temp": 32.0,
    "Power Mode": "Normal", "Factory GHS": 84773, "Power Limit": 3600, "Chip Temp Min": 75.17,
    "Chip Temp Max": 101.25, "Chip Temp Avg": 89.6, "Debug": "-0.0_100.0_354",
    "Btminer Fast Boot": "disable",
    "Firmware Version": "'20210322.22.REL'", "MAC": "C4:08:28:00:A4:19",
    "Error Code 0": 110, "Error Code 1": 600, "Error Code Count": 2,
}  # fmt: skip

BOARD = {
    "ASC": 0, "Slot": 0, "Enabled": "Y", "Status": "Alive", "Temperature": 80.0,
    "Chip Frequency": 587, "MHS av": 10342284.8, "MHS 5s": 5298845.66, "MHS 1m": 8508905.3,
    "MHS 5m": 10351110.56, "MHS 15m": 10296867.74, "HS RT": 10351110.56, "HS Factory": 28836,
    "Accepted": 18, "Rejected": 0, "Last Valid Work": 1643183296, "Upfreq Complete": 0,
    "Effective Chips": 156, "PCB SN": "HEM1EP9C400929K60003",
    "Chip Data": "K88Z347-2039 BINV01-195001D", "Chip Temp Min": 80.56, "Chip Temp Max": 97.0,
    "Chip Temp Avg": 89.89, "chip_vol_diff": 9,
}  # fmt: skip

POOL = {
    "POOL": 1, "URL": "stratum+tcp://btc.ss.poolin.com:443", "Status": "Alive", "Priority": 0,
    "Quota": 1, "Long Poll": "N", "Getworks": 1, "Accepted": 0, "Rejected": 0, "Works": 0,
    "Discarded": 0, "Stale": 0, "Get Failures": 0, "Remote Failures": 0,
    "User": "microbtinitial", "Last Share Time": 0, "Diff1 Shares": 0, "Proxy Type": "",
    "Proxy": "", "Difficulty Accepted": 0.0, "Stratum Active": True,
    "Stratum URL": "btc-vip-3dcoa7jxu.ss.poolin.com", "Stratum Difficulty": 65536.0,
}  # fmt: skip


def cg(code: int, msg: str, key: str, rows: list[dict[str, object]]) -> dict[str, object]:
    """A cgminer-style envelope."""
    status = {"STATUS": "S", "When": WHEN, "Code": code, "Msg": msg, "Description": "cgminer"}
    return {"STATUS": [status], key: rows, "id": 1}


def flat(msg: object, code: int = 131, status: str = "S") -> dict[str, object]:
    """A flat envelope."""
    return {"STATUS": status, "When": WHEN, "Code": code, "Msg": msg, "Description": ""}


SUMMARY = cg(11, "Summary", "SUMMARY", [SUMMARY_BODY])
EDEVS = cg(9, "3 ASC(s)", "DEVS", [{**BOARD, "ASC": i, "Slot": i} for i in range(3)])
POOLS = cg(7, "1 Pool(s)", "POOLS", [POOL])
DEVDETAILS = cg(
    69, "Device Details", "DEVDETAILS", [{"DEVDETAILS": 0, "Name": "SM", "Model": "M30S+VE40"}]
)
JOINED = {"summary": [SUMMARY], "edevs": [EDEVS], "pools": [POOLS], "id": 1}

PSU = flat(
    {"name": "P221B", "hw_version": "V01.00", "sw_version": "V01.00.V01.03", "model": "P221B",
     "iin": "8718", "vin": "22400", "fan_speed": "6976", "version": "-1",
     "serial_no": "A1232B0120100049", "vender": "7"}
)  # fmt: skip
VERSION = flat(
    {"api_ver": "2.0.5", "fw_ver": "20230803.11.REL", "platform": "H616", "chip": "K88Z001"}
)
STATUS_NEW = flat(
    {"FirmwareVersion": "20240624.18.REL", "hash_percent": "0", "mineroff": "false",
     "mineroff_reason": "", "mineroff_time": "", "power_limit_set": "3600", "power_mode": "low"}
)  # fmt: skip
STATUS_OLD = flat({"Firmware Version": "'20220919.15.REL'", "btmineroff": "false"})
MINER_INFO = flat(
    {"ip": "192.168.2.16", "proto": "dhcp", "netmask": "255.255.255.0", "dns": "1.1.1.1 8.8.8.8",
     "mac": "C6:07:20:00:1E:C2", "ledstat": "auto", "gateway": "192.168.2.1",
     "hostname": "WhatsMiner", "minersn": "ZJ2101A4000021", "powersn": "A1232B0120100049"}
)  # fmt: skip
ERROR_CODES = flat({"error_code": [{"218": "2024-06-15 10:30:00"}, {"110": "2024-06-15 09:15:00"}]})
TOKEN = flat({"time": "5039", "salt": "BQ5hoXV9", "newsalt": "P5NTAcEp"}, code=134)
WRITE_OK = flat("API command OK")

# the token reply above, password "admin": spec section 5.5
ADMIN_KEY = "RxmaDUO33TS7O26yeMHZ81"

ERRORS = [
    flat("invalid cmd", 14, "E"),
    flat("enc json load err", 23, "E"),
    flat("over max connect", 136, "E"),
    flat("check token err", 135, "E"),
    flat("can't access write cmd", 45, "E"),
    {"STATUS": [{"STATUS": "E", "When": WHEN, "Code": 14, "Msg": "Invalid command"}], "id": 1},
]

# raw quirks of spec 7.2, as text
QUIRKS = [
    json.dumps(SUMMARY) + "\x00",
    '{"STATUS":"S","When":1,"Code":131,"Msg":{"hostname":"w","ledstat":"auto",},"Description":""}',
    json.dumps(SUMMARY, indent=1),
    '{"STATUS":"S","When":1,"Code":131,"Msg":{"fan_speed":"6000""temp0":"40"},"Description":""}',
    '{"STATUS":"S","When":1642392343,"Code":131,"Msg":{"error_code":["329":"2022-01-17 11:28:11"]},'
    '"Description":""}',
    json.dumps(SUMMARY)[:-300],
    json.dumps(SUMMARY).replace("80.0", "inf").replace("32.0", "nan"),
    "Socket connect failed: Connection refused\n",
]

# command name -> a real-looking reply for it
BY_COMMAND: dict[str, dict[str, object]] = {
    "summary": SUMMARY,
    "edevs": EDEVS,
    "devs": EDEVS,
    "pools": POOLS,
    "devdetails": DEVDETAILS,
    "get_psu": PSU,
    "get_version": VERSION,
    "status": STATUS_NEW,
    "get_miner_info": MINER_INFO,
    "get_error_code": ERROR_CODES,
    "get_token": TOKEN,
}

SEEDS: list[str] = [
    *(json.dumps(v) for v in BY_COMMAND.values()),
    json.dumps(JOINED),
    json.dumps(STATUS_OLD),
    *(json.dumps(e) for e in ERRORS),
    *QUIRKS,
]
