"""Background work of the patients app, run by the task worker and enqueued by the
scheduler (settings.PERIODIC_TASKS). Each is safe to repeat."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import task

from clinic import documents
from clinic.models import Clinic, RenderJob
from clinic.storage import StorageFailed
from patients import adherence, caseload, digests, outcomes, practice_log, reminders


@task()
def daily_sweep() -> dict:
    """Extend the per-day plans and raise inactivity flags."""
    return {
        "plans extended": adherence.plans_extend(),
        "inactivity flags": practice_log.flags_raise_inactive(),
    }


@task()
def questionnaires_ask() -> dict:
    """Hourly: ask for the scheduled questionnaires whose date has come in the patient's
    own day (and tell patients who have reminders on). Once a day at 05:15 server time
    was the evening before for a patient west of the server, who was asked a day late."""
    asked = outcomes.outcome_schedules_run()
    return {
        "questionnaires asked": len(asked),
        "questionnaire e-mails": reminders.questionnaire_nudges(asked),
    }


@task()
def caseload_figures_refresh() -> int:
    """Hourly: the stored caseload figures of patients whose day has ended (each patient's
    own midnight, so across time zones some end every hour). The caseload also does this
    before it reads; done here, no clinician's first page of the day waits for it."""
    return caseload.refresh_stale()


@task()
def reminders_send_due() -> int:
    return reminders.reminders_send_due()


@task()
def digests_send() -> int:
    return digests.digests_send()


def _handout_pdf(job: RenderJob) -> bytes:
    from patients.handouts import handout_for, handout_people
    from patients.models import Patient
    from programs.handout_render import render_handout
    from programs.models import Program

    patient = Patient.objects.select_related("clinic", "clinician").get(
        uuid=job.patient_uuid, clinic_id=job.clinic_id
    )
    program = Program.objects.get(pk=job.params["program"], assignment__patient=patient)
    handout = handout_for(patient, program, job.params["large_print"], job.params.get("language"))
    if handout.storage_name != job.storage_name:
        # Something on it changed since it was asked for: the file this job names can no
        # longer be made; the next download asks for the new one.
        raise documents.Superseded
    return render_handout(
        program=program,
        revision=handout.revision,
        clinic=patient.clinic,
        people=handout_people(patient),
        large_print=handout.large_print,
        language=handout.language,
    )


def _report_pdf(job: RenderJob) -> bytes:
    from clinic.lib.pdf import render_pdf
    from patients.reports import report_from_job, report_html

    patient, request, author, issued = report_from_job(job)
    return render_pdf(report_html(patient, request, author=author, issued=issued)).pdf


RENDERERS = {RenderJob.Kind.HANDOUT: _handout_pdf, RenderJob.Kind.REPORT: _report_pdf}


@task(queue_name="renders")
def render_document(job_id: int) -> str:
    """Make one queued PDF and store it. Runs in the worker only: WeasyPrint is imported
    here, never by the web. No transaction is held open while it renders."""
    from clinic.lib.pdf import PdfError, PdfTimeout, PdfTooLarge

    job = documents.job_to_run(job_id)
    if job is None:
        return "nothing to do"
    # Every way out marks the job, storing included: a job left queued keeps its page
    # saying "being prepared" until it is too old (RENDER_JOB_STALE_SECONDS).
    try:
        documents.job_finished(job, RENDERERS[job.kind](job))
    except documents.Superseded:
        documents.job_failed(job, RenderJob.Failure.SUPERSEDED)
        return "superseded"
    except PdfError as error:
        why = {PdfTimeout: RenderJob.Failure.TOO_SLOW, PdfTooLarge: RenderJob.Failure.TOO_LARGE}
        documents.job_failed(job, why.get(type(error), RenderJob.Failure.BROKEN))
        return "failed"
    except StorageFailed:
        documents.job_failed(job, RenderJob.Failure.NOT_STORED)
        return "failed"
    except Exception:
        # A bug or a row gone: shown as failed (not left "being prepared"), then raised
        # so the worker records it.
        documents.job_failed(job, RenderJob.Failure.BROKEN)
        raise
    return "stored"


@task(queue_name="renders")
def handouts_prerender_clinic(clinic_id: int) -> int:
    """Every active patient's handout again: the clinic's name, logo or paper changed."""
    from patients.handouts import prerender_clinic

    clinic = Clinic.objects.filter(pk=clinic_id).first()
    return prerender_clinic(clinic) if clinic is not None else 0


# Stored handouts that no current program shows any more, and reports (asked for, then
# downloaded), are kept this long: a download or an e-mail in progress still finds them.
KEEP_STALE_HANDOUTS = timedelta(days=2)
KEEP_REPORTS = timedelta(days=1)
KEEP_RENDER_JOBS = timedelta(days=30)


@task()
def documents_purge() -> dict:
    """Delete stored PDFs no one can ask for any more: handouts that are not the current
    one of an active patient (in either print size), once stale for a while, and reports
    a day after they were made. Old job records go too."""
    from patients.handouts import current_handout_names

    now = timezone.now()
    keep = current_handout_names()
    removed = {"handouts": 0, "reports": 0}
    for kind, folder, age in (
        ("handouts", "handouts", KEEP_STALE_HANDOUTS),
        ("reports", "reports", KEEP_REPORTS),
    ):
        for path in _stored_files(folder):
            if path in keep or default_storage.get_modified_time(path) > now - age:
                continue
            default_storage.delete(path)
            removed[kind] += 1
    removed["jobs"] = RenderJob.objects.filter(created_at__lt=now - KEEP_RENDER_JOBS).delete()[0]
    return removed


def _stored_files(folder: str) -> list[str]:
    if not default_storage.exists(folder):
        return []
    clinics, _files = default_storage.listdir(folder)
    paths = []
    for clinic in clinics:
        _dirs, names = default_storage.listdir(f"{folder}/{clinic}")
        paths += [f"{folder}/{clinic}/{name}" for name in names]
    return paths
