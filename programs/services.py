"""Writes on programs and exercises. Atomic, audited, with the acting user passed in.

`patient` arguments are opaque here (programs knows nothing about patients): the
patients app passes its Patient so the audit trail names whose program changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.models import Clinic, Membership
from programs.dosage import DOSAGE_FIELDS, ITEM_FIELDS, describe_dosage
from programs.models import Exercise, ExerciseCue, Program, ProgramItem, ProgramRevision

MAX_ITEMS = 30
PROGRAM_FIELDS = (
    "title",
    "goal",
    "start_date",
    "review_date",
    "status",
    "patient_notes",
    "clinician_notes",
)


class ProgramConflict(Exception):
    """Someone else saved the program after this editor loaded it."""

    def __init__(self, by: Any, at: datetime, revision: int) -> None:
        self.by, self.at, self.revision = by, at, revision
        when = timezone.localtime(at).strftime("%d %b %Y %H:%M")
        super().__init__(
            f"This program was changed by {by or 'someone else'} at {when} (revision {revision}) "
            "while you were editing. Reload it to see their changes, then make yours again."
        )


class ProgramTooLong(ValueError):
    pass


def program_snapshot(program: Program, items: list[ProgramItem]) -> dict:
    """A frozen, self-contained copy of what is prescribed: survives later edits of anything."""
    return {
        "title": program.title,
        "goal": program.goal,
        "status": program.status,
        "start_date": program.start_date.isoformat() if program.start_date else None,
        "review_date": program.review_date.isoformat() if program.review_date else None,
        "patient_notes": program.patient_notes,
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
        item["name"]
        for key, item in new.items()
        if key in old and item["dosage"] != old[key]["dosage"]
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
    membership: Membership,
    as_template: bool = False,
    title: str | None = None,
    patient: Any = None,
    request: Any = None,
) -> Program:
    """A clinic's own copy of a template or earlier program, with revision 1 recorded."""
    actor = membership.user
    program = Program.objects.create(
        clinic=clinic,
        is_template=as_template,
        title=(title or source.title)[:120],
        goal=source.goal,
        patient_notes=source.patient_notes,
        start_date=None if as_template else timezone.localdate(),
        based_on=source if source.pk else None,
        created_by=actor,
        updated_by=actor,
    )
    source_items = source.items.all() if source.pk else []
    ProgramItem.objects.bulk_create(
        ProgramItem(
            program=program,
            exercise_id=item.exercise_id,
            order=order,
            **{name: getattr(item, name) for name in ITEM_FIELDS},
        )
        for order, item in enumerate(source_items, start=1)
    )
    _record_revision(program, actor, None)
    audit.record(
        actor=actor,
        role=membership.role,
        action="template.create" if as_template else "program.create",
        clinic=clinic,
        patient=patient,
        obj=program,
        request=request,
    )
    return program


@transaction.atomic
def program_save(
    *,
    program: Program,
    membership: Membership,
    expected_revision: int,
    fields: dict,
    items: list[dict],
    patient: Any = None,
    request: Any = None,
) -> Program:
    """Save the whole program as edited in the builder: one save, one new revision.

    `items` are dicts with "exercise" (an Exercise) and the item fields, in order;
    an "id" keeps an existing item (so its id stays stable for logged sessions).
    Refuses with ProgramConflict when someone saved since `expected_revision`.
    """
    actor = membership.user
    if len(items) > MAX_ITEMS:
        raise ProgramTooLong(f"A program can have at most {MAX_ITEMS} exercises.")
    locked = Program.objects.select_for_update().get(pk=program.pk)
    if locked.revision != expected_revision:
        raise ProgramConflict(locked.updated_by, locked.updated_at, locked.revision)
    previous = locked.revisions.order_by("-number").values_list("snapshot", flat=True).first()

    for name in PROGRAM_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.revision += 1
    locked.updated_by = actor
    locked.save()

    existing = {item.pk: item for item in locked.items.all()}
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

    _record_revision(locked, actor, previous)
    audit.record(
        actor=actor,
        role=membership.role,
        action="template.update" if locked.is_template else "program.update",
        clinic=locked.clinic,
        patient=patient,
        obj=locked,
        request=request,
    )
    return locked


@transaction.atomic
def program_set_status(
    *,
    program: Program,
    membership: Membership,
    status: str,
    patient: Any = None,
    request: Any = None,
) -> Program:
    """Pause, resume or complete. A status change is a change to what is prescribed."""
    return program_save(
        program=program,
        membership=membership,
        expected_revision=program.revision,
        fields={"status": status},
        items=[
            {"id": item.pk, "exercise": item.exercise}
            for item in program.items.select_related("exercise")
        ],
        patient=patient,
        request=request,
    )


@transaction.atomic
def exercise_save(
    *,
    membership: Membership,
    fields: dict,
    cues: list[tuple[str, str]],
    exercise: Exercise | None = None,
    request: Any = None,
) -> Exercise:
    """Create or update one of the clinic's own exercises (never a shared one)."""
    if exercise is not None and exercise.clinic_id != membership.clinic_id:
        raise PermissionError("Shared library exercises are read-only.")
    exercise = exercise or Exercise(clinic=membership.clinic)
    for name, value in fields.items():
        setattr(exercise, name, value)
    exercise.save()
    exercise.cues.all().delete()
    ExerciseCue.objects.bulk_create(
        ExerciseCue(exercise=exercise, order=i, kind=kind, text=text)
        for i, (kind, text) in enumerate(cues, start=1)
    )
    audit.by_staff(membership, "exercise.save", obj=exercise, request=request)
    return exercise


@transaction.atomic
def exercise_copy(*, membership: Membership, source: Exercise, request: Any = None) -> Exercise:
    """The clinic's own editable copy of a shared exercise; it keeps the drawing."""
    copy = Exercise.objects.create(
        clinic=membership.clinic,
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
        based_on=source,
        **{name: getattr(source, name) for name in DOSAGE_FIELDS},
    )
    ExerciseCue.objects.bulk_create(
        ExerciseCue(exercise=copy, order=cue.order, kind=cue.kind, text=cue.text)
        for cue in source.cues.all()
    )
    audit.by_staff(membership, "exercise.copy", obj=copy, request=request)
    return copy


@transaction.atomic
def exercise_set_photo(
    *, membership: Membership, exercise: Exercise, photo: Any, request: Any = None
) -> Exercise:
    """Attach an already-sanitised photo (clinic.images) to one of the clinic's exercises."""
    if exercise.clinic_id != membership.clinic_id:
        raise PermissionError("Shared library exercises are read-only.")
    old = exercise.photo.name if exercise.photo else ""
    exercise.photo.save(f"{membership.clinic.uuid}/{photo.name}", photo, save=True)
    if old:
        transaction.on_commit(lambda: exercise.photo.storage.delete(old))
    audit.by_staff(membership, "exercise.photo", obj=exercise, request=request)
    return exercise
