"""The factories' defaults are rows a clinic could have entered: a test that leans on them
must not be testing data the forms would have refused."""

from __future__ import annotations

import inspect

import pytest
from factory.django import DjangoModelFactory

from tests import factories
from tests.factories import PASSWORD, PatientFactory, SessionLogFactory

FACTORIES = [
    factory
    for _, factory in inspect.getmembers(factories, inspect.isclass)
    if issubclass(factory, DjangoModelFactory)
    and factory.__module__ == factories.__name__
    and not factory._meta.abstract
]


def test_every_model_a_test_makes_by_hand_has_a_factory():
    made = {factory._meta.model.__name__ for factory in FACTORIES}
    assert {"Clinic", "User", "Membership", "Patient", "SessionLog", "Flag"} <= made


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_a_factory_row_passes_the_models_own_checks(db, request, factory):
    # `db` is named, not asked for on the way: pytest-django orders tests by the fixtures
    # they name, and one that names none runs after the live-server tests have flushed
    # the shared library that program_a1 starts from.
    if factory is SessionLogFactory:
        # A session is logged under a started program: the one thing a test must give.
        program = request.getfixturevalue("program_a1")
        row = factory(program=program, patient=request.getfixturevalue("patient_a1"))
    else:
        row = factory()
    row.full_clean()  # raises ValidationError on a value no form would have saved


@pytest.mark.django_db
def test_two_rows_of_one_factory_do_not_collide():
    first, second = PatientFactory(login=True), PatientFactory(login=True)
    assert first.email != second.email and first.user != second.user


@pytest.mark.django_db
def test_a_patient_with_a_login_signs_in_with_the_records_address():
    patient = PatientFactory(first_name="Mia", last_name="Park", login=True)
    assert patient.user.email == patient.email == "mia.park@example.test"
    assert patient.user.full_name == "Mia Park"
    assert patient.user.check_password(PASSWORD)
    assert PatientFactory().user is None  # a record alone until an invitation is accepted
