"""Handouts for a patient: who it is for, the login link, the print record and audit.

Content and rendering live in programs.handouts; this module adds the patient.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from clinic.invitations import invitation_current_or_new
from patients.models import Patient
from patients.services import PatientAccessError, patient_login_user
from programs.handouts import HandoutPeople, handout_filename, handout_pdf
from programs.models import HandoutPrint, Program, ProgramRevision


def handout_people(patient: Patient, *, base_url: str, actor: Any) -> HandoutPeople:
    """Who the handout is for, and the login link its QR code carries (the live invitation
    link while the patient has not chosen a password yet)."""
    clinician = patient.clinician
    contact = (clinician.phone or clinician.email) if clinician else ""
    login_url = base_url + reverse("patient_home")
    is_invitation = False
    if patient.email and not patient.has_login and patient.is_active:
        try:
            user = patient_login_user(patient)
        except PatientAccessError:
            user = None
        if user is not None:
            token = invitation_current_or_new(user=user, created_by=actor)
            login_url = base_url + reverse("invitation_accept", args=[token])
            is_invitation = True
    return HandoutPeople(
        patient_name=patient.full_name,
        birth_date=patient.date_of_birth,
        clinician_name=str(clinician) if clinician else patient.clinic.name,
        clinician_contact=contact,
        login_url=login_url,
        login_is_invitation=is_invitation,
    )


@transaction.atomic
def patient_handout(
    *,
    patient: Patient,
    program: Program,
    actor: Any,
    role: str,
    channel: str,
    base_url: str,
    large_print: bool = False,
    request: Any = None,
) -> tuple[bytes, str]:
    """The PDF of the program's current revision, and its file name. Recorded and audited."""
    revision = ProgramRevision.objects.get(program=program, number=program.revision)
    issued_on = timezone.localdate()
    pdf, _cached = handout_pdf(
        program=program,
        revision=revision,
        clinic=patient.clinic,
        people=handout_people(patient, base_url=base_url, actor=actor),
        large_print=large_print,
        issued_on=issued_on,
    )
    HandoutPrint.objects.create(
        revision=revision,
        channel=channel,
        large_print=large_print,
        printed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        role=role,
        action=f"handout.{channel}",
        patient=patient,
        obj=program,
        request=request,
    )
    return pdf, handout_filename(revision, issued_on)


def send_handout_email(*, patient: Patient, pdf: bytes, filename: str) -> None:
    """Attach the handout. The subject says nothing about health or the program."""
    clinic = patient.clinic
    body = render_to_string(
        "emails/handout.txt", {"first_name": patient.first_name, "clinic": clinic}
    )
    message = EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}A document from {clinic.name}",
        body=body,
        to=[patient.email],
    )
    message.attach(filename, pdf, "application/pdf")
    transaction.on_commit(message.send)
