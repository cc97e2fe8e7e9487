import bisect
import zoneinfo
from datetime import date, datetime, timedelta, UTC

from django.db import migrations
from django.utils import timezone

# As patients.models.FIGURES_NEVER: the caseload recomputes these patients' figures.
FIGURES_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def _on(item: dict, day: date) -> float:
    bits, times = item.get("weekdays") or 0, item.get("times_per_day") or 1
    if bits:
        return float(times) if bits & (1 << day.weekday()) else 0.0
    return times * (item.get("days_per_week") or 7) / 7


def _prescribed(snapshot: dict, day: date) -> float:
    # The rule of patients.adherence.snapshot_prescribed_on as this migration was written
    # (migrations must not follow later code changes): per exercise, its busiest row.
    if snapshot.get("status") != "active":
        return 0.0
    start = snapshot.get("start_date")
    if start and day < date.fromisoformat(start):
        return 0.0
    busiest: dict = {}
    for item in snapshot.get("items", []):
        busiest[item["exercise"]] = max(busiest.get(item["exercise"], 0.0), _on(item, day))
    return sum(busiest.values())


def _lists_an_exercise_twice(snapshot: dict) -> bool:
    exercises = [item["exercise"] for item in snapshot.get("items", [])]
    return len(exercises) != len(set(exercises))


def replan_patients_with_an_exercise_listed_twice(apps, schema_editor):
    """The stored per-day plan counted rows; it now counts exercises, as the log does.
    Only a program that lists one exercise twice (one row per side) gives another
    number: rewrite those patients' stored days, and have their caseload figures
    computed again."""
    Patient = apps.get_model("patients", "Patient")
    PrescribedDay = apps.get_model("patients", "PrescribedDay")
    ProgramRevision = apps.get_model("programs", "ProgramRevision")
    affected = set()
    rows = ProgramRevision.objects.filter(program__assignment__isnull=False).values_list(
        "program__assignment__patient_id", "snapshot"
    )
    for patient_id, snapshot in rows.iterator(chunk_size=500):
        if _lists_an_exercise_twice(snapshot):
            affected.add(patient_id)
    for patient in Patient.objects.filter(pk__in=affected).select_related("clinic"):
        # As Patient.tzinfo: the patient's zone, else (unset or unknown) the clinic's.
        tz = zoneinfo.ZoneInfo("UTC")
        for zone in (patient.clinic.timezone, patient.timezone):
            try:
                tz = zoneinfo.ZoneInfo(zone) if zone else tz
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        revisions = list(
            ProgramRevision.objects.filter(program__assignment__patient=patient)
            .order_by("created_at", "id")
            .values_list("created_at", "snapshot")
        )
        starts = [timezone.localtime(created, tz).date() for created, _ in revisions]
        stored = PrescribedDay.objects.filter(patient=patient)
        days = sorted(stored.values_list("day", flat=True))
        if not days:
            continue
        first, last = days[0], max(days[-1], patient.planned_until or days[-1])
        new = []
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            index = bisect.bisect_right(starts, day) - 1
            sessions = _prescribed(revisions[index][1], day) if index >= 0 else 0.0
            if sessions > 0:
                new.append(PrescribedDay(patient=patient, day=day, sessions=sessions))
        stored.delete()
        PrescribedDay.objects.bulk_create(new)
        Patient.objects.filter(pk=patient.pk).update(figures_until=FIGURES_NEVER)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0013_caseload_figures"),
        ("programs", "0007_exercise_translations"),
    ]

    operations = [
        migrations.RunPython(
            replan_patients_with_an_exercise_listed_twice, migrations.RunPython.noop
        ),
    ]
