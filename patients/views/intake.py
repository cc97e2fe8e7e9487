"""Clinician portal: a patient's intake (referral, precautions), red-flag screens and
the decisions on precaution conflicts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic import audit, permissions
from clinic.edits import EditedMeanwhile
from patients.access import patient_or_404, patient_program_or_404
from patients.forms.intake import IntakeForm, PrecautionKeepForm, ScreenDecisionForm, ScreenForm
from patients.intake import (
    ScreenChanged,
    intake_save,
    precaution_keep,
    program_conflicts,
    screen_decide,
    screen_record,
)
from patients.models import Intake, RedFlagScreen
from patients.screening import ScreenKind, kind_for


def _chart(patient) -> str:
    return reverse("patients:patient_chart", args=[patient.uuid])


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.record")
def intake_edit(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    intake = Intake.objects.filter(patient=patient).first()
    form = IntakeForm(request.POST or None, instance=intake or Intake(patient=patient))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in IntakeForm.Meta.fields}
        try:
            intake_save(actor=request.actor, patient=patient, fields=fields, seen=form.seen)
        except EditedMeanwhile as edited:
            form.edited_meanwhile(edited.record)
        else:
            messages.success(request, _("The intake is saved."))
            if not RedFlagScreen.objects.filter(patient=patient).exists():
                return redirect("patients:patient_screen", patient_uuid=patient.uuid)
            return redirect(_chart(patient))
    audit.record(request.actor, "patient.view", patient=patient, obj=patient)
    return render(request, "clinician/intake_form.html", {"patient": patient, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.record")
def screen_new(request: HttpRequest, patient_uuid) -> HttpResponse:
    """A red-flag screen for the patient's body area (from the intake, or chosen)."""
    patient = patient_or_404(request, patient_uuid)
    intake = Intake.objects.filter(patient=patient).first()
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in ScreenKind.values:
        kind = kind_for(intake.region) if intake else ScreenKind.LOW_BACK
    form = ScreenForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        screen = screen_record(
            actor=request.actor, patient=patient, kind=kind, answers=form.answers()
        )
        if screen.positive:
            messages.warning(
                request,
                _("The screen is positive. Record your decision before a program is started."),
            )
        else:
            messages.success(request, _("The screen is recorded: no red flags."))
        return redirect(_chart(patient))
    audit.record(request.actor, "patient.view", patient=patient, obj=patient)
    return render(
        request,
        "clinician/screen_form.html",
        {"patient": patient, "form": form, "kind": kind, "kinds": ScreenKind.choices},
    )


@require_POST
@permissions.staff_required("clinical.record")
def screen_decision(request: HttpRequest, patient_uuid) -> HttpResponse:
    """The decision on the latest screen, when it was positive."""
    patient = patient_or_404(request, patient_uuid)
    screen = RedFlagScreen.objects.filter(patient=patient).first()
    form = ScreenDecisionForm(request.POST)
    if screen is None or not screen.positive:
        messages.error(request, _("There is no positive screen to decide on."))
        return redirect(_chart(patient))
    changed = ""
    if form.is_valid():
        # Never unchecked: a post that names no screen (a page from before the check) is
        # shown the screen as it is now, like one that names another.
        seen = form.cleaned_data["seen"]
        try:
            screen_decide(
                actor=request.actor,
                screen=screen,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                seen=seen,
            )
        except ScreenChanged:
            changed = _(
                "The red-flag screen changed after you opened the page: a newer screen was "
                "recorded, or a colleague recorded a decision. Read it below, then record "
                "your decision again."
            )
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect(_chart(patient))
    # The form comes again with what was typed (a note is the clinician's findings: the
    # chart it came from starts blank), for the screen as it is now.
    data = request.POST.copy()
    data["seen"] = screen.version()
    form = ScreenDecisionForm(data)
    audit.record(request.actor, "patient.view", patient=patient, obj=patient)
    return render(
        request,
        "clinician/screen_decision_form.html",
        {"patient": patient, "screen": screen, "form": form, "changed": changed},
    )


@require_POST
@permissions.staff_required("programs.edit")
def precaution_decision(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    """Keep an exercise that conflicts with a precaution, with the reason."""
    patient, program = patient_program_or_404(request, patient_uuid, program_uuid)
    form = PrecautionKeepForm(request.POST)
    found, _decided = program_conflicts(patient, program)
    valid = form.is_valid()
    wanted = (str(form.cleaned_data.get("exercise")), form.cleaned_data.get("precaution"))
    conflict = next((c for c in found if (c.exercise_uuid, c.precaution) == wanted), None)
    if conflict is None:
        messages.error(request, _("That exercise no longer conflicts with a precaution."))
        return redirect(_chart(patient))
    if not valid:
        # The form comes again with the reason as typed, for the conflict it was about.
        audit.record(request.actor, "patient.view", patient=patient, obj=patient)
        return render(
            request,
            "clinician/precaution_keep_form.html",
            {
                "patient": patient,
                "c": conflict,
                "keep_url": request.path,
                "keep_reason": form.data.get("reason", "").strip(),
                "keep_error": form.errors["reason"][0],
            },
        )
    reason = form.cleaned_data["reason"]
    decision = precaution_keep(
        actor=request.actor, patient=patient, program=program, conflict=conflict, reason=reason
    )
    if (decision.decided_by_id, decision.reason) == (request.user.pk, reason):
        messages.success(
            request,
            _("{name} is kept; your reason is recorded.").format(name=conflict.exercise_name),
        )
    else:
        # Kept first in another tab, or by a colleague: theirs is the reason on record.
        messages.info(
            request,
            _(
                "{name} was already kept by {by} on {date}: “{reason}”. Yours is not recorded."
            ).format(
                name=conflict.exercise_name,
                by=decision.decided_by,
                date=date_format(timezone.localtime(decision.decided_at), "j M Y"),
                reason=decision.reason,
            ),
        )
    return redirect(_chart(patient))
