"""Install or update the shared exercise library and starter templates from `programs.content`.

Called by data migrations with historical models (so it takes the model classes as
arguments) and safe to re-run: rows are matched by slug / template key and updated.
"""

from __future__ import annotations

from programs.content.clinical import CONTRAINDICATIONS, PROGRESSIONS
from programs.content.exercises import EXERCISES, TEMPLATES
from programs.content.leaflets import FOR_TEMPLATES
from programs.content.pathways import PATHWAYS
from programs.dosage import DOSAGE_FIELDS


def _tokens(values: list[str]) -> str:
    # Same stored shape as programs.models.TokenSetField (historical models use CharField).
    return f" {' '.join(sorted(set(values)))} " if values else ""


def _has(model, name: str) -> bool:
    # Migrations run this with the historical model of their own time: an early migration
    # on a fresh database has none of the fields added after it, and must not write them.
    return any(field.name == name for field in model._meta.get_fields())


def dosage_of(entry: dict, Exercise) -> dict:
    """An entry's default dosage for the given (possibly historical) model: a field the
    content leaves out takes the model's default (None for "no reps", "no duration"), and
    a field the model does not have yet is not written."""
    return {
        name: entry["dosage"].get(name, Exercise._meta.get_field(name).get_default())
        for name in DOSAGE_FIELDS
        if _has(Exercise, name)
    }


def _unchanged(exercise, fields: dict, cues: list[tuple[str, str]], ExerciseCue) -> bool:
    saved_cues = ExerciseCue.objects.filter(exercise=exercise).order_by("order")

    def same(name: str, value) -> bool:
        # As the field reads both: a token field holds a list, and is given " a b ".
        field = exercise._meta.get_field(name)
        return field.to_python(getattr(exercise, name)) == field.to_python(value)

    return (
        all(same(name, value) for name, value in fields.items())
        and [(cue.kind, cue.text) for cue in saved_cues] == cues
    )


def sync_shared_library(Exercise, ExerciseCue, Program, ProgramItem) -> None:
    by_slug = {}
    clinical = _has(Exercise, "contraindications")
    for entry in EXERCISES:
        fields = {
            "name": entry["name"],
            "lay_name": entry["lay_name"],
            "category": entry["category"],
            "regions": _tokens(entry["regions"]),
            "position": entry["position"],
            "equipment": _tokens(entry["equipment"]),
            "style": entry["style"],
            "cautions": entry["cautions"],
            "stop_if": entry["stop_if"],
            "illustration": entry["slug"],
            **dosage_of(entry, Exercise),
        }
        if clinical:
            fields["contraindications"] = _tokens(CONTRAINDICATIONS.get(entry["slug"], []))
            fields["progress_when"] = PROGRESSIONS.get(entry["slug"], {}).get("progress_when", "")
        cues = [(kind, text) for kind, text in entry["cues"]]
        exercise = Exercise.objects.filter(clinic=None, slug=entry["slug"]).first()
        if exercise is not None and _unchanged(exercise, fields, cues, ExerciseCue):
            # Saved, its updated_at would move: every handout with it would be drawn
            # again and carry a new date (programs.handouts.sheet_date) with nothing new.
            by_slug[entry["slug"]] = exercise
            continue
        exercise, _ = Exercise.objects.update_or_create(
            clinic=None, slug=entry["slug"], defaults=fields
        )
        ExerciseCue.objects.filter(exercise=exercise).delete()
        ExerciseCue.objects.bulk_create(
            ExerciseCue(exercise=exercise, order=i, kind=kind, text=text)
            for i, (kind, text) in enumerate(cues, start=1)
        )
        by_slug[entry["slug"]] = exercise
    if clinical:
        _link_progressions(Exercise, by_slug)

    for entry in _template_entries():
        fields = {
            "is_template": True,
            "title": entry["title"],
            "goal": entry["goal"],
            "patient_notes": entry["patient_notes"],
            "status": "active",
        }
        if _has(Program, "leaflets"):
            fields["leaflets"] = _tokens(list(entry["leaflets"]))
        program, _ = Program.objects.update_or_create(
            clinic=None, template_key=entry["key"], defaults=fields
        )
        ProgramItem.objects.filter(program=program).delete()
        for order, slug in enumerate(entry["items"], start=1):
            exercise = by_slug[slug]
            ProgramItem.objects.create(
                program=program,
                exercise=exercise,
                order=order,
                **{
                    name: getattr(exercise, name)
                    for name in DOSAGE_FIELDS
                    if _has(ProgramItem, name)
                },
            )


def _template_entries():
    """The starter templates, then the condition pathways (templates with a rationale)."""
    for entry in TEMPLATES:
        yield {**entry, "leaflets": FOR_TEMPLATES.get(entry["key"], ())}
    for pathway in PATHWAYS:
        yield {
            "key": pathway.key,
            "title": pathway.title,
            "goal": pathway.goal,
            "patient_notes": pathway.patient_notes,
            "items": list(pathway.items),
            "leaflets": pathway.leaflets,
        }


def _link_progressions(Exercise, by_slug: dict) -> None:
    """easier/harder from PROGRESSIONS, each link with its mirror."""
    links: dict[str, dict[str, object]] = {
        slug: {"easier": None, "harder": None} for slug in by_slug
    }
    for slug, entry in PROGRESSIONS.items():
        if entry.get("harder"):
            links[slug]["harder"] = by_slug[entry["harder"]]
            links[entry["harder"]]["easier"] = by_slug[slug]
        if entry.get("easier"):
            links[slug]["easier"] = by_slug[entry["easier"]]
            links[entry["easier"]]["harder"] = by_slug[slug]
    for slug, fields in links.items():
        Exercise.objects.filter(pk=by_slug[slug].pk).update(**fields)


TRANSLATED_FIELDS = ("name", "lay_name", "cautions", "stop_if")


def sync_library_translations(Exercise, ExerciseTranslation) -> int:
    """Install or update the built-in exercises' translations from
    programs.content.translations; returns how many rows were written. A row is written
    only when its text changed (its updated_at is part of a stored handout's key), so
    this is cheap to run after every migrate. Entries for exercises not installed (yet)
    are skipped; a clinic's own exercises are never touched."""
    from programs.content import translations

    written = 0
    for language in translations.available():
        entries = translations.load(language)["exercises"]
        shared = Exercise.objects.filter(clinic__isnull=True, slug__in=list(entries))
        existing = {
            row.exercise_id: row
            for row in ExerciseTranslation.objects.filter(language=language, exercise__in=shared)
        }
        for exercise in shared:
            entry = entries[exercise.slug]
            values = {name: entry.get(name, "") or "" for name in TRANSLATED_FIELDS}
            values["cues"] = [text for _kind, text in entry.get("cues", [])]
            if _has(ExerciseTranslation, "cue_kinds"):
                values["cue_kinds"] = [kind for kind, _text in entry.get("cues", [])]
            row = existing.get(exercise.pk)
            if row is not None and all(getattr(row, k) == v for k, v in values.items()):
                continue
            if row is None:
                row = ExerciseTranslation(exercise=exercise, language=language)
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            written += 1
    return written
