"""Replies from spec v3 (sections 4.1-4.3): the real M50 capture and the official examples."""

from __future__ import annotations

from typing import Any

SALT = "uhCiDyVj"

# Spec 4.1.1: real M50 capture (masked values replaced), plus the PSU's liquid temperature
# field of hydro models and an error list of the official shape.
DEVICE_INFO: dict[str, Any] = {
    "network": {
        "ip": "10.10.10.21",
        "proto": "dhcp",
        "netmask": "255.255.255.0",
        "dns": "10.10.10.1 8.8.8.8",
        "mac": "c6:07:20:00:1a:2b",
        "gateway": "10.10.10.1",
        "hostname": "WhatsMiner",
    },
    "miner": {
        "working": "true",
        "type": "M50_VH84",
        "hash-board": "H84",
        "detect-hash-rate": "40100:41200:40300",
        "cointype": "BTC/BCH/BSV",
        "pool-strategy": "FAILOVER",
        "heatmode": "",
        "hash-percent": "",
        "fast-boot": "disable",
        "board-num": "3",
        "pcbsn0": "HHM0A",
        "pcbsn1": "HHM1B",
        "pcbsn2": "HHM2C",
        "miner-sn": "HTM3X",
        "power-limit-set": "",
        "UpfreqSpeed": "",
        "web-pool": 1,
        "permission": "super=255 user1=0 user2=0 user3=0",
    },
    "system": {
        "api": "3.0.2",
        "platform": "H616",
        "fwversion": "20250915.16.Rel2",
        "control-board-version": "CB6V10",
        "apiswitch": "1",
        "ledstatus": "auto",
    },
    "power": {
        "type": "P221B",
        "mode": "1",
        "hwversion": "V00.01",
        "swversion": "V02.01.V02.03",
        "model": "P221B",
        "iin": 15.43,
        "vin": 231.5,
        "vout": 1222,
        "pin": 3573,
        "fanspeed": 4992,
        "temp0": 79,
        "sn": "A1PSU",
        "vendor": "7",
    },
    "salt": SALT,
    "error-code": [
        {"531": "2025-03-12 14:52:35", "reason": "Slot1 not found."},
        {"264": "2026-05-23 09:19:10"},
    ],
}

# Spec 4.2.1: the official summary example.
SUMMARY: dict[str, Any] = {
    "elapsed": 1074,
    "bootup-time": 1175,
    "freq-avg": 788,
    "target-freq": 0,
    "factory-hash": 101.366,
    "hash-average": 101.847,
    "hash-1min": 102.072,
    "hash-15min": 101.847,
    "hash-realtime": 101.847,
    "power-rate": 31.886,
    "power-5min": 3247.641,
    "power-realtime": 3268,
    "environment-temperature": 34.8,
    "board-temperature": [69.6, 70.1, 72.3],
    "chip-temp-min": 83.2,
    "chip-temp-avg": 92.9,
    "chip-temp-max": 100.3,
    "power-limit": 3500,
    "up-freq-finish": 1,
    "fan-speed-in": 4980,
    "fan-speed-out": 5070,
}
POOLS: list[dict[str, Any]] = [
    {
        "id": 1,
        "url": "stratum+tcp://pool.example:3333",
        "status": "alive",
        "account": "worker.1",
        "stratum-active": True,
        "reject-rate": 4.5,
        "last-share-time": 1692685469,
    }
]
EDEVS: list[dict[str, Any]] = [
    {
        "id": slot,
        "slot": slot,
        "hash-average": 33.972,
        "factory-hash": 33.789,
        "freq": 785,
        "effective-chips": 70,
        "chip-temp-min": 84.9,
        "chip-temp-avg": 92.2,
        "chip-temp-max": 97.4,
    }
    for slot in range(3)
]
MINER_STATUS: dict[str, Any] = {"summary": SUMMARY, "edevs": EDEVS, "pools": POOLS}

# Spec 4.3.1 (official example plus the REL3 keys), 4.3.2 (M50 capture), 4.3.3.
MINER_SETTING: dict[str, Any] = {
    "power-limit": 3500,
    "upfreq-speed": 0,
    "power-mode": "normal",
    "fast-boot": "disable",
    "target-freq": 0,
    "fast-mining": "disable",
    "fast-hash": 1,
    "heat-mode": "normal",
    "power": 3400,
    "power-percent": 0,
}
SYSTEM_SETTING: dict[str, Any] = {
    "web-pool": 1,
    "timezone": "CST-8",
    "zonename": "Asia/Shanghai",
    "hostname": "WhatsMiner",
    "time-randomized": {"start": 0, "stop": 0},
    "ntp-server": ["0.cn.pool.ntp.org", "0.openwrt.pool.ntp.org"],
}
FAN_SETTING: dict[str, Any] = {
    "fan-poweroff-cool": 1,
    "fan-zero-speed": 0,
    "fan-temp-offset": -10,
}
CUSTOM_DATA: dict[str, Any] = {"CustomerSn": "sn12345", **{f"msg{i}": "msg" for i in range(10)}}

READS: dict[str, Any] = {
    "get.device.info": DEVICE_INFO,
    "get.miner.status": MINER_STATUS,
    "get.miner.setting": MINER_SETTING,
    "get.system.setting": SYSTEM_SETTING,
    "get.fan.setting": FAN_SETTING,
    "get.device.custom_data": CUSTOM_DATA,
    "get.miner.history": "miner history information",
}
