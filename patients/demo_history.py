"""Demo programs and logging history, in bulk (seed_demo, benchmarks).

Per-patient services would audit and check every step, which is right for real use
and far too slow for 10,000 demo patients; this writes the same rows in batches.
Only patients without a program (or without any session) are touched, so re-running
is safe. Every session is written as patients.practice_log.session_log writes one: its
exercises one entry each (practice_log.by_exercise, entry_rows) and their count on the
row. Older sessions once had the count only, and the chart showed "3 exercises" for them
where a session logged in the app names what was done.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from clinic.actors import Actor
from clinic.models import Clinic, Membership, User
from patients.adherence import HORIZON_DAYS
from patients.due_days import prescribed_for
from patients.models import (
    Flag,
    MorningCheck,
    OutcomeResponse,
    Patient,
    PatientProgram,
    PrescribedDay,
    SessionEntry,
    SessionLog,
    Visit,
)
from patients.outcomes import Value, outcome_record, visit_record
from patients.practice_log import Done, by_exercise, entry_rows, flag_check_inactive, short_day
from programs.dosage import ITEM_FIELDS
from programs.models import Program, ProgramItem, ProgramRevision
from programs.services import program_snapshot

BATCH = 5000
TEMPLATE_KEYS = ["low-back-early-movement", "low-back-core-stability", "neck-shoulder-desk"]
STORY_TEMPLATE = "low-back-core-stability"
# The documented patient's visits, improving as a low back usually does over four weeks:
# (days ago, lumbar flexion in degrees, fingertip-to-floor in cm, ODI section answers
# (38%, 28%, 20%), NPRS ratings).
STORY_VISITS = (
    (27, 35, 28, [2, 2, 2, 2, 2, 2, 2, 1, 2, 2], {"best": 3, "worst": 7, "now": 5}),
    (13, 42, 20, [2, 1, 2, 1, 2, 1, 2, 1, 1, 1], {"best": 2, "worst": 6, "now": 4}),
    (2, 50, 14, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], {"best": 1, "worst": 4, "now": 2}),
)


@transaction.atomic
def give_programs(
    clinic: Clinic, clinician: User, rng: random.Random, *, days: int, story_email: str = ""
) -> int:
    """A copy of a starter template for every active patient without a program, saved
    the day before their `days` of history begin. The documented demo patient
    (`story_email`) always gets the low back's: their visits and questionnaires
    (demo_patient_story) are the low back's."""
    templates = {
        key: (program, list(program.items.select_related("exercise")))
        for key in TEMPLATE_KEYS
        for program in [Program.objects.get(template_key=key)]
    }
    patients = list(
        Patient.objects.filter(clinic=clinic, status=Patient.Status.ACTIVE, programs__isnull=True)
    )
    # Saved 120 days back, it made every demo week before the history a week of nothing
    # done: 0% bars on the patient's progress page, 0% rows in the report.
    start = timezone.localdate() - timedelta(days=days + 1)
    # Saved before the history so every demo day has a prescription: the revision and the
    # program say the same moment (the handout's header reads one, the chart the other).
    saved_at = datetime.combine(start, time(8), tzinfo=clinic.tzinfo)
    for chunk in _chunks(patients, 1000):
        # A choice drawn for every patient, so the others get what they always did.
        keys = [rng.choice(TEMPLATE_KEYS) for _ in chunk]
        chosen = [
            templates[STORY_TEMPLATE if patient.email == story_email else key]
            for patient, key in zip(chunk, keys, strict=True)
        ]
        programs = Program.objects.bulk_create(
            Program(
                clinic=clinic,
                title=template.title,
                goal=template.goal,
                patient_notes=template.patient_notes,
                leaflets=template.leaflets,
                start_date=start,
                based_on=template,
                created_by=clinician,
                updated_by=clinician,
            )
            for template, _ in chosen
        )
        items = ProgramItem.objects.bulk_create(
            ProgramItem(
                program=program,
                exercise=item.exercise,
                order=order,
                **{name: getattr(item, name) for name in ITEM_FIELDS},
            )
            for program, (_, template_items) in zip(programs, chosen, strict=True)
            for order, item in enumerate(template_items, start=1)
        )
        by_program: dict[int, list[ProgramItem]] = {}
        for item in items:  # bulk_create keeps each item's exercise: the snapshot needs it
            by_program.setdefault(item.program_id, []).append(item)
        ProgramRevision.objects.bulk_create(
            ProgramRevision(
                program=program,
                number=1,
                snapshot=program_snapshot(program, by_program[program.pk]),
                summary="Program created",
                created_by=clinician,
                created_at=saved_at,
            )
            for program in programs
        )
        # update(), not save(): auto_now would date them today.
        Program.objects.filter(pk__in=[program.pk for program in programs]).update(
            created_at=saved_at, updated_at=saved_at
        )
        PatientProgram.objects.bulk_create(
            PatientProgram(patient=patient, program=program, assigned_by=clinician)
            for patient, program in zip(chunk, programs, strict=True)
        )
        plan_demo_days(clinic, chunk, [by_program[program.pk] for program in programs], start)
    return len(patients)


def plan_demo_days(clinic: Clinic, patients: list[Patient], items: list[list], start) -> None:
    """The per-day plan (patients.adherence) for programs that began on `start` and never
    changed, written in bulk: one revision, so each weekday's prescription repeats."""
    today = timezone.localtime(timezone.now(), clinic.tzinfo).date()
    last = today + timedelta(days=HORIZON_DAYS)
    days = [start + timedelta(days=n) for n in range((last - start).days + 1)]
    rows = []
    for patient, program_items in zip(patients, items, strict=True):
        by_weekday = [prescribed_for(program_items, day) for day in days[:7]]
        rows.extend(
            PrescribedDay(patient=patient, day=day, sessions=by_weekday[n % 7])
            for n, day in enumerate(days)
            if by_weekday[n % 7] > 0
        )
        patient.planned_until = last
    PrescribedDay.objects.bulk_create(rows, batch_size=5000)
    Patient.objects.bulk_update(patients, ["planned_until"])


def make_history(clinic: Clinic, days: int, rng: random.Random, *, quiet: bool) -> int:
    """Sessions for the last `days` days for patients who have none yet."""
    if days <= 0:
        return 0
    today = timezone.localtime(timezone.now(), clinic.tzinfo).date()
    links = list(
        PatientProgram.objects.filter(patient__clinic=clinic, patient__sessions__isnull=True)
        .select_related("patient", "program")
        .order_by("patient_id")
    )
    revisions = {
        r.program_id: r
        for r in ProgramRevision.objects.filter(program__in=[link.program for link in links])
    }
    items = {}
    in_programs = ProgramItem.objects.filter(program__in=[link.program for link in links])
    for item in in_programs.select_related("exercise"):
        items.setdefault(item.program_id, []).append(item)
    sessions: list[SessionLog] = []
    entries: list[tuple[int, list[Done]]] = []
    written = 0
    for link in tqdm(links, desc=clinic.name[:24], disable=quiet or len(links) < 500, unit="pt"):
        patient, program = link.patient, link.program
        # Each demo patient has their own habits: some keep at it, some drift away.
        keen = rng.uniform(0.25, 0.95)
        pain = rng.uniform(2, 7)
        last_day = None
        for offset in range(days, 0, -1):
            day = today - timedelta(days=offset)
            if rng.random() > keen:
                continue
            pain = min(10, max(0, pain + rng.uniform(-0.5, 0.35)))
            program_items = items.get(program.pk, [])
            ticked = [i for i in program_items if rng.random() < 0.9] or program_items[:1]
            done = by_exercise([Done(item.exercise) for item in ticked])
            sessions.append(
                SessionLog(
                    patient=patient,
                    program=program,
                    revision=revisions[program.pk],
                    performed_on=day,
                    logged_at=datetime.combine(day, time(rng.randint(7, 20)), tzinfo=clinic.tzinfo),
                    pain=round(pain),
                    effort=rng.randint(3, 7),
                    exercises_done=len(done),
                    client_token=secrets.token_hex(8),
                )
            )
            entries.append((len(sessions) - 1, done))
            last_day = day
        if last_day is not None:
            patient.last_activity_at = datetime.combine(last_day, time(18), tzinfo=clinic.tzinfo)
        if len(sessions) >= BATCH:
            written += _flush(sessions, entries)
            sessions, entries = [], []
    written += _flush(sessions, entries)
    Patient.objects.bulk_update(
        [link.patient for link in links], ["last_activity_at"], batch_size=1000
    )
    return written


def _flush(sessions: list[SessionLog], entries: list[tuple[int, list[Done]]]) -> int:
    if not sessions:
        return 0
    with transaction.atomic():
        saved = SessionLog.objects.bulk_create(sessions)
        SessionEntry.objects.bulk_create(
            (row for index, done in entries for row in entry_rows(saved[index], done)),
            batch_size=BATCH,
        )
    return len(saved)


def demo_patient_story(patient: Patient) -> None:
    """The documented demo patient: yesterday's session logged, asked how they feel today,
    one warning sign for the clinician to review."""
    today = timezone.localtime(timezone.now(), patient.clinic.tzinfo).date()
    yesterday = today - timedelta(days=1)
    MorningCheck.objects.filter(patient=patient, checked_on=today).delete()
    last = SessionLog.objects.filter(patient=patient).order_by("-performed_on").first()
    if last is not None and last.performed_on != yesterday:
        # Its logged time moves with it: a session done yesterday but logged days before
        # it reads as an error in the patient's history.
        logged_at = datetime.combine(yesterday, time(18), tzinfo=patient.clinic.tzinfo)
        SessionLog.objects.filter(pk=last.pk).update(
            performed_on=yesterday, logged_at=logged_at, pain=7
        )
    if not Flag.objects.filter(patient=patient).exists() and last is not None:
        Flag.objects.create(
            patient=patient,
            kind=Flag.Kind.PAIN_HIGH,
            reason=f"Pain 7/10 during exercise on {short_day(yesterday)}.",
            raised_on=yesterday,
        )
    _story_visits(patient, today)


def _story_visits(patient: Patient, today: date) -> None:
    """Three visits with measures and questionnaires, recorded by the patient's clinician
    through the services a visit uses (one patient: no need to bulk-write), so the chart's
    measures, their charts and the progress report have something to show."""
    if Visit.objects.filter(patient=patient).exists() or patient.outcomes.exists():
        return
    actor = Actor.for_member(Membership.objects.get(user=patient.clinician, clinic=patient.clinic))
    for days_ago, flexion, reach, odi, nprs in STORY_VISITS:
        day = today - timedelta(days=days_ago)
        values = [
            Value(code="lumbar_flexion", side="", value=Decimal(flexion)),
            Value(code="fingertip_floor", side="", value=Decimal(reach)),
        ]
        visit_record(actor=actor, patient=patient, measured_on=day, values=values)
        for code, answers in (("odi", odi), ("nprs", nprs)):
            outcome_record(
                patient=patient,
                code=code,
                answers=answers,
                completed_on=day,
                actor=actor,
                source=OutcomeResponse.Source.CLINICIAN,
            )


def raise_inactive_flags(clinic: Clinic) -> int:
    patients = Patient.objects.filter(
        clinic=clinic, programs__program__status=Program.Status.ACTIVE
    ).select_related("clinic")
    return sum(flag_check_inactive(patient) for patient in patients.iterator(chunk_size=1000))


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
