"""The getters for exercises and templates a staff view touches, by their public id.

Shared library rows (no clinic) are visible to every clinic and read-only; another
clinic's own rows do not exist for this one (an audited 404, through clinic.permissions).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest

from clinic import permissions
from clinic.parsing import parse_uuid
from programs.models import Exercise, ExerciseCue, Program


def exercise_or_404(request: HttpRequest, exercise_uuid) -> Exercise:
    """A shared exercise, or one of this clinic's own."""
    key = parse_uuid(exercise_uuid)
    exercise = (
        Exercise.objects.visible_to_clinic(request.clinic.pk)
        .prefetch_related(Prefetch("cues", queryset=ExerciseCue.objects.order_by("order")))
        .filter(uuid=key)
        .first()
        if key
        else None
    )
    if exercise is None:
        raise permissions.not_found(request, "exercise", exercise_uuid)
    return exercise


def own_exercise_or_404(request: HttpRequest, exercise_uuid) -> Exercise:
    exercise = exercise_or_404(request, exercise_uuid)
    if exercise.is_shared:
        raise PermissionDenied("Shared library exercises are read-only. Make a copy to adapt it.")
    return exercise


def template_or_404(request: HttpRequest, program_uuid) -> Program:
    """A shared template, or one of this clinic's own."""
    key = parse_uuid(program_uuid)
    template = (
        Program.objects.templates_for(request.clinic.pk).filter(uuid=key).first() if key else None
    )
    if template is None:
        raise permissions.not_found(request, "program", program_uuid)
    return template


def own_template_or_404(request: HttpRequest, program_uuid) -> Program:
    template = template_or_404(request, program_uuid)
    if template.clinic_id is None:
        raise PermissionDenied("Shared templates are read-only.")
    return template
