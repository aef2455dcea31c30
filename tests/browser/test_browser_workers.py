"""The Workers tab of a master's web UI, in a real browser: one row per worker with its state,
users, CPU, memory, requests and the age of its last report (Content Security Policy enforced)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def test_the_workers_tab_lists_each_worker(csp_page: Page, master_ui: HordeUI) -> None:
    page = csp_page
    master_ui.ensure_running(6, 100)
    master_ui.open(page)
    tab = page.get_by_role("tab", name=re.compile("Workers"))
    expect(tab).to_be_visible()
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    table = page.get_by_role("table", name="Workers connected to this master")
    rows = table.locator("tbody tr:not(.empty)")
    expect(rows).to_have_count(2)
    for index in range(2):
        row = rows.nth(index)
        expect(row.locator("td").nth(0)).to_have_text(str(index))
        expect(row.locator("td.state")).to_have_text("running")
        expect(row.locator("td").nth(3)).to_have_text("3")
        expect(row.locator("td").nth(7)).to_have_text(re.compile("just now|\\d+ s ago"))
        expect(row.locator("td").nth(6)).not_to_have_text("0")
    expect(page.locator("#count-workers")).to_have_text("2")
    # connected workers are no failure: the badge is not painted in the failures' red
    expect(page.locator("#count-workers")).not_to_have_css("color", "rgb(180, 35, 24)")
    master_ui.ensure_stopped()


def test_a_local_run_has_no_workers_tab(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.open(page)
    expect(page.locator("#tab-workers")).to_have_count(0)
    expect(page.locator("#tab-stats")).to_have_count(1)
