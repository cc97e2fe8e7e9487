"""A Spanish patient's Today page in Chromium: the page and our scripts' own words (the
exercise timer, the movement player) are Spanish, under the same Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from clinic.actors import Actor
from clinic.models import Membership
from patients.services import patient_program_start
from programs.models import Program
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def test_a_spanish_patient_sees_today_and_its_timer_in_spanish(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    patient_a1.preferred_language = "es"
    patient_a1.save()
    membership = Membership.objects.get(user=clinician_a)
    patient_program_start(
        actor=Actor.for_member(membership),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    phone = new_page(360, 740)
    violations = []
    phone.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content-Security-Policy" in message.text else None
        ),
    )
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_role("link", name="E-mail me a sign-in code instead").click()
    phone.get_by_label("Email").fill(patient_a1.email)
    phone.get_by_role("button", name="E-mail me a code").click()
    phone.get_by_label("Code").wait_for()
    phone.get_by_label("Code").fill(CODE.search(mail.outbox[-1].body).group(1))
    phone.get_by_role("button", name="Sign in", exact=True).click()
    phone.get_by_role("heading", name="Hola, Amara").wait_for()
    assert phone.locator("html").get_attribute("lang") == "es"

    first = phone.locator("article.exercise-card").first
    start = first.get_by_role("button", name=re.compile("^Iniciar temporizador"))
    start.wait_for()
    start.click()
    first.get_by_text("Prepárate…").wait_for()
    first.get_by_role("button", name="Pausa", exact=True).wait_for()
    motion = first.locator(".exercise-motion__toggle")
    assert re.match(r"^(Ver|Pausar) el movimiento", motion.inner_text())
    screenshot(phone, "today-360-es")
    body = phone.locator("main").inner_text()
    for english in ("Start timer", "Get ready", "Play the movement", "Due today"):
        assert english not in body
    # allauth writes "Signed in as ..." during the sign-in request (not a patient page).
    page = phone.locator("body").inner_text()
    assert "Signed in as" not in page and "Has entrado como" in page
    assert not violations
