"""1,000 request names: the statistics table shows one page at a time and stays responsive."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow

DASH = "\N{EN DASH}"


def test_a_thousand_names_are_paged(page: Page, many_names_ui: HordeUI) -> None:
    many_names_ui.open(page)
    range_text = page.locator("#stats-range")
    expect(range_text).to_have_text(f"Showing 1{DASH}50 of 1,000 names")
    expect(page.locator("#page-info")).to_have_text("Page 1 of 20")
    rows = page.locator("#stats-body tr")
    expect(rows).to_have_count(50)
    first_page = rows.locator("th").all_inner_texts()

    page.get_by_role("button", name="Next page").click()
    expect(range_text).to_have_text(f"Showing 51{DASH}100 of 1,000 names")
    expect(rows).to_have_count(50)
    assert not set(rows.locator("th").all_inner_texts()) & set(first_page)

    page.get_by_role("button", name="Last page").click()
    expect(page.locator("#page-info")).to_have_text("Page 20 of 20")
    expect(range_text).to_have_text(f"Showing 951{DASH}1,000 of 1,000 names")
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()

    page.get_by_label("Rows").select_option("200")
    expect(page.locator("#page-info")).to_have_text("Page 1 of 5")
    expect(rows).to_have_count(200)

    page.get_by_label("Filter names").fill("/bytes/99")
    expect(range_text).to_have_text(f"Showing 1{DASH}11 of 11 names (filtered from 1,000)")
    expect(rows).to_have_count(11)
    page.get_by_label("Filter names").fill("")
    expect(range_text).to_have_text(f"Showing 1{DASH}200 of 1,000 names")


def test_a_refresh_updates_the_rows_in_place(page: Page, many_names_ui: HordeUI) -> None:
    many_names_ui.open(page)
    expect(page.locator("#stats-range")).to_have_text(f"Showing 1{DASH}50 of 1,000 names")
    row = page.locator("#stats-body tr").first.element_handle()
    before = many_names_ui.aggregated_requests(page)
    many_names_ui.wait_for_requests_above(page, before)
    page.wait_for_function(
        """([row, before]) => row.isConnected
            && Number(row.querySelector("td.num_requests").textContent.replace(/,/g, "")) > 0
            && Number(document.querySelector("#stats-foot td.num_requests")
                .textContent.replace(/,/g, "")) > before""",
        arg=[row, before],
    )
    assert page.locator("#stats-body tr").count() == 50
