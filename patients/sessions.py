"""Writes from the patient area: logged sessions, morning checks; and the flags they raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinic import audit
from clinic.models import Membership
from patients.adherence import clinic_today
from patients.models import (
    INACTIVE_DAYS,
    Flag,
    MorningCheck,
    Patient,
    SessionEntry,
    SessionLog,
)
from patients.schedule import prescribed_per_week
from programs.models import Exercise, Program

EDIT_WINDOW = timedelta(hours=24)
HIGH_PAIN = 7
RISE = 2


class LogRefused(Exception):
    """The session cannot be saved or changed; the message is shown to the patient."""


@dataclass(frozen=True)
class Done:
    exercise: Exercise
    sets: int | None = None
    reps: int | None = None


def current_program(patient: Patient) -> Program | None:
    return (
        Program.objects.filter(
            assignment__patient=patient,
            status__in=[Program.Status.ACTIVE, Program.Status.PAUSED],
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def session_log(
    *,
    patient: Patient,
    program: Program,
    done: list[Done],
    pain: int | None,
    effort: int | None,
    comment: str,
    client_token: str,
    performed_on: date | None = None,
    request: Any = None,
) -> tuple[SessionLog, bool]:
    """Save a session; (session, created). The same form token twice returns the first save."""
    existing = SessionLog.objects.filter(patient=patient, client_token=client_token).first()
    if existing is not None:
        return existing, False
    if program.status != Program.Status.ACTIVE:
        raise LogRefused("Your program is paused. Ask your clinician before you carry on.")
    today = clinic_today(patient)
    performed_on = performed_on or today
    if performed_on > today:
        raise LogRefused("You cannot log a session for a day that has not come yet.")
    revision = program.revisions.get(number=program.revision)
    now = timezone.now()
    try:
        with transaction.atomic():
            session = SessionLog.objects.create(
                patient=patient,
                program=program,
                revision=revision,
                performed_on=performed_on,
                logged_at=now,
                pain=pain,
                effort=effort,
                comment=comment,
                exercises_done=len(done),
                client_token=client_token,
            )
    except IntegrityError:
        # The other tap of a double tap won the race: hand back its session.
        return SessionLog.objects.get(patient=patient, client_token=client_token), False
    SessionEntry.objects.bulk_create(
        SessionEntry(session=session, exercise=d.exercise, sets_done=d.sets, reps_done=d.reps)
        for d in done
    )
    Patient.objects.filter(pk=patient.pk).update(last_activity_at=now)
    _raise_pain_flags(patient, session)
    audit.record(
        actor=patient.user,
        role="patient",
        action="session.log",
        patient=patient,
        obj=session,
        request=request,
    )
    return session, True


@transaction.atomic
def session_update(
    *,
    patient: Patient,
    session: SessionLog,
    done: list[Done],
    pain: int | None,
    effort: int | None,
    comment: str,
    request: Any = None,
) -> SessionLog:
    """Correct a session within 24 hours of logging it."""
    locked = SessionLog.objects.select_for_update().get(pk=session.pk, patient=patient)
    if timezone.now() - locked.logged_at > EDIT_WINDOW:
        raise LogRefused("A session can be changed for 24 hours after you log it.")
    locked.pain, locked.effort, locked.comment = pain, effort, comment
    locked.exercises_done = len(done)
    locked.save(update_fields=["pain", "effort", "comment", "exercises_done", "updated_at"])
    locked.entries.all().delete()
    SessionEntry.objects.bulk_create(
        SessionEntry(session=locked, exercise=d.exercise, sets_done=d.sets, reps_done=d.reps)
        for d in done
    )
    _raise_pain_flags(patient, locked)
    audit.record(
        actor=patient.user,
        role="patient",
        action="session.edit",
        patient=patient,
        obj=locked,
        request=request,
    )
    return locked


@transaction.atomic
def morning_check_record(
    *, patient: Patient, compared: str, pain: int, request: Any = None
) -> MorningCheck:
    today = clinic_today(patient)
    check, _ = MorningCheck.objects.update_or_create(
        patient=patient, checked_on=today, defaults={"compared": compared, "pain": pain}
    )
    yesterday = MorningCheck.objects.filter(
        patient=patient, checked_on=today - timedelta(days=1)
    ).first()
    if compared == MorningCheck.Compared.WORSE and yesterday and yesterday.compared == "worse":
        _raise(
            patient,
            Flag.Kind.MORNING_WORSE,
            f"Felt worse the next morning on {yesterday.checked_on:%d %b} and {today:%d %b}.",
            today,
        )
    Patient.objects.filter(pk=patient.pk).update(last_activity_at=timezone.now())
    audit.record(
        actor=patient.user,
        role="patient",
        action="morning.check",
        patient=patient,
        obj=check,
        request=request,
    )
    return check


def _raise(patient: Patient, kind: str, reason: str, day: date) -> None:
    """Open a flag unless one of this kind is already open (the constraint backs this up)."""
    if not Flag.objects.open().filter(patient=patient, kind=kind).exists():
        Flag.objects.create(patient=patient, kind=kind, reason=reason[:300], raised_on=day)


def _raise_pain_flags(patient: Patient, session: SessionLog) -> None:
    if session.pain is not None and session.pain >= HIGH_PAIN:
        _raise(
            patient,
            Flag.Kind.PAIN_HIGH,
            f"Pain {session.pain}/10 during exercise on {session.performed_on:%d %b}.",
            session.performed_on,
        )
    first = (
        SessionLog.objects.filter(patient=patient, pain__isnull=False)
        .order_by("performed_on", "logged_at")
        .values_list("performed_on", "pain")
        .first()
    )
    if first is None or session.pain is None:
        return
    first_day, first_pain = first
    in_first_week = session.performed_on - first_day < timedelta(days=7)
    if in_first_week and session.pain - first_pain >= RISE:
        _raise(
            patient,
            Flag.Kind.PAIN_RISING,
            f"Pain rose from {first_pain} to {session.pain} in the first week "
            f"({first_day:%d %b} to {session.performed_on:%d %b}).",
            session.performed_on,
        )


def flag_check_inactive(patient: Patient, today: date | None = None) -> bool:
    """Raise the inactivity flag if the patient has an active program and no session for
    INACTIVE_DAYS days (counting from the program's start if nothing was logged)."""
    today = today or clinic_today(patient)
    started = (
        Program.objects.filter(assignment__patient=patient, status=Program.Status.ACTIVE)
        .values_list("start_date", flat=True)
        .first()
    )
    if started is None:
        return False
    last = (
        SessionLog.objects.filter(patient=patient)
        .order_by("-performed_on")
        .values_list("performed_on", flat=True)
        .first()
    )
    reference = max(filter(None, (last, started)))
    if (today - reference).days < INACTIVE_DAYS:
        return False
    since = f" (last on {last:%d %b})" if last else " since the program started"
    _raise(
        patient,
        Flag.Kind.INACTIVE,
        f"No session logged for {(today - reference).days} days{since}.",
        today,
    )
    return True


def flags_raise_inactive() -> int:
    """The daily sweep (management command `raise_flags`): every active-program patient."""
    candidates = (
        Patient.objects.active()
        .filter(programs__program__status=Program.Status.ACTIVE)
        .exclude(
            Exists(Flag.objects.open().filter(patient=OuterRef("pk"), kind=Flag.Kind.INACTIVE))
        )
        .select_related("clinic")
        .distinct()
    )
    return sum(flag_check_inactive(patient) for patient in candidates.iterator(chunk_size=500))


@transaction.atomic
def flag_review(*, membership: Membership, flag: Flag, request: Any = None) -> Flag:
    flag.reviewed_by = membership.user
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["reviewed_by", "reviewed_at"])
    audit.by_staff(
        membership,
        "flag.review",
        patient=flag.patient,
        obj=flag,
        request=request,
    )
    return flag


def patient_refresh_prescription(patient: Patient) -> None:
    """Recompute the weekly prescription stored on the patient after a program change."""
    program = current_program(patient)
    weekly = 0
    if program is not None and program.status == Program.Status.ACTIVE:
        weekly = prescribed_per_week(list(program.items.all()))
    Patient.objects.filter(pk=patient.pk).update(weekly_prescribed=min(weekly, 32767))
