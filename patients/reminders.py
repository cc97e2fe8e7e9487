"""E-mail reminders to exercise, and the nudge when a questionnaire falls due.

Only for patients who agreed (ReminderSetting.consent_at), on days their program asks for
exercises, at their chosen time in their own time zone, never in quiet hours, and not
once they have logged something that day. Every e-mail carries a one-click unsubscribe
link; its subject names no condition or exercise.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from clinic import audit
from clinic.actors import Actor
from clinic.languages import for_patient, not_yet_notice
from clinic.links import absolute_url
from clinic.mail import queue_email, reason_to_stop, recheck_held
from clinic.models import OutgoingEmail
from clinic.tasks import UNFINISHED
from patients.adherence import day_of, patient_today
from patients.models import OutcomeAssignment, Patient, ReminderSetting
from patients.practice_log import Entry, current_programs, due_now, week_entries
from programs.models import Program

# A reminder is sent at its time, or up to this much later (a worker that was down);
# after that the day is let go rather than nagging late in the evening.
SEND_WITHIN = timedelta(hours=2)
# The e-mails that wait for the patient's reminder time or the end of their quiet hours.
HELD_KINDS = (OutgoingEmail.Kind.REMINDER, OutgoingEmail.Kind.QUESTIONNAIRE)


def _window_start(setting: ReminderSetting, day: date) -> datetime:
    """The patient's chosen time on a day of theirs: a reminder's window opens then."""
    return datetime.combine(day, setting.time_of_day, tzinfo=setting.patient.tzinfo)


def quiet_hours_end(setting: ReminderSetting, moment: datetime) -> datetime | None:
    """When the patient's quiet hours that `moment` falls in end (their clock), or None
    outside them. Nothing goes to them by e-mail until then: no reminder, no nudge."""
    zone = setting.patient.tzinfo
    local = timezone.localtime(moment, zone)
    if not setting.in_quiet_hours(local.time()):
        return None
    day = local.date()
    if local.time() >= setting.quiet_until:  # quiet hours that run past midnight
        day += timedelta(days=1)
    return datetime.combine(day, setting.quiet_until, tzinfo=zone)


def next_window(setting: ReminderSetting, moment: datetime) -> datetime:
    """The first moment from `moment` on inside a reminder window: the patient's chosen
    time that day, or up to SEND_WITHIN after it."""
    day = timezone.localtime(moment, setting.patient.tzinfo).date()
    for earlier in (day - timedelta(days=1), day):  # a window may run past midnight
        start = _window_start(setting, earlier)
        if moment < start + SEND_WITHIN:
            return max(moment, start)
    return _window_start(setting, day + timedelta(days=1))


class ReminderError(Exception):
    """A reminder change that cannot be made as asked; the message is shown."""


def reminder_setting(patient: Patient) -> ReminderSetting:
    setting, _ = ReminderSetting.objects.get_or_create(
        patient=patient, defaults={"unsubscribe_token": secrets.token_urlsafe(32)}
    )
    return setting


@transaction.atomic
def reminders_update(
    *,
    actor: Actor,
    patient: Patient,
    enabled: bool,
    consent: bool = False,
    time_of_day: time | None = None,
) -> ReminderSetting:
    """Turn reminders on or off. Turning them on needs the patient's agreement, recorded
    once with its date and who recorded it (the patient themself, or a staff member)."""
    setting = ReminderSetting.objects.select_for_update().get(pk=reminder_setting(patient).pk)
    if consent and setting.consent_at is None:
        setting.consent_at = timezone.now()
        setting.consent_by = actor.user if actor.is_user else None
        setting.consent_source = (
            ReminderSetting.Source.PATIENT
            if actor.role == "patient"
            else ReminderSetting.Source.CLINICIAN
        )
    if enabled and setting.consent_at is None:
        raise ReminderError(gettext("Reminders need the patient's agreement first."))
    if enabled and not patient.email:
        raise ReminderError(
            gettext("Reminders go by e-mail: add the patient's e-mail address first.")
        )
    if time_of_day is not None:
        if setting.in_quiet_hours(time_of_day):
            raise ReminderError(
                gettext("Choose a time outside the quiet hours ({start} to {end}).").format(
                    start=f"{setting.quiet_from:%H:%M}", end=f"{setting.quiet_until:%H:%M}"
                )
            )
        setting.time_of_day = time_of_day
    if setting.enabled and not enabled and actor.role == "patient":
        # Switched off by the patient: not a time saved with reminders off already (an
        # agreement recorded at the visit, reminders not yet on, was erased by that).
        setting.stopped_reason = ReminderSetting.OFF_BY_PATIENT
        _withdraw_consent(setting)
    elif enabled or setting.enabled:
        setting.stopped_reason = "" if enabled else "turned off"
    setting.enabled = enabled
    setting.save()
    # A nudge held for the old reminder time goes at the new one (or in its window now).
    recheck_held(OutgoingEmail.objects.filter(patient_uuid=patient.uuid, kind__in=HELD_KINDS))
    audit.record(actor, "reminders.update", patient=patient, obj=setting)
    return setting


@transaction.atomic
def reminders_stop(*, actor: Actor, patient: Patient, reason: str) -> bool:
    """Stop reminders (archived, program ended); True if they were on."""
    stopped = ReminderSetting.objects.filter(patient=patient, enabled=True).update(
        enabled=False, stopped_reason=reason
    )
    if stopped:
        audit.record(actor, "reminders.update", patient=patient)
    return bool(stopped)


ARCHIVED = "patient archived"


def reminders_resume(*, actor: Actor, patient: Patient) -> bool:
    """On a restore: reminders stopped by archiving start again, on the agreement that
    stood then (one withdrawn since has no consent left). A record archived by mistake and
    restored a minute later lost its reminders for good, unsaid (found by the front-desk
    review). True if they were turned on."""
    resumed = ReminderSetting.objects.filter(
        patient=patient, enabled=False, stopped_reason=ARCHIVED, consent_at__isnull=False
    ).update(enabled=True, stopped_reason="")
    if resumed:
        audit.record(actor, "reminders.update", patient=patient)
    return bool(resumed)


def setting_for_token(token: str) -> ReminderSetting | None:
    if not token or len(token) > 64:
        return None
    return (
        ReminderSetting.objects.select_related("patient__clinic")
        .filter(unsubscribe_token=token)
        .first()
    )


CONSENT_FIELDS = ("consent_at", "consent_by", "consent_source")


def _withdraw_consent(setting: ReminderSetting) -> None:
    """The patient stopping reminders (their switch, the e-mail's link) takes back their
    agreement: the clinic could turn them on again on the old one, unasked. Turning them
    on again records a new agreement; the audit trail keeps the old one."""
    setting.consent_at = setting.consent_by = None
    setting.consent_source = ""


@transaction.atomic
def reminders_unsubscribe(*, token: str, actor: Actor) -> bool:
    """The unsubscribe link (no sign-in): reminders off, and the agreement taken back. True
    only the first time. Also when they are off already for another reason (the record
    archived): a restore would otherwise turn them on again on the agreement the patient
    had just taken back (found by the review of today's diff)."""
    setting = setting_for_token(token)
    if setting is None or (not setting.enabled and setting.consent_at is None):
        return False
    setting.enabled = False
    setting.stopped_reason = ReminderSetting.UNSUBSCRIBED
    _withdraw_consent(setting)
    setting.save(update_fields=["enabled", "stopped_reason", *CONSENT_FIELDS, "updated_at"])
    audit.record(
        Actor(None, "patient", setting.patient.clinic, actor.ip),
        "reminders.unsubscribe",
        patient=setting.patient,
        obj=setting,
    )
    return True


def _key(kind: str, patient: Patient, day: date) -> str:
    """At most one e-mail of a kind a patient a day (OutgoingEmail.dedupe_key)."""
    return f"{kind}:{patient.uuid}:{day.isoformat()}"


def _queue(
    setting: ReminderSetting,
    *,
    kind: str,
    day: date,
    subject: str | Promise,
    template: str,
    about: dict | None = None,
    context: dict | None = None,
) -> OutgoingEmail:
    patient = setting.patient
    with for_patient(patient.preferred_language):
        return queue_email(
            kind=kind,
            clinic=patient.clinic,
            patient_uuid=patient.uuid,
            recipient=patient.user,
            to=patient.email,
            subject=str(subject),
            body=_body(setting, template, context or {}),
            unsubscribe_url=absolute_url("patients:reminders_stop", setting.unsubscribe_token),
            dedupe_key=_key(kind, patient, day),
            about=about or {},
        )


def _body(setting: ReminderSetting, template: str, context: dict) -> str:
    patient = setting.patient
    return render_to_string(
        template,
        {
            "language_notice": not_yet_notice(patient.preferred_language),
            "first_name": patient.first_name,
            "clinic": patient.clinic,
            "today_url": absolute_url("patients:patient_home"),
            "stop_url": absolute_url("patients:reminders_stop", setting.unsubscribe_token),
            **context,
        },
    )


def reminders_send_due(now: datetime | None = None) -> int:
    """Queue today's reminder for every patient whose time has come. Safe to run often:
    one reminder a patient a day at most (OutgoingEmail.dedupe_key)."""
    now = now or timezone.now()
    settings = (
        ReminderSetting.objects.filter(
            enabled=True, consent_at__isnull=False, patient__status=Patient.Status.ACTIVE
        )
        .exclude(patient__email="")
        .select_related("patient__clinic", "patient__user")
    )
    in_window = (
        setting for setting in settings.iterator(chunk_size=500) if _time_has_come(setting, now)
    )
    queued = 0
    while batch := list(islice(in_window, 500)):
        queued += _reminders_queue(batch, now)
    return queued


def _time_has_come(setting: ReminderSetting, now: datetime) -> bool:
    """Whether `now` is in the patient's reminder window today, outside quiet hours."""
    local = timezone.localtime(now, setting.patient.tzinfo)
    start = _window_start(setting, local.date())
    return start <= local < start + SEND_WITHIN and quiet_hours_end(setting, now) is None


def something_left(
    patient: Patient, program: Program, day: date, entries: list[Entry] | None = None
) -> bool:
    """Whether the patient's Today page lists something still to do on `day`: nothing
    while the program is paused, nothing before its start date, nothing once a 'days a
    week' quota is done, nothing once the day's sessions are all done. The e-mail and the
    page agree. A morning session of a twice-a-day program leaves the evening's due,
    which "something was logged that day", the rule before, called done (found by the
    dose review)."""
    if program.status != Program.Status.ACTIVE:
        # Today shows the paused box, not exercises: a reminder held up by the mail
        # server went out after the program was paused (found by the review of the
        # day's diff).
        return False
    due = due_now(patient, program, list(program.items.all()), day, entries)
    return any(d.remaining_today for d in due)


def _reminders_queue(batch: list[ReminderSetting], now: datetime) -> int:
    """Queue the reminders of patients whose time has come, unless one went today, their
    program is not active, or nothing is left to do today. What that needs is read for
    the whole batch at once: at six in the evening, the default time, every patient of
    the clinic is in it (one by one, 2,500 reminders took 12 s of the worker's CPU)."""
    patients = [setting.patient for setting in batch]
    today = {patient.pk: day_of(patient, now) for patient in patients}
    kind = OutgoingEmail.Kind.REMINDER
    keys = {patient.pk: _key(kind, patient, today[patient.pk]) for patient in patients}
    sent = set(
        OutgoingEmail.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    programs = current_programs(patients, with_items=True)
    entries = week_entries(patients, today)
    queued = 0
    for setting in batch:
        patient = setting.patient
        day = today[patient.pk]
        program = programs.get(patient.pk)
        if keys[patient.pk] in sent or program is None:
            continue
        if not something_left(patient, program, day, entries[patient.pk]):
            continue
        with transaction.atomic():
            _queue(
                setting,
                kind=kind,
                day=day,
                subject=gettext_lazy("Time for your exercises"),
                template="emails/reminder.txt",
                # The time it is for: SEND_WITHIN later it is too late (patients.outgoing).
                about={"due_at": _window_start(setting, day).isoformat()},
            )
        queued += 1
    return queued


def _waiting_questionnaires(patient: Patient) -> int:
    """How many questionnaires wait for the patient. The e-mail gives only the number: a
    questionnaire's name tells what it measures (a disability of the back, of the legs),
    and e-mail is no place for that; the Today page names them."""
    return OutcomeAssignment.objects.filter(patient=patient, response__isnull=True).count()


def questionnaire_nudge_body(setting: ReminderSetting) -> str | None:
    """A nudge's text, counting every questionnaire waiting for the patient now, or None
    once none is. Made again as it is sent (patients.outgoing.questionnaire_body_now): it
    waits for the patient's time, and what they answered meanwhile is not asked for."""
    waiting = _waiting_questionnaires(setting.patient)
    if not waiting:
        return None
    with for_patient(setting.patient.preferred_language):
        return _body(setting, "emails/questionnaire_due.txt", {"count": waiting})


def questionnaire_nudges(assignments: list[OutcomeAssignment]) -> int:
    """One e-mail a patient, to those with reminders on, for the questionnaires that just
    fell due: it says how many wait for them. At most one a patient a day (their day),
    however many fell due: a second e-mail for a second questionnaire of the same sweep
    was the first one again, which spoke of one. Queued now (the sweep, whatever
    the patient's clock), it waits in the queue for the patient's own reminder time
    (patients.outgoing.nudge_not_before). Returns how many e-mails were queued."""
    sent = 0
    for patient_id in dict.fromkeys(assignment.patient_id for assignment in assignments):
        setting = (
            ReminderSetting.objects.filter(
                patient_id=patient_id, enabled=True, consent_at__isnull=False
            )
            .select_related("patient__clinic", "patient__user")
            .first()
        )
        if setting is None or not setting.patient.email:
            continue
        kind = OutgoingEmail.Kind.QUESTIONNAIRE
        today = patient_today(setting.patient)
        if OutgoingEmail.objects.filter(dedupe_key=_key(kind, setting.patient, today)).exists():
            continue
        # One still on its way (held for the patient's time, or the worker down for days)
        # counts this one too as it goes: a second would arrive with it, saying the same.
        # Unless it will not go (queued for an address changed since): then this one is
        # the patient's only word of either.
        on_its_way = OutgoingEmail.objects.filter(
            kind=kind,
            patient_uuid=setting.patient.uuid,
            status__in=(*UNFINISHED, OutgoingEmail.Status.SENDING),
        )
        if any(not reason_to_stop(email) for email in on_its_way):
            continue
        waiting = _waiting_questionnaires(setting.patient)
        if not waiting:
            continue
        _queue(
            setting,
            kind=kind,
            day=today,
            # The same whatever the count: the body counts them again as it goes out.
            subject=gettext_lazy("Questions from your clinic"),
            template="emails/questionnaire_due.txt",
            context={"count": waiting},
        )
        sent += 1
    return sent
