"""Patient area. No view here takes an object id: everything is the logged-in patient's own."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import DatabaseError
from django.db.models import Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, permissions, resume
from clinic.lib.charts import Point, bar_chart, day_label, line_chart
from clinic.parsing import parse_int, parse_text, parse_uuid
from patients import adherence
from patients.adherence import patient_today
from patients.forms.measures import OutcomeForm
from patients.forms.patient_area import MorningCheckForm, SessionEditForm, SessionForm, SymptomForm
from patients.handouts import handout_for
from patients.instruments.base import PUBLISHED_NOTE
from patients.models import (
    Flag,
    Goal,
    MorningCheck,
    OutcomeAssignment,
    OutcomeResponse,
    Patient,
    SessionLog,
)
from patients.outcomes import (
    AlreadyAnswered,
    answered_by_patient,
    carried_forward,
    outcome_record,
)
from patients.practice_log import (
    EDIT_WINDOW,
    LogRefused,
    SessionChanged,
    advice_program,
    current_program,
    due_now,
    finished_program,
    kept_program_items,
    morning_check_record,
    session_rows,
    session_update,
    session_version,
)
from patients.symptoms import signs_by_kind, symptoms_report
from patients.views.documents import handout_download, large_print_choice
from programs.localized import leaflets_for, localize_items, prefetch_for, program_text
from programs.models import HandoutPrint, Program
from programs.safety import StopRules, stop_rules_for_items

PROGRESS_WEEKS = 8
# The share of a week's plan the progress page counts as a good week.
WEEKLY_TARGET = 80

logger = logging.getLogger(__name__)


def _stop_rules(patient, items: list) -> StopRules:
    """The stop box's rules for these items, with the patient's clinic's emergency help."""
    return stop_rules_for_items(items, emergency=patient.clinic.emergency_help)


def _audit_read(request: HttpRequest, action: str) -> None:
    audit.record(request.actor, action, patient=request.patient)


def _items(program: Program | None, *, text: bool = True) -> list:
    """The program's items, each with `.text` in the patient's language (active here:
    clinic.permissions.patient_required). `text=False` leaves the exercises' words out:
    the session POST shows them only when its form comes back with errors (then
    localized in place)."""
    if program is None:
        return []
    items = program.items.select_related("exercise")
    if not text:
        return list(items)
    language = translation.get_language()
    return localize_items(
        items.prefetch_related(*prefetch_for(language)),
        language,
    )


def _recent_sessions(patient, today) -> tuple[list, SessionLog | None, bool]:
    """Today's sessions, the last session if it can still be changed, and whether the
    patient exercised yesterday: one read of the sessions done since yesterday or logged
    within the edit window. The patient's latest log is editable only if it was logged
    within the window, so when any log is, the latest of those is the latest of all."""
    yesterday = today - timedelta(days=1)
    window_start = timezone.now() - EDIT_WINDOW
    recent = list(
        SessionLog.objects.filter(
            Q(performed_on__gte=yesterday) | Q(logged_at__gte=window_start), patient=patient
        ).order_by("logged_at", "pk")
    )
    in_window = [s for s in recent if s.logged_at >= window_start]
    return (
        [s for s in recent if s.performed_on == today],
        in_window[-1] if in_window else None,
        any(s.performed_on == yesterday for s in recent),
    )


def _answered_and_waiting(patient: Patient, today: date) -> tuple[bool, bool]:
    """Whether today's morning question is answered, and whether a questionnaire waits,
    looked up every day (whether the question is asked or not), so the page costs the
    same every day. Two plain reads: one read of both as EXISTS subqueries saved a query
    but cost more CPU, Django's and the database's, than the two it replaced (1.08 + 0.18
    against 0.80 + 0.14 ms on PostgreSQL, 0.82 against 0.45 ms on SQLite)."""
    return (
        MorningCheck.objects.filter(patient=patient, checked_on=today).exists(),
        OutcomeAssignment.objects.filter(patient=patient, response__isnull=True).exists(),
    )


def _today_context(request: HttpRequest, form: SessionForm | None = None) -> dict:
    patient = request.patient
    today = patient_today(patient)
    program = current_program(patient)
    # Finished (discharged): told so, with that program's stop rules still shown.
    finished = None if program else finished_program(patient)
    items = _items(program)
    due = due_now(patient, program, items, today)
    due_ids = {d.item.pk for d in due}
    sessions_today, editable, exercised_yesterday = _recent_sessions(patient, today)
    answered, questionnaire_waiting = _answered_and_waiting(patient, today)
    asked = exercised_yesterday and not answered
    rules = _stop_rules(patient, items if program else _items(finished, text=False))
    if form is None:
        form = SessionForm(
            items=items, rules=rules, initial={"client_token": secrets.token_urlsafe(24)}
        )
    rows = {row[0].pk: row for row in form.rows()}
    others = [rows[item.pk] for item in items if item.pk not in due_ids]
    return {
        "patient": patient,
        "clinic": patient.clinic,
        "stop_rules": rules,
        "today": today,
        "program": program,
        "finished": finished,
        "due": [(d, rows[d.item.pk]) for d in due],
        "others": others,
        # Opened when one of them has a refused number, so the patient sees why.
        "others_refused": any(row[2].errors or row[3].errors for row in others),
        "form": form,
        "sessions_today": sessions_today,
        "editable": editable,
        # Its own ids: the session form below has a "pain" scale too, and a label points at
        # the first element with its id, so a tap on the session's "2" set the morning's.
        "morning_form": MorningCheckForm(auto_id="morning_%s") if asked else None,
        "questionnaire_waiting": questionnaire_waiting,
        "tab": "today",
    }


@never_cache
@require_GET
@permissions.patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    """Today: what is due, one form to log it, and the next-morning question."""
    _audit_read(request, "patient.today")
    return render(request, "patient/today.html", _today_context(request))


def _with_all_done(request: HttpRequest, program, items: list):
    """ "I did them all": one tap ticks every exercise due today. On a day with nothing
    due (this week's days already done), it ticks the whole program: the patient did it,
    and an extra session is worth keeping, not a "tick at least one" refusal."""
    data = request.POST.copy()
    if "all_done" in data:
        due = due_now(request.patient, program, items, patient_today(request.patient))
        for item in [d.item for d in due] or items:
            data[f"done_{item.pk}"] = "on"
    return data


@never_cache
@require_POST
@permissions.patient_required
def log_session(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    program = current_program(patient)
    if program is None:
        messages.error(request, _("You have no exercise program to log against yet."))
        return redirect("patients:patient_home")
    # The how-to steps are only shown again if the form comes back with errors.
    items = _items(program, text=False)
    rules = _stop_rules(patient, items)
    form = SessionForm(_with_all_done(request, program, items), items=items, rules=rules)
    if form.is_valid():
        try:
            _session, created = form.log(
                patient=patient,
                program=program,
                actor=request.actor,
            )
        except LogRefused as error:
            messages.error(request, str(error))
            if form.cleaned_data["signs"]:
                _signs_without_session(request, form.cleaned_data["signs"], rules)
                return redirect("patients:patient_advice")
            return redirect("patients:patient_home")
        except DatabaseError as error:
            return _not_saved(request, form.cleaned_data["signs"], rules, error)
        if form.cleaned_data["signs"]:
            _remember_signs(request, form.cleaned_data["signs"], rules)
            messages.success(request, _("Your session is saved."))
            return redirect("patients:patient_advice")
        messages.success(
            request, _("Saved. Well done!") if created else _("This session was already saved.")
        )
        return redirect("patients:patient_home")
    language = translation.get_language()
    prefetch_related_objects(items, *prefetch_for(language))
    localize_items(items, language)
    response = render(request, "patient/today.html", _today_context(request, form))
    response.status_code = 400
    return response


@never_cache
@require_POST
@permissions.patient_required
def log_session_sync(request: HttpRequest) -> JsonResponse:
    """A session the patient's phone kept while it had no connection, sent once it has one.

    The same fields as the Today form, plus when it was made (`made_at`, milliseconds
    since 1970 by the phone's clock). The key the phone made (`client_token`) makes a
    resend harmless. JSON answers: saved, duplicate (sent before), refused (with the
    message to show), invalid, elsewhere (made for another patient signed in on this
    phone: the phone keeps it for them), or retry (not saved just now: the phone keeps it
    and sends it again)."""
    patient = request.patient
    # The stamp of the page it was made on (patient-app.js): another patient's log, kept
    # on a shared phone, stays there for them.
    stamp = request.POST.get("kept_by", "")
    if stamp and not resume.made_for_this_patient(request, stamp):
        return _sync_answer("elsewhere", "", 409)
    program, items = kept_program_items(patient, request.POST, theirs=bool(stamp))
    if program is None:
        return _sync_answer("refused", _("You have no exercise program to log against."), 409)
    made_ms = parse_int(request.POST.get("made_at"), None, low=0, high=MAX_MADE_AT_MS)
    if made_ms is None:
        return _sync_answer("invalid", _("This session could not be read."), 400)
    made_at = datetime.fromtimestamp(made_ms / 1000, tz=UTC)
    rules = _stop_rules(patient, items)
    form = SessionForm(_with_all_done(request, program, items), items=items, rules=rules)
    if not form.is_valid():
        errors = [str(e) for e in form.non_field_errors()] or [_("Please check this session.")]
        return _sync_answer("invalid", errors[0], 400)
    try:
        _session, created = form.log(
            patient=patient,
            program=program,
            actor=request.actor,
            made_at=made_at,
        )
    except LogRefused as error:
        if form.cleaned_data["signs"]:
            _signs_without_session(request, form.cleaned_data["signs"], rules)
        return _sync_answer("refused", str(error), 409)
    except DatabaseError as error:
        # Nothing was saved (session_log is one transaction): the phone must keep the log
        # and send it again (patient-app.js), not be told it arrived.
        logger.error("A kept session could not be saved: %s", type(error).__name__)
        return _sync_answer(
            "retry",
            _(
                "Your session saved on this phone could not be sent just now. It is still "
                "on this phone and will be sent again."
            ),
            503,
        )
    if form.cleaned_data["signs"]:
        _remember_signs(request, form.cleaned_data["signs"], rules)
    if created:
        return _sync_answer(
            "saved", _("Your session saved on this phone has been sent. Well done!")
        )
    return _sync_answer("duplicate", _("This session was already saved."))


# Far beyond any real clock, small enough for datetime.
MAX_MADE_AT_MS = 10**14


def _sync_answer(state: str, message: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"state": state, "message": message}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.patient_required
def edit_session(request: HttpRequest) -> HttpResponse:
    """Change the most recent session, for 24 hours after logging it. The page shows the
    latest; its POST changes the session the page showed (by the form's token), even when
    another has been logged since (another tab, the phone's offline queue)."""
    patient = request.patient
    sessions = SessionLog.objects.filter(
        patient=patient, logged_at__gte=timezone.now() - EDIT_WINDOW
    ).select_related("program", "revision")
    if request.method == "POST":
        session = sessions.filter(
            client_token=parse_text(request.POST.get("client_token"), 64)
        ).first()
    else:
        session = sessions.order_by("-logged_at").first()
    if session is None:
        messages.info(request, _("There is no session from the last 24 hours to change."))
        return redirect("patients:patient_home")
    language = translation.get_language()
    items = session_rows(session)
    prefetch_related_objects([item.exercise for item in items], *prefetch_for(language, ""))
    items = localize_items(items, language)
    if request.method == "POST":
        form = SessionEditForm(request.POST, items=items)
        if form.is_valid():
            try:
                session_update(
                    patient=patient,
                    session=session,
                    done=form.done(),
                    pain=form.cleaned_data["pain"],
                    effort=form.cleaned_data["effort"],
                    comment=form.cleaned_data["comment"],
                    actor=request.actor,
                    seen=form.seen,
                )
            except SessionChanged as changed:
                form.changed_meanwhile(changed.session, session_version(changed.session))
            except LogRefused as error:
                messages.error(request, str(error))
                return redirect("patients:patient_home")
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("patients:patient_home")
    else:
        done = {entry.exercise_id: entry for entry in session.entries.all()}
        initial = {
            "client_token": session.client_token,
            "seen": session_version(session),
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
        form = SessionEditForm(items=items, initial=initial)
        _audit_read(request, "session.view")
    return render(request, "patient/edit_session.html", {"form": form, "session": session})


@require_POST
@permissions.patient_required
def morning_check(request: HttpRequest) -> HttpResponse:
    form = MorningCheckForm(request.POST)
    if form.is_valid():
        morning_check_record(patient=request.patient, actor=request.actor, **form.cleaned_data)
        messages.success(request, _("Thank you. Your clinician will see this."))
    else:
        messages.error(request, _("Please choose how you feel and your pain from 0 to 10."))
    return redirect("patients:patient_home")


def _weeks_in_words(weeks: list[adherence.Period]) -> str | None:
    """The weekly chart in plain words for the patient (the general sentence spoke of
    "entries" and averages to a tenth of a percent). The weeks are whole ones: this week,
    last, has only begun (on a Monday morning it read as a week missed). None while no
    week had a plan."""
    *whole, this_week = weeks
    shares = [week.percent for week in whole if week.percent is not None]
    if not shares:
        if this_week.percent is None:
            return None
        return _("You have done {percent}% of this week's plan so far.").format(
            percent=this_week.percent
        )
    good = sum(1 for share in shares if share >= WEEKLY_TARGET)
    return " ".join(
        [
            _("On average you did {percent}% of your plan each week.").format(
                percent=round(sum(shares) / len(shares))
            ),
            ngettext(
                "You did {target}% or more in {good} of {count} week.",
                "You did {target}% or more in {good} of {count} weeks.",
                len(shares),
            ).format(target=WEEKLY_TARGET, good=good, count=len(shares)),
        ]
    )


@never_cache
@require_GET
@permissions.patient_required
def progress(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    weeks = adherence.since_first_planned(adherence.by_week(patient, PROGRESS_WEEKS))
    adherence_chart = bar_chart(
        [Point(day_label(w.start), w.percent) for w in weeks],
        title=_("Exercise sessions done, % of plan, by week"),
        y_max=100,
        unit="%",
        target=WEEKLY_TARGET,
        summary=_weeks_in_words(weeks),
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
        [Point.on(day, pain) for day, pain in pains],
        title=_("Pain during exercise (0 to 10)"),
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
    finished = None if program else finished_program(patient)
    _audit_read(request, "patient.program")
    return render(
        request,
        "patient/program.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "clinician": patient.clinician_to_contact(),
            "program": program,
            "finished": finished,
            # The stop rules of the program they finished: still worth knowing.
            "finished_items": _items(finished, text=False),
            "program_text": program_text(program, translation.get_language()) if program else None,
            "items": _items(program),
            "leaflets": leaflets_for(program.leaflets, translation.get_language())
            if program
            else [],
            # Open goals and the ones met; a goal not met is for the clinician to discuss.
            "goals": list(patient.goals.exclude(status=Goal.Status.NOT_MET)),
            "tab": "program",
        },
    )


@never_cache
@require_GET
@permissions.patient_required
def my_handout(request: HttpRequest) -> HttpResponse:
    """The patient's own current program as a PDF, else the one they finished last (the
    exercises they were told to keep doing). No ids: always their own."""
    patient = request.patient
    program = advice_program(patient)
    if program is None:
        messages.info(request, _("You have no exercise program yet."))
        return redirect("patients:patient_home")
    return handout_download(
        request,
        handout_for(patient, program, large_print_choice(request)),
        channel=HandoutPrint.Channel.PATIENT,
        layout="patient/layout.html",
        back_url=reverse("patients:patient_program"),
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
            # request the clinic withdrew, is not an answer anyone has.
            messages.info(
                request,
                _("Your answers were already sent. Thank you!")
                if assignment
                else _("This page was out of date, so nothing was saved. Please fill it in again."),
            )
            return redirect("patients:patient_questionnaire")
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
        return redirect("patients:patient_questionnaire")
    if request.method == "GET":
        _audit_read(request, "questionnaire.view")
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


REPORTED = "limber_reported_signs"


def _remember_signs(request: HttpRequest, signs: list[str], rules: StopRules) -> None:
    """The advice page repeats the signs reported in the patient's own words (kept for
    this login session only)."""
    urgent, stop = signs_by_kind(signs, rules)
    request.session[REPORTED] = {"urgent": urgent, "stop": stop}


def _signs_without_session(request: HttpRequest, signs: list[str], rules: StopRules) -> None:
    """A session refused (its program paused or ended meanwhile, a kept log too old) still
    reports the warning signs ticked on it: they are about the patient, not the session,
    and an urgent one must reach the clinician whatever became of the log."""
    symptoms_report(actor=request.actor, patient=request.patient, signs=signs, rules=rules)
    _remember_signs(request, signs, rules)


def _not_saved(
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
    rules = _stop_rules(patient, _items(advice_program(patient), text=False))
    form = SymptomForm(request.POST if request.method == "POST" else None, rules=rules)
    if request.method == "POST" and form.is_valid():
        signs = form.cleaned_data["signs"]
        symptoms_report(actor=request.actor, patient=patient, signs=signs, rules=rules)
        _remember_signs(request, signs, rules)
        return redirect("patients:patient_advice")
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
    _audit_read(request, "advice.view")
    rules = _stop_rules(patient, _items(advice_program(patient), text=False))
    reported = request.session.get(REPORTED) or {}
    kinds = {flag.kind for flag in flags}
    return render(
        request,
        "patient/advice.html",
        {
            "urgent": Flag.Kind.RED_FLAG in kinds,
            "stop": Flag.Kind.STOP_SIGN in kinds,
            "urgent_signs": reported.get("urgent", []),
            "stop_signs": reported.get("stop", []),
            "told": True,
            "clinic": patient.clinic,
            "stop_rules": rules,
            "tab": "today",
        },
    )


# What the patient app's service worker keeps: our own static files, never a page.
APP_FILES = (
    "clinic/app/offline.html",
    "clinic/vendor/bootstrap/bootstrap.min.css",
    "clinic/css/limber.css",
    "clinic/vendor/bootstrap/bootstrap.bundle.min.js",
    "clinic/vendor/htmx/htmx.min.js",
    "clinic/js/text.js",
    "clinic/js/form-keeper.js",
    "clinic/js/session-timeout.js",
    "clinic/js/patient-app.js",
    "clinic/app/icon-192.png",
)


@permissions.public
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The patient app's service worker (a static file), served from /me/ so that it may
    look after the patient area; it holds the addresses of the files it keeps."""
    source = _static_text("clinic/app/patient-sw.js")
    urls = [static(name) for name in APP_FILES]
    version = hashlib.sha256("|".join(urls).encode()).hexdigest()[:12]
    body = source.replace("__PRECACHE__", json.dumps(urls)).replace("__VERSION__", version)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _static_text(name: str) -> str:
    path = finders.find(name)
    if path:
        return Path(path).read_text(encoding="utf-8")
    with staticfiles_storage.open(name) as handle:  # collected, in production
        return handle.read().decode("utf-8")
