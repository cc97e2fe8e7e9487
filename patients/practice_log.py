"""The practice log: exercise sessions and morning checks logged from the patient area (or
the API), and the flags they raise. (Login sessions are clinic.middleware's.)"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import islice
from types import EllipsisType

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic import audit
from clinic.actors import Actor
from patients import caseload
from patients.adherence import Prescriptions, day_of, patient_today
from patients.due_days import Due, days_a_week, due_today, prescribed_per_week, week_start
from patients.models import (
    INACTIVE_DUE_DAYS,
    Flag,
    MorningCheck,
    Patient,
    SessionEntry,
    SessionLog,
)
from patients.symptoms import symptoms_report
from programs.dosage import ITEM_FIELDS
from programs.models import Exercise, Program, ProgramItem, Side
from programs.pain_guide import ACCEPTABLE_AT_MOST
from programs.safety import StopRules

EDIT_WINDOW = timedelta(hours=24)
# A session kept on the patient's phone while offline is accepted this long after it was
# made; later, it would be news to no one and could distort the clinician's picture.
OFFLINE_MAX_AGE = timedelta(days=7)
OFFLINE_TOO_OLD = _(
    "This session was saved on your phone more than 7 days ago, so it can no longer be "
    "added. If it matters, tell your clinician at your next visit."
)
# Pain during exercise, by the patient's pain guide (programs.pain_guide, DESIGN.md).
HIGH_PAIN = 7  # flagged at once
TOO_MUCH = ACCEPTABLE_AT_MOST + 1  # flagged when it happens twice within TOO_MUCH_WINDOW
TOO_MUCH_WINDOW = timedelta(days=7)
# Rising pain: this session against the mean of up to RISE_BASELINE sessions before it
# within RISE_LOOKBACK.
RISE = 2
RISE_BASELINE = 5
RISE_LOOKBACK = timedelta(days=14)
# Beyond this, how long ago the last session was makes no difference to the flag.
INACTIVE_LOOKBACK = timedelta(days=28)


class LogRefused(Exception):
    """The session cannot be saved or changed; the message is shown to the patient."""


class BeforeProgram(LogRefused):
    """The session's day is before its program began: nothing was prescribed then."""


class TokenReused(Exception):
    """A client_token already saved with a session that says something else."""

    def __init__(self, session: SessionLog) -> None:
        self.session = session
        super().__init__(
            "This client_token was saved before with another session (other pain, effort, "
            "comment, exercises or day). Use a new client_token for a new session."
        )


@dataclass(frozen=True)
class Done:
    exercise: Exercise
    sets: int | None = None
    reps: int | None = None


def by_exercise(done: list[Done]) -> list[Done]:
    """What was done, one per exercise: a session's log is kept per exercise (adherence and
    the due list count exercises), while a program may list one exercise twice (say one
    row per side). Two ticked rows of one exercise are one entry: their sets added up,
    the larger number of reps."""
    merged: dict[int, Done] = {}
    for d in done:
        seen = merged.get(d.exercise.pk)
        if seen is None:
            merged[d.exercise.pk] = d
            continue
        sets = None if seen.sets is None and d.sets is None else (seen.sets or 0) + (d.sets or 0)
        reps = max((r for r in (seen.reps, d.reps) if r is not None), default=None)
        merged[d.exercise.pk] = Done(d.exercise, sets, reps)
    return list(merged.values())


class SessionChanged(Exception):
    """The session was changed elsewhere (another tab, the phone) after the edit page was
    opened; `session` is what it says now."""

    def __init__(self, session: SessionLog) -> None:
        self.session = session
        super().__init__("The session was changed since the page was opened.")


def _version(pain: int | None, effort: int | None, comment: str, done: list[Done]) -> str:
    entries = sorted((d.exercise.pk, d.sets, d.reps) for d in by_exercise(done))
    return hashlib.sha256(repr((pain, effort, comment, entries)).encode()).hexdigest()[:32]


def session_version(session: SessionLog) -> str:
    """What the edit page showed of a session (its answers and its ticks), sent back with
    the changes: two tabs open on one session must not save over each other unseen (a
    corrected pain of 8 silently put back to 2 hides a flag's reason)."""
    done = [
        Done(entry.exercise, entry.sets_done, entry.reps_done)
        for entry in session.entries.select_related("exercise")
    ]
    return _version(session.pain, session.effort, session.comment, done)


def entry_rows(session: SessionLog, done: list[Done]) -> list[SessionEntry]:
    """A session's entries, one per exercise, from what by_exercise made of its rows (not
    saved). The demo history (patients.demo_history) writes its sessions' entries with
    this too, so they read as logged ones do."""
    return [
        SessionEntry(session=session, exercise=d.exercise, sets_done=d.sets, reps_done=d.reps)
        for d in done
    ]


def _save_entries(session: SessionLog, done: list[Done]) -> None:
    SessionEntry.objects.bulk_create(entry_rows(session, done))


def current_program(patient: Patient) -> Program | None:
    return Program.objects.current_for(patient).first()


def current_programs(patients: list[Patient], *, with_items: bool = False) -> dict[int, Program]:
    """current_program of each patient who has one, by the patient's pk, in one query (and
    one more for the programs' items)."""
    current = Program.objects.current_of(patients).annotate(patient_pk=F("assignment__patient"))
    if with_items:
        current = current.prefetch_related("items")
    programs: dict[int, Program] = {}
    for program in current:  # newest first: the one current_program would choose
        programs.setdefault(program.patient_pk, program)
    return programs


def finished_program(patient: Patient) -> Program | None:
    """The program a patient with no current one last finished (None if they never had
    one): they are told they finished it, not that nothing was ever set up, and keep its
    stop rules."""
    return Program.objects.finished_for(patient).first()


def advice_program(patient: Patient) -> Program | None:
    """The program whose stop rules (and handout) the patient is shown: the current one, or
    else the one they last finished."""
    return current_program(patient) or finished_program(patient)


def session_rows(session: SessionLog) -> list[ProgramItem]:
    """The rows of a logged session's edit form: what was prescribed when it was done (its
    revision, not the program as it is now, which may have lost an exercise since), one
    row per exercise as the log keeps one entry per exercise (an exercise listed twice, one
    row per side, shown twice would have its sets added twice). Unsaved items, keyed by
    their exercise's id; an exercise logged but not in the revision keeps its row."""
    prescribed: dict[str, dict] = {}
    for row in session.revision.snapshot.get("items", []):
        if (first := prescribed.get(row["exercise"])) is None:
            prescribed[row["exercise"]] = dict(row)
        else:  # its rows together, as by_exercise adds up what was done on them
            first["sets"] = (first.get("sets") or 0) + (row.get("sets") or 0) or None
            first["reps"] = max(
                (r for r in (first.get("reps"), row.get("reps")) if r), default=None
            )
            if row.get("side") != first.get("side"):
                # One row a side: the sets added up are not "left side only".
                first["side"] = Side.BOTH
    logged = list(session.entries.values_list("exercise__uuid", flat=True))
    wanted = [*prescribed, *(str(u) for u in logged if str(u) not in prescribed)]
    exercises = {str(e.uuid): e for e in Exercise.objects.filter(uuid__in=wanted)}
    rows = []
    for uuid in wanted:
        if uuid not in exercises:
            continue  # no longer in the library: nothing to show or log
        dose = {
            name: ProgramItem._meta.get_field(name).to_python(value)
            for name, value in prescribed.get(uuid, {}).items()
            if name in ITEM_FIELDS and value is not None
        }
        exercise = exercises[uuid]
        rows.append(ProgramItem(pk=exercise.pk, program=session.program, exercise=exercise, **dose))
    return rows


def made_on(patient: Patient, made_at: datetime) -> date:
    """The patient's day a session kept on their phone was made. A phone's clock may run
    ahead; a session is never dated after now."""
    return day_of(patient, min(made_at, timezone.now()))


# What due_now reads of a session entry: (exercise id, day, sets done, reps done).
Entry = tuple[int, date, int | None, int | None]


def week_entries(patients: list[Patient], today: dict[int, date]) -> dict[int, list[Entry]]:
    """Each patient's session entries from the Monday of their `today` (by pk) to that day,
    in the order logged, in one query (the reminder pass reads a batch at once)."""
    if not patients:
        return {}
    rows = (
        SessionEntry.objects.filter(
            session__patient__in=patients,
            session__performed_on__range=(
                min(week_start(day) for day in today.values()),
                max(today.values()),
            ),
        )
        .order_by("session__logged_at", "id")
        .values_list(
            "session__patient_id", "exercise_id", "session__performed_on", "sets_done", "reps_done"
        )
    )
    found: dict[int, list[Entry]] = {patient.pk: [] for patient in patients}
    for patient_id, *entry in rows:
        day = today[patient_id]
        if week_start(day) <= entry[1] <= day:
            found[patient_id].append(tuple(entry))  # type: ignore[arg-type]
    return found


def due_now(
    patient: Patient,
    program: Program | None,
    items: list,
    today: date,
    entries: list[Entry] | None = None,
) -> list[Due]:
    """What is due today (Today's list, the reminder e-mail): nothing before the program's
    start date, as adherence counts nothing prescribed then; flexible items until this
    week's quota is done, counting this week's sessions per exercise (`entries`, as
    week_entries gives them, or read here in one query)."""
    if program is None or (program.start_date and today < program.start_date):
        return []
    if entries is None:
        # A row per entry, not counts: a week holds a few dozen, and today's carry amounts.
        entries = week_entries([patient], {patient.pk: today})[patient.pk]
    done_today: dict[int, int] = {}
    done_week: dict[int, int] = {}
    amounts: dict[int, list[tuple[int | None, int | None]]] = {}
    for exercise_id, day, sets, reps in entries:
        done_week[exercise_id] = done_week.get(exercise_id, 0) + 1
        if day == today:
            done_today[exercise_id] = done_today.get(exercise_id, 0) + 1
            if sets or reps:
                amounts.setdefault(exercise_id, []).append((sets, reps))
    return [
        replace(d, amounts_today=tuple(amounts[d.item.exercise_id]))
        if d.item.exercise_id in amounts
        else d
        for d in due_today(items, today, done_today, done_week)
    ]


# The Today form's fields named by a program item: done_12, sets_12, reps_12, and
# exercise_12 (the exercise the row showed, for a log kept on the phone).
KEPT_FIELD = re.compile(r"^(?:done|sets|reps|exercise)_(\d{1,18})$")


def kept_program_items(
    patient: Patient, data, *, theirs: bool = True
) -> tuple[Program | None, list[ProgramItem]]:
    """What a session kept on the patient's phone was done against: the program its rows
    belong to, with the rows as the page showed them, even if the program has changed
    since (an exercise taken out or swapped for another, the program paused or replaced).
    Sending it later must not turn a session the phone said was saved into "not in your
    program any more", nor log an exercise the patient did not do.

    A row that has left the program, or now holds another exercise, is rebuilt, unsaved,
    from the exercise its page named, if one of the program's revisions prescribed that
    exercise; one such row per exercise (the page showed no more).

    `theirs` False: nothing says the log was made by this patient (kept before logs
    carried their page's stamp). Then only rows of their own programs say whose it is;
    their current program is no fallback, or another patient's log, kept on a shared
    phone, would be filed in their record wherever the two programs share an exercise."""
    keys = {int(match.group(1)) for key in data if (match := KEPT_FIELD.match(key))}
    own = ProgramItem.objects.filter(pk__in=keys, program__assignment__patient=patient)
    program = next((item.program for item in own.select_related("program")[:1]), None)
    if program is None and theirs:
        program = current_program(patient)
    if program is None:
        return None, []
    current = {item.pk: item for item in program.items.select_related("exercise")}
    named = {pk: str(data.get(f"exercise_{pk}", ""))[:40] for pk in keys}
    items, rebuild = [], {}
    for pk, item in current.items():
        if named.get(pk) and named[pk] != str(item.exercise.uuid):
            rebuild[pk] = named[pk]  # swapped since: the page showed another exercise
        else:
            items.append(item)
    for pk in sorted(keys - current.keys()):
        if named[pk]:
            rebuild[pk] = named[pk]  # taken out since
    if not rebuild:
        return program, items
    prescribed = {}
    for snapshot in program.revisions.values_list("snapshot", flat=True):
        for row in snapshot.get("items", []):
            prescribed[row["exercise"]] = row
    exercises = {
        str(e.uuid): e
        for e in Exercise.objects.filter(uuid__in=[u for u in rebuild.values() if u in prescribed])
    }
    rebuilt: set[str] = set()
    for pk, uuid in rebuild.items():
        if uuid in exercises and uuid not in rebuilt:
            rebuilt.add(uuid)
            row = prescribed[uuid]
            items.append(
                ProgramItem(
                    pk=pk,
                    program=program,
                    exercise=exercises[uuid],
                    sets=row.get("sets"),
                    reps=row.get("reps"),
                )
            )
    return program, items


@transaction.atomic
def session_log(
    *,
    patient: Patient,
    program: Program,
    done: list[Done],
    pain: int | None,
    effort: int | None,
    comment: str,
    client_token: str,
    actor: Actor,
    performed_on: date | None = None,
    made_at: datetime | None = None,
    signs: Sequence[str] = (),
    rules: StopRules | None = None,
    exact_resend: bool = False,
    sent_from_a_form: bool = False,
) -> tuple[SessionLog, bool]:
    """Save a session; (session, created). The same form token twice returns the first save.

    `exact_resend` (the API): the token comes again only with what was saved under it,
    else TokenReused. A kiosk whose counter restarted sent the next day's session with an
    old token and got 200 and the old session, the new one lost without a word. The
    patient area keeps answering any resend with the first save: its phone resends a
    session the patient may have corrected since (session_update) and must not be told
    it failed.

    `sent_from_a_form` (SessionForm.log: every way in, the API's included): a day before
    the program began is refused (BeforeProgram), but for a session kept on the phone
    (`made_at`), which showed the program's rows and so was made while it was on, whatever
    the phone's clock says; OFFLINE_MAX_AGE bounds that. Left out by code that writes a
    history (tests, fixtures), which may date sessions before the program's rows were
    saved.

    `made_at` is when a session kept on the patient's device (offline) was entered: it
    dates the session (unless `performed_on` is given too), and one older than
    OFFLINE_MAX_AGE is refused.

    `signs`: the warning signs ticked on the session form (of `rules`), reported in the
    same transaction as the session: saved with it or not at all. Reported after the
    session had committed, a failed flag write kept the session and lost an urgent sign
    (no red flag, the patient not at the top of the caseload). A resend of a saved session
    reports nothing again: its signs were saved with it."""
    existing = SessionLog.objects.filter(patient=patient, client_token=client_token).first()
    if existing is not None:
        return _resent(existing, exact_resend, pain, effort, comment, done, performed_on), False
    done = by_exercise(done)
    if made_at is not None:
        if timezone.now() - made_at > OFFLINE_MAX_AGE:
            raise LogRefused(OFFLINE_TOO_OLD)
        # The view's day when it gives one: the page's, for a log made just after
        # midnight on a page of the day before (patients.views.patient_area.today).
        performed_on = performed_on or made_on(patient, made_at)
    today = patient_today(patient)
    performed_on = performed_on or today
    if performed_on > today:
        raise LogRefused(_("You cannot log a session for a day that has not come yet."))
    revisions = program.revisions.order_by("-number")
    if made_at is None:
        # Filed under what was prescribed on its day (as adherence counts it): the last
        # revision saved by that day's end. None saved by then: the program had not
        # begun, and a session of that day is a wrong date (the API took 2019-03-01 for a
        # program started today, and counted it in the patient's history).
        day_end = datetime.combine(performed_on + timedelta(days=1), time.min)
        revision = revisions.filter(
            created_at__lt=timezone.make_aware(day_end, patient.tzinfo)
        ).first()
        if revision is None and sent_from_a_form:
            began = day_of(patient, revisions.last().created_at)
            raise BeforeProgram(
                _(
                    "This program began on {day}: a session cannot be logged for a day before."
                ).format(day=began.isoformat())
            )
        revision = revision or revisions.last()
    else:
        # Done under the revision in force when it was made, or the first if the phone's
        # clock is behind: a kept session showed this program's rows, so it was made
        # while the program was on, whatever the clock says (not refused as before it;
        # OFFLINE_MAX_AGE bounds how far back it goes).
        revision = revisions.filter(created_at__lte=made_at).first() or revisions.last()
    # A session kept on the phone while the program was on happened, and its pain score
    # matters most if the program was paused since: judged by the program as it stood
    # when the session was made (a status change is a revision), not as it stands now.
    # Read from the revision, a made_at the phone claims cannot log on a paused program.
    status = program.status if made_at is None else revision.snapshot.get("status", program.status)
    if status == Program.Status.PAUSED:
        raise LogRefused(_("Your program is paused. Ask your clinician before you carry on."))
    if status != Program.Status.ACTIVE:
        raise LogRefused(_("This program has ended. Ask your clinician before you carry on."))
    now = timezone.now()
    try:
        with transaction.atomic():
            session = SessionLog.objects.create(
                patient=patient,
                program=program,
                revision=revision,
                performed_on=performed_on,
                logged_at=now,
                pain=pain,
                effort=effort,
                comment=comment,
                exercises_done=len(done),
                client_token=client_token,
            )
    except IntegrityError:
        # The other tap of a double tap won the race: hand back its session.
        existing = SessionLog.objects.get(patient=patient, client_token=client_token)
        return _resent(existing, exact_resend, pain, effort, comment, done, performed_on), False
    _save_entries(session, done)
    _raise_pain_flags(patient, session)
    if signs and rules is not None:
        symptoms_report(actor=actor, patient=patient, signs=list(signs), rules=rules)
    caseload.refresh_one(patient, active=True)
    audit.record(actor, "session.log", patient=patient, obj=session)
    return session, True


def _resent(
    session: SessionLog,
    exact: bool,
    pain: int | None,
    effort: int | None,
    comment: str,
    done: list[Done],
    performed_on: date | None,
) -> SessionLog:
    """The session saved under a token sent again; with `exact`, only if this sending says
    what it says (its day only if one was sent: left out, it is the day of the sending)."""
    if exact and (
        _version(pain, effort, comment, done) != session_version(session)
        or (performed_on is not None and performed_on != session.performed_on)
    ):
        raise TokenReused(session)
    return session


def wait_for_other_logs(patient: Patient) -> None:
    """In a transaction: waits until a session of this patient being saved elsewhere has
    committed, and keeps others waiting until this transaction ends, so what this one
    reads of the day's sessions stays true until it saves. The patient's row, locked
    first as a discharge and a new program lock it; a program's save does not block the
    log's insert (programs.services.program_save: no key update)."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


@transaction.atomic
def session_update(
    *,
    patient: Patient,
    session: SessionLog,
    done: list[Done],
    pain: int | None,
    effort: int | None,
    comment: str,
    actor: Actor,
    seen: str | None = None,
) -> SessionLog:
    """Correct a session within 24 hours of logging it. `seen`: the session_version the
    edit page showed (None from a client without pages); a session changed since is not
    saved over (SessionChanged), unless this sends what it says already (a double click)."""
    locked = SessionLog.objects.select_for_update().get(pk=session.pk, patient=patient)
    if timezone.now() - locked.logged_at > EDIT_WINDOW:
        raise LogRefused(_("A session can be changed for 24 hours after you log it."))
    if seen is not None:
        now = session_version(locked)
        if seen != now and _version(pain, effort, comment, done) != now:
            raise SessionChanged(locked)
    done = by_exercise(done)
    locked.pain, locked.effort, locked.comment = pain, effort, comment
    locked.exercises_done = len(done)
    locked.edited_at = timezone.now()
    locked.save(
        update_fields=["pain", "effort", "comment", "exercises_done", "edited_at", "updated_at"]
    )
    locked.entries.all().delete()
    _save_entries(locked, done)
    _raise_pain_flags(patient, locked)
    caseload.refresh_one(patient)
    audit.record(actor, "session.edit", patient=patient, obj=locked)
    return locked


@transaction.atomic
def morning_check_record(
    *, patient: Patient, compared: str, pain: int, actor: Actor
) -> MorningCheck:
    today = patient_today(patient)
    check, _created = MorningCheck.objects.update_or_create(
        patient=patient, checked_on=today, defaults={"compared": compared, "pain": pain}
    )
    yesterday = MorningCheck.objects.filter(
        patient=patient, checked_on=today - timedelta(days=1)
    ).first()
    if compared == MorningCheck.Compared.WORSE and yesterday and yesterday.compared == "worse":
        _raise(
            patient,
            Flag.Kind.MORNING_WORSE,
            f"Felt worse the next morning on {short_day(yesterday.checked_on)} and "
            f"{short_day(today)}.",
            today,
        )
    # The next morning's response matters most (DESIGN.md): pain there as high as the
    # pain flagged at once during exercise is flagged at once too.
    if pain >= HIGH_PAIN:
        _raise(
            patient,
            Flag.Kind.MORNING_PAIN,
            f"Pain {pain}/10 on the morning of {short_day(today)}.",
            today,
        )
    Patient.objects.filter(pk=patient.pk).update(last_activity_at=timezone.now())
    audit.record(actor, "morning.check", patient=patient, obj=check)
    return check


def short_day(day: date, *, weekday: bool = False) -> str:
    """A day in a flag's reason: "2 Dec" ("Wed 2 Dec"), as the pages beside it name days.
    In English whatever the language of who logged: the reason is kept for clinicians."""
    return f"{day:%a} {day.day} {day:%b}" if weekday else f"{day.day} {day:%b}"


def _raise(patient: Patient, kind: str, reason: str, day: date, *, checked: bool = False) -> None:
    """Open a flag unless one of this kind is already open (`checked`: the caller has
    looked). The check reads what is committed; two requests at once (a phone's queued
    session and a kiosk, two tabs, the daily sweep and a chart) can both pass it on
    PostgreSQL, and the one-open-flag constraint then refuses the second: that one is open
    already, which is all it wanted, and the rest of its work (the session itself) must
    not be lost with it."""
    if not checked and Flag.objects.open().filter(patient=patient, kind=kind).exists():
        return
    try:
        with transaction.atomic():
            Flag.objects.create(patient=patient, kind=kind, reason=reason[:300], raised_on=day)
    except IntegrityError:
        return
    caseload.refresh_one(patient)


def _raise_pain_flags(patient: Patient, session: SessionLog) -> None:
    """High pain once, "too much" pain twice in a week, or pain rising against the
    patient's own recent sessions (a rolling comparison, at any point in the program)."""
    if session.pain is None:
        return
    day = session.performed_on
    recent = list(
        SessionLog.objects.filter(
            patient=patient, pain__isnull=False, performed_on__range=(day - RISE_LOOKBACK, day)
        )
        .exclude(pk=session.pk)
        .order_by("-performed_on", "-logged_at")
        .values_list("performed_on", "pain")
    )
    if session.pain >= HIGH_PAIN:
        _raise(
            patient,
            Flag.Kind.PAIN_HIGH,
            f"Pain {session.pain}/10 during exercise on {short_day(day)}.",
            day,
        )
    elif session.pain >= TOO_MUCH:
        earlier = next(
            (d for d, pain in recent if pain >= TOO_MUCH and day - d < TOO_MUCH_WINDOW), None
        )
        if earlier is not None:
            _raise(
                patient,
                Flag.Kind.PAIN_HIGH,
                f"Pain above 5/10 twice within a week ({short_day(earlier)} and {short_day(day)}): "
                "more than patients are told is acceptable.",
                day,
            )
    baseline = [pain for _d, pain in recent[:RISE_BASELINE]]
    if len(baseline) >= 2:
        average = sum(baseline) / len(baseline)
        if session.pain - average >= RISE:
            _raise(
                patient,
                Flag.Kind.PAIN_RISING,
                f"Pain {session.pain}/10 on {short_day(day)}, up from an average of {average:.1f} "
                f"over the {len(baseline)} sessions before.",
                day,
            )


def flag_check_inactive(
    patient: Patient,
    today: date | None = None,
    *,
    current: tuple[Program | None, list[ProgramItem]] | None = None,
    prescriptions: Prescriptions | None = None,
    last: date | EllipsisType | None = ...,
    flagged: tuple[date, bool] | EllipsisType | None = ...,
) -> bool:
    """Raise the inactivity flag when the patient has let INACTIVE_DUE_DAYS days' worth of
    prescribed sessions go by since their last session (or since their program began),
    counted on their own schedule: a Mon/Wed/Fri patient is not flagged on a Monday for
    the weekend, and a "3 days a week" patient has the week to fit them in.

    One flag for one gap: a flag reviewed since the last session has told the clinician of
    this gap, and a new one comes after the patient's next session, or after
    INACTIVE_LOOKBACK with still nothing logged. (Raised again at once, a reviewed flag
    came straight back on the chart, and could never be cleared: the portal review.)

    The chart, which has read them already, passes the current program with its items
    (`current`), the patient's `prescriptions` and the day of their `last` session (None:
    none yet); the sweep also passes the latest inactivity flag (`flagged`: the day it was
    raised and whether it is open; None: none ever)."""
    today = today or patient_today(patient)
    if current is None:
        program = current_program(patient)
        current = (program, list(program.items.all()) if program else [])
    program, items = current
    if program is None or program.status != Program.Status.ACTIVE:
        return False
    due_days_a_week = max((days_a_week(item) for item in items), default=0)
    if not due_days_a_week:
        return False
    per_due_day = prescribed_per_week(items) / due_days_a_week
    if last is ...:
        last = (
            SessionLog.objects.filter(patient=patient)
            .order_by("-performed_on")
            .values_list("performed_on", flat=True)
            .first()
        )
    prescriptions = prescriptions or Prescriptions(patient, patient.tzinfo)
    first = max(
        last + timedelta(days=1) if last else today - INACTIVE_LOOKBACK, today - INACTIVE_LOOKBACK
    )
    days = [first + timedelta(days=n) for n in range((today - first).days)]  # full days only
    missed = sum(prescriptions.on(day) for day in days)
    if missed < INACTIVE_DUE_DAYS * per_due_day - 1e-9:
        return False
    if flagged is ...:
        # The latest is the open one, if any: another is raised only while none is open.
        latest = (
            Flag.objects.filter(patient=patient, kind=Flag.Kind.INACTIVE)
            .order_by("-raised_on", "-id")
            .values_list("raised_on", "reviewed_at")
            .first()
        )
        flagged = (latest[0], latest[1] is None) if latest else None
    if flagged is not None and (flagged[1] or flagged[0] >= first):
        return False  # open, or reviewed within this gap
    since = f"since {short_day(last, weekday=True)}" if last else "since the program started"
    worth = round(missed / per_due_day)
    _raise(
        patient,
        Flag.Kind.INACTIVE,
        f"Nothing logged {since}: about {worth} days' worth of exercises missed.",
        today,
        checked=True,
    )
    return True


# Patients the daily sweep reads at once.
SWEEP_CHUNK = 500


def flags_raise_inactive() -> int:
    """The daily sweep (management command `raise_flags`): every active-program patient,
    a chunk at a time (one patient at a time, it took 26 s of CPU at 10,000 patients)."""
    candidates = (
        Patient.objects.active()
        .filter(programs__program__status=Program.Status.ACTIVE)
        .exclude(
            Exists(Flag.objects.open().filter(patient=OuterRef("pk"), kind=Flag.Kind.INACTIVE))
        )
        .select_related("clinic")
        .distinct()
        .iterator(chunk_size=SWEEP_CHUNK)
    )
    raised = 0
    while batch := list(islice(candidates, SWEEP_CHUNK)):
        raised += _flags_raise_inactive(batch)
    return raised


def _flags_raise_inactive(batch: list[Patient]) -> int:
    """flag_check_inactive for each patient, with what it reads read for all at once."""
    programs = current_programs(batch, with_items=True)
    last = dict(
        SessionLog.objects.filter(patient__in=batch)
        .order_by()
        .values_list("patient")
        .annotate(Max("performed_on"))
    )
    prescriptions = Prescriptions.of_patients(batch)
    # Reviewed ones only: a patient with an open one is not in the batch.
    flagged = dict(
        Flag.objects.filter(patient__in=batch, kind=Flag.Kind.INACTIVE)
        .order_by()
        .values_list("patient")
        .annotate(Max("raised_on"))
    )
    raised = 0
    for patient in batch:
        program = programs.get(patient.pk)
        raised += flag_check_inactive(
            patient,
            current=(program, list(program.items.all()) if program else []),
            prescriptions=prescriptions[patient.pk],
            last=last.get(patient.pk),
            flagged=(flagged[patient.pk], False) if patient.pk in flagged else None,
        )
    return raised


class FlagChanged(Exception):
    """The flag changed (new signs) after the page that asked to close it was shown."""


class FlagNoteNeeded(Exception):
    """An urgent flag is closed only with a note of what was done about it."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Not marked reviewed: say what was done about this urgent symptom (who was "
                "called, what they were told)."
            )
        )


@transaction.atomic
def flag_review(
    *, actor: Actor, flag: Flag, seen: str | None = None, note: str = ""
) -> tuple[Flag, bool]:
    """Mark an open flag reviewed, with what was done about it (`note`): (the flag, whether
    this call reviewed it). One reviewed meanwhile is left as it is (the first review
    stands). `seen`: the Flag.version the page showed (None from the API, which shows the
    reason in the same answer).

    An urgent flag without a note is refused (FlagNoteNeeded), here rather than in each
    caller: checked only by the chart's view, the API closed a red flag (saddle numbness)
    with one call and no trace of what was done about it."""
    locked = Flag.objects.select_for_update().select_related("patient").get(pk=flag.pk)
    if locked.reviewed_at is not None:
        return locked, False
    # Blanks are no note: "   " closed nothing on the chart and must not through the API.
    # One line, as the chart keeps and shows it.
    note = " ".join(note.split())
    if locked.is_urgent and not note:
        raise FlagNoteNeeded
    if seen is not None and seen != locked.version:
        raise FlagChanged
    locked.reviewed_by = actor.user
    locked.reviewed_at = timezone.now()
    locked.review_note = note
    locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "updated_at"])
    caseload.refresh_one(locked.patient)
    audit.record(actor, "flag.review", patient=locked.patient, obj=locked)
    return locked, True
