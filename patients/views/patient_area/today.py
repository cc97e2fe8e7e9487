"""Today: what is due, logging a session (on the page, or kept offline on the phone and
sent later), changing the last one, and the next-morning question."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, date, datetime, timedelta

from django.contrib import messages
from django.db import DatabaseError, transaction
from django.db.models import Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import permissions, resume
from clinic.parsing import parse_int, parse_text
from patients.adherence import patient_today
from patients.forms.patient_area import MorningCheckForm, SessionEditForm, SessionForm
from patients.models import (
    Flag,
    MorningCheck,
    OutcomeAssignment,
    Patient,
    SessionLog,
)
from patients.practice_log import (
    EDIT_WINDOW,
    HIGH_PAIN,
    TOO_MUCH,
    LogRefused,
    SessionChanged,
    current_program,
    due_now,
    finished_program,
    kept_program_items,
    made_on,
    morning_check_record,
    session_rows,
    session_update,
    session_version,
    wait_for_other_logs,
)
from patients.symptoms import signs_by_kind
from patients.views.patient_area.shared import (
    audit_read,
    patient_stop_rules,
    program_items,
    sheet_out_of_date,
)
from patients.views.patient_area.signs import (
    not_saved,
    remember_signs,
    signs_without_session,
    ticked_signs,
)
from programs.localized import localize_items, prefetch_for

logger = logging.getLogger(__name__)


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


def _open_signs(patient: Patient) -> set[str]:
    """The kinds of the patient's open flags for signs they told (urgent, stop). Read
    only when the row counts open flags: most patients have none, and pay no query."""
    if not patient.open_flags:
        return set()
    signs = (Flag.Kind.RED_FLAG, Flag.Kind.STOP_SIGN)
    return set(
        Flag.objects.open().filter(patient=patient, kind__in=signs).values_list("kind", flat=True)
    )


def _today_context(
    request: HttpRequest, form: SessionForm | None = None, day: date | None = None
) -> dict:
    """Today's page; `day`: the day it is drawn for, when a form sent just after the
    patient's midnight comes back (LATE_TAP)."""
    patient = request.patient
    today = day or patient_today(patient)
    program = current_program(patient)
    # Finished (discharged): told so, with that program's stop rules still shown.
    finished = None if program else finished_program(patient)
    items = program_items(program)
    due = due_now(patient, program, items, today)
    due_ids = {d.item.pk for d in due}
    sessions_today, editable, exercised_yesterday = _recent_sessions(patient, today)
    answered, questionnaire_waiting = _answered_and_waiting(patient, today)
    open_signs = _open_signs(patient)
    asked = exercised_yesterday and not answered
    rules = patient_stop_rules(patient, items if program else program_items(finished, text=False))
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
        # Everything due today is done: "I did them all" would log it all again.
        "all_done_today": bool(due) and not any(d.remaining_today for d in due),
        "others": others,
        # Opened when one of them has a refused number, so the patient sees why.
        "others_refused": any(row[2].errors or row[3].errors for row in others),
        "form": form,
        "sessions_today": sessions_today,
        "editable": editable,
        # Its own ids: the session form below has a "pain" scale too, and a label points at
        # the first element with its id, so a tap on the session's "2" set the morning's.
        "morning_form": MorningCheckForm(auto_id="morning_%s") if asked else None,
        # Asked all day: from noon it asks how they felt this morning, not how they feel.
        "morning_past": asked and timezone.localtime(timezone.now(), patient.tzinfo).hour >= 12,
        "questionnaire_waiting": questionnaire_waiting,
        # Signs told and not yet seen by a clinician: what to do stands until then, and
        # Today says so above the exercises (found by the phone review: after the advice
        # page, Today invited the patient to carry on as usual).
        "signs_urgent": Flag.Kind.RED_FLAG in open_signs,
        "signs_stop": Flag.Kind.STOP_SIGN in open_signs,
        "sheet_out_of_date": sheet_out_of_date(program),
        "tab": "today",
    }


@never_cache
@require_GET
@permissions.patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    """Today: what is due, one form to log it, and the next-morning question."""
    audit_read(request, "patient.today")
    return render(request, "patient/today.html", _today_context(request))


def _with_all_done(request: HttpRequest, program, items: list, day: date):
    """ "I did them all": one tap ticks every exercise still to do today, not one already
    done as often as prescribed today (a second tap on a stale page logged it twice and
    raised adherence). With none left to do (this week's days already done, or a page
    from before the last session), it ticks what is due, else the whole program: the
    patient did it, and an extra session is worth keeping, not a "tick at least one"
    refusal (a session kept on the phone would be dropped by one).

    Also says whether the tap came from a page drawn before a session saved since (another
    tab or phone) with nothing left to do now: most likely the same exercises, saved twice
    by mistake.

    `day`: the day the tap was made: today, or for a session kept on the phone the day it
    was made (what is due on the day it is sent is another list)."""
    data = request.POST.copy()
    if "all_done" not in data:
        return data, False
    patient = request.patient
    due = due_now(patient, program, items, day)
    left = [d.item for d in due if d.remaining_today]
    for item in left or [d.item for d in due] or items:
        data[f"done_{item.pk}"] = "on"
    return data, bool(due) and not left and _saved_since_drawn(request, patient, day)


def _saved_since_drawn(request: HttpRequest, patient: Patient, today: date) -> bool:
    """Whether more sessions are saved for today than the page had seen when it was drawn
    (`seen_today`), by another page: this page's own, sent again (a double tap, a resend
    after a lost answer), is answered "already saved" as any resend is. Without that
    field (a client other than our page): no."""
    seen = parse_int(request.POST.get("seen_today"), None, low=0, high=MAX_SESSIONS_SEEN)
    if seen is None:
        return False
    token = parse_text(request.POST.get("client_token"), 64)
    if SessionLog.objects.filter(patient=patient, client_token=token).exists():
        return False
    return SessionLog.objects.filter(patient=patient, performed_on=today).count() > seen


# Far beyond any real day's sessions; a larger number is not a page of ours.
MAX_SESSIONS_SEEN = 1000

# A form sent this long after the patient's midnight, from a page drawn the day before,
# is logged on the page's day: the patient did that day's exercises (23:50 opened, saved
# at 00:02). Logged on the new day, "I did them all" ticked the new day's list instead of
# what was done, and the day before read as nothing done.
LATE_TAP = timedelta(hours=3)


def _day_of_the_page(
    request: HttpRequest, patient: Patient, made_at: datetime | None = None
) -> tuple[date, bool]:
    """(the day a session sent from Today is logged on, whether the page was drawn for a
    day further back, which it is not logged on). `made_at`: when a session kept on the
    phone was made, for the same rule at that moment. Without `drawn_on` (a client other
    than our page): the day it was made."""
    moment = min(made_at or timezone.now(), timezone.now())
    day = made_on(patient, moment)
    try:
        drawn = date.fromisoformat(parse_text(request.POST.get("drawn_on"), 10))
    except ValueError:
        return day, False
    if drawn >= day:
        return day, False
    local = timezone.localtime(moment, patient.tzinfo)
    since_midnight = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)
    if drawn == day - timedelta(days=1) and since_midnight <= LATE_TAP:
        return drawn, False
    return day, True


def _form_again(
    request: HttpRequest,
    form: SessionForm,
    items: list,
    status: int,
    told: list[str] | None = None,
    day: date | None = None,
):
    """Today again with what the patient entered, its exercises' words in their language
    (the POST reads the items without them). `told`: the warning signs told to the clinic
    although the session was not saved; what to do about them is shown above the form,
    as it never waits for a save (signs.not_saved)."""
    language = translation.get_language()
    prefetch_related_objects(items, *prefetch_for(language))
    localize_items(items, language)
    context = _today_context(request, form, day)
    # Today again, with the record's program and sessions: a read, as its GET is.
    audit_read(request, "patient.today")
    context["told_urgent"], context["told_stop"] = signs_by_kind(told or [], context["stop_rules"])
    response = render(request, "patient/today.html", context)
    response.status_code = status
    return response


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
    items = program_items(program, text=False)
    rules = patient_stop_rules(patient, items)
    form = None
    try:
        with transaction.atomic():
            if "all_done" in request.POST:
                # Two tabs' "I did them all" sent at the same instant: the second waits
                # here until the first has saved, then finds it saved. Without the lock
                # both checked before either saved, and the day was logged twice.
                wait_for_other_logs(patient)
            day, page_too_old = _day_of_the_page(request, patient)
            # "I did them all" ticks the list due on the day it is logged on: from a page
            # of an earlier day, not the list the patient saw.
            stale_list = page_too_old and "all_done" in request.POST
            data, saved_meanwhile = _with_all_done(request, program, items, day)
            form = SessionForm(data, items=items, rules=rules)
            logged = None
            if not (saved_meanwhile or stale_list) and form.is_valid():
                logged = form.log(
                    patient=patient, program=program, actor=request.actor, performed_on=day
                )
    except LogRefused as error:
        messages.error(request, str(error))
        if form.cleaned_data["signs"]:
            signs_without_session(request, form.cleaned_data["signs"], rules)
            return redirect("patients:patient_advice")
        return redirect("patients:patient_home")
    except DatabaseError as error:
        # Read from what was sent when the form was not built yet (the lock failed): the
        # advice for an urgent sign never depends on a save.
        told = ticked_signs(form or SessionForm(request.POST, items=items, rules=rules))
        return not_saved(request, told, rules, error)
    if saved_meanwhile or stale_list:
        if signs := ticked_signs(form):
            signs_without_session(request, signs, rules)
            return redirect("patients:patient_advice")
        # Shown again, ticked, with the pain and words kept: one more tap saves it (as an
        # extra session if the patient did the exercises again).
        if stale_list:
            messages.warning(
                request,
                _(
                    "This page was from an earlier day, so nothing was saved. Here is "
                    "today's list: check what you did and save."
                ),
            )
        else:
            messages.warning(
                request,
                _(
                    "Today's exercises were already saved, on another page or phone, so "
                    "this was not saved again. If you did them again, press “Save an "
                    "extra session”."
                ),
            )
        # The list drawn again is the page's day's when it was saved meanwhile (the extra
        # session goes there too); today's when the page's day is past.
        return _form_again(request, form, items, status=409, day=None if stale_list else day)
    if logged is not None:
        _session, created = logged
        if form.cleaned_data["signs"]:
            remember_signs(request, form.cleaned_data["signs"], rules)
            messages.success(request, _("Your session is saved."))
            return redirect("patients:patient_advice")
        if not created:
            messages.info(request, _("This session was already saved."))
        elif form.cleaned_data["pain"] >= HIGH_PAIN:
            # Flagged to the clinician at once (practice_log): said so, with what to do now
            # and whom to call (found by the phone review: pain 8 read as pain 6).
            messages.warning(request, _high_pain_advice(patient, form.cleaned_data["pain"]))
        elif form.cleaned_data["pain"] >= TOO_MUCH:
            # The pain guide above the scale, said again: praise alone read as "carry on".
            messages.warning(
                request,
                _(
                    "Saved. Pain above {limit} is too much: do less next time. If it has not "
                    "settled by tomorrow morning, tell your clinic."
                ).format(limit=TOO_MUCH - 1),
            )
        elif day != patient_today(patient):
            messages.success(request, _("Saved as yesterday's session. Well done!"))
        else:
            messages.success(request, _("Saved. Well done!"))
        return redirect("patients:patient_home")
    if told := ticked_signs(form):
        signs_without_session(request, told, rules)
    return _form_again(request, form, items, status=400, told=told, day=day)


def _high_pain_advice(patient: Patient, pain: int) -> str:
    clinic = patient.clinic
    said = _(
        "Saved. Pain of {pain} is a lot: stop for today and rest. We have told your clinician."
    ).format(pain=pain)
    if clinic.phone:
        return f"{said} " + _(
            "If it has not settled by tomorrow morning, call {clinic} on {phone}."
        ).format(clinic=clinic.name, phone=clinic.phone)
    return f"{said} " + _("If it has not settled by tomorrow morning, tell {clinic}.").format(
        clinic=clinic.name
    )


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
    rules = patient_stop_rules(patient, items)
    # A session kept on the phone is saved even when nothing is left to do that day: the
    # patient did it then, and one refused here would be dropped from the phone.
    # The day of the page it was made on when made just after midnight, as on Today.
    day, _page_too_old = _day_of_the_page(request, patient, made_at)
    data, _saved_meanwhile = _with_all_done(request, program, items, day)
    # No "more than twice the dose" check: it asks for a second look, and the page it was
    # typed on is gone (the dose may also have been lowered since).
    form = SessionForm(data, items=items, rules=rules, second_look=False)
    if not form.is_valid():
        # The phone drops a log answered "invalid": its signs are told to the clinic now.
        if signs := ticked_signs(form):
            signs_without_session(request, signs, rules)
        errors = [str(e) for e in form.non_field_errors()] or [_("Please check this session.")]
        return _sync_answer("invalid", errors[0], 400)
    try:
        _session, created = form.log(
            patient=patient,
            program=program,
            actor=request.actor,
            made_at=made_at,
            performed_on=day,
        )
    except LogRefused as error:
        told = bool(form.cleaned_data["signs"])
        if told:
            signs_without_session(request, form.cleaned_data["signs"], rules)
        return _sync_answer("refused", str(error), 409, told=told)
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
    told = bool(form.cleaned_data["signs"])
    if told:
        remember_signs(request, form.cleaned_data["signs"], rules)
    if created and told:
        # No "Well done!" beside the red "get help" box, which learns it was passed on
        # (patient-app.js: `told`), not "we could not pass this on" (the phone review).
        return _sync_answer(
            "saved",
            _(
                "Your session saved on this phone has been sent, with the signs you "
                "ticked: we have told your clinician."
            ),
            told=True,
        )
    if created:
        return _sync_answer(
            "saved", _("Your session saved on this phone has been sent. Well done!")
        )
    return _sync_answer("duplicate", _("This session was already saved."), told=told)


# Far beyond any real clock, small enough for datetime.
MAX_MADE_AT_MS = 10**14


def _sync_answer(state: str, message: str, status: int = 200, told: bool = False) -> JsonResponse:
    """`told`: the warning signs it carried reached the clinic (flags raised)."""
    return JsonResponse({"state": state, "message": message, "told": told}, status=status)


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
        audit_read(request, "session.view")
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
