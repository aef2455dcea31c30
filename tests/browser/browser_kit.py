"""Fixtures of the browser tests (a plugin: ``pytest_plugins = ["browser_kit"]``).

Real processes on loopback: the demo target (the session fixture ``demo_target`` of the root
conftest), a ``horde`` web UI subprocess per test module, and Debian's headless Chromium driven
by Playwright's sync API. Not a conftest.py: the suite imports the root conftest by its module
name (``from conftest import run_horde``), which a second conftest.py would shadow; pytest puts
this directory on ``sys.path`` when it imports a test module here (rootdir-less "prepend"
import mode, no ``__init__.py``), so ``pytest_plugins = ["browser_kit"]`` finds this module.

Every wait is bounded: Playwright's own timeouts (``WAIT_MS``), the startup deadline of the
horde process, the stop timeout. Nothing sleeps to let time pass; tests wait for conditions.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from conftest import free_port

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEMO_LOCUSTFILE = REPO / "src" / "horde" / "demo" / "locustfile.py"
MANY_NAMES_LOCUSTFILE = HERE / "locustfiles" / "many_names.py"
OPTIONS_LOCUSTFILE = HERE / "locustfiles" / "options_and_tags.py"
HOSTILE_LOCUSTFILE = HERE / "locustfiles" / "hostile_names.py"
SHAPES_LOCUSTFILE = HERE / "locustfiles" / "shapes.py"
LOCUST_EXAMPLES = REPO / "tests" / "integration" / "locustfiles" / "locust_web_examples"
"""Locust's web UI examples, copied unchanged (with their licence notice)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
NO_VALUE = "\N{EN DASH}"
"""What the page shows for a missing number."""

WAIT_MS = 20_000
"""Upper bound of any wait on the page (never reached when things work)."""
STARTUP_S = 30.0
STOP_S = 10.0


# -- the horde web UI subprocess -------------------------------------------------------------


@dataclass
class HordeUI:
    """One ``horde`` process serving the web UI; ``api()`` calls its JSON API directly."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    login: str | None = None

    def api(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (or POST ``body`` as JSON) ``path`` and return the decoded JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path.lstrip("/"), data=data)  # noqa: S310 - http
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.login:
            token = base64.b64encode(self.login.encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.load(response)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_state(self, *states: str, timeout: float = 20.0) -> dict[str, Any]:
        """Poll /api/v1/status until its state is one of ``states`` (for test setup only)."""
        deadline = time.monotonic() + timeout
        while True:
            status: dict[str, Any] = self.api("/api/v1/status")
            if status["state"] in states:
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"state stayed {status['state']!r}, wanted {states}")
            time.sleep(0.1)

    def ensure_running(self, users: int, spawn_rate: float) -> None:
        """A test runs with ``users`` users (started or steered through the API)."""
        self.api("/api/v1/run", {"user_count": users, "spawn_rate": spawn_rate})
        self.wait_for_state("running")

    def ensure_stopped(self) -> None:
        if self.api("/api/v1/status")["state"] in ("spawning", "running"):
            self.api("/api/v1/stop", {})
        self.wait_for_state("stopped", "ready")

    # -- the page ---------------------------------------------------------------------------

    def open(self, page: Page, tab: str = "") -> None:
        """Load the page (optionally on a tab: "charts", "failures", ...); wait for its data."""
        page.goto(self.url + (f"#{tab}" if tab else ""))
        expect(page.locator("#loading")).to_be_hidden()

    @staticmethod
    def aggregated_requests(page: Page) -> int:
        """The # Requests of the Aggregated row as shown."""
        text = page.locator("#stats-foot td.num_requests").inner_text()
        return int(text.replace(",", "")) if text.strip() not in ("", NO_VALUE) else 0

    @classmethod
    def wait_for_requests_above(cls, page: Page, count: int) -> int:
        """Wait until the Aggregated row shows more than ``count`` requests; return the number."""
        page.wait_for_function(
            """(count) => {
                const cell = document.querySelector("#stats-foot td.num_requests");
                return cell !== null && Number(cell.textContent.replace(/,/g, "")) > count;
            }""",
            arg=count,
        )
        return cls.aggregated_requests(page)


def _child_env() -> dict[str, str]:
    """Like the root conftest's ``run_horde``: no HORDE_/LOCUST_ settings, this repo's src."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return env


def _answers(url: str) -> bool:
    """The web UI answers (200, or 401 when a login is required)."""
    headers = {"Accept": "application/json"}
    request = urllib.request.Request(url + "api/v1/status", headers=headers)  # noqa: S310 - http
    try:
        with urllib.request.urlopen(request, timeout=2):  # noqa: S310 - loopback
            return True
    except urllib.error.HTTPError as exc:
        return exc.code == 401
    except OSError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_S)


@contextlib.contextmanager
def running_horde_ui(
    locustfile: Path | str,
    host: str,
    extra_args: Sequence[str] = (),
    *,
    login: str | None = None,
    base_path: str = "",
) -> Iterator[HordeUI]:
    """Start ``python -m horde`` with the web UI on a free loopback port; stop it on exit."""
    port = free_port()
    args = [sys.executable, "-m", "horde", "-f", str(locustfile), "-H", host]
    args += ["-P", str(port), "--web-host", "127.0.0.1", *extra_args]
    if login:
        args += ["--web-login", login]
    if base_path:
        args += ["--web-base-path", base_path]
    with tempfile.TemporaryDirectory(prefix="horde-browser-") as tmp:
        log = Path(tmp) / "horde.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(args, cwd=tmp, env=_child_env(), stdout=out, stderr=out)
        ui = HordeUI(f"http://127.0.0.1:{port}{base_path}/", proc, log, login)
        try:
            deadline = time.monotonic() + STARTUP_S
            while not _answers(ui.url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"horde's web UI did not come up:\n{ui.output()}")
                time.sleep(0.05)
            yield ui
        finally:
            _stop(proc)


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The one Playwright driver of the session (its sync API allows only one at a time)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test.sh or `apt-get install chromium`")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium (the test setup installs it: ``apt-get install chromium``)."""
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies, no storage) at 1280x800.

    It bypasses the page's Content Security Policy, which forbids ``eval``: Playwright's
    ``wait_for_function`` evaluates its predicate with it. test_browser_security.py drives the
    page with the policy enforced and checks that nothing violates it."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def csp_page(browser: Browser) -> Iterator[Page]:
    """Like ``page``, with the page's Content Security Policy enforced (no
    ``wait_for_function``: it needs ``eval``); fails if anything violates the policy."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    problems: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    tab.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        yield tab
    finally:
        context.close()
    assert not problems, f"JavaScript errors or CSP violations on the page: {problems}"


@pytest.fixture(scope="module")
def rebinding_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium resolving ``rebind.test`` to 127.0.0.1, as a DNS-rebinding attacker's DNS
    would answer a moment after its page loaded."""
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"]
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture(scope="module")
def demo_ui(demo_target: str) -> Iterator[HordeUI]:
    """horde with the demo locustfile against the shared demo target (one per test module)."""
    with running_horde_ui(DEMO_LOCUSTFILE, demo_target) as ui:
        yield ui


@pytest.fixture(scope="module")
def login_ui(demo_target: str) -> Iterator[HordeUI]:
    """Like ``demo_ui``, with ``--web-login user:pw``."""
    with running_horde_ui(DEMO_LOCUSTFILE, demo_target, login="user:pw") as ui:
        yield ui


@pytest.fixture(scope="module")
def many_names_ui(demo_target: str) -> Iterator[HordeUI]:
    """horde running a locustfile with 1,000 distinct names (started at once)."""
    args = ["--autostart", "-u", "10", "-r", "10"]
    with running_horde_ui(MANY_NAMES_LOCUSTFILE, demo_target, args) as ui:
        yield ui


@pytest.fixture(scope="module")
def options_ui(demo_target: str) -> Iterator[HordeUI]:
    """horde running a locustfile with its own options and tagged tasks."""
    with running_horde_ui(OPTIONS_LOCUSTFILE, demo_target) as ui:
        yield ui


@pytest.fixture(scope="module")
def shapes_ui(demo_target: str) -> Iterator[HordeUI]:
    """horde running a locustfile with three load shapes and two configured thresholds (one
    holds, one cannot)."""
    args = ["--threshold", "p95<10s", "--threshold", "rps>100000"]
    with running_horde_ui(SHAPES_LOCUSTFILE, demo_target, args) as ui:
        yield ui


@pytest.fixture(scope="module")
def base_path_ui(demo_target: str) -> Iterator[HordeUI]:
    """Like ``demo_ui``, served under ``--web-base-path /horde`` with a login."""
    with running_horde_ui(DEMO_LOCUSTFILE, demo_target, login="user:pw", base_path="/horde") as ui:
        yield ui


@pytest.fixture(scope="module")
def hostile_ui(demo_target: str) -> Iterator[HordeUI]:
    """horde running requests whose name, failure message and body are HTML (started at once)."""
    with running_horde_ui(HOSTILE_LOCUSTFILE, demo_target, ["--autostart", "-u", "2"]) as ui:
        yield ui


@pytest.fixture(scope="module")
def auth_example_ui(demo_target: str) -> Iterator[HordeUI]:
    """Locust's examples/web_ui_auth/basic.py with ``--web-login`` (no value)."""
    basic = LOCUST_EXAMPLES / "web_ui_auth" / "basic.py"
    with running_horde_ui(basic, demo_target, ["--web-login"]) as ui:
        yield ui


@pytest.fixture(scope="module")
def extend_example_ui(demo_target: str) -> Iterator[HordeUI]:
    """Locust's examples/extend_web_ui.py, started at once."""
    extend = LOCUST_EXAMPLES / "extend_web_ui.py"
    with running_horde_ui(extend, demo_target, ["--autostart", "-u", "2", "-r", "2"]) as ui:
        yield ui


@pytest.fixture(scope="module")
def master_ui(demo_target: str) -> Iterator[HordeUI]:
    """horde with the demo locustfile as a master of two worker processes (``--processes 2``)."""
    args = ["--processes", "2", "--heartbeat-interval", "0.2"]
    with running_horde_ui(DEMO_LOCUSTFILE, demo_target, args) as ui:
        # the UI answers before the forked workers have connected (a busy machine delays them),
        # and a master refuses to start a test without any: wait for both, bounded
        deadline = time.monotonic() + 30.0
        while len(ui.api("/api/v1/workers").get("workers", [])) < 2:
            if time.monotonic() > deadline:
                raise AssertionError("the 2 workers did not connect within 30 s")
            time.sleep(0.1)
        yield ui
