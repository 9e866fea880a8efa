"""Miner models and firmware generations the simulator can play."""

from __future__ import annotations

from dataclasses import dataclass, field

from .state import Quirk

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


_P221B = {
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
}
_P566 = {
    "name": "P566Z",
    "hw_version": "V02.00",
    "sw_version": "V02.01.V02.04",
    "model": "P566Z",
    "iin": "40000",
    "vin": "38000",
    "fan_speed": "0",
    "version": "-1",
    "serial_no": "",
    "vendor": "4",
    "enable": "1",
}


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
    hydro: bool = False  # liquid cooled (hydro or immersion): coolant, heat mode, no fans
    immersion: bool = False
    legacy: bool = False  # API 1.4 keys: btmineroff, quoted firmware, errors in summary
    missing_commands: frozenset[str] = field(default_factory=frozenset)
    efficiency_exp: float = 0.9  # hashrate ~ power ** exp (exp < 1: better J/TH lower down)
    v3: bool = False  # ships with API v3 firmware (4433 plus the reduced v2 API on 4028)
    v3_api: str = "3.0.2"  # get.device.info system.api once on v3 firmware
    hash_board: str = ""  # get.device.info miner.hash-board
    quirks: frozenset[str] = frozenset()  # Quirk names this firmware always shows
    # the least its hashboards run at; below it btminer restarts (codes 560-563, "loss of
    # balance"). None: physics.MIN_LEVEL of full power
    min_stable_w: int | None = None
    # the write API at start (real miners leave the factory with it off; on, so a test need
    # not enable it first; MinerSimulator(write_api=False) or --write-api off start it off)
    write_api: bool = True


V3_COMPAT_API = "2.2.2"  # api_ver of the reduced v2 API on v3 firmware (spec 6.3)
V3_FIRMWARE_MARKER = b"WHATSMINER-FW api=3"  # an uploaded image with this becomes v3 firmware
V3_DEFAULT_FW = "20250321.14.Rel"  # v3 build of a v2-era model, or of an image naming none


def v3_firmware(version: str) -> str:
    """The version a miner reports once on API v3 firmware: at least a v3-era build (2025)."""
    return max(version, V3_DEFAULT_FW)


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
        Profile(
            name="m50_v2",  # v2 firmware, the one to upgrade to v3 with a marked image
            model="M50_VH50",
            boards=3,
            fans=2,
            chips_per_board=138,
            freq_mhz=560,
            factory_ghs=118_000,
            power_w={"low": 2950, "normal": 3300, "high": 3540},
            max_power_limit_w=3540,
            fw_ver="20240911.15.REL",
            api_ver="2.0.5",
            description="",
            platform="H616",
            chip="K88Z005-2302 BINV02-195004B",
            psu={**_P221B, "serial_no": "A1232B0120100051"},
            env_temp_c=27.0,
            efficiency_exp=0.88,
            hash_board="H50",
        ),
        Profile(
            name="m60s",
            model="M60S_VK40",
            boards=3,
            fans=2,
            chips_per_board=172,
            freq_mhz=545,
            factory_ghs=186_000,
            power_w={"low": 2900, "normal": 3400, "high": 3650},
            max_power_limit_w=3650,
            fw_ver="20251209.16.Rel2",
            api_ver=V3_COMPAT_API,
            description="",
            platform="H616",
            chip="K88Z008-2407 BINV03-196002C",
            psu={**_P221B, "name": "P221C", "model": "P221C", "serial_no": "A1242C0130100077"},
            env_temp_c=28.0,
            efficiency_exp=0.85,
            v3=True,
            hash_board="K40",
        ),
        Profile(
            name="m63s_hydro",
            model="M63S_VL10",
            boards=4,
            fans=0,
            chips_per_board=216,
            freq_mhz=480,
            factory_ghs=430_000,
            power_w={"low": 6800, "normal": 8000, "high": 10000},
            max_power_limit_w=10500,
            fw_ver="20260312.16.REL3",
            api_ver=V3_COMPAT_API,
            description="",
            platform="H616",
            chip="KAAP315-2601 BINVLC-199004E",
            psu={**_P566, "serial_no": "2F260200665"},
            env_temp_c=35.0,
            hydro=True,
            efficiency_exp=0.78,
            v3=True,
            v3_api="3.0.5",
            hash_board="L10",
        ),
        Profile(
            name="m64_hydro",  # the firmware of the report in spec v3 4.4.1: v2 stops do not hold
            model="M64_VL20",
            boards=4,
            fans=0,
            chips_per_board=204,
            freq_mhz=490,
            factory_ghs=356_000,
            power_w={"low": 6400, "normal": 7500, "high": 8800},
            max_power_limit_w=9000,
            fw_ver="20250409.15.REL",
            api_ver=V3_COMPAT_API,
            description="",
            platform="H616",
            chip="KAAP310-2502 BINVLC-199002B",
            psu={**_P566, "serial_no": "2F250400318"},
            env_temp_c=35.0,
            hydro=True,
            efficiency_exp=0.8,
            v3=True,
            hash_board="L20",
            quirks=frozenset({Quirk.V2_STOP_RESTARTS}),
            min_stable_w=2000,  # the report of issue 20: about 2000 W holds, 1000 W loops
        ),
        Profile(
            name="m66s_immersion",
            model="M66S_VK20",
            boards=4,
            fans=0,
            chips_per_board=180,
            freq_mhz=500,
            factory_ghs=298_000,
            power_w={"low": 4700, "normal": 5500, "high": 6200},
            max_power_limit_w=6500,
            fw_ver="20250915.16.Rel2",
            api_ver=V3_COMPAT_API,
            description="",
            platform="H616",
            chip="K88Z009-2410 BINV04-197001A",
            psu={**_P566, "serial_no": "2F250800412"},
            env_temp_c=40.0,
            hydro=True,
            immersion=True,
            efficiency_exp=0.82,
            v3=True,
            hash_board="K20",
        ),
    )
}
