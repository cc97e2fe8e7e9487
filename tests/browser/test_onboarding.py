from __future__ import annotations

import re

import pytest
from django.core import mail

from patients.models import Patient
from tests.browser.conftest import screenshot
from tests.conftest import run_tasks
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_clinician_invites_a_new_patient_who_sets_a_password(
    live_server, new_page, clinician_a, settings
):
    base = live_server.url
    settings.SITE_URL = base
    page = new_page()
    sign_in(page, base, clinician_a.email, PASSWORD)
    page.get_by_role("link", name="Add patient").first.click()
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Fischer")
    page.get_by_label("Date of birth").fill("1984-03-09")
    page.get_by_label("E-mail").fill("maya.fischer@example.test")
    page.get_by_role("button", name="Save patient").click()
    page.get_by_role("heading", name="Maya Fischer").wait_for()
    screenshot(page, "onboarding-chart")

    page.get_by_role("button", name="Invite by e-mail").click()
    page.get_by_text("Its e-mail is queued").wait_for()
    run_tasks()  # the worker sends the invitation
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[0].body).group(0)

    patient_page = new_page(360, 740)
    patient_page.goto(link)
    # The token leaves the address bar at once.
    assert patient_page.url == base + "/invite/"
    patient_page.get_by_label("Choose a password").fill("my knees like walks")
    patient_page.get_by_label("Type it again").fill("my knees like walks")
    patient_page.get_by_role("button", name="Set password and sign in").click()
    patient_page.get_by_role("heading", name="Hello Maya").wait_for()
    screenshot(patient_page, "onboarding-patient-home")
    assert "Clinic A" in patient_page.content()
    assert Patient.objects.get(last_name="Fischer").user.has_usable_password()
