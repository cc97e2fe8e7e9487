"""An e-mail queued earlier goes out only if it still should when the worker sends it: a
handout waits for its render and the mail server's retries (hours), and the record it
was queued for may be corrected or closed meanwhile."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.mail import queue_email
from clinic.models import Membership, OutgoingEmail
from clinic.tasks import emails_resume
from patients.digests import digests_send
from patients.models import (
    OutcomeAssignment,
    OutcomeResponse,
    OutcomeSchedule,
    ReminderSetting,
)
from patients.outcomes import outcome_assign, outcome_record
from patients.reminders import reminders_update
from patients.tasks import questionnaires_ask
from tests.conftest import actor_of, client_for, mail_server_down, run_tasks
from tests.factories import FlagFactory

UTC = ZoneInfo("UTC")


def patient_details(patient, **changes) -> dict:
    data = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else "",
        "email": patient.email,
        "phone": patient.phone,
        "preferred_language": patient.preferred_language,
        "clinician": patient.clinician_id or "",
        "external_id": patient.external_id,
    }
    return {**data, **changes}


def queued_for(patient, kind=OutgoingEmail.Kind.HANDOUT) -> OutgoingEmail:
    return queue_email(
        kind=kind,
        clinic=patient.clinic,
        patient_uuid=patient.uuid,
        recipient=patient.user,
        to=patient.email,
        subject="Your exercises",
        body="Hello",
    )


def test_a_queued_handout_is_not_sent_to_an_address_the_clinic_corrected_since(
    clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks
):
    """The handout (name, birth date, program) was mailed to the mistyped address the
    clinician had corrected while it waited for its render or a retry."""
    wrong = patient_a1.email
    clinician = client_for(clinician_a)
    handout = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/handout/email/"
    with django_capture_on_commit_callbacks(execute=True):
        assert clinician.post(handout).status_code == 302
    edited = clinician.post(
        f"/portal/patients/{patient_a1.uuid}/edit/",
        patient_details(patient_a1, email="amara.right@example.test"),
    )
    assert edited.status_code == 302
    run_tasks()
    assert wrong not in [address for message in mail.outbox for address in message.to]
    email = OutgoingEmail.objects.get(kind="handout")
    assert email.status == OutgoingEmail.Status.STOPPED
    chart = clinician.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "not sent: the patient&#x27;s e-mail address changed after it was queued" in chart


def test_nothing_queued_goes_to_an_archived_record(
    patient_a1, clinician_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued_for(patient_a1)
    client_for(clinician_a).post(f"/portal/patients/{patient_a1.uuid}/archive/")
    run_tasks()
    assert mail.outbox == []
    assert OutgoingEmail.objects.get().last_error == "the patient's record was archived"


@pytest.mark.parametrize("kind", [OutgoingEmail.Kind.REMINDER, OutgoingEmail.Kind.QUESTIONNAIRE])
def test_a_reminder_queued_before_the_patient_turned_reminders_off_is_not_sent(
    patient_a1, django_capture_on_commit_callbacks, kind
):
    ReminderSetting.objects.update_or_create(
        patient=patient_a1, defaults={"enabled": True, "consent_at": datetime.now(UTC)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued_for(patient_a1, kind)
    ReminderSetting.objects.filter(patient=patient_a1).update(enabled=False)
    run_tasks()
    assert mail.outbox == []
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.STOPPED


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def nudged(patient_a1, clinician_a, clinic_a_on_utc, django_capture_on_commit_callbacks):
    """Amara (UTC; reminders at 18:00, quiet hours 21:00 to 08:00) has an RMDQ every four
    weeks: the daily sweep at 05:15 on 30 November asks for it and queues the nudge."""
    with time_machine.travel(at(2, 9), tick=False):
        outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="rmdq", every_weeks=4)
        reminders_update(
            actor=actor_of(clinician_a), patient=patient_a1, enabled=True, consent=True
        )
    OutcomeAssignment.objects.all().delete()  # the baseline was answered
    with (
        time_machine.travel(at(30, 5, 15), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        questionnaires_ask.call()
    return OutgoingEmail.objects.get(kind="questionnaire")


def test_a_nudge_that_meets_quiet_hours_is_held_and_sent_when_they_end(
    nudged, patient_a1, clinician_a, monkeypatch
):
    """The worker is down from before 18:00 to 20:55 (the nudge's time missed: it still
    goes), and then the mail server refuses it. Its retry comes at 21:10, in quiet hours:
    held until 08:00, not counted as an attempt, and not woken in the night."""
    mail_server_down(monkeypatch)
    with time_machine.travel(at(30, 20, 55), tick=False):
        run_tasks()
    nudged.refresh_from_db()
    assert (nudged.status, nudged.attempts) == (OutgoingEmail.Status.RETRYING, 1)
    monkeypatch.undo()
    with time_machine.travel(at(30, 21, 10), tick=False):
        run_tasks()
        chart = client_for(clinician_a).get(f"/portal/patients/{patient_a1.uuid}/")
    nudged.refresh_from_db()
    assert mail.outbox == []
    assert (nudged.status, nudged.attempts) == (OutgoingEmail.Status.QUEUED, 1)
    assert nudged.not_before == at(30, 8) + timedelta(days=1)
    assert "waiting to be sent: held until" in chart.content.decode()
    moment = at(30, 21, 22)
    while moment < at(30, 8) + timedelta(days=1):
        with time_machine.travel(moment, tick=False):
            assert emails_resume.call() == 0
            assert run_tasks() == 0
        moment += timedelta(minutes=15)
    assert mail.outbox == []
    with time_machine.travel(at(30, 8) + timedelta(days=1), tick=False):
        run_tasks()
    nudged.refresh_from_db()
    assert (nudged.status, nudged.attempts) == (OutgoingEmail.Status.SENT, 2)
    assert mail.outbox[0].to == [patient_a1.email]


def test_a_nudge_for_a_questionnaire_answered_while_it_waited_is_not_sent(
    nudged, patient_a1, clinician_a
):
    with time_machine.travel(at(30, 5, 15), tick=False):
        run_tasks()  # held until 18:00, the patient's time
    with time_machine.travel(at(30, 12), tick=False):
        outcome_record(
            patient=patient_a1,
            code="rmdq",
            answers=[False] * 24,
            completed_on=at(30, 12).date(),
            actor=actor_of(clinician_a),
            source=OutcomeResponse.Source.CLINICIAN,
        )
    not_sent_at_their_time(nudged)


def not_sent_at_their_time(nudged) -> None:
    """At 18:00, the patient's time, the held nudge is stopped: nothing is waiting."""
    with time_machine.travel(at(30, 18), tick=False):
        run_tasks()
    nudged.refresh_from_db()
    assert mail.outbox == []
    assert (nudged.status, nudged.last_error) == (
        OutgoingEmail.Status.STOPPED,
        "the questionnaire was answered or withdrawn meanwhile",
    )


def test_a_nudge_for_a_questionnaire_the_clinic_stopped_asking_for_is_not_sent(
    nudged, as_clinician_a, patient_a1
):
    with time_machine.travel(at(30, 5, 15), tick=False):
        run_tasks()  # held until 18:00, the patient's time
    schedule = OutcomeSchedule.objects.get()
    with time_machine.travel(at(30, 12), tick=False):
        as_clinician_a.post(
            f"/portal/patients/{patient_a1.uuid}/outcomes/schedules/{schedule.uuid}/end/",
            {"once": "n" * 32},
        )
    not_sent_at_their_time(nudged)


def test_what_still_should_go_out_goes_out(patient_a1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued_for(patient_a1)
    run_tasks()
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    assert mail.outbox[0].to == [patient_a1.email]


def demote(admin, clinician) -> None:
    membership = Membership.objects.get(user=clinician)
    # Confirmed: they are in charge of patients, so the page asks first.
    client_for(admin).post(
        f"/portal/staff/{membership.uuid}/",
        {"action": "role", "role": "front_desk", "confirm": "1"},
    )
    membership.refresh_from_db()
    assert membership.role == Membership.Role.FRONT_DESK


def test_a_clinician_moved_to_the_front_desk_gets_no_clinical_digest(
    admin_a, clinician_a, patient_a1, django_capture_on_commit_callbacks
):
    """They kept getting counts of flags and quiet patients, and could not reach the page
    that turns the digest off."""
    Membership.objects.filter(user=clinician_a).update(weekly_digest=True)
    FlagFactory(
        patient=patient_a1,
        reason="Pain 8",
        raised_on=datetime(2026, 11, 27, tzinfo=UTC).date(),
    )
    with (
        time_machine.travel(datetime(2026, 11, 30, 7, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert digests_send() == 1  # queued while still a clinician
        demote(admin_a, clinician_a)
        assert client_for(clinician_a).get("/portal/preferences/").status_code == 403
        assert digests_send() == 0
    run_tasks()
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(kind="digest").status == OutgoingEmail.Status.STOPPED


def test_a_held_nudge_goes_at_the_reminder_time_the_patient_set_while_it_waited(
    patient_a1, clinician_a, clinic_a_on_utc, django_capture_on_commit_callbacks
):
    """The nudge is held until 18:00, the patient's reminder time. At 07:00 the patient
    moves their reminders to 09:00. Nothing woke the held e-mail (its task was set for
    18:00, emails_resume waits for not_before + 15 minutes): it went nine hours late."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from clinic.actors import Actor
    from clinic.tasks import emails_resume
    from patients.models import OutcomeAssignment
    from patients.outcomes import outcome_assign
    from patients.reminders import reminders_update
    from patients.tasks import questionnaires_ask
    from tests.conftest import actor_of

    utc = ZoneInfo("UTC")

    def at(day, hour, minute=0):
        return datetime(2026, 11, day, hour, minute, tzinfo=utc)

    with time_machine.travel(at(2, 9), tick=False):
        outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="rmdq", every_weeks=4)
        reminders_update(
            actor=actor_of(clinician_a), patient=patient_a1, enabled=True, consent=True
        )
    OutcomeAssignment.objects.all().delete()
    with (
        time_machine.travel(at(30, 0, 12), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        questionnaires_ask.call()
    with time_machine.travel(at(30, 0, 13), tick=False):
        run_tasks()
    nudge = OutgoingEmail.objects.get(kind="questionnaire")
    assert nudge.status == "queued" and nudge.not_before == at(30, 18)
    with (
        time_machine.travel(at(30, 7), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_update(
            actor=Actor.for_patient(patient_a1),
            patient=patient_a1,
            enabled=True,
            time_of_day=time(9, 0),
        )
    moment = at(30, 9)
    while moment <= at(30, 11):
        with time_machine.travel(moment, tick=False):
            emails_resume.call()
            run_tasks()
        moment += timedelta(minutes=15)
    nudge.refresh_from_db()
    assert nudge.status == "sent", (nudge.status, nudge.not_before)


def _email(clinic, patient, *, days, status="sent", kind="reminder", error=""):
    return OutgoingEmail.objects.create(
        clinic=clinic,
        patient_uuid=patient.uuid,
        kind=kind,
        to=patient.email,
        subject="s",
        body="b",
        status=status,
        last_error=error,
        created_at=timezone.now() - timedelta(days=days),
    )


def test_a_failed_handout_email_stays_on_the_chart_behind_five_reminders(
    as_clinician_a, clinic_a, patient_a1
):
    """The chart's 'Recent e-mails' were the latest five: a failure dropped off behind
    five reminders, and nothing said so."""
    _email(clinic_a, patient_a1, days=6, status="failed", kind="handout", error="Mailbox full")
    _email(clinic_a, patient_a1, days=7, status="retrying", error="Server busy (421)")
    for day in range(5, 0, -1):
        _email(clinic_a, patient_a1, days=day)
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Mailbox full" in chart and "Server busy (421)" in chart
    assert chart.index("Mailbox full") > chart.index("Exercise reminder")  # newest first


def test_the_chart_keeps_an_email_failure_for_30_days_and_not_the_deliberate_stops(
    as_clinician_a, clinic_a, patient_a1
):
    _email(clinic_a, patient_a1, days=31, status="failed", error="Mailbox full")
    _email(clinic_a, patient_a1, days=29, status="failed", kind="handout", error="Refused (550)")
    _email(clinic_a, patient_a1, days=20, status="stopped", error="had already exercised")
    for day in range(5, 0, -1):
        _email(clinic_a, patient_a1, days=day)
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Refused (550)" in chart
    assert "Mailbox full" not in chart and "had already exercised" not in chart
    assert chart.count("Exercise reminder ·") == 5


def test_the_chart_reads_what_it_prints_of_an_email_not_its_body(
    as_clinician_a, clinic_a, patient_a1
):
    """The chart lists each e-mail's kind, time and status: the text sent to the patient
    (and any link in it) is not read into the page's process for that."""
    _email(clinic_a, patient_a1, days=1, status="failed", error="Mailbox full")
    with CaptureQueriesContext(connection) as queries:
        chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Mailbox full" in chart
    [read] = [q["sql"] for q in queries if 'FROM "clinic_outgoingemail"' in q["sql"]]
    assert '"clinic_outgoingemail"."body"' not in read
    assert '"clinic_outgoingemail"."unsubscribe_url"' not in read


def two_questionnaires_fall_due(clinician_a, patient_a1, capture, *, lefs_on=2) -> dict:
    """Amara (UTC; reminders at 18:00) has an RMDQ and a LEFS every four weeks, set up on 2
    and `lefs_on` November; the sweep at 05:15 on 30 November asks for both (a LEFS set
    up earlier was due days ago: the worker was down)."""
    with time_machine.travel(at(2, 9), tick=False):
        outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="rmdq", every_weeks=4)
        reminders_update(
            actor=actor_of(clinician_a), patient=patient_a1, enabled=True, consent=True
        )
    with time_machine.travel(at(lefs_on, 9), tick=False):
        outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="lefs", every_weeks=4)
    OutcomeAssignment.objects.all().delete()  # the baselines were answered
    with time_machine.travel(at(30, 5, 15), tick=False), capture(execute=True):
        return questionnaires_ask.call()


@pytest.mark.parametrize("lefs_on", [2, 1])
def test_two_questionnaires_due_together_are_both_asked_for_in_one_nudge(
    patient_a1, clinician_a, clinic_a_on_utc, django_capture_on_commit_callbacks, lefs_on
):
    """Both nudges had the once-a-day key of their due day: the second, on the same day,
    was the first e-mail again (counted as sent all the same), whose text asked for "a
    short questionnaire", so the patient never heard of the other one; due on different
    days (dates missed while the worker was down), they were two e-mails at once."""
    ran = two_questionnaires_fall_due(
        clinician_a, patient_a1, django_capture_on_commit_callbacks, lefs_on=lefs_on
    )
    assert ran == {"questionnaires asked": 2, "questionnaire e-mails": 1}
    with time_machine.travel(at(30, 18), tick=False):
        run_tasks()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.subject == "Limber: Questions from your clinic"
    assert "fill in 2 short questionnaires" in sent.body
    # A questionnaire's name says what it measures: the e-mail never names one.
    assert "Roland-Morris" not in sent.body and "Lower Extremity" not in sent.body
    assert "RMDQ" not in sent.body and "LEFS" not in sent.body


def test_a_nudge_counts_only_the_questionnaires_still_waiting_when_it_goes(
    patient_a1, clinician_a, clinic_a_on_utc, django_capture_on_commit_callbacks
):
    """The patient answers the RMDQ on their Today page before their reminder time: the
    nudge at 18:00 asks for one questionnaire, not two."""
    two_questionnaires_fall_due(clinician_a, patient_a1, django_capture_on_commit_callbacks)
    with time_machine.travel(at(30, 5, 15), tick=False):
        run_tasks()  # held until 18:00, the patient's time
    with time_machine.travel(at(30, 12), tick=False):
        outcome_record(
            patient=patient_a1,
            code="rmdq",
            answers=[False] * 24,
            completed_on=at(30, 12).date(),
            actor=actor_of(clinician_a),
            source=OutcomeResponse.Source.PATIENT,
        )
    with time_machine.travel(at(30, 18), tick=False):
        run_tasks()
    body = mail.outbox[0].body
    assert "fill in a short questionnaire" in body and "2 short" not in body
    # The subject was written at queueing, for two: it says no count the body contradicts.
    assert mail.outbox[0].subject == "Limber: Questions from your clinic"


def rmdq_nudge_queued_on_the_30th(clinician_a, patient_a1, capture) -> None:
    """Amara's RMDQ falls due on 30 November, her LEFS on 1 December: the sweep of the 30th
    queues the RMDQ's nudge, which waits (the worker is down)."""
    with time_machine.travel(at(2, 9), tick=False):
        outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="rmdq", every_weeks=4)
        reminders_update(
            actor=actor_of(clinician_a), patient=patient_a1, enabled=True, consent=True
        )
    with time_machine.travel(at(3, 9), tick=False):
        outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="lefs", every_weeks=4)
    OutcomeAssignment.objects.all().delete()  # the baselines were answered
    with time_machine.travel(at(30, 5, 15), tick=False), capture(execute=True):
        assert questionnaires_ask.call()["questionnaire e-mails"] == 1


def test_two_nudges_of_two_days_never_reach_the_patient_together(
    patient_a1, clinician_a, clinic_a_on_utc, django_capture_on_commit_callbacks
):
    """Review (h5): the once-a-day key is the sweep's day, and each nudge's text counts
    every questionnaire waiting as it goes. The RMDQ falls due on 30 November, the LEFS on
    1 December; the worker is down from the morning of the 30th until 19:00 on the 1st.
    Back up, it sends the 30th's nudge (its time has come) and the 1st's (18:00 has come
    too): two e-mails at once, each asking for the same 2 questionnaires."""
    rmdq_nudge_queued_on_the_30th(clinician_a, patient_a1, django_capture_on_commit_callbacks)
    later = datetime(2026, 12, 1, 19, tzinfo=UTC)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert questionnaires_ask.call()["questionnaires asked"] == 1
    with time_machine.travel(later, tick=False):
        run_tasks()
    assert len(mail.outbox) == 1, [m.body for m in mail.outbox]


def test_a_nudge_stopped_for_its_old_address_leaves_the_next_questionnaire_unnudged(
    patient_a1, clinician_a, clinic_a_on_utc, django_capture_on_commit_callbacks
):
    """Review (h6): a nudge on its way holds back the next questionnaire's (it is to count
    it as it goes), but it may never go: the RMDQ's nudge of 30 November waits (the worker
    is down), the clinic corrects the patient's address, the LEFS falls due on 1 December
    and gets no nudge because the first one is still queued; the worker comes back and
    stops the first one (queued for the old address). The patient, reminders on and a
    good address, hears of neither questionnaire."""
    from patients.models import Patient

    rmdq_nudge_queued_on_the_30th(clinician_a, patient_a1, django_capture_on_commit_callbacks)
    # The clinic corrects the patient's address while the worker is down.
    Patient.objects.filter(pk=patient_a1.pk).update(email="amara.new@example.test")
    later = datetime(2026, 12, 1, 19, tzinfo=UTC)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert questionnaires_ask.call()["questionnaires asked"] == 1
    with time_machine.travel(later, tick=False):
        run_tasks()
    assert [m.to for m in mail.outbox] == [["amara.new@example.test"]], (
        "no nudge reached the patient's corrected address"
    )


def test_the_digests_link_lists_the_flags_it_counted(as_clinician_a, clinician_a, clinic_a):
    """The digest counts the clinic's flags; its link opened the reader's own list, where
    a colleague's flagged patient is not ("None of your patients needs attention")."""
    import re

    from patients import caseload
    from tests.conftest import make_patient, make_staff

    make_patient(clinic_a, "Amy", "Mine", clinician=clinician_a, login=False)
    colleague = make_staff(clinic_a, "dee@example.test", Membership.Role.CLINICIAN, "Dee")
    theirs = make_patient(clinic_a, "Zed", "Colleaguepatient", clinician=colleague, login=False)
    FlagFactory(patient=theirs, reason="Pain 8")
    caseload.refresh_one(theirs)
    Membership.objects.filter(user=clinician_a).update(weekly_digest=True)
    assert digests_send() == 1
    body = OutgoingEmail.objects.get(kind="digest").body
    assert "New flags this week: 1" in body
    (url,) = re.findall(r"https?://[^/\s]+(/portal/\S*)", body)
    assert "Colleaguepatient" in as_clinician_a.get(url).content.decode()
