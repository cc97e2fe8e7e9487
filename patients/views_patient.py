"""Patient area. No view here takes an object id: everything is the logged-in patient's own."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, permissions
from clinic.charts import Point, bar_chart, line_chart
from clinic.pdf import PdfError, pdf_response
from patients import adherence, instrument_items
from patients.adherence import clinic_today
from patients.forms_measures import OutcomeForm
from patients.forms_patient import MorningCheckForm, SessionForm
from patients.handouts import patient_handout
from patients.models import (
    MorningCheck,
    OutcomeAssignment,
    OutcomeResponse,
    SessionEntry,
    SessionLog,
)
from patients.outcomes import outcome_record, psfs_last_activities
from patients.schedule import due_today
from patients.sessions import (
    EDIT_WINDOW,
    LogRefused,
    current_program,
    morning_check_record,
    session_log,
    session_update,
)
from programs.models import ExerciseCue, HandoutPrint, Program

PROGRESS_WEEKS = 8


def _audit_read(request: HttpRequest, action: str) -> None:
    audit.record(
        actor=request.user, role="patient", action=action, patient=request.patient, request=request
    )


def _items(program: Program | None) -> list:
    if program is None:
        return []
    return list(
        program.items.select_related("exercise").prefetch_related(
            Prefetch("exercise__cues", queryset=ExerciseCue.objects.order_by("order"))
        )
    )


def _due(patient, items: list, today) -> list:
    """What is due today, counting this week's sessions per exercise in one query."""
    week_start = today - timedelta(days=today.weekday())
    counts = (
        SessionEntry.objects.filter(
            session__patient=patient, session__performed_on__range=(week_start, today)
        )
        .values("exercise_id", "session__performed_on")
        .annotate(n=Count("id"))
    )
    done_today: dict[int, int] = {}
    done_week: dict[int, int] = {}
    for row in counts:
        done_week[row["exercise_id"]] = done_week.get(row["exercise_id"], 0) + row["n"]
        if row["session__performed_on"] == today:
            done_today[row["exercise_id"]] = row["n"]
    return due_today(items, today, done_today, done_week)


def _today_context(request: HttpRequest, form: SessionForm | None = None) -> dict:
    patient = request.patient
    today = clinic_today(patient)
    program = current_program(patient)
    items = _items(program)
    due = _due(patient, items, today)
    due_ids = {d.item.pk for d in due}
    sessions_today = list(SessionLog.objects.filter(patient=patient, performed_on=today))
    last = SessionLog.objects.filter(patient=patient).order_by("-logged_at").first()
    editable = last if last and timezone.now() - last.logged_at <= EDIT_WINDOW else None
    # Both lookups always run, so the page costs the same number of queries every day.
    exercised_yesterday = SessionLog.objects.filter(
        patient=patient, performed_on=today - timedelta(days=1)
    ).exists()
    answered = MorningCheck.objects.filter(patient=patient, checked_on=today).exists()
    asked = exercised_yesterday and not answered
    if form is None:
        form = SessionForm(items=items, initial={"client_token": secrets.token_urlsafe(24)})
    rows = {row[0].pk: row for row in form.rows()}
    return {
        "patient": patient,
        "clinic": patient.clinic,
        "today": today,
        "program": program,
        "due": [(d, rows[d.item.pk]) for d in due],
        "others": [rows[item.pk] for item in items if item.pk not in due_ids],
        "form": form,
        "sessions_today": sessions_today,
        "editable": editable,
        "morning_form": MorningCheckForm() if asked else None,
        "questionnaire_waiting": OutcomeAssignment.objects.filter(
            patient=patient, response__isnull=True
        ).exists(),
        "tab": "today",
    }


@never_cache
@require_GET
@permissions.patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    """Today: what is due, one form to log it, and the next-morning question."""
    _audit_read(request, "patient.today")
    return render(request, "patient/today.html", _today_context(request))


@never_cache
@require_POST
@permissions.patient_required
def log_session(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    program = current_program(patient)
    if program is None:
        messages.error(request, "You have no exercise program to log against yet.")
        return redirect("patient_home")
    items = _items(program)
    data = request.POST.copy()
    if "all_done" in data:
        # "I did them all": one tap ticks every exercise due today.
        for due in _due(patient, items, clinic_today(patient)):
            data[f"done_{due.item.pk}"] = "on"
    form = SessionForm(data, items=items)
    if form.is_valid():
        try:
            _, created = session_log(
                patient=patient,
                program=program,
                done=form.done(),
                pain=form.cleaned_data["pain"],
                effort=form.cleaned_data["effort"],
                comment=form.cleaned_data["comment"],
                client_token=form.cleaned_data["client_token"],
                request=request,
            )
        except LogRefused as error:
            messages.error(request, str(error))
            return redirect("patient_home")
        messages.success(
            request, "Saved. Well done!" if created else "This session was already saved."
        )
        return redirect("patient_home")
    response = render(request, "patient/today.html", _today_context(request, form))
    response.status_code = 400
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.patient_required
def edit_session(request: HttpRequest) -> HttpResponse:
    """Change the most recent session, for 24 hours after logging it."""
    patient = request.patient
    session = (
        SessionLog.objects.filter(patient=patient, logged_at__gte=timezone.now() - EDIT_WINDOW)
        .select_related("program")
        .order_by("-logged_at")
        .first()
    )
    if session is None:
        messages.info(request, "There is no session from the last 24 hours to change.")
        return redirect("patient_home")
    items = _items(session.program)
    if request.method == "POST":
        form = SessionForm(request.POST, items=items)
        if form.is_valid():
            try:
                session_update(
                    patient=patient,
                    session=session,
                    done=form.done(),
                    pain=form.cleaned_data["pain"],
                    effort=form.cleaned_data["effort"],
                    comment=form.cleaned_data["comment"],
                    request=request,
                )
            except LogRefused as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Your changes are saved.")
            return redirect("patient_home")
    else:
        done = {entry.exercise_id: entry for entry in session.entries.all()}
        initial = {
            "client_token": session.client_token,
            "pain": session.pain,
            "effort": session.effort,
        }
        initial["comment"] = session.comment
        for item in items:
            entry = done.get(item.exercise_id)
            if entry:
                initial.update(
                    {
                        f"done_{item.pk}": True,
                        f"sets_{item.pk}": entry.sets_done,
                        f"reps_{item.pk}": entry.reps_done,
                    }
                )
        form = SessionForm(items=items, initial=initial)
        _audit_read(request, "session.view")
    return render(request, "patient/edit_session.html", {"form": form, "session": session})


@require_POST
@permissions.patient_required
def morning_check(request: HttpRequest) -> HttpResponse:
    form = MorningCheckForm(request.POST)
    if form.is_valid():
        morning_check_record(patient=request.patient, request=request, **form.cleaned_data)
        messages.success(request, "Thank you. Your clinician will see this.")
    else:
        messages.error(request, "Please choose how you feel and your pain from 0 to 10.")
    return redirect("patient_home")


@never_cache
@require_GET
@permissions.patient_required
def progress(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    weeks = adherence.by_week(patient, PROGRESS_WEEKS)
    adherence_chart = bar_chart(
        [Point(f"{w.start:%d %b}", w.percent) for w in weeks],
        title="Exercise sessions done, % of plan, by week",
        y_max=100,
        unit="%",
        target=80,
    )
    pains = list(
        SessionLog.objects.filter(
            patient=patient,
            pain__isnull=False,
            performed_on__gte=weeks[0].start,
        )
        .order_by("performed_on", "logged_at")
        .values_list("performed_on", "pain")
    )
    pain_chart = line_chart(
        [Point(f"{day:%d %b}", pain) for day, pain in pains],
        title="Pain during exercise (0 to 10)",
        y_min=0,
        y_max=10,
        higher_is_better=False,
    )
    _audit_read(request, "patient.progress")
    return render(
        request,
        "patient/progress.html",
        {
            "patient": patient,
            "weeks": weeks,
            "adherence_chart": adherence_chart,
            "pain_chart": pain_chart,
            "streak": adherence.streak(patient),
            "this_week": weeks[-1],
            "tab": "progress",
        },
    )


@never_cache
@require_GET
@permissions.patient_required
def my_program(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    program = current_program(patient)
    _audit_read(request, "patient.program")
    return render(
        request,
        "patient/program.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "program": program,
            "items": _items(program),
            "tab": "program",
        },
    )


@never_cache
@require_GET
@permissions.patient_required
def my_handout(request: HttpRequest) -> HttpResponse:
    """The patient's own current program as a PDF. No ids: always their own."""
    patient = request.patient
    program = current_program(patient)
    if program is None:
        messages.info(request, "You have no exercise program yet.")
        return redirect("patient_home")
    try:
        pdf, filename = patient_handout(
            patient=patient,
            program=program,
            actor=request.user,
            role="patient",
            channel=HandoutPrint.Channel.PATIENT,
            base_url=f"{request.scheme}://{request.get_host()}",
            large_print=request.GET.get("large") == "1",
            request=request,
        )
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("patient_home")
    return pdf_response(pdf, filename)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.patient_required
def questionnaire(request: HttpRequest) -> HttpResponse:
    """The oldest questionnaire the clinician asked for. No id in the URL: always one's own."""
    patient = request.patient
    assignment = (
        OutcomeAssignment.objects.filter(patient=patient, response__isnull=True)
        .order_by("assigned_at", "id")
        .first()
    )
    if assignment is None:
        messages.info(request, "You have no questionnaire to fill in. Thank you!")
        return redirect("patient_home")
    activities = psfs_last_activities(patient) if assignment.code == "psfs" else []
    form = OutcomeForm(
        request.POST or None, code=assignment.code, for_patient=True, activities=activities
    )
    if request.method == "POST" and form.is_valid():
        outcome_record(
            patient=patient,
            code=assignment.code,
            answers=form.answers(),
            completed_on=clinic_today(patient),
            actor=request.user,
            role="patient",
            source=OutcomeResponse.Source.PATIENT,
            request=request,
        )
        messages.success(request, "Thank you. Your clinician will see your answers.")
        return redirect("patient_questionnaire")
    if request.method == "GET":
        _audit_read(request, "questionnaire.view")
    return render(
        request,
        "patient/questionnaire.html",
        {
            "form": form,
            "instrument": form.instrument,
            "citation": instrument_items.CITATIONS[assignment.code],
            "instructions": _instructions(assignment.code),
            "tab": "today",
        },
    )


def _instructions(code: str) -> str:
    return {
        "nprs": "",
        "psfs": instrument_items.PSFS_INSTRUCTIONS,
        "rmdq": instrument_items.RMDQ_INSTRUCTIONS,
        "lefs": instrument_items.LEFS_INSTRUCTIONS,
    }.get(code, "")
