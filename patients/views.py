"""Clinician portal: caseload, patient chart, patient record and access."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, permissions
from clinic.charts import Point, line_chart
from patients import adherence
from patients.forms import CaseloadFilterForm, PatientForm
from patients.models import INACTIVE_DAYS, MorningCheck, Patient, SessionEntry, SessionLog
from patients.services import (
    PatientAccessError,
    patient_create,
    patient_invite,
    patient_set_status,
    patient_update,
)
from patients.sessions import flag_check_inactive, flag_review
from patients.views_measures import progress_figures
from programs.dosage import estimate_minutes
from programs.models import Program

CASELOAD_PAGE_SIZE = 25


def _get_patient(request: HttpRequest, patient_uuid: str) -> Patient:
    return permissions.get_in_clinic_or_404(
        request, Patient.objects.select_related("clinic", "clinician", "user"), uuid=patient_uuid
    )


def _audit_read(request: HttpRequest, action: str, patient: Patient) -> None:
    audit.by_staff(request.membership, action, patient=patient, obj=patient, request=request)


SORTS = {
    "name": ("last_name", "first_name", "id"),
    "activity": (F("last_activity_at").desc(nulls_last=True), "last_name", "id"),
    # Lowest adherence first: those are the patients to call.
    "adherence": (F("adherence_7d").asc(nulls_last=True), "last_name", "id"),
    "flags": ("-open_flags", F("last_activity_at").asc(nulls_first=True), "id"),
}


@require_GET
@never_cache
@permissions.staff_required
def caseload(request: HttpRequest) -> HttpResponse:
    filters = CaseloadFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localtime(timezone.now(), request.clinic.tzinfo).date()
    patients = (
        Patient.objects.visible_to(request.membership)
        .select_related("clinician")
        .with_caseload_figures(today)
    )
    status = params.get("status") or "active"
    patients = patients.archived() if status == "archived" else patients.active()
    if params.get("q"):
        patients = patients.search(params["q"])
    if params.get("attention"):
        patients = patients.needing_attention(timezone.now())
    patients = patients.order_by(*SORTS[params.get("sort") or "name"])
    page = Paginator(patients, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    # Names and birth dates are patient data too: one event per list view, not per row.
    audit.record(
        actor=request.user, role=request.membership.role, action="caseload.view", request=request
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinician/caseload.html",
        {
            "page": page,
            "filters": filters,
            "status": status,
            "sort": params.get("sort") or "name",
            "attention": bool(params.get("attention")),
            "inactive_before": timezone.now() - timedelta(days=INACTIVE_DAYS),
            "q": params.get("q", ""),
            "querystring": query.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required
def patient_new(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        patient = patient_create(
            membership=request.membership, request=request, **form.cleaned_data
        )
        messages.success(request, f"{patient.full_name} was added.")
        return redirect("patient_chart", patient_uuid=patient.uuid)
    return render(request, "clinician/patient_form.html", {"form": form, "patient": None})


@require_GET
@never_cache
@permissions.staff_required
def patient_chart(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    patient = _get_patient(request, patient_uuid)
    _audit_read(request, "patient.view", patient)
    invitation = None
    if patient.user_id:
        invitation = patient.user.invitations.order_by("-created_at").first()
    if patient.is_active:
        # A time-based rule, also swept daily by `raise_flags`: checked here as well so the
        # clinician never sees a chart that is missing a flag the sweep has not raised yet.
        flag_check_inactive(patient)
    programs = list(
        Program.objects.filter(assignment__patient=patient).select_related("updated_by")
    )
    current = next((p for p in programs if p.status != Program.Status.COMPLETED), None)
    items = list(current.items.select_related("exercise")) if current else []
    per_session, per_day = estimate_minutes(items)
    return render(
        request,
        "clinician/patient_chart.html",
        {
            "patient": patient,
            "invitation": invitation,
            "program": current,
            "items": items,
            "minutes_per_session": per_session,
            "minutes_per_day": per_day,
            "earlier_programs": [p for p in programs if p is not current],
            "templates": Program.objects.templates_for(request.clinic.pk).order_by(
                "clinic_id", "title"
            ),
            "statuses": Program.Status.choices,
            **_progress_context(patient),
            **progress_figures(patient),
        },
    )


TIMELINE_LENGTH = 15


def _progress_context(patient: Patient) -> dict:
    """Adherence, recent sessions, pain trend and flags for the chart's Progress section."""
    today = adherence.clinic_today(patient)
    sessions = list(
        SessionLog.objects.filter(patient=patient)
        .prefetch_related(
            Prefetch("entries", queryset=SessionEntry.objects.select_related("exercise"))
        )
        .order_by("-performed_on", "-logged_at")[:TIMELINE_LENGTH]
    )
    since = today - timedelta(weeks=8)
    pains = list(
        SessionLog.objects.filter(patient=patient, pain__isnull=False, performed_on__gte=since)
        .order_by("performed_on", "logged_at")
        .values_list("performed_on", "pain")
    )
    checks = {
        check.checked_on: check
        for check in MorningCheck.objects.filter(patient=patient, checked_on__gte=since)
    }
    flags = list(
        patient.flags.select_related("reviewed_by").order_by("reviewed_at", "-raised_on")[:10]
    )
    return {
        "adherence_7": adherence.window(patient, 7, today),
        "adherence_28": adherence.window(patient, 28, today),
        "sessions": [(s, checks.get(s.performed_on + timedelta(days=1))) for s in sessions],
        "pain_chart": line_chart(
            [Point(f"{day:%d %b}", pain) for day, pain in pains],
            title="Pain during exercise, last 8 weeks",
            y_min=0,
            y_max=10,
            higher_is_better=False,
        ),
        "open_flags": [flag for flag in flags if flag.reviewed_at is None],
        "reviewed_flags": [flag for flag in flags if flag.reviewed_at is not None][:5],
    }


@require_POST
@permissions.staff_required
def flag_mark_reviewed(request: HttpRequest, patient_uuid: str, flag_uuid: str) -> HttpResponse:
    patient = _get_patient(request, patient_uuid)
    flag = patient.flags.filter(uuid=flag_uuid, reviewed_at__isnull=True).first()
    if flag is None:
        messages.info(request, "That flag was already reviewed.")
    else:
        flag_review(membership=request.membership, flag=flag, request=request)
        messages.success(request, "Flag marked as reviewed.")
    return redirect("patient_chart", patient_uuid=patient.uuid)


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required
def patient_edit(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    patient = _get_patient(request, patient_uuid)
    form = PatientForm(request.POST or None, instance=patient, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        patient_update(
            membership=request.membership,
            patient=patient,
            request=request,
            **form.cleaned_data,
        )
        messages.success(request, "Changes saved.")
        return redirect("patient_chart", patient_uuid=patient.uuid)
    if request.method == "GET":
        _audit_read(request, "patient.view", patient)
    return render(request, "clinician/patient_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required
def patient_archive(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """GET asks for confirmation; POST archives. Nothing is ever deleted."""
    patient = _get_patient(request, patient_uuid)
    if request.method == "POST":
        patient_set_status(
            membership=request.membership,
            patient=patient,
            status=Patient.Status.ARCHIVED,
            request=request,
        )
        messages.success(
            request, f"{patient.full_name} was archived. You can restore them at any time."
        )
        return redirect("caseload")
    _audit_read(request, "patient.view", patient)
    return render(request, "clinician/patient_archive_confirm.html", {"patient": patient})


@require_POST
@permissions.staff_required
def patient_restore(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    patient = _get_patient(request, patient_uuid)
    patient_set_status(
        membership=request.membership,
        patient=patient,
        status=Patient.Status.ACTIVE,
        request=request,
    )
    messages.success(request, f"{patient.full_name} was restored.")
    return redirect("patient_chart", patient_uuid=patient.uuid)


@require_POST
@never_cache
@permissions.staff_required
def patient_send_invitation(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """E-mail a new login link (older links stop working), or show it for printing."""
    patient = _get_patient(request, patient_uuid)
    printing = request.POST.get("delivery") == "print"
    try:
        link = patient_invite(
            membership=request.membership,
            patient=patient,
            base_url=f"{request.scheme}://{request.get_host()}",
            send=not printing,
            request=request,
        )
    except PatientAccessError as error:
        messages.error(request, str(error))
        return redirect("patient_chart", patient_uuid=patient.uuid)
    if printing:
        return render(
            request, "clinician/patient_invitation_print.html", {"patient": patient, "link": link}
        )
    messages.success(request, f"A login link was e-mailed to {patient.email}. It works for 7 days.")
    return redirect("patient_chart", patient_uuid=patient.uuid)
