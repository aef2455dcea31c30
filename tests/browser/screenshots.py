"""Take the README's screenshots of the running dashboard (about 30 seconds):

    .venv/bin/python tests/browser/screenshots.py

Runs the demo target and horde's web UI like the browser tests, ramps up 30 users, and saves
``docs/screenshot-dashboard.png`` (Statistics tab) and ``docs/screenshot-charts.png`` (Charts
tab) at 1280 pixels wide. Needs /usr/bin/chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import time

from browser_kit import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_LOCUSTFILE,
    REPO,
    VIEWPORT,
    HordeUI,
    running_horde_ui,
)
from playwright.sync_api import sync_playwright

from horde.demo.process import running_demo_target

DOCS = REPO / "docs"
USERS, RAMP = 30, 2
HISTORY_POINTS = 24
"""Seconds of history on the charts: the ramp (15 s) and a plateau."""


def wait_for_history(ui: HordeUI, points: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while len(ui.api("/api/v1/history")["points"]) < points:
        if time.monotonic() > deadline:
            raise SystemExit("the run did not produce enough history for the screenshots")
        time.sleep(0.5)


def main() -> None:
    with (
        running_demo_target() as target,
        running_horde_ui(DEMO_LOCUSTFILE, target) as ui,
        sync_playwright() as playwright,
    ):
        ui.ensure_stopped()
        ui.api("/api/v1/run", {"user_count": USERS, "spawn_rate": RAMP})
        wait_for_history(ui, HISTORY_POINTS)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, bypass_csp=True)  # wait_for_function evals
        ui.open(page)
        page.wait_for_function("document.querySelectorAll('#stats-body tr').length >= 10")
        page.screenshot(path=DOCS / "screenshot-dashboard.png")

        page.get_by_role("tab", name="Charts").click()
        page.wait_for_function(
            """() => ["chart-rps", "chart-rt", "chart-users"].every((id) => {
                const div = document.getElementById(id);
                return div.data && div.data[0].x.length > 0;
            })"""
        )
        page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)  # no hover highlight
        page.screenshot(path=DOCS / "screenshot-charts.png", full_page=True)
        browser.close()
        ui.ensure_stopped()
    print(f"saved {DOCS / 'screenshot-dashboard.png'} and {DOCS / 'screenshot-charts.png'}")


if __name__ == "__main__":
    main()
