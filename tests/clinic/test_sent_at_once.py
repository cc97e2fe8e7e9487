"""Two identical POSTs at the same moment (a double click that reaches two web workers, two
tabs), on PostgreSQL, through the real views, in real threads. A barrier holds both
requests just before they would write, so the timing is certain; it changes no code path.

With the page's one-save token (clinic/once.py) the second is answered like the first.
Without one (a page from before the token, or two different pages), the services' own
locks keep one result and answer the other plainly: never a 500, never two of a thing
that must be one.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.test import Client

from clinic.invitations import invitation_issue
from clinic.models import Invitation, Membership
from patients import discharge as discharge_module
from patients import services as patient_services
from patients.discharge import patient_discharge
from patients.models import Measurement, OutcomeSchedule, SessionLog
from patients.services import patient_program_start
from patients.views.patient_area import today
from programs import services as program_services
from programs.models import Program
from programs.services import program_save
from tests.conftest import actor_of, install_library, make_patient, make_staff, make_user
from tests.factories import ClinicFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks: PostgreSQL only"),
]

TOKEN = "at-once-0123456789abcdefghijkl"


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def at_once(send) -> list[int]:
    """`send(i)` in two threads started together: their status codes."""
    statuses = [0, 0]

    def run(i: int) -> None:
        try:
            statuses[i] = send(i).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def held_before(monkeypatch, target, name: str) -> None:
    """Both requests wait for each other just before `target.name` runs."""
    barrier = threading.Barrier(2, timeout=10)
    original = getattr(target, name)

    def held(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, held)


def met_before(monkeypatch, target, name: str, seconds: float = 2) -> None:
    """Both requests wait for each other just before `target.name` runs, for at most
    `seconds`: one held behind a lock never comes, and the other goes on alone."""
    barrier = threading.Barrier(2, timeout=seconds)
    original = getattr(target, name)

    def held(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, held)


@pytest.fixture
def race():
    clinic = ClinicFactory(name="Race clinic")
    clinician = make_staff(clinic, "race@a.test", "clinician")
    return clinic, clinician, make_patient(clinic, "Ada", "Race")


@pytest.mark.parametrize("token", [TOKEN, ""], ids=["one page", "no token"])
def test_a_correction_sent_twice_at_once_is_saved_once(monkeypatch, race, token):
    _clinic, clinician, patient = race
    first = signed_in(clinician)
    day = (date.today() - timedelta(days=3)).isoformat()
    first.post(
        f"/portal/patients/{patient.uuid}/measures/new/", {"measured_on": day, "schober": "2.5"}
    )
    original = Measurement.objects.get()
    from patients.views import measures

    held_before(monkeypatch, measures, "measurement_correct")
    clients = [first, signed_in(clinician)]
    url = f"/portal/patients/{patient.uuid}/measures/{original.uuid}/correct/"
    statuses = at_once(lambda i: clients[i].post(url, {"value": "3.5", "once": token}))
    assert statuses == [302, 302]
    assert Measurement.objects.current().count() == 1
    assert Measurement.objects.count() == 2


@pytest.mark.parametrize("token", [TOKEN, ""], ids=["one page", "no token"])
def test_a_questionnaire_schedule_sent_twice_at_once_runs_once(monkeypatch, race, token):
    _clinic, clinician, patient = race
    from patients import outcomes

    held_before(monkeypatch, outcomes, "patient_today")
    clients = [signed_in(clinician), signed_in(clinician)]
    url = f"/portal/patients/{patient.uuid}/outcomes/assign/"
    data = {"code": "nprs", "every_weeks": "4", "once": token}
    statuses = at_once(lambda i: clients[i].post(url, data))
    assert statuses == [302, 302]
    assert OutcomeSchedule.objects.filter(patient=patient, ended_at__isnull=True).count() == 1


@pytest.mark.parametrize("token", [TOKEN, ""], ids=["one page", "no token"])
def test_an_invitation_sent_twice_at_once_leaves_one_working_link(monkeypatch, race, token):
    clinic, clinician, _patient = race
    invited = make_patient(clinic, "Bea", "Race", login=False, email="bea@race.test")
    from patients.views import records

    held_before(monkeypatch, records, "patient_invite")
    clients = [signed_in(clinician), signed_in(clinician)]
    url = f"/portal/patients/{invited.uuid}/invitation/"
    statuses = at_once(lambda i: clients[i].post(url, {"delivery": "email", "once": token}))
    assert statuses == [302, 302]
    assert Invitation.objects.usable().filter(patient_uuid=invited.uuid).count() == 1
    if token:
        assert Invitation.objects.filter(patient_uuid=invited.uuid).count() == 1


def test_an_invitation_accepted_twice_at_once_answers_the_second_like_the_first(monkeypatch, race):
    """A double click on "Accept" that reaches two web workers: both find the link usable,
    one accepts, the other waits for the invitation's lock and finds it used. It was
    answered "This link cannot be used" (410); it goes where the first went."""
    clinic, _clinician, _patient = race
    admin = make_staff(clinic, "race.admin@a.test", "admin")
    joiner = make_user("joiner@race.test", "Joe Iner")
    _invitation, link = invitation_issue(
        actor=actor_of(admin),
        kind=Invitation.Kind.STAFF,
        channel=Invitation.Channel.EMAIL,
        email=joiner.email,
        clinic=clinic,
        role="clinician",
    )
    from clinic import views_invitations

    held_before(monkeypatch, views_invitations, "invitation_accept_signed_in")
    # One browser's page, sent twice: its cookies in two clients, so each sends at once.
    clients = [signed_in(joiner), Client(raise_request_exception=False)]
    clients[0].get(f"/invite/{link}/")
    clients[1].cookies = clients[0].cookies
    statuses = at_once(lambda i: clients[i].post("/invite/", {"choice": "accept", "once": TOKEN}))
    assert statuses == [302, 302]
    assert Membership.objects.filter(user=joiner, clinic=clinic).count() == 1


def test_i_did_them_all_from_two_tabs_at_once_is_saved_once(monkeypatch, race):
    """Two tabs drawn before any session today, "I did them all" in both at the same
    instant: both worked out what was left before either had saved, and the day was
    logged twice. The second now waits for the first, finds the day saved, and sends
    its page back (409) with nothing saved."""
    clinic, clinician, patient = race
    _program_of(patient, clinician, clinic)
    tabs = [signed_in(patient.user), signed_in(patient.user)]
    met_before(monkeypatch, today, "due_now")
    statuses = at_once(
        lambda i: tabs[i].post(
            "/me/log/",
            {"client_token": f"tab-{i}", "all_done": "1", "pain": "2", "seen_today": "0"},
        )
    )
    assert sorted(statuses) == [302, 409]
    assert SessionLog.objects.filter(patient=patient).count() == 1


def _program_of(patient, clinician, clinic) -> Program:
    """The patient's program, every exercise due every day once. The library is put back
    first: an earlier test's flush (these tests' own, a live server's) empties it."""
    install_library()
    program = patient_program_start(
        actor=actor_of(clinician, clinic),
        patient=patient,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    program.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    program.refresh_from_db()
    return program


def _both_hold_their_first_lock(monkeypatch, target, name: str) -> None:
    """The log meets the other request once it holds its lock; the other just before
    `target.name`, its next step, holding its own. Only the timing is made certain."""
    barrier = threading.Barrier(2, timeout=5)

    def meet() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    real_wait = today.wait_for_other_logs

    def locked_then_meet(locked) -> None:
        real_wait(locked)
        meet()

    monkeypatch.setattr(today, "wait_for_other_logs", locked_then_meet)
    original = getattr(target, name)

    def meet_then(*args, **kwargs):
        meet()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, meet_then)


def test_i_did_them_all_while_the_clinician_saves_the_program_saves_both(monkeypatch, race):
    """The log's lock and a clinician's save at the same moment: the save locks the
    program and then writes the patient's plan (adherence.plan). A log that locked the
    patient and then needed the program deadlocked with it (found by review): one of the
    two was killed, the clinician's save a 500. A save no longer blocks a log's insert."""
    clinic, clinician, patient = race
    program = _program_of(patient, clinician, clinic)
    _both_hold_their_first_lock(monkeypatch, program_services, "_record_revision")
    items = [
        {"id": i.pk, "exercise": i.exercise, "reps": 12}
        for i in program.items.select_related("exercise").order_by("order")
    ]

    statuses, errors = _tap_beside(
        patient,
        lambda: program_save(
            program=program,
            actor=actor_of(clinician, clinic),
            expected_revision=program.revision,
            fields={},
            items=items,
            patient=patient,
        ),
    )
    assert statuses == [302, 200], errors
    assert SessionLog.objects.filter(patient=patient).count() == 1


def _tap_beside(patient, change) -> tuple[list[int], list[str]]:
    """The patient's "I did them all" and a clinician's `change` (a service call) at once:
    their answers (the change's 200, or 500 as its view would answer an exception) and
    the change's error, if any."""
    errors: list[str] = []

    def send(i: int):
        if i == 0:
            return signed_in(patient.user).post(
                "/me/log/", {"client_token": "tap", "all_done": "1", "pain": "2"}
            )
        try:
            change()
        except Exception as error:
            errors.append(repr(error)[:200])
            return SimpleNamespace(status_code=500)
        return SimpleNamespace(status_code=200)

    return at_once(send), errors


@pytest.mark.parametrize("change", ["new program", "discharge"])
def test_i_did_them_all_while_the_clinician_ends_the_program_saves_both(monkeypatch, race, change):
    """A new program and a discharge lock the patient and then complete the current
    program. A log that locked the program first deadlocked with them (found by review)."""
    clinic, clinician, patient = race
    program = _program_of(patient, clinician, clinic)
    actor = actor_of(clinician, clinic)
    if change == "new program":
        _both_hold_their_first_lock(monkeypatch, patient_services, "program_start_blocked")
        source = Program.objects.get(template_key="low-back-early-movement")

        def call():
            patient_program_start(actor=actor, patient=patient, source=source)
    else:
        _both_hold_their_first_lock(monkeypatch, discharge_module, "current_program")

        def call():
            patient_discharge(
                actor=actor,
                patient=patient,
                discharged_on=date.today(),
                summary="Done",
                plan="",
                goal_statuses={},
                maintenance=False,
                letter=False,
                program_seen=str(program.uuid),
            )

    statuses, errors = _tap_beside(patient, call)
    assert statuses == [302, 200], f"a deadlock between the log and the {change}: {errors}"
    assert SessionLog.objects.filter(patient=patient).count() == 1
