"""Personas shared by every test: two clinics, their staff and patients, and a stranger.

Clinic A: admin_a, clinician_a, frontdesk_a, patients A1 and A2 (both with logins).
Clinic B: clinician_b, patient B1.
Both clinics: clinician_ab, a clinician at A and at B (in A's and B's session).
Plus the anonymous visitor.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client

from clinic.actors import Actor
from clinic.models import Clinic, Membership, User
from clinic.permissions import ACTIVE_CLINIC
from patients.models import Patient
from tests import migrated
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory, UserFactory
from tools.cpu_reference import cpu_reference

ROOT = Path(__file__).resolve().parents[1]


def make_user(email: str, full_name: str = "") -> User:
    return UserFactory(email=email, full_name=full_name)


def make_staff(clinic: Clinic, email: str, role: str, full_name: str = "") -> User:
    user = make_user(email, full_name or email.split("@")[0].title())
    MembershipFactory(user=user, clinic=clinic, role=role)
    return user


def make_patient(clinic: Clinic, first: str, last: str, *, login: bool = True, **extra) -> Patient:
    return PatientFactory(clinic=clinic, first_name=first, last_name=last, login=login, **extra)


# The personas, each made by one function: the fixtures below make them one test at a
# time; the permission matrix makes the whole world once per module (tests/
# test_permission_matrix.py) from the same functions.
def new_clinic_a() -> Clinic:
    return ClinicFactory(name="Clinic A", phone="+1 555 0100", address="1 A Street")


def new_clinic_b() -> Clinic:
    return ClinicFactory(name="Clinic B", phone="+1 555 0200")


def new_admin_a(clinic_a: Clinic) -> User:
    return make_staff(clinic_a, "admin.a@example.test", Membership.Role.ADMIN, "Ada Admin")


def new_clinician_a(clinic_a: Clinic) -> User:
    return make_staff(clinic_a, "clin.a@example.test", Membership.Role.CLINICIAN, "Cleo Clinician")


def new_clinician_b(clinic_b: Clinic) -> User:
    return make_staff(clinic_b, "clin.b@example.test", Membership.Role.CLINICIAN, "Bo Other")


def new_frontdesk_a(clinic_a: Clinic) -> User:
    return make_staff(clinic_a, "desk.a@example.test", Membership.Role.FRONT_DESK, "Fay Desk")


def new_clinician_ab(clinic_a: Clinic, clinic_b: Clinic) -> User:
    """Works at both clinics: a clinician in each."""
    user = make_staff(clinic_a, "clin.ab@example.test", Membership.Role.CLINICIAN, "Ash Both")
    MembershipFactory(user=user, clinic=clinic_b, role=Membership.Role.CLINICIAN)
    return user


def new_patient_a1(clinic_a: Clinic, clinician_a: User) -> Patient:
    return make_patient(clinic_a, "Amara", "Okafor", clinician=clinician_a)


def new_patient_a2(clinic_a: Clinic, clinician_a: User) -> Patient:
    return make_patient(clinic_a, "Arlo", "Nguyen", clinician=clinician_a)


def new_patient_b1(clinic_b: Clinic, clinician_b: User) -> Patient:
    return make_patient(clinic_b, "Bea", "Silva", clinician=clinician_b)


def new_world() -> dict:
    """Every persona at once, by fixture name."""
    world: dict = {"clinic_a": new_clinic_a(), "clinic_b": new_clinic_b()}
    a, b = world["clinic_a"], world["clinic_b"]
    world.update(
        admin_a=new_admin_a(a),
        clinician_a=new_clinician_a(a),
        clinician_b=new_clinician_b(b),
        frontdesk_a=new_frontdesk_a(a),
        clinician_ab=new_clinician_ab(a, b),
    )
    world.update(
        patient_a1=new_patient_a1(a, world["clinician_a"]),
        patient_a2=new_patient_a2(a, world["clinician_a"]),
        patient_b1=new_patient_b1(b, world["clinician_b"]),
    )
    return world


@pytest.fixture
def clinic_a(db) -> Clinic:
    return new_clinic_a()


@pytest.fixture
def clinic_a_on_utc(clinic_a) -> Clinic:
    """Clinic A keeps UTC's day whatever the server's own zone (TIME_ZONE, which a new
    clinic starts in), for tests that pin moments in UTC and count the clinic's days."""
    clinic_a.timezone = "UTC"
    clinic_a.save(update_fields=["timezone"])
    return clinic_a


@pytest.fixture
def clinic_b(db) -> Clinic:
    return new_clinic_b()


@pytest.fixture
def admin_a(clinic_a) -> User:
    return new_admin_a(clinic_a)


@pytest.fixture
def clinician_a(clinic_a) -> User:
    return new_clinician_a(clinic_a)


@pytest.fixture
def clinician_b(clinic_b) -> User:
    return new_clinician_b(clinic_b)


@pytest.fixture
def frontdesk_a(clinic_a) -> User:
    return new_frontdesk_a(clinic_a)


@pytest.fixture
def clinician_ab(clinic_a, clinic_b) -> User:
    return new_clinician_ab(clinic_a, clinic_b)


@pytest.fixture
def membership_a(clinician_a) -> Membership:
    return Membership.objects.get(user=clinician_a)


def actor_of(user: User, clinic: Clinic | None = None) -> Actor:
    """The Actor a staff member is in their (given, or only) clinic, for calling services."""
    memberships = Membership.objects.select_related("clinic", "user").filter(user=user)
    if clinic is not None:
        memberships = memberships.filter(clinic=clinic)
    return Actor.for_member(memberships.get())


@pytest.fixture
def patient_a1(clinic_a, clinician_a) -> Patient:
    return new_patient_a1(clinic_a, clinician_a)


@pytest.fixture
def patient_a2(clinic_a, clinician_a) -> Patient:
    return new_patient_a2(clinic_a, clinician_a)


@pytest.fixture
def patient_b1(clinic_b, clinician_b) -> Patient:
    return new_patient_b1(clinic_b, clinician_b)


@pytest.fixture
def program_template() -> str:
    """The starter template program_a1 is copied from; a module that needs another one
    overrides this fixture, not program_a1."""
    return "low-back-core-stability"


@pytest.fixture
def program_start_commits() -> bool:
    """Whether program_a1's work on commit runs (its first handout's render is queued
    then); a module that needs it overrides this fixture."""
    return False


@pytest.fixture
def own_exercise(admin_a):
    """An exercise of clinic A's own (not from the shared library), with no translation."""
    from programs.services import exercise_save

    return exercise_save(
        actor=Actor.for_member(admin_a.memberships.get()),
        fields={
            "name": "Towel squeeze",
            "lay_name": "Squeeze a rolled towel between your knees",
            "category": "strength",
            "position": "sitting",
            "style": "isometric",
            "stop_if": "Stop if your knee hurts.",
        },
        cues=[
            ("setup", "Sit with a rolled towel between your knees."),
            ("movement", "Squeeze for {hold}."),
        ],
    )


@pytest.fixture
def program_a1(membership_a, patient_a1, program_template, program_start_commits):
    """Amara's current program, started by her clinician from `program_template`."""
    from django.test import TestCase

    from patients.services import patient_program_start
    from programs.models import Program

    with TestCase.captureOnCommitCallbacks(execute=program_start_commits):
        return patient_program_start(
            actor=Actor.for_member(membership_a),
            patient=patient_a1,
            source=Program.objects.get(template_key=program_template),
        )


# A statement that reads, or moves a savepoint. Anything else counts as a write; one whose
# table cannot be read from it counts as a write to UNKNOWN_TABLE.
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK")
_WRITE = re.compile(
    r'\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)
UNKNOWN_TABLE = "?"


@contextmanager
def tables_written() -> Iterator[set[str]]:
    """The tables written to, inside the block, through Django's connection: how a check
    knows that a request changed no row without reading every table before and after."""
    written: set[str] = set()

    def record(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(_READS):
            match = _WRITE.match(sql)
            written.add(match.group(1) if match else UNKNOWN_TABLE)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield written


def install_library() -> None:
    """The shared exercise library and its translations, as the migrations install them
    (idempotent: nothing is written when they are there)."""
    from programs.library_sync import sync_library_translations, sync_shared_library
    from programs.models import Exercise, ExerciseCue, ExerciseTranslation, Program, ProgramItem

    sync_shared_library(Exercise, ExerciseCue, Program, ProgramItem)
    sync_library_translations(Exercise, ExerciseTranslation)


@contextmanager
def kept_for_the_module(django_db_blocker) -> Iterator[None]:
    """A transaction around a module's whole run, rolled back at its end: a world built
    inside it once is shared by the module's tests, each rolled back to it by `db`
    (the permission matrix, the fuzzer)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # Tests that do not ask for `db` run after the live-server tests, whose flush
            # empties the library the migrations installed: put it back.
            install_library()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def persona_map(world: dict) -> dict:
    """Everyone at once, by the names the permission matrix uses: (user, active clinic)."""
    return {
        "anonymous": (None, None),
        "patient_a1": (world["patient_a1"].user, None),
        "patient_a2": (world["patient_a2"].user, None),
        "patient_b1": (world["patient_b1"].user, None),
        "clinician_a": (world["clinician_a"], None),
        "admin_a": (world["admin_a"], None),
        "frontdesk_a": (world["frontdesk_a"], None),
        "clinician_b": (world["clinician_b"], None),
        "clinician_ab_in_a": (world["clinician_ab"], world["clinic_a"]),
        "clinician_ab_in_b": (world["clinician_ab"], world["clinic_b"]),
    }


@pytest.fixture
def personas(
    db,
    admin_a,
    clinician_a,
    frontdesk_a,
    clinician_b,
    clinician_ab,
    clinic_a,
    clinic_b,
    patient_a1,
    patient_a2,
    patient_b1,
) -> dict:
    return persona_map(
        {
            "admin_a": admin_a,
            "clinician_a": clinician_a,
            "frontdesk_a": frontdesk_a,
            "clinician_b": clinician_b,
            "clinician_ab": clinician_ab,
            "clinic_a": clinic_a,
            "clinic_b": clinic_b,
            "patient_a1": patient_a1,
            "patient_a2": patient_a2,
            "patient_b1": patient_b1,
        }
    )


def client_for(user: User | None, clinic: Clinic | None = None) -> Client:
    """A signed-in test client; `clinic` is the active clinic of a member of several."""
    client = Client()
    if user is not None:
        client.force_login(user)
    if clinic is not None:
        session = client.session
        session[ACTIVE_CLINIC] = str(clinic.uuid)
        session.save()
    return client


def sqlite_plan(sql: str, params: tuple | list = ()) -> list[str] | None:
    """SQLite's plan for a query, one line a step; None on PostgreSQL, whose planner
    weighs the table's statistics, so that a plan checked on a handful of test rows says
    little there. For tests that a read at scale goes through its index."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[3] for row in cursor.fetchall()]


def caseload_search(client: Client, term: str, **filters: str) -> str:
    """The caseload URL of a search, as the posted search form gives it (the term itself
    never goes in the URL: patients/caseload_search.py)."""
    response = client.post("/portal/", {"q": term, **filters})
    assert response.status_code == 302, response.status_code
    return response["Location"]


def api_token_for(clinic: Clinic, scope, by: User | None = None) -> str:
    """A new API token of `clinic` with these capabilities (all of them for "all")."""
    from clinic.api.tokens import api_token_create
    from clinic.capabilities import CAPABILITIES

    actor = actor_of(by, clinic) if by is not None else Actor.system(clinic)
    names = list(CAPABILITIES) if scope == "all" else list(scope)
    _token, raw = api_token_create(actor=actor, clinic=clinic, name="Tests", scope=names)
    return raw


def api_client(raw: str | None) -> Client:
    """A test client that sends the token as an integrator's system would."""
    return Client(headers={"Authorization": f"Bearer {raw}"} if raw else {})


@pytest.fixture
def as_admin_a(admin_a) -> Client:
    return client_for(admin_a)


@pytest.fixture
def as_clinician_a(clinician_a) -> Client:
    return client_for(clinician_a)


@pytest.fixture
def as_clinician_b(clinician_b) -> Client:
    return client_for(clinician_b)


@pytest.fixture
def as_patient_a1(patient_a1) -> Client:
    return client_for(patient_a1.user)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; tests must not inherit each other's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a throwaway folder, never the developer's media/.

    And a render is given longer than in production: the limit is wall time, and on a
    busy CI machine (two test workers, Chromium, PostgreSQL on two cores) a 30-exercise
    handout once took longer than 20 s. The limit itself is tested with its own value
    (tests/clinic/test_pdf_safety.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PDF_RENDER_TIMEOUT = 120.0


def days_from_now(days: int, tz=None) -> datetime:
    """This time of day, `days` days from now on the clock of `tz` (default: the current
    zone). Not `now + timedelta(days=1)`: the day the clocks go back has 25 hours, so 24
    hours after its first hour it is still the same day."""
    from django.utils import timezone

    local = timezone.localtime(timezone.now(), tz)
    return datetime.combine(local.date() + timedelta(days=days), local.time(), local.tzinfo)


def tomorrow_evening(patient: Patient) -> datetime:
    """18:05 tomorrow where the patient lives: a moment a reminder set for 18:00 is due,
    whatever day the suite runs. Not today: a journey that logs a session today has no
    reminder due today, and a fixed date fails on the day the suite runs on it."""
    from patients.adherence import patient_today

    return datetime.combine(
        patient_today(patient) + timedelta(days=1), clock_time(18, 5), tzinfo=patient.tzinfo
    )


def revise(program, membership, items: list, fields: dict | None = None) -> None:
    """The clinician saves the program's next revision with these item rows (and fields),
    as the builder does; `program` is read back."""
    from programs.services import program_save

    program_save(
        program=program,
        actor=Actor.for_member(membership),
        expected_revision=program.revision,
        fields=fields or {},
        items=items,
    )
    program.refresh_from_db()


@pytest.fixture(scope="session")
def new_sqlite(tmp_path_factory) -> Callable[[Path], Path]:
    """Puts a newly migrated SQLite database at the path it is given (tests/migrated.py)."""
    folder = migrated.run_folder(tmp_path_factory)
    return lambda path: migrated.new_sqlite(folder, path)


def run_on_new_sqlite(
    new_sqlite, tmp_path, module: str
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `python -m module` of ours against a newly migrated SQLite file of its own, as
    separate processes would meet it in production (the test's own database is one
    connection in one transaction). Returns the finished process and the JSON object its
    last output line holds."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{new_sqlite(tmp_path / 'own.sqlite3')}"}
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done, json.loads(done.stdout.strip().splitlines()[-1])


def mail_server_down(monkeypatch) -> None:
    """Every e-mail the worker hands over is refused as by a mail server that is down
    (a temporary failure: retried); monkeypatch.undo() brings it back."""
    import smtplib

    from django.core.mail import EmailMessage

    def down(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("connection closed")

    monkeypatch.setattr(EmailMessage, "send", down)


def run_tasks() -> int:
    """Run every ready task through django-tasks-db's worker loop (the db_worker command's
    own code), in this process and this test's transaction. Returns how many ran."""
    from django.test import TestCase
    from django_tasks_db.management.commands import db_worker

    original = db_worker.close_old_connections
    # The worker closes idle connections between tasks; the test's transaction must stay.
    db_worker.close_old_connections = lambda: None
    try:
        worker = db_worker.Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="tests",
            excluded_queue_names=[],
        )
        # A task's own on-commit work (a task it enqueues) runs, as outside a test.
        with TestCase.captureOnCommitCallbacks(execute=True):
            worker.run()
        return worker._run_tasks
    finally:
        db_worker.close_old_connections = original


def failed_render_page(client, monkeypatch, error: Exception, path: str = "/me/handout.pdf"):
    """The page a reader gets when the worker could not make the handout: its render
    raises `error`; the handout asked for at `path`, the worker run, then the page the
    "being prepared" page goes to."""
    from django.test import TestCase

    from programs import handout_render

    def broken(**kwargs):
        raise error

    monkeypatch.setattr(handout_render, "render_handout", broken)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(path)
    run_tasks()
    return client.get(path + ("&" if "?" in path else "?") + "prepared=1")


def get_document(client, path: str, data: dict | None = None):
    """A PDF download as a user gets it: asked for (the "being prepared" page, 202), made
    by the worker, asked for again. The request's own on-commit work (enqueueing the
    render) runs, as it would outside a test's transaction."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(path, data)
    if response.status_code == 202:
        run_tasks()
        response = client.get(path, data)
    return _read(response)


def post_for_document(client, path: str, data: dict):
    """A form that asks for a PDF (a progress report): posted, then its page followed to
    the file as get_document does."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(path, data)
    if response.status_code != 302:
        return response
    return get_document(client, response["Location"])


def _read(response):
    """A streamed file response as a plain one (with .content), headers kept."""
    from django.http import HttpResponse

    if not getattr(response, "streaming", False):
        return response
    plain = HttpResponse(response.getvalue(), status=response.status_code)
    for header, value in response.items():
        plain[header] = value
    plain.wsgi_request = response.wsgi_request
    return plain


# --- Every test has its own id ---------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    """Give each generated test an id of its own, then refuse a run where two share one.

    pytest 9 builds a test's id from its function name and its parametrize call, and
    schemathesis makes its cases without one: all 23 API schema cases had the id
    `tests/test_api_schema.py::test_api_matches_its_schema`. `--lf`, the JUnit report and
    pytest-xdist's groups key on the id, so they could not tell the cases apart (xdist's
    loadgroup ran one and dropped 22 without a word). The case is in the item's name.

    pytest has no public way to set an id after collection, so this sets its `_id` (pytest
    is pinned; the check below fails loudly if a new version changes how ids are kept)."""
    from _pytest.nodeid import NodeId

    for item in items:
        base = getattr(item, "originalname", item.name)
        if not (item.name.startswith(f"{base}[") and item.name.endswith("]")):
            continue
        params = item.name[len(base) + 1 : -1]
        if not item.nodeid.endswith(f"[{params}]"):
            item._id = NodeId.parse(item.parent.nodeid).child(base).with_params(params)
    seen: dict[str, int] = {}
    for item in items:
        seen[item.nodeid] = seen.get(item.nodeid, 0) + 1
    shared = sorted(nodeid for nodeid, count in seen.items() if count > 1)
    if shared:
        raise pytest.UsageError(f"Tests that share an id: {shared[:5]}")


# --- The suite on another day (`--clock`) -----------------------------------------------

_MOVED_CLOCK = None


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--clock",
        metavar="ISO-MOMENT",
        help="run the suite as if it started at this moment, say 2027-03-28T23:55Z (a "
        "Sunday, minutes before midnight, the night Europe's clocks change). The clock runs "
        "on from there. A test that passes on some days only fails here, before its day "
        "comes. Chromium keeps the real clock: add --ignore=tests/browser.",
    )


def _move_the_clock(config) -> None:
    """The clock is moved before anything is imported or collected, and runs on, for the
    whole run: a value worked out at import (the fuzzer's TODAY) agrees with the pages,
    and no two tests see the same moment (restarting the clock for each test gave two tests
    the same timestamps and database ids, so the same handout file names, which a real clock
    never does). File times stay real: tests set the ones they depend on."""
    global _MOVED_CLOCK
    moment = config.getoption("clock")
    if moment:
        import time_machine

        _MOVED_CLOCK = time_machine.travel(moment, tick=True)
        _MOVED_CLOCK.start()


def pytest_unconfigure(config) -> None:
    if _MOVED_CLOCK is not None:
        _MOVED_CLOCK.stop()


# --- Every log line of the whole run is scanned for patient names and e-mail addresses --

_RUN_LOG = io.StringIO()


def pytest_configure(config) -> None:
    """Capture everything the app logs during the run, through the production filters
    and JSON formatter, so pytest_sessionfinish can check that nothing leaked.

    Passwords are hashed with Argon2 at its lowest cost (tests/hashers.py).

    And WhiteNoise finds a static file when one is asked for, not by reading every file
    under STATIC_ROOT when its middleware starts: the test client starts the middleware
    for each new client, and once collectstatic has run in the checkout (make serve, make
    bench) that read was 1,400 files and 45 ms a client, which doubled the fuzzer's time.
    The live server serves static files itself, from the apps' folders."""
    _move_the_clock(config)
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.WHITENOISE_AUTOREFRESH = True
    settings.PASSWORD_HASHERS = [
        "tests.hashers.QuickArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()

    from clinic.log_redaction import RedactRequests
    from clinic.request_log import JsonFormatter, RequestContextFilter

    handler = logging.StreamHandler(_RUN_LOG)
    handler.addFilter(RedactRequests())
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    for name in ("", "django.server", "django.request"):
        logging.getLogger(name).addHandler(handler)


def spaced(text: str) -> str:
    """Text with its no-break spaces read as spaces ("4.5\N{NO-BREAK SPACE}cm" is kept on
    one line, patients.measures.with_unit): for a test that compares whole sentences."""
    return text.replace("\N{NO-BREAK SPACE}", " ")


def line_xs(svg: str) -> list[float]:
    """The x (a percentage of the width) of each point a line chart's line joins, read
    from its segments: unlike the dots, drawn only where they have room, the line joins
    every point. Assumes one unbroken run."""
    from clinic.lib.charts import TEAL

    segment = rf'<line x1="([\d.]+)%" y1="[^"]*" x2="([\d.]+)%" [^>]*stroke="{TEAL}"'
    segments = re.findall(segment, svg)
    return [float(segments[0][0]), *(float(end) for _, end in segments)] if segments else []


def leaked_patient_data(text: str) -> list[str]:
    """Patient names (the personas' and seed_demo's) and e-mail addresses found in `text`."""
    from patients.management.commands.seed_demo import FIRST_NAMES, LAST_NAMES

    names = {"Amara", "Okafor", "Arlo", "Nguyen", "Bea", "Silva", *FIRST_NAMES, *LAST_NAMES}
    found = [name for name in sorted(names) if re.search(rf"\b{re.escape(name)}\b", text)]
    found += sorted(set(re.findall(r"[\w.+-]+@[\w-]+\.(?:test|example|org|com)\b", text)))
    return found


# Under pytest-xdist each worker process has its own log: a worker hands its leaking
# lines to the controller (workeroutput), which reports them with its own.
_WORKER_LEAKS: list[str] = []


def _leaking_lines() -> list[str]:
    return [line for line in _RUN_LOG.getvalue().splitlines() if leaked_patient_data(line)]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    _WORKER_LEAKS.extend(getattr(node, "workeroutput", {}).get("leaking_lines", []))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """pytest-django's test database, and a check before it is dropped: on PostgreSQL, no
    other session may still be connected to it. One was (a connection made while
    Playwright ran, tests/browser/conftest.py), and the drop then failed with only a
    warning, leaving the database behind on the server after every run."""
    yield
    with django_db_blocker.unblock():
        others = _other_sessions_on_the_test_database()
    if others:
        pytest.fail(f"Still connected to the test database at the end: {others}")


def _other_sessions_on_the_test_database(wait: float = 10.0) -> list[tuple]:
    """(connected since, state, last query) of each other session, after up to `wait`
    seconds for them to go (a live-server thread closes its own when its browser's
    connection ends)."""
    if connection.vendor != "postgresql":
        return []
    deadline = time.monotonic() + wait
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT backend_start, state, left(query, 200) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchall()
        if not others or time.monotonic() > deadline:
            return others
        time.sleep(0.2)


# A transactional test (the live server's among them) ends by emptying every table, the
# library the migrations installed included. pytest-django runs those after the tests
# that roll back, but a worker can take tests out of that order (pytest-xdist's
# worksteal did: three adherence tests then found no templates). So the first
# rolled-back test after one puts the library back, committed, before its transaction.
_TABLES_FLUSHED = False


def _flushes(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = item.fixturenames
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )


def _rolls_back(item) -> bool:
    return not _flushes(item) and (
        "db" in item.fixturenames or bool(item.get_closest_marker("django_db"))
    )


def pytest_runtest_setup(item) -> None:
    global _TABLES_FLUSHED
    if _TABLES_FLUSHED and _rolls_back(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            install_library()
        _TABLES_FLUSHED = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    global _TABLES_FLUSHED
    try:
        return (yield)
    finally:
        _TABLES_FLUSHED = _TABLES_FLUSHED or _flushes(item)


_CPU_AT_START = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, or a run without xdist
        session.config.stash[_CPU_AT_START] = cpu_reference()


def pytest_terminal_summary(terminalreporter, config) -> None:
    """The machine's speed beside the suite's time: on a shared machine the same suite
    has taken 6 minutes one day and 15 the next, and only this line tells them apart."""
    if _CPU_AT_START in config.stash:
        terminalreporter.write_line(f"At the start: {config.stash[_CPU_AT_START]}")
        terminalreporter.write_line(f"At the end:   {cpu_reference()}")


def pytest_sessionfinish(session, exitstatus) -> None:
    if hasattr(session.config, "workeroutput"):  # an xdist worker: the controller reports
        session.config.workeroutput["leaking_lines"] = _leaking_lines()
        return
    # Once every worker is done with it.
    migrated.drop_postgres_template(migrated.run_folder(session.config._tmp_path_factory))
    lines = _WORKER_LEAKS + _leaking_lines()
    if lines:
        leaks = sorted({name for line in lines for name in leaked_patient_data(line)})
        print(f"\nPATIENT DATA IN THE LOGS of this run: {leaks[:20]}")
        # The lines themselves, so the leak can be traced (test data only, never real).
        print("\n".join(line[:500] for line in lines[:5]))
        session.exitstatus = 1
