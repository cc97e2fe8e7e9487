"""Personas shared by every test: two clinics, their staff and patients, and a stranger.

Clinic A: admin_a, clinician_a, patients A1 and A2 (both with logins).
Clinic B: clinician_b, patient B1. Plus the anonymous visitor.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from clinic.models import Clinic, Membership, User
from patients.models import Patient

PASSWORD = "correct horse battery staple"
# One hash for all personas: Argon2 is deliberately slow and tests make many users.
_PASSWORD_HASH = None


def _hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


def make_user(email: str, full_name: str = "") -> User:
    return User.objects.create(email=email, full_name=full_name, password=_hash())


def make_staff(clinic: Clinic, email: str, role: str, full_name: str = "") -> User:
    user = make_user(email, full_name or email.split("@")[0].title())
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def make_patient(clinic: Clinic, first: str, last: str, *, login: bool = True, **extra) -> Patient:
    email = extra.pop("email", f"{first.lower()}.{last.lower()}@example.test")
    user = make_user(email, f"{first} {last}") if login else None
    return Patient.objects.create(
        clinic=clinic,
        first_name=first,
        last_name=last,
        date_of_birth=extra.pop("date_of_birth", date(1980, 5, 17)),
        email=email,
        user=user,
        **extra,
    )


@pytest.fixture
def clinic_a(db) -> Clinic:
    return Clinic.objects.create(name="Clinic A", phone="+1 555 0100", address="1 A Street")


@pytest.fixture
def clinic_b(db) -> Clinic:
    return Clinic.objects.create(name="Clinic B", phone="+1 555 0200")


@pytest.fixture
def admin_a(clinic_a) -> User:
    return make_staff(clinic_a, "admin.a@example.test", Membership.Role.ADMIN, "Ada Admin")


@pytest.fixture
def clinician_a(clinic_a) -> User:
    return make_staff(clinic_a, "clin.a@example.test", Membership.Role.CLINICIAN, "Cleo Clinician")


@pytest.fixture
def clinician_b(clinic_b) -> User:
    return make_staff(clinic_b, "clin.b@example.test", Membership.Role.CLINICIAN, "Bo Other")


@pytest.fixture
def patient_a1(clinic_a, clinician_a) -> Patient:
    return make_patient(clinic_a, "Amara", "Okafor", clinician=clinician_a)


@pytest.fixture
def patient_a2(clinic_a, clinician_a) -> Patient:
    return make_patient(clinic_a, "Arlo", "Nguyen", clinician=clinician_a)


@pytest.fixture
def patient_b1(clinic_b, clinician_b) -> Patient:
    return make_patient(clinic_b, "Bea", "Silva", clinician=clinician_b)


@pytest.fixture
def personas(db, admin_a, clinician_a, clinician_b, patient_a1, patient_a2, patient_b1) -> dict:
    """Everyone at once, by the names the permission matrix uses."""
    return {
        "anonymous": None,
        "patient_a1": patient_a1.user,
        "patient_a2": patient_a2.user,
        "clinician_a": clinician_a,
        "admin_a": admin_a,
        "clinician_b": clinician_b,
        "patient_b1": patient_b1.user,
    }


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


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
    """Uploaded files go to a throwaway folder, never the developer's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
