"""Whether an e-mail queued earlier should still go out when the worker sends it
(clinic.mail.STOP_CHECKS). An e-mail can wait hours (its handout being rendered, the
mail server's retries); a record corrected or closed meanwhile decides, not the record
as it was when the e-mail was queued."""

from __future__ import annotations

from django.utils.translation import gettext as _

from clinic.capabilities import role_can
from clinic.models import Membership, OutgoingEmail
from patients.models import Patient, ReminderSetting


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


def reminder_stopped(email: OutgoingEmail) -> str:
    """A reminder or questionnaire nudge, also not once the patient turned reminders off."""
    stopped = patient_email_stopped(email)
    if stopped or email.patient_uuid is None:
        return stopped
    wanted = ReminderSetting.objects.filter(
        patient__uuid=email.patient_uuid, enabled=True, consent_at__isnull=False
    ).exists()
    return "" if wanted else _("reminders were turned off after it was queued")


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
    OutgoingEmail.Kind.HANDOUT: patient_email_stopped,
    OutgoingEmail.Kind.REMINDER: reminder_stopped,
    OutgoingEmail.Kind.QUESTIONNAIRE: reminder_stopped,
    OutgoingEmail.Kind.DIGEST: digest_stopped,
}
