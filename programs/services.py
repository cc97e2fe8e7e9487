"""Writes on programs and exercises. Atomic, audited, with the acting user passed in.

`patient` arguments are opaque here (programs knows nothing about patients): the
patients app passes its Patient so the audit trail names whose program changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from clinic import audit
from clinic.actors import Actor
from clinic.edits import ensure_unchanged, version_of
from clinic.models import Clinic
from clinic.storage import stored_then_saved
from programs.dosage import DOSAGE_FIELDS, ITEM_FIELDS, describe_dosage
from programs.models import (
    Exercise,
    ExerciseCue,
    ExerciseTranslation,
    Program,
    ProgramItem,
    ProgramRevision,
)

MAX_ITEMS = 30
PROGRAM_FIELDS = (
    "title",
    "goal",
    "start_date",
    "review_date",
    "status",
    "patient_notes",
    "clinician_notes",
    "leaflets",
)


# Called with each saved program inside the saving transaction. The patients app keeps
# its per-day plan of what is prescribed in step this way: programs knows no patients.
PROGRAM_SAVED_HOOKS: list[Callable[[Program], None]] = []


class ProgramConflict(Exception):
    """Someone else saved the program after this editor loaded it."""

    def __init__(self, by: Any, at: datetime, revision: int) -> None:
        self.by, self.at, self.revision = by, at, revision
        when = date_format(timezone.localtime(at), "j M Y H:i")
        super().__init__(
            gettext(
                "This program was changed by {by} at {when} (revision {revision}) "
                "while you were editing. Reload it to see their changes, then make yours again."
            ).format(by=by or gettext("someone else"), when=when, revision=revision)
        )


class ProgramTooLong(ValueError):
    pass


class ProgramCompleted(ValueError):
    """A completed program is history: it is given again by starting it again (a new copy
    that is the patient's one current program), never by changing its status back, which
    would give the patient a second current program beside the one that replaced it."""


def program_snapshot(program: Program, items: list[ProgramItem]) -> dict:
    """A frozen, self-contained copy of what is prescribed: survives later edits of anything."""
    return {
        "title": program.title,
        "goal": program.goal,
        "status": program.status,
        "start_date": program.start_date.isoformat() if program.start_date else None,
        "review_date": program.review_date.isoformat() if program.review_date else None,
        "patient_notes": program.patient_notes,
        "leaflets": sorted(program.leaflets),
        "items": [
            {
                "exercise": str(item.exercise.uuid),
                "name": item.exercise.name,
                "lay_name": item.exercise.lay_name,
                "dosage": describe_dosage(item),
                **{name: _plain(getattr(item, name)) for name in ITEM_FIELDS},
            }
            for item in items
        ],
    }


def _plain(value: Any) -> Any:
    # JSON has no Decimal; kilograms keep their one decimal as a string.
    return str(value) if value is not None and not isinstance(value, int | str) else value


# What the dosage line says, as fields (the notes are not part of it).
DOSE_FIELDS = tuple(name for name in ITEM_FIELDS if name != "notes")


def _dose(item: dict) -> tuple:
    """What was prescribed, from a snapshot's fields rather than its dosage line: the
    line's wording changes (issue 13), and a reworded line is not a changed dose."""
    return tuple(item.get(name) for name in DOSE_FIELDS)


def describe_changes(before: dict | None, after: dict) -> str:
    """One line for the history: what a revision changed."""
    if before is None:
        return "Program created"
    changes = []
    old = {item["exercise"]: item for item in before.get("items", [])}
    new = {item["exercise"]: item for item in after["items"]}
    added = [item["name"] for key, item in new.items() if key not in old]
    removed = [item["name"] for key, item in old.items() if key not in new]
    changed = [
        item["name"] for key, item in new.items() if key in old and _dose(item) != _dose(old[key])
    ]
    if added:
        changes.append("added " + ", ".join(added))
    if removed:
        changes.append("removed " + ", ".join(removed))
    if changed:
        changes.append("changed dosage of " + ", ".join(changed))
    if [i["exercise"] for i in after["items"] if i["exercise"] in old] != [
        i["exercise"] for i in before.get("items", []) if i["exercise"] in new
    ]:
        changes.append("changed the order")
    for field in ("title", "goal", "status", "start_date", "review_date", "patient_notes"):
        if before.get(field) != after.get(field):
            changes.append(f"changed {field.replace('_', ' ')}")
    if before.get("leaflets", []) != after.get("leaflets", []):
        changes.append("changed the leaflets")
    text = "; ".join(changes) or "saved without changes"
    return (text[:1].upper() + text[1:])[:500]


def _record_revision(program: Program, actor: Any, previous: dict | None) -> ProgramRevision | None:
    if program.is_template:
        return None
    items = list(program.items.select_related("exercise"))
    snapshot = program_snapshot(program, items)
    return ProgramRevision.objects.create(
        program=program,
        number=program.revision,
        snapshot=snapshot,
        summary=describe_changes(previous, snapshot),
        created_by=actor,
        created_at=timezone.now(),
    )


@transaction.atomic
def program_copy(
    *,
    source: Program,
    clinic: Clinic,
    actor: Actor,
    as_template: bool = False,
    title: str | None = None,
    patient: Any = None,
) -> Program:
    """A clinic's own copy of a template or earlier program, with revision 1 recorded.

    A template made from a patient's own program leaves behind the free text written for
    that patient (the goal, the notes for the patient, each exercise's notes: they may
    name the patient or their condition), as the private clinician notes always are: the
    whole clinic sees the template and starts it for other patients. The exercises, their
    doses and the leaflets are what a template is for, and are copied."""
    user = actor.user
    for_others = as_template and source.pk is not None and not source.is_template
    program = Program.objects.create(
        clinic=clinic,
        is_template=as_template,
        title=(title or source.title)[:120],
        goal="" if for_others else source.goal,
        patient_notes="" if for_others else source.patient_notes,
        leaflets=source.leaflets,
        start_date=None if as_template else timezone.localdate(),
        based_on=source if source.pk else None,
        created_by=user,
        updated_by=user,
    )
    source_items = source.items.all() if source.pk else []
    copied = [name for name in ITEM_FIELDS if not (for_others and name == "notes")]
    ProgramItem.objects.bulk_create(
        ProgramItem(
            program=program,
            exercise_id=item.exercise_id,
            order=order,
            **{name: getattr(item, name) for name in copied},
        )
        for order, item in enumerate(source_items, start=1)
    )
    _record_revision(program, user, None)
    action = "template.create" if as_template else "program.create"
    audit.record(actor, action, clinic=clinic, patient=patient, obj=program)
    return program


@transaction.atomic
def program_save(
    *,
    program: Program,
    actor: Actor,
    expected_revision: int,
    fields: dict,
    items: list[dict],
    patient: Any = None,
) -> Program:
    """Save the whole program as edited in the builder: one save, one new revision.

    `items` are dicts with "exercise" (an Exercise) and the item fields, in order;
    an "id" keeps an existing item (so its id stays stable for logged sessions).
    Refuses with ProgramConflict when someone saved since `expected_revision`.
    """
    user = actor.user
    if len(items) > MAX_ITEMS:
        raise ProgramTooLong(
            gettext("A program can have at most {count} exercises.").format(count=MAX_ITEMS)
        )
    # No key update: a session logged against this program meanwhile (its foreign key
    # takes a key-share lock on the program) is not made to wait for the save. A log
    # holds its patient and then inserts; a save holds the program and then writes the
    # patient's plan (the hooks): with FOR UPDATE each waited for the other, a deadlock.
    locked = Program.objects.select_for_update(no_key=True).get(pk=program.pk)
    if locked.revision != expected_revision:
        raise ProgramConflict(locked.updated_by, locked.updated_at, locked.revision)
    completed = Program.Status.COMPLETED
    if locked.status == completed and fields.get("status", completed) != completed:
        raise ProgramCompleted(
            gettext(
                "“{title}” has been completed, perhaps in another window. To give it to the "
                "patient again, start it again from the earlier programs on their chart."
            ).format(title=locked.title)
        )
    previous = locked.revisions.order_by("-number").values_list("snapshot", flat=True).first()

    for name in PROGRAM_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.revision += 1
    locked.updated_by = user
    locked.save()

    # Keyed by id; a new row has none, and pop(None) finds nothing, as it should.
    existing: dict[int | None, ProgramItem] = {item.pk: item for item in locked.items.all()}
    keep: list[ProgramItem] = []
    for order, row in enumerate(items, start=1):
        item = existing.pop(row.get("id"), None) or ProgramItem(program=locked)
        item.exercise = row["exercise"]
        item.order = order
        for name in ITEM_FIELDS:
            setattr(item, name, row.get(name, getattr(item, name)))
        keep.append(item)
    ProgramItem.objects.filter(pk__in=list(existing)).delete()
    # Orders are rewritten 1..n; no unique constraint on order, so no shuffle needed.
    ProgramItem.objects.bulk_update(
        [item for item in keep if item.pk], ["exercise", "order", *ITEM_FIELDS]
    )
    ProgramItem.objects.bulk_create([item for item in keep if not item.pk])

    _record_revision(locked, user, previous)
    for hook in PROGRAM_SAVED_HOOKS:
        hook(locked)
    action = "template.update" if locked.is_template else "program.update"
    audit.record(actor, action, clinic=locked.clinic, patient=patient, obj=locked)
    return locked


@transaction.atomic
def program_set_status(
    *,
    program: Program,
    actor: Actor,
    status: str,
    patient: Any = None,
) -> Program:
    """Pause, resume or complete. A status change is a change to what is prescribed."""
    return program_save(
        program=program,
        actor=actor,
        expected_revision=program.revision,
        fields={"status": status},
        items=[
            {"id": item.pk, "exercise": item.exercise}
            for item in program.items.select_related("exercise")
        ],
        patient=patient,
    )


def exercise_save(
    *,
    actor: Actor,
    fields: dict,
    cues: list[tuple[str, str]],
    exercise: Exercise | None = None,
    photo: Any = None,
    seen: str | None = None,
) -> Exercise:
    """Create or update one of the clinic's own exercises (never a shared one), with its
    already-sanitised photo (clinic.lib.images) if one is given. `seen`: the version of
    the fields and steps the page showed; EditedMeanwhile if they changed since.

    The photo is stored first and the exercise saved after, in one transaction: if the
    disk refuses the photo nothing is saved (StorageFailed), and if saving fails the new
    photo is removed. The photo it replaces goes once the change has committed.
    """
    if exercise is not None and exercise.clinic_id != actor.clinic.pk:
        raise PermissionError("Shared library exercises are read-only.")
    exercise = exercise or Exercise(clinic=actor.clinic)
    if photo is None:
        with transaction.atomic():
            return _exercise_write(actor, exercise, fields, cues, seen)
    name = exercise.photo.field.generate_filename(exercise, f"{actor.clinic.uuid}/{photo.name}")
    old = exercise.photo.name if exercise.photo else ""
    with stored_then_saved(name, photo, replaces=old) as stored:
        saved = _exercise_write(actor, exercise, fields, cues, seen, photo=stored)
        audit.record(actor, "exercise.photo", obj=saved)
    return saved


def _exercise_write(
    actor: Actor, exercise: Exercise, fields: dict, cues, seen: str | None = None, photo: str = ""
) -> Exercise:
    if exercise.pk is not None:
        # Written on the row as locked now: two saves take turns, and the second is
        # refused if the first changed what its page showed (a colleague's new "Stop if").
        exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
        ensure_unchanged(
            exercise, seen, fields, related=exercise.steps_as_written(), related_sent=cues
        )
    if photo:
        exercise.photo.name = photo
    for name, value in fields.items():
        setattr(exercise, name, value)
    exercise.save()
    exercise.cues.all().delete()
    ExerciseCue.objects.bulk_create(
        ExerciseCue(exercise=exercise, order=i, kind=kind, text=text)
        for i, (kind, text) in enumerate(cues, start=1)
    )
    audit.record(actor, "exercise.save", obj=exercise)
    return exercise


@transaction.atomic
def exercise_copy(*, actor: Actor, source: Exercise) -> Exercise:
    """The clinic's own editable copy of a shared exercise; it keeps the drawing."""
    copy = Exercise.objects.create(
        clinic=actor.clinic,
        name=f"{source.name} (our version)"[:80],
        lay_name=source.lay_name,
        category=source.category,
        regions=source.regions,
        position=source.position,
        equipment=source.equipment,
        style=source.style,
        cautions=source.cautions,
        stop_if=source.stop_if,
        illustration=source.illustration,
        contraindications=source.contraindications,
        easier=source.easier,
        harder=source.harder,
        progress_when=source.progress_when,
        based_on=source,
        **{name: getattr(source, name) for name in DOSAGE_FIELDS},
    )
    ExerciseCue.objects.bulk_create(
        ExerciseCue(exercise=copy, order=cue.order, kind=cue.kind, text=cue.text)
        for cue in source.cues.all()
    )
    # The copy starts with the same words, so it keeps their translations (the clinic
    # edits them with the English on the exercise's translation page).
    ExerciseTranslation.objects.bulk_create(
        ExerciseTranslation(
            exercise=copy,
            language=row.language,
            name=row.name,
            lay_name=row.lay_name,
            cautions=row.cautions,
            stop_if=row.stop_if,
            cues=row.cues,
            cue_kinds=row.cue_kinds,
        )
        for row in source.translations.all()
    )
    audit.record(actor, "exercise.copy", obj=copy)
    return copy


# What a translation page shows and saves of the row: its version covers these.
TRANSLATION_FIELDS = ("name", "lay_name", "cautions", "stop_if", "cues", "cue_kinds")


def translation_version(row: ExerciseTranslation | None) -> str:
    """The version a translation page shows ("" when there is no translation yet)."""
    return version_of(row, TRANSLATION_FIELDS)


@transaction.atomic
def exercise_translation_save(
    *,
    actor: Actor,
    exercise: Exercise,
    language: str,
    fields: dict,
    cues: list[str],
    seen: str | None = None,
) -> ExerciseTranslation:
    """A clinic's own exercise in another language (the built-in library's translations
    are ours: programs.library_sync). `cues` are the steps' texts in the English steps'
    order. Patients reading `language` see it from now on instead of the English.
    `seen`: the translation_version the page showed ("" for none yet); EditedMeanwhile
    if a colleague saved other words since."""
    if exercise.clinic_id != actor.clinic.pk:
        raise PermissionError("Shared library exercises are read-only.")
    # Each text keeps the kind of the English step it translates.
    kinds = list(exercise.cues.order_by("order").values_list("kind", flat=True))[: len(cues)]
    values = {**fields, "cues": cues, "cue_kinds": kinds}
    row, created = ExerciseTranslation.objects.get_or_create(
        exercise=exercise, language=language, defaults=values
    )
    if not created:
        row = ExerciseTranslation.objects.select_for_update().get(pk=row.pk)
        ensure_unchanged(row, seen, values)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    audit.record(actor, "exercise.translate", obj=exercise)
    return row
