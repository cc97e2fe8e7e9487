from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client
from django.utils import timezone

from clinic.invitations import invitation_accept, invitation_create, invitation_find
from clinic.models import Invitation
from patients.models import Patient
from tests.conftest import make_patient

NEW_PASSWORD = "a sunny walk by the river"


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """POST the chart's invitation button, running the after-commit e-mail like production."""

    def post(client: Client, patient: Patient, delivery: str = "email", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/portal/patients/{patient.uuid}/invitation/", {"delivery": delivery}, **kwargs
            )

    return post


def link_from_outbox() -> str:
    body = mail.outbox[-1].body
    return next(line for line in body.splitlines() if "/invite/" in line).strip()


def test_inviting_creates_a_login_and_emails_a_link_without_health_data(
    invite, as_clinician_a, clinic_a
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    response = invite(as_clinician_a, patient)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.user is not None and not patient.user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert "Nia" not in message.subject and "Brooks" not in message.subject
    assert "/invite/" in message.body


def test_the_patient_sets_a_password_and_lands_in_the_patient_area(
    invite, as_clinician_a, clinic_a
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    link = link_from_outbox()
    visitor = Client()
    assert visitor.get(link).status_code == 200
    response = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    home = visitor.get(response["Location"], follow=True)
    assert home.request["PATH_INFO"] == "/me/"
    assert "Hello Nia" in home.content.decode()
    patient.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)


def test_a_link_works_only_once(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    link = link_from_outbox()
    Client().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().post(
        link, {"new_password1": "another long phrase", "new_password2": "another long phrase"}
    )
    assert again.status_code == 410
    patient.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)


def test_a_link_expires_after_seven_days(patient_a1, admin_a):
    token = invitation_create(user=patient_a1.user, created_by=admin_a)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert invitation_find(token) is not None
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert invitation_find(token) is None
        assert Client().get(f"/invite/{token}/").status_code == 410
        assert invitation_accept(token=token, password=NEW_PASSWORD) is None


def test_a_new_link_replaces_the_old_one(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    first = link_from_outbox()
    invite(as_clinician_a, patient)
    second = link_from_outbox()
    assert first != second
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200
    patient.refresh_from_db()
    assert Invitation.objects.filter(user=patient.user).usable().count() == 1


def test_a_weak_password_is_refused_with_a_message_and_the_link_stays_usable(patient_a1, admin_a):
    token = invitation_create(user=patient_a1.user, created_by=admin_a)
    response = Client().post(
        f"/invite/{token}/", {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert invitation_find(token) is not None


def test_printing_shows_the_link_and_sends_no_mail(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    response = invite(as_clinician_a, patient, delivery="print")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "/invite/" in body
    assert mail.outbox == []


def test_a_patient_without_email_cannot_be_invited(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False, email="")
    response = invite(as_clinician_a, patient, follow=True)
    assert "e-mail address first" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None
    assert mail.outbox == []


def test_an_email_of_a_staff_account_is_never_given_to_a_patient(
    invite, as_clinician_a, clinic_a, clinician_b
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False, email=clinician_b.email)
    response = invite(as_clinician_a, patient, follow=True)
    assert "already belongs to another login" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None
    clinician_b.refresh_from_db()
    assert clinician_b.has_usable_password()


def test_accepting_while_signed_in_as_someone_else_switches_user(
    patient_a1, admin_a, as_clinician_a
):
    token = invitation_create(user=patient_a1.user, created_by=admin_a)
    as_clinician_a.post(
        f"/invite/{token}/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert get_user(as_clinician_a) == patient_a1.user
