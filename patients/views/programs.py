"""Clinician portal: a patient's home programs (start, build, history, status)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, once, permissions
from clinic.parsing import parse_int, parse_text, parse_uuid
from patients.access import patient_or_404, patient_program_or_404
from patients.handouts import handout_email, handout_for
from patients.intake import patient_precautions
from patients.models import Patient
from patients.progressions import NotSuggested, progress_item
from patients.screening import ScreeningBlocks
from patients.services import patient_program_set_status, patient_program_start
from patients.views.documents import handout_download, large_print_choice
from programs.builder.page import builder_page
from programs.models import HandoutPrint, Program
from programs.services import ProgramCompleted, ProgramConflict, program_copy


def _chart(patient: Patient) -> str:
    return reverse("patients:patient_chart", args=[patient.uuid])


def _confirm(
    request: HttpRequest, patient: Patient, program: Program, *, title: str, text: str, button: str
):
    """Ask before a change the clinician may not expect; the same POST is sent again.
    The question names the patient and `program`, one of theirs: a read of the record,
    audited whether or not the clinician then goes ahead."""
    audit.record(request.actor, "program.view", patient=patient, obj=program)
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
@permissions.staff_required("programs.edit")
@once.replays
def program_start(request: HttpRequest, patient_uuid) -> HttpResponse:
    """Start from a template, from one of the patient's earlier programs, or blank."""
    patient = patient_or_404(request, patient_uuid)
    if not patient.is_active:
        messages.error(request, _("Restore this patient before starting a program."))
        return redirect(_chart(patient))
    source = None
    if request.POST.get("template"):
        source = (
            Program.objects.templates_for(request.clinic.pk)
            .filter(uuid=parse_uuid(request.POST["template"]))
            .first()
        )
    elif request.POST.get("copy"):
        source = Program.objects.filter(
            uuid=parse_uuid(request.POST["copy"]), assignment__patient=patient
        ).first()
    if source is None and request.POST.get("blank") != "1":
        wanted = request.POST.get("template") or request.POST.get("copy") or ""
        audit.denied(request.actor, object_type="program", object_id=wanted[:64])
        messages.error(request, _("That template or program is not available."))
        return redirect(_chart(patient))
    current = Program.objects.current_for(patient).first()
    if current is not None and request.POST.get("confirm") != "1":
        return _confirm(
            request,
            patient,
            current,
            title=_("Start “{title}”?").format(
                title=source.title if source else _("a blank program")
            ),
            text=_(
                "{name}'s current program, “{title}”, will be marked "
                "completed. It stays readable in the history, and logged sessions are kept."
            ).format(name=patient.first_name, title=current.title),
            button=_("Start the new program"),
        )
    started = []

    def start() -> str:
        started.append(patient_program_start(actor=request.actor, patient=patient, source=source))
        return reverse("patients:patient_program_edit", args=[patient.uuid, started[0].uuid])

    try:
        # The confirmation page sends the chart's token on (`_confirm`): a double click on
        # "Start the new program" starts one.
        location, first = once.send_once(once.page_key(request), start)
    except ScreeningBlocks as error:
        messages.error(request, str(error))
        return redirect(_chart(patient))
    if first:
        messages.success(
            request,
            _("“{title}” is now {name}'s program. Adjust it below.").format(
                title=started[0].title, name=patient.first_name
            ),
        )
    else:
        messages.info(request, once.ALREADY_SAVED)
    return redirect(location)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("programs.edit")
@once.replays
def program_edit(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    # The intake (the precautions) and the program's last editor (the page's "saved by")
    # come with the patient and the program.
    patient, program = patient_program_or_404(
        request, patient_uuid, program_uuid, also=("intake",), program_also=("updated_by",)
    )
    return builder_page(
        request,
        program=program,
        patient=patient,
        precautions=patient_precautions(patient),
        on_read=lambda: audit.record(request.actor, "program.view", patient=patient, obj=program),
        heading=f"{program.title} · {patient.full_name}",
        back_url=_chart(patient),
        back_label=patient.full_name,
        done_url=_chart(patient),
    )


# A program adjusted at every visit for months has many revisions.
HISTORY_PAGE_SIZE = 20


@never_cache
@require_GET
@permissions.staff_required("clinical.view")
def program_history(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = patient_program_or_404(request, patient_uuid, program_uuid)
    audit.record(request.actor, "program.history", patient=patient, obj=program)
    revisions = (
        program.revisions.select_related("created_by")
        .prefetch_related(
            Prefetch("prints", queryset=HandoutPrint.objects.select_related("printed_by"))
        )
        .order_by("-number")
    )
    # Each revision carries its own summary of what changed from the one before (written
    # as it was saved): a page boundary between the two loses nothing.
    page = Paginator(revisions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinician/program_history.html",
        {"patient": patient, "program": program, "page": page, "revisions": page.object_list},
    )


@require_POST
@permissions.staff_required("programs.edit")
def program_status(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = patient_program_or_404(request, patient_uuid, program_uuid)
    status = request.POST.get("status")
    if status not in Program.Status.values:
        messages.error(request, _("Choose a different status."))
        return redirect(_chart(patient))
    if status == program.status:
        # Sent twice (a double click, two tabs): what was asked is done.
        messages.info(
            request,
            _("The program is already {status}.").format(
                status=Program.Status(status).label.lower()
            ),
        )
        return redirect(_chart(patient))
    if status == Program.Status.COMPLETED and request.POST.get("confirm") != "1":
        return _confirm(
            request,
            patient,
            program,
            title=_("Mark “{title}” as completed?").format(title=program.title),
            text=_(
                "The patient will no longer see it as their current program. It stays in the "
                "history, and you can start it again from there."
            ),
            button=_("Mark completed"),
        )
    try:
        patient_program_set_status(
            actor=request.actor, patient=patient, program=program, status=status
        )
    except (ProgramConflict, ProgramCompleted) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The program is now {status}.").format(status=Program.Status(status).label.lower()),
        )
    return redirect(_chart(patient))


@require_POST
@permissions.staff_required("programs.edit")
@once.replays
def program_save_as_template(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    # A copy for the clinic's templates changes nothing of the (maybe archived) record.
    patient, program = patient_program_or_404(
        request, patient_uuid, program_uuid, archived_changes=True
    )
    title = parse_text(request.POST.get("title"), 120) or program.title
    if patient.named_in(title):
        # The whole clinic sees its templates, and starts them for other patients. The
        # form comes back with the name as typed, to be mended rather than typed again.
        error = _(
            "A template is seen by everyone in your clinic: give it a name without the "
            "patient's name."
        )
        audit.record(request.actor, "patient.view", patient=patient, obj=patient)
        return render(
            request,
            "clinician/program_save_as_template.html",
            {"patient": patient, "program": program, "title": title, "error": error},
        )

    def save() -> str:
        program_copy(
            source=program,
            clinic=request.clinic,
            actor=request.actor,
            as_template=True,
            title=title,
            patient=patient,
        )
        return _chart(patient)

    saved = _(
        "Saved “{title}” as a template for your clinic, with its exercises and doses. The "
        "goal and the notes written for this patient were not copied."
    ).format(title=title)
    return once.saved_once(request, save, saved)


@never_cache
@require_GET
@permissions.staff_required("handouts.print")
def program_handout(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    patient, program = patient_program_or_404(request, patient_uuid, program_uuid)
    # The handout is in the patient's language; ?language=en is the clinician's English
    # copy of the same revision, to read beside it.
    language = "en" if request.GET.get("language") == "en" else None
    return handout_download(
        request,
        handout_for(patient, program, large_print_choice(request), language),
        channel=HandoutPrint.Channel.DOWNLOAD,
        layout="clinician/layout.html",
        back_url=_chart(patient),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("handouts.print")
@once.replays
def program_handout_email(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    """GET asks for confirmation; POST queues the handout for the patient's e-mail. The
    chart shows whether it was sent, is retrying or failed."""
    patient, program = patient_program_or_404(request, patient_uuid, program_uuid)
    if not patient.email:
        messages.error(request, _("Add the patient's e-mail address first."))
        return redirect(_chart(patient))
    handout = handout_for(patient, program, large_print_choice(request))
    if request.method == "GET":
        audit.record(request.actor, "handout.email_confirm", patient=patient, obj=program)
        return render(
            request,
            "clinician/handout_email_confirm.html",
            {"patient": patient, "program": program, "large": handout.large_print},
        )

    def send() -> str:
        handout_email(actor=request.actor, handout=handout)
        return _chart(patient)

    saved = _(
        "The handout will be e-mailed to {email}. Its progress shows under “E-mails” on this page."
    ).format(email=patient.email)
    return once.saved_once(request, send, saved)


@require_POST
@permissions.staff_required("programs.edit")
def program_progress(request: HttpRequest, patient_uuid, program_uuid) -> HttpResponse:
    """Swap a suggested exercise for its harder version (one click on the chart)."""
    patient, program = patient_program_or_404(request, patient_uuid, program_uuid)
    try:
        _saved, done = progress_item(
            actor=request.actor,
            patient=patient,
            program=program,
            item_id=parse_int(request.POST.get("item"), -1),
            expected_revision=parse_int(request.POST.get("revision"), -1),
        )
    except (NotSuggested, ProgramConflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "{name} is now {harder}, with its own amounts. Check the dose in the builder."
            ).format(name=done.item.exercise.name, harder=done.harder.name),
        )
    return redirect(_chart(patient))
