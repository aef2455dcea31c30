"""``--web-login``: the page sends a browser to the login form and lets only the right login in."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def log_in(page: Page, user: str, password: str) -> None:
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_page_needs_the_right_login(page: Page, login_ui: HordeUI) -> None:
    page.goto(login_ui.url)
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    log_in(page, "user", "wrong")
    expect(page.get_by_role("alert")).to_have_text("wrong user name or password")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    assert page.request.get(login_ui.url + "api/v1/status").status == 401

    log_in(page, "user", "pw")
    expect(page).to_have_url(login_ui.url)
    expect(page.locator("#start-form")).to_be_visible()
    expect(page.locator("#m-state")).to_have_text("Ready")  # the API answers this session
    assert page.request.get(login_ui.url + "api/v1/status").ok

    cookie = next(c for c in page.context.cookies() if c["name"] == "horde_session")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert page.request.get(login_ui.url + "api/v1/status").status == 401
    page.context.add_cookies([cookie])  # a copy of the cookie taken before logging out
    assert page.request.get(login_ui.url + "api/v1/status").status == 401


def test_without_a_login_there_is_no_log_out(page: Page, demo_ui: HordeUI) -> None:
    demo_ui.open(page)
    expect(page.locator("#m-state")).not_to_have_text("\N{EN DASH}")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
