"""A PostgreSQL that stops answering (its process stopped, as a frozen machine is: the
bytes sent to it are still taken, and nothing comes back).

Before: a request waited for ever, holding its web worker until gunicorn killed it at 30 s;
the browser got the proxy's bare 502, and /healthz gave no answer to say why. Now the
deadline (clinic/deadline.py) cuts the connection: our "try again" page (503), then
/healthz says the database is unreachable, and the next request after the database is
back is served.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from clinic import health
from clinic.deadline import database_deadline
from tests.clinic.conftest import answered_within

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a stopped server process: PostgreSQL only"
)


@contextmanager
def database_stopped():
    """This process's PostgreSQL backend stopped (SIGSTOP) for the block."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
        # Cut by the deadline; the test's own clean-up opens another.
        connection.close()


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_page_waiting_on_a_hung_database_gets_the_error_page_at_the_deadline(
    settings, clinician_a
):
    settings.REQUEST_DEADLINE = 1
    client = signed_in(clinician_a)
    with database_stopped():
        started = time.monotonic()
        with answered_within(10):
            response = client.get("/portal/")
        took = time.monotonic() - started
    assert response.status_code == 503 and took < 5
    assert "check that your change is there" in response.content.decode()
    assert client.get("/portal/").status_code == 200


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_visit_cut_half_way_at_the_deadline_saves_nothing(
    settings, monkeypatch, clinician_a, patient_a1
):
    """The database stops after the visit and its values are written, before the audit
    record that closes the transaction: the "try again" page, and once the database is back, no
    visit and no value (no half-save)."""
    from datetime import date

    from patients import outcomes
    from patients.models import Measurement, Visit

    settings.REQUEST_DEADLINE = 1
    client = signed_in(clinician_a)
    stopped = []
    record = outcomes.audit.record

    def stop_then_record(*args, **kwargs):
        stopped.append(database_stopped())
        stopped[0].__enter__()
        return record(*args, **kwargs)

    monkeypatch.setattr(outcomes.audit, "record", stop_then_record)
    try:
        with answered_within(10):
            response = client.post(
                f"/portal/patients/{patient_a1.uuid}/measures/new/",
                {"measured_on": date.today().isoformat(), "notes": "", "schober": "3"},
            )
    finally:
        if stopped:
            stopped[0].__exit__(None, None, None)
    assert stopped and response.status_code == 503
    assert not Visit.objects.exists() and not Measurement.objects.exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_healthz_says_a_hung_database_is_unreachable_within_seconds(monkeypatch):
    monkeypatch.setattr(health, "DATABASE_ANSWER", 0.5)
    with database_stopped():
        started = time.monotonic()
        with answered_within(10):
            response = Client().get("/healthz")
        took = time.monotonic() - started
    assert response.status_code == 503 and took < 3
    assert response.json()["database"] == "unreachable"


class Outer(Exception):
    pass


def test_an_earlier_deadline_already_running_is_kept():
    """A caller's own alarm due sooner (a test's time limit, a shorter check) still fires,
    and after a block its alarm and handler are as they were."""

    def fire(*_args):
        raise Outer

    previous = signal.signal(signal.SIGALRM, fire)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Outer), database_deadline(5):
            time.sleep(1)
        signal.setitimer(signal.ITIMER_REAL, 2)
        with database_deadline(0.5):
            assert signal.getsignal(signal.SIGALRM) is not fire
        assert signal.getsignal(signal.SIGALRM) is fire
        assert 1 < signal.getitimer(signal.ITIMER_REAL)[0] <= 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_deadline_outside_the_main_thread_sets_nothing():
    """Signals reach only the main thread (signal.signal refuses others): runserver's
    threads serve without a deadline rather than fail."""
    failures = []

    def serve():
        try:
            with database_deadline(5):
                pass
        except Exception as error:
            failures.append(error)

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join()
    assert failures == [] and signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_an_outer_alarm_due_during_a_block_fires_on_time():
    """An outer alarm due after a shorter deadline (a test's time limit, a job's timeout)
    fires when it is due, even if the block is still running after the deadline fired:
    the deadline only cuts connections, so it must not swallow the outer alarm."""

    def fire(*_args):
        raise Outer

    previous = signal.signal(signal.SIGALRM, fire)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(Outer):
            with database_deadline(0.2):
                time.sleep(4)  # still busy after the deadline and after the outer alarm
            time.sleep(1)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 2.5


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_request_slow_in_python_keeps_a_database_that_answers(settings, monkeypatch):
    """The database answers every query at once; the request is slow between two of them
    (scaled down: 1 s of work under a 0.5 s deadline, as 25 s under 20 s would be, within
    gunicorn's 30 s). Its idle connection was cut all the same, logged as "the database
    gave no answer", and the next query failed: /healthz said the task queue was
    unreachable."""
    settings.REQUEST_DEADLINE = 0.5
    monkeypatch.setattr(health, "DATABASE_ANSWER", 5.0)
    cache_check = health._cache

    def slow_cache_check():
        time.sleep(1)
        return cache_check()

    monkeypatch.setattr(health, "_cache", slow_cache_check)
    try:
        with answered_within(10):
            response = Client().get("/healthz")
    finally:
        connection.close()  # cut or not: the test's clean-up opens another
    assert response.json()["tasks"] == "ok"


def served_as_gunicorn_does(path: str) -> tuple[str, bytes]:
    """A request through Django's WSGI handler, as gunicorn sends it: unlike the test
    client, it keeps close_old_connections on request_started, so a kept connection is
    health-checked (CONN_HEALTH_CHECKS) before its first query."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    status = []
    response = WSGIHandler()(environ, lambda s, headers, *_: status.append(s))
    try:
        body = b"".join(response)
    finally:
        response.close()
    return status[0], body


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_within_seconds_when_the_server_takes_no_new_connection_either(
    monkeypatch, black_hole
):
    """A hung server (stopped, frozen machine) answers neither the kept connection nor a
    new one: the new one waits DB_CONNECT_TIMEOUT (5 s) for the server's greeting. In
    gunicorn the kept connection's health check is what hangs; once the deadline cuts it,
    Django connects again, with no deadline left, so /healthz answered after 0.5 + 5 s."""
    monkeypatch.setattr(health, "DATABASE_ANSWER", 0.5)
    with database_stopped():
        # New connections go to a server that accepts and never answers.
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", str(black_hole))
        started = time.monotonic()
        with answered_within(20):
            status, body = served_as_gunicorn_does("/healthz")
        took = time.monotonic() - started
    assert status.startswith("503") and b"unreachable" in body
    assert took < 3


def test_a_deadline_inside_another_hands_the_alarm_back_when_the_outer_one_comes():
    """/healthz's short deadline runs inside the request's: past both, the inner block
    hands the alarm to the outer one (which looks for waits to cut from then on), once,
    and each block leaves the alarm as it found it."""
    from clinic.deadline import _on_alarm, seconds_left

    previous = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    with database_deadline(0.6):
        with database_deadline(0.2):
            assert signal.getitimer(signal.ITIMER_REAL)[0] <= 0.2
            time.sleep(1.0)
            assert seconds_left() == 0
        assert signal.getsignal(signal.SIGALRM) is _on_alarm
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0 and seconds_left() is None
    assert time.monotonic() - started < 1.5
