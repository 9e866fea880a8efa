"""State changes shared by both wire protocols: a v2 write and its v3 twin call the same one."""

from __future__ import annotations

from typing import Protocol

from .context import ReadContext
from .physics import running_power, settled_power, unstable
from .profiles import Profile
from .state import (
    FACTORY_PASSWORD,
    FACTORY_SALT,
    Counters,
    Faults,
    Led,
    MinerState,
    Network,
    PowerRamp,
    Quirk,
    Reading,
    Timing,
)


class Control(Protocol):
    """What a write command may do to its miner."""

    state: MinerState
    profile: Profile
    timing: Timing
    faults: Faults
    counters: Counters

    def now(self) -> float: ...
    def reading(self) -> Reading: ...
    def restart_btminer(self) -> None: ...
    def reboot(self) -> None: ...
    def forget_tokens(self) -> None: ...


class Host(Control, Protocol):
    """The miner as either port's server sees it."""

    def context(self) -> ReadContext: ...
    def install_firmware(self, image: bytes) -> None: ...


def stop_mining(m: Control, reason: str, *, v2: bool) -> None:
    """Stop hashing (v2 `power_off`, v3 `set.miner.service stop`). With a quirk of stops that
    do not hold, btminer starts again by itself `Timing.self_restart_s` later."""
    catch_up(m)
    s = m.state
    quirks = m.faults.quirks
    restarts = Quirk.STOP_RESTARTS in quirks or (v2 and s.v3 and Quirk.V2_STOP_RESTARTS in quirks)
    if not restarts:
        s.self_start_at = None  # a stop that holds, also over one that would not have
    if s.mining:
        s.mining = False
        s.mineroff_reason = reason
        s.mineroff_at = s.stopped_at = m.now()
        if restarts:
            s.self_start_at = s.stopped_at + m.timing.self_restart_s


def catch_up(m: Control) -> None:
    """Carry out what came due while nothing was asked (nothing ticks): runs below the
    hashboards' minimum restart, and a stop that did not hold ends, when their time comes,
    as if btminer had restarted then."""
    s = m.state
    while s.unstable_at is not None and m.now() >= s.unstable_at:
        at, s.unstable_at = s.unstable_at, None
        if s.mining and not s.btminer_stopped:
            lose_balance(m, at)
    if s.self_start_at is None or m.now() < s.self_start_at:
        return
    at, s.self_start_at = s.self_start_at, None
    if s.mining:
        return
    s.mining, s.mineroff_reason = True, ""
    m.restart_btminer()  # a new run: fast boot and a saved target apply, the percentage not
    s.hashing_since, s.btminer_start_at = at, at + m.timing.btminer_restart_s  # when it was due
    watch_stability(m, s.btminer_start_at)
    m.counters.self_restarts += 1


def start_mining(m: Control) -> None:
    catch_up(m)
    s = m.state
    if not s.mining:
        s.mining = True
        s.mineroff_reason = ""
        s.hashing_since = m.now()
        s.preheat_started_at = None
        watch_stability(m, s.hashing_since)
    if s.btminer_stopped:
        m.restart_btminer()


BALANCE_CODE = 560  # + hashboard slot (560-563): "loss of balance"


def lose_balance(m: Control, at: float | None = None) -> None:
    """A run asked for less than its hashboards' minimum: a board loses balance (code 560 +
    its slot, the slots in turn) and btminer restarts, at `at` (default now)."""
    s = m.state
    at = m.now() if at is None else at
    slot = m.counters.balance_restarts % min(m.profile.boards, 4)
    code = BALANCE_CODE + slot
    s.error_codes[code] = at
    s.error_reasons[code] = f"hashboard {slot} loss of balance"
    m.counters.balance_restarts += 1
    m.restart_btminer()
    s.stopped_at, s.btminer_start_at = at, at + m.timing.btminer_restart_s
    watch_stability(m, s.btminer_start_at)


def watch_stability(m: Control, since: float) -> None:
    """A run that starts at `since` asked for less than its hashboards' minimum (a saved
    target, a power limit) lasts `Timing.unstable_run_s`, then restarts: a loop."""
    s = m.state
    s.unstable_at = since + m.timing.unstable_run_s if unstable(s, m.profile) else None


def set_power_mode(m: Control, mode: str) -> None:
    m.state.power_mode = mode
    m.restart_btminer()


def set_power_limit(m: Control, watts: int) -> None:
    """Capped at the factory limit; an effective change restarts mining."""
    limit = min(watts, m.profile.max_power_limit_w)
    if limit != m.state.power_limit_w:
        m.state.power_limit_w = limit
        m.restart_btminer()


def set_target_freq(m: Control, percent: int) -> None:
    m.state.target_freq_pct = percent
    m.restart_btminer()


def tuned(m: Control) -> bool:
    """Start-up frequency tuning has finished (summary up-freq-finish 1)."""
    reading = m.reading()
    return reading.hashing and reading.warm >= 1.0


def _retarget(m: Control, start: float, seconds: float) -> None:
    """Move the power from `start` to what the settings now ask for, over `seconds`.

    A level below the hashboards' minimum is more than btminer can run: it restarts and
    comes back without the percentage (never kept across a restart); a target that low
    then runs at the minimum until it loses balance again (see `lose_balance`).
    """
    s, now = m.state, m.now()
    if unstable(s, m.profile):
        lose_balance(m)
        return
    s.power_ramp = PowerRamp(start, settled_power(s, m.profile), now, seconds)


def set_power_pct(m: Control, percent: float, *, fast: bool, after_tuning: bool) -> bool:
    """Fast (~1 s) or normal (minutes). `after_tuning` (API v3, spec 4.5.3): ignored until
    start-up tuning has finished; the v2 manuals state no such condition."""
    if after_tuning and not tuned(m):
        return False
    start = _power_now(m)
    m.state.power_pct = percent
    _retarget(m, start, m.timing.power_fast_s if fast else m.timing.power_ramp_s)
    return True


def _power_now(m: Control) -> float:
    return running_power(m.state, m.profile, m.now())


def set_power_target(m: Control, watts: int, *, after_tuning: bool) -> None:
    """Saved at once and applied now; with `after_tuning` (API v3, spec 4.5.2) a target sent
    during tuning waits for the next btminer start."""
    m.state.power_target_w = watts
    if not after_tuning or tuned(m):
        start = _power_now(m)
        m.state.live_target_w = watts
        _retarget(m, start, m.timing.power_fast_s)


def restore_power(m: Control) -> None:
    """Back to full power: no percentage and no target."""
    start = _power_now(m)
    m.state.power_pct = 100.0
    m.state.power_target_w = m.state.live_target_w = None
    _retarget(m, start, m.timing.power_fast_s)


def restore_mining_settings(m: Control) -> None:
    """Mining settings back to factory values (power, tuning, fans, heat mode)."""
    s = m.state
    s.power_mode, s.power_pct, s.power_ramp = "normal", 100.0, None
    s.power_target_w = s.live_target_w = None
    s.power_limit_w = m.profile.max_power_limit_w
    s.temp_offset = s.upfreq_speed = s.target_freq_pct = 0
    s.fast_boot = s.fast_hash = s.poweroff_cool = s.fan_zero_speed = False
    s.heat_mode, s.cointype = "normal", "BTC"


def factory_reset(m: Control) -> None:
    """Passwords, write switch (off), network, pools, power settings and LED back to factory."""
    s = m.state
    restore_mining_settings(m)
    s.password, s.salt, s.api_enabled = FACTORY_PASSWORD, FACTORY_SALT, False
    s.accounts = {name: name for name in s.accounts}
    s.permissions = {}
    s.network, s.hostname, s.web_pools = Network(), "WhatsMiner", True
    s.pools = []
    s.btminer_init, s.led, s.syslog = True, Led(), None
    m.forget_tokens()
