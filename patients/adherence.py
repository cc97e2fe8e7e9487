"""Adherence = exercise sessions done ÷ prescribed, per day and per ISO week.

"Done" is aggregated in the database (one grouped SUM over the patient's session
logs). "Prescribed" comes from the program revisions in force on each day, so a
program changed mid-week counts the old dosage before the change and the new one
after; paused and completed programs prescribe nothing.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from patients.models import Patient, SessionLog
from patients.schedule import prescribed_on, week_start
from programs.models import ProgramRevision


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


class Prescriptions:
    """What was prescribed on any day, from the patient's revision history (few rows)."""

    def __init__(self, patient: Patient, tz) -> None:
        revisions = list(
            ProgramRevision.objects.filter(program__assignment__patient=patient)
            .order_by("created_at", "id")
            .values_list("created_at", "snapshot")
        )
        self._days = [timezone.localtime(created, tz).date() for created, _ in revisions]
        self._snapshots = [snapshot for _, snapshot in revisions]

    def on(self, day: date) -> float:
        # The last revision saved on or before this day is what the patient had.
        index = bisect.bisect_right(self._days, day) - 1
        if index < 0:
            return 0.0
        snapshot = self._snapshots[index]
        if snapshot.get("status") != "active":
            return 0.0
        return sum(prescribed_on(item, day) for item in snapshot.get("items", []))


def _tz(patient: Patient):
    return patient.clinic.tzinfo


def clinic_today(patient: Patient) -> date:
    """Today in the clinic's time zone: that is the day patients log against."""
    return timezone.localtime(timezone.now(), _tz(patient)).date()


def window(patient: Patient, days: int, today: date | None = None) -> Period:
    """Adherence over the last `days` days, today included."""
    today = today or clinic_today(patient)
    start = today - timedelta(days=days - 1)
    done = (
        SessionLog.objects.filter(patient=patient, performed_on__range=(start, today)).aggregate(
            total=Sum("exercises_done")
        )["total"]
        or 0
    )
    prescriptions = Prescriptions(patient, _tz(patient))
    prescribed = sum(prescriptions.on(start + timedelta(days=i)) for i in range(days))
    return Period(start=start, done=done, prescribed=round(prescribed, 2))


def by_week(patient: Patient, weeks: int, today: date | None = None) -> list[Period]:
    """The last `weeks` ISO weeks, oldest first, the current (partial) week last."""
    today = today or clinic_today(patient)
    first = week_start(today) - timedelta(weeks=weeks - 1)
    rows = (
        SessionLog.objects.filter(patient=patient, performed_on__range=(first, today))
        .annotate(week=TruncWeek("performed_on"))
        .values("week")
        .annotate(total=Sum("exercises_done"))
    )
    done = {_as_date(row["week"]): row["total"] or 0 for row in rows}
    prescriptions = Prescriptions(patient, _tz(patient))
    periods = []
    for n in range(weeks):
        monday = first + timedelta(weeks=n)
        days = [monday + timedelta(days=i) for i in range(7) if monday + timedelta(days=i) <= today]
        prescribed = sum(prescriptions.on(day) for day in days)
        periods.append(
            Period(start=monday, done=done.get(monday, 0), prescribed=round(prescribed, 2))
        )
    return periods


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def streak(patient: Patient, today: date | None = None) -> int:
    """Days in a row, up to today (or yesterday, if today is not logged yet), with a session."""
    today = today or clinic_today(patient)
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
