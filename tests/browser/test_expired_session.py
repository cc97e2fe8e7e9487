"""Whatever was typed survives an ended session: the page keeps it in memory, the person
signs in again in a window of its own, and the submission is made once (issue 16)."""

from __future__ import annotations

import time
from importlib import import_module

import pytest
from django.conf import settings

from clinic.actors import Actor
from clinic.middleware import SEEN
from clinic.models import AuditEvent, Membership
from patients.models import Flag, OutcomeResponse, SessionLog
from patients.services import patient_program_start
from programs.models import Program
from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.conftest import client_for
from tests.factories import PASSWORD, OutcomeAssignmentFactory

pytestmark = pytest.mark.browser

# How many session logs the patient app keeps on this device, waiting to be sent.
KEPT = "() => new Promise(ok => { const r = indexedDB.open('limber-offline', 1); \
r.onupgradeneeded = () => r.result.createObjectStore('logs', {keyPath: 'key'}); \
r.onsuccess = () => { const q = r.result.transaction('logs').objectStore('logs').count(); \
q.onsuccess = () => { r.result.close(); ok(q.result); }; }; })"


def idle_past_the_limit(page, seconds: int = 24 * 60 * 60) -> None:
    """What 15 (or 30) idle minutes do to the server's side of the session; `seconds=0`:
    the page's session was just used."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    store[SEEN] = int(time.time()) - seconds
    store.save()


def sign_out_in_another_tab(page, base: str) -> None:
    other = page.context.new_page()
    other.goto(base + "/accounts/logout/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/accounts/login/**")
    other.close()


def sign_in_again(page, email: str, password: str = PASSWORD, shot: str = "") -> None:
    """Press Save after the session ended: the page asks for a new sign-in, which
    happens in a window of its own; the page is hidden meanwhile."""
    dialog = page.get_by_role("dialog", name="Please sign in again")
    dialog.wait_for()
    assert page.locator("main").evaluate("m => getComputedStyle(m).visibility") == "hidden"
    if shot:
        screenshot(page, shot)
    # What waits for the sign-in is in the page's memory only, never in browser storage.
    # (htmx keeps only the address of the current page, for its history handling.)
    stored = page.evaluate("[...Object.keys(localStorage), ...Object.keys(sessionStorage)]")
    assert set(stored) <= {"htmx-current-path-for-history"}
    if "/portal/" in page.url:
        assert page.evaluate("indexedDB.databases().then(d => d.length)") == 0
    else:  # the patient app's offline store exists, and holds nothing of this
        assert page.evaluate(KEPT) == 0
    with page.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Sign in again").click()
    sign_in_in_the_window(popup_info.value, email, password)


def sign_in_in_the_window(popup, email: str, password: str) -> None:
    """Sign in in the window the page opened, which closes itself once signed in. The
    wait for its closing starts before the click: on a loaded machine the window once
    closed before a wait started after the click, which then waited for nothing."""
    popup.get_by_label("Email").fill(email)
    popup.get_by_label("Password").fill(password)
    with popup.expect_event("close", timeout=20_000):
        popup.get_by_role("button", name="Sign in").click()


def test_a_portal_form_is_sent_once_after_signing_in_again(
    live_server, new_page, clinician_a, patient_a1
):
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/edit/")
    page.get_by_label("Phone").fill("+44 20 7946 0018")
    page.get_by_label("First name").fill("Amarachi")
    idle_past_the_limit(page)

    page.get_by_role("button", name="Save").click()
    sign_in_again(page, clinician_a.email, shot="expired-portal-form-dialog")
    page.get_by_role("heading", name="Amarachi Okafor").wait_for()
    screenshot(page, "expired-portal-form-saved")
    patient_a1.refresh_from_db()
    assert (patient_a1.first_name, patient_a1.phone) == ("Amarachi", "+44 20 7946 0018")
    assert AuditEvent.objects.filter(action="patient.update").count() == 1


def test_typed_data_is_never_sent_for_another_account(
    live_server, new_page, clinician_a, admin_a, patient_a1
):
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/edit/")
    page.get_by_label("First name").fill("Someone else typed this")
    sign_out_in_another_tab(page, live_server.url)

    page.get_by_role("button", name="Save").click()
    sign_in_again(page, admin_a.email)
    page.get_by_text("You signed in as someone else").wait_for()
    assert "Someone else typed this" not in page.content()
    patient_a1.refresh_from_db()
    assert patient_a1.first_name == "Amara"
    assert not AuditEvent.objects.filter(action="patient.update").exists()


@pytest.mark.parametrize("status", [502, 500])
def test_a_server_error_while_checking_the_session_is_not_called_a_sign_out(
    live_server, new_page, clinician_a, patient_a1, status
):
    """A 502 from nginx while the web server restarts, or our own 500 page when the
    database fails, answered the check made before sending: the page hid itself and said
    "You were signed out", though the person was still signed in. It says the server had
    a problem, sends nothing, keeps what was typed, and Save works once the server does."""
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.wait_for_url("**/portal/")
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/edit/")
    page.get_by_label("First name").fill("Amarachi")
    check_url = page.evaluate("document.body.dataset.sessionCheckUrl")

    def failing(route):
        route.fulfill(status=status, content_type="text/html", body="<h1>Bad Gateway</h1>")

    page.route(f"**{check_url}", failing)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The server had a problem, so nothing was sent.").wait_for()
    screenshot(page, f"server-error-{status}-while-checking-the-session")
    assert not page.get_by_role("dialog", name="Please sign in again").is_visible()
    assert page.locator("main").evaluate("m => getComputedStyle(m).visibility") == "visible"
    assert page.get_by_label("First name").input_value() == "Amarachi"
    patient_a1.refresh_from_db()
    assert patient_a1.first_name == "Amara"

    page.unroute(f"**{check_url}", failing)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Amarachi Okafor").wait_for()
    assert AuditEvent.objects.filter(action="patient.update").count() == 1


def start_program(patient, clinician):
    template = Program.objects.get(template_key="low-back-early-movement")
    membership = Membership.objects.get(user=clinician)
    return patient_program_start(
        actor=Actor.for_member(membership), patient=patient, source=template
    )


def open_builder(page, base: str, patient, program) -> None:
    page.goto(f"{base}/portal/patients/{patient.uuid}/programs/{program.uuid}/edit/")
    page.get_by_role("heading", name=f"{program.title} · {patient.full_name}").wait_for()


def reps_typed_then_idle(live_server, page, clinician, patient):
    """The builder of a new program, 14 reps typed in its first row, then the session
    idle past its limit."""
    program = start_program(patient, clinician)
    sign_in(page, live_server.url, clinician.email, PASSWORD)
    open_builder(page, live_server.url, patient, program)
    page.locator("input[name='items-0-reps']").fill("14")
    idle_past_the_limit(page)
    return program, page


def test_the_builder_saves_once_after_signing_in_again(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    program = start_program(patient_a1, clinician_a)
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    open_builder(page, live_server.url, patient_a1, program)
    page.locator("input[name='items-0-reps']").fill("12")
    page.locator("input[name='items-1-sets']").fill("3")
    sign_out_in_another_tab(page, live_server.url)

    page.get_by_role("button", name="Save program").first.click()
    sign_in_again(page, clinician_a.email, shot="expired-builder-dialog")
    page.get_by_text("Saved as revision 2.").wait_for()
    screenshot(page, "expired-builder-saved")
    program.refresh_from_db()
    items = list(program.items.order_by("order"))
    assert program.revision == 2
    assert (items[0].reps, items[1].sets) == (12, 3)
    assert AuditEvent.objects.filter(action="program.update").count() == 1


def test_a_newer_revision_meanwhile_is_the_usual_conflict_with_the_typed_values_shown(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    program, page = reps_typed_then_idle(live_server, new_page(), clinician_a, patient_a1)
    # A colleague saves revision 2 while this page waits.
    colleague = client_for(clinician_a)
    url = f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/edit/"
    form = colleague.get(url).context["formset"]
    data = {"action": "save", "revision": "1", "title": "Changed by a colleague"}
    data["status"] = "active"
    data.update({f"items-{k}": v for k, v in management(form).items()})
    for index, f in enumerate(form.forms):
        for name, value in f.initial.items():
            if value is not None and name != "weekdays":
                data[f"items-{index}-{name}"] = str(value)
    assert colleague.post(url, data).status_code == 302
    program.refresh_from_db()
    assert program.revision == 2

    page.get_by_role("button", name="Save program").first.click()
    sign_in_again(page, clinician_a.email)
    page.get_by_text("while you were editing").wait_for()
    screenshot(page, "expired-builder-conflict")
    assert page.locator("input[name='items-0-reps']").input_value() == "14"
    program.refresh_from_db()
    assert program.revision == 2 and program.title == "Changed by a colleague"


def management(formset) -> dict:
    return {"TOTAL_FORMS": str(len(formset.forms)), "INITIAL_FORMS": "0"}


def patient_signs_in(page, base: str, patient) -> None:
    sign_in(page, base, patient.email, PASSWORD)
    page.get_by_role("heading", name=f"Hello {patient.first_name}").wait_for()


def test_a_patients_session_log_is_saved_once_after_signing_in_again(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    done = phone.locator("label.done-toggle")
    done.nth(0).click()
    done.nth(1).click()
    phone.locator("label[for='id_pain_5']").click()
    phone.get_by_label("Anything to tell your clinician?").fill("Stiff in the morning")
    idle_past_the_limit(phone)

    phone.get_by_role("button", name="Save only the ones marked done").click()
    sign_in_again(phone, patient_a1.email, shot="expired-patient-log-dialog-360")
    phone.get_by_text("Saved. Well done!").wait_for()
    screenshot(phone, "expired-patient-log-saved-360")
    session = SessionLog.objects.get()
    assert (session.exercises_done, session.pain, session.comment) == (
        2,
        5,
        "Stiff in the morning",
    )


def test_an_urgent_sign_sent_after_the_session_ended_gets_its_advice_beside_the_sign_in(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The symptom page, sent after the session ended: the page hid behind "Please sign in
    again", and what to do about an emergency sign waited for a sign-in. The advice shows
    in the dialog at once; signed in again, the sign reaches the clinic once."""
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/symptoms/")
    phone.get_by_label("You can't control your bladder", exact=False).check()
    idle_past_the_limit(phone)

    phone.get_by_role("button", name="Send to my clinic").click()
    dialog = phone.get_by_role("dialog", name="Please sign in again")
    dialog.wait_for()
    advice = dialog.locator("[data-offline-advice=urgent]")
    assert advice.is_visible()
    assert dialog.get_by_role("heading", name="Get help now").is_visible()
    assert advice.locator("a[href^='tel:']").count() >= 1
    # Not sent yet: the patient is told to pass it on themselves.
    assert advice.get_by_text("We could not pass this on to your clinician.").is_visible()
    assert advice.get_by_text("Sending this to your clinician now.").is_hidden()
    assert not Flag.objects.exists()
    sign_in_again(phone, patient_a1.email, shot="expired-symptoms-urgent-dialog-360")
    phone.wait_for_url("**/me/advice/")
    assert phone.get_by_role("heading", name="Get help now").is_visible()
    assert Flag.objects.filter(patient=patient_a1).count() == 1


def test_a_questionnaire_is_sent_once_after_signing_in_again(live_server, new_page, patient_a1):
    OutcomeAssignmentFactory(patient=patient_a1, code="nprs")
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/questionnaire/")
    for name, value in (("best", "2"), ("worst", "6"), ("now", "4")):
        phone.locator(f"label[for='id_{name}_{value}']").click()
    sign_out_in_another_tab(phone, live_server.url)

    phone.get_by_role("button", name="Save").click()
    sign_in_again(phone, patient_a1.email, shot="expired-questionnaire-dialog-360")
    phone.get_by_text("Thank you. Your clinician will see your answers.").wait_for()
    response = OutcomeResponse.objects.get()
    assert response.answers == {"best": 2, "worst": 6, "now": 4}


def test_at_the_idle_limit_a_page_with_entries_waits_for_a_new_sign_in(
    live_server, new_page, settings, clinician_a, patient_a1
):
    settings.IDLE_TIMEOUT_STAFF = 4  # the countdown ends 4 s after the page opened
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/edit/")
    page.get_by_label("First name").fill("Amarachi")
    dialog = page.get_by_role("dialog", name="Please sign in again")
    dialog.wait_for(timeout=15_000)
    # It did not leave for the sign-in page: the entries are still here, hidden.
    assert page.url.endswith("/edit/")
    assert page.locator("main").evaluate("m => getComputedStyle(m).visibility") == "hidden"
    settings.IDLE_TIMEOUT_STAFF = 900
    idle_past_the_limit(page)  # and the server's side of the session has ended too
    with page.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Sign in again").click()
    sign_in_in_the_window(popup_info.value, clinician_a.email, PASSWORD)
    dialog.wait_for(state="hidden")
    assert page.get_by_label("First name").input_value() == "Amarachi"
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Amarachi Okafor").wait_for()
    assert AuditEvent.objects.filter(action="patient.update").count() == 1


def test_at_the_idle_limit_the_two_factor_set_up_page_leaves_though_a_code_was_typed(
    live_server, new_page, settings, clinician_a
):
    """Its key is on it, as text and QR code: a code typed there, or the page shown again
    after a wrong one, is no entry to keep hidden on an unattended screen. It leaves."""
    page = new_page()
    activate = f"{live_server.url}/accounts/2fa/totp/activate/"
    for send in (False, True):
        settings.IDLE_TIMEOUT_STAFF = 900
        sign_in(page, live_server.url, clinician_a.email, PASSWORD)
        page.wait_for_url("**/portal/**")
        page.goto(activate)
        page.get_by_label("Password").fill(PASSWORD)  # turning it on asks for it again
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(activate)
        code = page.locator("input[name=code]")
        # The page the limit is tested on is drawn with a 4-second countdown (the server's
        # side of the session just used): the typed page itself, or the page the wrong code
        # brings back, so that a slow machine cannot reach the limit before it is there.
        if send:
            code.fill("000000")
        settings.IDLE_TIMEOUT_STAFF = 4
        idle_past_the_limit(page, seconds=0)
        if send:
            code.press("Enter")
            page.get_by_text("Incorrect code").wait_for()
        else:
            page.goto(activate)
            code.fill("000000")
        page.wait_for_url("**/accounts/login/**", timeout=15_000)
        assert not page.get_by_role("dialog", name="Please sign in again").is_visible()


def test_switching_clinic_in_another_tab_keeps_the_builders_work(
    live_server, new_page, shared_library, clinician_ab, patient_a1, clinic_a, clinic_b
):
    """A clinician of two clinics edits Amara's program (clinic A), opens clinic B in
    another tab, comes back and presses Save: the page said "You signed in as someone
    else, or in another clinic" and cleared every entry. The same person still works at
    A: the save goes through there."""
    patient_a1.clinician = clinician_ab
    patient_a1.save()
    program = patient_program_start(
        actor=Actor.for_member(clinician_ab.memberships.get(clinic=clinic_a)),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    page = new_page()
    sign_in(page, live_server.url, clinician_ab.email, PASSWORD)
    page.get_by_role("button", name="Clinic A").click()
    page.wait_for_url("**/portal/")
    open_builder(page, live_server.url, patient_a1, program)
    page.locator("input[name='items-0-reps']").fill("12")

    other = page.context.new_page()
    other.goto(live_server.url + "/portal/clinics/")
    other.get_by_role("button", name="Clinic B").click()
    other.wait_for_url("**/portal/")
    other.close()

    page.get_by_role("button", name="Save program").first.click()
    page.get_by_text("Saved as revision 2.").wait_for()
    assert "has been cleared" not in page.locator("body").inner_text()
    program.refresh_from_db()
    assert program.revision == 2
    assert program.items.order_by("order").first().reps == 12
    assert AuditEvent.objects.filter(action="clinic.switch", clinic=clinic_a).count() >= 2


def test_a_dose_line_redraw_never_takes_the_place_of_the_save_waiting_for_sign_in(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Leaving a dose field to press Save sends two requests: the dose line's redraw and
    the Save. With the session ended, both waited for the new sign-in in one place, and
    when the redraw's check answered last it was the one sent: the Save was lost (seen
    once in a full run). A redraw saves nothing: signed out, it is dropped quietly."""
    program, page = reps_typed_then_idle(live_server, new_page(), clinician_a, patient_a1)
    check_url = page.evaluate("document.body.dataset.sessionCheckUrl")
    with page.expect_response(lambda r: r.url.endswith(check_url)):
        page.locator("input[name='items-0-sets']").focus()  # "change": the redraw
    page.wait_for_timeout(300)  # what the page does with the answer
    assert not page.get_by_role("dialog", name="Please sign in again").is_visible()

    page.get_by_role("button", name="Save program").first.click()
    sign_in_again(page, clinician_a.email)
    page.get_by_text("Saved as revision 2.").wait_for()
    first = program.items.order_by("order").first()
    assert first.reps == 14
