"""Live readings derived lazily from a miner's settings and the clock (no ticking)."""

from __future__ import annotations

import math

from .profiles import Profile
from .state import MinerState, Reading, Timing

IDLE_POWER_W = 12  # control board only
COOLDOWN_S = 300.0  # time constant of the temperature decay after a stop
MIN_LEVEL = 0.25  # a level below this share of full power makes btminer restart


def board_spread(slot: int, boards: int) -> float:
    """Degrees a board runs below the average: the middle boards run a bit hotter."""
    return abs((slot - (boards - 1) / 2) * 1.5)


def warmup_seconds(state: MinerState, timing: Timing) -> float:
    base = timing.fast_boot_warmup_s if state.booted_fast else timing.warmup_s
    return base / (1.0 + state.upfreq_speed / 3.0)


def full_power(state: MinerState, profile: Profile) -> float:
    """The initial stable power of the current mode and target frequency (100 %)."""
    freq_factor = max(0.0, 1.0 + state.target_freq_pct / 100.0)
    return profile.power_w[state.power_mode] * freq_factor


def min_stable_power(state: MinerState, profile: Profile) -> float:
    """The least the hashboards run at: the profile's own, else MIN_LEVEL of full power."""
    if profile.min_stable_w is not None:
        return float(profile.min_stable_w)
    return full_power(state, profile) * MIN_LEVEL


def asked_power(state: MinerState, profile: Profile) -> float:
    """What the settings ask the hashboards for: a live power target replaces full power,
    the percentage applies on top, the power limit caps everything. Below the hashboards'
    minimum the run is unstable (see actions.lose_balance)."""
    base = full_power(state, profile)
    if state.live_target_w is not None:
        base = float(state.live_target_w)
    wanted = base * state.power_pct / 100.0
    return max(0.0, min(wanted, float(state.power_limit_w), float(profile.max_power_limit_w)))


def unstable(state: MinerState, profile: Profile) -> bool:
    """Whether the settings ask for less than the hashboards run at."""
    return asked_power(state, profile) < min_stable_power(state, profile) - 0.5


def settled_power(state: MinerState, profile: Profile) -> float:
    """The power the settings ask for once any change has finished; a run asked for less
    than the hashboards' minimum runs at the minimum until it restarts."""
    return max(asked_power(state, profile), min_stable_power(state, profile))


def running_power(state: MinerState, profile: Profile, now: float) -> float:
    """The power the hashboards run at (or settle at after warm-up) right now."""
    ramp = state.power_ramp
    if ramp is not None and not ramp.done(now):
        return min(ramp.watts_at(now), float(state.power_limit_w))
    return settled_power(state, profile)


def hashrate_for(power_w: float, profile: Profile) -> float:
    """TH/s at a power: the profile's efficiency curve, better J/TH at lower power."""
    normal = profile.power_w["normal"]
    if power_w <= 0:
        return 0.0
    share: float = (power_w / normal) ** profile.efficiency_exp
    return profile.factory_ghs / 1000.0 * share


def compute(state: MinerState, profile: Profile, timing: Timing, now: float) -> Reading:
    btminer_up = now >= state.btminer_start_at and not state.btminer_stopped
    hashing_start = max(state.hashing_since, state.btminer_start_at)
    hashing = btminer_up and state.mining
    normal = profile.power_w["normal"]
    warm = 0.0
    power = float(IDLE_POWER_W)
    ths = 0.0
    if hashing:
        warm = min(1.0, max(0.0, (now - hashing_start) / warmup_seconds(state, timing)))
        target = running_power(state, profile, now)
        power_ramp = min(1.0, 0.3 + warm * 1.4)  # power comes up before the chips are tuned
        power = IDLE_POWER_W + target * power_ramp
        ths = hashrate_for(target, profile) * warm
    load = (power - IDLE_POWER_W) / normal
    env = profile.env_temp_c
    residual = 0.0  # heat left from before the last stop, decaying
    if state.stopped_at:
        stopped_for = max(0.0, now - state.stopped_at)
        residual = math.exp(-stopped_for / COOLDOWN_S) * running_power(state, profile, now) / normal
    heat = max(load * (0.4 + 0.6 * warm), residual) if hashing else residual
    offset = state.temp_offset * 0.5
    if profile.hydro:
        liquid = env + 12.0 * heat
        board = liquid + 18.0 * heat + offset
    else:
        liquid = 0.0
        board = env + 44.0 * heat + offset
    chip = board + 12.0 * heat
    return Reading(
        btminer_up=btminer_up,
        hashing=hashing,
        uptime_s=max(0, int(now - state.boot_at)),
        elapsed_s=max(0, int(now - state.btminer_start_at)) if btminer_up else 0,
        warm=warm,
        power_w=round(power),
        hashrate_ths=ths,
        freq_mhz=round(profile.freq_mhz * (ths / hashrate_for(normal, profile)) ** 0.5)
        if ths
        else 0,
        env_temp=env,
        board_temp=board,
        chip_temp=chip,
        liquid_temp=liquid,
        fan_rpm=fan_rpm(state, profile, hashing, heat),
        psu_fan_rpm=round(2500 + 4500 * min(1.0, load)) if hashing else 0,
        load=load,
    )


def fan_rpm(state: MinerState, profile: Profile, hashing: bool, heat: float) -> int:
    if profile.fans == 0:
        return 0
    if not hashing:
        return 2000 if state.poweroff_cool and heat > 0.05 else 0
    floor = 0 if state.fan_zero_speed and heat < 0.35 else 1800
    rpm = 1500.0 + 4200.0 * math.pow(max(0.0, heat), 1.5) - 60.0 * state.temp_offset
    return round(max(float(floor), min(7000.0, rpm)))
