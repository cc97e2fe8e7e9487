"""The progress report (PDF) and the data export (CSV) for one patient.

The report is rendered by the task worker (patients.tasks.render_document): the web asks
for it with `report_request` and serves the stored file once it is made.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from clinic.documents import request_render
from clinic.lib.charts import Point, bar_chart, day_label
from clinic.models import RenderJob
from patients import adherence
from patients.due_days import week_start
from patients.goals import goal_progress
from patients.instruments import INSTRUMENTS
from patients.measures import BY_CODE, slot_label
from patients.models import Discharge, Measurement, OutcomeResponse, Patient, SessionLog
from patients.outcomes import instrument_summaries, measure_summaries, pain_limited_shown
from patients.practice_log import current_program
from patients.progress_charts import measure_chart, outcome_chart
from patients.report_sheet import front_sheet
from programs.dosage import describe_dosage
from programs.models import ProgramRevision

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
MAX_REPORT_WEEKS = 104


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ gets a leading '.
    Plain numbers (a measured -3.5 cm) stay numbers: no spreadsheet evaluates them."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return "'" + text
    return text


def _dash(value) -> str:
    return "-" if value is None else str(value)


def export_csv(patient: Patient) -> str:
    """Everything the record holds, one row each, oldest first within each kind: the
    person, their current program, goals, measurements, questionnaire scores, sessions
    (with the exercises done), morning pain answers and the warning signs they told. A
    patient asking for a copy of their data got only measures, scores and a line per
    session (found by the front-desk review). What the rows are is in the first column."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells) -> None:
        writer.writerow([safe_cell(cell) for cell in cells])

    row("record", "date", "what", "side", "value", "unit", "details")
    contact = "; ".join(
        part
        for part in (
            f"e-mail {patient.email}" if patient.email else "",
            f"phone {patient.phone}" if patient.phone else "",
            f"record number {patient.external_id}" if patient.external_id else "",
        )
        if part
    )
    row("patient", patient.date_of_birth, patient.full_name, "", "", "", contact)
    program = current_program(patient)
    if program is not None:
        items = program.items.select_related("exercise").order_by("order", "id")
        for item in items:
            row(
                "program", program.start_date or "", item.exercise.name, item.side,
                describe_dosage(item), "", item.notes,
            )  # fmt: skip
    for goal in patient.goals.order_by("target_on", "id"):
        row("goal", goal.target_on, goal.text, "", goal.get_status_display(), "", "")
    measurements = (
        Measurement.objects.current()
        .filter(visit__patient=patient)
        .select_related("visit")
        .order_by("visit__measured_on", "code", "side")
    )
    for m in measurements:
        measure = BY_CODE[m.code]
        details = [
            m.method,
            "pain-limited" if m.pain_limited else "",
            f"zero point {m.zero_point}" if m.zero_point is not None else "",
            m.symptoms,
            m.notes,
        ]
        row(
            "measurement", m.visit.measured_on, measure.label, m.side, m.value, measure.unit,
            "; ".join(part for part in details if part),
        )  # fmt: skip
    for r in OutcomeResponse.objects.filter(patient=patient).order_by("completed_on", "id"):
        instrument = INSTRUMENTS[r.code]
        details = instrument.answer_shape().export_detail(r.answers)
        if details is None:
            details = r.band if r.valid else "not scorable: too many items unanswered"
        value = "" if r.value is None else round(r.value, 1)
        row(
            "questionnaire",
            r.completed_on,
            instrument.short_name,
            "",
            value,
            instrument.unit,
            details,
        )
    sessions = (
        SessionLog.objects.filter(patient=patient)
        .prefetch_related("entries__exercise")
        .order_by("performed_on", "logged_at")
    )
    for s in sessions:
        done = ", ".join(entry.exercise.name for entry in s.entries.all())
        details = f"pain {_dash(s.pain)}/10; effort {_dash(s.effort)}/10; {s.comment}"
        if done:
            details += f"; done: {done}"
        row("session", s.performed_on, "exercises done", "", s.exercises_done, "", details)
    for check in patient.morning_checks.order_by("checked_on"):
        compared = check.get_compared_display()
        row("morning", check.checked_on, "pain next morning", "", check.pain, "/10", compared)
    for flag in patient.flags.order_by("raised_on", "id"):
        reviewed = (
            f"reviewed {timezone.localtime(flag.reviewed_at):%Y-%m-%d}: {flag.review_note}"
            if flag.reviewed_at
            else "not reviewed yet"
        )
        row(
            "sign",
            flag.raised_on,
            flag.get_kind_display(),
            "",
            "",
            "",
            f"{flag.reason}; {reviewed}",
        )
    return out.getvalue()


@dataclass(frozen=True)
class ReportRequest:
    start: date
    end: date
    narrative: str
    # A discharge letter: the report of the episode, with its discharge's summary and plan.
    discharge: str = ""


def report_request(patient: Patient, request: ReportRequest, *, author) -> RenderJob:
    """Ask the worker for the report; its file is the job's own (each report is new)."""
    from patients.tasks import render_document

    name = f"reports/{patient.clinic.uuid}/{uuid.uuid4()}.pdf"
    return request_render(
        task=render_document,
        clinic=patient.clinic,
        kind=RenderJob.Kind.REPORT,
        storage_name=name,
        # Named as its title says: a discharge letter was saved as "progress-report-…".
        filename=(
            f"{'discharge-letter' if request.discharge else 'progress-report'}-"
            f"{patient.initials}-{request.start:%Y%m%d}-{request.end:%Y%m%d}.pdf"
        ),
        params={
            "start": request.start.isoformat(),
            "end": request.end.isoformat(),
            "narrative": request.narrative,
            "discharge": request.discharge,
            "issued": adherence.patient_today(patient).isoformat(),
            # Signed as the author was named when they asked: their account may be renamed
            # or deleted before the worker draws it.
            "author": str(author),
        },
        patient_uuid=patient.uuid,
        requested_by=author,
    )


def report_from_job(job: RenderJob) -> tuple[Patient, ReportRequest, str, date]:
    """What report_html needs, read back from the job the web queued."""
    from django.contrib.auth import get_user_model

    patient = Patient.objects.select_related("clinic").get(
        uuid=job.patient_uuid, clinic_id=job.clinic_id
    )
    params = job.params
    request = ReportRequest(
        start=date.fromisoformat(params["start"]),
        end=date.fromisoformat(params["end"]),
        narrative=params["narrative"],
        discharge=params.get("discharge", ""),
    )
    author = params.get("author")
    if author is None:  # queued before the name was kept with the job
        user = get_user_model().objects.filter(pk=job.requested_by_id).first()
        author = str(user or patient.clinic)  # the clinic, for an account deleted since
    return patient, request, author, date.fromisoformat(params["issued"])


def report_html(patient: Patient, request: ReportRequest, *, author, issued: date) -> str:
    """The report's page, dated in the patient's days (their zone, else the clinic's), as
    the chart is: the worker has no zone of its own (it ran on the server's, UTC, and a
    dose changed on the evening of the last day west of UTC fell out of the period)."""
    with timezone.override(patient.tzinfo):
        return _report_html(patient, request, author=author, issued=issued)


def _report_html(patient: Patient, request: ReportRequest, *, author, issued: date) -> str:
    start, end = request.start, request.end
    measurements = list(
        Measurement.objects.current()
        .filter(visit__patient=patient, visit__measured_on__range=(start, end))
        .select_related("visit")
    )
    responses = list(
        OutcomeResponse.objects.filter(patient=patient, completed_on__range=(start, end))
    )
    weeks = _weeks(patient, start, end)
    revisions = list(
        ProgramRevision.objects.filter(
            program__assignment__patient=patient,
            created_at__date__range=(start, end),
        )
        .select_related("program", "created_by")
        .order_by("created_at")
    )
    in_force = (
        ProgramRevision.objects.filter(
            program__assignment__patient=patient, created_at__date__lt=start
        )
        .select_related("program")
        .order_by("-created_at")
        .first()
    )

    measures = measure_summaries(measurements)
    instruments = instrument_summaries(responses)
    discharge = (
        Discharge.objects.filter(patient=patient, uuid=request.discharge).first()
        if request.discharge
        else None
    )
    sheet = front_sheet(
        patient,
        end=end,
        instruments=instruments,
        measures=measures,
        goals=goal_progress(patient, until=end),
        weeks=weeks,
        discharge=discharge,
    )
    return render_to_string(
        "pdf/report.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "clinician": patient.clinician_to_contact(),
            "author": author,
            "start": start,
            "end": end,
            "issued": issued,
            "narrative": request.narrative,
            "revisions": revisions,
            "in_force": in_force,
            "sheet": sheet,
            "weeks": adherence.planned_or_done(weeks),
            "adherence_chart": bar_chart(
                [
                    Point(day_label(w.start), w.percent)
                    for w in adherence.since_first_planned(weeks)
                ],
                title=adherence.WEEKS_CHART_TITLE,
                y_max=100,
                unit="%",
                target=adherence.WEEKLY_TARGET,
                # The front sheet's figure, all the weeks' exercises together: the chart's
                # own mean of weekly percentages (a part week counting as a whole one)
                # gave the report a second, different adherence figure.
                summary=sheet.adherence,
            )
            if weeks
            else None,
            "measures": [(s, measure_chart(s), slot_label(s.measure, s.side)) for s in measures],
            "pain_limited_shown": pain_limited_shown(measures),
            "instruments": [(s, outcome_chart(s)) for s in instruments],
        },
    )


def _weeks(patient: Patient, start: date, end: date):
    today = adherence.patient_today(patient)
    last = min(end, today)
    # Whole ISO weeks from the one the period starts in: counted by days, a period from
    # a Wednesday to a Tuesday lost its first days.
    count = (week_start(last) - week_start(start)).days // 7 + 1
    periods = adherence.by_week(
        patient, min(MAX_REPORT_WEEKS, max(1, count)), today=last, since=start
    )
    return [p for p in periods if p.start + timedelta(days=6) >= start]
