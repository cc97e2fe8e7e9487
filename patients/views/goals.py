"""Clinician portal: a patient's goals, and the discharge."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic import audit, once, permissions
from patients.access import patient_or_404
from patients.discharge import (
    MAINTENANCE_DAYS_PER_WEEK,
    DischargeConflict,
    care_began,
    patient_discharge,
)
from patients.forms.goals import DischargeForm, GoalForm
from patients.goals import goal_add, goal_close
from patients.models import Goal, OutcomeResponse
from patients.practice_log import current_program
from patients.screening import ScreeningBlocks
from patients.views.measures import progress_figures


def _chart(patient) -> str:
    return reverse("patients:patient_chart", args=[patient.uuid]) + "#goals-heading"


def _psfs_activities(patient) -> list[str]:
    latest = (
        OutcomeResponse.objects.filter(patient=patient, code="psfs")
        .order_by("-completed_on")
        .first()
    )
    answers = latest.answers if latest and isinstance(latest.answers, dict) else {}
    return [str(a) for a in answers.get("activities", [])][:5]


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.record")
@once.replays
def goal_new(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    activities = _psfs_activities(patient)
    form = GoalForm(request.POST or None, activities=activities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def save() -> str:
            goal_add(
                actor=request.actor,
                patient=patient,
                text=data["text"],
                tracks=data["tracks"],
                target=data["target"],
                target_on=data["target_on"],
            )
            return _chart(patient)

        return once.saved_once(request, save, _("The goal is set."))
    # The page shows the patient's PSFS activities: a read of their record.
    audit.record(request.actor, "patient.view", patient=patient, obj=patient)
    return render(
        request,
        "clinician/goal_form.html",
        {"patient": patient, "form": form, "activities": activities},
    )


@require_POST
@permissions.staff_required("clinical.record")
def goal_status(request: HttpRequest, patient_uuid, goal_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    goal = permissions.get_in_clinic_or_404(
        request, Goal.objects.filter(patient=patient), goal_uuid, clinic_field="patient__clinic"
    )
    status = request.POST.get("status")
    if status not in Goal.Status.values:
        messages.error(request, _("Choose met, not met or open."))
    else:
        goal_close(actor=request.actor, goal=goal, status=status)
        messages.success(
            request, _("The goal is now {status}.").format(status=Goal.Status(status).label.lower())
        )
    return redirect(_chart(patient))


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.record")
@once.replays
def discharge(request: HttpRequest, patient_uuid) -> HttpResponse:
    """One page: final scores to check, goals to close, a maintenance program, the
    summary and plan for the letter."""
    patient = patient_or_404(request, patient_uuid)
    if not patient.is_active:
        messages.error(request, _("Restore this patient before discharging them."))
        return redirect(_chart(patient))
    goals = list(Goal.objects.filter(patient=patient, status=Goal.Status.OPEN))
    form = DischargeForm(
        request.POST or None,
        goals=goals,
        care_began=care_began(patient),
        initial={"discharged_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def discharge_now() -> str:
            _discharge, job = patient_discharge(
                actor=request.actor,
                patient=patient,
                discharged_on=data["discharged_on"],
                summary=data["summary"],
                plan=data["plan"],
                goal_statuses=form.goal_statuses(),
                maintenance=data["maintenance"],
                letter=data["letter"],
                program_seen=data["program"],
            )
            if job is not None:
                return reverse("patients:patient_report_document", args=[patient.uuid, job.uuid])
            return _chart(patient)

        saved = _("{name} is discharged.").format(name=patient.first_name)
        try:
            return once.saved_once(request, discharge_now, saved)
        except (ScreeningBlocks, DischargeConflict) as refused:
            messages.error(request, str(refused))
    audit.record(request.actor, "patient.view", patient=patient, obj=patient)
    return render(
        request,
        "clinician/discharge_form.html",
        {
            "patient": patient,
            "form": form,
            "program": current_program(patient),
            "open_flags": list(patient.flags.open().order_by("-raised_on", "-id")),
            # Each questionnaire's and measure's latest against its baseline, as the chart
            # shows them: the six newest responses of any kind listed superseded scores
            # and missed a questionnaire answered early.
            **progress_figures(patient),
            "maintenance_days": MAINTENANCE_DAYS_PER_WEEK,
        },
    )
