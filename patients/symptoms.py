"""A patient telling us about a warning sign: the stop signs and urgent signs of their
program's body regions (programs.safety), ticked on the session form or reported on
their own.

An urgent sign raises the urgent flag, which puts the patient at the top of the caseload;
a stop sign raises a flag for the clinician to review. The patient is shown, at once,
what to do now (patients.views.patient_area.signs.advice).
"""

from __future__ import annotations

from django.db import transaction

from clinic import audit
from clinic.actors import Actor
from patients import caseload
from patients.adherence import patient_today
from patients.models import Flag, Patient
from programs.safety import StopRules

# Every sign the pages offer fits (Flag.reason); cut with a note only as a last guard.
REASON_LIMIT = Flag._meta.get_field("reason").max_length or 1500
SEPARATOR = "; "


def _reason(prefix: str, signs: list[str]) -> str:
    text = f"{prefix}: " + SEPARATOR.join(signs) + "."
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 14] + "… (see chart)."


def _signs_in(prefix: str, reason: str) -> list[str]:
    """The signs an open flag's reason lists (as _reason wrote them)."""
    listed = reason.removeprefix(f"{prefix}: ").removesuffix(".")
    return [sign for sign in listed.split(SEPARATOR) if sign]


def signs_by_kind(signs: list[str], rules: StopRules) -> tuple[list[str], list[str]]:
    """The urgent signs and the stop signs among those ticked (an urgent sign that is also
    a stop sign counts as urgent); any not in `rules` are left out."""
    urgent = [sign for sign in signs if sign in rules.urgent]
    stop = [sign for sign in signs if sign in rules.stop and sign not in urgent]
    return urgent, stop


@transaction.atomic
def symptoms_report(
    *, actor: Actor, patient: Patient, signs: list[str], rules: StopRules
) -> list[Flag]:
    """Record the signs ticked, as flags. Signs not in `rules` are ignored (the form
    offers only those). An open flag of the same kind gets the new signs added: the signs
    reported before it was reviewed, and the day it was first raised, stay on it (a
    second report replaced them, and an urgent sign left the record unread)."""
    urgent, stop = signs_by_kind(signs, rules)
    today = patient_today(patient)
    raised = []
    for kind, chosen, prefix in (
        (Flag.Kind.RED_FLAG, urgent, "Urgent sign reported by the patient"),
        (Flag.Kind.STOP_SIGN, stop, "Warning sign reported by the patient"),
    ):
        if not chosen:
            continue
        flag, created = Flag.objects.select_for_update().get_or_create(
            patient=patient,
            kind=kind,
            reviewed_at__isnull=True,
            defaults={"reason": _reason(prefix, chosen), "raised_on": today},
        )
        if not created:
            earlier = _signs_in(prefix, flag.reason)
            signs = earlier + [sign for sign in chosen if sign not in earlier]
            if signs != earlier:
                flag.reason = _reason(prefix, signs)
                flag.save(update_fields=["reason", "updated_at"])
        raised.append(flag)
        audit.record(actor, "symptom.report", patient=patient, obj=flag)
    if raised:
        caseload.refresh_one(patient, active=True)
    return raised
