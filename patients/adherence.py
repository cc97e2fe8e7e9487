"""Adherence = exercise sessions done ÷ prescribed, per day and per ISO week.

This module owns "what was prescribed on a day": `Prescriptions.on`, from the program
revisions in force on each day, so a program changed mid-week counts the old dosage
before the change and the new one after; paused and completed programs prescribe
nothing, and nothing is prescribed before a program's start date. The chart, the report,
the flags and (through the PrescribedDay plan written here) the caseload all read it.
"Done" is aggregated in the database (one grouped SUM over the patient's session logs).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from patients import caseload
from patients.due_days import prescribed_for, week_start
from patients.models import ADHERENCE_DAYS, Patient, PatientProgram, PrescribedDay, SessionLog
from programs.models import ProgramRevision

# The weekly chart (the patient's progress page, the report): its title, and the share of
# a week's plan counted as a good week (its dashed line). It counts exercises done, each
# as often as prescribed, not sessions logged.
WEEKS_CHART_TITLE = gettext_lazy("Exercises done, % of plan, by week")
WEEKLY_TARGET = 80
# Above this share of the plan, more was done than prescribed: worth asking about.
ABOVE_PLAN = 110

# How far ahead the stored plan is written; the daily sweep tops it up a week before its
# end, so a sweep that misses a few days loses nothing.
HORIZON_DAYS = 28
TOP_UP_DAYS = 7


@dataclass(frozen=True)
class Period:
    start: date
    done: int
    prescribed: float

    @property
    def percent(self) -> int | None:
        if self.prescribed <= 0:
            return None
        return round(100 * self.done / self.prescribed)

    @property
    def above_plan(self) -> bool:
        """More done than prescribed, by more than a session's slack: said in words, not
        praised (more is not better)."""
        percent = self.percent
        return percent is not None and percent > ABOVE_PLAN


class Prescriptions:
    """What was prescribed on any day, from the patient's revision history (few rows)."""

    def __init__(self, patient: Patient, tz, revisions: list[tuple] | None = None) -> None:
        """`revisions`: the patient's (created_at, snapshot), oldest first, when read
        already (of_patients); else they are read here."""
        if revisions is None:
            revisions = list(_revisions([patient]).values_list("created_at", "snapshot"))
        self._days = [timezone.localtime(created, tz).date() for created, _ in revisions]
        self._snapshots = [snapshot for _, snapshot in revisions]

    @classmethod
    def of_patients(cls, patients: list[Patient]) -> dict[int, Prescriptions]:
        """Each patient's Prescriptions (in their own zone), read in one query."""
        revisions: dict[int, list[tuple]] = {patient.pk: [] for patient in patients}
        rows = _revisions(patients).values_list(
            "program__assignment__patient", "created_at", "snapshot"
        )
        for patient_pk, created_at, snapshot in rows:
            revisions[patient_pk].append((created_at, snapshot))
        return {
            patient.pk: cls(patient, _tz(patient), revisions[patient.pk]) for patient in patients
        }

    def on(self, day: date) -> float:
        # The last revision saved on or before this day is what the patient had.
        index = bisect.bisect_right(self._days, day) - 1
        if index < 0:
            return 0.0
        return snapshot_prescribed_on(self._snapshots[index], day)


def _revisions(patients: list[Patient]):
    """The patients' program revisions in the order they were saved."""
    return ProgramRevision.objects.filter(program__assignment__patient__in=patients).order_by(
        "created_at", "id"
    )


def snapshot_prescribed_on(snapshot: dict, day: date) -> float:
    """Sessions a revision snapshot prescribes on `day`: none unless the program is active
    and has started."""
    if snapshot.get("status") != "active":
        return 0.0
    start = snapshot.get("start_date")
    if start and day < date.fromisoformat(start):
        return 0.0
    return prescribed_for(snapshot.get("items", []), day)


def _tz(patient: Patient):
    return patient.tzinfo


def patient_today(patient: Patient) -> date:
    """Today where the patient lives (their time zone, else the clinic's): the one
    definition of a patient's day, for logging, adherence, flags and reminders."""
    return day_of(patient, timezone.now())


def day_of(patient: Patient, moment: datetime) -> date:
    """The patient's day at `moment`."""
    return timezone.localtime(moment, _tz(patient)).date()


def window(
    patient: Patient,
    days: int = ADHERENCE_DAYS,
    today: date | None = None,
    prescriptions: Prescriptions | None = None,
) -> Period:
    """Adherence over the `days` full days before today (today is not over yet): the same
    days the caseload shows."""
    return windows(patient, (days,), today, prescriptions)[days]


def windows(
    patient: Patient,
    lengths: tuple[int, ...],
    today: date | None = None,
    prescriptions: Prescriptions | None = None,
    done_on: dict[date, int] | None = None,
) -> dict[int, Period]:
    """window() for several lengths at once, from one read of the sessions done per day
    and one `prescriptions` (the patient's revisions, read once). `done_on`: exercises
    done per day, from a caller that has read at least the longest window's sessions."""
    today = today or patient_today(patient)
    end = today - timedelta(days=1)
    if done_on is None:
        done_on = dict(
            SessionLog.objects.filter(
                patient=patient, performed_on__range=(today - timedelta(days=max(lengths)), end)
            )
            .values_list("performed_on")
            .annotate(total=Sum("exercises_done"))
            .order_by()
        )
    prescriptions = prescriptions or Prescriptions(patient, _tz(patient))
    out = {}
    for days in lengths:
        start = today - timedelta(days=days)
        prescribed = sum(prescriptions.on(start + timedelta(days=i)) for i in range(days))
        done = sum(total or 0 for day, total in done_on.items() if start <= day <= end)
        out[days] = Period(start=start, done=done, prescribed=round(prescribed, 2))
    return out


def plan(patient: Patient, *, first: date | None = None) -> None:
    """Rewrite the stored per-day plan from `first` (default: today) to the horizon.

    Call it in the same transaction as the change it follows (programs.services calls it
    for every saved revision of a patient's program), so the caseload never reads a plan
    older than the program. Past days keep what was prescribed on them.
    """
    today = patient_today(patient)
    first = first or today
    last = today + timedelta(days=HORIZON_DAYS)
    # No savepoint: inside a caller's transaction (a program saved) this is part of it.
    with transaction.atomic(savepoint=False):
        # Two writers of one plan take turns on the patient's row: a program saved while
        # the nightly top-up extends the same plan both delete and re-insert its days, and
        # the second met the first's uncommitted rows (a unique error: the Save was a 500).
        list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
        prescriptions = Prescriptions(patient, _tz(patient))
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        PrescribedDay.objects.filter(patient=patient, day__gte=first).delete()
        PrescribedDay.objects.bulk_create(
            PrescribedDay(patient=patient, day=day, sessions=sessions)
            for day in days
            if (sessions := prescriptions.on(day)) > 0
        )
        Patient.objects.filter(pk=patient.pk).update(planned_until=last)
        # The caseload's stored adherence reads this plan: recompute it with the plan.
        caseload.refresh_one(patient)


def plan_after_program_saved(program) -> None:
    """programs.services calls this inside the transaction of every saved revision."""
    link = PatientProgram.objects.filter(program=program).select_related("patient__clinic").first()
    if link is not None:
        plan(link.patient)


def plans_extend(today: date | None = None) -> int:
    """The daily sweep: extend every plan that ends within TOP_UP_DAYS. Returns how many."""
    due = Patient.objects.active().filter(planned_until__isnull=False).select_related("clinic")
    count = 0
    for patient in due.iterator(chunk_size=500):
        day = today or patient_today(patient)
        if patient.planned_until - day < timedelta(days=TOP_UP_DAYS):
            plan(patient, first=patient.planned_until + timedelta(days=1))
            count += 1
    return count


def by_week(
    patient: Patient, weeks: int, today: date | None = None, since: date | None = None
) -> list[Period]:
    """The last `weeks` ISO weeks up to `today`, oldest first, the current (partial) week
    last. With `since` (a report period that starts mid-week), days before it count for
    nothing. The patient's own today is not over: it counts for what was done on it,
    never as missed (a report made at 9 am read 95% for a patient who had done it all)."""
    now = patient_today(patient)
    today = today or now
    first = week_start(today) - timedelta(weeks=weeks - 1)
    since = max(first, since or first)
    done_on = dict(
        SessionLog.objects.filter(patient=patient, performed_on__range=(since, today))
        .values_list("performed_on")
        .annotate(total=Sum("exercises_done"))
        .order_by()
    )
    prescriptions = Prescriptions(patient, _tz(patient))

    def prescribed_on(day: date) -> float:
        planned = prescriptions.on(day)
        return min(planned, done_on.get(day) or 0) if day >= now else planned

    periods = []
    for n in range(weeks):
        monday = first + timedelta(weeks=n)
        days = [
            monday + timedelta(days=i)
            for i in range(7)
            if since <= monday + timedelta(days=i) <= today
        ]
        periods.append(
            Period(
                start=monday,
                done=sum(done_on.get(day) or 0 for day in days),
                prescribed=round(sum(prescribed_on(day) for day in days), 2),
            )
        )
    return periods


def planned_or_done(periods: list[Period]) -> list[Period]:
    """The periods that had something prescribed or done: the others (before the program
    began, after it ended) say nothing, in a table or in a count of weeks."""
    return [period for period in periods if period.prescribed or period.done]


def in_all(periods: list[Period]) -> Period:
    """The periods' exercises together, done of prescribed: the one adherence figure of
    several weeks, for the patient and the report alike. A mean of weekly percentages
    weighed a part week (a program begun on a Sunday, one day planned) as much as a whole
    one: the patient read 74% where the report said 47% of the same weeks."""
    return Period(
        start=periods[0].start,
        done=sum(period.done for period in periods),
        prescribed=sum(period.prescribed for period in periods),
    )


def since_first_planned(periods: list[Period]) -> list[Period]:
    """The periods from the first with something prescribed or done (the current one at
    least): a chart of the weeks before the program began shows empty weeks the patient
    never had a plan for. Empty weeks after it stay: a pause is part of the story."""
    first = next((n for n, period in enumerate(periods) if period.prescribed or period.done), None)
    return periods[first:] if first is not None else periods[-1:]


def streak(patient: Patient, today: date | None = None) -> int:
    """Days in a row, up to today (or yesterday, if today is not logged yet), with a session."""
    today = today or patient_today(patient)
    days = set(
        SessionLog.objects.filter(
            patient=patient, performed_on__range=(today - timedelta(days=365), today)
        ).values_list("performed_on", flat=True)
    )
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
