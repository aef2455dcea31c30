"""The web UI in a real browser: start, watch, steer, drill into failures, download, stop.

One horde process serves the whole module (``demo_ui``); each test sets up the state it needs
(through the JSON API when the setup is not what it tests) and checks the page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def test_a_run_starts_from_the_form_and_the_table_fills(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_stopped()
    demo_ui.open(page)
    if page.get_by_role("button", name="New test").is_visible():  # an earlier test ran
        page.get_by_role("button", name="New test").click()
    form = page.locator("#start-form")
    expect(form).to_be_visible()
    expect(form.get_by_label("Host")).to_have_value(demo_ui.api("/api/v1/form")["host"])
    expect(page.locator("#m-state")).to_have_text(re.compile("Ready|Stopped"))

    form.get_by_label("Number of users").fill("-3")
    form.get_by_role("button", name="Start").click()
    expect(form.get_by_role("alert")).to_contain_text("-u/--users must be between 0 and 1,000,000")

    form.get_by_label("Number of users").fill("8")
    form.get_by_label("Ramp up").fill("8")
    form.get_by_text("Advanced options").click()
    form.get_by_label("Run time").fill("5 parsecs")
    form.get_by_role("button", name="Start").click()
    expect(form.get_by_role("alert")).to_contain_text("parsecs")
    expect(form.get_by_role("checkbox", name="Shopper")).to_be_checked()
    expect(form.get_by_role("checkbox", name="ApiClient")).to_be_checked()

    form.get_by_label("Run time").fill("")
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#m-state")).to_have_text(re.compile("Spawning|Running"))
    expect(page.locator("#m-users")).to_have_text("8")
    expect(page.get_by_role("tab", name="Statistics")).to_have_attribute("aria-selected", "true")

    table = page.get_by_role("table", name="Request statistics")
    expect(table.get_by_role("rowheader", name="/api/items", exact=True)).to_be_visible()
    expect(table.locator("tfoot").get_by_role("rowheader")).to_have_text("Aggregated")
    first = demo_ui.wait_for_requests_above(page, 0)
    demo_ui.wait_for_requests_above(page, first)  # the table keeps updating
    expect(page.locator("#m-rps")).not_to_have_text("0")


def test_sorting_by_a_column_survives_the_next_refresh(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_running(8, 8)
    demo_ui.open(page)
    header = page.get_by_role("columnheader", name="# Requests")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    before = demo_ui.aggregated_requests(page)
    demo_ui.wait_for_requests_above(page, before)
    expect(header).to_have_attribute("aria-sort", "descending")
    counts = [
        int(text.replace(",", ""))
        for text in page.locator("#stats-body td.num_requests").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True)
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")


def test_charts_show_the_run_and_one_name(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_running(8, 8)
    demo_ui.open(page)
    page.get_by_role("tab", name="Charts").click()
    expect(page.get_by_role("tabpanel", name="Charts")).to_be_visible()
    for chart in ("chart-rps", "chart-rt", "chart-users"):
        page.wait_for_function(
            """(id) => {
                const div = document.getElementById(id);
                return div && div.data && div.data.length > 0 && div.data[0].x.length >= 2;
            }""",
            arg=chart,
        )
    names = page.evaluate("document.getElementById('chart-rt').data.map((t) => t.name)")
    assert names == ["p50", "p95", "p99"]

    # A zoom set by the user stays when new points arrive (Plotly's uirevision).
    range_ms = """() => document.getElementById("chart-rps").layout.xaxis.range
        .map((v) => new Date(v).getTime())"""
    page.evaluate(
        """() => {
            const div = document.getElementById("chart-rps");
            const x = div.data[0].x;
            window.__points = x.length;
            return Plotly.relayout(div, {"xaxis.range": [x[0], x[x.length - 1]]});
        }"""
    )
    zoomed = page.evaluate(range_ms)
    page.wait_for_function(
        "document.getElementById('chart-rps').data[0].x.length > window.__points"
    )
    assert page.evaluate(range_ms) == zoomed
    newest = page.evaluate("document.getElementById('chart-rps').data[0].x.at(-1).getTime()")
    assert newest > zoomed[1], "the new points lie outside the kept zoom"

    page.get_by_label("Show").select_option(label="GET /api/items")
    page.wait_for_function(
        """() => {
            const div = document.getElementById("chart-rps");
            return div.layout.title.text.includes("GET /api/items") && div.data[0].x.length > 0;
        }"""
    )


def test_editing_the_user_count_takes_effect(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_running(8, 8)
    demo_ui.open(page)
    expect(page.locator("#m-users")).to_have_text("8")
    page.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog", name="Change the running test")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Number of users")).to_have_value("8")
    dialog.get_by_label("Number of users").fill("3")
    dialog.get_by_label("Ramp up").fill("20")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#m-users")).to_have_text("3")
    assert demo_ui.api("/api/v1/status")["user_count"] == 3

    page.get_by_role("button", name="Edit").click()
    dialog.get_by_label("Number of users").fill("2.5")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog.get_by_role("alert")).to_contain_text("whole number")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_a_failure_opens_on_its_samples(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_running(20, 20)
    demo_ui.open(page, "failures")
    row = page.locator("#failures-body tr", has_text="/api/items/[id] (missing)")
    expect(row).to_be_visible()
    row.click()
    expect(row).to_have_attribute("aria-selected", "true")

    detail = page.get_by_role("region", name="/api/items/[id] (missing)")
    expect(detail).to_be_visible()
    sample = detail.locator("details.sample").first
    expect(sample).to_have_attribute("open", "")
    url = f"{demo_ui.api('/api/v1/form')['host']}/api/items/404404"
    expect(sample.locator("dl.kv")).to_contain_text(url)
    expect(sample.locator(".sample-status")).to_have_text("404")
    headers = sample.get_by_role("table", name="Response headers")
    expect(headers.get_by_role("rowheader", name="Content-Type")).to_be_visible()
    expect(headers).to_contain_text("application/json")
    expect(sample.locator("pre.body")).to_contain_text('"error": "no item 404404"')

    detail.get_by_role("button", name="Close").click()
    expect(detail).to_be_hidden()


def test_the_failures_badge_agrees_with_the_failures_table(page: Page, demo_ui: HordeUI) -> None:
    # The statistics poll and the failures poll read snapshots taken at different moments. To
    # see which one the badge follows, the statistics answers (fetched from the real server)
    # are made to claim 1,000 more failures than there are: the open tab must never show that.
    inflated = []

    def inflate(route: Any) -> None:
        answer = route.fetch()
        stats = answer.json()
        stats["error_count"] += 1000
        inflated.append(stats["error_count"])
        route.fulfill(response=answer, json=stats)

    demo_ui.ensure_running(20, 20)
    page.route("**/api/v1/stats*", inflate)
    demo_ui.open(page, "failures")
    expect(page.locator("#failures-summary")).to_contain_text(" in ")
    badge = page.locator("#count-failures")
    shown = []
    for _ in range(40):  # 4 s: statistics polls arrive while the tab is open
        shown.append(badge.inner_text())
        page.wait_for_timeout(100)
    assert inflated, "no statistics poll while the tab was open"
    assert all(int(text.replace(",", "") or 0) < 1000 for text in shown), shown
    demo_ui.ensure_stopped()


def test_csv_and_json_downloads(page: Page, demo_ui: HordeUI, tmp_path: Path) -> None:
    demo_ui.ensure_running(8, 8)
    demo_ui.open(page)
    demo_ui.wait_for_requests_above(page, 0)
    page.get_by_role("tab", name="Downloads").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Request statistics CSV").click()
    saved = tmp_path / "requests.csv"
    download.value.save_as(saved)
    header = saved.read_text().splitlines()[0]
    assert header.startswith("Type,Name,Request Count,Failure Count,Median Response Time")
    assert download.value.suggested_filename.endswith("_requests.csv")

    with page.expect_download() as download:
        page.get_by_role("link", name="Failures CSV").click()
    download.value.save_as(tmp_path / "failures.csv")
    assert (tmp_path / "failures.csv").read_text().startswith("Method,Name,Error,Occurrences")

    with page.expect_download() as download:
        page.get_by_role("link", name="JSON snapshot").click()
    download.value.save_as(tmp_path / "snapshot.json")
    snapshot = json.loads((tmp_path / "snapshot.json").read_text())
    assert {"status", "stats", "failures", "history", "tasks"} <= set(snapshot)

    history = page.get_by_role("link", name="Full history CSV")
    expect(history).to_have_attribute("aria-disabled", "true")  # this horde runs without --csv


def test_stop_reset_and_a_new_run(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_running(8, 8)
    demo_ui.open(page)
    demo_ui.wait_for_requests_above(page, 0)

    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#m-state")).to_have_text("Stopped")
    expect(page.get_by_role("button", name="Edit")).to_be_hidden()
    expect(page.get_by_role("button", name="New test")).to_be_visible()
    expect(page.locator("#banner")).to_contain_text("stopped from the web UI")

    page.get_by_role("button", name="Reset stats").click()
    expect(page.locator("#stats-foot td.num_requests")).to_have_text("0")

    page.get_by_role("button", name="New test").click()
    form = page.locator("#start-form")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Back to results").click()
    expect(page.locator("#dashboard")).to_be_visible()
    page.get_by_role("button", name="New test").click()
    form.get_by_label("Number of users").fill("4")
    form.get_by_label("Ramp up").fill("4")
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#m-state")).to_have_text(re.compile("Spawning|Running"))
    expect(page.locator("#m-users")).to_have_text("4")
    demo_ui.wait_for_requests_above(page, 0)


def test_the_other_tabs_show_tasks_and_logs(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.ensure_running(8, 8)
    demo_ui.open(page, "tasks")
    total = page.locator("#tasks-total")
    expect(total.locator(".class-name", has_text="Shopper")).to_be_visible()
    expect(total).to_contain_text("75.0%")  # Shopper's weight is 3 of 4
    expect(page.locator("#tasks-per-class")).to_contain_text("missing_item")

    page.get_by_role("tab", name="Logs").click()
    expect(page.get_by_role("log")).to_contain_text("web UI at")

    page.get_by_role("tab", name="Exceptions").click()
    expect(page.locator("#exceptions-body")).to_contain_text("No exceptions")
