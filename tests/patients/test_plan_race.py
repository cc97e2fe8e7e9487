"""The nightly plan top-up (adherence.plans_extend, run by the worker) and a clinician's
program Save rewriting the same patient's per-day plan at the same moment (PostgreSQL,
real threads and transactions). Both delete and re-insert the plan's days; found by the
break-it review: neither waited for the other, and the second insert met the first's
(patient, day) rows, a 500 for the Save or a sweep that stopped. Now they take turns on
the patient's row."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections

from clinic.actors import Actor
from patients import adherence
from patients.adherence import patient_today
from patients.models import Patient
from patients.services import patient_program_start
from programs.dosage import ITEM_FIELDS
from programs.models import Program
from programs.services import program_save
from tests.conftest import install_library, make_patient, make_staff
from tests.factories import ClinicFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks: PostgreSQL only"),
]


@pytest.mark.parametrize("first", ["sweep", "save"])
def test_a_program_save_during_the_nightly_plan_top_up_is_not_a_500(monkeypatch, first):
    install_library()
    clinic = ClinicFactory(name="Race clinic")
    clinician = make_staff(clinic, "race@a.test", "clinician")
    patient = make_patient(clinic, "Ada", "Race")
    membership = clinician.memberships.get()
    program = patient_program_start(
        actor=Actor.for_member(membership),
        patient=patient,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    # The plan runs out in 3 days: tonight's sweep tops it up.
    Patient.objects.filter(pk=patient.pk).update(
        planned_until=patient_today(patient) + timedelta(days=3)
    )
    items = [
        {name: getattr(item, name) for name in ITEM_FIELDS} | {"exercise": item.exercise}
        for item in program.items.select_related("exercise")
    ]

    barrier = threading.Barrier(2, timeout=10)
    original = adherence.plan

    def held(*args, **kwargs):
        barrier.wait()
        if threading.current_thread().name != first:
            time.sleep(0.3)  # the other has written its plan rows, not yet committed
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        time.sleep(1.0)  # its transaction still open
        return result

    monkeypatch.setattr(adherence, "plan", held)
    errors: list[BaseException | None] = [None, None]

    def sweep():
        try:
            # As the worker runs it: in autocommit, each patient's plan on its own.
            adherence.plans_extend()
        except BaseException as error:
            errors[0] = error
        finally:
            connections.close_all()

    def save():
        try:
            fresh = Program.objects.get(pk=program.pk)
            program_save(
                program=fresh,
                actor=Actor.for_member(membership),
                expected_revision=fresh.revision,
                fields={"title": "Home program, revised"},
                items=items,
            )
        except BaseException as error:
            errors[1] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sweep, name="sweep"),
        threading.Thread(target=save, name="save"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [None, None], errors
    # Whoever went second, the plan is whole: as a plan written alone now would be.
    patient.refresh_from_db()
    written = list(patient.plan.order_by("day").values_list("day", "sessions"))
    original(patient, first=written[0][0])
    assert written == list(patient.plan.order_by("day").values_list("day", "sessions"))
