"""At the idle limit a page with entries waits for a new sign-in instead of leaving for the
sign-in page, also when nothing was typed on it: a form the server showed again with what
was sent (a validation error), and builder work done with clicks only (htmx Add).

Playwright's clock moves the page past the 15-minute limit in an instant; the server's
side of the session is aged the same way (idle_past_the_limit).
"""

from __future__ import annotations

import pytest

from tests.browser.test_expired_session import (
    idle_past_the_limit,
    open_builder,
    sign_in_in_the_window,
    start_program,
)
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def reach_the_idle_limit(page, seconds: int) -> None:
    """The page's countdown ends: its warning comes due, then the countdown's next ticks."""
    idle_past_the_limit(page)
    page.clock.fast_forward(seconds * 1000)
    page.clock.run_for(3_000)


def sign_in_again_in_the_dialog(page, email: str) -> None:
    """The page waits behind "Please sign in again"; signing in in its window brings it back."""
    dialog = page.get_by_role("dialog", name="Please sign in again")
    dialog.wait_for()
    assert page.url.endswith("/edit/")
    with page.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Sign in again").click()
    sign_in_in_the_window(popup_info.value, email, PASSWORD)
    dialog.wait_for(state="hidden")


def test_a_form_shown_again_with_an_error_keeps_its_entries_at_the_idle_limit(
    live_server, new_page, settings, clinician_a, patient_a1, patient_a2
):
    page = new_page()
    page.clock.install()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/edit/")
    page.get_by_label("First name").fill("Amarachi")
    page.locator("input[name=email]").fill(patient_a2.email)  # refused by the server
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"This e-mail is on the record of {patient_a2.full_name}").wait_for()
    # Read, not typed into: this page has had no input event of its own.
    reach_the_idle_limit(page, settings.IDLE_TIMEOUT_STAFF)

    sign_in_again_in_the_dialog(page, clinician_a.email)
    assert page.get_by_label("First name").input_value() == "Amarachi"
    assert page.locator("input[name=email]").input_value() == patient_a2.email


def test_builder_work_done_with_clicks_only_waits_for_a_new_sign_in(
    live_server, new_page, settings, shared_library, clinician_a, patient_a1
):
    program = start_program(patient_a1, clinician_a)
    page = new_page()
    page.clock.install()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    open_builder(page, live_server.url, patient_a1, program)
    items = page.locator(".builder-item")
    before = items.count()
    page.locator("button[name=action][value^='add:']").first.click()  # htmx, no input event
    page.wait_for_function(
        "n => document.querySelectorAll('.builder-item').length === n", arg=before + 1
    )
    reach_the_idle_limit(page, settings.IDLE_TIMEOUT_STAFF)

    sign_in_again_in_the_dialog(page, clinician_a.email)
    assert items.count() == before + 1
    page.get_by_role("button", name="Save program").first.click()
    page.get_by_text("Saved as revision 2.").wait_for()
    assert program.items.count() == before + 1


def test_a_page_without_entries_leaves_for_the_sign_in_page_and_comes_back_after(
    live_server, new_page, settings, clinician_a, patient_a1
):
    page = new_page()
    page.clock.install()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    chart = f"/portal/patients/{patient_a1.uuid}/"
    page.goto(live_server.url + chart)
    reach_the_idle_limit(page, settings.IDLE_TIMEOUT_STAFF)

    page.wait_for_url("**/accounts/login/**")
    # The page's own address, not the sign-in page's: next=/accounts/login/?next=… once
    # nested here when the server ended the session on the sign-in page's request.
    assert page.url == f"{live_server.url}/accounts/login/?next={chart.replace('/', '%2F')}"
    page.get_by_text("You were signed out to keep patient data safe.").wait_for()
    page.get_by_label("Email").fill(clinician_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + chart)
