"""The pages a newcomer opens, in headless Chromium, against the running demo.

Logs in by putting the tokens of /auth/token into the frontend's `hassTokens` localStorage
entry, opens each page, waits (polling) until it shows the miners' values and no loading
screen, and saves a screenshot of it. Screenshots go to $WHATSMINER_SCREENSHOT_DIR
(docs/screenshots/ to refresh the documentation's pictures) or to pytest's temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import re
import shutil

import pytest
import yaml

from tests.demo.demo import ROOT, Demo, problem_lines, slug, wait_for

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# All text of the page, shadow roots included (the frontend is web components all the way).
DEEP_TEXT_JS = """
() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE
        && node.nodeType !== Node.DOCUMENT_NODE) return;
    if (node.nodeName === 'STYLE' || node.nodeName === 'SCRIPT') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  return parts.join(' ').replace(/\\s+/g, ' ');
}
"""

# Elements that mean "still loading": the launch screen and the frontend's loading pages.
LOADING_JS = """
() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const name = el.localName;
      if (name === 'hass-loading-screen' || name === 'ha-init-page' ||
          (el.id === 'ha-launch-screen' && el.offsetParent !== null)) found.push(name || el.id);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}
"""

HASHRATE = re.compile(r"\d+(?:[.,]\d+)? ?TH/s")
POWER = re.compile(r"\d[\d,.]* ?(?:W|kW)\b")


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    wanted = os.environ.get("WHATSMINER_SCREENSHOT_DIR")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def page(demo: Demo) -> Iterator[object]:
    """A logged-in page of headless Chromium (Debian's, never a downloaded browser)."""
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        tokens = json.dumps(demo.browser_tokens())
        context.add_init_script(f"window.localStorage.setItem('hassTokens', {json.dumps(tokens)});")
        tab = context.new_page()
        # Generous: the machine may be loaded; every wait below polls for its condition.
        tab.set_default_navigation_timeout(120_000)
        tab.set_default_timeout(60_000)
        errors: list[str] = []
        tab.on("pageerror", lambda err: errors.append(str(err)))
        tab.page_errors = errors  # type: ignore[attr-defined]
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def deep_text(tab: object) -> str:
    """The page's text, shadow DOM included."""
    return str(tab.evaluate(DEEP_TEXT_JS))  # type: ignore[attr-defined]


def show(
    tab: object,
    path: str,
    shows: list[str | re.Pattern[str]],
    name: str,
    shots: Path,
    *,
    full_page: bool = False,
) -> str:
    """Open `path`, wait until every item of `shows` is on the page and nothing loads; shoot."""
    tab.goto(path)  # type: ignore[attr-defined]
    missing: list[str] = []

    def ready() -> str | None:
        text = deep_text(tab)
        loading = tab.evaluate(LOADING_JS)  # type: ignore[attr-defined]
        missing[:] = [
            str(item)
            for item in shows
            if (item.search(text) is None if isinstance(item, re.Pattern) else item not in text)
        ]
        if loading:
            missing.append(f"still loading: {loading}")
        return None if missing else text

    try:
        text = wait_for(f"{path} to show its content", ready, timeout=90)
    except TimeoutError as err:
        tab.screenshot(path=str(shots / f"{name}-FAILED.png"))  # type: ignore[attr-defined]
        raise AssertionError(
            f"{path}: missing {missing}\npage text: {deep_text(tab)[:3000]}"
        ) from err
    # Let charts draw their lines before the picture (they animate in after the data arrives).
    tab.wait_for_timeout(1500)  # type: ignore[attr-defined]
    tab.screenshot(path=str(shots / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]
    return text


def changes(demo: Demo, entity_id: str) -> int:
    """How many states of `entity_id` the history holds."""
    history = demo.request("GET", f"/api/history/period?filter_entity_id={entity_id}")
    return len(history[0]) if history else 0


def names(demo: Demo) -> list[str | re.Pattern[str]]:
    """Every demo miner's host name (the device name)."""
    return [miner.hostname for miner in demo.miners]


def test_services_api_answers(demo: Demo) -> None:
    """GET /api/services works (the frontend's get_services; without the voice pipeline's
    libraries it failed with "No module named 'pymicro_vad'" and every page kept loading)."""
    domains = {entry["domain"] for entry in demo.request("GET", "/api/services")}
    assert {"whatsminer", "update", "homeassistant"} <= domains


def dashboard_entity_ids(node: object) -> Iterator[str]:
    """Every entity id the Miners dashboard names."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "entity" and isinstance(value, str):
                yield value
            elif key == "entities" and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
                yield from dashboard_entity_ids(value)
            else:
                yield from dashboard_entity_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from dashboard_entity_ids(item)


def test_dashboard_names_only_existing_entities(demo: Demo) -> None:
    """Every entity of config/dashboard_miners.yaml exists in the demo (no typo, no stale id)."""
    dashboard = yaml.safe_load((ROOT / "config/dashboard_miners.yaml").read_text(encoding="utf-8"))
    named = set(dashboard_entity_ids(dashboard))
    assert len(named) > 20
    assert sorted(named - set(demo.states())) == []
    for miner in demo.miners:
        entity_id = f"sensor.{slug(miner.hostname)}_hashrate"
        assert entity_id in named, f"{miner.hostname} is not on the dashboard yet"


def test_device_page(demo: Demo, page: object, screenshot_dir: Path) -> None:
    """A miner's device page shows its readings and controls."""
    hostname = demo.miners[0].hostname
    device_id = demo.request(
        "POST",
        "/api/template",
        {"template": f"{{{{ device_id('sensor.{slug(hostname)}_hashrate') }}}}"},
        raw=True,
    )
    show(
        page,
        f"{demo.url}/config/devices/device/{device_id}",
        [hostname, "Hashrate", HASHRATE, "Mining", "Power mode"],
        "device",
        screenshot_dir,
    )


def test_integration_page(demo: Demo, page: object, screenshot_dir: Path) -> None:
    """The integration page lists every miner."""
    show(
        page,
        demo.url + "/config/integrations/integration/whatsminer",
        ["WhatsMiner", *names(demo)],
        "integration",
        screenshot_dir,
    )


def test_repairs(demo: Demo, page: object, screenshot_dir: Path) -> None:
    """Repairs shows the factory-password issue of the miners that keep "admin" and the
    monitor-only issue of the miner added without a password (its write API is off)."""
    admin = [miner.hostname for miner in demo.miners if miner.password == "admin"]
    monitor_only = [miner.hostname for miner in demo.miners if not miner.writes]
    assert admin
    assert monitor_only
    show(
        page,
        demo.url + "/config/repairs",
        [
            *(f"{hostname} still uses the factory admin password" for hostname in admin),
            *(f"{hostname} is monitored only" for hostname in monitor_only),
        ],
        "repairs",
        screenshot_dir,
    )


def test_monitor_only_miner_has_readings_and_no_controls(demo: Demo) -> None:
    """The miner added without a password reports everything, and mining is a read-only sensor."""
    states = demo.states()
    for miner in demo.miners:
        name = slug(miner.hostname)
        if miner.writes:
            assert f"switch.{name}_mining" in states, miner.hostname
        else:
            assert f"switch.{name}_mining" not in states, miner.hostname
            assert states[f"binary_sensor.{name}_mining"]["state"] == "on", miner.hostname
            assert demo.numeric(f"sensor.{name}_power") is not None, miner.hostname


def test_newcomer_lands_on_the_miners_dashboard(
    demo: Demo, page: object, screenshot_dir: Path
) -> None:
    """ "/" opens the Miners dashboard with every miner's hashrate and power.

    Last of the pages, after the history holds a few polls, so the graphs show lines.
    """
    for miner in demo.miners:
        entity_id = f"sensor.{slug(miner.hostname)}_power"
        wait_for(f"{entity_id} to change once", lambda e=entity_id: changes(demo, e) >= 2, 120)
    text = show(
        page,
        demo.url + "/",
        [*names(demo), HASHRATE, POWER, "Controls"],
        "miners-dashboard",
        screenshot_dir,
        full_page=True,
    )
    assert "/dashboard-miners" in page.url  # type: ignore[attr-defined]
    assert "Power mode" in text


def test_power_manager_follows_the_demo_surplus_slider(demo: Demo) -> None:
    """A power manager over the writable demo miners, added through the real flow, driven by
    the demo's *Solar surplus* (PV surplus, miners not included): it brings their draw down
    to the slider's value without a restart-causing write storm."""
    writable = [m for m in demo.miners if m.writes]
    device_ids = [
        demo.request(
            "POST",
            "/api/template",
            {"template": f"{{{{ device_id('sensor.{slug(m.hostname)}_hashrate') }}}}"},
            raw=True,
        ).strip()
        for m in writable
    ]
    # The sun is up before the manager is added (at 0 W it would stop every miner at once,
    # and a stopped miner waits its minimum stop time before it may start again).
    surplus = 6000.0
    demo.request(
        "POST",
        "/api/services/input_number/set_value",
        {"entity_id": "input_number.demo_solar_surplus", "value": surplus},
    )
    flow = demo.request("POST", "/api/config/config_entries/flow", {"handler": "whatsminer"})
    assert flow["type"] == "menu", flow
    assert "power_manager" in flow["menu_options"], flow
    flow = demo.request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"next_step_id": "power_manager"},
    )
    assert flow["type"] == "form", flow
    flow = demo.request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "name": "Power manager",
            "miners": device_ids,
            "surplus_sensor": "sensor.solar_surplus",
            "surplus_sign": "pv_surplus",
            "reserve": 0,
            "chip_temp_max": 95,
        },
    )
    assert flow["type"] == "create_entry", flow

    def settled() -> float | None:
        allocated = demo.numeric("sensor.power_manager_allocated_power")
        running = demo.numeric("sensor.power_manager_miners_running")
        if allocated is None or running is None or not 0 < allocated <= surplus:
            return None
        return allocated if running >= 1 else None

    try:
        allocated = wait_for("the manager to follow the surplus", settled, timeout=180)
    except TimeoutError as err:
        seen = {k: v for k, v in demo.states().items() if "power_manager" in k or "solar" in k}
        raise AssertionError(f"{err}: {seen}") from err
    assert allocated > surplus * 0.5


def test_no_errors(demo: Demo, page: object) -> None:
    """Nothing went wrong on the way: no page errors, no ERROR or traceback in the log."""
    assert page.page_errors == []  # type: ignore[attr-defined]
    assert problem_lines(demo.log()) == []
