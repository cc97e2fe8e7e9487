"""What the patient area's pages share: the program's items in the patient's language, the
stop box's rules, and the audit record of a page read."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import translation

from clinic import audit
from programs.localized import localize_items, prefetch_for
from programs.models import HandoutPrint, Program, ProgramRevision
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


# What a revision's snapshot holds that its handout prints (a paused and resumed program is
# two revisions with the same sheet). Not the dose line's wording, which changes with our
# code, nor the exercises' names, which change with the exercise (a new sheet date then).
_SHEET_KEYS = ("title", "goal", "patient_notes", "leaflets")
_NOT_ON_THE_SHEET = ("dosage", "name", "lay_name")


def _sheet_of(snapshot: dict) -> tuple:
    return (
        [snapshot.get(key) for key in _SHEET_KEYS],
        [
            {key: value for key, value in item.items() if key not in _NOT_ON_THE_SHEET}
            for item in snapshot.get("items", [])
        ],
    )


def sheet_out_of_date(program: Program | None) -> bool:
    """Whether the newest exercise sheet made of this program (printed or downloaded by
    staff, e-mailed, downloaded by the patient) says something the program no longer
    does: the patient may be following paper that no longer says what to do, and nothing
    told them (found by the dose review). Compared by what the sheet prints, not by
    revision numbers: a pause and a resume told a patient back from a flare-up that their
    sheet was wrong (found by the review of today's diff). One query, and none for a
    program never revised."""
    if program is None or program.revision == 1:
        return False
    printed = Exists(HandoutPrint.objects.filter(revision=OuterRef("pk")))
    current, *earlier = (
        ProgramRevision.objects.filter(program=program)
        .filter(Q(number=program.revision) | Q(printed))
        .annotate(printed=printed)
        .order_by("-number")
        .values_list("printed", "snapshot")[:2]
    )
    if current[0] or not earlier:  # the current sheet was made, or none ever was
        return False
    return _sheet_of(earlier[0][1]) != _sheet_of(current[1])
