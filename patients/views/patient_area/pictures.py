"""A clinic's own exercise photo in the patient's program, served to the patient."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from clinic import permissions
from clinic.parsing import parse_uuid
from clinic.storage import upload_response
from patients.practice_log import current_program
from programs.models import Exercise


def _program_exercise_or_404(request: HttpRequest, value) -> Exercise:
    """An exercise of the patient's current program: the only one whose pictures their
    pages show (of a finished one they are shown its stop rules only). The exercise is
    named by its library id, never by anything of the record, and looked up through their
    own program only: no other patient's program, no other clinic's library."""
    key = parse_uuid(value)
    program = current_program(request.patient) if key else None
    item = (
        program.items.filter(exercise__uuid=key).select_related("exercise").first()
        if program
        else None
    )
    # A clinic's exercise in another clinic's program: never served, whatever put it there.
    if item is None or item.exercise.clinic_id not in (None, request.patient.clinic_id):
        raise permissions.not_found(request, "exercise", value)
    return item.exercise


@require_GET
@permissions.patient_required
def exercise_photo(request: HttpRequest) -> HttpResponse:
    """The staff route (programs:exercise_photo) is the library's, for staff only; the
    patient's pages point here (programs/templatetags/exercise_pictures.py). Served as
    that route serves it. Not audited on success, like that route: a library photo is no
    patient data, and the page that shows it records the read."""
    return upload_response(_program_exercise_or_404(request, request.GET.get("exercise", "")).photo)
