"""A hostile web page, in real Chromium, cannot drive horde (issue 13, items 13-15).

The attacker's pages are served by a small HTTP server on another loopback port (another
origin, the same site). They try what any page on the web could: ``fetch`` in ``no-cors`` mode,
an auto-submitted form, a link, an image, a frame, and DNS rebinding (Chromium's
``--host-resolver-rules`` makes a name resolve to 127.0.0.1, as a rebinding attacker's DNS
would). The real page keeps working, with its Content Security Policy enforced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow

EVIL_TARGET = "http://127.0.0.1:1"
"""The host the attacker wants the test to run against (loopback; nothing listens there)."""

FETCHES = """<!doctype html><title>cute cats</title>
<script>
const ui = new URLSearchParams(location.search).get("ui");
const form = new URLSearchParams({user_count: "7", spawn_rate: "7", host: "%(target)s"});
const json = JSON.stringify({user_count: 7, spawn_rate: 7, host: "%(target)s"});
const attempts = [
  fetch(ui + "swarm", {method: "POST", mode: "no-cors", body: form}),
  fetch(ui + "api/v1/run", {method: "POST", mode: "no-cors", body: json,
                            headers: {"Content-Type": "text/plain"}}),
  fetch(ui + "api/v1/stop", {method: "POST", mode: "no-cors"}),
  fetch(ui + "stop", {method: "POST", mode: "no-cors"}),
  fetch(ui + "stop", {mode: "no-cors"}),
  fetch(ui + "stats/reset", {mode: "no-cors"}),
  fetch(ui + "api/v1/reset", {method: "POST", mode: "no-cors"}),
  new Promise((done) => {
    const image = new Image();
    image.onload = image.onerror = done;
    image.src = ui + "stop";
  }),
];
Promise.allSettled(attempts).then(() => { document.title = "fired"; });
</script>"""

FORM = """<!doctype html><title>win a prize</title>
<form id="f" method="post">
<input name="user_count" value="9"><input name="spawn_rate" value="9">
<input name="host" value="%(target)s">
</form>
<script>
const f = document.getElementById("f");
f.action = new URLSearchParams(location.search).get("ui") + "swarm";
f.submit();
</script>"""

FRAME = """<!doctype html><title>framed</title>
<iframe id="ui" width="800" height="600"></iframe>
<script>
const frame = document.getElementById("ui");
frame.onload = () => { document.title = "loaded"; };
frame.src = new URLSearchParams(location.search).get("ui");
</script>"""

PAGES = {"/fetches": FETCHES, "/form": FORM, "/frame": FRAME}


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0], "")
        data = (body % {"target": EVIL_TARGET}).encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    """The attacker's site: ``http://127.0.0.1:PORT`` (another port: another origin)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def nothing_happened(ui: HordeUI) -> None:
    """No test runs, and the attacker's host is nowhere."""
    status = ui.api("/api/v1/status")
    assert status["state"] in ("ready", "stopped"), status
    assert status["user_count"] == 0
    assert status["host"] != EVIL_TARGET
    assert ui.api("/api/v1/form")["host"] != EVIL_TARGET


def test_fetch_from_another_origin_changes_nothing(
    page: Page, demo_ui: HordeUI, hostile: str
) -> None:
    demo_ui.ensure_stopped()
    page.goto(f"{hostile}/fetches?ui={demo_ui.url}")
    expect(page).to_have_title("fired")  # every request was answered
    nothing_happened(demo_ui)


def test_a_form_from_another_origin_cannot_start_a_test(
    page: Page, demo_ui: HordeUI, hostile: str
) -> None:
    demo_ui.ensure_stopped()
    with page.expect_response(lambda r: r.url == demo_ui.url + "swarm") as answer:
        page.goto(f"{hostile}/form?ui={demo_ui.url}")
    assert answer.value.status == 403
    assert "cross-site request refused" in answer.value.json()["error"]
    nothing_happened(demo_ui)


def test_another_site_cannot_frame_the_ui(page: Page, demo_ui: HordeUI, hostile: str) -> None:
    page.goto(f"{hostile}/frame?ui={demo_ui.url}")
    expect(page).to_have_title("loaded")
    frame = page.frame_locator("#ui")
    expect(frame.locator("#start-form")).to_have_count(0)
    expect(frame.locator("#loading")).to_have_count(0)


def test_the_real_page_still_starts_and_stops_a_test(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_stopped()
    demo_ui.open(page)
    new_test = page.get_by_role("button", name="New test")
    if new_test.is_visible():  # an earlier test of this module ran one
        new_test.click()
    form = page.locator("#start-form")
    form.get_by_label("Number of users").fill("2")
    form.get_by_label("Ramp up").fill("10")
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#m-state")).to_have_text("Running")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#m-state")).to_have_text("Stopped")


# -- the Content Security Policy, enforced -------------------------------------------------------


def test_the_page_works_under_its_content_security_policy(csp_page: Page, demo_ui: HordeUI) -> None:
    """Start a test, open every tab (the charts load plotly.js), stop: with the policy
    enforced, nothing violates it (``csp_page`` fails the test otherwise)."""
    demo_ui.ensure_running(2, 10)
    demo_ui.open(csp_page)
    expect(csp_page.locator("#m-state")).to_have_text("Running")
    for name in ("Charts", "Failures", "Exceptions", "Tasks", "Logs", "Downloads", "Statistics"):
        csp_page.get_by_role("tab", name=name).click()
        expect(csp_page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
    csp_page.get_by_role("tab", name="Charts").click()
    expect(csp_page.locator("#chart-rps .main-svg").first).to_be_attached()
    csp_page.get_by_role("button", name="Stop").click()
    expect(csp_page.locator("#m-state")).to_have_text("Stopped")


# -- DNS rebinding ---------------------------------------------------------------------------------


def test_a_rebound_name_gets_no_answer(rebinding_browser: Browser, demo_ui: HordeUI) -> None:
    port = demo_ui.url.rstrip("/").rsplit(":", 1)[1]
    context = rebinding_browser.new_context()
    try:
        tab = context.new_page()
        response = tab.goto(f"http://rebind.test:{port}/")
        assert response is not None
        assert response.status == 400
        assert "unknown host 'rebind.test'" in response.text()
        status = tab.evaluate(
            """(target) => fetch("/api/v1/run", {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({user_count: 1, host: target}),
            }).then((answer) => answer.status)""",
            EVIL_TARGET,
        )
        assert status == 400, "the rebound page's own requests are refused too"
    finally:
        context.close()
    nothing_happened(demo_ui)
