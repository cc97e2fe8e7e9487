from __future__ import annotations

import pytest

from clinic.actors import Actor
from clinic.models import Membership
from patients.services import patient_program_start
from programs.models import Program
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_main_pages_run_under_the_policy_without_violations(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    program = patient_program_start(
        actor=Actor.for_member(Membership.objects.get(user=clinician_a)),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    desk = new_page()
    problems = watch(desk)
    sign_in(desk, live_server.url, clinician_a.email, PASSWORD)
    chart = f"{live_server.url}/portal/patients/{patient_a1.uuid}/"
    for url in (
        chart,
        f"{chart}programs/{program.uuid}/edit/",
        f"{chart}measures/",
        f"{live_server.url}/portal/library/",
    ):
        desk.goto(url)
        desk.wait_for_load_state("networkidle")
    # htmx in the builder, and Bootstrap's dropdown, both work under the policy.
    desk.goto(f"{chart}programs/{program.uuid}/edit/")
    before = desk.locator(".builder-item").count()
    desk.locator("#builder-q").fill("bridge")
    desk.get_by_role("button", name="Add Glute bridge").click()
    desk.wait_for_function("n => document.querySelectorAll('.builder-item').length > n", arg=before)
    desk.get_by_role("button", name=clinician_a.full_name).click()
    desk.get_by_role("button", name="Sign out").wait_for()

    phone = new_page(360, 740)
    problems += watch(phone)
    sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
    for url in ("/me/", "/me/progress/", "/me/program/"):
        phone.goto(live_server.url + url)
        phone.wait_for_load_state("networkidle")
    assert problems == []
