"""Handout and report downloads: the stored PDF, or a "being prepared" page while the
task worker makes it (clinic.documents). No PDF is ever rendered here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import audit, permissions
from clinic.documents import document_response, render_again
from clinic.models import RenderJob
from clinic.permissions import get_in_clinic_or_404
from patients.access import patient_or_404
from patients.handouts import Handout, handout_render, handout_served


def large_print_choice(request: HttpRequest) -> bool | None:
    """large=1 or large=0 (in the form, or the address) picks the print size; without
    it, the patient's own."""
    value = request.POST.get("large", request.GET.get("large", ""))
    return {"1": True, "0": False}.get(value)


def handout_download(
    request: HttpRequest, handout: Handout, *, channel: str, layout: str, back_url: str
) -> HttpResponse:
    return document_response(
        request,
        storage_name=handout.storage_name,
        filename=handout.filename,
        start=lambda: handout_render(handout, requested_by=request.user),
        served=lambda: handout_served(actor=request.actor, handout=handout, channel=channel),
        layout=layout,
        what=gettext("handout"),
        back_url=back_url,
    )


@never_cache
@require_GET
@permissions.staff_required("clinical.view")
def report_document(request: HttpRequest, patient_uuid, job_uuid) -> HttpResponse:
    """A progress report asked for on the report page, once the worker has made it."""
    patient = patient_or_404(request, patient_uuid)
    job = get_in_clinic_or_404(
        request,
        RenderJob.objects.filter(kind=RenderJob.Kind.REPORT, patient_uuid=patient.uuid),
        job_uuid,
        field="uuid",
    )

    def again() -> RenderJob:
        return render_again(job, requested_by=request.user)

    return document_response(
        request,
        storage_name=job.storage_name,
        filename=job.filename,
        start=again,
        served=lambda: audit.record(request.actor, "report.download", patient=patient),
        layout="clinician/layout.html",
        what=gettext("discharge letter")
        if job.params.get("discharge")
        else gettext("progress report"),
        back_url=reverse("patients:patient_report", args=[patient.uuid]),
    )
