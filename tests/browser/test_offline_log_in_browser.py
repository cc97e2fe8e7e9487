"""The patient area works as an app on the phone: a session logged with no connection is
kept on the phone and arrives once when the connection returns (issue 16)."""

from __future__ import annotations

import pytest

from patients.models import Flag, SessionLog
from tests.browser.conftest import screenshot
from tests.browser.test_expired_session import KEPT, patient_signs_in, start_program

pytestmark = pytest.mark.browser


def test_a_session_logged_offline_arrives_once_when_back_online(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    # Installable: our own manifest, and a service worker looking after the patient area.
    assert phone.locator("link[rel=manifest]").get_attribute("href").startswith("/static/")
    scope = phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server.url + "/me/"

    phone.context.set_offline(True)
    done = phone.locator("label.done-toggle")
    done.nth(0).click()
    done.nth(1).click()
    phone.locator("label[for='id_pain_3']").click()
    phone.get_by_label("Anything to tell your clinician?").fill("Did them in the park")
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.get_by_text("Your session is saved on this phone").wait_for()
    screenshot(phone, "offline-kept-360")
    assert not SessionLog.objects.exists()
    assert phone.evaluate(KEPT) == 1

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_text("has been sent").wait_for()
    screenshot(phone, "offline-sent-360")
    session = SessionLog.objects.get()
    assert (session.exercises_done, session.pain, session.comment) == (
        2,
        3,
        "Did them in the park",
    )
    assert phone.evaluate(KEPT) == 0
    # The page was drawn before the session was saved: it offers to show it (the Spanish
    # review found "Logged today" without it, and no word why).
    assert "Logged today" not in phone.locator("main").inner_text()
    with phone.expect_navigation():
        phone.get_by_role("link", name="Update this page").click()
    phone.get_by_text("Logged today").wait_for()
    # Sending again (another tab, a lost answer) cannot make a second session.
    phone.evaluate("window.limberOffline.sendAll()")
    phone.reload()
    assert SessionLog.objects.count() == 1


def test_a_session_kept_offline_arrives_after_its_exercise_left_the_program(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The phone kept a session; before it is back online the clinician takes the first
    exercise out. The phone deletes a log on any answer, so the answer must be a save:
    the page's form names each row's exercise, and the server logs the rows as shown."""
    from clinic.models import Membership
    from tests.conftest import revise

    program = start_program(patient_a1, clinician_a)
    first, *rest = program.items.select_related("exercise")
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.evaluate("navigator.serviceWorker.ready")
    phone.context.set_offline(True)
    phone.locator("label.done-toggle").nth(0).click()
    phone.locator("label[for='id_pain_7']").click()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.get_by_text("Your session is saved on this phone").wait_for()
    membership = Membership.objects.get(user=clinician_a)
    revise(program, membership, [{"id": i.pk, "exercise": i.exercise} for i in rest])

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_text("has been sent").wait_for()
    session = SessionLog.objects.get()
    assert session.pain == 7
    assert list(session.entries.values_list("exercise_id", flat=True)) == [first.exercise_id]


def one_session_kept_offline(live_server, new_page, patient, clinician):
    """The patient's phone, which kept a session (the first exercise, pain 2) offline;
    still offline."""
    start_program(patient, clinician)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient)
    phone.evaluate("navigator.serviceWorker.ready")
    phone.context.set_offline(True)
    phone.locator("label.done-toggle").nth(0).click()
    phone.locator("label[for='id_pain_2']").click()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.get_by_text("Your session is saved on this phone").wait_for()
    return phone


def test_a_kept_session_the_server_could_not_save_stays_on_the_phone(
    monkeypatch, live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The database fails as the kept session is sent (a restart): nothing is saved, and
    the phone keeps the log and sends it again, rather than dropping it as sent."""
    from django.db import OperationalError

    from patients import practice_log

    real_save_entries = practice_log._save_entries
    failures = []

    def fails_once(session, done):
        if not failures:
            failures.append(session.pk)
            raise OperationalError("server closed the connection unexpectedly")
        return real_save_entries(session, done)

    monkeypatch.setattr(practice_log, "_save_entries", fails_once)
    phone = one_session_kept_offline(live_server, new_page, patient_a1, clinician_a)

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_text("could not be sent just now").wait_for()
    assert failures and not SessionLog.objects.exists()
    assert phone.evaluate(KEPT) == 1
    phone.evaluate("window.limberOffline.sendAll()")  # the retry, without waiting for it
    phone.get_by_text("has been sent").wait_for()
    assert SessionLog.objects.get().pain == 2
    assert phone.evaluate(KEPT) == 0


def test_a_kept_session_meeting_a_failing_proxy_is_not_sent_to_sign_in(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """A 502 page from a proxy in front of the app (not JSON) was read as "signed out": the
    patient was told to sign in, and nothing tried again. It says it will try again, and
    does."""
    phone = one_session_kept_offline(live_server, new_page, patient_a1, clinician_a)

    def bad_gateway(route):
        route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")

    phone.route("**/me/log/sync", bad_gateway)
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_text("we will try again in a minute").wait_for()
    assert "Sign in to send it" not in phone.content()
    assert phone.evaluate(KEPT) == 1 and not SessionLog.objects.exists()
    phone.unroute("**/me/log/sync")
    phone.evaluate("window.limberOffline.sendAll()")
    phone.get_by_text("has been sent").wait_for()
    assert SessionLog.objects.get().pain == 2 and phone.evaluate(KEPT) == 0


def test_a_log_kept_on_a_shared_phone_waits_for_the_patient_who_made_it(
    live_server, new_page, shared_library, clinician_a, patient_a1, patient_a2
):
    """Two patients, one phone. A1 logs offline; their session ends (not a sign-out,
    which would clear the phone); A2 signs in and the phone sends what it kept. It must
    not be sent as A2's, nor shown to A2, nor dropped: A1 finds it sent at their next
    sign-in."""
    start_program(patient_a1, clinician_a)
    start_program(patient_a2, clinician_a)  # the same exercises
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.evaluate("navigator.serviceWorker.ready")
    phone.context.set_offline(True)
    phone.locator("label.done-toggle").nth(0).click()
    phone.locator("label[for='id_pain_8']").click()
    phone.get_by_label("Anything to tell your clinician?").fill("Only for my physio")
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.get_by_text("Your session is saved on this phone").wait_for()

    # A1's session is over before the phone is back online (else A1's own page would
    # send it, rightly, as A1's the moment the connection returns).
    phone.context.clear_cookies()
    phone.context.set_offline(False)
    patient_signs_in(phone, live_server.url, patient_a2)
    phone.wait_for_load_state("networkidle")  # the page's own send is over
    phone.evaluate("window.limberOffline.sendAll()")  # and one more, awaited
    assert not SessionLog.objects.exists()
    assert phone.evaluate(KEPT) == 1
    assert not phone.locator("[data-offline-notice]").is_visible()

    phone.context.clear_cookies()
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.get_by_text("has been sent").wait_for()
    session = SessionLog.objects.get()
    assert (session.patient, session.pain, session.comment) == (
        patient_a1,
        8,
        "Only for my physio",
    )
    assert phone.evaluate(KEPT) == 0


def test_signing_out_says_what_is_waiting_then_clears_the_phone(live_server, new_page, patient_a1):
    """A session kept on the phone that cannot be sent just now is named before signing
    out deletes it; the sign-out that happens clears the phone (the server's answer)."""
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.evaluate("navigator.serviceWorker.ready")
    phone.evaluate(KEEP_ONE)
    assert phone.evaluate(KEPT) == 1
    assert phone.evaluate("caches.keys()") != []
    phone.route("**/me/log/sync", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    asked = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    phone.once("dialog", lambda dialog: answer(dialog, accept=False))
    phone.get_by_role("button", name="Sign out").click()
    phone.get_by_text("could not be sent just now").wait_for()
    phone.wait_for_timeout(300)
    assert asked == [
        "1 session saved on this phone has not been sent yet. If you sign out now, it will "
        "be deleted. Sign out anyway?"
    ]
    assert phone.url.endswith("/me/") and phone.evaluate(KEPT) == 1

    phone.once("dialog", lambda dialog: answer(dialog, accept=True))
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url("**/accounts/login/**")
    assert len(asked) == 2
    assert phone.evaluate(KEPT) == 0
    assert phone.evaluate("caches.keys()") == []
    assert phone.evaluate("navigator.serviceWorker.getRegistrations()") == []


def test_sign_out_tapped_offline_keeps_what_the_phone_kept(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The sign-out cannot reach the server, so she stays signed in: the session kept on
    the phone was deleted as the button was pressed all the same, and never arrived. She
    is told she is still signed in, and it is sent once she is back online."""
    phone = one_session_kept_offline(live_server, new_page, patient_a1, clinician_a)
    phone.get_by_role("button", name="Sign out").click()
    phone.get_by_text("No connection, so you are still signed in.").wait_for()
    screenshot(phone, "offline-sign-out-refused-360")
    assert phone.evaluate(KEPT) == 1

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_text("has been sent").wait_for()
    assert phone.get_by_role("heading", name="Hello Amara").is_visible()  # still signed in
    assert SessionLog.objects.get().pain == 2
    assert phone.evaluate(KEPT) == 0


# A log waiting on the phone, put there directly (never sent: no "online" event).
KEEP_ONE = "() => new Promise(ok => { const r = indexedDB.open('limber-offline', 1); \
r.onupgradeneeded = () => r.result.createObjectStore('logs', {keyPath: 'key'}); \
r.onsuccess = () => { const t = r.result.transaction('logs', 'readwrite'); \
t.objectStore('logs').put({key: 'k1', made_at: Date.now(), body: 'pain=2'}); \
t.oncomplete = () => { r.result.close(); ok(); }; }; })"


def test_an_urgent_sign_ticked_offline_gets_its_advice_at_once(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Offline, the session (with the bladder sign ticked) was kept on the phone with only
    "saved on this phone": no "Get help now" until the connection came back."""
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    advice = phone.locator("[data-offline-advice=urgent]")
    assert advice.is_hidden()
    phone.context.set_offline(True)
    phone.locator("label.done-toggle").nth(0).click()
    phone.locator("label[for='id_pain_3']").click()
    phone.get_by_text("Something worrying? Tell us here").click()
    phone.get_by_label("You can't control your bladder", exact=False).check()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    phone.get_by_text("Your session is saved on this phone").wait_for()
    assert advice.is_visible()
    assert "Get help now" in advice.inner_text()
    assert advice.locator("a[href^='tel:']").count() >= 1
    assert phone.locator("[data-offline-advice=stop]").is_hidden()
    screenshot(phone, "offline-urgent-advice-360")
    assert phone.evaluate(KEPT) == 1 and not SessionLog.objects.exists()
    # Back online, the session and its sign reach the clinic: the advice says so, and no
    # "Well done!" sits beside it (found by the phone review: "We could not pass this on
    # to your clinician" stayed, under a green "Well done!").
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_text("with the signs you ticked: we have told your clinician").wait_for()
    assert advice.get_by_text("We have told your clinician.").is_visible()
    assert advice.get_by_text("We could not pass this on to your clinician.").is_hidden()
    assert "Well done" not in phone.locator("main").inner_text()
    assert SessionLog.objects.count() == 1
    screenshot(phone, "offline-urgent-advice-sent-360")


def test_an_urgent_sign_sent_offline_from_the_symptoms_page_gets_its_advice_at_once(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The page for a worrying symptom, sent with no connection: it said only "try again
    when you are back online", though the sign ticked calls for emergency help now."""
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/symptoms/")
    advice = phone.locator("main [data-offline-advice=urgent]")
    assert advice.is_hidden()
    phone.context.set_offline(True)
    phone.get_by_label("You can't control your bladder", exact=False).check()
    phone.get_by_role("button", name="Send to my clinic").click()
    phone.get_by_text("No connection: nothing was sent").wait_for()
    assert advice.is_visible()
    assert "Get help now" in advice.inner_text()
    assert advice.locator("a[href^='tel:']").count() >= 1
    assert advice.get_by_text("We could not pass this on to your clinician.").is_visible()
    assert advice.get_by_text("Sending this to your clinician now.").is_hidden()
    assert phone.locator("[data-offline-advice=stop]").is_hidden()
    screenshot(phone, "offline-symptoms-urgent-advice-360")
    assert not Flag.objects.exists()


# Stands in for the form's own sending (form-keeper.js sends it with requestSubmit once
# the session check answers): reads what the advice says at that moment, sends nothing.
READ_AS_SENT = """() => {
  HTMLFormElement.prototype.requestSubmit = function () {
    window.adviceAsSent = document.querySelector("main [data-offline-advice=urgent]").innerText;
  };
}"""


def test_an_urgent_sign_being_sent_is_not_called_unsent(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """On a slow phone the advice shown as the form went said "We could not pass this on
    to your clinician" for as long as the send took, though it was on its way and arrived
    (found by the phone review): the patient read that the clinic was never told."""
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/symptoms/")
    phone.evaluate(READ_AS_SENT)
    phone.get_by_label("You can't control your bladder", exact=False).check()
    phone.get_by_role("button", name="Send to my clinic").click()
    shown = phone.wait_for_function("() => window.adviceAsSent").json_value()
    assert "Get help now" in shown and "Sending this to your clinician now." in shown
    assert "could not pass this on" not in shown
    screenshot(phone, "symptoms-urgent-advice-while-sending-360")
    assert not Flag.objects.exists()


def test_the_no_connection_notice_never_covers_the_page(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The notice sits over the bottom of the screen: on a short page at 360 px it hid
    the send button, and it could not be closed."""
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 640)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/symptoms/")
    phone.context.set_offline(True)
    send = phone.get_by_role("button", name="Send to my clinic")
    send.click()
    notice = phone.locator("[data-keeper-notice]")
    notice.get_by_text("No connection: nothing was sent").wait_for()
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    shown, button = notice.bounding_box(), send.bounding_box()
    assert button["y"] + button["height"] <= shown["y"], (button, shown)
    send.focus()
    button = send.bounding_box()
    assert button["y"] + button["height"] <= shown["y"], (button, shown)
    screenshot(phone, "offline-notice-clear-of-the-page-360")
    notice.get_by_role("button", name="Close").click()
    assert notice.is_hidden()
    assert phone.evaluate("document.body.style.paddingBottom") == ""


def test_a_send_that_never_answers_does_not_hold_up_signing_out(live_server, new_page, patient_a1):
    """On a poor connection the waiting session's send was accepted and never answered:
    "Sign out" waited for it, with no word, and every further tap was ignored."""
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.evaluate("navigator.serviceWorker.ready")
    phone.evaluate(KEEP_ONE)
    held = []
    phone.route("**/me/log/sync", lambda route: held.append(route))  # never answered
    asked = []
    phone.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_timeout(7_000)
    assert held and asked == [
        "1 session saved on this phone has not been sent yet. If you sign out now, it will be "
        "deleted. Sign out anyway?"
    ]
    # Kept, and still signed in, as the patient chose.
    assert phone.evaluate(KEPT) == 1 and phone.url.endswith("/me/")
