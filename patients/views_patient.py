"""Patient area. No view here takes an object id: everything is the logged-in patient's own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import audit, permissions


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
    return render(request, "patient/home.html", {"patient": patient, "clinic": patient.clinic})
