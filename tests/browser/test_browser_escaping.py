"""Names, messages and bodies come from the system under test: shown as text, never run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Dialog, Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow

NAME = '/<img src=x onerror="window.__xss = 1">'
MESSAGE = '<b>bold</b><img src=x onerror="window.__xss = 2">'


def test_html_from_the_target_is_shown_as_text(page: Page, hostile_ui: HordeUI) -> None:
    dialogs: list[str] = []

    def remember(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", remember)
    hostile_ui.open(page)
    table = page.get_by_role("table", name="Request statistics")
    expect(table.get_by_role("rowheader", name=NAME, exact=True)).to_be_visible()

    page.get_by_role("tab", name="Failures").click()
    row = page.locator("#failures-body tr", has_text=NAME)
    expect(row).to_contain_text(MESSAGE)
    row.click()
    sample = page.locator("#failure-detail details.sample").first
    expect(sample.locator("pre.body")).to_contain_text("<!doctype html><title>horde demo</title>")
    expect(sample.locator("dl.kv")).to_contain_text(MESSAGE)

    page.get_by_role("tab", name="Charts").click()
    page.get_by_label("Show").select_option(label=f"GET {NAME}")
    page.wait_for_function(
        """(name) => {
            const div = document.getElementById("chart-rps");
            return div.layout && div.layout.title.text.endsWith(name.replace(/</g, "&lt;")
                .replace(/>/g, "&gt;"));
        }""",
        arg=NAME,
    )
    expect(page.locator("#chart-rps .gtitle")).to_have_text(f"Requests per second — GET {NAME}")

    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main b").count() == 0
    assert dialogs == []
