"""Writes on the clinical record. Each one is atomic and audited in the same transaction.

Every service takes the acting person as an `Actor` (clinic.actors), never a request.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic import audit
from clinic.actors import Actor
from clinic.edits import ensure_unchanged
from clinic.invitations import (
    NO_LONGER_VALID,
    InvitationError,
    invitation_email_queue,
    invitation_issue,
    invitations_revoke,
    register,
)
from clinic.languages import not_yet_notice, patient_language
from clinic.links import absolute_url
from clinic.models import Clinic, Invitation, User
from patients import adherence, caseload
from patients.access import ensure_same_clinic
from patients.handouts import handout_prerender
from patients.models import Patient, PatientProgram
from patients.outcomes import outcome_schedules_discharge
from patients.reminders import ARCHIVED, reminders_resume, reminders_stop
from patients.screening import ScreeningBlocks, program_start_blocked
from programs.models import Program
from programs.services import program_copy, program_set_status


class PatientAccessError(Exception):
    """The patient's login cannot be set up as asked; the message is shown to staff."""


class EmailTaken(Exception):
    """Another patient of the clinic has this e-mail. The form checks first, but two pages
    sent at once (two tabs, two colleagues) both passed its check before either saved."""


def _unless_email_taken(save, clinic_id: int, email: str, besides: int | None = None) -> None:
    """`save()`, with EmailTaken for the clinic's unique e-mail instead of an IntegrityError
    (a 500 that lost the typed form); any other IntegrityError as it was."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        if Patient.objects.email_in_use(clinic_id, email, besides=besides):
            raise EmailTaken from None
        raise


@transaction.atomic
def patient_create(*, actor: Actor, **fields: Any) -> Patient:
    patient = Patient(clinic=actor.clinic, **fields)
    _unless_email_taken(patient.save, actor.clinic.pk, patient.email)
    audit.record(actor, "patient.create", patient=patient, obj=patient)
    return patient


@transaction.atomic
def patient_update(
    *, actor: Actor, patient: Patient, seen: str | None = None, **fields: Any
) -> Patient:
    """Change the record's details. Its e-mail is contact data: the patient's login (if
    any) keeps its own address, and links sent to the old address stop working. A login
    of the old address no longer opens the record (the returned record has no `user`):
    an invitation sent to a mistyped address let whoever read that mailbox make
    the login, and after the address was put right they still read the patient's record,
    while the patient could not be invited (found by the front-desk review). The patient
    is invited again at the new address. `seen`: the version of these fields the page
    showed; EditedMeanwhile if they changed since.

    The fields are set on the row as locked now, never saved from the caller's copy: a
    copy read before an archive (or a login linked) would write the old status back."""
    ensure_same_clinic(actor, patient)
    locked = Patient.objects.select_related("clinic").select_for_update().get(pk=patient.pk)
    ensure_unchanged(locked, seen, fields)
    old_email = locked.email
    for name, value in fields.items():
        setattr(locked, name, value)
    _unless_email_taken(
        lambda: locked.save(update_fields=[*fields, "updated_at"]),
        locked.clinic_id,
        locked.email,
        besides=locked.pk,
    )
    # A new time zone moves the patient's day.
    caseload.refresh_one(locked)
    audit.record(actor, "patient.update", patient=locked, obj=locked)
    if locked.email.lower() != old_email.lower():
        invitations_revoke(Invitation.objects.for_patient(locked))
        login = locked.user
        if login is not None and login.email.lower() != locked.email.lower():
            locked.user = None
            locked.save(update_fields=["user"])
            audit.record(actor, "patient.unlink", patient=locked, obj=locked)
    # The name, birth date, clinician or print size may show on the handout: render the
    # new one ahead (nothing is rendered when none of them changed: it is stored).
    transaction.on_commit(lambda: handout_prerender(locked))
    return locked


@transaction.atomic
def patient_set_status(*, actor: Actor, patient: Patient, status: str) -> Patient:
    """Archive or restore. Records are never deleted. Archiving ends the patient's access
    (the patient area needs an active record), cancels their unused links and stops their
    reminders, which a restore starts again; the login itself is left alone, it may be a
    colleague's or a patient's of another clinic."""
    ensure_same_clinic(actor, patient)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    patient.status = status
    archiving = status == Patient.Status.ARCHIVED
    unlinked = False
    if archiving:
        invitations_revoke(Invitation.objects.for_patient(patient))
        reminders_stop(actor=actor, patient=patient, reason=ARCHIVED)
    else:
        reminders_resume(actor=actor, patient=patient)
        if patient.user_id and (
            Patient.objects.active().filter(user_id=patient.user_id).exclude(pk=patient.pk).exists()
        ):
            # The login has an active record elsewhere now: one at a time. Nothing about
            # that record is said; the clinic can invite the patient again.
            patient.user = None
            unlinked = True
    patient.save(update_fields=["status", "user", "updated_at"])
    action = "patient.archive" if archiving else "patient.restore"
    audit.record(actor, action, patient=patient, obj=patient)
    if unlinked:
        audit.record(actor, "patient.unlink", patient=patient, obj=patient)
    return patient


@transaction.atomic
def patient_invite(*, actor: Actor, patient: Patient, channel: str) -> str:
    """A one-time link for the patient to set up (or link) their login. Printed: returns
    the absolute link, for the sign-in sheet. E-mailed: the e-mail is queued with the
    invitation and the worker makes the link as it sends it (retrying while the mail
    server is down; the chart lists its status), so "" is returned.

    The answer is the same whether or not the address already has a login anywhere:
    that is found out only by whoever uses the link.
    """
    ensure_same_clinic(actor, patient)
    if not patient.is_active:
        raise PatientAccessError(_("Restore this patient before inviting them."))
    if not patient.email:
        raise PatientAccessError(
            _("Add the patient's e-mail address first: it is what they sign in with.")
        )
    if patient.user_id:
        raise PatientAccessError(
            _(
                "This patient already has a login. If they forgot the password, they can sign "
                "in with a code sent to their e-mail, or reset the password."
            )
        )
    invitation, token = invitation_issue(
        actor=actor,
        kind=Invitation.Kind.PATIENT,
        channel=channel,
        email=patient.email,
        clinic=patient.clinic,
        patient_uuid=patient.uuid,
    )
    emailed = channel != Invitation.Channel.PRINT
    audit.record(
        actor, "patient.invite_email" if emailed else "patient.invite_print", patient=patient
    )
    if not emailed:
        return absolute_url("invitation_open", token)
    _queue_invitation(invitation, patient)
    return ""


def _queue_invitation(invitation: Invitation, patient: Patient) -> None:
    """The invitation's e-mail, queued with it: the link goes out with a token the worker
    makes as it sends (clinic.invitations), so the one made with it is never given out."""
    invitation_email_queue(
        invitation=invitation,
        # A patient may not know the name Limber: the subject names their clinic.
        subject=format_lazy(
            gettext_lazy("Your patient login at {clinic}"), clinic=patient.clinic.name
        ),
        template="emails/patient_invitation.txt",
        context={
            "clinic": patient.clinic,
            "first_name": patient.first_name,
            "language_notice": not_yet_notice(patient.preferred_language),
        },
        language=patient_language(patient.preferred_language),
    )


@transaction.atomic
def patient_invitations_cancel(*, actor: Actor, patient: Patient) -> int:
    ensure_same_clinic(actor, patient)
    return invitations_revoke(Invitation.objects.for_patient(patient), actor=actor, patient=patient)


class PatientAcceptor:
    """What a patient invitation grants: its patient record, linked to the login."""

    def _patient(self, invitation: Invitation) -> Patient:
        patient = (
            Patient.objects.select_related("clinic")
            .filter(clinic_id=invitation.clinic_id, uuid=invitation.patient_uuid)
            .first()
            if invitation.patient_uuid is not None
            else None
        )
        # The record must still be active, unlinked and at the address the link went to.
        if (
            patient is None
            or not patient.is_active
            or patient.user_id is not None
            or patient.email.lower() != invitation.email
        ):
            raise InvitationError(NO_LONGER_VALID)
        return patient

    def describe(self, invitation: Invitation) -> str:
        # The page's sentence names the clinic already ("{clinic} invites you to ...").
        return _("see your home exercises and log how they went")

    def language(self, invitation: Invitation) -> str:
        """The invitation page is in the language the patient will see (clinic.languages)."""
        patient = (
            Patient.objects.filter(clinic_id=invitation.clinic_id, uuid=invitation.patient_uuid)
            .only("preferred_language")
            .first()
            if invitation.patient_uuid is not None
            else None
        )
        return patient_language(patient.preferred_language if patient else None)

    def check(self, invitation: Invitation, user: User | None) -> None:
        self._patient(invitation)
        if user is None:
            return
        if user.is_superuser or user.is_staff:
            raise InvitationError(
                _(
                    "This login cannot be used for a patient record. Ask your clinic to use "
                    "another e-mail address."
                )
            )
        if Patient.objects.active().filter(user=user).exists():
            raise InvitationError(
                _("Your login is already linked to a patient record. Ask your clinic for help.")
            )

    def accept(self, invitation: Invitation, user: User, actor: Actor) -> None:
        patient = Patient.objects.select_for_update().get(pk=self._patient(invitation).pk)
        self.check(invitation, user)
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
        # First sign-in: every other link to this record stops working.
        invitations_revoke(Invitation.objects.for_patient(patient).exclude(pk=invitation.pk))
        audit.record(
            Actor(user, "patient", patient.clinic, actor.ip),
            "patient.link",
            patient=patient,
            obj=patient,
        )


register(Invitation.Kind.PATIENT, PatientAcceptor())


# The most records of one address sent set-up links at once (one per clinic that has it).
SETUP_LINKS_AT_MOST = 3


def patient_setup_links_for_unknown_account(email: str) -> bool:
    """A sign-in code (or a reset) asked for an address with no login: each clinic that has
    an active patient record with it and no login sends that patient the link to set up
    their login, as its sign-in page's "E-mail me a link" would. Whether any was sent."""
    from allauth.core import context

    email = email.strip().lower()
    clinics = (
        Patient.objects.active()
        .filter(email__iexact=email, user__isnull=True)
        .values_list("clinic", flat=True)
        .distinct()[:SETUP_LINKS_AT_MOST]
    )
    sent = False
    for clinic in Clinic.objects.filter(pk__in=list(clinics)):
        actor = Actor.visitor(context.request, clinic=clinic)
        sent = patient_signin_link_request(actor=actor, clinic=clinic, email=email) or sent
    return sent


@transaction.atomic
def patient_signin_link_request(*, actor: Actor, clinic: Clinic, email: str) -> bool:
    """From a clinic's sign-in page (the handout's QR code): e-mail a set-up link to an
    active patient of this clinic whose record has this address and no login yet.

    Nothing happens for any other address, and the caller answers the same either way:
    the link is only useful to whoever reads that mailbox.
    """
    email = email.strip().lower()
    patient = (
        Patient.objects.active()
        .filter(clinic=clinic, email__iexact=email, user__isnull=True)
        .select_related("clinic")
        .first()
    )
    audit.record(actor, "signin_link.request", clinic=clinic, patient=patient)
    if patient is None:
        return False
    invitation, _token = invitation_issue(
        actor=actor,
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.SELF,
        email=patient.email,
        clinic=clinic,
        patient_uuid=patient.uuid,
    )
    # Queued, as every invitation: a mail server that is down delays the link instead of
    # failing the page after the link was made (and answering a known address otherwise).
    _queue_invitation(invitation, patient)
    return True


@transaction.atomic
def patient_program_start(*, actor: Actor, patient: Patient, source: Program | None) -> Program:
    """Give the patient their own copy of a template or earlier program (or a blank one).

    The current program, if any, is completed first: a patient has one current
    program, and the old one stays readable in the history. A positive red-flag screen
    without a decision to go ahead refuses (ScreeningBlocks).
    """
    ensure_same_clinic(actor, patient)
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    blocked = program_start_blocked(patient)
    if blocked:
        raise ScreeningBlocks(blocked)
    for current in Program.objects.current_for(patient):
        program_set_status(
            program=current, actor=actor, status=Program.Status.COMPLETED, patient=patient
        )
    blank = Program(title="Home program")
    program = program_copy(
        source=source or blank, clinic=patient.clinic, actor=actor, patient=patient
    )
    PatientProgram.objects.create(patient=patient, program=program, assigned_by=actor.user)
    # A new program is a new episode of care: no longer discharged (a discharge's own
    # maintenance copy is started first, then the discharge marks the patient).
    Patient.objects.filter(pk=patient.pk, discharged_on__isnull=False).update(discharged_on=None)
    adherence.plan(patient)
    # Its first handout is rendered ahead, as every saved revision's is.
    transaction.on_commit(lambda: handout_prerender(patient))
    return program


@transaction.atomic
def patient_program_set_status(
    *, actor: Actor, patient: Patient, program: Program, status: str
) -> Program:
    """Pause, resume or complete the patient's program. Completing it (not replacing it
    with a new one) is the discharge: questionnaires scheduled for discharge are asked."""
    ensure_same_clinic(actor, patient)
    program = program_set_status(program=program, actor=actor, status=status, patient=patient)
    if status == Program.Status.COMPLETED:
        outcome_schedules_discharge(actor=actor, patient=patient)
    return program
