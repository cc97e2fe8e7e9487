"""Background work of the clinic app, run by the task worker (django-tasks).

Tasks take plain values (ids), look their rows up again, and are safe to run twice: the
scheduler or a retry may repeat one.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from clinic import documents
from clinic.mail import (
    ATTACHMENT_NOW,
    BODY_HOOKS,
    SENT_HOOKS,
    held_until,
    reason_to_stop,
    unfilled,
)
from clinic.models import FormSending, OutgoingEmail, RenderJob

# Minutes to wait before each retry of an e-mail the mail server did not take.
RETRY_MINUTES = (1, 5, 15, 60, 240)
# How often an e-mail whose attachment is being rendered looks again.
ATTACHMENT_WAIT_SECONDS = 5


def _is_permanent(error: Exception) -> bool:
    """A refusal that retrying cannot fix: a bad address, or a 5xx answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "address refused"
    code = getattr(error, "smtp_code", None)
    return f"mail server answered {code}" if code else "mail server unreachable"


def _message(email: OutgoingEmail, body: str) -> EmailMessage:
    headers = {}
    if email.unsubscribe_url:
        # One-click unsubscribe (RFC 8058): mail clients POST to the link.
        headers = {
            "List-Unsubscribe": f"<{email.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMessage(subject=email.subject, body=body, to=[email.to], headers=headers)
    if email.attachment:
        with default_storage.open(email.attachment, "rb") as stored:
            message.attach(
                email.attachment_name or "document.pdf", stored.read(), "application/pdf"
            )
    return message


NOT_PREPARED = "the document could not be prepared"


def _attachment_waits(email: OutgoingEmail) -> tuple[str, RenderJob | None]:
    """("", None) when the attachment is stored; ("waiting", job) while its render is
    queued; (NOT_PREPARED, job) when its render was lost or failed, with the job to ask
    again for, or None when asking again cannot help (none to repeat, or too large)."""
    if not email.attachment or default_storage.exists(email.attachment):
        return "", None
    job = documents.latest_job(email.attachment)
    if job is None or job.kind not in documents.RENDER_TASKS:
        return NOT_PREPARED, None
    fresh = job.created_at > timezone.now() - documents.stale_after()
    if fresh and job.status == RenderJob.Status.QUEUED:
        return "waiting", job
    if job.error == RenderJob.Failure.TOO_LARGE:
        return NOT_PREPARED, None
    return NOT_PREPARED, job


# The e-mail row, not the task, is what must not be lost: a worker that dies while it
# holds a task (killed, out of memory, the database restarted) leaves the task "running"
# for good. Each delivery claims its row first ("sending", with the time), so a second
# task for the same e-mail does nothing; emails_resume wakes what was left behind.
UNFINISHED = (OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRYING)
# An e-mail taken up this long ago and still not finished was left by its worker.
RESUME_AFTER = timedelta(minutes=15)
STOPPED_WHILE_SENDING = "the worker stopped while sending it"


@task(queue_name="email")
def deliver_email(email_id: int) -> str:
    """Send one queued e-mail; on a temporary failure, try again later (with backoff).
    An e-mail whose attachment is still being rendered waits for it."""
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(pk=email_id, status__in=UNFINISHED).update(
        status=OutgoingEmail.Status.SENDING, attempted_at=now
    )
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if not claimed or email is None:
        return "nothing to do"
    stop = reason_to_stop(email)
    if stop:
        return _stop(email, stop)
    wait = held_until(email, now)
    if wait is not None:
        # Not an attempt: nothing was tried, and the retries it has left stay for later.
        email.status = OutgoingEmail.Status.QUEUED
        email.not_before = wait
        email.save(update_fields=["status", "not_before"])
        deliver_email.using(run_after=wait).enqueue(email.pk)
        return "held"
    if email.kind in ATTACHMENT_NOW:
        ATTACHMENT_NOW[email.kind](email)
    waits, job = _attachment_waits(email)
    if waits == "waiting":
        email.status = OutgoingEmail.Status.QUEUED
        email.save(update_fields=["status"])
        later = now + timedelta(seconds=ATTACHMENT_WAIT_SECONDS)
        deliver_email.using(run_after=later).enqueue(email.pk)
        return waits
    if waits:
        # A render lost with its worker, or refused by a full disk for a moment, is asked
        # for again, as a download would, and the e-mail retries as for a mail server that
        # is down: it gives up only when the retries are spent.
        return _try_later(email, waits, again=job, permanent=job is None)
    body = BODY_HOOKS[email.kind](email) if email.kind in BODY_HOOKS else email.body
    if body is None:
        # What it carried went between the check above and now (a link cancelled).
        return _stop(email, reason_to_stop(email) or "no longer to be sent")
    if unfilled(body):
        return _try_later(email, "its link could not be made (a worker of an older release?)")
    try:
        _message(email, body).send()
    except (smtplib.SMTPException, OSError) as error:
        if _is_permanent(error):
            return _try_later(email, _describe(error), permanent=True)
        return _try_later(email, _describe(error))
    email.status = OutgoingEmail.Status.SENT
    email.sent_at = timezone.now()
    email.attempts += 1
    email.last_error = ""
    email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    for hook in SENT_HOOKS.get(email.kind, []):
        hook(email)
    return "sent"


def _try_later(
    email: OutgoingEmail, why: str, *, again: RenderJob | None = None, permanent: bool = False
) -> str:
    """Count a failed attempt: retry after the next of RETRY_MINUTES (with a new render of
    `again` asked for now), or fail for good once they are spent (or at once, when the
    failure is `permanent`)."""
    email.attempts += 1
    email.last_error = why[:200]
    if permanent or email.attempts > len(RETRY_MINUTES):
        email.status = OutgoingEmail.Status.FAILED
        email.save(update_fields=["attempts", "last_error", "status"])
        return email.last_error
    if again is not None:
        documents.render_again(again)
    email.status = OutgoingEmail.Status.RETRYING
    email.save(update_fields=["attempts", "last_error", "status"])
    later = timezone.now() + timedelta(minutes=RETRY_MINUTES[email.attempts - 1])
    deliver_email.using(run_after=later).enqueue(email.pk)
    return "retrying"


def _stop(email: OutgoingEmail, why: str) -> str:
    email.status = OutgoingEmail.Status.STOPPED
    email.last_error = why[:200]
    email.save(update_fields=["status", "last_error"])
    return why


def _resume_at(email: OutgoingEmail):
    """When an unfinished e-mail is overdue: its retry's time (or its queueing, or its
    last claim, or the end of its hold) and then RESUME_AFTER more."""
    since = max(filter(None, (email.attempted_at, email.not_before)), default=email.created_at)
    if email.status == OutgoingEmail.Status.RETRYING and email.attempts:
        since += timedelta(minutes=RETRY_MINUTES[min(email.attempts, len(RETRY_MINUTES)) - 1])
    return since + RESUME_AFTER


@task()
def emails_resume() -> int:
    """Every 15 minutes: wake the e-mails a worker left behind (still queued, retrying or
    sending long after they were due). One left "sending" may have reached the mail
    server just before its worker died: it is sent again (at most one copy too many,
    rather than none)."""
    now = timezone.now()
    woken = 0
    for email in OutgoingEmail.objects.filter(
        status__in=(*UNFINISHED, OutgoingEmail.Status.SENDING)
    ).only("pk", "status", "attempts", "attempted_at", "not_before", "created_at"):
        if _resume_at(email) > now:
            continue
        if email.status == OutgoingEmail.Status.SENDING:
            # Counted as an attempt: an e-mail whose sending kills its worker every time
            # (say, an attachment too big for its memory) fails in the end, not for ever.
            gave_up = email.attempts + 1 > len(RETRY_MINUTES)
            OutgoingEmail.objects.filter(pk=email.pk, status=email.status).update(
                status=OutgoingEmail.Status.FAILED if gave_up else OutgoingEmail.Status.RETRYING,
                attempts=F("attempts") + 1,
                last_error=STOPPED_WHILE_SENDING,
            )
            if gave_up:
                continue
        deliver_email.enqueue(email.pk)
        woken += 1
    return woken


# How long finished things are kept before housekeeping removes them.
KEEP_INVITATIONS = timedelta(days=90)
KEEP_EMAILS = timedelta(days=180)
# A page sent again after a day is a new visit, not a double click.
KEEP_FORM_SENDINGS = timedelta(days=1)
KEEP_TASK_RESULTS_DAYS = 14
KEEP_SIGN_IN_LOGS_DAYS = 90


@task()
def housekeeping() -> dict:
    """Daily: ended sessions, old sign-in attempts and counters, spent invitations, sent
    e-mails and finished task results. Each step is safe to repeat."""
    from axes.models import AccessAttempt, AccessLog
    from django.core.management import call_command

    from clinic import throttle
    from clinic.models import Invitation

    now = timezone.now()
    call_command("clearsessions")
    done = {
        "sign-in attempts": AccessAttempt.objects.filter(
            attempt_time__lt=now - settings.AXES_COOLOFF_TIME
        ).delete()[0],
        "sign-in logs": AccessLog.objects.filter(
            attempt_time__lt=now - timedelta(days=KEEP_SIGN_IN_LOGS_DAYS)
        ).delete()[0],
        "security counters": throttle.purge_expired(),
        "invitations": Invitation.objects.exclude(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        .filter(created_at__lt=now - KEEP_INVITATIONS)
        .delete()[0],
        "form sendings": FormSending.objects.filter(
            created_at__lt=now - KEEP_FORM_SENDINGS
        ).delete()[0],
        # Every finished e-mail: "not sent" ones too, stopped for the very reasons that
        # call for forgetting them (a record archived, an address put right: a stranger's
        # address and the patient's name were kept for good; found by the front-desk
        # review).
        "e-mails": OutgoingEmail.objects.filter(
            status__in=[
                OutgoingEmail.Status.SENT,
                OutgoingEmail.Status.FAILED,
                OutgoingEmail.Status.STOPPED,
            ],
            created_at__lt=now - KEEP_EMAILS,
        ).delete()[0],
    }
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        call_command("prune_db_task_results", min_age_days=KEEP_TASK_RESULTS_DAYS, verbosity=0)
    return done
