"""Clinician portal: mobility measures, outcome questionnaires, progress report, export."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, permissions
from clinic.pdf import PdfError, pdf_response
from patients import scoring
from patients.forms_measures import CorrectionForm, OutcomeForm, VisitForm
from patients.measures import BY_CODE, slot_label
from patients.models import Measurement, OutcomeAssignment, OutcomeResponse, Patient
from patients.outcomes import (
    PATIENT_COMPLETABLE,
    instrument_summaries,
    measure_summaries,
    measurement_correct,
    outcome_assign,
    outcome_record,
    psfs_last_activities,
    visit_record,
)
from patients.progress_charts import measure_chart, outcome_chart
from patients.reports import ReportRequest, export_csv, report_pdf


def _patient(request: HttpRequest, patient_uuid) -> Patient:
    return permissions.get_in_clinic_or_404(
        request, Patient.objects.select_related("clinic"), uuid=patient_uuid
    )


def _audit(request: HttpRequest, action: str, patient: Patient, obj=None) -> None:
    audit.by_staff(request.membership, action, patient=patient, obj=obj, request=request)


def progress_figures(patient: Patient) -> dict:
    """Everything the measures page, the chart and the report show: three queries."""
    measurements = list(
        Measurement.objects.current().filter(visit__patient=patient).select_related("visit")
    )
    responses = list(OutcomeResponse.objects.filter(patient=patient).select_related("entered_by"))
    return {
        "measures": measure_summaries(measurements),
        "instruments": instrument_summaries(responses),
        "responses": responses,
        "open_assignments": list(OutcomeAssignment.objects.filter(patient=patient, response=None)),
    }


@never_cache
@require_GET
@permissions.staff_required
def measures_page(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = _patient(request, patient_uuid)
    figures = progress_figures(patient)
    _audit(request, "measures.view", patient)
    return render(
        request,
        "clinician/measures.html",
        {
            "patient": patient,
            **figures,
            "measure_charts": [(s, measure_chart(s)) for s in figures["measures"]],
            "outcome_charts": [(s, outcome_chart(s)) for s in figures["instruments"]],
            "instrument_choices": list(scoring.INSTRUMENTS.values()),
            "completable": PATIENT_COMPLETABLE,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def visit_new(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = _patient(request, patient_uuid)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        visit_record(
            membership=request.membership,
            patient=patient,
            measured_on=form.cleaned_data["measured_on"],
            values=form.values(),
            notes=form.cleaned_data["notes"],
            request=request,
        )
        messages.success(request, f"{len(form.values())} measurement(s) saved.")
        return redirect("patient_measures", patient_uuid=patient.uuid)
    return render(request, "clinician/visit_form.html", {"patient": patient, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def measurement_edit(request: HttpRequest, patient_uuid, measurement_uuid) -> HttpResponse:
    patient = _patient(request, patient_uuid)
    measurement = (
        Measurement.objects.current()
        .select_related("visit")
        .filter(uuid=measurement_uuid, visit__patient=patient)
        .first()
    )
    if measurement is None:
        raise Http404
    initial = {
        "value": measurement.value,
        "method": measurement.method,
        "pain_limited": measurement.pain_limited,
        "zero_point": measurement.zero_point,
        "symptoms": measurement.symptoms,
    }
    form = CorrectionForm(request.POST or None, code=measurement.code, initial=initial)
    if request.method == "POST" and form.is_valid():
        measurement_correct(
            membership=request.membership,
            measurement=measurement,
            new=form.corrected(),
            request=request,
        )
        messages.success(request, "Corrected. The earlier value is kept in the history.")
        return redirect("patient_measures", patient_uuid=patient.uuid)
    _audit(request, "measures.view", patient, measurement)
    history = []
    row = measurement
    while hasattr(row, "replaces"):
        row = row.replaces
        history.append(row)
    return render(
        request,
        "clinician/measurement_form.html",
        {
            "patient": patient,
            "measurement": measurement,
            "label": slot_label(BY_CODE[measurement.code], measurement.side),
            "form": form,
            "history": history,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def outcome_new(request: HttpRequest, patient_uuid, code: str) -> HttpResponse:
    patient = _patient(request, patient_uuid)
    if code not in scoring.INSTRUMENTS:
        raise Http404
    form = OutcomeForm(request.POST or None, code=code, activities=psfs_last_activities(patient))
    if request.method == "POST" and form.is_valid():
        response = outcome_record(
            patient=patient,
            code=code,
            answers=form.answers(),
            completed_on=form.cleaned_data["completed_on"],
            actor=request.user,
            role=request.membership.role,
            source=OutcomeResponse.Source.CLINICIAN,
            request=request,
        )
        if response.valid:
            messages.success(request, f"{form.instrument.short_name} saved: {response.value:g}.")
        else:
            messages.warning(
                request,
                f"{form.instrument.short_name} saved, but too many sections were left out "
                "to score it.",
            )
        return redirect("patient_measures", patient_uuid=patient.uuid)
    _audit(request, "outcome.form", patient)
    return render(
        request,
        "clinician/outcome_form.html",
        {"patient": patient, "form": form, "instrument": form.instrument},
    )


@require_POST
@permissions.staff_required
def outcome_assign_view(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = _patient(request, patient_uuid)
    code = request.POST.get("code", "")
    try:
        outcome_assign(membership=request.membership, patient=patient, code=code, request=request)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        name = scoring.INSTRUMENTS[code].short_name
        messages.success(request, f"{patient.first_name} will be asked to complete the {name}.")
    return redirect("patient_measures", patient_uuid=patient.uuid)


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    narrative = forms.CharField(
        label="Summary for the reader (referring doctor, insurer)",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date is before the start date.")
            if (end - start).days > 730:
                raise forms.ValidationError("Choose a period of two years or less.")
            if end > timezone.localdate():
                self.add_error("end", "The period cannot end in the future.")
        return data


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def report(request: HttpRequest, patient_uuid) -> HttpResponse:
    """GET: choose the period and write the summary. POST: the PDF, audited, never cached."""
    patient = _patient(request, patient_uuid)
    today = timezone.localdate()
    form = ReportForm(
        request.POST or None, initial={"start": today - timedelta(weeks=8), "end": today}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pdf = report_pdf(
                patient,
                ReportRequest(start=data["start"], end=data["end"], narrative=data["narrative"]),
                author=request.user,
            )
        except PdfError as error:
            messages.error(request, str(error))
        else:
            _audit(request, "report.download", patient)
            return pdf_response(
                pdf, f"progress-report-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.pdf"
            )
    return render(request, "clinician/report_form.html", {"patient": patient, "form": form})


@never_cache
@require_GET
@permissions.staff_required
def export(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = _patient(request, patient_uuid)
    body = export_csv(patient)
    _audit(request, "export.csv", patient)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-data-{timezone.localdate():%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response
