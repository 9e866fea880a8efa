"""Binary payloads: the log archive of download_logs and firmware version bumps."""

from __future__ import annotations

import datetime as dt
import io
import re
import tarfile
import time

from .profiles import Profile
from .state import MinerState, Reading

FW_VERSION_RE = re.compile(rb"(20\d{6})\.(\d{1,3})\.(Rel2?|REL)[\w.]*")


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))


def _log_files(state: MinerState, profile: Profile, reading: Reading, now: float) -> dict[str, str]:
    boot = state.boot_at
    miner = [
        f"{_stamp(boot + 5)} btminer: version {state.fw_ver}, model {profile.model}",
        f"{_stamp(boot + 9)} btminer: detected {profile.boards} hashboards",
        *(
            f"{_stamp(boot + 12 + i)} btminer: chain {i} {profile.chips_per_board} chips, "
            f"freq {profile.freq_mhz} MHz"
            for i in range(profile.boards)
        ),
        f"{_stamp(now - 60)} btminer: power mode {state.power_mode}, limit {state.power_limit_w} W",
        f"{_stamp(now - 30)} btminer: hashrate {reading.hashrate_ths:.2f} TH/s, "
        f"power {reading.power_w} W, temp {reading.board_temp:.1f} C",
    ]
    pool_lines = [
        f"{_stamp(boot + 20 + i)} btminer: pool {i + 1} {p.url} user {p.user}"
        for i, p in enumerate(state.pools)
    ]
    errors = [
        f"{_stamp(at)} btminer: error code {code}"
        for code, at in sorted(state.error_codes.items(), key=lambda item: item[1])
    ]
    system = [
        f"{_stamp(boot)} kernel: Booting Linux on physical CPU 0x0 ({profile.platform})",
        f"{_stamp(boot + 3)} netifd: Interface 'lan' is now up ({state.network.proto})",
        f"{_stamp(boot + 4)} hostname: {state.hostname}",
    ]
    api = [f"{_stamp(now - 1)} api: download_logs from client"]
    return {
        "logs/miner.log": "\n".join(miner + pool_lines + errors) + "\n",
        "logs/messages": "\n".join(system) + "\n",
        "logs/api.log": "\n".join(api) + "\n",
    }


def log_archive(state: MinerState, profile: Profile, reading: Reading, now: float) -> bytes:
    """A gzip-compressed tar of plausible log files, built in memory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in _log_files(state, profile, reading, now).items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(now), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def next_firmware(current: str, image: bytes) -> str:
    """The version the miner reports after flashing `image`.

    A version string inside the image wins; otherwise the build is one day newer.
    """
    found = FW_VERSION_RE.search(image)
    if found:
        return found.group(0).decode()
    date, _, rest = current.partition(".")
    try:
        day = dt.datetime.strptime(date, "%Y%m%d").replace(tzinfo=dt.UTC)
    except ValueError:
        return current + ".1"
    return f"{(day + dt.timedelta(days=1)):%Y%m%d}.{rest}"
