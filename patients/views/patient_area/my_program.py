"""My program: the exercises, goals and leaflets, and the program's handout."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import permissions
from patients.handouts import handout_for
from patients.models import Goal
from patients.practice_log import (
    advice_program,
    current_program,
    finished_program,
)
from patients.views.documents import handout_download, large_print_choice
from patients.views.patient_area.shared import audit_read, program_items, sheet_out_of_date
from programs.localized import leaflets_for, program_text
from programs.models import HandoutPrint, Program


@never_cache
@require_GET
@permissions.patient_required
def my_program(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    program = current_program(patient)
    finished = None if program else finished_program(patient)
    audit_read(request, "patient.program")
    return render(
        request,
        "patient/program.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "clinician": patient.clinician_to_contact(),
            "program": program,
            "finished": finished,
            # The stop rules of the program they finished: still worth knowing.
            "finished_items": program_items(finished, text=False),
            "program_text": program_text(program, translation.get_language()) if program else None,
            "items": program_items(program),
            "leaflets": leaflets_for(program.leaflets, translation.get_language())
            if program
            else [],
            # Open goals and the ones met; a goal not met is for the clinician to discuss.
            "goals": list(patient.goals.exclude(status=Goal.Status.NOT_MET)),
            "sheet_out_of_date": sheet_out_of_date(program),
            "tab": "program",
        },
    )


@never_cache
@require_GET
@permissions.patient_required
def my_handout(request: HttpRequest) -> HttpResponse:
    """The patient's own current program as a PDF, else the one they finished last (the
    exercises they were told to keep doing). No ids: always their own."""
    patient = request.patient
    program = advice_program(patient)
    if program is None:
        messages.info(request, _("You have no exercise program yet."))
        return redirect("patients:patient_home")
    if program.status == Program.Status.PAUSED:
        # A sheet of doses to carry on with, while Today refuses a session on them (a
        # queued handout e-mail of a paused program is dropped too: patients.outgoing).
        messages.warning(
            request, _("Your exercise sheet is not available while your program is paused.")
        )
        return redirect("patients:patient_program")
    return handout_download(
        request,
        handout_for(patient, program, large_print_choice(request)),
        channel=HandoutPrint.Channel.PATIENT,
        layout="patient/layout.html",
        back_url=reverse("patients:patient_program"),
    )
