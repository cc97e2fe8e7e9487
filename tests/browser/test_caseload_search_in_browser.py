"""A clinician searches the caseload on a phone: the name typed never reaches the address
bar or the history, and sorting, the back button and the next visit behave as expected."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_search_keeps_the_name_out_of_the_address_bar(
    live_server, new_page, clinician_a, patient_a1, patient_a2
):
    page = new_page(360, 740)
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.get_by_role("heading", name="Patients").wait_for()
    page.get_by_label("Search by name or e-mail").fill("Okafor")
    page.get_by_label("Search by name or e-mail").press("Enter")
    page.wait_for_url("**search=*")
    table = page.get_by_role("region", name="Patients")
    assert "Okafor" in table.inner_text() and "Nguyen" not in table.inner_text()
    screenshot(page, "caseload-search-phone")
    page.get_by_label("Sort by").select_option(label="Last activity")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**sort=activity*")
    assert page.get_by_label("Search by name or e-mail").input_value() == "Okafor"
    # Back to the first result: a plain page again, no "resend the form?" question.
    page.go_back()
    # Her own patients, as she left it: the choice is carried with the search.
    page.wait_for_url("**sort=name&clinician=mine&search=*")
    assert "Nguyen" not in page.get_by_role("region", name="Patients").inner_text()
    history = page.evaluate("() => [location.href, document.referrer]")
    assert not [url for url in history if "okafor" in url.lower()], history
