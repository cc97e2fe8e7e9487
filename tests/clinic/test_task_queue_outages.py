"""The task queue in Redis (TASKS_BACKEND=rq) stopped or hung: a page that queues a task
answers in seconds with what was saved, nothing waits on a task that was never queued,
and /healthz says the queue is unreachable.

Outages are simulated without touching the shared PostgreSQL or Redis: a black-hole
socket (accepts, never answers) or a port where nothing listens, pointed at through the
`settings` fixture.
"""

from __future__ import annotations

import time

import pytest

from tests.clinic.conftest import NoAnswer, answered_within, free_port


def rq_tasks_at(settings, port: int) -> None:
    """TASKS_BACKEND=rq with REDIS_URL on `port`, as clinic/settings.py configures it."""
    from clinic.settings import redis_url_with_timeouts

    url = redis_url_with_timeouts(f"redis://127.0.0.1:{port}/0")
    settings.RQ_QUEUES = {name: {"URL": url} for name in settings.TASK_QUEUES}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}
    }


@pytest.fixture
def library(transactional_db):
    """These tests commit (the on-commit enqueue runs), so they follow tests that flushed
    every table, the migrations' exercise library included: put it back first."""
    from tests.conftest import install_library

    install_library()


def handout_url(patient, program) -> str:
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf"


@pytest.mark.django_db(transaction=True)
def test_a_hung_redis_task_queue_never_hangs_a_handout_download(
    library, settings, black_hole, as_clinician_a, patient_a1, program_a1
):
    """TASKS_BACKEND=rq and Redis hung: asking for a handout that is not rendered yet must
    answer (the "being prepared" page, or an error that says so) in a few seconds, as the
    cache does (clinic/cache.py, REDIS_TIMEOUT). The RQ connection has no socket timeout
    (RQ_QUEUES holds only the URL), so the enqueue waits for ever."""
    rq_tasks_at(settings, black_hole)
    started = time.monotonic()
    try:
        with answered_within(10):
            response = as_clinician_a.get(handout_url(patient_a1, program_a1) + "?large=1")
    except NoAnswer:
        pytest.fail("The handout page gave no answer in 10 s: the task enqueue hangs on Redis.")
    assert time.monotonic() - started < 5
    assert response.status_code in (200, 202, 503)


@pytest.mark.django_db(transaction=True)
def test_a_redis_blip_under_the_rq_backend_never_strands_a_patients_handout(
    library, settings, as_patient_a1, patient_a1, program_a1
):
    """TASKS_BACKEND=rq and Redis stopped for a moment: the patient's first answer already
    says the server is busy (not "being prepared" for one more poll: the refusal was
    written to the job's row, not to the job the view held), a second tab says the same
    without asking the queue again, and once Redis is back "Try again" gets the PDF."""
    from django_tasks_db.models import DBTaskResult

    from clinic.models import RenderJob
    from tests.conftest import run_tasks

    RenderJob.objects.all().delete()
    DBTaskResult.objects.all().delete()
    database_tasks = settings.TASKS
    as_patient_a1.raise_request_exception = False
    rq_tasks_at(settings, free_port())  # nothing listens there: Redis stopped
    during = as_patient_a1.get("/me/handout.pdf")
    assert during.status_code == 200
    assert "The server is busy" in during.content.decode()
    assert "data-check-url" not in during.content.decode()  # no poll that cannot succeed
    other_tab = as_patient_a1.get("/me/handout.pdf?prepared=1")
    assert "The server is busy" in other_tab.content.decode()
    for _click in range(2):  # a double click on "Try again" while Redis is still down
        retried = as_patient_a1.get("/me/handout.pdf?prepared=1&retry=1")
        assert "The server is busy" in retried.content.decode()
    assert not RenderJob.objects.queued().exists()  # nothing waits on a task never queued
    settings.TASKS = database_tasks  # Redis is back (the queue works again)
    again = as_patient_a1.get("/me/handout.pdf?prepared=1&retry=1")
    assert again.status_code == 202
    run_tasks()
    after = as_patient_a1.get("/me/handout.pdf")
    assert (after.status_code, after["Content-Type"]) == (200, "application/pdf")


def test_healthz_says_the_task_queue_is_unreachable_when_its_redis_is_stopped(db, settings):
    """TASKS_BACKEND=rq and Redis stopped: no task can be queued (renders, e-mail), yet
    /healthz reports "tasks": "ok". clinic/health.py _tasks means to skip the RQ backend
    by an ImportError of django_tasks_db, but that app stays installed under rq, so it
    reads the (empty, unused) database queue and answers "ok" without looking at Redis;
    the "cache" key does not tell either (its Redis may be another, or none)."""
    from django.test import Client

    rq_tasks_at(settings, free_port())
    body = Client().get("/healthz").json()
    assert body["tasks"] != "ok", body


@pytest.mark.django_db(transaction=True)
def test_a_stopped_redis_under_rq_never_turns_a_saved_patient_edit_into_a_500(
    library, settings, as_clinician_a, patient_a1, program_a1
):
    """TASKS_BACKEND=rq and Redis stopped: a clinician saves the patient's details. The
    change commits, then patient_update's on_commit (patients/services.py, handout_prerender
    -> clinic/documents.py request_render -> task.enqueue) raises ConnectionError out of
    the transaction's exit: the clinician gets a 500 for a change that was saved (the 500
    page can only say "check whether your last change was saved"). The same holds for
    every write with an on-commit enqueue: a program's save or start, an e-mail queued."""
    from tests.patients.test_intake import as_shown

    url = f"/portal/patients/{patient_a1.uuid}/edit/"
    page = as_shown(as_clinician_a.get(url))
    rq_tasks_at(settings, free_port())  # nothing listens there: Redis stopped
    as_clinician_a.raise_request_exception = False
    # A new surname is printed on the handout: its new file is to be rendered.
    response = as_clinician_a.post(url, {**page, "last_name": "Okafor-Reid"})
    patient_a1.refresh_from_db()
    assert patient_a1.last_name == "Okafor-Reid"  # it was saved...
    assert response.status_code == 302, f"...but the clinician got {response.status_code}"


def test_the_task_queues_redis_url_gets_timeouts_unless_it_sets_its_own(settings):
    from redis.connection import parse_url

    from clinic.settings import redis_url_with_timeouts

    given = parse_url(redis_url_with_timeouts("redis://:s3cret@cache.internal:6380/2"))
    assert (given["password"], given["host"], given["port"], given["db"]) == (
        "s3cret",
        "cache.internal",
        6380,
        2,
    )
    assert given["socket_timeout"] == given["socket_connect_timeout"] == settings.REDIS_TIMEOUT
    own = parse_url(redis_url_with_timeouts("redis://cache.internal/0?socket_timeout=5"))
    assert own["socket_timeout"] == 5
