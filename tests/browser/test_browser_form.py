"""The start form: the locustfile's own options and the tag filters reach the test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def test_custom_options_and_tags_reach_the_test(page: Page, options_ui: HordeUI) -> None:
    options_ui.open(page)
    form = page.locator("#start-form")
    expect(form.locator("#advanced")).to_have_attribute("open", "")  # a required option is there
    expect(form.get_by_label("--greeting")).to_have_value("hello")
    expect(form.get_by_label("--shout")).not_to_be_checked()
    expect(form.get_by_label("--region")).to_have_value("eu")
    token = form.get_by_label("--api-token")
    expect(token).to_have_attribute("type", "password")
    expect(token).to_have_value("")  # a secret is never sent to the page
    expect(form.get_by_label("--team")).to_have_attribute("required", "")
    expect(form.locator("#f-tags").get_by_role("checkbox")).to_have_count(2)

    form.get_by_role("button", name="Start").click()
    expect(form.get_by_role("alert")).to_have_text("--team is required.")

    form.get_by_label("Number of users").fill("2")
    form.get_by_label("Ramp up").fill("2")
    form.get_by_label("--greeting").fill("hi there")
    form.get_by_label("--shout").check()
    form.get_by_label("--region").select_option("us")
    form.get_by_label("--team").fill("blue")
    form.locator("#f-tags").get_by_label("read").check()
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#dashboard")).to_be_visible()

    table = page.get_by_role("table", name="Request statistics")
    expect(table.get_by_role("rowheader", name="read", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Logs").click()
    expect(page.get_by_role("log")).to_contain_text(
        "options: greeting=hi there shout=True region=us token_length=6 team=blue tags=['read']"
    )
    expect(table.get_by_role("rowheader", name="write", exact=True)).to_have_count(0)
