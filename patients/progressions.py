"""Progressions: which exercises of a patient's program have met their "progress when"
rule (programs.progressions.THRESHOLDS) over the patient's own logs, and the one-click
swap to the harder version in a new revision.

A suggestion is only a suggestion: the clinician decides, and the swap goes through
program_save like any builder edit (one new revision, audited, conflict-checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from clinic.permissions import Actor
from patients import adherence
from patients.intake import patient_precautions
from patients.models import MorningCheck, Patient, SessionEntry
from programs import precautions
from programs.dosage import DOSAGE_FIELDS, ITEM_FIELDS, ONE_SIDE
from programs.models import Exercise, Program, ProgramItem, Side
from programs.progressions import THRESHOLDS
from programs.services import program_save

# The patient's schedule carries over to the harder exercise; its amounts do not (a
# single-leg bridge is not done for the reps of a bridge).
KEPT_ON_SWAP = ("times_per_day", "days_per_week", "weekdays")
# So does a prescription for one side (the operated or weak leg) when the harder exercise
# is done a side at a time: its default ("on each side") doubled the work and lost the side.
A_SIDE_AT_A_TIME = ONE_SIDE | {Side.EACH_SIDE, Side.ALTERNATING}


@dataclass(frozen=True)
class Suggestion:
    item: ProgramItem
    harder: Exercise
    rule: str
    sessions: int
    worst_pain: int


class NotSuggested(Exception):
    """The swap asked for is not (or no longer) a progression the program has earned."""


def _as_prescribed(entry: dict, sets: int, reps: int) -> bool:
    """Whether a logged exercise was done as prescribed (`sets`, `reps`: _doses). A tick
    alone (Today's "Done") stores no amounts: it means the amount prescribed (counted as
    none, a patient who only ever ticked never earned a suggestion). An amount the
    patient gave ("I did a different amount") counts as it says: fewer sets or fewer reps
    are not a full go."""
    sets_done, reps_done = entry["sets_done"], entry["reps_done"]
    return (sets_done is None or sets_done >= sets) and (
        reps_done is None or not reps or reps_done >= reps
    )


def _doses(items: list[ProgramItem]) -> dict[int, tuple[int, int]]:
    """Each exercise's dose as its log entry counts it: the log keeps one entry per
    exercise, its rows' sets added up and the larger reps (practice_log.by_exercise). One
    side of an exercise listed a row a side was judged against one row: a full go."""
    doses: dict[int, tuple[int, int]] = {}
    for item in items:
        sets, reps = doses.get(item.exercise_id, (0, 0))
        doses[item.exercise_id] = (sets + (item.sets or 1), max(reps, item.reps or 0))
    return doses


def suggestions(
    patient: Patient,
    program: Program,
    today: date | None = None,
    codes: list[str] | None = None,
    items: list | None = None,
) -> list[Suggestion]:
    """The program's items whose rule is met over its window ending today, in order.

    Met means: the patient had the program for the whole window, no morning check in it
    was worse than the day before, every logged session with the exercise had pain
    during at most the threshold, and enough of them had every prescribed set done. An
    item whose harder version is already in the program, or is ruled out by one of the
    patient's precautions (`codes`, read from the intake when not given), is not
    suggested. A page that has read the program's `items` (with `exercise__harder`)
    passes them.
    """
    today = today or adherence.patient_today(patient)
    if items is None:
        items = list(program.items.select_related("exercise__harder"))
    in_program = {item.exercise_id for item in items}
    items = [
        item
        for item in items
        if item.exercise.harder_id
        and not item.exercise.harder.is_archived
        and item.exercise.progress_when in THRESHOLDS
    ]
    # An item's window must lie within the patient's time with the program (a program
    # started last week has earned nothing yet): checked before anything is read.
    started = _started_on(patient, program)
    items = [
        item for item in items if started is not None and started <= _window_start(item, today)
    ]
    if not items:
        return []
    ruled_out = {
        conflict.exercise_id
        for conflict in precautions.conflicts(
            patient_precautions(patient) if codes is None else codes,
            [item.exercise.harder for item in items],
        )
    }
    longest = max(THRESHOLDS[item.exercise.progress_when].days for item in items)
    since = today - timedelta(days=longest - 1)
    entries = list(
        SessionEntry.objects.filter(
            session__patient=patient,
            session__program=program,
            session__performed_on__range=(since, today),
            exercise_id__in=[item.exercise_id for item in items],
        ).values("exercise_id", "sets_done", "reps_done", "session__pain", "session__performed_on")
    )
    worse_mornings = list(
        MorningCheck.objects.filter(
            patient=patient,
            checked_on__range=(since, today),
            compared=MorningCheck.Compared.WORSE,
        ).values_list("checked_on", flat=True)
    )
    doses = _doses(items)
    found = []
    judged = set()
    for item in items:
        # An exercise listed twice is judged, and suggested, once (its first row).
        if item.exercise_id in judged:
            continue
        judged.add(item.exercise_id)
        harder = item.exercise.harder
        if harder.pk in in_program or harder.pk in ruled_out:
            continue
        threshold = THRESHOLDS[item.exercise.progress_when]
        start = _window_start(item, today)
        if threshold.mornings_no_worse and any(day >= start for day in worse_mornings):
            continue
        mine = [
            e
            for e in entries
            if e["exercise_id"] == item.exercise_id and e["session__performed_on"] >= start
        ]
        pains = [e["session__pain"] for e in mine if e["session__pain"] is not None]
        if any(pain > threshold.pain_at_most for pain in pains):
            continue
        complete = [
            e
            for e in mine
            if e["session__pain"] is not None and _as_prescribed(e, *doses[item.exercise_id])
        ]
        if len(complete) < threshold.sessions_at_least:
            continue
        found.append(
            Suggestion(
                item=item,
                harder=harder,
                rule=threshold.text,
                sessions=len(complete),
                worst_pain=max(pains, default=0),
            )
        )
    return found


def _window_start(item, today: date) -> date:
    """The first day of the item's rule window ending today."""
    return today - timedelta(days=THRESHOLDS[item.exercise.progress_when].days - 1)


def _started_on(patient: Patient, program: Program) -> date | None:
    """The day the patient's copy of the program was assigned, in the patient's time."""
    assigned = getattr(getattr(program, "assignment", None), "assigned_at", None)
    if assigned is None:
        return None
    return assigned.astimezone(patient.tzinfo).date()


@transaction.atomic
def progress_item(
    *, actor: Actor, patient: Patient, program: Program, item_id: int, expected_revision: int
) -> tuple[Program, Suggestion]:
    """Swap one suggested item for its harder version in a new revision: the harder
    exercise's own amounts, the patient's schedule kept. Raises NotSuggested when the
    item no longer qualifies, ProgramConflict when the program changed since the page."""
    suggestion = next(
        (s for s in suggestions(patient, program) if s.item.pk == item_id),
        None,
    )
    if suggestion is None:
        raise NotSuggested("That exercise is no longer ready to progress.")
    rows = []
    for item in program.items.select_related("exercise").order_by("order"):
        row = {"id": item.pk, "exercise": item.exercise}
        row.update({name: getattr(item, name) for name in ITEM_FIELDS})
        if item.pk == item_id:
            row["exercise"] = suggestion.harder
            row.update({name: getattr(suggestion.harder, name) for name in DOSAGE_FIELDS})
            row.update({name: getattr(item, name) for name in KEPT_ON_SWAP})
            if item.side in ONE_SIDE and suggestion.harder.side in A_SIDE_AT_A_TIME:
                row["side"] = item.side
            row.update(load_kind="", load_kg=None, load_band="", load_effort=None, notes="")
        rows.append(row)
    saved = program_save(
        program=program,
        actor=actor,
        expected_revision=expected_revision,
        fields={},
        items=rows,
        patient=patient,
    )
    return saved, suggestion
