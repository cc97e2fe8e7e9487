"""Patient area. No view here takes an object id: everything is the logged-in patient's own."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import audit, permissions
from clinic.pdf import PdfError, pdf_response
from patients.handouts import patient_handout
from programs.models import HandoutPrint, Program


@require_GET
@never_cache
@permissions.patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    audit.record(
        actor=request.user,
        role="patient",
        action="patient.self_view",
        patient=patient,
        request=request,
    )
    program = Program.objects.filter(
        assignment__patient=patient, status__in=[Program.Status.ACTIVE, Program.Status.PAUSED]
    ).first()
    return render(
        request,
        "patient/home.html",
        {"patient": patient, "clinic": patient.clinic, "program": program},
    )


@never_cache
@require_GET
@permissions.patient_required
def my_handout(request: HttpRequest) -> HttpResponse:
    """The patient's own current program as a PDF. No ids: always their own."""
    patient = request.patient
    program = Program.objects.filter(
        assignment__patient=patient, status__in=[Program.Status.ACTIVE, Program.Status.PAUSED]
    ).first()
    if program is None:
        messages.info(request, "You have no exercise program yet.")
        return redirect("patient_home")
    try:
        pdf, filename = patient_handout(
            patient=patient,
            program=program,
            actor=request.user,
            role="patient",
            channel=HandoutPrint.Channel.PATIENT,
            base_url=f"{request.scheme}://{request.get_host()}",
            large_print=request.GET.get("large") == "1",
            request=request,
        )
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("patient_home")
    return pdf_response(pdf, filename)
