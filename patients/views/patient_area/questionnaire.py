"""The questionnaires the clinician asked the patient to fill in."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic import permissions
from clinic.parsing import parse_uuid
from patients.adherence import patient_today
from patients.forms.measures import OutcomeForm
from patients.models import (
    OutcomeAssignment,
    OutcomeResponse,
)
from patients.outcomes import (
    AlreadyAnswered,
    answered_by_patient,
    carried_forward,
    outcome_record,
)
from patients.views.patient_area.shared import audit_read

# Shown above a questionnaire quoted word for word: our own words, so in the patient's
# language, where the questions stay as published.
PUBLISHED_NOTE = gettext_lazy(
    "The questions below are printed exactly as their authors wrote them. "
    "This keeps your answers fair to compare over time."
)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.patient_required
def questionnaire(request: HttpRequest) -> HttpResponse:
    """The oldest questionnaire the clinician asked for. No id in the URL: always one's own.
    The page carries which request it shows, so its answers go to that one only: sent twice
    (a double tap, a page kept open), they are recorded once, never as the next one."""
    patient = request.patient
    if request.method == "POST":
        key = parse_uuid(request.POST.get("assignment"))
        # The request the page showed, open or not: one closed meanwhile by the clinic's
        # own entry still takes the patient's answers (outcomes.outcome_record).
        assignment = (
            OutcomeAssignment.objects.filter(patient=patient, uuid=key)
            .select_related("response")
            .first()
            if key
            else None
        )
        if assignment is None or answered_by_patient(assignment):
            # Say "sent" only when they were: a page from before this field, or for a
            # request the clinic withdrew, is not an answer anyone has. A withdrawn one
            # is said so: "fill it in again" pointed at a questionnaire no longer there.
            if assignment is not None:
                said = _("Your answers were already sent. Thank you!")
            elif key:
                said = _(
                    "Your clinician no longer needs this questionnaire, so your answers were "
                    "not kept. There is nothing more to do. Thank you!"
                )
            else:
                said = _(
                    "This page was out of date, so nothing was saved. Please fill it in again."
                )
            messages.info(request, said)
            return _next_page(patient)
    else:
        assignment = (
            OutcomeAssignment.objects.filter(patient=patient, response__isnull=True)
            .order_by("assigned_at", "id")
            .first()
        )
    if assignment is None:
        messages.info(request, _("You have no questionnaire to fill in. Thank you!"))
        return redirect("patients:patient_home")
    activities = carried_forward(patient, assignment.code)
    form = OutcomeForm(
        request.POST or None, code=assignment.code, for_patient=True, activities=activities
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome_record(
                patient=patient,
                code=assignment.code,
                answers=form.answers(),
                completed_on=patient_today(patient),
                actor=request.actor,
                source=OutcomeResponse.Source.PATIENT,
                answering=assignment,
            )
        except AlreadyAnswered:
            messages.info(request, _("Your answers were already sent. Thank you!"))
        else:
            messages.success(request, _("Thank you. Your clinician will see your answers."))
        return _next_page(patient)
    if request.method == "GET":
        audit_read(request, "questionnaire.view")
    return render(
        request,
        "patient/questionnaire.html",
        {
            "form": form,
            "assignment": assignment,
            "instrument": form.instrument,
            "published_note": PUBLISHED_NOTE,
            "tab": "today",
        },
    )


def _next_page(patient) -> HttpResponse:
    """After answers are sent (or found sent already): the next questionnaire if one waits,
    else Today, not the questionnaire page's "nothing to fill in. Thank you!", a second
    thank-you under the first."""
    waiting = OutcomeAssignment.objects.filter(patient=patient, response__isnull=True)
    return redirect(
        "patients:patient_questionnaire" if waiting.exists() else "patients:patient_home"
    )
