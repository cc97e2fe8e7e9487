from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from clinic.actors import Actor
from clinic.models import Membership
from patients.models import SessionLog
from patients.services import patient_program_start
from programs.models import Program
from tests.browser.conftest import screenshot
from tests.browser.test_expired_session import patient_signs_in, start_program
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)  # allauth's XXXX-XXXX


def test_a_patient_signs_in_with_a_code_logs_a_session_and_the_clinician_sees_it(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    template = Program.objects.get(template_key="low-back-early-movement")
    membership = Membership.objects.get(user=clinician_a)
    patient_program_start(actor=Actor.for_member(membership), patient=patient_a1, source=template)

    phone = new_page(360, 740)
    started = time.monotonic()
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_role("link", name="E-mail me a sign-in code instead").click()
    phone.get_by_label("Email").fill(patient_a1.email)
    phone.get_by_role("button", name="E-mail me a code").click()
    phone.get_by_label("Code").wait_for()
    code = CODE.search(mail.outbox[-1].body).group(1)
    phone.get_by_label("Code").fill(code)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    phone.get_by_role("heading", name="Hello Amara").wait_for()
    screenshot(phone, "today-360")

    done = phone.locator("label.done-toggle")
    assert done.count() >= 2
    done.nth(0).click()
    done.nth(1).click()
    phone.locator("label[for='id_pain_2']").click()
    phone.locator("label[for='id_effort_4']").click()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.get_by_text("Saved. Well done!").wait_for()
    elapsed = time.monotonic() - started
    screenshot(phone, "today-360-saved")
    # Sign-in by code and a full session, driven by a test: a person takes longer, but
    # the flow itself must not be what costs time.
    assert elapsed < 30

    session = SessionLog.objects.get()
    assert (session.exercises_done, session.pain, session.effort) == (2, 2, 4)
    # Every tap target in the session form is at least 44 px tall on a phone.
    heights = phone.locator(".done-toggle, .scale-buttons .btn").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44

    desk = new_page()
    sign_in(desk, live_server.url, clinician_a.email, PASSWORD)
    desk.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/")
    # The program began today: no full day counts yet, and today's session is listed.
    desk.get_by_text("Adherence, 7 full days before today (0 of 0)").wait_for()
    assert "Pain 2/10" in desk.content()
    screenshot(desk, "chart-after-logging")


def test_a_too_many_sets_error_is_shown_where_the_patient_can_see_it(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    program = start_program(patient_a1, clinician_a)
    first = program.items.order_by("order").first()
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    card = phone.locator("article.exercise-card").first
    card.locator("label.done-toggle").click()
    card.get_by_text("I did a different amount").click()
    card.get_by_label("Sets done").fill(str(2 * (first.sets or 1) + 10))
    phone.locator("label[for='id_pain_2']").click()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.wait_for_url("**/me/log/")

    error = phone.get_by_text(re.compile("more than twice what was prescribed"))
    assert error.count() == 1  # the page did come back with the error
    phone.screenshot(path="test-artifacts/review-sets-error-360.png")
    # The patient sees why nothing was saved, without having to guess which
    # collapsed "I did a different amount" to open.
    assert error.is_visible()
    # patient-app.js then brings it into view and reads it out (focus).
    assert error.evaluate("el => el === document.activeElement")
    assert card.locator("details:has(input[name^='sets_'])").evaluate("el => el.open")


def test_a_tapped_done_shows_it_is_ticked(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    done = phone.locator("article.exercise-card").first.locator("label.done-toggle")
    before = done.evaluate("el => getComputedStyle(el).backgroundColor")
    done.click()
    # The tick and the filled button (.btn-check:checked + label) tell the patient it took.
    assert done.evaluate("el => getComputedStyle(el, '::before').content") == '"✓ "'
    # Bootstrap's buttons fade their colour in (0.15 s): read at once, a full run on a busy
    # machine caught it before the fade had begun.
    done.evaluate(
        "(el, before) => new Promise((resolve, reject) => {"
        " const until = Date.now() + 2000;"
        " (function look() {"
        "  if (getComputedStyle(el).backgroundColor !== before) resolve();"
        "  else if (Date.now() > until) reject(new Error('the colour did not change'));"
        "  else requestAnimationFrame(look); })(); })",
        before,
    )
    done.screenshot(path="test-artifacts/done-ticked-360.png")


def sent_without_pain(live_server, new_page, patient, clinician, *, sign: str = ""):
    """A phone that ticks the first exercise (and the warning sign `sign`), leaves out the
    pain score and saves: the session comes back to be put right."""
    start_program(patient, clinician)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient)
    phone.locator("label.done-toggle").first.click()
    if sign:
        phone.get_by_text("Something worrying? Tell us here").click()
        phone.get_by_label(sign, exact=False).check()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.wait_for_url("**/me/log/")
    return phone


def test_a_session_sent_without_a_pain_score_says_so_where_the_patient_looks(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Reviewed at 360 px: the page came back at its top, the pain question 4,000 px
    below. patient-app.js scrolls (smoothly) to the message and focuses it: a screenshot
    taken at once caught the page mid-scroll."""
    phone = sent_without_pain(live_server, new_page, patient_a1, clinician_a)
    error = phone.get_by_text("Choose your pain from 0 to 10")
    assert error.evaluate("el => el === document.activeElement")
    phone.wait_for_function(
        "() => { const box = document.activeElement.getBoundingClientRect();"
        " return box.top >= 0 && box.bottom <= window.innerHeight; }"
    )
    phone.screenshot(path="test-artifacts/review-no-pain-360.png")
    assert not SessionLog.objects.exists()


def test_i_did_them_all_in_a_second_tab_asks_before_saving_the_day_again(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Today open in two tabs: "I did them all" in the second, after the first saved the
    day, comes back with the patient's pain and words and saves only when asked again."""
    program = start_program(patient_a1, clinician_a)
    program.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    first = new_page(360, 740)
    patient_signs_in(first, live_server.url, patient_a1)
    second = first.context.new_page()
    second.goto(f"{live_server.url}/me/")
    first.locator("label[for='id_pain_2']").click()
    first.get_by_role("button", name="I did them all: save").click()
    first.get_by_text("Saved. Well done!").wait_for()
    second.locator("label[for='id_pain_4']").click()
    second.get_by_label("Anything to tell your clinician?").fill("Did them twice")
    second.get_by_role("button", name="I did them all: save").click()
    second.get_by_text("Today's exercises were already saved").wait_for()
    screenshot(second, "second-tab-all-done-360")
    assert SessionLog.objects.count() == 1
    assert second.get_by_label("Anything to tell your clinician?").input_value() == "Did them twice"
    assert second.locator("#id_pain_4").is_checked()
    second.get_by_role("button", name="Save an extra session").click()
    second.get_by_text("Saved. Well done!").wait_for()
    assert SessionLog.objects.count() == 2
    assert SessionLog.objects.order_by("logged_at").last().comment == "Did them twice"


def test_an_urgent_sign_on_a_session_sent_back_shows_what_to_do_first(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """A session refused for its missing pain score, with the bladder sign ticked: the sign
    is told to the clinic, and the page opens on what to do now, not on the pain error
    3,000 px below it (the advice was drawn at the top, out of view)."""
    phone = sent_without_pain(
        live_server, new_page, patient_a1, clinician_a, sign="You can't control your bladder"
    )
    advice = phone.locator("[data-told-advice]")
    assert advice.evaluate("el => el === document.activeElement")
    phone.wait_for_function(
        "() => document.querySelector('[data-told-advice]').getBoundingClientRect().top >= 0"
        " && document.querySelector('[data-told-advice]').getBoundingClientRect().top"
        " < window.innerHeight / 2"
    )
    assert advice.get_by_text("Get help now").is_visible()
    phone.screenshot(path="test-artifacts/told-advice-360.png")
    assert not SessionLog.objects.exists()
