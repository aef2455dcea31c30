"""Locust's web UI examples, unchanged, in a real browser (issue 8): log in through the
locustfile's Flask-Login callback, and see the tab ``extend_web_ui.py`` adds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def test_logging_in_through_the_locustfiles_login_route(
    csp_page: Page, auth_example_ui: HordeUI
) -> None:
    page = csp_page
    page.goto(auth_example_ui.url)
    expect(page).to_have_url(auth_example_ui.url + "login?next=/")
    expect(page.get_by_role("link", name="Github")).to_be_visible()
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(auth_example_ui.url)
    expect(page.locator("#start-form")).to_be_visible()
    expect(page.locator("#m-state")).to_have_text("Ready")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(auth_example_ui.url + "login")
    assert page.request.get(auth_example_ui.url + "api/v1/status").status == 401


def test_the_example_refuses_an_empty_password(page: Page, auth_example_ui: HordeUI) -> None:
    page.goto(auth_example_ui.url + "login")
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").evaluate("(input) => input.removeAttribute('required')")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password")


def test_the_extension_tab_shows_the_locustfiles_table(
    csp_page: Page, extend_example_ui: HordeUI
) -> None:
    page = csp_page
    page.goto(extend_example_ui.url + "extend")
    expect(page.locator("#loading")).to_be_hidden()
    tab = page.get_by_role("tab", name="Content Length")
    tab.click()
    panel = page.get_by_role("tabpanel", name="Content Length")
    expect(panel.get_by_role("columnheader", name="Total content length")).to_be_visible()
    expect(panel.get_by_role("row").nth(1)).to_be_visible()  # a row of the extension's data
    page.get_by_role("tab", name="Downloads").click()
    link = page.get_by_role("link", name="Download content length statistics CSV")
    expect(link).to_have_attribute("href", "/content-length/csv")
