"""A clinic's own exercise photo in the patient's program, served to the patient."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic import permissions
from clinic.parsing import parse_uuid
from clinic.storage import upload_response
from patients.models import SessionEntry, SessionLog
from patients.practice_log import EDIT_WINDOW, current_program
from programs.models import Exercise


def _program_exercise_or_404(request: HttpRequest, value) -> Exercise:
    """An exercise the patient's pages show with its picture: one of their current
    program's, or of a session they may still change (its edit page shows the exercises
    as prescribed when it was done: one taken out of the program since is still on it).
    Named by its library id, looked up through their own program and sessions only: no
    other patient's, no other clinic's library."""
    key = parse_uuid(value)
    exercise = _shown_to(request.patient, key) if key else None
    # A clinic's exercise in another clinic's program: never served, whatever put it there.
    if exercise is None or exercise.clinic_id not in (None, request.patient.clinic_id):
        raise permissions.not_found(request, "exercise", value)
    return exercise


def _shown_to(patient, key) -> Exercise | None:
    program = current_program(patient)
    item = (
        program.items.filter(exercise__uuid=key).select_related("exercise").first()
        if program
        else None
    )
    if item is not None:
        return item.exercise
    # The sessions' exercises as prescribed then (their revisions, as session_rows reads
    # them) and as logged: at most three reads, however many sessions the day holds.
    changeable = SessionLog.objects.filter(
        patient=patient, logged_at__gte=timezone.now() - EDIT_WINDOW
    )
    prescribed = {
        row["exercise"]
        for snapshot in changeable.values_list("revision__snapshot", flat=True)
        for row in snapshot.get("items", [])
    }
    if (
        str(key) in prescribed
        or SessionEntry.objects.filter(session__in=changeable, exercise__uuid=key).exists()
    ):
        return Exercise.objects.filter(uuid=key).first()
    return None


@require_GET
@permissions.patient_required
def exercise_photo(request: HttpRequest) -> HttpResponse:
    """The staff route (programs:exercise_photo) is the library's, for staff only; the
    patient's pages point here (programs/templatetags/exercise_pictures.py). Served as
    that route serves it. Not audited on success, like that route: a library photo is no
    patient data, and the page that shows it records the read."""
    return upload_response(_program_exercise_or_404(request, request.GET.get("exercise", "")).photo)
