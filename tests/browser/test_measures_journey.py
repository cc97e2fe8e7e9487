from __future__ import annotations

from datetime import date, timedelta

import pytest

from patients.models import OutcomeResponse
from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

BASELINE = [3, 3, 2, 3, 2, 3, 2, None, 2, 2]  # 22 of 45 answered points: 48.9 %
FOLLOW_UP = [1, 1, 1, 1, 1, 1, 1, None, 1, 1]  # 9 of 45: 20 %


def enter_odi(page, base: str, patient, day: date, sections) -> None:
    page.goto(f"{base}/portal/patients/{patient.uuid}/outcomes/odi/new/")
    page.locator("#id_completed_on").fill(day.isoformat())
    for n, value in enumerate(sections, start=1):
        page.locator(f"#id_section_{n}").select_option("" if value is None else str(value))
    page.get_by_role("button", name="Save").click()
    page.get_by_text("saved:").wait_for()


def enter_schober(page, base: str, patient, day: date, value: str) -> None:
    page.goto(f"{base}/portal/patients/{patient.uuid}/measures/new/")
    page.locator("#id_measured_on").fill(day.isoformat())
    page.get_by_label("Modified Schober", exact=True).fill(value)
    page.get_by_role("button", name="Save measures").click()
    page.get_by_text("1 measurement saved").wait_for()


def test_a_clinician_sees_meaningful_change_after_a_follow_up(
    live_server, new_page, clinician_a, patient_a1
):
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    baseline, follow_up = date.today() - timedelta(days=42), date.today() - timedelta(days=1)
    enter_odi(page, live_server.url, patient_a1, baseline, BASELINE)
    enter_schober(page, live_server.url, patient_a1, baseline, "2.5")
    enter_odi(page, live_server.url, patient_a1, follow_up, FOLLOW_UP)
    enter_schober(page, live_server.url, patient_a1, follow_up, "5")

    assert OutcomeResponse.objects.count() == 2
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/")
    measures = page.locator("section[aria-labelledby='measures-heading']")
    measures.get_by_text("Meaningful change").wait_for()
    text = measures.inner_text()
    assert "48.9" in text and "20" in text and "Better by 28.9" in text
    assert "Better by 2.5\N{NO-BREAK SPACE}cm" in text
    screenshot(page, "chart-meaningful-change")
    page.get_by_role("link", name="Details and charts").click()
    page.locator("figure.chart").first.wait_for()
    screenshot(page, "measures-page")


def test_the_visits_measures_are_entered_on_a_phone(live_server, new_page, clinician_a, patient_a1):
    """At 360 px each measure is a block: a value box wide enough to read, the
    pain-limited tick with its word, the method below; nothing scrolls sideways."""
    page = new_page(360, 740)
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/measures/new/")
    value = page.get_by_label("Modified Schober", exact=True)
    assert value.bounding_box()["width"] >= 120
    method = page.locator("input[name='schober_method']")
    assert method.bounding_box()["width"] >= 250
    assert page.locator("label[for='id_schober_pain']").is_visible()
    region = page.locator(".table-responsive")
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("Modified Schober pain-limited").check()
    value.fill("4")
    page.get_by_role("button", name="Save measures").click()
    page.get_by_text("1 measurement saved").wait_for()
    screenshot(page, "measures-form-360")
