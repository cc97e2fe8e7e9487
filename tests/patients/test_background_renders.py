"""Handouts and reports are made by the task worker, never in a web request: ready
before anyone asks, one render however many ask, a quick "being prepared" page when
they are not ready yet, and nothing left waiting for ever."""

from __future__ import annotations

import html
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import TestCase
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from clinic.actors import Actor
from clinic.models import RenderJob
from patients.handouts import handout_for
from patients.models import Patient
from patients.services import patient_update
from programs import handout_render
from programs.models import HandoutPrint
from programs.services import program_save
from tests.conftest import (
    failed_render_page,
    get_document,
    make_patient,
    run_on_new_sqlite,
    run_tasks,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def program_start_commits() -> bool:
    """The program's start queues its first handout's render: these tests need it queued."""
    return True


def handout_url(patient, program, query="") -> str:
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf{query}"


def no_renders(monkeypatch) -> None:
    monkeypatch.setattr(
        handout_render, "render_handout", lambda **kwargs: pytest.fail("rendered again")
    )


def test_a_saved_revision_is_rendered_ahead_and_downloaded_without_a_render(
    monkeypatch, membership_a, as_clinician_a, patient_a1, program_a1
):
    run_tasks()  # revision 1's handout
    items = [{"id": i.pk, "exercise": i.exercise, "reps": 12} for i in program_a1.items.all()]
    with TestCase.captureOnCommitCallbacks(execute=True):
        program_save(
            program=program_a1,
            actor=Actor.for_member(membership_a),
            expected_revision=1,
            fields={},
            items=items,
        )
    job = RenderJob.objects.get(status="queued")
    assert job.kind == "handout" and job.patient_uuid == patient_a1.uuid
    run_tasks()  # the worker, not a request, renders revision 2
    job.refresh_from_db()
    assert job.status == "done" and default_storage.exists(job.storage_name)
    no_renders(monkeypatch)
    response = as_clinician_a.get(handout_url(patient_a1, program_a1))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.getvalue().startswith(b"%PDF-")
    assert "r2" in response["Content-Disposition"]
    assert HandoutPrint.objects.get().revision.number == 2


def test_the_handout_is_made_again_when_the_patient_or_the_clinic_changes(
    admin_a, membership_a, patient_a1, program_a1
):
    run_tasks()
    first = handout_for(Patient.objects.get(pk=patient_a1.pk), program_a1)
    assert first.ready  # a new program's first handout is rendered ahead too
    first = first.storage_name
    with TestCase.captureOnCommitCallbacks(execute=True):
        patient_update(actor=Actor.for_member(membership_a), patient=patient_a1, large_print=True)
    large = handout_for(Patient.objects.get(pk=patient_a1.pk), program_a1)
    assert large.large_print and large.storage_name != first
    assert RenderJob.objects.filter(storage_name=large.storage_name, status="queued").exists()
    run_tasks()
    assert large.ready
    # New branding: every patient's handout again, in the worker.
    from clinic.models import Membership
    from clinic.services import clinic_update

    admin = Actor.for_member(Membership.objects.get(user=admin_a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        clinic_update(actor=admin, fields={"handout_footer": "Closed on Sundays"})
    run_tasks()  # the clinic-wide task, which queues each patient's render
    run_tasks()
    rebranded = handout_for(Patient.objects.get(pk=patient_a1.pk), program_a1)
    assert rebranded.storage_name != large.storage_name and rebranded.ready


def test_without_a_worker_a_download_answers_at_once_with_a_page_that_checks_again(
    as_clinician_a, patient_a1, program_a1
):
    # As if the program had been started before renders were queued ahead.
    RenderJob.objects.all().delete()
    DBTaskResult.objects.all().delete()
    started = time.perf_counter()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = as_clinician_a.get(handout_url(patient_a1, program_a1, "?large=1"))
    took = time.perf_counter() - started
    assert response.status_code == 202 and took < 1.0
    page = response.content.decode()
    assert "Your handout is being prepared" in page
    assert 'http-equiv="refresh"' in page and "prepared=1" in page and "large=1" in page
    # The script checks the same address (and rides out a failed check); the refresh is
    # for browsers without scripting.
    assert "document-check.js" in page and 'data-check-url="' in page
    assert "Okafor" not in page
    assert not HandoutPrint.objects.exists()  # nothing was handed out yet
    # Its task waits on the renders queue for the worker.
    task = DBTaskResult.objects.get()
    assert task.queue_name == "renders" and task.task_path == "patients.tasks.render_document"
    # Asking again starts nothing new.
    with TestCase.captureOnCommitCallbacks(execute=True):
        as_clinician_a.get(handout_url(patient_a1, program_a1, "?large=1&prepared=1"))
    assert RenderJob.objects.count() == 1 and DBTaskResult.objects.count() == 1
    run_tasks()
    ready = as_clinician_a.get(handout_url(patient_a1, program_a1, "?large=1&prepared=1"))
    assert ready.status_code == 200 and "Your handout is ready" in ready.content.decode()
    assert not HandoutPrint.objects.exists()
    download = get_document(as_clinician_a, handout_url(patient_a1, program_a1, "?large=1"))
    assert download["Content-Type"] == "application/pdf"
    assert HandoutPrint.objects.get().large_print is True


def test_a_failed_render_says_so_and_can_be_tried_again(
    monkeypatch, as_patient_a1, patient_a1, program_a1
):
    from clinic.lib.pdf import PdfError

    failed = failed_render_page(as_patient_a1, monkeypatch, PdfError("for the log"))
    page = failed.content.decode()
    assert failed.status_code == 200 and "could not be prepared" in page
    assert "Try again" in page and "refresh" not in page  # no endless reloading
    assert "document-check.js" not in page and "data-check-url" not in page
    assert RenderJob.objects.get().status == "failed"
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        retry = as_patient_a1.get("/me/handout.pdf?prepared=1&retry=1")
    assert retry.status_code == 202 and RenderJob.objects.count() == 2
    run_tasks()
    assert get_document(as_patient_a1, "/me/handout.pdf")["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("raised", "why"),
    [
        ("PdfTimeout", RenderJob.Failure.TOO_SLOW),
        ("PdfTooLarge", RenderJob.Failure.TOO_LARGE),
        ("PdfError", RenderJob.Failure.BROKEN),
    ],
)
def test_a_failed_render_says_why_in_the_readers_language(
    monkeypatch, as_patient_a1, patient_a1, program_a1, raised, why, language
):
    """The reason is stored as a code and told when the page is drawn: a Spanish reader
    is not shown the worker's English."""
    from clinic.lib import pdf

    Patient.objects.filter(pk=patient_a1.pk).update(preferred_language=language)
    error = getattr(pdf, raised)("for the log only")
    page = failed_render_page(as_patient_a1, monkeypatch, error).content.decode()
    assert set(RenderJob.objects.values_list("error", flat=True)) == {why}
    with translation.override(language):
        said = str(why.label)
    assert html.escape(said) in page and "for the log only" not in page
    if language != "en":
        assert str(why.label) not in page


def test_a_pdf_the_disk_refuses_to_store_is_failed_at_once_not_being_prepared(
    monkeypatch, as_patient_a1, patient_a1, program_a1
):
    """The render worked but the disk is full: the page says so at once (and offers to try
    again), rather than "being prepared" until the job is too old."""
    import errno

    monkeypatch.setattr(handout_render, "render_handout", lambda **kwargs: b"%PDF-1.7 fake")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(default_storage, "save", no_space)
    with TestCase.captureOnCommitCallbacks(execute=True):
        as_patient_a1.get("/me/handout.pdf")
    run_tasks()
    job = RenderJob.objects.get()
    assert (job.status, job.error) == ("failed", RenderJob.Failure.NOT_STORED)
    page = as_patient_a1.get("/me/handout.pdf?prepared=1").content.decode()
    assert "could not be saved on the server" in page and "Try again" in page


def test_a_job_lost_with_its_worker_is_not_waited_for_for_ever(
    as_clinician_a, patient_a1, program_a1
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        as_clinician_a.get(handout_url(patient_a1, program_a1))
    DBTaskResult.objects.all().delete()  # the worker died with it
    lost = RenderJob.objects.get()
    RenderJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = as_clinician_a.get(handout_url(patient_a1, program_a1))
    assert response.status_code == 202
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error == RenderJob.Failure.TOO_SLOW
    assert RenderJob.objects.filter(status="queued").count() == 1
    run_tasks()
    assert get_document(as_clinician_a, handout_url(patient_a1, program_a1)).status_code == 200


def test_a_job_for_something_that_changed_meanwhile_stores_nothing_wrong(
    membership_a, as_clinician_a, patient_a1, program_a1
):
    """The job names the file of the handout as it was; rendering today's data into that
    name would serve the new content under the old key (or the old to someone else)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        as_clinician_a.get(handout_url(patient_a1, program_a1))
    Patient.objects.filter(pk=patient_a1.pk).update(first_name="Renamed")
    run_tasks()
    job = RenderJob.objects.get()
    assert job.status == "failed" and not default_storage.exists(job.storage_name)


def test_ten_people_asking_at_once_for_a_new_handout_cause_one_render(new_sqlite, tmp_path):
    done, result = run_on_new_sqlite(new_sqlite, tmp_path, "tests.concurrent_downloads")
    assert result["errors"] == [] and result["statuses"] == [202] * 10, done.stderr[-3000:]
    assert (result["jobs"], result["tasks"]) == (1, 1)


def test_the_web_process_never_imports_the_renderer():
    """Every URL module and view loaded, as a web worker does: WeasyPrint, CairoSVG and
    the handout renderer stay out of it (they are the worker's)."""
    code = (
        "import django, os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'clinic.settings')\n"
        "django.setup()\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        "import clinic.wsgi\n"
        "heavy = [m for m in ('weasyprint', 'cairosvg', 'clinic.lib.pdf',"
        " 'programs.handout_render') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


def test_the_progress_report_is_made_by_the_worker_and_audited_when_downloaded(
    as_clinician_a, as_clinician_b, patient_a1
):
    from clinic.models import AuditEvent

    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = as_clinician_a.post(
            f"/portal/patients/{patient_a1.uuid}/report/",
            {"start": "2026-01-01", "end": timezone.localdate().isoformat(), "narrative": "OK"},
        )
    assert asked.status_code == 302
    page = as_clinician_a.get(asked["Location"])
    assert page.status_code == 202 and "progress report is being prepared" in page.content.decode()
    assert AuditEvent.objects.filter(action="report.request").exists()
    assert not AuditEvent.objects.filter(action="report.download").exists()
    run_tasks()
    pdf = get_document(as_clinician_a, asked["Location"])
    assert pdf["Content-Type"] == "application/pdf" and "no-store" in pdf["Cache-Control"]
    assert AuditEvent.objects.filter(action="report.download").count() == 1
    # Another clinic's clinician gets the same 404 as for any unknown address.
    assert as_clinician_b.get(asked["Location"]).status_code == 404


def test_the_purge_keeps_current_handouts_and_removes_stale_ones_and_old_reports(
    membership_a, as_clinician_a, patient_a1, program_a1
):
    import os as os_module

    from patients.tasks import documents_purge

    run_tasks()  # the current handout, rendered ahead
    current = handout_for(Patient.objects.get(pk=patient_a1.pk), program_a1).storage_name
    stale = f"handouts/{patient_a1.clinic.uuid}/{'0' * 64}.pdf"
    fresh_stale = f"handouts/{patient_a1.clinic.uuid}/{'1' * 64}.pdf"
    old_report = f"reports/{patient_a1.clinic.uuid}/old.pdf"
    new_report = f"reports/{patient_a1.clinic.uuid}/new.pdf"
    for name in (stale, fresh_stale, old_report, new_report):
        default_storage.save(name, ContentFile(b"%PDF-1.7"))
    # Every file's time is set: the purge reads the files' times against the clock, and
    # the file system's own clock need not be the app's (`--clock` moves only the app's).
    now = time.time()
    three_days_ago = now - 3 * 24 * 3600
    for name in (fresh_stale, new_report):
        os_module.utime(default_storage.path(name), (now, now))
    for name in (current, stale, old_report):
        os_module.utime(default_storage.path(name), (three_days_ago, three_days_ago))
    old_job = RenderJob.objects.create(
        clinic=patient_a1.clinic, kind="report", storage_name=old_report, filename="r.pdf"
    )
    RenderJob.objects.filter(pk=old_job.pk).update(created_at=timezone.now() - timedelta(days=40))
    removed = documents_purge.call()
    assert removed == {"handouts": 1, "reports": 1, "jobs": 1}
    assert default_storage.exists(current)  # old, but what the patient's program shows
    assert default_storage.exists(fresh_stale) and default_storage.exists(new_report)
    assert not default_storage.exists(stale) and not default_storage.exists(old_report)


def test_a_report_starting_before_any_record_is_refused_at_once(as_clinician_a, patient_a1):
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/report/",
        {"start": "0001-01-01", "end": "0002-12-01", "narrative": ""},
    )
    assert response.status_code == 200 and "Choose a start from 2000 on." in response.text
    assert not RenderJob.objects.exists()


def test_handouts_read_for_many_patients_at_once_are_the_ones_read_one_by_one(
    membership_a, clinician_b, patient_a1, program_a1, patient_a2, patient_b1, clinic_a
):
    """The purge and a clinic's re-render read every active patient's current handout in
    a few queries per chunk; each must be the handout a download would ask for, in every
    case where one patient's handout differs from another's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clinic.models import Membership
    from patients.handouts import current_handouts
    from patients.practice_log import current_program
    from patients.services import patient_program_start
    from programs.models import Program

    def start(patient, membership):
        return patient_program_start(
            actor=Actor.for_member(membership),
            patient=patient,
            source=Program.objects.get(template_key="knee-basics"),
        )

    # Arlo reads Spanish in large print, and his program is paused; Bea's clinician has
    # left her clinic; Cy has no program.
    Patient.objects.filter(pk=patient_a2.pk).update(preferred_language="es", large_print=True)
    Program.objects.filter(pk=start(patient_a2, membership_a).pk).update(status="paused")
    start(patient_b1, Membership.objects.get(user=clinician_b))
    Membership.objects.filter(user=clinician_b).update(is_active=False)
    cy = make_patient(clinic_a, "Cy", "Lee", login=False)
    patients = list(
        Patient.objects.filter(pk__in=[patient_a1.pk, patient_a2.pk, patient_b1.pk, cy.pk])
        .select_related("clinic", "clinician")
        .order_by("pk")
    )

    def key(handout):
        return (
            handout.patient.pk,
            handout.program.pk,
            handout.revision.pk,
            handout.large_print,
            handout.language,
            handout.storage_name,
            handout.filename,
        )

    one_by_one = set()
    for patient in patients:
        if (program := current_program(patient)) is not None:
            for large in (False, True):
                for language in {patient.reads_language, "en"}:
                    one_by_one.add(key(handout_for(patient, program, large, language)))
    own = {
        key(handout_for(patient, program))
        for patient in patients
        if (program := current_program(patient)) is not None
    }
    with CaptureQueriesContext(connection) as queries:
        every = {key(handout) for handout in current_handouts(patients, every_variant=True)}
    # Programs, their revisions, who is on staff, and the exercises' changes in each
    # language (English and Spanish): the same for 4 patients as for 500.
    assert len(queries) == 5, [q["sql"] for q in queries]
    assert every == one_by_one and len(every) == 2 * 2 + 2 * 1 + 2 * 1
    assert {key(handout) for handout in current_handouts(patients)} == own
    assert {key(handout) for handout in current_handouts(patients, chunk=1)} == own
    # The paused program counts; Arlo's own handout is in his language and print size.
    by_patient = {handout.patient.pk: handout for handout in current_handouts(patients)}
    assert set(by_patient) == {patient_a1.pk, patient_a2.pk, patient_b1.pk}
    assert (by_patient[patient_a2.pk].language, by_patient[patient_a2.pk].large_print) == (
        "es",
        True,
    )
