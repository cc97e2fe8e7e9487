"""Warning signs: told to the clinic with a session or on their own, and the advice on
what to do now."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clinic import permissions
from patients.forms.patient_area import SymptomForm
from patients.models import Flag
from patients.practice_log import advice_program
from patients.symptoms import signs_by_kind, symptoms_report
from patients.views.patient_area.shared import audit_read, patient_stop_rules, program_items
from programs.safety import StopRules

logger = logging.getLogger(__name__)

REPORTED = "limber_reported_signs"


def remember_signs(request: HttpRequest, signs: list[str], rules: StopRules) -> None:
    """The advice page repeats the signs reported in the patient's own words (kept for
    this login session only)."""
    urgent, stop = signs_by_kind(signs, rules)
    request.session[REPORTED] = {"urgent": urgent, "stop": stop}


def signs_without_session(request: HttpRequest, signs: list[str], rules: StopRules) -> None:
    """A session refused (its program paused or ended meanwhile, a kept log too old) still
    reports the warning signs ticked on it: they are about the patient, not the session,
    and an urgent one must reach the clinician whatever became of the log."""
    symptoms_report(actor=request.actor, patient=request.patient, signs=signs, rules=rules)
    remember_signs(request, signs, rules)


def ticked_signs(form) -> list[str]:
    """The warning signs ticked on a session form that is not saved (refused for another
    field, or a second "I did them all"): they are about the patient, and an urgent one
    must reach the clinician whatever becomes of the session. A report that follows, once
    the patient has put the form right, adds nothing new to the open flag."""
    form.is_valid()
    return form.cleaned_data.get("signs") or []


def not_saved(
    request: HttpRequest, signs: list[str], rules: StopRules, error: DatabaseError
) -> HttpResponse:
    """The session could not be saved (the database failed: a restart, a lock timeout),
    and nothing of it was: not its signs either. The patient is told so, and still gets
    the advice for what they ticked: what to do about an urgent sign must never depend on
    a save. Built from what the request holds already, with no reads and nothing put in
    the login session or the messages, as the database may still be failing."""
    logger.error("A session could not be saved: %s", type(error).__name__)
    urgent, stop = signs_by_kind(signs, rules)
    response = render(
        request,
        "patient/not_saved.html",
        {
            "urgent": bool(urgent),
            "stop": bool(stop),
            "urgent_signs": urgent,
            "stop_signs": stop,
            "told": False,
            "clinic": request.patient.clinic,
            "stop_rules": rules,
            "tab": "today",
        },
    )
    response.status_code = 503
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.patient_required
def report_symptoms(request: HttpRequest) -> HttpResponse:
    """Tell the clinic about a warning sign, without logging a session."""
    patient = request.patient
    rules = patient_stop_rules(patient, program_items(advice_program(patient), text=False))
    form = SymptomForm(request.POST if request.method == "POST" else None, rules=rules)
    if request.method == "POST" and form.is_valid():
        signs = form.cleaned_data["signs"]
        symptoms_report(actor=request.actor, patient=patient, signs=signs, rules=rules)
        remember_signs(request, signs, rules)
        return redirect("patients:patient_advice")
    # The signs offered are their program's stop rules.
    audit_read(request, "patient.symptoms")
    return render(
        request,
        "patient/symptoms.html",
        {"form": form, "clinic": patient.clinic, "stop_rules": rules, "tab": "today"},
    )


@never_cache
@require_GET
@permissions.patient_required
def advice(request: HttpRequest) -> HttpResponse:
    """What to do now about the signs the patient just reported: emergency help for an
    urgent one, a call to the clinic for the others."""
    patient = request.patient
    flags = list(
        Flag.objects.open().filter(
            patient=patient, kind__in=[Flag.Kind.RED_FLAG, Flag.Kind.STOP_SIGN]
        )
    )
    if not flags:
        return redirect("patients:patient_home")
    audit_read(request, "advice.view")
    rules = patient_stop_rules(patient, program_items(advice_program(patient), text=False))
    reported = request.session.get(REPORTED) or {}
    kinds = {flag.kind for flag in flags}
    urgent_days = [flag.raised_on for flag in flags if flag.kind == Flag.Kind.RED_FLAG]
    return render(
        request,
        "patient/advice.html",
        {
            "urgent": Flag.Kind.RED_FLAG in kinds,
            # An urgent sign told earlier, that no clinician has seen yet, when none was
            # ticked now: the advice stands, and says why (a stop sign ticked today showed
            # "Get help now" with no word of the earlier one: the Spanish review).
            "urgent_earlier": max(urgent_days)
            if urgent_days and not reported.get("urgent")
            else None,
            "stop": Flag.Kind.STOP_SIGN in kinds,
            "urgent_signs": reported.get("urgent", []),
            "stop_signs": reported.get("stop", []),
            "told": True,
            "clinic": patient.clinic,
            "stop_rules": rules,
            "tab": "today",
        },
    )
