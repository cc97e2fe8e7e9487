"""Install or update the shared exercise library and starter templates from `programs.content`.

Called by data migrations with historical models (so it takes the model classes as
arguments) and safe to re-run: rows are matched by slug / template key and updated.
"""

from __future__ import annotations

from programs.content.exercises import EXERCISES, TEMPLATES

DOSAGE_FIELDS = (
    "sets",
    "reps",
    "hold_seconds",
    "rest_seconds",
    "duration_seconds",
    "times_per_day",
    "days_per_week",
    "side",
)


def _tokens(values: list[str]) -> str:
    # Same stored shape as programs.models.TokenSetField (historical models use CharField).
    return f" {' '.join(sorted(set(values)))} " if values else ""


def sync_shared_library(Exercise, ExerciseCue, Program, ProgramItem) -> None:
    by_slug = {}
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
            **{name: entry["dosage"][name] for name in DOSAGE_FIELDS},
        }
        exercise, _ = Exercise.objects.update_or_create(
            clinic=None, slug=entry["slug"], defaults=fields
        )
        ExerciseCue.objects.filter(exercise=exercise).delete()
        ExerciseCue.objects.bulk_create(
            ExerciseCue(exercise=exercise, order=i, kind=kind, text=text)
            for i, (kind, text) in enumerate(entry["cues"], start=1)
        )
        by_slug[entry["slug"]] = exercise

    for entry in TEMPLATES:
        program, _ = Program.objects.update_or_create(
            clinic=None,
            template_key=entry["key"],
            defaults={
                "is_template": True,
                "title": entry["title"],
                "goal": entry["goal"],
                "patient_notes": entry["patient_notes"],
                "status": "active",
            },
        )
        ProgramItem.objects.filter(program=program).delete()
        for order, slug in enumerate(entry["items"], start=1):
            exercise = by_slug[slug]
            ProgramItem.objects.create(
                program=program,
                exercise=exercise,
                order=order,
                **{name: getattr(exercise, name) for name in DOSAGE_FIELDS},
            )
