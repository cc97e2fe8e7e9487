"""Clinician portal: mobility measures, outcome questionnaires, progress report, export."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, once, permissions
from clinic.lib.numbers import with_unit
from clinic.once import SentOnce
from patients.access import current_measurement_or_404, patient_or_404
from patients.adherence import patient_today
from patients.digests import OVERDUE_AFTER
from patients.forms.measures import CorrectionForm, OutcomeForm, VisitForm
from patients.instruments import INSTRUMENTS
from patients.measures import BY_CODE, slot_label
from patients.models import (
    Intake,
    Measurement,
    OutcomeAssignment,
    OutcomeResponse,
    OutcomeSchedule,
    Patient,
)
from patients.outcomes import (
    PATIENT_COMPLETABLE,
    AlreadyCorrected,
    carried_forward,
    instrument_summaries,
    measure_summaries,
    measurement_correct,
    outcome_assign,
    outcome_schedule_end,
    pain_limited_shown,
    visit_record,
)
from patients.progress_charts import measure_chart, outcome_chart
from patients.reports import ReportRequest, export_csv, report_request


def _audit(request: HttpRequest, action: str, patient: Patient, obj=None) -> None:
    audit.record(request.actor, action, patient=patient, obj=obj)


def progress_figures(patient: Patient) -> dict:
    """What the measures page and the chart both show: three queries."""
    measurements = list(
        Measurement.objects.current().filter(visit__patient=patient).select_related("visit")
    )
    responses = list(OutcomeResponse.objects.filter(patient=patient))
    measures = measure_summaries(measurements)
    return {
        "measures": measures,
        "pain_limited_shown": pain_limited_shown(measures),
        "measurements": measurements,
        "instruments": instrument_summaries(responses),
        "responses": responses,
        "open_assignments": list(OutcomeAssignment.objects.filter(patient=patient, response=None)),
    }


@never_cache
@require_GET
@permissions.staff_required("clinical.view")
def measures_page(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    figures = progress_figures(patient)
    _audit(request, "measures.view", patient)
    return render(
        request,
        "clinician/measures.html",
        {
            "patient": patient,
            **figures,
            # The page's own: the chart shows neither the schedules nor what is overdue.
            "schedules": list(
                OutcomeSchedule.objects.filter(patient=patient, ended_at__isnull=True)
            ),
            "overdue_before": patient_today(patient) - OVERDUE_AFTER,
            "measure_charts": [(s, measure_chart(s)) for s in figures["measures"]],
            "outcome_charts": [(s, outcome_chart(s)) for s in figures["instruments"]],
            "instrument_choices": list(INSTRUMENTS.values()),
            "completable": PATIENT_COMPLETABLE,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.record")
@once.replays
def visit_new(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def save() -> str:
            visit_record(
                actor=request.actor,
                patient=patient,
                measured_on=form.cleaned_data["measured_on"],
                values=form.values(),
                notes=form.cleaned_data["notes"],
            )
            return reverse("patients:patient_measures", args=[patient.uuid])

        count = len(form.values())
        saved = ngettext("{count} measurement saved.", "{count} measurements saved.", count).format(
            count=count
        )
        return once.saved_once(request, save, saved)
    _audit(request, "patient.view", patient)
    intake = Intake.objects.filter(patient=patient).values_list("region", flat=True).first()
    return render(
        request,
        "clinician/visit_form.html",
        {"patient": patient, "form": form, "regions": form.regions(first=intake)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.record")
@once.replays
def measurement_edit(request: HttpRequest, patient_uuid, measurement_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    measurement = current_measurement_or_404(request, patient, measurement_uuid)
    initial = {
        "value": measurement.value,
        "method": measurement.method,
        "pain_limited": measurement.pain_limited,
        "zero_point": measurement.zero_point,
        "symptoms": measurement.symptoms,
    }
    form = CorrectionForm(request.POST or None, code=measurement.code, initial=initial)
    if request.method == "POST" and form.is_valid():

        def correct() -> str:
            measurement_correct(actor=request.actor, measurement=measurement, new=form.corrected())
            return reverse("patients:patient_measures", args=[patient.uuid])

        saved = _("Corrected. The earlier value is kept in the history.")
        try:
            return once.saved_once(request, correct, saved)
        except AlreadyCorrected as error:
            messages.info(request, str(error))
            return redirect("patients:patient_measures", patient_uuid=patient.uuid)
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
@permissions.staff_required("clinical.record")
@once.replays
def outcome_new(request: HttpRequest, patient_uuid, code: str) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    if code not in INSTRUMENTS:
        raise Http404
    form = OutcomeForm(request.POST or None, code=code, activities=carried_forward(patient, code))
    if request.method == "POST" and form.is_valid():
        recorded: list[OutcomeResponse] = []

        def save() -> str:
            recorded.append(form.record(patient=patient, actor=request.actor))
            return reverse("patients:patient_measures", args=[patient.uuid])

        location, first = once.send_once(once.page_key(request), save)
        name = form.instrument.short_name
        if not first:
            messages.info(request, once.ALREADY_SAVED)
        elif recorded[0].valid:
            # As the summary shows it ("4.7/10", "40%"), not the stored float (4.66667).
            value = with_unit(recorded[0].value, form.instrument.unit)
            messages.success(request, _("{name} saved: {value}.").format(name=name, value=value))
        else:
            messages.warning(
                request,
                _("{name} saved, but too many sections were left out to score it.").format(
                    name=name
                ),
            )
        return redirect(location)
    _audit(request, "outcome.form", patient)
    return render(
        request,
        "clinician/outcome_form.html",
        {
            "patient": patient,
            "form": form,
            "instrument": form.instrument,
        },
    )


class AssignForm(SentOnce):
    EVERY = [("", "Once, now"), *[(str(n), f"Now, then every {n} weeks") for n in (2, 4, 6, 8, 12)]]
    code = forms.ChoiceField(choices=[(code, code) for code in PATIENT_COMPLETABLE])
    every_weeks = forms.TypedChoiceField(
        choices=EVERY, coerce=int, empty_value=None, required=False, label=gettext_lazy("How often")
    )
    at_discharge = forms.BooleanField(required=False, label=gettext_lazy("And again at discharge"))


@require_POST
@permissions.staff_required("clinical.record")
@once.replays
def outcome_assign_view(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Only NPRS, PSFS, RMDQ and LEFS can be completed by the patient.")
        )
        return redirect("patients:patient_measures", patient_uuid=patient.uuid)
    code = form.cleaned_data["code"]

    def assign() -> str:
        outcome_assign(
            actor=request.actor,
            patient=patient,
            code=code,
            every_weeks=form.cleaned_data["every_weeks"],
            at_discharge=form.cleaned_data["at_discharge"],
        )
        return reverse("patients:patient_measures", args=[patient.uuid])

    saved = _("{patient} will be asked to complete the {name}.").format(
        patient=patient.first_name, name=INSTRUMENTS[code].short_name
    )
    return once.saved_once(request, assign, saved)


@require_POST
@permissions.staff_required("clinical.record")
@once.replays
def outcome_schedule_end_view(request: HttpRequest, patient_uuid, schedule_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    schedule = permissions.get_in_clinic_or_404(
        request,
        OutcomeSchedule.objects.filter(patient=patient, ended_at__isnull=True),
        schedule_uuid,
        clinic_field="patient__clinic",
    )

    def end() -> str:
        outcome_schedule_end(actor=request.actor, schedule=schedule)
        return reverse("patients:patient_measures", args=[patient.uuid])

    if OutcomeAssignment.objects.filter(schedule=schedule, response__isnull=True).exists():
        saved = _(
            "That questionnaire will not be asked for again. The one waiting for {name} was "
            "withdrawn: they will no longer see it."
        ).format(name=patient.first_name)
    else:
        saved = _("That questionnaire will not be asked for again.")
    return once.saved_once(request, end, saved)


# No record in Limber is older: earlier starts are typing slips (and dates near year 1
# are beyond what the weekly figures can count back to).
EARLIEST_REPORT_DAY = date(2000, 1, 1)


class ReportForm(SentOnce):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    narrative = forms.CharField(
        label=gettext_lazy("Summary for the reader (referring doctor, insurer)"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The patient's today (their zone, else the clinic's), as the report dates their
        # days: the clinic's own ended a day early for a patient east of it.
        self.today = today

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > 730:
                raise forms.ValidationError(_("Choose a period of two years or less."))
            if end > self.today:
                self.add_error("end", _("The period cannot end in the future."))
            if start < EARLIEST_REPORT_DAY:
                self.add_error(
                    "start",
                    _("Choose a start from {year} on.").format(year=f"{EARLIEST_REPORT_DAY:%Y}"),
                )
        return data


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.view")
@once.replays
def report(request: HttpRequest, patient_uuid) -> HttpResponse:
    """GET: choose the period and write the summary. POST: ask the worker for the PDF and
    go to its download page (patients.views.documents.report_document)."""
    patient = patient_or_404(request, patient_uuid, archived_changes=True)  # reads only
    today = patient_today(patient)
    form = ReportForm(
        request.POST or None,
        initial={"start": today - timedelta(weeks=8), "end": today},
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def ask() -> str:
            job = report_request(
                patient,
                ReportRequest(start=data["start"], end=data["end"], narrative=data["narrative"]),
                author=request.user,
            )
            _audit(request, "report.request", patient)
            return reverse("patients:patient_report_document", args=[patient.uuid, job.uuid])

        location, _first = once.send_once(once.page_key(request), ask)
        return redirect(location)
    _audit(request, "patient.view", patient)
    return render(request, "clinician/report_form.html", {"patient": patient, "form": form})


@never_cache
@require_GET
@permissions.staff_required("clinical.view")
def export(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    body = export_csv(patient)
    _audit(request, "export.csv", patient)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-data-{patient.initials}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response
