"""The audit trail: one AuditEvent per read or write of a patient's data, per refusal, and
per change to who may do what.

Call `record` inside the same transaction as the change it describes, so an audit row
exists exactly when the change does. Reads and denials are recorded in autocommit mode,
so a later error in the request cannot erase them. Every action is named in ACTIONS,
with the label the audit page shows; `record` refuses any other name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clinic.actors import Actor
from clinic.models import AuditEvent, Clinic

ACTIONS: dict[str, str | Promise] = {
    # Signing in and access
    "access.denied": _("Access refused"),
    "login.failed": _("Sign-in failed"),
    "login.locked_out": _("Sign-in locked after repeated failures from one address"),
    "login.throttled": _("Sign-in paused after repeated failures for the account"),
    "mfa.failed": _("Wrong two-factor code"),
    "mfa.locked": _("Two-factor sign-in paused after repeated wrong codes"),
    "mfa.reset": _("Two-factor sign-in reset by a clinic admin"),
    "mfa.removed": _("Two-factor sign-in removed by its owner"),
    "clinic.switch": _("Switched to this clinic"),
    "signin_link.request": _("Sign-in link asked for from the clinic's sign-in page"),
    # Invitations
    "invitation.accept": _("Invitation accepted"),
    "invitation.decline": _("Invitation declined"),
    "invitation.refused": _("Invitation could not be used"),
    "invitation.revoke": _("Invitations cancelled"),
    # Staff and clinic
    "staff.invite": _("Staff member invited"),
    "staff.join": _("Joined the clinic's staff"),
    "staff.add": _("Staff member added by the platform"),
    "staff.role_change": _("Staff role changed"),
    "staff.deactivate": _("Staff member deactivated"),
    "staff.reactivate": _("Staff member reactivated"),
    "clinic.update": _("Clinic settings changed"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "api.throttled": _("API calls paused: the token's rate limit was reached"),
    "api.refused": _(
        "API call refused: the token was revoked, has expired, or its maker no longer makes tokens"
    ),
    # Reads through the API of what is not a patient's record: still every call of a token
    # is in the log (README), staff names and e-mail addresses among them.
    "library.view": _("Exercise library read through the API"),
    "templates.view": _("Program templates read through the API"),
    "staff.view": _("Staff details read through the API"),
    "clinic.view": _("Clinic details read through the API"),
    # Patient record
    "caseload.view": _("Patient list viewed"),
    "audit.view": _("Audit log viewed"),
    "patient.view": _("Patient record viewed"),
    "patient.create": _("Patient added"),
    "patient.update": _("Patient details changed"),
    "patient.archive": _("Patient archived"),
    "patient.restore": _("Patient restored"),
    "patient.invite_email": _("Sign-in invitation e-mailed"),
    "patient.invite_print": _("Sign-in sheet printed"),
    "patient.link": _("Patient record linked to a login"),
    "patient.unlink": _("Patient login unlinked (restored, or its e-mail address changed)"),
    # Programs and handouts
    "program.view": _("Program opened"),
    "program.history": _("Program history viewed"),
    "program.create": _("Program started"),
    "program.update": _("Program changed"),
    "template.create": _("Template created"),
    "template.update": _("Template changed"),
    "handout.download": _("Handout downloaded by staff"),
    "handout.email": _("Handout e-mailed"),
    "handout.email_queue": _("Handout e-mail queued"),
    "handout.email_confirm": _("Handout e-mail prepared"),
    "handout.patient": _("Handout downloaded by the patient"),
    "exercise.save": _("Exercise saved"),
    "exercise.copy": _("Exercise copied"),
    "exercise.photo": _("Exercise photo changed"),
    "exercise.translate": _("Exercise translation saved"),
    # Patient area
    "patient.today": _("Patient opened Today"),
    "patient.progress": _("Patient opened Progress"),
    "patient.program": _("Patient opened My program"),
    "patient.reminders": _("Patient opened their reminder settings"),
    "patient.symptoms": _("Patient opened the warning signs page"),
    "session.log": _("Exercise session logged"),
    "session.edit": _("Exercise session changed"),
    "session.view": _("Exercise session opened"),
    "morning.check": _("Next-morning check recorded"),
    "symptom.report": _("Warning sign reported by the patient"),
    "advice.view": _("Patient shown what to do about a warning sign"),
    "questionnaire.view": _("Questionnaire opened"),
    # Clinical record
    "flag.review": _("Flag reviewed"),
    "intake.update": _("Intake (referral, precautions) changed"),
    "screen.record": _("Red-flag screen recorded"),
    "screen.cleared": _("Red-flag screen: cleared to exercise"),
    "screen.referred": _("Red-flag screen: referred for medical review"),
    "precaution.keep": _("Exercise kept despite a precaution"),
    "goal.add": _("Goal set"),
    "goal.close": _("Goal marked met or not met"),
    "discharge.record": _("Patient discharged"),
    "measures.view": _("Measures viewed"),
    "measures.record": _("Measures recorded"),
    "measures.correct": _("Measure corrected"),
    "outcome.form": _("Questionnaire form opened"),
    "outcome.record": _("Questionnaire recorded"),
    "outcome.assign": _("Questionnaire assigned"),
    "outcome.schedule_end": _("Questionnaire schedule ended"),
    "outcome.withdraw": _("Questionnaire request withdrawn before it was answered"),
    "reminders.update": _("Reminders changed"),
    "reminders.unsubscribe": _("Reminders stopped from the e-mail link"),
    "digest.update": _("Weekly summary turned on or off"),
    "report.request": _("Progress report asked for"),
    "report.download": _("Progress report or discharge letter downloaded"),
    "export.csv": _("Patient data exported"),
    "export.fhir": _("Patient data exported as FHIR"),
    "patient.search": _("Patients searched"),
    "sessions.view": _("Exercise sessions listed"),
    "flags.view": _("Flags listed"),
    "outcomes.view": _("Questionnaires viewed"),
}


def record(
    actor: Actor,
    action: str,
    *,
    clinic: Clinic | None = None,
    patient: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    target_user: Any = None,
    outcome: str = AuditEvent.Outcome.OK,
) -> AuditEvent:
    """Write one audit event.

    `patient` is any object with a `uuid` and a `clinic` (the patients app passes its
    Patient); `obj` is the object acted on, stored as type name and public id only (or
    pass `object_type`/`object_id` when there is no object, e.g. a refused lookup);
    `target_user` is the account a staff event was about. The clinic is, in order: the
    one given, the patient's, the actor's.
    """
    if obj is not None:
        object_type = obj._meta.model_name
        object_id = str(getattr(obj, "uuid", None) or obj.pk)
    if clinic is None:
        clinic = patient.clinic if patient is not None else actor.clinic
    event = _event(actor, action, clinic, patient, object_type, object_id, outcome)
    event.target_user = target_user
    event.save(force_insert=True)
    return event


def _event(
    actor: Actor,
    action: str,
    clinic: Clinic | None,
    patient: Any,
    object_type: str,
    object_id: str,
    outcome: str = AuditEvent.Outcome.OK,
) -> AuditEvent:
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: add it to clinic.audit.ACTIONS.")
    return AuditEvent(
        actor=actor.user if actor.is_user else None,
        actor_role=actor.role,
        clinic=clinic,
        patient_uuid=getattr(patient, "uuid", None),
        action=action,
        object_type=_printable(object_type),
        object_id=_printable(object_id),
        ip_address=actor.ip,
        outcome=outcome,
        api_token=actor.api_token,
    )


def record_reads(actor: Actor, action: str, patients: Iterable[Any], *, object_type: str) -> None:
    """One read event per patient among `patients` (each once), in one INSERT: for answers
    that carry many patients' data at once (an API page, a FHIR searchset), so the audit
    log filtered by a patient shows every export of their data."""
    events = {}
    for patient in patients:
        event = _event(actor, action, None, patient, object_type, str(patient.uuid))
        event.clinic_id = patient.clinic_id  # the id the row holds: no query per patient
        events[patient.uuid] = event
    AuditEvent.objects.bulk_create(events.values())


def _printable(value: str) -> str:
    """A refused id is whatever the request sent: keep it readable and storable (a NUL
    byte is refused by PostgreSQL text columns, and control characters garble the log)."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(value))[:64]


def denied(actor: Actor, *, object_type: str, object_id: Any = "") -> AuditEvent:
    """A refused lookup or page, recorded the same way wherever it happens."""
    return record(
        actor,
        "access.denied",
        object_type=object_type,
        object_id=str(object_id),
        outcome=AuditEvent.Outcome.DENIED,
    )
