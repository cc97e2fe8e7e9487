"""Whether an e-mail queued earlier should still go out when the worker sends it
(clinic.mail.STOP_CHECKS), and not before when (clinic.mail.NOT_BEFORE). An e-mail can
wait hours (its handout being rendered, the mail server's retries); a record corrected
or closed meanwhile decides, not the record as it was when the e-mail was queued."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.capabilities import role_can
from clinic.models import Membership, OutgoingEmail
from patients import reminders
from patients.models import OutcomeAssignment, Patient, ReminderSetting
from patients.practice_log import current_program
from programs.models import Program, ProgramRevision


def patient_email_stopped(email: OutgoingEmail) -> str:
    """A handout or reminder about a patient: not to an address the clinic has corrected
    since (the handout would reach whoever has the old one), nor to an archived record."""
    if email.patient_uuid is None:
        return ""  # about no one record: nothing here to check it against
    patient = Patient.objects.filter(uuid=email.patient_uuid).only("status", "email").first()
    if patient is None:
        return _("the patient's record is gone")
    if patient.status != Patient.Status.ACTIVE:
        return _("the patient's record was archived")
    if patient.email.strip().lower() != email.to.strip().lower():
        return _("the patient's e-mail address changed after it was queued")
    return ""


def handout_program_stopped(email: OutgoingEmail) -> str:
    """A handout, not for a program paused or ended since (a new program replaced it): the
    patient would be sent doses that no longer stand."""
    revision = (
        ProgramRevision.objects.filter(pk=email.about.get("revision"))
        .select_related("program")
        .first()
    )
    if revision is None or revision.program.status == Program.Status.ACTIVE:
        return ""
    return _("the program was paused or ended after it was queued")


def reminder_stopped(email: OutgoingEmail) -> str:
    """A reminder or questionnaire nudge, also not once the patient turned reminders off."""
    stopped = patient_email_stopped(email)
    if stopped or email.patient_uuid is None:
        return stopped
    wanted = ReminderSetting.objects.filter(
        patient__uuid=email.patient_uuid, enabled=True, consent_at__isnull=False
    ).exists()
    return "" if wanted else _("reminders were turned off after it was queued")


def reminder_too_late(email: OutgoingEmail) -> str:
    """An exercise reminder only within SEND_WITHIN of the time it was for: one held up
    by a mail server that was down must not say "time for your exercises" at night or the
    next morning."""
    if email.patient_uuid is None:
        return ""
    if timezone.now() < _due_at(email) + reminders.SEND_WITHIN:
        return ""
    return _("too late: the reminder's time had passed")


def _due_at(email: OutgoingEmail) -> datetime:
    """The time a reminder was for. One queued before reminders carried their time: its
    queueing, in its window and so no earlier than that time, stands in for it."""
    due_at = email.about.get("due_at")
    return datetime.fromisoformat(due_at) if due_at else email.created_at


def reminder_done_already(email: OutgoingEmail) -> str:
    """Not once the patient has done what was due on the reminder's day (their day): the
    reminder is not queued for a patient who has, and one held up meanwhile (a mail
    server that was down, quiet hours) must not nag either."""
    patient = Patient.objects.filter(uuid=email.patient_uuid).first()
    if patient is None:
        return ""
    day = timezone.localtime(_due_at(email), patient.tzinfo).date()
    program = current_program(patient)
    if program is not None and not reminders.something_left(patient, program, day):
        return _("the patient had already exercised that day")
    return ""


def questionnaire_answered(email: OutgoingEmail) -> str:
    """A questionnaire nudge, not once nothing is waiting to be answered (answered
    in the patient area or on paper, or withdrawn) while it waited for their time."""
    if email.patient_uuid is None:
        return ""
    waiting = OutcomeAssignment.objects.filter(
        patient__uuid=email.patient_uuid, response__isnull=True
    ).exists()
    return "" if waiting else _("the questionnaire was answered or withdrawn meanwhile")


def questionnaire_body_now(email: OutgoingEmail) -> str | None:
    """clinic.mail.BODY_HOOKS: a nudge counts the questionnaires waiting as it goes out, not
    those waiting when it was queued (hours before, at the sweep): one answered meanwhile
    is not asked for, one asked for meanwhile is counted. None once nothing waits."""
    setting = _setting(email)
    if setting is None:
        return email.body
    return reminders.questionnaire_nudge_body(setting)


def _setting(email: OutgoingEmail) -> ReminderSetting | None:
    if email.patient_uuid is None:
        return None
    return (
        ReminderSetting.objects.filter(patient__uuid=email.patient_uuid)
        .select_related("patient__clinic")
        .first()
    )


def quiet_hours_not_before(email: OutgoingEmail, now: datetime) -> datetime | None:
    """A reminder or nudge never reaches the patient in their quiet hours (as they are set
    when it goes out): a mail-server retry or a late worker waits until they end."""
    setting = _setting(email)
    return None if setting is None else reminders.quiet_hours_end(setting, now)


def nudge_not_before(email: OutgoingEmail, now: datetime) -> datetime | None:
    """A questionnaire nudge goes at the patient's reminder time, the first after it fell
    due (its queueing, by the daily sweep); once that has come it waits no more (a worker
    that was down at that time sends it late, not never)."""
    setting = _setting(email)
    if setting is None:
        return None
    first = reminders.next_window(setting, email.created_at)
    return first if now < first else None


def digest_stopped(email: OutgoingEmail) -> str:
    """A weekly digest (clinical counts): only to a member who still reads clinical data and
    still asks for it, at the address it was queued for."""
    member = (
        Membership.objects.active()
        .filter(user_id=email.recipient_id, clinic_id=email.clinic_id, weekly_digest=True)
        .select_related("user")
        .first()
    )
    if member is None or not role_can(member.role, "clinical.view"):
        return _("the recipient no longer receives the weekly summary")
    if member.user.email.strip().lower() != email.to.strip().lower():
        return _("the recipient's e-mail address changed after it was queued")
    return ""


CHECKS = {
    OutgoingEmail.Kind.HANDOUT: [patient_email_stopped, handout_program_stopped],
    OutgoingEmail.Kind.REMINDER: [reminder_stopped, reminder_too_late, reminder_done_already],
    OutgoingEmail.Kind.QUESTIONNAIRE: [reminder_stopped, questionnaire_answered],
    OutgoingEmail.Kind.DIGEST: [digest_stopped],
}

BODY = {OutgoingEmail.Kind.QUESTIONNAIRE: questionnaire_body_now}

NOT_BEFORE = {
    OutgoingEmail.Kind.REMINDER: [quiet_hours_not_before],
    OutgoingEmail.Kind.QUESTIONNAIRE: [quiet_hours_not_before, nudge_not_before],
}
