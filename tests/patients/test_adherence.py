from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.models import Membership
from patients import adherence
from patients.adherence import clinic_today
from patients.models import SessionLog
from patients.schedule import due_today, per_week, prescribed_on, prescribed_per_week
from patients.services import patient_program_start
from programs.dosage import weekday_bits
from programs.models import Program
from programs.services import program_save

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


@pytest.fixture
def membership_a(clinician_a):
    return Membership.objects.get(user=clinician_a)


def log(patient, program, day, done):
    return SessionLog.objects.create(
        patient=patient,
        program=program,
        revision=program.revisions.get(number=program.revision),
        performed_on=day,
        logged_at=datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("UTC")),
        exercises_done=done,
        client_token=f"t{day}{done}{SessionLog.objects.count()}",
    )


def daily_program(membership, patient, exercises: int, times: int = 1) -> Program:
    template = Program.objects.get(template_key="low-back-core-stability")
    program = patient_program_start(membership=membership, patient=patient, source=template)
    items = [
        {"id": i.pk, "exercise": i.exercise, "reps": 10, "days_per_week": 7, "times_per_day": times}
        for i in program.items.all()[:exercises]
    ]
    return program_save(
        program=program, membership=membership, expected_revision=1, fields={}, items=items
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
    assert (weeks[-1].done, weeks[-1].prescribed) == (10, 14)
    assert weeks[-1].percent == 71
    assert weeks[0].done == 2


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
            membership=membership_a,
            expected_revision=program.revision,
            fields={},
            items=items,
        )
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        week = adherence.by_week(patient_a1, 1)[0]
    # Mon-Wed: 1 a day (3); Thu-Sun: 1 + 2 a day (12)
    assert week.prescribed == 15


def test_a_paused_program_prescribes_nothing(membership_a, patient_a1):
    from programs.services import program_set_status

    with time_machine.travel(datetime(2026, 11, 15, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 18, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        program_set_status(program=program, membership=membership_a, status="paused")
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
        assert clinic_today(patient_a1) == date(2026, 11, 21)
    clinic.timezone = "America/Los_Angeles"
    clinic.save()
    patient_a1.refresh_from_db()
    with time_machine.travel(datetime(2026, 11, 21, 5, tzinfo=ZoneInfo("UTC")), tick=False):
        assert clinic_today(patient_a1) == date(2026, 11, 20)


def test_seven_and_twenty_eight_day_windows(membership_a, patient_a1):
    with time_machine.travel(datetime(2026, 10, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        today = date(2026, 11, 22)
        for offset in range(0, 28, 2):  # every other day
            log(patient_a1, program, today - timedelta(days=offset), 1)
        assert adherence.window(patient_a1, 7).percent == round(100 * 4 / 7)
        assert adherence.window(patient_a1, 28).percent == 50


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
