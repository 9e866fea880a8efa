"""The demo as a newcomer starts it: scripts/develop, onboarding and the config flow over HTTP.

`Demo` runs scripts/develop from this checkout in its own process group, with a throwaway
copy of config/ and free ports, so neither the repository's config/ nor other instances on
the machine are touched. It talks to Home Assistant only through its public HTTP API, the way
the frontend does. Every wait polls for a condition with a generous deadline: the machine
may be loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import importlib.util
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "http://127.0.0.1/"  # any URL; Home Assistant's own frontend uses its origin
USERNAME = "demo"
PASSWORD = "demo-password-1"  # a throwaway user in a throwaway config dir


@dataclass(frozen=True)
class DemoMiner:
    """One row of scripts/demo_miners.py's DEMO_MINERS."""

    label: str
    profile: str
    password: str  # of the write account: admin on API v2 firmware, super on v3
    hostname: str
    api: str  # "v2" or "v3"
    writes: bool  # write API on; off: added monitor only (no password), with a repair

    @property
    def config_password(self) -> str:
        """What a newcomer enters in the config flow: nothing for a miner that refuses writes."""
        return self.password if self.writes else ""


def _demo_miners_module() -> Any:
    spec = importlib.util.spec_from_file_location("demo_miners", ROOT / "scripts/demo_miners.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_miners() -> tuple[DemoMiner, ...]:
    """The demo's miners, from scripts/demo_miners.py's table (so a new row is tested too)."""
    return tuple(DemoMiner(*row) for row in _demo_miners_module().DEMO_MINERS)


# Each demo miner's API v3 port is its v2 port + this (scripts/demo_miners.py: 4028 -> 4433).
V3_PORT_OFFSET: int = _demo_miners_module().V3_PORT_OFFSET


def slug(name: str) -> str:
    """Home Assistant's entity id part of a device name (garage-m30s -> garage_m30s)."""
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


def free_ports(count: int, offsets: tuple[int, ...] = (0,)) -> int:
    """The first of `count` consecutive TCP ports that are free, and so are the `count` ports
    from first + each of `offsets` (the demo miners' v3 ports: offsets=(0, V3_PORT_OFFSET))."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + max(offsets) + count >= 65000:
            continue
        ports = {first + offset + i for offset in offsets for i in range(count)}
        try:
            with contextlib.ExitStack() as stack:
                for port in sorted(ports):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("0.0.0.0", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free ports")


def wait_for[T](what: str, check: Callable[[], T | None], timeout: float) -> T:
    """Poll `check` until it returns something other than None/False; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (OSError, urllib.error.URLError, ValueError, KeyError) as err:
            last_error = err
        else:
            if result is not None and result is not False:
                return result
        time.sleep(0.5)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} ({last_error!r})")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Demo:
    """One scripts/develop run in a temporary directory."""

    workdir: Path
    ha_port: int = 0
    miner_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, Any] = field(default_factory=dict)
    miners: tuple[DemoMiner, ...] = ()

    @property
    def config_dir(self) -> Path:
        """The throwaway copy of config/."""
        return self.workdir / "config"

    @property
    def log_path(self) -> Path:
        """What scripts/develop printed: its own lines and Home Assistant's log."""
        return self.workdir / "develop.log"

    def v2_port(self, index: int) -> int:
        """The API v2 port of the demo miner at `index`."""
        return self.miner_port + index

    def v3_port(self, index: int) -> int:
        """The API v3 port of the demo miner at `index` (listening on v3 firmware only)."""
        return self.miner_port + V3_PORT_OFFSET + index

    def all_miner_ports(self) -> list[int]:
        """Every port the simulated miners may listen on (v2 and v3)."""
        count = len(self.miners)
        return [port for i in range(count) for port in (self.v2_port(i), self.v3_port(i))]

    @property
    def url(self) -> str:
        """Home Assistant's address."""
        return f"http://127.0.0.1:{self.ha_port}"

    def log(self) -> str:
        """The log so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    # --- starting and stopping

    def start(self) -> None:
        """Copy config/, start scripts/develop in its own process group, wait until it is up."""
        self.miners = demo_miners()
        shutil.copytree(
            ROOT / "config",
            self.config_dir,
            ignore=lambda _dir, names: [n for n in names if not n.endswith(".yaml")],
        )
        # Both port ranges of the miners (v2 from miner_port, v3 from miner_port + 405) and
        # Home Assistant's port must be free and apart.
        self.miner_port = free_ports(len(self.miners), (0, V3_PORT_OFFSET))
        self.ha_port = free_ports(1)
        while self.ha_port in self.all_miner_ports():
            self.ha_port = free_ports(1)
        env = {
            **os.environ,
            "WHATSMINER_DEV_CONFIG": str(self.config_dir),
            "WHATSMINER_DEV_HA_PORT": str(self.ha_port),
            "WHATSMINER_DEV_MINER_PORT": str(self.miner_port),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts/develop")],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as in a terminal
                # A terminal's Ctrl-C must be able to reach it: undo an inherited "ignore
                # SIGINT" (background jobs of non-interactive shells, as under CI, have one).
                preexec_fn=_default_sigint,  # noqa: PLW1509 (no threads run yet)
            )
        wait_for("scripts/develop to print its banner", self._banner, timeout=240)

    def _banner(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"scripts/develop stopped early:\n{self.log()}")
        return "Ctrl-C stops everything." in self.log()

    def interrupt(self, timeout: float = 120) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole process group; the exit status."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Last resort at teardown: stop whatever is left of the demo's process groups."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    # --- HTTP

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        form: dict[str, str] | None = None,
        auth: bool = True,
        raw: bool = False,
    ) -> Any:
        """One HTTP request; the decoded JSON answer (the text with `raw`)."""
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if auth:
            headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
        if raw:
            return text
        return json.loads(text) if text else None

    def onboard(self) -> None:
        """Onboarding as the frontend does it: user, token, core config, analytics, integrations."""
        wait_for(
            "the onboarding API",
            lambda: self.request("GET", "/api/onboarding", auth=False),
            timeout=120,
        )
        user = self.request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
            auth=False,
        )
        self.tokens = self.request(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": user["auth_code"],
                "client_id": CLIENT_ID,
            },
            auth=False,
        )
        self.tokens["obtained"] = time.time()
        self.request("POST", "/api/onboarding/core_config", {})
        self.request("POST", "/api/onboarding/analytics", {})
        self.request(
            "POST",
            "/api/onboarding/integration",
            {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID + "?auth_callback=1"},
        )
        steps = self.request("GET", "/api/onboarding", auth=False)
        assert all(step["done"] for step in steps), steps

    def add_miners(self) -> list[dict[str, Any]]:
        """Each demo miner through the real config flow, as a newcomer adds it: the host, the
        two ports in the collapsed "Ports (advanced)" section, then (the flow has detected the
        API) the password; empty for the miner whose write API is off (monitor only)."""
        results = []
        for index, miner in enumerate(self.miners):
            flow = self.request(
                "POST",
                "/api/config/config_entries/flow",
                {"handler": "whatsminer", "show_advanced_options": False},
            )
            if flow["type"] == "menu":  # once miners exist, a menu may offer more than a miner
                flow = self.request(
                    "POST",
                    f"/api/config/config_entries/flow/{flow['flow_id']}",
                    {"next_step_id": miner_menu_option(flow["menu_options"])},
                )
            assert flow["type"] == "form", f"{miner.label}: {flow}"
            assert flow["step_id"] in ("user", "miner"), f"{miner.label}: {flow}"
            flow = self.request(
                "POST",
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                {
                    "host": "127.0.0.1",
                    "advanced": {"v2_port": self.v2_port(index), "v3_port": self.v3_port(index)},
                },
            )
            assert flow["type"] == "form", f"{miner.label}: {flow}"
            assert flow["step_id"] == "password", f"{miner.label}: {flow}"
            assert flow["errors"] in (None, {}), f"{miner.label}: {flow}"
            placeholders = flow["description_placeholders"]
            assert placeholders["api_version"].startswith(miner.api), f"{miner.label}: {flow}"
            answer = {"password": miner.config_password} if miner.config_password else {}
            flow = self.request(
                "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", answer
            )
            assert flow["type"] == "create_entry", f"{miner.label}: {flow}"
            assert flow["title"].endswith(miner.hostname), f"{miner.label}: {flow}"
            results.append(flow)
        return results

    def states(self) -> dict[str, dict[str, Any]]:
        """All states by entity id."""
        return {state["entity_id"]: state for state in self.request("GET", "/api/states")}

    def numeric(self, entity_id: str) -> float | None:
        """An entity's state as a number, or None while it has none."""
        state = self.states().get(entity_id)
        if state is None:
            return None
        try:
            return float(state["state"])
        except ValueError:
            return None

    def browser_tokens(self) -> dict[str, Any]:
        """The frontend's `hassTokens` localStorage entry for this login."""
        return {
            "access_token": self.tokens["access_token"],
            "refresh_token": self.tokens["refresh_token"],
            "token_type": self.tokens["token_type"],
            "expires_in": self.tokens["expires_in"],
            "expires": int((self.tokens["obtained"] + self.tokens["expires_in"]) * 1000),
            "hassUrl": self.url,
            "clientId": CLIENT_ID,
        }


def miner_menu_option(options: list[str] | dict[str, str]) -> str:
    """The option of the config flow's menu that adds a miner (not the power manager)."""
    ids = list(options)
    for wanted in ("user", "miner", "add_miner", "manual"):
        if wanted in ids:
            return wanted
    others = [i for i in ids if "miner" in i and "power" not in i and "manager" not in i]
    assert others, f"no miner option in the config flow's menu: {ids}"
    return others[0]


def problem_lines(log: str) -> list[str]:
    """ERROR, CRITICAL and traceback lines of a Home Assistant log."""
    return [
        line
        for line in log.splitlines()
        if " ERROR " in line or " CRITICAL " in line or "Traceback" in line
    ]


def iter_entity_ids(states: dict[str, dict[str, Any]], device: str) -> Iterator[str]:
    """The entity ids of one demo miner, by the device name's slug."""
    prefix = slug(device)
    for entity_id in states:
        if entity_id.split(".", 1)[1].startswith(prefix + "_"):
            yield entity_id
