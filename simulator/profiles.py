"""Miner models and firmware generations the simulator can play."""

from __future__ import annotations

from dataclasses import dataclass, field

LEGACY_MISSING = frozenset(
    {
        "get_error_code",
        "get_customer_msg",
        "set_customer_msg",
        "set_power_pct_v2",
        "set_heat_mode",
        "enable_btminer_init",
        "disable_btminer_init",
        "adjust_upfreq_speed",
        "set_poweroff_cool",
        "set_fan_zero_speed",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    name: str
    model: str  # devdetails Model
    boards: int
    fans: int  # 0 on hydro models
    chips_per_board: int
    freq_mhz: int
    factory_ghs: int  # nameplate hashrate at normal power
    power_w: dict[str, int]  # by power mode: low / normal / high
    max_power_limit_w: int  # the default and highest power limit
    fw_ver: str
    api_ver: str
    description: str  # Description of flat replies
    platform: str
    chip: str
    psu: dict[str, str]
    env_temp_c: float
    hydro: bool = False
    legacy: bool = False  # API 1.4 keys: btmineroff, quoted firmware, errors in summary
    missing_commands: frozenset[str] = field(default_factory=frozenset)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="m30s_plus",
            model="M30S+VE40",
            boards=3,
            fans=2,
            chips_per_board=156,
            freq_mhz=587,
            factory_ghs=100_000,
            power_w={"low": 2900, "normal": 3400, "high": 3600},
            max_power_limit_w=3600,
            fw_ver="20230803.11.REL",
            api_ver="2.0.5",
            description="",
            platform="H616",
            chip="K88Z001-2039 BINV01-195001B",
            psu={
                "name": "P221B",
                "hw_version": "V01.00",
                "sw_version": "V01.00.V01.03",
                "model": "P221B",
                "iin": "8718",
                "vin": "22400",
                "fan_speed": "6976",
                "version": "-1",
                "serial_no": "A1232B0120100049",
                "vender": "7",
            },
            env_temp_c=28.0,
        ),
        Profile(
            name="m56s_hydro",
            model="M56S_VH30",
            boards=4,
            fans=0,
            chips_per_board=108,
            freq_mhz=470,
            factory_ghs=212_000,
            power_w={"low": 4700, "normal": 5550, "high": 6100},
            max_power_limit_w=6100,
            fw_ver="20240624.18.REL",
            api_ver="2.0.5",
            description="",
            platform="H616",
            chip="K88Z003-2210 BINV02-195003A",
            psu={
                "name": "P521",
                "hw_version": "V01.00",
                "sw_version": "V01.00.V01.05",
                "model": "P521",
                "iin": "24500",
                "vin": "38000",
                "fan_speed": "0",
                "version": "-1",
                "serial_no": "A5232B0120300071",
                "vendor": "4",
                "enable": "1",
            },
            env_temp_c=35.0,
            hydro=True,
        ),
        Profile(
            name="m20s_legacy",
            model="M20SV10",
            boards=3,
            fans=2,
            chips_per_board=66,
            freq_mhz=620,
            factory_ghs=68_000,
            power_w={"low": 2900, "normal": 3360, "high": 3500},
            max_power_limit_w=3500,
            fw_ver="20210322.22.REL",
            api_ver="whatsminer v1.4.0",
            description="whatsminer v1.4.0",
            platform="ALLWINNER_H3",
            chip="K88Z001-1935 BINV01-192002A",
            psu={
                "hw_version": "",
                "model": "P21-12-3600-E",
                "name": "P21",
                "sw_version": "102220.009",
            },
            env_temp_c=26.0,
            legacy=True,
            missing_commands=LEGACY_MISSING,
        ),
    )
}
