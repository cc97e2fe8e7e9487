from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from clinic.actors import Actor
from patients import adherence
from patients.adherence import patient_today
from patients.due_days import due_today, per_week, prescribed_on, prescribed_per_week
from patients.models import PrescribedDay
from patients.services import patient_program_start
from programs.dosage import weekday_bits
from programs.models import Program
from programs.services import program_save
from tests.conftest import client_for
from tests.factories import SessionLogFactory

# The moments below are UTC's, and so is the clinic's day, whatever the server's zone.
pytestmark = pytest.mark.usefixtures("clinic_a_on_utc")
MON = date(2026, 11, 16)  # a Monday


def item(exercise_id=1, *, times=1, days=7, weekdays=()):
    return {
        "exercise_id": exercise_id,
        "times_per_day": times,
        "days_per_week": days,
        "weekdays": weekday_bits(list(weekdays)),
    }


def test_chosen_weekdays_are_due_only_on_those_days():
    mwf = item(weekdays=[0, 2, 4])
    assert [d.item for d in due_today([mwf], MON, {}, {})] == [mwf]
    assert due_today([mwf], MON + timedelta(days=1), {}, {}) == []
    assert per_week(mwf) == 3


def test_n_days_a_week_stays_due_until_the_weekly_quota_is_done():
    three = item(days=3)
    assert due_today([three], MON + timedelta(days=3), {}, {1: 2})  # 2 of 3 done: still due
    assert due_today([three], MON + timedelta(days=3), {}, {1: 3}) == []  # quota met
    # Done today already counts: it stays on screen as done.
    shown = due_today([three], MON + timedelta(days=3), {1: 1}, {1: 3})
    assert shown[0].remaining_today == 0


def test_times_per_day_counts_down():
    twice = item(times=2)
    (due,) = due_today([twice], MON, {1: 1}, {1: 1})
    assert (due.done_today, due.remaining_today) == (1, 1)


def test_prescribed_per_day_and_week():
    assert prescribed_per_week([item(times=2), item(2, weekdays=[0, 3])]) == 16
    assert prescribed_on(item(days=3), MON) == pytest.approx(3 / 7)
    assert prescribed_on(item(weekdays=[1], times=2), MON) == 0
    assert prescribed_on(item(weekdays=[0], times=2), MON) == 2


def log(patient, program, day, done):
    return SessionLogFactory(
        patient=patient,
        program=program,
        performed_on=day,
        exercises_done=done,
    )


def daily_program(membership, patient, exercises: int, times: int = 1) -> Program:
    template = Program.objects.get(template_key="low-back-core-stability")
    program = patient_program_start(
        actor=Actor.for_member(membership), patient=patient, source=template
    )
    items = [
        {"id": i.pk, "exercise": i.exercise, "reps": 10, "days_per_week": 7, "times_per_day": times}
        for i in program.items.all()[:exercises]
    ]
    return program_save(
        program=program,
        actor=Actor.for_member(membership),
        expected_revision=1,
        fields={},
        items=items,
    )


def test_weekly_adherence_is_done_over_prescribed(membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 11, 15, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=2)  # 2 a day = 14 a week
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        for offset in range(5):
            log(patient_a1, program, MON + timedelta(days=offset), 2)  # Mon-Fri both done
        log(patient_a1, program, MON - timedelta(days=1), 2)  # Sunday before: other week
        weeks = adherence.by_week(patient_a1, 2)
    assert weeks[-1].start == MON
    # Sunday, today, is not over: nothing done on it yet is not yet missed.
    assert (weeks[-1].done, weeks[-1].prescribed) == (10, 12)
    assert weeks[-1].percent == 83
    assert weeks[0].done == 2


def test_today_counts_for_what_was_done_on_it_never_as_missed(membership_a, patient_a1):
    """A report made at 9 am, before the day's session, read 95% (20 of 21) for a patient
    who had done every day, where the chart said 100%: today counted as a day missed."""
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=2)
    with time_machine.travel(datetime(2026, 11, 22, 9, tzinfo=ZoneInfo("UTC")), tick=False):
        for offset in range(6):
            log(patient_a1, program, MON + timedelta(days=offset), 2)
        morning = adherence.by_week(patient_a1, 1)[0]
        log(patient_a1, program, MON + timedelta(days=6), 1)  # half of today's, so far
        later = adherence.by_week(patient_a1, 1)[0]
        log(patient_a1, program, MON + timedelta(days=6), 2)  # more than today's
        evening = adherence.by_week(patient_a1, 1)[0]
        before_the_week_ended = adherence.by_week(patient_a1, 1, today=MON + timedelta(days=5))
    assert (morning.done, morning.prescribed, morning.percent) == (12, 12, 100)
    assert (later.done, later.prescribed) == (13, 13)
    assert (evening.done, evening.prescribed) == (15, 14)
    # A day that is over counts in full, done or not.
    assert before_the_week_ended[0].prescribed == 12


def test_a_program_change_mid_week_uses_each_days_own_prescription(membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 11, 15, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)  # 1 a day
    with time_machine.travel(datetime(2026, 11, 19, 9, tzinfo=ZoneInfo("UTC")), tick=False):
        # Thursday: the clinician adds a second exercise, twice a day.
        items = [{"id": i.pk, "exercise": i.exercise, "reps": 10} for i in program.items.all()]
        extra = Program.objects.get(template_key="low-back-core-stability").items.last()
        items.append({"exercise": extra.exercise, "reps": 10, "times_per_day": 2})
        program_save(
            program=program,
            actor=Actor.for_member(membership_a),
            expected_revision=program.revision,
            fields={},
            items=items,
        )
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        week = adherence.by_week(patient_a1, 1)[0]
    # Mon-Wed: 1 a day (3); Thu-Sat: 1 + 2 a day (9); Sunday, today, nothing done yet
    assert week.prescribed == 12


def test_a_paused_program_prescribes_nothing(membership_a, patient_a1):
    from programs.services import program_set_status

    with time_machine.travel(datetime(2026, 11, 15, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 18, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program_set_status(program=program, actor=Actor.for_member(membership_a), status="paused")
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        week = adherence.by_week(patient_a1, 1)[0]
    assert week.prescribed == 2  # Monday and Tuesday only


def test_the_clinics_time_zone_defines_today(patient_a1):
    clinic = patient_a1.clinic
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    patient_a1.refresh_from_db()
    # 20:00 UTC on the 20th is already 09:00 on the 21st in Auckland.
    with time_machine.travel(datetime(2026, 11, 20, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        assert patient_today(patient_a1) == date(2026, 11, 21)
    clinic.timezone = "America/Los_Angeles"
    clinic.save()
    patient_a1.refresh_from_db()
    with time_machine.travel(datetime(2026, 11, 21, 5, tzinfo=ZoneInfo("UTC")), tick=False):
        assert patient_today(patient_a1) == date(2026, 11, 20)


def test_seven_and_twenty_eight_day_windows(membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 10, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        today = date(2026, 11, 22)
        for offset in range(0, 28, 2):  # every other day, today included
            log(patient_a1, program, today - timedelta(days=offset), 1)
        # Full days only (today is not over): 2, 4 and 6 days ago of the 7 before today...
        assert adherence.window(patient_a1, 7).percent == round(100 * 3 / 7)
        # ...and 13 of the 28 before today.
        assert adherence.window(patient_a1, 28).percent == round(100 * 13 / 28)
        # The chart asks for both at once (one read of the sessions): the same figures.
        both = adherence.windows(patient_a1, (7, 28))
        assert (both[7].done, both[28].done) == (3, 13)
        assert (both[7].start, both[28].start) == (today - timedelta(7), today - timedelta(28))


def test_streak_counts_consecutive_days(membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        today = date(2026, 11, 22)
        for offset in (1, 2, 3, 5):
            log(patient_a1, program, today - timedelta(days=offset), 1)
        assert adherence.streak(patient_a1) == 3  # today not logged yet: counts from yesterday
        log(patient_a1, program, today, 1)
        assert adherence.streak(patient_a1) == 4


# --- One owner of "what was prescribed", used by the caseload, the chart and the flags ---


def scheduled_program(membership, patient, **dose) -> Program:
    """One exercise with the given schedule (e.g. weekdays=[0, 2, 4] or days_per_week=3)."""
    template = Program.objects.get(template_key="low-back-core-stability")
    program = patient_program_start(
        actor=Actor.for_member(membership), patient=patient, source=template
    )
    first = program.items.first()
    row = {"id": first.pk, "exercise": first.exercise, "reps": 10, "times_per_day": 1}
    row.update(days_per_week=dose.get("days_per_week", 7))
    row.update(weekdays=weekday_bits(dose.get("weekdays", [])))
    return program_save(
        program=program,
        actor=Actor.for_member(membership),
        expected_revision=1,
        fields={},
        items=[row],
    )


def caseload_row(client, patient):
    return next(p for p in client.get("/portal/").context["page"] if p.pk == patient.pk)


def test_a_program_started_today_is_new_not_zero_percent(as_clinician_a, membership_a, patient_a1):
    """Before: a program started today showed "0% 0/56" in red, and sorted first."""
    daily_program(membership_a, patient_a1, exercises=2)
    row = caseload_row(as_clinician_a, patient_a1)
    assert row.adherence_7d is None and row.prescribed_7d == 0
    page = as_clinician_a.get("/portal/").content.decode()
    assert "New or no program" in page and "0%" not in page


def test_the_caseload_and_the_chart_give_the_same_figure(as_clinician_a, membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = scheduled_program(membership_a, patient_a1, weekdays=[0, 2, 4])
    with time_machine.travel(datetime(2026, 11, 20, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        log(patient_a1, program, date(2026, 11, 16), 1)  # Monday
        log(patient_a1, program, date(2026, 11, 18), 1)  # Wednesday
        row = caseload_row(as_clinician_a, patient_a1)
        chart = adherence.window(patient_a1)
        # Fri 13, Mon 16, Wed 18 were due in the 7 full days before Fri 20: 2 of 3.
        assert (row.done_7d, row.prescribed_7d) == (chart.done, chart.prescribed) == (2, 3)
        assert round(row.adherence_7d) == chart.percent == 67


def test_editing_through_the_builder_changes_what_counts_from_today(
    as_clinician_a, membership_a, patient_a1
):
    """Before: the stored weekly count was never updated by the builder (on_saved was
    never called), so after cutting a program down the caseload still divided by 56."""
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=4, times=2)
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("UTC")), tick=False):
        item = program.items.first()
        data = {
            "action": "save",
            "revision": str(program.revision),
            "title": program.title,
            "status": "active",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-id": str(item.pk),
            "items-0-exercise": str(item.exercise.uuid),
            "items-0-sets": "1",
            "items-0-reps": "10",
            "items-0-hold_seconds": "0",
            "items-0-rest_seconds": "0",
            "items-0-times_per_day": "1",
            "items-0-days_per_week": "7",
            "items-0-weekdays": ["0"],  # Mondays only
            "items-0-side": "both",
        }
        url = f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/edit/"
        assert as_clinician_a.post(url, data).status_code == 302
        plan = dict(PrescribedDay.objects.filter(patient=patient_a1).values_list("day", "sessions"))
        # Past days keep what was prescribed then (4 exercises twice a day)...
        assert plan[date(2026, 11, 19)] == 8
        # ...from today on, once on Mondays only.
        assert date(2026, 11, 20) not in plan and plan[date(2026, 11, 23)] == 1
        assert date(2026, 11, 24) not in plan


def test_pausing_clears_the_plan_from_today(membership_a, patient_a1):
    from programs.services import program_set_status

    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("UTC")), tick=False):
        program_set_status(program=program, actor=Actor.for_member(membership_a), status="paused")
        days = set(PrescribedDay.objects.filter(patient=patient_a1).values_list("day", flat=True))
        assert date(2026, 11, 19) in days and date(2026, 11, 20) not in days


def test_the_daily_sweep_extends_plans_before_they_run_out(membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 25, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        assert adherence.plans_extend() == 1
        patient_a1.refresh_from_db()
        assert patient_a1.planned_until == date(2026, 11, 25) + timedelta(days=28)
        assert PrescribedDay.objects.filter(patient=patient_a1, day=date(2026, 12, 20)).exists()
        assert adherence.plans_extend() == 0


def test_more_than_prescribed_is_said_not_praised(as_clinician_a, membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 20, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        for offset in range(1, 8):
            log(patient_a1, program, date(2026, 11, 20) - timedelta(days=offset), 2)
        page = as_clinician_a.get("/portal/").content.decode()
    assert "200% · above plan" in page and "text-bg-info" in page


# --- Inactivity on the patient's own schedule --------------------------------------------


def test_a_mon_wed_fri_patient_is_not_flagged_on_a_monday(membership_a, patient_a1):
    """Before: any three calendar days without a session raised the flag, so a Mon/Wed/Fri
    patient who did Friday's exercises was flagged every Monday."""
    from patients.practice_log import flag_check_inactive

    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = scheduled_program(membership_a, patient_a1, weekdays=[0, 2, 4])
    with time_machine.travel(datetime(2026, 11, 13, 18, tzinfo=ZoneInfo("UTC")), tick=False):
        log(patient_a1, program, date(2026, 11, 13), 1)  # Friday
    with time_machine.travel(datetime(2026, 11, 16, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        assert flag_check_inactive(patient_a1) is False  # Monday morning
    with time_machine.travel(datetime(2026, 11, 20, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        assert flag_check_inactive(patient_a1) is False  # Mon and Wed missed: two
    with time_machine.travel(datetime(2026, 11, 21, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        assert flag_check_inactive(patient_a1) is True  # Friday too: three due days


def test_a_three_days_a_week_patient_has_the_week_to_fit_them_in(membership_a, patient_a1):
    from patients.practice_log import flag_check_inactive

    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = scheduled_program(membership_a, patient_a1, days_per_week=3)
    with time_machine.travel(datetime(2026, 11, 9, 18, tzinfo=ZoneInfo("UTC")), tick=False):
        log(patient_a1, program, date(2026, 11, 9), 1)
    with time_machine.travel(datetime(2026, 11, 15, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        assert flag_check_inactive(patient_a1) is False  # five full days
    with time_machine.travel(datetime(2026, 11, 17, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        assert flag_check_inactive(patient_a1) is True  # seven: a week's three gone by


def two_sides_program(membership, patient) -> Program:
    """One exercise on two rows, one per side (the builder allows it, with a warning)."""
    program = daily_program(membership, patient, exercises=1)
    exercise = program.items.get().exercise
    rows = [
        {"exercise": exercise, "reps": 10, "side": side, "days_per_week": 7}
        for side in ("left", "right")
    ]
    return program_save(
        program=program,
        actor=Actor.for_member(membership),
        expected_revision=program.revision,
        fields={},
        items=rows,
    )


def test_an_exercise_listed_twice_is_prescribed_once_as_it_is_logged_once(
    membership_a, patient_a1, as_patient_a1
):
    """Both rows ticked every day is one entry a day (the log keeps one per exercise), so
    it is everything asked; counted per row, the chart and the caseload showed 50%."""
    with time_machine.travel(datetime(2026, 11, 15, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program = two_sides_program(membership_a, patient_a1)
    rows = list(program.items.all())
    for offset in range(7):
        with time_machine.travel(datetime(2026, 11, 16 + offset, 9, tzinfo=ZoneInfo("UTC"))):
            data = {"client_token": f"day-{offset}", "pain": "2"}
            data.update({f"done_{row.pk}": "on" for row in rows})
            assert client_for(patient_a1.user).post("/me/log/", data).status_code == 302
    with time_machine.travel(datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("UTC")), tick=False):
        week = adherence.window(patient_a1, 7)
        assert (week.done, week.prescribed, week.percent) == (7, 7, 100)
        assert PrescribedDay.objects.get(patient=patient_a1, day=MON).sessions == 1
    assert prescribed_per_week(rows) == 7


def test_the_migration_replans_patients_with_an_exercise_listed_twice(membership_a, patient_a1):
    """Stored days written by the old rule (per row) are rewritten by the new one."""
    import importlib

    from django.apps import apps

    from patients.models import FIGURES_NEVER, Patient

    migration = importlib.import_module("patients.migrations.0014_prescribed_per_exercise")
    two_sides_program(membership_a, patient_a1)
    PrescribedDay.objects.filter(patient=patient_a1).update(sessions=2)  # the old count
    Patient.objects.filter(pk=patient_a1.pk).update(figures_until=timezone.now())
    migration.replan_patients_with_an_exercise_listed_twice(apps, None)
    assert set(
        PrescribedDay.objects.filter(patient=patient_a1).values_list("sessions", flat=True)
    ) == {1}
    assert Patient.objects.get(pk=patient_a1.pk).figures_until == FIGURES_NEVER
