"""Intake: the referral, the red-flag screen and the precautions, and the conflicts
between a patient's precautions and their program. Writes are atomic and audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import audit
from clinic.actors import Actor
from clinic.edits import ensure_unchanged
from patients.access import ensure_same_clinic
from patients.models import Intake, Patient, PrecautionDecision, RedFlagScreen
from patients.screening import questions
from programs import precautions
from programs.models import Program


@transaction.atomic
def intake_save(*, actor: Actor, patient: Patient, fields: dict, seen: str | None = None) -> Intake:
    """`seen`: the version the page showed; EditedMeanwhile if another was saved since."""
    ensure_same_clinic(actor, patient)
    intake, created = Intake.objects.select_for_update().get_or_create(
        patient=patient, defaults={**fields, "updated_by": actor.user}
    )
    if not created:
        ensure_unchanged(intake, seen, fields)
    for name, value in fields.items():
        setattr(intake, name, value)
    intake.updated_by = actor.user
    intake.save()
    audit.record(actor, "intake.update", patient=patient, obj=intake)
    return intake


@transaction.atomic
def screen_record(*, actor: Actor, patient: Patient, kind: str, answers: dict) -> RedFlagScreen:
    """Record a screen: an answer for each of the kind's questions (missing = no)."""
    ensure_same_clinic(actor, patient)
    given = {q.key: bool(answers.get(q.key)) for q in questions(kind)}
    screen = RedFlagScreen.objects.create(
        patient=patient,
        kind=kind,
        answers=given,
        positive=any(given.values()),
        screened_by=actor.user,
    )
    audit.record(actor, "screen.record", patient=patient, obj=screen)
    return screen


class ScreenChanged(Exception):
    """The decision was made on a page that showed another screen than the latest, or
    before a colleague's decision on it."""


@transaction.atomic
def screen_decide(
    *, actor: Actor, screen: RedFlagScreen, decision: str, note: str, seen: str | None = None
) -> RedFlagScreen:
    """The clinician's decision on a positive screen (and a later change of it, once the
    medical review is back: the audit log keeps every one). `seen`: the version of the
    screen the page showed (RedFlagScreen.version); ScreenChanged if it is no longer the
    patient's latest screen as it was then: "safe to start" must never land on answers
    the clinician did not read, nor undo a colleague's referral unseen."""
    ensure_same_clinic(actor, screen.patient)
    screen = RedFlagScreen.objects.select_for_update().get(pk=screen.pk)
    latest = RedFlagScreen.objects.filter(patient_id=screen.patient_id).values_list("pk").first()
    if seen is not None and (seen != screen.version() or latest != (screen.pk,)):
        recorded = (screen.decision, screen.decision_note, screen.decided_by_id)
        if latest == (screen.pk,) and recorded == (decision, note, actor.user.pk):
            return screen  # the second click of a double click: already recorded as sent
        raise ScreenChanged
    screen.decision = decision
    screen.decision_note = note
    screen.decided_by = actor.user
    screen.decided_at = timezone.now()
    screen.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    audit.record(actor, f"screen.{decision}", patient=screen.patient, obj=screen)
    return screen


def patient_precautions(patient: Patient) -> list[str]:
    # The intake read with the patient (patient_or_404's `also`) is not read again; else
    # it is read fresh, not left cached on the patient for a later call to find stale.
    if Patient.intake.is_cached(patient):
        return intake_precautions(getattr(patient, "intake", None))
    return intake_precautions(Intake.objects.filter(patient=patient).first())


def intake_precautions(intake: Intake | None) -> list[str]:
    """The precautions recorded at intake; none without an intake."""
    return list(intake.precautions) if intake else []


def program_conflicts(
    patient: Patient, program: Program, exercises=None, codes: list[str] | None = None
) -> tuple[list[precautions.Conflict], dict]:
    """The program's conflicts with the patient's precautions, and the decisions already
    recorded for them ({(exercise id, precaution): PrecautionDecision}). `exercises`
    defaults to the program's saved items' exercises, `codes` to the patient's
    precautions (a caller that has read the intake passes them)."""
    codes = patient_precautions(patient) if codes is None else codes
    if not codes:
        return [], {}
    if exercises is None:
        exercises = [item.exercise for item in program.items.select_related("exercise")]
    found = precautions.conflicts(codes, exercises)
    decided = {
        (d.exercise_id, d.precaution): d
        for d in PrecautionDecision.objects.filter(program=program).select_related("decided_by")
    }
    return found, decided


def undecided_conflicts(patient: Patient, program: Program) -> list[precautions.Conflict]:
    found, decided = program_conflicts(patient, program)
    return [c for c in found if c.key not in decided]


@transaction.atomic
def precaution_keep(
    *, actor: Actor, patient: Patient, program: Program, conflict: precautions.Conflict, reason: str
) -> PrecautionDecision:
    """Keep the exercise despite the conflict, for the reason given (recorded once; a
    second decision on the same conflict returns the first)."""
    ensure_same_clinic(actor, patient)
    try:
        with transaction.atomic():
            decision = PrecautionDecision.objects.create(
                patient=patient,
                program=program,
                exercise_id=conflict.exercise_id,
                precaution=conflict.precaution,
                reason=reason,
                decided_by=actor.user,
            )
    except IntegrityError:
        return PrecautionDecision.objects.get(
            program=program, exercise_id=conflict.exercise_id, precaution=conflict.precaution
        )
    audit.record(actor, "precaution.keep", patient=patient, obj=program)
    return decision
