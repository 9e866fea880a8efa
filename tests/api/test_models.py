"""The derived properties of the models that the integration relies on."""

from __future__ import annotations

from datetime import date

from custom_components.whatsminer.api.models import (
    MinerInfo,
    MinerSnapshot,
    Pool,
    Status,
    Summary,
    Version,
)


def test_firmware_date_and_v3_detection() -> None:
    assert Version(fw_ver="20241101.01.REL").firmware_date == date(2024, 11, 1)
    assert Version(fw_ver="20241101.01.REL").v3_only is True
    assert Version(fw_ver="20241031.01.REL").v3_only is False
    assert Version(fw_ver="20241399.01.REL").firmware_date is None
    assert Version(fw_ver="whatsminer").firmware_date is None
    assert Version().v3_only is False


def test_snapshot_falls_back_through_its_sources() -> None:
    summary = Summary(mac="C4:08:28:00:A4:19", firmware_version="20210322.22.REL", hashrate_ths=0.0)
    bare = MinerSnapshot(summary=summary)
    assert bare.mac == "C4:08:28:00:A4:19"
    assert bare.firmware_version == "20210322.22.REL"
    assert bare.mining is False
    assert bare.active_pool is None
    with_status = MinerSnapshot(
        summary=summary,
        status=Status(mining=True, firmware_version="20220919.15.REL"),
        info=MinerInfo(mac="D4:01:02:03:04:05"),
        pools=(Pool(index=1, url="a"), Pool(index=2, url="b", active=True, status="Alive")),
    )
    assert with_status.mac == "D4:01:02:03:04:05"
    assert with_status.firmware_version == "20220919.15.REL"
    assert with_status.mining is True
    assert with_status.active_pool is not None and with_status.active_pool.alive
