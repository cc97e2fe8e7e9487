"""A patient reports a warning sign: they see what to do at once, and the urgent ones put
them at the top of the clinician's caseload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client

from clinic.models import AuditEvent
from patients.adherence import patient_today
from patients.models import Flag, SessionLog
from patients.services import patient_program_start
from programs.models import Program
from tests.conftest import actor_of, client_for, make_patient

BACK_URGENT = "you can't control your bladder or bowels, or you wet or soil yourself"
BACK_STOP = "pain spreads further down your leg"


@pytest.fixture
def back_program(patient_a1, clinician_a):
    return patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )


def log_with(client, program, signs):
    item = program.items.first()
    return client.post(
        "/me/log/",
        {"client_token": "signs", f"done_{item.pk}": "on", "pain": "3", "signs": signs},
    )


def test_the_today_page_offers_the_programs_own_signs(as_patient_a1, back_program):
    page = as_patient_a1.get("/me/").content.decode()
    assert "Something worrying? Tell us here" in page
    assert "You find it hard to pass urine" in page and "Foot drags" not in page
    # The region's stop box (not the old back-only sentence) and the clinic's phone.
    assert "Stop and call us on" in page and "+1 555 0100" in page
    assert "below your knee" not in page


def test_an_urgent_sign_shows_emergency_advice_and_tops_the_caseload(
    as_patient_a1, as_clinician_a, back_program, patient_a1, clinic_a, clinician_a
):
    for name in ("Aaron", "Abbot"):  # sort before Okafor by name
        make_patient(clinic_a, name, "Early", clinician=clinician_a)
    response = log_with(as_patient_a1, back_program, [BACK_URGENT])
    assert response.status_code == 302 and response["Location"] == "/me/advice/"
    assert SessionLog.objects.count() == 1  # the session itself is kept
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert "Get help now" in advice and "Call <a" in advice and "999" in advice
    # The clinic's own emergency help, not another country's.
    type(clinic_a).objects.filter(pk=clinic_a.pk).update(emergency_region="us")
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert 'href="tel:911"' in advice and "the emergency room now." in advice
    assert 'href="tel:999"' not in advice
    assert "You can&#x27;t control your bladder" in advice
    assert "+1 555 0100" in advice  # and then the clinic
    flag = Flag.objects.get(kind=Flag.Kind.RED_FLAG)
    assert BACK_URGENT in flag.reason
    first = as_clinician_a.get("/portal/").context["page"][0]
    assert first.pk == patient_a1.pk and first.urgent
    assert AuditEvent.objects.filter(action="symptom.report").count() == 1


def test_a_stop_sign_asks_them_to_stop_and_call(as_patient_a1, back_program):
    log_with(as_patient_a1, back_program, [BACK_STOP])
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert "Stop your exercises and call us" in advice and "Get help now" not in advice
    assert Flag.objects.get().kind == Flag.Kind.STOP_SIGN
    # Told at night, "call today" reached a closed clinic, and the page named nothing
    # that would make it an emergency meanwhile (found by the patient review).
    assert "as soon as you can, so we can check what to do" in advice
    assert "today, so we can" not in advice
    assert 'href="tel:999"' in advice and "You can&#x27;t control your bladder" in advice


def test_an_urgent_sign_told_earlier_still_unseen_is_named_beside_a_stop_sign_now(
    as_patient_a1, back_program, patient_a1
):
    """Found by the Spanish review: a stop sign ticked today showed "Get help now" with no
    word of why. The urgent sign told days before, that no clinician has looked at yet,
    keeps the advice, which now says so."""
    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    Flag.objects.filter(kind=Flag.Kind.RED_FLAG).update(
        raised_on=patient_today(patient_a1) - timedelta(days=2)
    )
    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_STOP]})
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert "Get help now" in advice and "Stop your exercises and call us" in advice
    assert "you told us about a sign that needs a doctor straight away" in advice
    # Ticked now, the urgent sign is named in the box, and no "earlier".
    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert "You can&#x27;t control your bladder" in advice
    assert "you told us about a sign" not in advice


def test_a_sign_can_be_reported_without_logging_a_session(as_patient_a1, back_program):
    refused = as_patient_a1.post("/me/symptoms/", {})
    assert "Tick what you noticed" in refused.content.decode()
    response = as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    assert response["Location"] == "/me/advice/"
    assert not SessionLog.objects.exists() and Flag.objects.filter(kind="red_flag").exists()


def test_the_signs_page_is_audited(as_patient_a1, patient_a1, back_program):
    """The page lists the stop signs of the patient's own program: a read of their record,
    as every other page of the patient area is, sent back with an error too."""

    def reads() -> int:
        return AuditEvent.objects.filter(
            actor=patient_a1.user, patient_uuid=patient_a1.uuid, action="patient.symptoms"
        ).count()

    page = as_patient_a1.get("/me/symptoms/")
    assert "You find it hard to pass urine" in page.content.decode()
    assert reads() == 1
    assert "Tick what you noticed" in as_patient_a1.post("/me/symptoms/", {}).content.decode()
    assert reads() == 2


def test_only_the_listed_signs_are_accepted(as_patient_a1, back_program):
    response = log_with(as_patient_a1, back_program, ["<script>anything else</script>"])
    assert response.status_code == 400
    assert not SessionLog.objects.exists() and not Flag.objects.exists()


def test_a_second_report_adds_its_signs_to_the_open_flag(as_patient_a1, back_program):
    """The second report replaced the first one's signs: an urgent sign reported on Monday
    and not yet read left the record on Tuesday, and the flag's date moved with it."""
    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    first_day = Flag.objects.get().raised_on - timedelta(days=1)
    Flag.objects.update(raised_on=first_day)  # reported yesterday
    second = "you feel numb between your legs, around your bottom or your genitals"
    as_patient_a1.post("/me/symptoms/", {"signs": [second]})
    as_patient_a1.post("/me/symptoms/", {"signs": [second, BACK_URGENT]})  # nothing new
    flag = Flag.objects.get(kind=Flag.Kind.RED_FLAG)
    assert flag.reason == f"Urgent sign reported by the patient: {BACK_URGENT}; {second}."
    assert flag.raised_on == first_day


def test_every_sign_offered_at_once_fits_on_the_flag(as_patient_a1, patient_a1):
    """Ticking every urgent sign of a program for the back, neck, shoulder and legs: the
    reason was cut at 300 characters, mid-sign."""
    from clinic.actors import Actor
    from patients.symptoms import symptoms_report
    from programs.safety import BY_REGION, GENERAL, stop_rules_for

    rules = stop_rules_for(list(BY_REGION), emergency=None)
    signs = list(rules.urgent) + list(rules.stop)
    symptoms_report(
        actor=Actor.for_patient(patient_a1), patient=patient_a1, signs=signs, rules=rules
    )
    reasons = " ".join(Flag.objects.values_list("reason", flat=True))
    assert all(sign in reasons for sign in signs) and "see chart" not in reasons
    assert GENERAL.urgent[0] in reasons


def test_another_patient_never_sees_this_advice(back_program, patient_a1, patient_a2):
    client_for(patient_a1.user).post("/me/symptoms/", {"signs": [BACK_URGENT]})
    response = client_for(patient_a2.user).get("/me/advice/")
    assert response.status_code == 302


def test_a_flag_given_new_signs_while_its_page_was_open_is_not_closed_unread(
    as_patient_a1, back_program, clinician_a, admin_a, patient_a1
):
    """The clinician opens the chart (bladder); the patient then reports numbness, which
    joins the open flag; the clinician's "Mark reviewed" closed the flag with the second
    urgent sign unread. Two reviewers at once: the first review stands."""
    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    chart_url = f"/portal/patients/{patient_a1.uuid}/"
    clinician = client_for(clinician_a)
    chart = clinician.get(chart_url).content.decode()
    flag = Flag.objects.get()
    assert f'name="seen" value="{flag.version}"' in chart
    review = {"seen": flag.version, "note": "Phoned: told to go to the emergency room now."}
    second = "you feel numb between your legs, around your bottom or your genitals"
    as_patient_a1.post("/me/symptoms/", {"signs": [second]})
    response = clinician.post(f"{chart_url}flags/{flag.uuid}/review/", review, follow=True)
    assert "New signs were added to this flag" in response.content.decode()
    # The note typed is given back, not lost with the refused form.
    assert "Your note, not saved yet: “Phoned: told to go to the emergency room now.”" in (
        response.content.decode()
    )
    flag.refresh_from_db()
    assert flag.reviewed_at is None and second in flag.reason
    # Read again, then reviewed; a colleague's review of the same page comes second.
    review = {"seen": flag.version, "note": "Phoned: told to go to the emergency room now."}
    clinician.post(f"{chart_url}flags/{flag.uuid}/review/", review)
    flag.refresh_from_db()
    assert flag.reviewed_by == clinician_a
    late = client_for(admin_a).post(f"{chart_url}flags/{flag.uuid}/review/", review, follow=True)
    assert "already reviewed" in late.content.decode()
    flag.refresh_from_db()
    assert flag.reviewed_by == clinician_a
    assert AuditEvent.objects.filter(action="flag.review").count() == 1


def flag_write_fails(execute, sql, params, many, context):
    """The database failing as the flag is written (a restart, a lock timeout)."""
    if sql.lstrip().upper().startswith("INSERT") and "patients_flag" in sql:
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


def test_a_session_with_an_urgent_sign_is_not_half_saved_when_the_flag_cannot_be_written(
    patient_a1, back_program
):
    """The session was saved in one transaction and its signs reported in another, after
    it had committed: a failed flag write kept the session and lost the urgent sign (no
    red flag on the caseload, the patient on a 500 page instead of "Get help now")."""
    browser = Client(raise_request_exception=False)
    browser.force_login(patient_a1.user)
    with connection.execute_wrapper(flag_write_fails):
        response = log_with(browser, back_program, [BACK_URGENT])
    sessions = SessionLog.objects.filter(patient=patient_a1).count()
    flags = Flag.objects.filter(patient=patient_a1, kind=Flag.Kind.RED_FLAG).count()
    # All or nothing: never a session kept while the urgent sign it carried is dropped.
    assert (sessions, flags) in {(0, 0), (1, 1)}, (response.status_code, sessions, flags)


def test_a_failed_save_says_so_and_still_gives_the_urgent_advice(
    as_patient_a1, patient_a1, back_program
):
    """What to do about an urgent sign must not depend on the save: the page says nothing
    was saved (not that the clinician was told) and still says to get help now."""
    with connection.execute_wrapper(flag_write_fails):
        response = log_with(as_patient_a1, back_program, [BACK_URGENT, BACK_STOP])
    page = response.content.decode()
    assert response.status_code == 503
    assert not SessionLog.objects.exists() and not Flag.objects.exists()
    assert "Get help now" in page and 'href="tel:999"' in page
    assert "You can&#x27;t control your bladder" in page  # what to tell them
    assert "Stop your exercises and call us" in page and "Pain spreads further" in page
    assert "Your session was not saved" in page and "try again" in page
    assert "We have told your clinician" not in page
    assert "We could not pass this on to your clinician" in page
    # Sent again once the database is back: saved, with its flag, and the usual advice.
    again = log_with(as_patient_a1, back_program, [BACK_URGENT])
    assert again["Location"] == "/me/advice/"
    assert SessionLog.objects.count() == 1
    assert Flag.objects.filter(kind=Flag.Kind.RED_FLAG).count() == 1


def test_a_failed_save_without_signs_says_it_was_not_saved(as_patient_a1, back_program):
    def session_write_fails(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and "patients_sessionlog" in sql:
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(session_write_fails):
        response = log_with(as_patient_a1, back_program, [])
    page = response.content.decode()
    assert response.status_code == 503 and not SessionLog.objects.exists()
    assert "Your session was not saved" in page and "Get help now" not in page


def test_an_urgent_flag_is_not_closed_without_saying_what_was_done(
    as_patient_a1, back_program, clinician_a, patient_a1
):
    """Found by the clinician review: one tap on "Mark reviewed" closed a cauda equina
    sign with no trace of what was done, and it looked like any other flag. Now it leads
    the chart, marked urgent, and asks what was done before it closes."""
    from tests.factories import FlagFactory

    # A lesser sign reported today, the urgent one days before: the urgent one leads.
    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    urgent = Flag.objects.get()
    Flag.objects.filter(pk=urgent.pk).update(raised_on=urgent.raised_on - timedelta(days=3))
    FlagFactory(patient=patient_a1)  # high pain, today
    chart_url = f"/portal/patients/{patient_a1.uuid}/"
    clinician = client_for(clinician_a)
    page = clinician.get(chart_url).content.decode()
    flags = page[page.index('id="flags-heading"') :]
    assert flags.index("Urgent symptom reported") < flags.index("High pain during exercise")
    assert f'id="flag-note-{urgent.uuid}" name="note" rows="2" maxlength="500" required' in page

    review = f"{chart_url}flags/{urgent.uuid}/review/"
    urgent.refresh_from_db()
    for note in ("", "   "):
        refused = clinician.post(review, {"seen": urgent.version, "note": note}, follow=True)
        assert "say what was done about this urgent symptom" in refused.content.decode()
        urgent.refresh_from_db()
        assert urgent.reviewed_at is None
    note = "Phoned <Ann>: told to go to the emergency room now."
    clinician.post(review, {"seen": urgent.version, "note": note})
    urgent.refresh_from_db()
    assert (urgent.reviewed_by, urgent.review_note) == (clinician_a, note)
    shown = clinician.get(chart_url).content.decode()
    assert "“Phoned &lt;Ann&gt;: told to go to the emergency room now.”" in shown


def test_a_lesser_flag_closes_with_or_without_a_note(as_clinician_a, patient_a1):
    from tests.factories import FlagFactory

    quiet, noted = (
        FlagFactory(patient=patient_a1),
        FlagFactory(patient=patient_a1, kind=Flag.Kind.PAIN_RISING),
    )
    chart_url = f"/portal/patients/{patient_a1.uuid}/"
    as_clinician_a.post(f"{chart_url}flags/{quiet.uuid}/review/", {"seen": quiet.version})
    as_clinician_a.post(
        f"{chart_url}flags/{noted.uuid}/review/", {"seen": noted.version, "note": " Dose halved. "}
    )
    quiet.refresh_from_db()
    noted.refresh_from_db()
    assert quiet.reviewed_at and quiet.review_note == ""
    assert noted.reviewed_at and noted.review_note == "Dose halved."


def test_today_keeps_saying_what_to_do_until_a_clinician_has_seen_the_sign(
    as_patient_a1, back_program, clinician_a, patient_a1
):
    """Found by the phone review: after the advice page, Today looked as usual ("Due
    today", "Start timer"), inviting the patient to carry on exercising."""
    assert "What to do now" not in as_patient_a1.get("/me/").content.decode()
    stop_sign = "pain spreads further down your leg"
    as_patient_a1.post("/me/symptoms/", {"signs": [stop_sign]})
    today = as_patient_a1.get("/me/").content.decode()
    assert "You told us about a warning sign." in today and 'href="/me/advice/"' in today
    assert "needs a doctor straight away" not in today

    as_patient_a1.post("/me/symptoms/", {"signs": [BACK_URGENT]})
    today = as_patient_a1.get("/me/").content.decode()
    assert "You told us about a sign that needs a doctor straight away." in today
    assert "Do not do your exercises until a doctor has seen you." in today

    # Seen by the clinician (each flag marked reviewed): Today is as before.
    clinician = client_for(clinician_a)
    for flag in Flag.objects.open():
        clinician.post(
            f"/portal/patients/{patient_a1.uuid}/flags/{flag.uuid}/review/",
            {"seen": flag.version, "note": "Phoned: seen by the GP today, all clear."},
        )
    assert not Flag.objects.open().exists()
    assert "What to do now" not in as_patient_a1.get("/me/").content.decode()
