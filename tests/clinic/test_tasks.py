"""The task queue: e-mail that retries, housekeeping, the scheduler, and the real worker."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clinic.mail import queue_email
from clinic.models import Invitation, OutgoingEmail, SecurityCounter
from tests.conftest import mail_server_down, run_tasks

ROOT = Path(__file__).resolve().parents[2]


def queued(clinic, capture, **extra) -> OutgoingEmail:
    fields = {
        "kind": OutgoingEmail.Kind.REMINDER,
        "clinic": clinic,
        "to": "someone@example.test",
        "subject": "Time for your exercises",
        "body": "Hello",
    }
    with capture(execute=True):
        return queue_email(**(fields | extra))


def test_a_queued_email_is_sent_by_the_worker(clinic_a, django_capture_on_commit_callbacks):
    email = queued(clinic_a, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # nothing is sent in the request
    assert run_tasks() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.sent_at and email.attempts == 1
    assert mail.outbox[0].subject == "Limber: Time for your exercises"


def test_a_mail_server_that_is_down_is_retried_with_backoff(
    clinic_a, django_capture_on_commit_callbacks, monkeypatch
):
    mail_server_down(monkeypatch)
    email = queued(clinic_a, django_capture_on_commit_callbacks)
    run_tasks()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (
        "retrying",
        1,
        "mail server unreachable",
    )
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now() + timedelta(seconds=50)
    assert run_tasks() == 0  # not before its time
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert run_tasks() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2


def test_a_refused_address_fails_at_once_with_a_clear_reason(
    clinic_a, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"someone@example.test": (550, b"no such user")})

    monkeypatch.setattr(EmailMessage, "send", refuse)
    email = queued(clinic_a, django_capture_on_commit_callbacks)
    run_tasks()
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("failed", "address refused")
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_retries_stop_after_the_last_one(clinic_a, django_capture_on_commit_callbacks, monkeypatch):
    def down(self, fail_silently=False):
        raise OSError("network unreachable")

    monkeypatch.setattr(EmailMessage, "send", down)
    email = queued(clinic_a, django_capture_on_commit_callbacks)
    moment = timezone.now()
    for _ in range(7):
        with time_machine.travel(moment):
            run_tasks()
        moment += timedelta(hours=5)
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == 6


# --- A worker that dies with an e-mail: the row, not the task, is what is kept ----------


def test_an_email_whose_worker_died_before_sending_is_sent_by_the_next_sweep(
    clinic_a, django_capture_on_commit_callbacks
):
    """The worker took the task and was killed: django-tasks leaves that task "running"
    for ever. The e-mail is still queued; a quarter of an hour on, emails_resume wakes it."""
    from clinic.tasks import emails_resume

    email = queued(clinic_a, django_capture_on_commit_callbacks)
    DBTaskResult.objects.get().claim("worker-that-died")
    assert emails_resume.call() == 0  # not yet overdue: its worker may be busy
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert emails_resume.call() == 1
        run_tasks()
    email.refresh_from_db()
    assert email.status == "sent" and len(mail.outbox) == 1


def test_an_email_left_sending_is_sent_again_once_overdue(
    clinic_a, django_capture_on_commit_callbacks
):
    from clinic.tasks import emails_resume

    email = queued(clinic_a, django_capture_on_commit_callbacks)
    DBTaskResult.objects.all().delete()
    # Its worker claimed it and died during the mail server's answer.
    OutgoingEmail.objects.filter(pk=email.pk).update(status="sending", attempted_at=timezone.now())
    assert emails_resume.call() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert emails_resume.call() == 1
        run_tasks()
    email.refresh_from_db()
    assert (email.status, len(mail.outbox)) == ("sent", 1)


def test_an_email_that_stops_its_worker_every_time_fails_in_the_end(
    clinic_a, django_capture_on_commit_callbacks
):
    """Each sweep that finds it left "sending" counts an attempt; after the last retry it
    is failed, with the reason, instead of being tried for ever."""
    from clinic.tasks import RETRY_MINUTES, STOPPED_WHILE_SENDING, emails_resume

    email = queued(clinic_a, django_capture_on_commit_callbacks)
    DBTaskResult.objects.all().delete()
    moment = timezone.now()
    for _sweep in range(len(RETRY_MINUTES) + 1):
        OutgoingEmail.objects.filter(pk=email.pk).update(status="sending", attempted_at=moment)
        moment += timedelta(hours=5)
        with time_machine.travel(moment):
            emails_resume.call()
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("failed", STOPPED_WHILE_SENDING)
    assert email.attempts == len(RETRY_MINUTES) + 1 and mail.outbox == []


def test_a_second_task_for_an_email_being_sent_sends_nothing(
    clinic_a, django_capture_on_commit_callbacks, monkeypatch
):
    """A sweep's wake-up runs on another worker while the first is talking to the mail
    server: the first claimed the row, so the second sends nothing."""
    from clinic.tasks import deliver_email

    email = queued(clinic_a, django_capture_on_commit_callbacks)
    send = EmailMessage.send
    answers = []

    def meanwhile(message, fail_silently=False):
        answers.append(deliver_email.call(email.pk))  # the other worker, mid-send
        return send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", meanwhile)
    run_tasks()
    assert answers == ["nothing to do"] and len(mail.outbox) == 1


def test_a_retry_is_not_woken_before_its_time(
    clinic_a, django_capture_on_commit_callbacks, monkeypatch
):
    from clinic.tasks import emails_resume

    mail_server_down(monkeypatch)
    email = queued(clinic_a, django_capture_on_commit_callbacks)
    moment = timezone.now()
    for _attempt in range(4):  # the fourth failure's retry waits an hour
        with time_machine.travel(moment):
            run_tasks()
        moment += timedelta(hours=5)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("retrying", 4)
    DBTaskResult.objects.all().delete()  # and its worker died
    with time_machine.travel(email.attempted_at + timedelta(minutes=70)):
        assert emails_resume.call() == 0
    with time_machine.travel(email.attempted_at + timedelta(minutes=80)):
        assert emails_resume.call() == 1


def test_an_email_held_by_its_kinds_check_waits_without_failing_or_being_woken(
    clinic_a, django_capture_on_commit_callbacks, monkeypatch
):
    """A NOT_BEFORE check (a patient's quiet hours) holds it: queued again for that time,
    no attempt counted, and the sweep for e-mails left behind does not wake it early (it
    would only be held again, every quarter of an hour)."""
    from clinic import mail as outgoing
    from clinic.tasks import emails_resume

    until = timezone.now().replace(microsecond=0) + timedelta(hours=9)
    monkeypatch.setitem(outgoing.NOT_BEFORE, OutgoingEmail.Kind.REMINDER, [lambda e, now: until])
    email = queued(clinic_a, django_capture_on_commit_callbacks)
    run_tasks()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.not_before) == ("queued", 0, until)
    assert DBTaskResult.objects.filter(status="READY").get().run_after == until
    with time_machine.travel(until - timedelta(minutes=1)):
        assert emails_resume.call() == 0 and run_tasks() == 0
    with time_machine.travel(until):
        assert run_tasks() == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, len(mail.outbox)) == ("sent", 1, 1)


def test_the_same_reminder_is_never_queued_twice(clinic_a, django_capture_on_commit_callbacks):
    first = queued(clinic_a, django_capture_on_commit_callbacks, dedupe_key="reminder:x:2026-11-30")
    again = queued(clinic_a, django_capture_on_commit_callbacks, dedupe_key="reminder:x:2026-11-30")
    assert first.pk == again.pk and OutgoingEmail.objects.count() == 1


def test_reminders_carry_one_click_unsubscribe_headers(
    clinic_a, django_capture_on_commit_callbacks
):
    queued(clinic_a, django_capture_on_commit_callbacks, unsubscribe_url="https://x.test/stop/t/")
    run_tasks()
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe"] == "<https://x.test/stop/t/>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_housekeeping_removes_only_what_has_had_its_time(clinic_a, admin_a):
    from clinic.invitations import invitation_issue
    from clinic.tasks import housekeeping
    from tests.conftest import actor_of

    old_moment = timezone.now() - timedelta(days=200)
    with time_machine.travel(old_moment):
        spent, _ = invitation_issue(
            actor=actor_of(admin_a),
            kind="staff",
            channel="email",
            email="a@example.test",
            clinic=clinic_a,
            role="clinician",
        )
        SecurityCounter.objects.create(kind="totp-account", key="k")
        finished = [
            OutgoingEmail.objects.create(
                clinic=clinic_a, kind="reminder", to="x@example.test", status=status
            )
            for status in ("sent", "failed", "stopped")
        ]
    waiting = OutgoingEmail.objects.create(
        clinic=clinic_a, kind="reminder", to="y@example.test", status="queued"
    )
    live, _ = invitation_issue(
        actor=actor_of(admin_a),
        kind="staff",
        channel="email",
        email="b@example.test",
        clinic=clinic_a,
        role="clinician",
    )
    housekeeping.call()
    assert not Invitation.objects.filter(pk=spent.pk).exists()
    assert Invitation.objects.filter(pk=live.pk).exists()
    assert not SecurityCounter.objects.exists()
    # Every finished e-mail, "not sent" ones included (found by the front-desk review).
    assert not OutgoingEmail.objects.filter(pk__in=[e.pk for e in finished]).exists()
    assert OutgoingEmail.objects.filter(pk=waiting.pk).exists()


def test_the_scheduler_knows_every_periodic_task_and_only_enqueues(db, monkeypatch):
    from clinic.management.commands import run_scheduler

    # Each job refreshes the connection (next test); here the test's transaction must stay.
    monkeypatch.setattr(run_scheduler, "close_old_connections", lambda: None)
    jobs = {job.id for job in run_scheduler.scheduler().get_jobs()}
    assert jobs == {path for path, _cron in settings.PERIODIC_TASKS}
    run_scheduler.enqueue("clinic.tasks.housekeeping")
    task = DBTaskResult.objects.get()
    assert task.task_path == "clinic.tasks.housekeeping" and task.status == "READY"


def test_each_scheduled_job_checks_the_database_connection_before_and_after(db, monkeypatch):
    """Before: the scheduler never did what Django does around each request, so after a
    PostgreSQL restart its broken connection failed every periodic task until it was
    restarted by hand. Now each job closes a broken or outdated connection first, and
    again after it, even when the job fails."""
    from clinic.management.commands import run_scheduler

    checks = []
    monkeypatch.setattr(
        run_scheduler, "close_old_connections", lambda: checks.append(DBTaskResult.objects.count())
    )
    run_scheduler.enqueue("clinic.tasks.housekeeping")
    assert checks == [0, 1]  # before the task was queued, and after
    with pytest.raises(ImportError):
        run_scheduler.enqueue("clinic.tasks.no_such_task")
    assert checks == [0, 1, 1, 1]


def test_the_worker_command_runs_a_task_in_its_own_process(new_sqlite, tmp_path):
    """End to end: a fresh database, a task enqueued by one process, run by the real
    `db_worker` command in another."""
    database = new_sqlite(tmp_path / "worker.sqlite3")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [*manage, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("shell", "-c", "from clinic.tasks import housekeeping; housekeeping.enqueue()")
    run("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    status = run(
        "shell",
        "-c",
        "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get().status)",
    )
    assert status.strip().endswith("SUCCESSFUL")
