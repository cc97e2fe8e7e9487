"""Handouts for a patient: who it is for, asking the worker for it, the print record.

What a handout shows and where it is stored live in programs.handouts; the render itself
runs in the task worker (patients.tasks.render_document), never in a web request. A
revision's handout is rendered as soon as it is saved (and again when anything on it
changes), so a download usually finds it ready.

Printing or downloading a handout never creates a login link: its QR code leads to the
clinic's sign-in page, which is useless without the patient's mailbox or password.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from clinic import audit
from clinic.actors import Actor
from clinic.documents import request_render, stored
from clinic.languages import for_patient, not_yet_notice, patient_language
from clinic.links import absolute_url
from clinic.mail import queue_email
from clinic.models import OutgoingEmail, RenderJob
from clinic.queueing import enqueue_on_commit
from patients.models import Patient, PatientProgram
from patients.practice_log import current_program, current_programs
from programs.handouts import (
    ExerciseChanges,
    HandoutPeople,
    exercise_changes,
    handout_filename,
    storage_name,
)
from programs.models import HandoutPrint, Program, ProgramRevision


def handout_people(
    patient: Patient, on_staff: Collection[tuple[int, int]] | None = None
) -> HandoutPeople:
    """Who the handout is for, and where its QR code leads (`on_staff`: see
    Patient.clinician_to_contact)."""
    clinician = patient.clinician_to_contact(on_staff)
    contact = (clinician.phone or clinician.email) if clinician else ""
    signin = absolute_url("patients:clinic_signin", patient.clinic.uuid) if patient.email else ""
    return HandoutPeople(
        patient_name=patient.full_name,
        birth_date=patient.date_of_birth,
        clinician_name=str(clinician) if clinician else patient.clinic.name,
        clinician_contact=contact,
        signin_url=signin,
        contact_is_phone=bool(clinician and clinician.phone),
    )


@dataclass(frozen=True)
class Handout:
    """One handout of a program's current revision, in one print size."""

    patient: Patient
    program: Program
    revision: ProgramRevision
    large_print: bool
    storage_name: str
    filename: str
    # The language it is printed in: the patient's (clinic.languages), or English for
    # the clinician's copy.
    language: str = "en"

    @property
    def ready(self) -> bool:
        return stored(self.storage_name)


def handout_for(
    patient: Patient,
    program: Program,
    large_print: bool | None = None,
    language: str | None = None,
) -> Handout:
    """The handout of the program's current revision; in the patient's own print size
    and language unless `large_print` or `language` say otherwise."""
    revision = ProgramRevision.objects.get(program=program, number=program.revision)
    large = patient.large_print if large_print is None else large_print
    language = language or patient_language(patient.preferred_language)
    return _handout(patient, program, revision, handout_people(patient), large, language)


def _handout(
    patient: Patient,
    program: Program,
    revision: ProgramRevision,
    people: HandoutPeople,
    large_print: bool,
    language: str,
    changes: ExerciseChanges | None = None,
) -> Handout:
    if changes is None:
        changes = exercise_changes([program.pk], language)[program.pk]
    name = storage_name(
        program=program,
        revision=revision,
        clinic=patient.clinic,
        people=people,
        large_print=large_print,
        language=language,
        changes=changes,
    )
    filename = handout_filename(
        revision,
        patient.clinic,
        changes,
        patient.initials,
        language=language,
        large_print=large_print,
    )
    return Handout(patient, program, revision, large_print, name, filename, language)


def current_handouts(
    patients: Iterable[Patient], *, every_variant: bool = False, chunk: int = 500
) -> Iterator[Handout]:
    """Each patient's handout_for(patient, current_program(patient)), for patients with a
    current program; read a chunk of patients at a time in three queries and one per
    language (one by one, the purge took 35 s of CPU at 10,000 patients). In the
    patient's own print size and language; with `every_variant`, in both print sizes and
    in their language and English: every file a download may ask for. The patients need
    their clinic and clinician selected."""
    patients = iter(patients)
    while batch := list(islice(patients, chunk)):
        yield from _current_handouts(batch, every_variant)


def _variants(patient: Patient, every_variant: bool) -> list[tuple[bool, str]]:
    """(large print, language) of the handouts current_handouts gives for the patient."""
    own = patient_language(patient.preferred_language)
    if not every_variant:
        return [(patient.large_print, own)]
    return [(large, language) for large in (False, True) for language in {own, "en"}]


def _current_handouts(batch: list[Patient], every_variant: bool) -> Iterator[Handout]:
    programs = current_programs(batch)
    revisions = {
        revision.program_id: revision
        for revision in ProgramRevision.objects.filter(
            program__in=programs.values(), number=F("program__revision")
        )
    }
    on_staff = Patient.clinicians_on_staff(batch)
    variants = {patient.pk: _variants(patient, every_variant) for patient in batch}
    wanted: dict[str, set[int]] = {}
    for patient_pk, program in programs.items():
        for _large, language in variants[patient_pk]:
            wanted.setdefault(language, set()).add(program.pk)
    changes = {language: exercise_changes(ids, language) for language, ids in wanted.items()}
    for patient in batch:
        if (program := programs.get(patient.pk)) is None:
            continue
        people = handout_people(patient, on_staff)
        for large, language in variants[patient.pk]:
            yield _handout(
                patient,
                program,
                revisions[program.pk],
                people,
                large,
                language,
                changes[language][program.pk],
            )


def handout_render(handout: Handout, *, requested_by=None) -> RenderJob:
    """Ask the worker for the handout (one render however many ask)."""
    from patients.tasks import render_document

    return request_render(
        task=render_document,
        clinic=handout.patient.clinic,
        kind=RenderJob.Kind.HANDOUT,
        storage_name=handout.storage_name,
        filename=handout.filename,
        params={
            "program": handout.program.pk,
            "large_print": handout.large_print,
            "language": handout.language,
        },
        patient_uuid=handout.patient.uuid,
        requested_by=requested_by,
    )


def handout_prerender(patient: Patient) -> RenderJob | None:
    """Render the current program's handout ahead of any download, if it is not stored."""
    program = current_program(patient)
    if program is None or not patient.is_active:
        return None
    handout = handout_for(patient, program)
    return None if handout.ready else handout_render(handout)


def prerender_after_program_saved(program: Program) -> None:
    """programs.services hook: a new revision's handout is rendered once it commits."""
    link = PatientProgram.objects.filter(program=program).select_related("patient__clinic").first()
    if link is not None:
        transaction.on_commit(lambda: handout_prerender(link.patient))


def prerender_after_clinic_updated(clinic) -> None:
    """clinic.services hook: new branding makes every handout of the clinic again."""
    from patients.tasks import handouts_prerender_clinic

    enqueue_on_commit(handouts_prerender_clinic, clinic.pk)


def current_handout_names() -> set[str]:
    """The stored names of every active patient's current handout, in both print sizes:
    the files the purge keeps."""
    patients = Patient.objects.active().select_related("clinic", "clinician")
    handouts = current_handouts(patients.iterator(chunk_size=500), every_variant=True)
    return {handout.storage_name for handout in handouts}


def prerender_clinic(clinic) -> int:
    """Every active patient's handout again (the clinic's name, logo or paper changed)."""
    patients = Patient.objects.active().filter(clinic=clinic).select_related("clinic", "clinician")
    handouts = current_handouts(patients.iterator(chunk_size=500))
    return len([handout_render(handout) for handout in handouts if not handout.ready])


@transaction.atomic
def handout_served(*, actor: Actor, handout: Handout, channel: str) -> None:
    """Record and audit a handout given out (downloaded now, or e-mail sent)."""
    HandoutPrint.objects.create(
        revision=handout.revision,
        channel=channel,
        large_print=handout.large_print,
        printed_by=actor.user if actor.is_user else None,
    )
    audit.record(actor, f"handout.{channel}", patient=handout.patient, obj=handout.program)


def one_line(text: str) -> str:
    """Header-safe text: line breaks and control characters become single spaces."""
    return re.sub(r"[\x00-\x1f\x7f\s]+", " ", text).strip()


@transaction.atomic
def handout_email(*, actor: Actor, handout: Handout) -> OutgoingEmail:
    """Queue the handout for the patient's e-mail; the worker sends it once the PDF is
    stored, retrying while the mail server is down. The subject says nothing about health
    or the program. It is recorded as handed out once the mail server takes it."""
    patient = handout.patient
    clinic = patient.clinic
    if not handout.ready:
        handout_render(handout, requested_by=actor.user if actor.is_user else None)
    with for_patient(patient.preferred_language):
        body = render_to_string(
            "emails/handout.txt",
            {
                "first_name": patient.first_name,
                "clinic": clinic,
                "language_notice": not_yet_notice(patient.preferred_language),
            },
        )
        subject = _("A document from {clinic}").format(clinic=one_line(clinic.name))
        email = queue_email(
            clinic=clinic,
            patient_uuid=patient.uuid,
            kind=OutgoingEmail.Kind.HANDOUT,
            to=patient.email,
            subject=subject,
            body=body,
            attachment=handout.storage_name,
            attachment_name=handout.filename,
            about={
                "revision": handout.revision.pk,
                "large_print": handout.large_print,
                "language": handout.language,
                "by": actor.user.pk if actor.is_user else None,
            },
        )
    audit.record(actor, "handout.email_queue", patient=patient, obj=handout.program)
    return email


def handout_email_now(email: OutgoingEmail) -> None:
    """clinic.tasks hook, before each delivery: a handout e-mail carries the program's
    handout as it is now. A program saved again while the e-mail waited (for its render,
    for the mail server) no longer has the handout it was queued with made (that render
    is superseded), and a made one would give the patient a dose that no longer stands:
    the e-mail moves to the new handout, which is asked for if it is not stored."""
    revision = ProgramRevision.objects.filter(pk=email.about.get("revision")).first()
    patient = (
        Patient.objects.filter(uuid=email.patient_uuid, clinic_id=email.clinic_id)
        .select_related("clinic", "clinician")
        .first()
    )
    if revision is None or patient is None:
        return
    program = Program.objects.filter(pk=revision.program_id, assignment__patient=patient).first()
    if program is None:
        return
    handout = handout_for(
        patient, program, bool(email.about.get("large_print")), email.about.get("language")
    )
    if handout.storage_name == email.attachment:
        return
    if not handout.ready:
        handout_render(handout)
    email.attachment = handout.storage_name
    email.attachment_name = handout.filename
    email.about = {**email.about, "revision": handout.revision.pk}
    email.save(update_fields=["attachment", "attachment_name", "about"])


def handout_email_sent(email: OutgoingEmail) -> None:
    """clinic.tasks hook: the mail server took a handout e-mail; record it on the
    revision's history as the clinician's."""
    revision = (
        ProgramRevision.objects.filter(pk=email.about.get("revision"))
        .select_related("program")
        .first()
    )
    patient = Patient.objects.filter(uuid=email.patient_uuid, clinic_id=email.clinic_id).first()
    if revision is None or patient is None:
        return
    with transaction.atomic():
        HandoutPrint.objects.create(
            revision=revision,
            channel=HandoutPrint.Channel.EMAIL,
            large_print=bool(email.about.get("large_print")),
            printed_by_id=email.about.get("by"),
        )
        audit.record(
            Actor.system(patient.clinic), "handout.email", patient=patient, obj=revision.program
        )
