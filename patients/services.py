"""Writes on the clinical record. Each one is atomic and audited in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse

from clinic import audit
from clinic.invitations import invitation_create
from clinic.mail import send_templated
from clinic.models import Membership, User
from patients.models import Patient, PatientProgram
from patients.sessions import patient_refresh_prescription
from programs.models import Program
from programs.services import program_copy, program_set_status

PATIENT_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "preferred_language",
    "clinician",
)


class PatientAccessError(Exception):
    """The patient's login cannot be set up as asked; the message is shown to staff."""


@transaction.atomic
def patient_create(*, membership: Membership, request: Any = None, **fields: Any) -> Patient:
    patient = Patient.objects.create(clinic=membership.clinic, **fields)
    audit.by_staff(
        membership,
        "patient.create",
        patient=patient,
        obj=patient,
        request=request,
    )
    return patient


@transaction.atomic
def patient_update(
    *, membership: Membership, patient: Patient, request: Any = None, **fields: Any
) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.save()
    if patient.user_id and "email" in fields and fields["email"]:
        # The patient logs in with this address, so the login follows the record.
        User.objects.filter(pk=patient.user_id).update(email=fields["email"].lower())
    audit.by_staff(
        membership,
        "patient.update",
        patient=patient,
        obj=patient,
        request=request,
    )
    return patient


@transaction.atomic
def patient_set_status(
    *, membership: Membership, patient: Patient, status: str, request: Any = None
) -> Patient:
    """Archive or restore. Records are never deleted; archiving also closes the login."""
    patient.status = status
    patient.save(update_fields=["status", "updated_at"])
    if patient.user_id:
        User.objects.filter(pk=patient.user_id).update(is_active=status == Patient.Status.ACTIVE)
    action = "patient.archive" if status == Patient.Status.ARCHIVED else "patient.restore"
    audit.by_staff(
        membership,
        action,
        patient=patient,
        obj=patient,
        request=request,
    )
    return patient


def patient_login_user(patient: Patient) -> User:
    """The patient's login account, created (without a password) if they have none yet.

    Call inside the caller's transaction; the caller audits what it does with it.
    """
    if not patient.email:
        raise PatientAccessError(
            "Add the patient's e-mail address first: it is what they log in with."
        )
    if patient.user_id:
        return patient.user
    user = User.objects.filter(email__iexact=patient.email).first()
    if user is not None:
        # Never hand a staff account, or another patient's login, to this patient.
        if user.memberships.exists() or hasattr(user, "patient_profile"):
            raise PatientAccessError(
                "This e-mail address already belongs to another login. Use another address."
            )
    else:
        user = User.objects.create_user(
            email=patient.email, password=None, full_name=patient.full_name
        )
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def patient_invite(
    *, membership: Membership, patient: Patient, base_url: str, send: bool, request: Any = None
) -> str:
    """Create a fresh one-time link for the patient; e-mail it when `send`.

    Returns the absolute link so it can also be printed. Older links stop working.
    """
    if not patient.is_active:
        raise PatientAccessError("Restore this patient before inviting them.")
    user = patient_login_user(patient)
    token = invitation_create(user=user, created_by=membership.user)
    link = base_url + reverse("invitation_accept", args=[token])
    audit.by_staff(
        membership,
        "patient.invite_email" if send else "patient.invite_print",
        patient=patient,
        obj=patient,
        request=request,
    )
    if send:
        clinic = patient.clinic
        transaction.on_commit(
            lambda: send_templated(
                to=user.email,
                subject="Your patient login",
                template="emails/patient_invitation.txt",
                context={"clinic": clinic, "link": link, "first_name": patient.first_name},
            )
        )
    return link


@transaction.atomic
def patient_program_start(
    *, membership: Membership, patient: Patient, source: Program | None, request: Any = None
) -> Program:
    """Give the patient their own copy of a template or earlier program (or a blank one).

    The current program, if any, is completed first: a patient has one current
    program, and the old one stays readable in the history.
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    for current in Program.objects.filter(
        assignment__patient=patient, status__in=[Program.Status.ACTIVE, Program.Status.PAUSED]
    ):
        program_set_status(
            program=current,
            membership=membership,
            status=Program.Status.COMPLETED,
            patient=patient,
            request=request,
        )
    blank = Program(title="Home program")
    program = program_copy(
        source=source or blank,
        clinic=patient.clinic,
        membership=membership,
        patient=patient,
        request=request,
    )
    PatientProgram.objects.create(patient=patient, program=program, assigned_by=membership.user)
    patient_refresh_prescription(patient)
    return program
