"""Clinician portal: caseload, patient chart, patient record and access."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, once, permissions
from clinic.capabilities import IN_CHARGE, role_can, roles_that_can
from clinic.edits import EditedMeanwhile
from clinic.invitations import invitations_with_emails
from clinic.lib.charts import Point, line_chart
from clinic.lib.qr import qr_data_uri
from clinic.models import Invitation, Membership, OutgoingEmail
from clinic.parsing import parse_text
from patients import adherence, caseload_search, caseload_table
from patients import caseload as caseload_figures
from patients.access import open_flag, patient_or_404
from patients.forms.records import CaseloadFilterForm, NewPatientForm, PatientForm
from patients.goals import goal_progress
from patients.intake import intake_precautions, program_conflicts
from patients.models import (
    Discharge,
    Flag,
    Intake,
    MorningCheck,
    OutcomeResponse,
    Patient,
    RedFlagScreen,
    SessionEntry,
    SessionLog,
)
from patients.practice_log import FlagChanged, FlagNoteNeeded, flag_check_inactive, flag_review
from patients.progressions import suggestions as progression_suggestions
from patients.services import (
    EmailTaken,
    PatientAccessError,
    patient_create,
    patient_invitations_cancel,
    patient_invite,
    patient_set_status,
    patient_update,
)
from patients.views.measures import progress_figures
from patients.views.reminders import TIMES as REMINDER_TIMES
from patients.views.reminders import ClinicReminderForm
from programs.content import pathways
from programs.dosage import describe_done, estimate_minutes
from programs.models import Program
from programs.precautions import notices as precaution_notices

CASELOAD_PAGE_SIZE = 25
FLAG_NOTE_LENGTH = Flag._meta.get_field("review_note").max_length


def _audit_read(request: HttpRequest, action: str, patient: Patient) -> None:
    audit.record(request.actor, action, patient=patient, obj=patient)


def _clinical(request: HttpRequest) -> bool:
    return role_can(request.membership.role, "clinical.view")


SORTS = {
    "name": ("last_name", "first_name", "id"),
    "activity": (F("last_activity_at").desc(nulls_last=True), "last_name", "id"),
    # Lowest adherence first: those are the patients to call. New programs (nothing
    # prescribed on a full day yet) come last, not first.
    "adherence": ("adherence_sort", "last_name", "id"),
    "flags": ("-open_flags", F("last_activity_at").asc(nulls_first=True), "id"),
}
# Clinical staff see patients who reported an urgent symptom first, whatever the sort.
URGENT_FIRST = F("urgent").desc()


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required("patients.view")
def caseload(request: HttpRequest) -> HttpResponse:
    """The clinic's patients. Adherence, flags and "needs attention" are clinical: staff
    without `clinical.view` (front desk) get names and contact details only. The search
    form is posted and its term kept out of the URL (patients/caseload_search.py)."""
    clinical = _clinical(request)
    if request.method == "POST":
        return _caseload_search(request, clinical)
    data = request.GET.copy()
    # The term is read from the session only: a `q` in the URL is not a search.
    data.pop("q", None)
    if key := data.get("search"):
        term = caseload_search.recall(request.session, key)
        if term is None:
            # Another person's link, or a search from before signing out.
            messages.info(request, _("That search has ended. Search again."))
            data.pop("search")
            return redirect(_caseload_url(data))
        data["q"] = term
    filters = CaseloadFilterForm(data or None, clinical=clinical)
    params = filters.cleaned_data if filters.is_valid() else {}
    patients = Patient.objects.visible_to(request.membership)
    chosen = params.get("clinician")
    status = params.get("status") or "active"
    in_charge, urgent_unowned = False, True
    if clinical:
        # The stored figures of patients whose day ended since they were computed (none,
        # once the hourly sweep has run): then every sort below is an indexed read. The
        # same query says whether a clinician has patients of their own (the default),
        # and whether any urgent patient is nobody's.
        ask = None if chosen or not _lists_own_by_default(request) else request.user.pk
        found = caseload_figures.refresh_stale_for_caseload(
            request.clinic, user_id=ask, status=status
        )
        in_charge, urgent_unowned = found.in_charge, found.urgent_unowned
    whose = chosen or (CaseloadFilterForm.MINE if in_charge else CaseloadFilterForm.EVERYONE)
    if whose == CaseloadFilterForm.MINE:
        own = Q(clinician_id=request.user.pk)
        patients = patients.filter(own | _urgent_and_nobodys(request) if urgent_unowned else own)
    patients = patients.archived() if status == "archived" else patients.active()
    if params.get("q"):
        patients = patients.search(params["q"])
    if params.get("attention"):
        patients = patients.needing_attention()
    order = SORTS[params.get("sort") or "name"]
    ordering = (URGENT_FIRST, *order) if clinical else order
    patients = patients.order_by(*ordering)
    page = Paginator(patients, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    # The page's ids are read from the sort's covering index alone, then only their rows:
    # page 200 would otherwise read (and drop) 4,975 whole rows to reach its 25. The rows
    # are looked up by those ids alone (the ids are this clinic's, filtered above): with
    # the clinic's filters repeated, SQLite walked the sort's index through every patient
    # of the clinic to find the 25 (1.33 ms at 10,000 patients; by id, 0.07 ms).
    first = max(page.start_index() - 1, 0)
    ids = patients.values("pk")[first : first + CASELOAD_PAGE_SIZE]
    page.object_list = list(
        Patient.objects.filter(pk__in=Subquery(ids))
        .order_by(*ordering)
        .select_related("clinician")
        .only(*caseload_table.FIELDS)
    )
    # Names and birth dates are patient data too: one event per list view, not per row.
    audit.record(request.actor, "caseload.view")
    query = request.GET.copy()
    query.pop("page", None)
    everyone = query.copy()
    everyone["clinician"] = CaseloadFilterForm.EVERYONE
    return render(
        request,
        "clinician/caseload.html",
        {
            "page": page,
            # On a phone the Clinician column is hidden: with everyone's patients listed,
            # each name says whose patient it is.
            "rows": caseload_table.rows(
                page.object_list,
                clinical=clinical,
                with_clinician=whose == CaseloadFilterForm.EVERYONE,
            ),
            "filters": filters,
            "status": status,
            "sort": params.get("sort") or "name",
            "clinician": whose,
            "mine": whose == CaseloadFilterForm.MINE,
            "clinical": clinical,
            "attention": bool(params.get("attention")),
            "q": params.get("q", ""),
            "querystring": query.urlencode(),
            "everyone_querystring": everyone.urlencode(),
        },
    )


def _caseload_search(request: HttpRequest, clinical: bool) -> HttpResponse:
    """The posted filters as the caseload's URL, with the search term under a key."""
    filters = CaseloadFilterForm(request.POST, clinical=clinical)
    if not filters.is_valid():
        messages.error(
            request, _("That search could not be used. Search with up to 100 characters.")
        )
        return redirect("patients:caseload")
    chosen = filters.cleaned_data
    params = {name: chosen[name] for name in ("status", "sort", "clinician") if chosen.get(name)}
    if chosen.get("attention"):
        params["attention"] = "1"
    if term := chosen["q"]:
        params["search"] = caseload_search.remember(request.session, term)
    return redirect(_caseload_url(params))


def _urgent_and_nobodys(request: HttpRequest) -> Q:
    """Patients with an urgent sign whom no clinician of the clinic is in charge of (none
    was set, theirs left, or theirs does not see clinical records): on every clinician's
    own list. On nobody's, the sign waited unseen while each clinician's list said nobody
    needed attention."""
    in_charge_here = Membership.objects.filter(
        clinic=request.clinic,
        is_active=True,
        user__is_active=True,
        role__in=roles_that_can(IN_CHARGE),
    ).values("user_id")
    return Q(urgent=True) & (Q(clinician__isnull=True) | ~Q(clinician_id__in=in_charge_here))


def _lists_own_by_default(request: HttpRequest) -> bool:
    """Clinicians work through their own patients; admins and the front desk, through the
    clinic's. (A clinician in charge of nobody yet gets everyone: see the caller.)"""
    return request.membership.role == Membership.Role.CLINICIAN


def _caseload_url(params) -> str:
    url = reverse("patients:caseload")
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required("patients.edit")
@once.replays
def patient_new(request: HttpRequest) -> HttpResponse:
    form = NewPatientForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():

        def add() -> str:
            patient = patient_create(actor=request.actor, **form.cleaned_data)
            return reverse("patients:patient_chart", args=[patient.uuid])

        added = _("{name} was added.").format(name=form.instance.full_name)
        try:
            return once.saved_once(request, add, added)
        except EmailTaken:
            form.email_taken_meanwhile()
    return render(request, "clinician/patient_form.html", {"form": form, "patient": None})


@require_GET
@never_cache
@permissions.staff_required("patients.view")
def patient_chart(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """The patient's record. Its clinical parts (progress, flags, measures) only for staff
    with `clinical.view`; front desk sees details, login, the program's name and handouts."""
    clinical = _clinical(request)
    # The intake (for clinical staff) and the reminder setting come with the patient.
    also = ("reminders", "intake") if clinical else ("reminders",)
    patient = patient_or_404(request, patient_uuid, also=also)
    _audit_read(request, "patient.view", patient)
    links = _with_delivery(
        list(
            Invitation.objects.for_patient(patient)
            .usable()
            .select_related("created_by")
            .order_by("-created_at")
        )
    )
    # Newest first, as Program.objects.current_for orders them: the current program is
    # the newest one not completed.
    programs = list(
        Program.objects.filter(assignment__patient=patient)
        .select_related("updated_by", "assignment")
        .order_by("-created_at")
    )
    current = next((p for p in programs if p.status != Program.Status.COMPLETED), None)
    items = list(current.items.select_related("exercise__harder")) if current else []
    # What was prescribed on each day, for the inactivity check and the adherence windows.
    prescriptions = adherence.Prescriptions(patient, patient.tzinfo) if clinical else None
    # The latest sessions, newest first, and one more than the timeline shows: whether to
    # link to the page with all of them.
    sessions = list(_sessions(patient)[: TIMELINE_LENGTH + 1]) if clinical else []
    if patient.is_active and prescriptions is not None:
        # A time-based rule, also swept daily by `raise_flags`: checked here as well so the
        # clinician never sees a chart that is missing a flag the sweep has not raised yet.
        flag_check_inactive(
            patient,
            current=(current, items),
            prescriptions=prescriptions,
            last=sessions[0].performed_on if sessions else None,
        )
    per_session, per_day = estimate_minutes(items)
    reminders = getattr(patient, "reminders", None)
    context = {
        "patient": patient,
        "links": links,
        # Every link's e-mail refused: none of them reached the patient.
        "links_undelivered": bool(links)
        and all(getattr(link, "undelivered", False) for link in links),
        "reminders": reminders,
        "reminder_times": REMINDER_TIMES,
        # The chart draws the settings form's fields by hand; their words are the form's.
        "reminder_fields": ClinicReminderForm.base_fields,
        # The time chosen in the menu (formatted once, not for each of its times).
        "reminder_time": time_format(reminders.time_of_day, "H:i") if reminders else "18:00",
        "emails": _emails(request, patient),
        "email_trouble_days": EMAIL_TROUBLE_DAYS,
        "program": current,
        "items": items,
        "minutes_per_session": per_session,
        "minutes_per_day": per_day,
        "earlier_programs": [p for p in programs if p is not current],
        "statuses": Program.Status.choices,
        "clinical": clinical,
    }
    if role_can(request.membership.role, "programs.edit"):
        # The menu shows only their names: no model rows for its many templates.
        context["templates"] = list(
            Program.objects.templates_for(request.clinic.pk)
            .order_by("clinic_id", "title")
            .values("uuid", "title", "clinic_id")
        )
    if prescriptions is not None:  # clinical staff
        context.update(_progress_context(patient, prescriptions, sessions))
        figures = progress_figures(patient)
        context.update(figures)
        context.update(_intake_context(request, patient, current, items, figures))
    return render(request, "clinician/patient_chart.html", context)


RECENT_EMAILS = 5
# An e-mail that did not reach the patient (a full mailbox, an address refused, a mail
# server down) is something for the clinic to act on: it stays on the chart this long,
# however many newer e-mails there are, rather than dropping off behind five reminders.
# One stopped on purpose (a reminder after the patient had exercised, a handout whose
# program was replaced) is not trouble, and there are many: those only among the latest.
EMAIL_TROUBLE_DAYS = 30
EMAIL_TROUBLE = (OutgoingEmail.Status.FAILED, OutgoingEmail.Status.RETRYING)


def _with_delivery(links: list[Invitation]) -> list[Invitation]:
    """Each link marked `undelivered` when its e-mail failed or was stopped: listed as a
    link that still works, one the mail server refused (a mistyped address) looked as if
    the patient had it (found by the front-desk review)."""
    not_delivered = (OutgoingEmail.Status.FAILED, OutgoingEmail.Status.STOPPED)
    for link, email in invitations_with_emails(links):
        link.undelivered = email is not None and email.status in not_delivered
    return links


def _emails(request: HttpRequest, patient: Patient) -> list[OutgoingEmail]:
    """The latest RECENT_EMAILS e-mails about the patient and every one not delivered in
    the last EMAIL_TROUBLE_DAYS, newest first, in one query. Only what the chart prints:
    an e-mail's body and its links stay in the table."""
    about = OutgoingEmail.objects.filter(clinic=request.clinic, patient_uuid=patient.uuid)
    latest = about.order_by("-created_at", "-id").values("pk")[:RECENT_EMAILS]
    since = timezone.now() - timedelta(days=EMAIL_TROUBLE_DAYS)
    return list(
        about.filter(
            Q(pk__in=Subquery(latest)) | Q(status__in=EMAIL_TROUBLE, created_at__gte=since)
        )
        .only("kind", "status", "last_error", "not_before", "created_at", "sent_at", "attempted_at")
        .order_by("-created_at", "-id")
    )


def _intake_context(
    request: HttpRequest, patient: Patient, program, items: list, figures: dict
) -> dict:
    """The intake card, the goals, and the program's conflicts with the patient's
    precautions. `figures`: progress_figures(), whose scores and measurements the goals
    and the pathways are judged by."""
    responses = figures["responses"]
    intake = getattr(patient, "intake", None)
    codes = intake_precautions(intake)
    stage = intake.stage_on(adherence.patient_today(patient)) if intake else ""
    context = {
        "goals": goal_progress(patient, read=(responses, figures["measurements"])),
        "last_discharge": Discharge.objects.filter(patient=patient)
        .select_related("maintenance")
        .first(),
        "intake": intake,
        "stage": stage,
        "stage_label": Intake.Stage(stage).label if stage else "",
        "screen": RedFlagScreen.objects.filter(patient=patient)
        .select_related("decided_by")
        .first(),
        "precaution_notices": precaution_notices(codes),
        "can_decide_precautions": role_can(request.membership.role, "programs.edit"),
    }
    if intake is not None:
        context.update(_pathways_context(intake, stage, responses))
    if program is not None:
        found, decided = program_conflicts(
            patient, program, [item.exercise for item in items], codes
        )
        context.update(
            precaution_conflicts=found,
            decided=decided,
            keep_url=reverse(
                "patients:patient_precaution_decision", args=[patient.uuid, program.uuid]
            ),
            progressions=progression_suggestions(patient, program, codes=codes, items=items),
            progress_url=reverse(
                "patients:patient_program_progress", args=[patient.uuid, program.uuid]
            ),
        )
    return context


def _pathways_context(intake: Intake, stage: str, responses: list[OutcomeResponse]) -> dict:
    """Condition pathways for the intake's body area, the best match first (STarT Back
    group, from the latest valid STarT Back of the patient's `responses`, for the low
    back; else the stage)."""
    screens = [r for r in responses if r.code == "sbst" and r.valid]
    latest = max(screens, key=lambda r: (r.completed_on, r.created_at), default=None)
    sbst = (latest.band if latest else "") or ""
    found = pathways.suggested(intake.region, stage, sbst)
    by_key = {
        t.template_key: t
        for t in Program.objects.filter(
            clinic=None, is_template=True, template_key__in=[p.key for p in found]
        )
    }
    best = found[0] if found else None
    return {
        "pathways": [(p, by_key[p.key]) for p in found if p.key in by_key],
        "pathway_matched": best is not None
        and ((sbst and sbst in best.sbst_groups) or (stage and stage in best.stages)),
        "sbst_group": sbst,
    }


TIMELINE_LENGTH = 15
SESSIONS_PAGE_SIZE = 30


def _sessions(patient: Patient):
    """The patient's sessions, newest first (what was done in each: _session_rows)."""
    return SessionLog.objects.filter(patient=patient).order_by("-performed_on", "-logged_at", "-id")


def _session_rows(patient: Patient, sessions: list[SessionLog]) -> list[tuple]:
    """(session, its next-morning check, how it felt, what was done) for each session:
    the two lines written here, once per row, rather than by a dozen template tags."""
    mornings = {
        check.checked_on: check
        for check in MorningCheck.objects.filter(
            patient=patient, checked_on__in={s.performed_on + timedelta(days=1) for s in sessions}
        )
    }
    # What was done, read as text: only the exercise's name is shown, and a timeline of
    # prefetched rows (a session, an entry and an exercise each) cost more than its query.
    done: dict[int, list[tuple]] = defaultdict(list)
    for session_id, *entry in (
        SessionEntry.objects.filter(session__in=[s.pk for s in sessions])
        .order_by("session_id", "id")
        .values_list("session_id", "exercise__name", "sets_done", "reps_done")
    ):
        done[session_id].append(entry)
    return [
        (s, mornings.get(s.performed_on + timedelta(days=1)), _felt(s), _done(s, done[s.pk]))
        for s in sessions
    ]


def _felt(session: SessionLog) -> str:
    """ "Pain 6/10 · effort 4/10"; effort only when given (it is optional: "effort –/10"
    read like a score), and pain said missing on a session logged before it was asked."""
    felt = (
        _("Pain %(pain)s/10") % {"pain": session.pain}
        if session.pain is not None
        else _("Pain not given")
    )
    if session.effort is None:
        return felt
    return _("%(felt)s · effort %(effort)s/10") % {"felt": felt, "effort": session.effort}


def _done(session: SessionLog, entries: list[tuple]) -> SafeString:
    """Each exercise done (`entries`: its name, sets and reps), with the sets and reps the
    patient gave; else how many."""
    if not entries:
        count = session.exercises_done
        return format_html(
            "{}",
            ngettext("%(counter)s exercise", "%(counter)s exercises", count) % {"counter": count},
        )
    return format_html_join(
        ", ", "{}{}", ((name, _amounts(sets, reps)) for name, sets, reps in entries)
    )


def _amounts(sets: int | None, reps: int | None) -> str:
    amount = describe_done(sets, reps)
    return f" ({amount})" if amount else ""


@require_GET
@never_cache
@permissions.staff_required("clinical.view")
def patient_sessions(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """Every session the patient logged, newest first, a page at a time: the chart shows
    the latest TIMELINE_LENGTH, and what a patient wrote weeks ago must still be readable
    here, not only in a CSV download."""
    patient = patient_or_404(request, patient_uuid)
    _audit_read(request, "sessions.view", patient)
    page = Paginator(_sessions(patient), SESSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _session_rows(patient, list(page.object_list))
    return render(
        request,
        "clinician/patient_sessions.html",
        {"patient": patient, "page": page, "sessions": rows},
    )


def _progress_context(
    patient: Patient, prescriptions: adherence.Prescriptions, sessions: list[SessionLog]
) -> dict:
    """Adherence, recent sessions, pain trend and flags for the chart's Progress section.
    `sessions`: the latest, newest first, one more than the timeline shows."""
    today = adherence.patient_today(patient)
    since = today - timedelta(weeks=8)
    # The last 8 weeks for the pain chart and the adherence windows, whose 28 days lie
    # within them: from the timeline's sessions when those hold every one of the 8 weeks
    # (all the patient has, or reaching further back), else one read.
    if len(sessions) <= TIMELINE_LENGTH or sessions[-1].performed_on < since:
        recent = [
            (s.performed_on, s.pain, s.exercises_done)
            for s in reversed(sessions)
            if s.performed_on >= since
        ]
    else:
        recent = (
            SessionLog.objects.filter(patient=patient, performed_on__gte=since)
            .order_by("performed_on", "logged_at", "id")
            .values_list("performed_on", "pain", "exercises_done")
        )
    pains, done_on = [], {}
    for day, pain, done in recent:
        if pain is not None:
            pains.append((day, pain))
        done_on[day] = done_on.get(day, 0) + done
    # Every open flag (each needs a decision; none may fall off the chart, whatever the
    # database does with NULLs in a sort), and the latest reviews.
    # One query: the open ones and the ids of the latest reviews.
    flags = patient.flags.select_related("reviewed_by")
    latest_reviews = flags.filter(reviewed_at__isnull=False).order_by("-reviewed_at", "-id")
    both = list(
        flags.filter(
            Q(reviewed_at__isnull=True) | Q(pk__in=Subquery(latest_reviews.values("pk")[:5]))
        ).order_by("-raised_on", "-id")
    )
    # Urgent symptoms first, above any lesser sign however recent.
    open_flags = sorted(
        (flag for flag in both if flag.reviewed_at is None),
        key=lambda flag: not flag.is_urgent,
    )
    reviewed = sorted(
        (flag for flag in both if flag.reviewed_at is not None),
        key=lambda flag: (flag.reviewed_at, flag.pk),
        reverse=True,
    )
    periods = adherence.windows(patient, (7, 28), today, prescriptions, done_on=done_on)
    return {
        "adherence_7": periods[7],
        "adherence_28": periods[28],
        "sessions": _session_rows(patient, sessions[:TIMELINE_LENGTH]),
        "more_sessions": len(sessions) > TIMELINE_LENGTH,
        "pain_chart": line_chart(
            [Point.on(day, pain) for day, pain in pains],
            title=_("Pain during exercise, last 8 weeks"),
            y_min=0,
            y_max=10,
            higher_is_better=False,
        ),
        "open_flags": open_flags,
        "reviewed_flags": reviewed,
    }


@require_POST
@permissions.staff_required("clinical.record")
def flag_mark_reviewed(request: HttpRequest, patient_uuid: str, flag_uuid: str) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    flag = open_flag(request, patient, flag_uuid)
    if flag is None:
        messages.info(request, _("That flag was already reviewed."))
        return redirect("patients:patient_chart", patient_uuid=patient.uuid)
    note = " ".join(parse_text(request.POST.get("note", ""), FLAG_NOTE_LENGTH).split())
    try:
        # A page from before flags carried their version sends none: no check.
        seen = parse_text(request.POST["seen"], 64) if "seen" in request.POST else None
        flag, reviewed = flag_review(actor=request.actor, flag=flag, seen=seen, note=note)
    except FlagNoteNeeded as needed:
        messages.error(request, str(needed))
    except FlagChanged:
        said = _(
            "New signs were added to this flag after you opened the page. Read it again "
            "before you mark it reviewed."
        )
        if note:
            # The page is drawn again without it: what was typed is not lost.
            said += " " + _("Your note, not saved yet: “{note}”").format(note=note)
        messages.warning(request, said)
    else:
        if reviewed:
            messages.success(request, _("Flag marked as reviewed."))
        else:
            messages.info(request, _("That flag was already reviewed."))
    return redirect("patients:patient_chart", patient_uuid=patient.uuid)


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required("patients.edit")
def patient_edit(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    form = PatientForm(request.POST or None, instance=patient, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            saved = patient_update(
                actor=request.actor, patient=patient, seen=form.seen, **form.cleaned_data
            )
        except EditedMeanwhile as edited:
            form.edited_meanwhile(edited.record)
        except EmailTaken:
            form.email_taken_meanwhile()
        else:
            messages.success(request, _("Changes saved."))
            if patient.user_id and saved.user_id is None:  # patients.services.patient_update
                messages.warning(
                    request,
                    _(
                        "The login of the old e-mail address no longer opens this record. "
                        "Invite the patient again at the new address."
                    )
                    if saved.email
                    else _(
                        "The login of the old e-mail address no longer opens this record. "
                        "A patient signs in with an e-mail address: add theirs to invite "
                        "them again."
                    ),
                )
            return redirect("patients:patient_chart", patient_uuid=patient.uuid)
    # Every answer that shows the form shows the record: the first GET, the form sent back
    # with an error, and one refused as edited meanwhile (with the colleague's new values).
    _audit_read(request, "patient.view", patient)
    return render(request, "clinician/patient_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
@never_cache
@permissions.staff_required("patients.edit")
def patient_archive(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """GET asks for confirmation; POST archives. Nothing is ever deleted."""
    patient = patient_or_404(request, patient_uuid, archived_changes=True)
    if request.method == "POST" and not patient.is_active:
        # Sent twice (a double click, two tabs): what was asked is done.
        messages.info(request, _("{name} is already archived.").format(name=patient.full_name))
        return redirect("patients:caseload")
    if request.method == "POST":
        patient_set_status(actor=request.actor, patient=patient, status=Patient.Status.ARCHIVED)
        messages.success(
            request,
            _("{name} was archived. You can restore them at any time.").format(
                name=patient.full_name
            ),
        )
        return redirect("patients:caseload")
    _audit_read(request, "patient.view", patient)
    return render(request, "clinician/patient_archive_confirm.html", {"patient": patient})


@require_POST
@permissions.staff_required("patients.edit")
def patient_restore(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid, archived_changes=True)
    restored = patient_set_status(
        actor=request.actor, patient=patient, status=Patient.Status.ACTIVE
    )
    messages.success(request, _("{name} was restored.").format(name=patient.full_name))
    if patient.user_id and not restored.user_id:
        messages.info(
            request, _("Their patient login was unlinked. Send them a new invitation to link it.")
        )
    return redirect("patients:patient_chart", patient_uuid=patient.uuid)


@require_POST
@never_cache
@permissions.staff_required("patients.invite")
def patient_send_invitation(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """E-mail a sign-in invitation, or show one on a sign-in sheet to print."""
    patient = patient_or_404(request, patient_uuid)
    chart = reverse("patients:patient_chart", args=[patient.uuid])
    try:
        if request.POST.get("delivery") == "print":
            # A sheet sent twice shows the second link, which is the one that works.
            link = patient_invite(
                actor=request.actor, patient=patient, channel=Invitation.Channel.PRINT
            )
            return render(
                request,
                "clinician/patient_invitation_print.html",
                # The link is a way in, shown once: at the idle limit the sheet leaves rather
                # than stay hidden on the screen like entries (form-keeper.js).
                {
                    "patient": patient,
                    "link": link,
                    "qr": qr_data_uri(link),
                    "keeper_entries": False,
                },
            )

        def send() -> str:
            patient_invite(actor=request.actor, patient=patient, channel=Invitation.Channel.EMAIL)
            return chart

        # An e-mail sent twice would replace the link of the first: one e-mail, one link.
        sent = _(
            "Invitation to {email} saved. Its e-mail is queued: the chart's recent e-mails "
            "show when it has gone out. Its link works once, for 7 days."
        ).format(email=patient.email)
        return once.saved_once(request, send, sent)
    except PatientAccessError as error:
        messages.error(request, str(error))
        return redirect(chart)


@require_POST
@permissions.staff_required("patients.invite")
def patient_cancel_invitations(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    chart = reverse("patients:patient_chart", args=[patient.uuid])
    if request.POST.get("confirm") != "1":
        # The chart's button asks first, here: a page of its own works without JavaScript.
        # It names nobody, so asking reads nothing of the record (the chart, audited, did).
        return render(
            request,
            "clinician/confirm.html",
            {
                "title": _("Cancel this patient's sign-in links?"),
                "text": _(
                    "The sign-in links still waiting, e-mailed or printed, stop working at "
                    "once, and an invitation e-mail still waiting to go out is not sent. "
                    "Nothing else changes. You can invite them again at any time."
                ),
                "button": _("Cancel the links"),
                "back": _("Keep the links"),
                "hidden": [],
                "cancel_url": chart,
            },
        )
    cancelled = patient_invitations_cancel(actor=request.actor, patient=patient)
    if cancelled:
        messages.success(request, _("The unused sign-in links no longer work."))
    else:
        messages.info(request, _("There were no unused sign-in links."))
    return redirect(chart)
