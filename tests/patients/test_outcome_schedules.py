"""Questionnaires that ask themselves (baseline, every N weeks, at discharge), the daily
sweep that runs them, and the clinician's weekly digest."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail

from clinic.models import AuditEvent, Membership, OutgoingEmail
from patients.digests import digests_send
from patients.models import OutcomeAssignment, OutcomeResponse, OutcomeSchedule
from patients.outcomes import outcome_assign, outcome_record
from patients.reminders import questionnaire_nudges, reminders_update
from patients.services import patient_program_start
from patients.tasks import questionnaires_ask
from programs.models import Program
from tests.conftest import actor_of, client_for, run_tasks
from tests.factories import FlagFactory, OutcomeAssignmentFactory

UTC = ZoneInfo("UTC")


def at(month, day, hour=9):
    return datetime(2026, month, day, hour, tzinfo=UTC)


def assign(client, patient, **extra):
    return client.post(
        f"/portal/patients/{patient.uuid}/outcomes/assign/", {"code": "rmdq", **extra}
    )


def test_a_schedule_asks_at_baseline_then_every_n_weeks(as_clinician_a, patient_a1):
    with time_machine.travel(at(10, 5), tick=False):
        assign(as_clinician_a, patient_a1, every_weeks="4")
    baseline = OutcomeAssignment.objects.get()
    assert str(baseline.due_on) == "2026-10-05"
    schedule = OutcomeSchedule.objects.get()
    assert str(schedule.next_due) == "2026-11-02"
    # The patient answers; four weeks later the sweep asks again.
    OutcomeAssignment.objects.filter(pk=baseline.pk).update(response=None)
    baseline.delete()
    with time_machine.travel(at(11, 2), tick=False):
        questionnaires_ask.call()
    again = OutcomeAssignment.objects.get()
    assert str(again.due_on) == "2026-11-02" and again.schedule == schedule
    schedule.refresh_from_db()
    assert str(schedule.next_due) == "2026-11-30"


def test_the_hourly_sweep_asks_on_the_patients_day_and_reads_only_schedules_due_by_then(
    clinic_a_on_utc, as_clinician_a, patient_a1, patient_a2
):
    """At 11:00 UTC on 1 November it is already 2 November on Kiritimati (UTC+14): a
    schedule due that day asks there, though the sweep no longer reads the schedules due
    after tomorrow in UTC, nor asks a patient in UTC before their day."""
    from django.db.models.signals import post_init

    for patient in (patient_a1, patient_a2):
        with time_machine.travel(at(10, 5), tick=False):
            assign(as_clinician_a, patient, every_weeks="4")  # next due on 2 November
    patient_a1.timezone = "Pacific/Kiritimati"
    patient_a1.save(update_fields=["timezone"])
    OutcomeAssignment.objects.all().delete()
    with time_machine.travel(at(11, 1, hour=11), tick=False):
        questionnaires_ask.call()
    assert [a.patient for a in OutcomeAssignment.objects.all()] == [patient_a1]
    read = []

    def counted(instance, **kwargs):
        read.append(instance)

    post_init.connect(counted, sender=OutcomeSchedule)
    try:
        with time_machine.travel(at(10, 30, hour=11), tick=False):
            questionnaires_ask.call()
    finally:
        post_init.disconnect(counted, sender=OutcomeSchedule)
    assert not OutcomeAssignment.objects.filter(patient=patient_a2).exists()
    # Two days early everywhere (and Amara's next is in four weeks): none is read.
    assert read == []


def test_missed_dates_ask_once_not_once_per_date(as_clinician_a, patient_a1):
    with time_machine.travel(at(8, 3), tick=False):
        assign(as_clinician_a, patient_a1, every_weeks="2")
    OutcomeAssignment.objects.all().delete()
    with time_machine.travel(at(11, 20), tick=False):
        questionnaires_ask.call()
        questionnaires_ask.call()
    assert OutcomeAssignment.objects.count() == 1
    assert OutcomeSchedule.objects.get().next_due > at(11, 20).date()


def test_discharge_asks_and_ends_the_schedule(as_clinician_a, patient_a1, clinician_a):
    program = patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    assign(as_clinician_a, patient_a1, at_discharge="on")
    OutcomeAssignment.objects.all().delete()
    as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/status/",
        {"status": "completed", "confirm": "1"},
    )
    assert OutcomeAssignment.objects.filter(code="rmdq", response__isnull=True).count() == 1
    assert OutcomeSchedule.objects.get().ended_at is not None


def test_starting_a_new_program_is_not_a_discharge(as_clinician_a, patient_a1, clinician_a):
    template = Program.objects.get(template_key="low-back-early-movement")
    patient_program_start(actor=actor_of(clinician_a), patient=patient_a1, source=template)
    assign(as_clinician_a, patient_a1, at_discharge="on")
    OutcomeAssignment.objects.all().delete()
    patient_program_start(actor=actor_of(clinician_a), patient=patient_a1, source=template)
    assert not OutcomeAssignment.objects.exists()


def test_a_patient_with_reminders_hears_about_a_questionnaire_that_falls_due(
    as_clinician_a, patient_a1, clinician_a, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(10, 5), tick=False):
        assign(as_clinician_a, patient_a1, every_weeks="4")
        reminders_update(
            actor=actor_of(clinician_a), patient=patient_a1, enabled=True, consent=True
        )
    OutcomeAssignment.objects.all().delete()
    with (
        time_machine.travel(at(11, 2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        questionnaires_ask.call()
    email = OutgoingEmail.objects.get(kind="questionnaire")
    assert email.subject == "Limber: Questions from your clinic" and "RMDQ" not in email.body


def test_a_questionnaire_without_a_due_date_is_nudged_on_the_patients_day(patient_a1, clinician_a):
    """Assignments from before due dates were always set have none: the once-a-day key
    is the patient's day, not the server's (UTC here, a day behind Auckland's evening)."""
    patient_a1.timezone = "Pacific/Auckland"
    patient_a1.save(update_fields=["timezone"])
    reminders_update(actor=actor_of(clinician_a), patient=patient_a1, enabled=True, consent=True)
    undated = OutcomeAssignmentFactory(
        patient=patient_a1, code="rmdq", assigned_by=clinician_a, due_on=None
    )
    with time_machine.travel(at(11, 2, hour=20), tick=False):
        assert questionnaire_nudges([undated]) == 1
    email = OutgoingEmail.objects.get(kind="questionnaire")
    assert email.dedupe_key.endswith(":2026-11-03")


def test_the_measures_page_shows_due_overdue_and_the_schedule(as_clinician_a, patient_a1):
    with time_machine.travel(at(10, 5), tick=False):
        assign(as_clinician_a, patient_a1, every_weeks="4")
    with time_machine.travel(at(10, 20), tick=False):
        page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/measures/").content.decode()
    assert "RMDQ: due 5 Oct 2026" in page and "Overdue" in page
    assert "every 4 weeks, next 2 Nov 2026" in page
    schedule = OutcomeSchedule.objects.get()
    as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/outcomes/schedules/{schedule.uuid}/end/"
    )
    schedule.refresh_from_db()
    assert schedule.ended_at is not None


def test_the_digest_gives_counts_and_no_names(
    clinician_a, patient_a1, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=clinician_a).update(weekly_digest=True)
    FlagFactory(patient=patient_a1, reason="Pain 8", raised_on=at(11, 27).date())
    with (
        time_machine.travel(at(11, 30, 7), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert digests_send() == 1
        assert digests_send() == 1  # the same week: the first one stands
    run_tasks()
    assert OutgoingEmail.objects.filter(kind="digest").count() == 1
    message = mail.outbox[-1]
    assert message.to == [clinician_a.email] and "New flags this week: 1" in message.body
    assert "Okafor" not in message.body and "Amara" not in message.body


def test_only_members_who_asked_get_a_digest(as_clinician_a, clinician_a, admin_a):
    as_clinician_a.post("/portal/preferences/", {"weekly_digest": "on"})
    assert Membership.objects.get(user=clinician_a).weekly_digest
    assert not Membership.objects.get(user=admin_a).weekly_digest
    assert digests_send() == 1


def test_an_old_paper_questionnaire_typed_in_now_does_not_answer_todays_request(
    patient_a1, clinician_a
):
    """The intake's paper NPRS from five weeks ago, entered now, closed the request the
    schedule made today: the follow-up was never asked again."""
    from datetime import date, timedelta

    from patients.models import OutcomeResponse
    from patients.outcomes import outcome_record

    OutcomeAssignmentFactory(
        patient=patient_a1, code="nprs", assigned_by=clinician_a, due_on=date.today()
    )
    old = outcome_record(
        patient=patient_a1,
        code="nprs",
        answers={"best": 5, "worst": 8, "now": 6},
        completed_on=date.today() - timedelta(weeks=5),
        actor=actor_of(clinician_a),
        source=OutcomeResponse.Source.CLINICIAN,
    )
    assert OutcomeAssignment.objects.get().response is None
    today = outcome_record(
        patient=patient_a1,
        code="nprs",
        answers={"best": 2, "worst": 4, "now": 3},
        completed_on=date.today(),
        actor=actor_of(clinician_a),
        source=OutcomeResponse.Source.CLINICIAN,
    )
    assert OutcomeAssignment.objects.get().response == today != old


def test_a_patient_west_of_the_server_is_asked_on_their_own_day(
    as_clinician_a, patient_a1, settings
):
    """Due on 2 November in Los Angeles. Asked by a once-a-day sweep at 05:15 server time
    (UTC), it was 21:15 on the 1st there: not yet; the next sweep came at 21:15 on the
    2nd, a day late. The periodic tasks, run at their own times through the 2nd (UTC) as
    the scheduler runs them, ask within the patient's first hour."""
    from datetime import timedelta

    from apscheduler.triggers.cron import CronTrigger
    from django.utils.module_loading import import_string

    patient_a1.timezone = "America/Los_Angeles"
    patient_a1.save(update_fields=["timezone"])
    with time_machine.travel(at(10, 5), tick=False):
        assign(as_clinician_a, patient_a1, every_weeks="4")
    OutcomeAssignment.objects.all().delete()
    assert str(OutcomeSchedule.objects.get().next_due) == "2026-11-02"
    start = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    runs = []
    for path, cron in settings.PERIODIC_TASKS:
        trigger = CronTrigger.from_crontab(cron, timezone=UTC)
        moment = trigger.get_next_fire_time(None, start)
        while moment < start + timedelta(days=1):
            runs.append((moment, path))
            moment = trigger.get_next_fire_time(moment, moment + timedelta(minutes=1))
    asked_at = None
    for moment, path in sorted(runs):
        if "questionnaire" not in path and "sweep" not in path:
            continue
        with time_machine.travel(moment, tick=False):
            import_string(path).call()
        if asked_at is None and OutcomeAssignment.objects.exists():
            asked_at = moment
    # 2 November begins at 08:00 UTC in Los Angeles (PST, UTC-8).
    assert asked_at is not None
    assert datetime(2026, 11, 2, 8, tzinfo=UTC) <= asked_at < datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_stop_asking_withdraws_the_questionnaire_waiting_for_the_patient(
    as_clinician_a, clinician_a, patient_a1
):
    """'Stop asking' said the questionnaire would not be asked for again, but the request
    already sent stayed open: the patient was still asked."""
    outcome_assign(
        actor=actor_of(clinician_a), patient=patient_a1, code="lefs", every_weeks=4
    )  # LEFS by mistake, for a low-back patient
    schedule = OutcomeSchedule.objects.get()
    waiting = OutcomeAssignment.objects.get()
    url = f"/portal/patients/{patient_a1.uuid}/outcomes/schedules/{schedule.uuid}/end/"
    response = as_clinician_a.post(url, {"once": "t" * 32}, follow=True)
    body = response.content.decode()
    assert "will not be asked for again" in body and "was withdrawn" in body
    assert "Waiting for" not in body

    patient = client_for(patient_a1.user)
    page = patient.get("/me/questionnaire/", follow=True).content.decode()
    assert "Lower Extremity" not in page and "no questionnaire to fill in" in page
    assert not OutcomeAssignment.objects.filter(response__isnull=True).exists()
    assert AuditEvent.objects.filter(
        action="outcome.withdraw", object_id=str(waiting.uuid), patient_uuid=patient_a1.uuid
    ).exists()


def test_stop_asking_keeps_answers_and_what_was_asked_for_separately(
    as_clinician_a, clinician_a, patient_a1
):
    with time_machine.travel(at(10, 5), tick=False):
        assign(as_clinician_a, patient_a1, every_weeks="4")  # RMDQ, its baseline answered:
    baseline = OutcomeAssignment.objects.get()
    outcome_record(
        patient=patient_a1,
        code="rmdq",
        answers=[False] * 24,
        completed_on=at(10, 5).date(),
        actor=actor_of(clinician_a),
        source=OutcomeResponse.Source.PATIENT,
        answering=baseline,
    )
    with time_machine.travel(at(11, 2), tick=False):
        questionnaires_ask.call()  # the follow-up
    outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="lefs")  # once
    schedule = OutcomeSchedule.objects.get(code="rmdq")
    with time_machine.travel(at(11, 3), tick=False):
        as_clinician_a.post(
            f"/portal/patients/{patient_a1.uuid}/outcomes/schedules/{schedule.uuid}/end/",
            {"once": "s" * 32},
        )
    left = OutcomeAssignment.objects.order_by("id")
    assert [(a.code, a.response_id is not None) for a in left] == [
        ("rmdq", True),
        ("lefs", False),
    ]
    assert AuditEvent.objects.filter(action="outcome.withdraw").count() == 1


def test_a_page_open_for_a_withdrawn_questionnaire_saves_nothing_and_says_why(
    as_clinician_a, as_patient_a1, clinician_a, patient_a1
):
    """Found by the break-it review: the patient was told to "fill it in again", with no
    questionnaire left to fill in. Now they are told it was withdrawn."""
    outcome_assign(actor=actor_of(clinician_a), patient=patient_a1, code="nprs", every_weeks=2)
    shown = as_patient_a1.get("/me/questionnaire/")
    key = shown.context["assignment"].uuid
    schedule = OutcomeSchedule.objects.get()
    as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/outcomes/schedules/{schedule.uuid}/end/",
        {"once": "w" * 32},
    )
    sent = as_patient_a1.post(
        "/me/questionnaire/",
        {"assignment": str(key), "best": "2", "worst": "5", "now": "3"},
        follow=True,
    )
    body = sent.content.decode()
    assert "Your clinician no longer needs this questionnaire" in body
    assert "fill it in again" not in body
    assert not OutcomeResponse.objects.exists()
    # A page from before the request's key was sent (none in it) is only out of date.
    old = as_patient_a1.post("/me/questionnaire/", {"best": "2"}, follow=True)
    assert "nothing was saved. Please fill it in again" in old.content.decode()
