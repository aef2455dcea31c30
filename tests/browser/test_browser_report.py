"""The HTML report in the real headless Chromium: charts drawn, tables equal to the CSV, markup
from the target shown as text, and the web UI's download of the same report."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from conftest import REPO, run_horde

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.slow

LOCUSTFILE = str(REPO / "tests" / "integration" / "locustfiles" / "reports_target.py")
HOSTILE = "<script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def run_dir(demo_target: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One headless run writing report.html and the CSV files (shared by this module)."""
    folder = tmp_path_factory.mktemp("report")
    args = ["-f", LOCUSTFILE, "--headless", "-H", demo_target, "-u", "3", "-r", "100", "-t", "3s",
            "--html", "report.html", "--csv", "run", "--exit-code-on-error", "0"]  # fmt: skip
    result = run_horde(args, cwd=folder, timeout=90)
    assert result.returncode == 0, result.stderr
    return folder


def open_report(page: Page, path: Path) -> None:
    page.goto(path.as_uri())
    expect(page.locator("body")).to_have_attribute("data-ready", "1")


def test_charts_are_drawn_for_the_total_and_for_one_name(page: Page, run_dir: Path) -> None:
    open_report(page, run_dir / "report.html")
    expect(page.locator("#chart-rps path[data-series='requests/s']")).to_have_count(1)
    expect(page.locator("#chart-rps path[data-series='users']")).to_have_count(1)
    expect(page.locator("#chart-latency path[data-series]")).to_have_count(3)
    expect(page.locator("#chart-fails path[data-series='failures/s']")).to_have_count(1)
    assert page.locator("#chart-dist rect").count() > 1
    total_line = page.locator("#chart-latency path[data-series='p50']").get_attribute("d")
    assert total_line is not None
    assert total_line.count("L") >= 1  # at least two points: a line, not a dot
    page.get_by_label("Series").select_option(label="GET /delay")
    expect(page.locator("#chart-rps path[data-series='users']")).to_have_count(0)
    expect(page.locator("#chart-latency path[data-series='p50']")).not_to_have_attribute(
        "d", total_line
    )
    page.locator("#chart-latency svg").hover()
    expect(page.locator("#chart-latency .tip")).to_contain_text("p99")


def test_the_tables_show_the_csv_values(page: Page, run_dir: Path) -> None:
    open_report(page, run_dir / "report.html")
    with open(run_dir / "run_stats.csv", encoding="utf-8", newline="") as handle:
        expected = [row[:11] for row in list(csv.reader(handle))[1:]]
    shown = page.locator("#stats-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert shown == expected


def test_a_failure_body_with_a_script_is_shown_as_text(page: Page, run_dir: Path) -> None:
    open_report(page, run_dir / "report.html")
    failure = page.locator("details.failure", has_text="the search page echoed markup")
    failure.locator("summary").click()
    body = failure.locator("pre.body").first
    expect(body).to_contain_text(HOSTILE)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#failures script").count() == 0


def test_the_web_ui_downloads_the_same_report(page: Page, demo_ui: HordeUI, tmp_path: Path) -> None:
    demo_ui.ensure_running(2, 10)
    demo_ui.open(page, "downloads")
    demo_ui.wait_for_requests_above(page, 5)
    with page.expect_download() as download:
        page.get_by_role("link", name="HTML report").click()
    saved = tmp_path / "downloaded.html"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith("_report.html")
    open_report(page, saved)
    expect(page.locator("#stats-table tr.total")).to_contain_text("Aggregated")
    expect(page.locator("h1")).to_contain_text("locustfile.py")
