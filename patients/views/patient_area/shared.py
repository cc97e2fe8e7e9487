"""What the patient area's pages share: the program's items in the patient's language, the
stop box's rules, and the audit record of a page read."""

from __future__ import annotations

from django.db.models import Max
from django.http import HttpRequest
from django.utils import translation

from clinic import audit
from programs.localized import localize_items, prefetch_for
from programs.models import HandoutPrint, Program
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


def sheet_out_of_date(program: Program | None) -> bool:
    """Whether the newest exercise sheet made of this program (printed or downloaded by
    staff, e-mailed, downloaded by the patient) is of an earlier revision: the patient may
    be following paper that no longer says what to do, and nothing told them (found by the
    dose review). No query for a program never revised."""
    if program is None or program.revision == 1:
        return False
    newest = HandoutPrint.objects.filter(revision__program=program).aggregate(
        number=Max("revision__number")
    )["number"]
    return newest is not None and newest < program.revision
