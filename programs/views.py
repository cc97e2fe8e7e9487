"""Clinician portal: the exercise library and the clinic's program templates."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import once, permissions
from clinic.edits import EditedMeanwhile
from clinic.storage import StorageFailed, upload_response
from programs.access import exercise_or_404, own_exercise_or_404, own_template_or_404
from programs.builder.page import builder_page
from programs.content import pathways
from programs.forms import ExerciseForm, ExerciseTranslationForm, LibraryFilterForm
from programs.models import Exercise, ExerciseCue, Program
from programs.services import (
    exercise_copy,
    exercise_save,
    exercise_translation_save,
    program_copy,
    translation_version,
)

LIBRARY_PAGE_SIZE = 20


@require_GET
@permissions.staff_required("library.view")
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
@permissions.staff_required("library.view")
def exercise_detail(request: HttpRequest, exercise_uuid) -> HttpResponse:
    exercise = exercise_or_404(request, exercise_uuid)
    translated = set(exercise.translations.values_list("language", flat=True))
    languages = [
        {"code": code, "name": _language_name(code), "done": code in translated}
        for code in settings.PATIENT_LANGUAGES_COMPLETE
        if code != settings.LANGUAGE_CODE
    ]
    return render(
        request,
        "clinician/exercise_detail.html",
        {"exercise": exercise, "languages": languages, "nav": "library"},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("library.edit")
@once.replays
def exercise_new(request: HttpRequest) -> HttpResponse:
    return _exercise_form(request, None)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("library.edit")
@once.replays
def exercise_edit(request: HttpRequest, exercise_uuid) -> HttpResponse:
    return _exercise_form(request, own_exercise_or_404(request, exercise_uuid))


def _exercise_form(request: HttpRequest, exercise: Exercise | None) -> HttpResponse:
    form = ExerciseForm(request.POST or None, request.FILES or None, instance=exercise)
    if request.method == "POST" and form.is_valid():

        def save() -> str:
            saved = exercise_save(
                actor=request.actor,
                exercise=Exercise.objects.get(pk=exercise.pk) if exercise else None,
                fields=form.exercise_fields(),
                cues=form.cues(),
                photo=form.cleaned_data.get("photo") or None,
                seen=form.seen,
            )
            return reverse("programs:exercise_detail", args=[saved.uuid])

        name = form.cleaned_data["name"]
        try:
            return once.saved_once(request, save, _("“{name}” was saved.").format(name=name))
        except StorageFailed as error:
            form.add_error("photo", str(error))
        except EditedMeanwhile as edited:
            form.edited_meanwhile(edited.record)
    return render(
        request,
        "clinician/exercise_form.html",
        {"form": form, "exercise": exercise, "nav": "library"},
    )


def _translatable_language(code: str) -> str:
    """A language a clinic may translate its exercises into: one patients can read
    (settings.PATIENT_LANGUAGES_COMPLETE) other than the site's own."""
    if code == settings.LANGUAGE_CODE or code not in settings.PATIENT_LANGUAGES_COMPLETE:
        raise Http404
    return code


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("library.edit")
def exercise_translation(request: HttpRequest, exercise_uuid, language: str) -> HttpResponse:
    """One of the clinic's own exercises in a patient language, beside its English. Until
    it has one, patients reading that language see it in English, marked so."""
    exercise = own_exercise_or_404(request, exercise_uuid)
    language = _translatable_language(language)
    row = exercise.translations.filter(language=language).first()
    english = list(exercise.cues.order_by("order").values_list("kind", "text"))
    english_cues = [text for _kind, text in english]
    initial = {}
    if row:
        # Each translated step beside the English step of its kind: a step added to the
        # English since gets an empty box, not the next step's translation.
        by_kind = dict(zip(row.cue_kinds, row.cues, strict=False))
        initial = {
            "name": row.name,
            "lay_name": row.lay_name,
            "cautions": row.cautions,
            "stop_if": row.stop_if,
            "cues": [by_kind.get(kind, "") for kind, _text in english]
            if row.cue_kinds
            else row.cues,
        }
    initial["seen"] = translation_version(row)
    form = ExerciseTranslationForm(request.POST or None, initial=initial, english_cues=english_cues)
    if request.method == "POST" and form.is_valid():
        try:
            exercise_translation_save(
                actor=request.actor,
                exercise=exercise,
                language=language,
                fields=form.translation_fields(),
                cues=form.cues(),
                seen=form.seen_version(),
            )
        except EditedMeanwhile as edited:
            form.saved_meanwhile(edited.record, translation_version(edited.record))
        else:
            messages.success(
                request,
                _("The {language} text was saved.").format(language=_language_name(language)),
            )
            return redirect("programs:exercise_detail", exercise_uuid=exercise.uuid)
    return render(
        request,
        "clinician/exercise_translation.html",
        {
            "form": form,
            "exercise": exercise,
            "language_name": _language_name(language),
            "nav": "library",
        },
    )


def _language_name(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)


@require_POST
@permissions.staff_required("library.edit")
@once.replays
def exercise_copy_view(request: HttpRequest, exercise_uuid) -> HttpResponse:
    source = exercise_or_404(request, exercise_uuid)

    def copy() -> str:
        made = exercise_copy(actor=request.actor, source=source)
        return reverse("programs:exercise_edit", args=[made.uuid])

    saved = _("This is your clinic's own copy. Change anything you like.")
    return once.saved_once(request, copy, saved)


@require_GET
@permissions.staff_required("library.view")
def exercise_photo(request: HttpRequest, exercise_uuid) -> HttpResponse:
    """Clinic photos are served through a permission check, never from a public folder."""
    return upload_response(exercise_or_404(request, exercise_uuid).photo)


@require_GET
@permissions.staff_required("programs.edit")
def templates(request: HttpRequest) -> HttpResponse:
    programs = (
        Program.objects.templates_for(request.clinic.pk)
        .annotate(item_count=Count("items"))
        .order_by("clinic_id", "title")
    )
    return render(
        request,
        "clinician/templates.html",
        {"templates": programs, "pathways": pathways.BY_KEY, "nav": "templates"},
    )


@require_POST
@permissions.staff_required("programs.edit")
@once.replays
def template_new(request: HttpRequest) -> HttpResponse:
    def new() -> str:
        template = program_copy(
            source=Program(title="New template"),
            clinic=request.clinic,
            actor=request.actor,
            as_template=True,
        )
        return reverse("programs:template_edit", args=[template.uuid])

    location, _first = once.send_once(once.page_key(request), new)
    return redirect(location)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("programs.edit")
@once.replays
def template_edit(request: HttpRequest, program_uuid) -> HttpResponse:
    template = own_template_or_404(request, program_uuid)
    url = reverse("programs:templates")
    return builder_page(
        request,
        program=template,
        heading=f"Template: {template.title}",
        back_url=url,
        back_label=_("Templates"),
        done_url=url,
    )
