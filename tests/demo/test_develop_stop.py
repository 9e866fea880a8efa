"""Ctrl-C in scripts/develop stops Home Assistant cleanly, then the simulated miners.

Runs after the browser tests (same demo). Ctrl-C is what a terminal sends: SIGINT to the whole
foreground process group. Before the fix the script's trap signalled Home Assistant a second
time in the middle of its shutdown, which killed it: no restore state written, the recorder's
run left open.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import time

from tests.demo.demo import Demo, problem_lines, slug, wait_for


def test_ctrl_c_stops_home_assistant_cleanly_then_the_miners(demo: Demo) -> None:
    """Exit status 0, restore state saved at the stop, recorder run closed, miners gone."""
    # Stop a settled Home Assistant: offline, onboarding's radio browser retries its first
    # setup for a while, and a stop in the middle of that logs a cancelled setup.
    wait_for(
        "every config entry to finish its setup attempt",
        lambda: all(
            entry["state"] != "setup_in_progress"
            for entry in demo.request("GET", "/api/config/config_entries/entry")
        ),
        timeout=180,
    )
    restore = demo.config_dir / ".storage/core.restore_state"
    before = restore.stat().st_mtime if restore.exists() else 0.0
    started = time.time()

    assert demo.interrupt() == 0, demo.log()[-3000:]

    # Restore state written by the final write of this stop, with every miner's energy total.
    assert restore.stat().st_mtime >= max(before, started - 1)
    saved = {item["state"]["entity_id"] for item in json.loads(restore.read_text())["data"]}
    for miner in demo.miners:
        assert f"sensor.{slug(miner.hostname)}_energy" in saved
    # The recorder closed its run: the next start finds no unfinished session. (Whether
    # SQLite also removed its write-ahead log at the close is not checked: in about one
    # stop in eight Home Assistant exited 0 with the run closed and the log still there,
    # its committed frames read back by the next connection, this one included.)
    db = demo.config_dir / "home-assistant_v2.db"
    with sqlite3.connect(db) as conn:
        (end,) = conn.execute(
            "SELECT end FROM recorder_runs ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
    assert end is not None
    log = demo.log()
    assert "scripts/develop: stopped (Home Assistant exit status 0)" in log
    # The miners stopped after Home Assistant, not with it.
    assert log.index("stopping Home Assistant") < log.index("stopping the simulated miners")
    # Nothing listens on the miners' ports (v2 and v3) any more.
    for port in demo.all_miner_ports():
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, port
    assert problem_lines(log) == []
