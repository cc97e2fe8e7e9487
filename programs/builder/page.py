"""The builder page, used for a patient's program (patients app) and for templates.

Callers have already checked access and pass the program; `patient` is opaque here
and only reaches the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from clinic import once
from clinic.parsing import parse_int, parse_text
from programs.builder.forms import ProgramForm, bound_formset, cleaned_items, unbound_formset
from programs.builder.rows import (
    BuilderState,
    apply_action,
    posted_action,
    rows_from_items,
    rows_from_post,
    search_library,
)
from programs.content import leaflets
from programs.models import Category, Program
from programs.precautions import conflicts as precaution_conflicts
from programs.precautions import notices as precaution_notices
from programs.services import (
    MAX_ITEMS,
    PROGRAM_FIELDS,
    ProgramCompleted,
    ProgramConflict,
    ProgramTooLong,
    program_save,
)

# More exercises than this and the builder warns that patients follow short programs better.
LONG_PROGRAM = 6


def _error_summary(program_form, formset, rows) -> str:
    """What the banner at the top says was refused, by exercise and field: the marked
    field itself may be far below, on a long program or a phone."""
    where = [
        str(program_form[name].label) for name in program_form.errors if name in program_form.fields
    ]
    for form, row in zip(formset.forms, rows, strict=True):
        labels = [str(form[name].label) for name in form.errors if name in form.fields]
        if labels:
            where.append(f"{row.exercise.name} ({', '.join(labels)})")
    text = _("Please correct the marked fields, then save again.")
    if where:
        text += " " + _("Check: {where}.").format(where="; ".join(where))
    return text


def builder_page(
    request: HttpRequest,
    *,
    program: Program,
    heading: str,
    back_url: str,
    back_label: str,
    done_url: str,
    patient: Any = None,
    precautions: list[str] | None = None,
    on_read: Callable[[], None] | None = None,
) -> HttpResponse:
    """The builder of a template or a patient's program. `precautions` are the patient's
    (programs.precautions): exercises that conflict with them are flagged as they are
    added, and the chart asks for a decision on each once saved. `on_read` is called
    whenever the whole page is drawn (a patient's program: the audit of the read), after
    an Add, Move or refused Save as on opening it."""
    clinic_id = request.clinic.pk
    is_template = program.is_template
    conflict = None
    expected_revision = program.revision
    once_token = once.posted_token(request) or once.new_token()
    if request.method == "POST":
        expected_revision = parse_int(request.POST.get("revision"), -1)
        state = BuilderState(rows_from_post(request.POST, clinic_id))
        action = posted_action(request.POST)
        missing = [row for row in state.rows if row.exercise is None]
        if missing:
            state.rows = [row for row in state.rows if row.exercise is not None]
            state.messages.append(
                _("An exercise that is not available to your clinic was removed.")
            )
        if action == "save" and not missing:
            program_form = ProgramForm(request.POST, instance=program, is_template=is_template)
            formset = bound_formset(state.rows)
            if program_form.is_valid() and formset.is_valid():
                saved = []

                def save() -> str:
                    saved.append(
                        program_save(
                            program=program,
                            actor=request.actor,
                            expected_revision=expected_revision,
                            fields=program_form.cleaned_data,
                            items=cleaned_items(formset, state.rows),
                            patient=patient,
                        )
                    )
                    return done_url

                try:
                    # A Save sent twice would meet its own first save as a colleague's
                    # change ("changed while you were editing"): the page's token stops it.
                    location, first = once.send_once(once.page_key(request), save)
                except ProgramConflict as error:
                    conflict = str(error)
                except (ProgramTooLong, ProgramCompleted) as error:
                    state.messages.append(str(error))
                else:
                    if not first:
                        messages.info(request, once.ALREADY_SAVED)
                    elif is_template:
                        messages.success(request, _("Template saved."))
                    else:
                        text = _("Saved as revision {revision}.")
                        messages.success(request, text.format(revision=saved[0].revision))
                    if request.htmx:
                        return HttpResponseClientRedirect(location)
                    return redirect(location)
            else:
                state.messages.append(_error_summary(program_form, formset, state.rows))
        else:
            apply_action(state, action, clinic_id)
            if action == "refresh" and request.htmx:
                return _dose_lines(request, state)
            program_form = ProgramForm(
                initial={
                    **{name: request.POST.get(name, "") for name in PROGRAM_FIELDS},
                    "leaflets": request.POST.getlist("leaflets"),
                },
                instance=program,
                is_template=is_template,
            )
            formset = unbound_formset(state.rows)
    else:
        program_form = ProgramForm(instance=program, is_template=is_template)
        state = BuilderState(rows_from_items(list(program.items.select_related("exercise"))))
        formset = unbound_formset(state.rows)

    query = parse_text(request.POST.get("q") or request.GET.get("q"), 100)
    category = parse_text(request.POST.get("category") or request.GET.get("category"), 20)
    page = parse_int(request.GET.get("page"), 1, low=1)
    results = search_library(clinic_id, query, category, page)
    per_session, per_day = state.minutes
    if on_read is not None:
        on_read()
    return render(
        request,
        "clinician/program_builder.html",
        {
            "program": program,
            "heading": heading,
            "back_url": back_url,
            # The breadcrumb names where it leads: a bare "Back" did not say to what.
            "back_label": back_label,
            "program_form": program_form,
            "formset": formset,
            "rows": list(zip(formset.forms, state.rows, strict=True)),
            "state": state,
            "expected_revision": expected_revision,
            "once_token": once_token,
            "conflict": conflict,
            "results": results,
            "query": query,
            "category": category,
            "categories": Category.choices,
            "minutes_per_session": per_session,
            "minutes_per_day": per_day,
            "too_long": len(state.rows) > LONG_PROGRAM,
            "precaution_conflicts": precaution_conflicts(
                precautions or [], [row.exercise for row in state.rows]
            ),
            "precaution_notices": precaution_notices(precautions or []),
            "max_items": MAX_ITEMS,
            "long_program": LONG_PROGRAM,
            "leaflet_library": leaflets.LEAFLETS,
        },
    )


def _dose_lines(request: HttpRequest, state: BuilderState) -> HttpResponse:
    """The answer to a changed number (action "refresh", htmx): the rows' dose lines and the
    program's minutes, all the page takes from it. The whole builder (library search,
    forms, precautions) cost about as much again as the page itself, at every change."""
    per_session, per_day = state.minutes
    context = {"state": state, "minutes_per_session": per_session, "minutes_per_day": per_day}
    return render(request, "clinician/_builder_dose_lines.html", context)
