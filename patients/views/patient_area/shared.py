"""What the patient area's pages share: the program's items in the patient's language, the
stop box's rules, and the audit record of a page read."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation

from clinic import audit
from programs.localized import localize_items, prefetch_for
from programs.models import Program
from programs.safety import StopRules, stop_rules_for_items


def patient_stop_rules(patient, items: list) -> StopRules:
    """The stop box's rules for these items, with the patient's clinic's emergency help."""
    return stop_rules_for_items(items, emergency=patient.clinic.emergency_help)


def audit_read(request: HttpRequest, action: str) -> None:
    audit.record(request.actor, action, patient=request.patient)


def program_items(program: Program | None, *, text: bool = True) -> list:
    """The program's items, each with `.text` in the patient's language (active here:
    clinic.permissions.patient_required). `text=False` leaves the exercises' words out:
    the session POST shows them only when its form comes back with errors (then
    localized in place)."""
    if program is None:
        return []
    items = program.items.select_related("exercise")
    if not text:
        return list(items)
    language = translation.get_language()
    return localize_items(
        items.prefetch_related(*prefetch_for(language)),
        language,
    )
