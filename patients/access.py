"""The getters for a clinic's patient records: one per owned object, used by every view.

Each finds the row by its public id within the staff member's active clinic, through
clinic.permissions: a malformed id, another clinic's row and a missing row are the same
audited 404.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from clinic import permissions
from clinic.actors import Actor
from patients.models import Flag, Measurement, Patient
from programs.models import Program


def ensure_same_clinic(actor: Actor, patient: Patient) -> None:
    """For services: views pass only patients of the actor's clinic (through the getters
    above); this keeps a slip in a caller from crossing clinics."""
    if actor.clinic is None or actor.clinic.pk != patient.clinic_id:
        raise PermissionError("Patients are changed only by their own clinic.")


def patient_or_404(
    request: HttpRequest,
    patient_uuid,
    *,
    archived_changes: bool = False,
    also: tuple[str, ...] = (),
) -> Patient:
    """The patient; for a POST, only while their record is active: an archived record is
    read-only until restored (ReadOnlyRecord), unless the view says `archived_changes`
    (restoring it; a report, which reads the record). `also`: one-to-one parts of the
    record (such as "intake") read in the same query; a missing one reads as None through
    getattr(patient, name, None)."""
    patient = permissions.get_in_clinic_or_404(
        request, Patient.objects.select_related("clinician", "user", *also), patient_uuid
    )
    # Found in the request's clinic, which is loaded already: not joined again.
    patient.clinic = request.clinic
    if request.method == "POST" and not patient.is_active and not archived_changes:
        raise permissions.ReadOnlyRecord(
            gettext(
                "{name} is archived: their record is read-only. Restore them to change it."
            ).format(name=patient.full_name),
            reverse("patients:patient_chart", args=[patient.uuid]),
        )
    return patient


def patient_program_or_404(
    request: HttpRequest,
    patient_uuid,
    program_uuid,
    *,
    archived_changes: bool = False,
    also: tuple[str, ...] = (),
    program_also: tuple[str, ...] = (),
) -> tuple[Patient, Program]:
    """A patient and one of their own programs (never a template, never another's).
    `also`, as for patient_or_404; `program_also`: the program's relations read in the
    same query (select_related)."""
    patient = patient_or_404(request, patient_uuid, archived_changes=archived_changes, also=also)
    program = permissions.get_in_clinic_or_404(
        request,
        Program.objects.filter(assignment__patient=patient).select_related(*program_also),
        program_uuid,
    )
    return patient, program


def open_flag(request: HttpRequest, patient: Patient, flag_uuid) -> Flag | None:
    """The patient's flag if it is still open; None if it was reviewed meanwhile."""
    flag = permissions.get_in_clinic_or_404(
        request, Flag.objects.filter(patient=patient), flag_uuid, clinic_field="patient__clinic"
    )
    return flag if flag.reviewed_at is None else None


def current_measurement_or_404(
    request: HttpRequest, patient: Patient, measurement_uuid
) -> Measurement:
    return permissions.get_in_clinic_or_404(
        request,
        Measurement.objects.current().select_related("visit").filter(visit__patient=patient),
        measurement_uuid,
        clinic_field="visit__patient__clinic",
    )
