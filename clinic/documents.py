"""PDFs made by the task worker and served as stored files.

The web process never renders a PDF (nor imports WeasyPrint): it asks for one by the
storage name its content decides, and either serves the stored file or answers at once
with a "being prepared" page that checks again by itself. `request_render` starts one job
per file however many people ask (single-flight); the render task stores the file and
marks the job done or failed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.models import RenderJob
from clinic.queueing import enqueue_on_commit
from clinic.storage import store

# How often the "being prepared" page asks again, in seconds.
REFRESH_SECONDS = 2
# Set on the address the "being prepared" page reloads, so a ready file is announced on
# a page (with its download) rather than downloaded under a page that still says "wait".
PREPARED_PARAM = "prepared"
RETRY_PARAM = "retry"


class Superseded(Exception):
    """What a job was asked to render has changed since: its file can no longer be made."""


def stored(name: str) -> bool:
    return default_storage.exists(name)


def stale_after() -> timedelta:
    """A queued job older than this was lost (a worker killed mid-render, a queue wiped):
    the next request starts a new one rather than waiting for it for ever."""
    return timedelta(seconds=settings.RENDER_JOB_STALE_SECONDS)


def _queued(storage_name: str) -> RenderJob | None:
    job = RenderJob.objects.queued().filter(storage_name=storage_name).first()
    if job is not None and job.created_at < timezone.now() - stale_after():
        job_failed(job, RenderJob.Failure.TOO_SLOW)
        return None
    return job


def request_render(
    *,
    task: Any,
    clinic: Any,
    kind: str,
    storage_name: str,
    filename: str,
    params: dict,
    patient_uuid: Any = None,
    requested_by: Any = None,
) -> RenderJob:
    """The queued job that makes `storage_name`: the one already queued, else a new one,
    given to `task` (a django-tasks task taking the job's id) once the caller commits."""
    queued = _queued(storage_name)
    if queued is not None:
        return queued
    try:
        with transaction.atomic():
            job = RenderJob.objects.create(
                clinic=clinic,
                kind=kind,
                storage_name=storage_name,
                filename=filename,
                params=params,
                patient_uuid=patient_uuid,
                requested_by=requested_by
                if getattr(requested_by, "is_authenticated", False)
                else None,
            )
    except IntegrityError:
        # Someone asked at the same moment: theirs is the one render.
        return RenderJob.objects.queued().get(storage_name=storage_name)
    # A queue that cannot take it leaves no job "queued" that nothing will run: the next
    # request asks again rather than waiting on it until it is stale.
    enqueue_on_commit(
        task, job.pk, on_failure=lambda: job_failed(job, RenderJob.Failure.NOT_QUEUED)
    )
    return job


# The task that makes each kind of document, registered by the app that renders it
# (patients.apps): an e-mail waiting for a render that failed for a passing reason (a
# worker killed mid-render, a full disk) asks for it again through render_again.
RENDER_TASKS: dict[str, Any] = {}


def render_again(job: RenderJob, *, requested_by: Any = None) -> RenderJob:
    """A new render of what `job` was to make (or the one already queued)."""
    return request_render(
        task=RENDER_TASKS[job.kind],
        clinic=job.clinic,
        kind=job.kind,
        storage_name=job.storage_name,
        filename=job.filename,
        params=job.params,
        patient_uuid=job.patient_uuid,
        requested_by=requested_by,
    )


def latest_job(storage_name: str) -> RenderJob | None:
    return RenderJob.objects.filter(storage_name=storage_name).order_by("-created_at").first()


def job_to_run(job_id: int) -> RenderJob | None:
    """The job a render task was given, unless it needs no render any more (done, failed
    or given up on, or its file is already stored)."""
    job = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).first()
    if job is not None and stored(job.storage_name):
        job_finished(job, b"")
        return None
    return job


def job_finished(job: RenderJob, pdf: bytes) -> None:
    """Store the PDF (whole or not at all, under exactly its name) and mark the job done."""
    if not stored(job.storage_name):
        saved = store(job.storage_name, ContentFile(pdf))
        if saved != job.storage_name:
            # Another render stored it first; the storage kept ours under another name.
            default_storage.delete(saved)
    RenderJob.objects.filter(pk=job.pk).update(
        status=RenderJob.Status.DONE, finished_at=timezone.now(), error=""
    )


def job_failed(job: RenderJob, why: RenderJob.Failure) -> None:
    """Mark the job failed, in its row and in `job` itself: a view that holds the job (a
    refused enqueue fails it during the request) answers from it."""
    job.status, job.finished_at, job.error = RenderJob.Status.FAILED, timezone.now(), why
    RenderJob.objects.filter(pk=job.pk).update(
        status=job.status, finished_at=job.finished_at, error=job.error
    )


def pdf_file_response(storage_name: str, filename: str) -> FileResponse:
    """The stored PDF as a download, never kept by browsers or proxies."""
    response = FileResponse(
        default_storage.open(storage_name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _address(request: HttpRequest, **changes: str | None) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return f"{request.path}?{query.urlencode()}" if query else request.path


def document_response(
    request: HttpRequest,
    *,
    storage_name: str,
    filename: str,
    start: Callable[[], RenderJob],
    served: Callable[[], None],
    layout: str,
    what: str,
    back_url: str,
) -> HttpResponse:
    """Serve the stored PDF (then call `served`, to record and audit it), or start its
    render with `start` and answer at once with a page that checks again by itself.
    A failed render is shown as failed until the user asks to try again."""
    context = {"layout": layout, "what": what, "back_url": back_url}
    if stored(storage_name):
        if request.GET.get(PREPARED_PARAM):
            download = _address(request, **{PREPARED_PARAM: None, RETRY_PARAM: None})
            return render(request, "documents/ready.html", {**context, "download_url": download})
        served()
        return pdf_file_response(storage_name, filename)
    job = latest_job(storage_name)
    failed = job is not None and job.status == RenderJob.Status.FAILED
    if not (failed and not request.GET.get(RETRY_PARAM)):
        job = start()
        failed = job.status == RenderJob.Status.FAILED
    return render(
        request,
        "documents/preparing.html",
        {
            **context,
            "job": job,
            "failed": failed,
            "refresh": REFRESH_SECONDS,
            "check_url": _address(request, **{PREPARED_PARAM: "1", RETRY_PARAM: None}),
            "retry_url": _address(request, **{PREPARED_PARAM: "1", RETRY_PARAM: "1"}),
        },
        status=200 if failed else 202,
    )
