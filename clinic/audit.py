"""The audit trail: one AuditEvent per read or write of a patient's data.

Call `record` inside the same transaction as the change it describes, so an
audit row exists exactly when the change does. Reads and denials are recorded
in autocommit mode, so a later error in the request cannot erase them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clinic.models import AuditEvent, Clinic


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy
    # rewrites it, and a deployment that has one sets REMOTE_ADDR through its WSGI server.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    actor: Any,
    action: str,
    clinic: Clinic | None = None,
    patient: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    role: str = "",
    request: HttpRequest | None = None,
    outcome: str = AuditEvent.Outcome.OK,
) -> AuditEvent:
    """Write one audit event.

    `patient` is any object with a `uuid` (the patients app passes its Patient);
    `obj` is the object acted on, stored as type name and public id only (or pass
    `object_type`/`object_id` when there is no object, e.g. a refused lookup).
    """
    if obj is not None:
        object_type = obj._meta.model_name
        object_id = str(getattr(obj, "uuid", None) or obj.pk)
    if clinic is None and patient is not None:
        clinic = patient.clinic
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_role=role,
        clinic=clinic,
        patient_uuid=getattr(patient, "uuid", None),
        action=action,
        object_type=object_type[:64],
        object_id=object_id[:64],
        ip_address=client_ip(request),
        outcome=outcome,
    )


def by_staff(
    membership: Any,
    action: str,
    *,
    patient: Any = None,
    obj: Any = None,
    request: HttpRequest | None = None,
    clinic: Clinic | None = None,
) -> AuditEvent:
    """record() for a staff member acting through their clinic membership."""
    return record(
        actor=membership.user,
        role=membership.role,
        action=action,
        clinic=clinic or (None if patient is not None else membership.clinic),
        patient=patient,
        obj=obj,
        request=request,
    )
