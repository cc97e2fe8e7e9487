"""Clinician portal: the exercise library and the clinic's program templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, permissions
from clinic.models import AuditEvent
from programs.builder_view import builder_page
from programs.forms import ExerciseForm, LibraryFilterForm
from programs.models import Exercise, ExerciseCue, Program
from programs.services import exercise_copy, exercise_save, exercise_set_photo, program_copy

LIBRARY_PAGE_SIZE = 20


def _denied_404(request: HttpRequest, kind: str, key) -> Http404:
    audit.record(
        actor=request.user,
        role=request.membership.role,
        action="access.denied",
        clinic=request.clinic,
        outcome=AuditEvent.Outcome.DENIED,
        object_type=kind,
        object_id=str(key),
        request=request,
    )
    return Http404()


def _exercise(request: HttpRequest, exercise_uuid) -> Exercise:
    """Shared or own exercise; another clinic's does not exist for this user."""
    exercise = (
        Exercise.objects.visible_to_clinic(request.clinic.pk)
        .prefetch_related(Prefetch("cues", queryset=ExerciseCue.objects.order_by("order")))
        .filter(uuid=exercise_uuid)
        .first()
    )
    if exercise is None:
        raise _denied_404(request, "exercise", exercise_uuid)
    return exercise


def _own_exercise(request: HttpRequest, exercise_uuid) -> Exercise:
    exercise = _exercise(request, exercise_uuid)
    if exercise.is_shared:
        raise PermissionDenied("Shared library exercises are read-only. Make a copy to adapt it.")
    return exercise


@require_GET
@permissions.staff_required
def library(request: HttpRequest) -> HttpResponse:
    filters = LibraryFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    exercises = Exercise.objects.visible_to_clinic(request.clinic.pk).search(params.get("q", ""))
    if params.get("category"):
        exercises = exercises.filter(category=params["category"])
    if params.get("position"):
        exercises = exercises.filter(position=params["position"])
    if params.get("region"):
        exercises = exercises.in_region(params["region"])
    if params.get("equipment"):
        exercises = exercises.with_equipment(params["equipment"])
    exercises = exercises.prefetch_related(
        Prefetch("cues", queryset=ExerciseCue.objects.order_by("order"))
    )
    page = Paginator(exercises, LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinician/library.html",
        {"page": page, "filters": filters, "querystring": query.urlencode(), "nav": "library"},
    )


@require_GET
@permissions.staff_required
def exercise_detail(request: HttpRequest, exercise_uuid) -> HttpResponse:
    exercise = _exercise(request, exercise_uuid)
    return render(
        request, "clinician/exercise_detail.html", {"exercise": exercise, "nav": "library"}
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required(admin=True)
def exercise_new(request: HttpRequest) -> HttpResponse:
    return _exercise_form(request, None)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required(admin=True)
def exercise_edit(request: HttpRequest, exercise_uuid) -> HttpResponse:
    return _exercise_form(request, _own_exercise(request, exercise_uuid))


def _exercise_form(request: HttpRequest, exercise: Exercise | None) -> HttpResponse:
    form = ExerciseForm(request.POST or None, request.FILES or None, instance=exercise)
    if request.method == "POST" and form.is_valid():
        saved = exercise_save(
            membership=request.membership,
            exercise=Exercise.objects.get(pk=exercise.pk) if exercise else None,
            fields=form.exercise_fields(),
            cues=form.cues(),
            request=request,
        )
        if form.cleaned_data.get("photo"):
            exercise_set_photo(
                membership=request.membership,
                exercise=saved,
                photo=form.cleaned_data["photo"],
                request=request,
            )
        messages.success(request, f"“{saved.name}” was saved.")
        return redirect("exercise_detail", exercise_uuid=saved.uuid)
    return render(
        request,
        "clinician/exercise_form.html",
        {"form": form, "exercise": exercise, "nav": "library"},
    )


@require_POST
@permissions.staff_required(admin=True)
def exercise_copy_view(request: HttpRequest, exercise_uuid) -> HttpResponse:
    source = _exercise(request, exercise_uuid)
    copy = exercise_copy(membership=request.membership, source=source, request=request)
    messages.success(request, "This is your clinic's own copy. Change anything you like.")
    return redirect("exercise_edit", exercise_uuid=copy.uuid)


@require_GET
@permissions.staff_required
def exercise_photo(request: HttpRequest, exercise_uuid) -> HttpResponse:
    """Clinic photos are served through a permission check, never from a public folder."""
    exercise = _exercise(request, exercise_uuid)
    if not exercise.photo:
        raise Http404
    response = FileResponse(exercise.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@permissions.staff_required
def templates(request: HttpRequest) -> HttpResponse:
    programs = (
        Program.objects.templates_for(request.clinic.pk)
        .annotate(item_count=Count("items"))
        .order_by("clinic_id", "title")
    )
    return render(request, "clinician/templates.html", {"templates": programs, "nav": "templates"})


@require_POST
@permissions.staff_required
def template_new(request: HttpRequest) -> HttpResponse:
    template = program_copy(
        source=Program(title="New template"),
        clinic=request.clinic,
        membership=request.membership,
        as_template=True,
        request=request,
    )
    return redirect("template_edit", program_uuid=template.uuid)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def template_edit(request: HttpRequest, program_uuid) -> HttpResponse:
    template = Program.objects.templates_for(request.clinic.pk).filter(uuid=program_uuid).first()
    if template is None:
        raise _denied_404(request, "program", program_uuid)
    if template.clinic_id is None:
        raise PermissionDenied("Shared templates are read-only.")
    url = reverse("templates")
    return builder_page(
        request,
        program=template,
        heading=f"Template: {template.title}",
        back_url=url,
        done_url=url,
    )
