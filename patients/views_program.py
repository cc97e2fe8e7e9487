"""Clinician portal: a patient's home programs (start, build, history, status)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, permissions
from clinic.models import AuditEvent
from clinic.pdf import PdfError, pdf_response
from patients.handouts import patient_handout, send_handout_email
from patients.models import Patient
from patients.services import patient_program_start
from patients.sessions import patient_refresh_prescription
from programs.builder_view import builder_page
from programs.models import HandoutPrint, Program
from programs.services import ProgramConflict, program_copy, program_set_status


def _patient(request: HttpRequest, patient_uuid) -> Patient:
    return permissions.get_in_clinic_or_404(
        request, Patient.objects.select_related("clinic"), uuid=patient_uuid
    )


def _patient_program(request: HttpRequest, patient_uuid, program_uuid) -> tuple[Patient, Program]:
    patient = _patient(request, patient_uuid)
    program = Program.objects.filter(uuid=program_uuid, assignment__patient=patient).first()
    if program is None:
        audit.record(
            actor=request.user,
            role=request.membership.role,
            action="access.denied",
            clinic=request.clinic,
            outcome=AuditEvent.Outcome.DENIED,
            object_type="program",
            object_id=str(program_uuid),
            request=request,
        )
        raise Http404
    return patient, program


def _chart(patient: Patient) -> str:
    return reverse("patient_chart", args=[patient.uuid])


def _confirm(request: HttpRequest, patient: Patient, *, title: str, text: str, button: str):
    """Ask before a change the clinician may not expect; the same POST is sent again."""
    hidden = [
        (k, v) for k, v in request.POST.items() if k not in {"csrfmiddlewaretoken", "confirm"}
    ]
    return render(
        request,
        "clinician/confirm.html",
        {
            "patient": patient,
            "title": title,
            "text": text,
            "button": button,
            "hidden": hidden,
            "cancel_url": _chart(patient),
        },
    )


@require_POST
@permissions.staff_required
def program_start(request: HttpRequest, patient_uuid) -> HttpResponse:
    """Start from a template, from one of the patient's earlier programs, or blank."""
    patient = _patient(request, patient_uuid)
    if not patient.is_active:
        messages.error(request, "Restore this patient before starting a program.")
        return redirect(_chart(patient))
    source = None
    if request.POST.get("template"):
        source = (
            Program.objects.templates_for(request.clinic.pk)
            .filter(uuid=_uuid(request.POST["template"]))
            .first()
        )
    elif request.POST.get("copy"):
        source = Program.objects.filter(
            uuid=_uuid(request.POST["copy"]), assignment__patient=patient
        ).first()
    if source is None and request.POST.get("blank") != "1":
        messages.error(request, "That template or program is not available.")
        return redirect(_chart(patient))
    current = Program.objects.filter(
        assignment__patient=patient, status__in=[Program.Status.ACTIVE, Program.Status.PAUSED]
    ).first()
    if current is not None and request.POST.get("confirm") != "1":
        return _confirm(
            request,
            patient,
            title=f"Start “{source.title if source else 'a blank program'}”?",
            text=(
                f"{patient.first_name}'s current program, “{current.title}”, will be marked "
                "completed. It stays readable in the history, and logged sessions are kept."
            ),
            button="Start the new program",
        )
    program = patient_program_start(
        membership=request.membership, patient=patient, source=source, request=request
    )
    messages.success(
        request, f"“{program.title}” is now {patient.first_name}'s program. Adjust it below."
    )
    return redirect("patient_program_edit", patient_uuid=patient.uuid, program_uuid=program.uuid)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def program_edit(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = _patient_program(request, patient_uuid, program_uuid)
    if request.method == "GET":
        audit.by_staff(
            request.membership, "program.view", patient=patient, obj=program, request=request
        )
    return builder_page(
        request,
        program=program,
        patient=patient,
        heading=f"{program.title} · {patient.full_name}",
        back_url=_chart(patient),
        done_url=_chart(patient),
        on_saved=lambda _program: patient_refresh_prescription(patient),
    )


@never_cache
@require_GET
@permissions.staff_required
def program_history(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = _patient_program(request, patient_uuid, program_uuid)
    audit.by_staff(
        request.membership, "program.history", patient=patient, obj=program, request=request
    )
    revisions = (
        program.revisions.select_related("created_by")
        .prefetch_related(
            Prefetch("prints", queryset=HandoutPrint.objects.select_related("printed_by"))
        )
        .order_by("-number")
    )
    return render(
        request,
        "clinician/program_history.html",
        {"patient": patient, "program": program, "revisions": revisions},
    )


@require_POST
@permissions.staff_required
def program_status(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = _patient_program(request, patient_uuid, program_uuid)
    status = request.POST.get("status")
    if status not in Program.Status.values or status == program.status:
        messages.error(request, "Choose a different status.")
        return redirect(_chart(patient))
    if status == Program.Status.COMPLETED and request.POST.get("confirm") != "1":
        return _confirm(
            request,
            patient,
            title=f"Mark “{program.title}” as completed?",
            text=(
                "The patient will no longer see it as their current program. It stays in the "
                "history, and you can start it again from there."
            ),
            button="Mark completed",
        )
    try:
        program_set_status(
            program=program,
            membership=request.membership,
            status=status,
            patient=patient,
            request=request,
        )
    except ProgramConflict as error:
        messages.error(request, str(error))
    else:
        patient_refresh_prescription(patient)
        messages.success(request, f"The program is now {Program.Status(status).label.lower()}.")
    return redirect(_chart(patient))


@require_POST
@permissions.staff_required
def program_save_as_template(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = _patient_program(request, patient_uuid, program_uuid)
    title = (request.POST.get("title") or program.title).strip()[:120] or program.title
    template = program_copy(
        source=program,
        clinic=request.clinic,
        membership=request.membership,
        as_template=True,
        title=title,
        patient=patient,
        request=request,
    )
    messages.success(request, f"Saved “{template.title}” as a template for your clinic.")
    return redirect(_chart(patient))


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@never_cache
@require_GET
@permissions.staff_required
def program_handout(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = _patient_program(request, patient_uuid, program_uuid)
    try:
        pdf, filename = patient_handout(
            patient=patient,
            program=program,
            actor=request.user,
            role=request.membership.role,
            channel=HandoutPrint.Channel.DOWNLOAD,
            base_url=_base_url(request),
            large_print=request.GET.get("large") == "1",
            request=request,
        )
    except PdfError as error:
        messages.error(request, str(error))
        return redirect(_chart(patient))
    return pdf_response(pdf, filename)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required
def program_handout_email(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    """GET asks for confirmation; POST e-mails the handout as an attachment."""
    patient, program = _patient_program(request, patient_uuid, program_uuid)
    if not patient.email:
        messages.error(request, "Add the patient's e-mail address first.")
        return redirect(_chart(patient))
    large = request.POST.get("large", request.GET.get("large")) == "1"
    if request.method == "GET":
        audit.by_staff(
            request.membership,
            "handout.email_confirm",
            patient=patient,
            obj=program,
            request=request,
        )
        return render(
            request,
            "clinician/handout_email_confirm.html",
            {"patient": patient, "program": program, "large": large},
        )
    try:
        pdf, filename = patient_handout(
            patient=patient,
            program=program,
            actor=request.user,
            role=request.membership.role,
            channel=HandoutPrint.Channel.EMAIL,
            base_url=_base_url(request),
            large_print=large,
            request=request,
        )
    except PdfError as error:
        messages.error(request, str(error))
        return redirect(_chart(patient))
    send_handout_email(patient=patient, pdf=pdf, filename=filename)
    messages.success(request, f"The handout was e-mailed to {patient.email}.")
    return redirect(_chart(patient))
