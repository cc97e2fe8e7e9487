"""The test factories (factory-boy): what a test row holds when the test does not say,
stated once per model.

A test names what it is about (`FlagFactory(patient=p, kind="red_flag")`) and the factory
fills in the rest with values a clinic could have entered. The named personas in
conftest.py are made with these. Rows made here skip the services (no audit event, no
stored figures): a test that needs what a save does afterwards calls the service.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from clinic.models import Clinic, Membership, User
from patients.adherence import patient_today
from patients.models import (
    Flag,
    Goal,
    Intake,
    Measurement,
    MorningCheck,
    OutcomeAssignment,
    OutcomeResponse,
    Patient,
    RedFlagScreen,
    SessionLog,
    Visit,
)
from patients.screening import questions as screening_questions

PASSWORD = "correct horse battery staple"
# One hash for every user: Argon2 is deliberately slow and tests make many users.
_password_hash: str | None = None


def password_hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = make_password(PASSWORD)
    return _password_hash


def _patients_today(row) -> date:
    return patient_today(row.patient)


def _patients_clinician(row) -> User:
    """Who entered a clinical row: the patient's clinician, as the services record it."""
    patient = row.patient
    return patient.clinician or MembershipFactory(clinic=patient.clinic).user


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = ""
    password = factory.LazyFunction(password_hash)


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Membership.Role.CLINICIAN


class PatientFactory(DjangoModelFactory):
    """A patient record; `login=True` gives it an account with the record's e-mail, as an
    accepted invitation does."""

    class Meta:
        model = Patient

    class Params:
        login = factory.Trait(
            user=factory.SubFactory(
                UserFactory,
                email=factory.SelfAttribute("..email"),
                full_name=factory.LazyAttribute(
                    lambda user: f"{user.factory_parent.first_name} {user.factory_parent.last_name}"
                ),
            )
        )

    clinic = factory.SubFactory(ClinicFactory)
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Patient{n}")
    date_of_birth = date(1980, 5, 17)
    email = factory.LazyAttribute(
        lambda patient: f"{patient.first_name.lower()}.{patient.last_name.lower()}@example.test"
    )


class PatientRowFactory(DjangoModelFactory):
    """A row of a patient's record: of a new patient in a new clinic unless `patient`
    names one."""

    class Meta:
        abstract = True

    patient = factory.SubFactory(PatientFactory)


class SessionLogFactory(DjangoModelFactory):
    """A logged session under the program's current revision, logged at noon (UTC) of
    the day it was done, with no entries: give `exercises_done` when a test counts them."""

    class Meta:
        model = SessionLog

    revision = factory.LazyAttribute(
        lambda log: log.program.revisions.get(number=log.program.revision)
    )
    performed_on = factory.LazyAttribute(_patients_today)
    logged_at = factory.LazyAttribute(
        lambda log: datetime.combine(log.performed_on, time(12), tzinfo=UTC)
    )
    client_token = factory.Sequence(lambda n: f"factory-{n}")


class FlagFactory(PatientRowFactory):
    """An open flag, raised today (the patient's day)."""

    class Meta:
        model = Flag

    kind = Flag.Kind.PAIN_HIGH
    reason = "Pain 8/10 during exercise."
    raised_on = factory.LazyAttribute(_patients_today)


class GoalFactory(PatientRowFactory):
    class Meta:
        model = Goal

    text = "Walk to the shops"
    target_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    created_by = factory.LazyAttribute(_patients_clinician)


class IntakeFactory(PatientRowFactory):
    class Meta:
        model = Intake

    diagnosis = "Low back pain"
    region = "low_back"


class RedFlagScreenFactory(PatientRowFactory):
    """A screen with every question of its kind answered no, unless `answers` says
    otherwise; positive when any answer is yes, as patients.screening decides."""

    class Meta:
        model = RedFlagScreen

    kind = "low_back"
    answers = factory.LazyAttribute(
        lambda screen: dict.fromkeys((q.key for q in screening_questions(screen.kind)), False)
    )
    positive = factory.LazyAttribute(lambda screen: any(screen.answers.values()))
    screened_by = factory.LazyAttribute(_patients_clinician)


class OutcomeResponseFactory(PatientRowFactory):
    """A valid pain score (NPRS) entered by a clinician today: `value` is what it scored,
    and the answers are the same number unless given."""

    class Meta:
        model = OutcomeResponse

    code = "nprs"
    value = 5
    answers = factory.SelfAttribute("value")
    valid = True
    completed_on = factory.LazyFunction(date.today)
    source = OutcomeResponse.Source.CLINICIAN
    entered_by = factory.LazyAttribute(_patients_clinician)


class OutcomeAssignmentFactory(PatientRowFactory):
    class Meta:
        model = OutcomeAssignment

    code = "nprs"
    assigned_by = factory.LazyAttribute(_patients_clinician)


class MorningCheckFactory(PatientRowFactory):
    class Meta:
        model = MorningCheck

    checked_on = factory.LazyAttribute(_patients_today)
    compared = MorningCheck.Compared.SAME
    pain = 3


class VisitFactory(PatientRowFactory):
    class Meta:
        model = Visit

    measured_on = factory.LazyFunction(date.today)
    recorded_by = factory.LazyAttribute(_patients_clinician)


class MeasurementFactory(DjangoModelFactory):
    """A current value taken at a visit: a Schober test of 3 cm unless told otherwise."""

    class Meta:
        model = Measurement

    visit = factory.SubFactory(VisitFactory)
    code = "schober"
    value = 3
    recorded_by = factory.SelfAttribute("visit.recorded_by")
