"""``--web-base-path``: every page, script, API call and download stays under the prefix."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, Request, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def test_everything_stays_under_the_base_path(page: Page, base_path_ui: HordeUI) -> None:
    requested: list[str] = []

    def remember(request: Request) -> None:
        requested.append(request.url)

    page.on("request", remember)
    page.goto(base_path_ui.url)
    expect(page).to_have_url(re.compile(r"/horde/login\?next=/horde/$"))
    page.get_by_label("User name").fill("user")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_path_ui.url)

    form = page.locator("#start-form")
    form.get_by_label("Number of users").fill("4")
    form.get_by_label("Ramp up").fill("4")
    form.get_by_role("button", name="Start").click()
    base_path_ui.wait_for_requests_above(page, 0)

    page.get_by_role("tab", name="Charts").click()
    page.wait_for_function("document.getElementById('chart-users').data?.[0]?.x.length > 0")
    page.get_by_role("tab", name="Downloads").click()
    link = page.get_by_role("link", name="Request statistics CSV")
    expect(link).to_have_attribute("href", "/horde/stats/requests/csv")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".csv")

    prefix = base_path_ui.url.removesuffix("/horde/")
    outside = [url for url in requested if not url.startswith(f"{prefix}/horde/")]
    assert not outside, f"requests outside the base path: {outside}"
    assert any(url.endswith("/horde/static/vendor/plotly.min.js") for url in requested)
    base_path_ui.ensure_stopped()
