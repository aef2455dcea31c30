"""The start form's load section in a real browser: the shape picker (Locust's --class-picker
choice), the fields a shape or a load model overrides, a stages run from the Advanced options,
and the Thresholds panel (issue 7)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from browser_kit import HordeUI

pytest_plugins = ["browser_kit"]

pytestmark = pytest.mark.slow


def open_form(ui: HordeUI, page: Page) -> None:
    """The start form, fresh (any test of an earlier check stopped)."""
    ui.ensure_stopped()
    ui.open(page)
    new_test = page.get_by_role("button", name="New test")
    if new_test.is_visible():
        new_test.click()
    expect(page.locator("#start-form")).to_be_visible()


def test_the_shape_picker_hides_what_the_shape_decides(csp_page: Page, shapes_ui: HordeUI) -> None:
    page = csp_page  # the policy is enforced: the form's scripts must not violate it
    open_form(shapes_ui, page)
    form = page.locator("#start-form")
    picker = form.get_by_label("Load shape")
    expect(picker).to_have_value("Climb")  # the locustfile's first shape drives by default
    expect(picker.locator("option")).to_have_text(
        ["Climb", "Plateau", "Common", "None: users and ramp, or a load model"]
    )
    expect(
        form.get_by_text("Two users for three seconds, then four until stopped.")
    ).to_be_visible()
    expect(form.get_by_label("Number of users")).to_be_hidden()
    expect(form.get_by_label("Ramp up")).to_be_hidden()
    note = form.locator("#f-load-note")
    expect(note).to_have_text(
        "The load shape Climb decides the number of users and the ramp up (a run time still "
        "ends the test)."
    )
    expect(form.locator("#advanced")).to_have_attribute("open", "")  # thresholds are set
    expect(form.get_by_role("radio", name="Stages")).to_be_disabled()
    expect(form.get_by_label("Thresholds")).to_have_value("p95<10s\nrps>100000")

    picker.select_option("Common")  # use_common_options: the users and ramp count again
    expect(form.get_by_label("Number of users")).to_be_visible()
    expect(form.get_by_label("Ramp up")).to_be_visible()
    expect(note).to_contain_text("reads the users and ramp up below")

    picker.select_option("")
    expect(note).to_be_hidden()
    expect(form.get_by_label("Number of users")).to_be_visible()
    expect(form.get_by_role("radio", name="Stages")).to_be_enabled()

    picker.select_option("Plateau")
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#m-load")).to_have_text("shape: Plateau · target 3")
    expect(page.locator("#m-users")).to_have_text("3")
    edit = page.get_by_role("button", name="Edit")
    expect(edit).to_be_disabled()
    expect(edit).to_have_attribute(
        "title", "the load shape Plateau decides the users of this test: stop it to change the load"
    )
    assert shapes_ui.api("/api/v1/status")["plan"]["shape"] == "Plateau"

    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#m-state")).to_have_text("Stopped")
    expect(page.locator("#banner")).to_have_text("Test stopped: stopped from the web UI")


def test_a_stages_run_from_the_advanced_options(page: Page, shapes_ui: HordeUI) -> None:
    open_form(shapes_ui, page)
    form = page.locator("#start-form")
    form.get_by_label("Load shape").select_option("")
    expect(form.locator("#advanced")).to_have_attribute("open", "")
    form.get_by_role("radio", name="Stages").check()
    expect(form.get_by_label("Number of users")).to_be_hidden()
    expect(form.get_by_label("Ramp up")).to_be_hidden()
    expect(form.locator("#f-load-note")).to_have_text(
        "The stages (Advanced options) decide the number of users and the ramp up."
    )
    stages = form.get_by_role("textbox", name="Stages")

    form.get_by_role("button", name="Start").click()
    expect(form.get_by_role("alert")).to_have_text(
        "Enter the stages, e.g. 30s:100@10,1m:100,30s:0."
    )
    stages.fill("5s:many")
    form.get_by_role("button", name="Start").click()  # the command line's words come back
    expect(form.get_by_role("alert")).to_have_text(
        "invalid stage '5s:many': users must be a whole number, got 'many'"
    )

    stages.fill("1s:1@10, 10m:3@10")
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#stats-head th.corrected")).to_be_hidden()  # a closed model: none
    expect(page.locator("#m-load")).to_have_text("stages · target 3")
    expect(page.locator("#m-load")).to_have_attribute(
        "title", "ramping-vus: stages 1s:1@10,600s:3@10"
    )
    expect(page.locator("#m-users")).to_have_text("3")
    plan = shapes_ui.api("/api/v1/status")["plan"]
    assert (plan["executor"], plan["stages"]) == ("ramping-vus", "1s:1@10,600s:3@10")


def test_an_arrival_rate_run_from_the_advanced_options(page: Page, shapes_ui: HordeUI) -> None:
    open_form(shapes_ui, page)
    form = page.locator("#start-form")
    form.get_by_label("Load shape").select_option("")
    form.get_by_role("radio", name="Arrival rate").check()
    users = form.get_by_label("Number of users")
    expect(users).to_have_value("")  # nobody typed one: the pool's default (100) applies
    expect(users).to_have_attribute("placeholder", "100")
    expect(form.locator("#f-users-hint")).to_have_text(
        "(the most users the arrival rate may start; empty: 100)"
    )
    expect(form.get_by_label("Ramp up")).to_be_hidden()
    form.get_by_role("textbox", name="Arrival rate").fill("5")
    form.get_by_role("button", name="Start").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#m-load")).to_have_text("arrival 5/s · ≤ 100 users")
    plan = shapes_ui.api("/api/v1/status")["plan"]
    assert (plan["executor"], plan["users"]) == ("constant-arrival-rate", 100)
    # the times from each request's intended start appear beside the service times
    corrected = page.locator("#stats-head th.corrected")
    expect(corrected).to_be_visible()
    expect(corrected).to_have_text("99%ile from intended start")
    expect(page.locator("#stats-foot td.cp99")).not_to_have_text("\u2013")  # an en dash: none yet
    shapes_ui.ensure_stopped()


def test_the_thresholds_panel_marks_each_threshold(page: Page, shapes_ui: HordeUI) -> None:
    shapes_ui.ensure_stopped()
    shapes_ui.api("/api/v1/run", {"shape": "Plateau"})  # the configured thresholds apply
    shapes_ui.open(page)
    panel = page.get_by_role("region", name="Thresholds")
    expect(panel).to_be_visible()
    items = panel.get_by_role("listitem")
    expect(items).to_have_count(2)
    page.wait_for_function(
        "() => document.querySelectorAll('#thresholds-list li.pass').length === 1"
    )
    holds, fails = items.nth(0), items.nth(1)
    expect(holds.locator(".mark")).to_have_text("✓")
    expect(holds.locator(".expression")).to_have_text("p95<10s")
    expect(holds).to_contain_text("passes")
    expect(holds.locator(".observed")).to_have_text(re.compile(r"^\d+(\.\d+)? ms$"))
    expect(fails.locator(".mark")).to_have_text("✗")
    expect(fails.locator(".expression")).to_have_text("rps>100000")
    expect(fails).to_contain_text("fails")
    expect(page.locator("#thresholds-summary")).to_have_text("1 of 2 failing")
    shapes_ui.ensure_stopped()
