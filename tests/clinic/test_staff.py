from __future__ import annotations

from django.contrib.auth import get_user
from django.core import mail

from clinic.models import AuditEvent, Membership, User
from tests.conftest import client_for


def test_an_admin_invites_a_clinician_who_sets_a_password(
    as_admin_a, clinic_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin_a.post(
            "/portal/staff/",
            {"full_name": "Nell Park", "email": "Nell@Example.test", "role": "clinician"},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nell@example.test")
    assert membership.clinic == clinic_a and membership.role == "clinician"
    assert len(mail.outbox) == 1 and "/invite/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="staff.invite").exists()


def test_inviting_an_existing_colleague_again_is_refused(as_admin_a, clinician_a):
    response = as_admin_a.post(
        "/portal/staff/", {"full_name": "Again", "email": clinician_a.email, "role": "admin"}
    )
    assert "already on your clinic" in response.content.decode()
    assert Membership.objects.get(user=clinician_a).role == "clinician"


def test_a_patient_email_cannot_become_staff(as_admin_a, patient_a1):
    response = as_admin_a.post(
        "/portal/staff/", {"full_name": "X", "email": patient_a1.email, "role": "clinician"}
    )
    assert "belongs to a patient" in response.content.decode()
    assert not Membership.objects.filter(user=patient_a1.user).exists()


def test_an_admin_changes_a_role(as_admin_a, clinician_a):
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "role", "role": "admin"})
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_a_bad_role_is_refused(as_admin_a, clinician_a):
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "role", "role": "owner"})
    membership.refresh_from_db()
    assert membership.role == "clinician"


def test_deactivation_ends_access_at_once_and_can_be_undone(as_admin_a, clinician_a, patient_a1):
    as_clinician = client_for(clinician_a)
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "deactivate"})
    clinician_a.refresh_from_db()
    assert not clinician_a.is_active
    # The open session is no longer authenticated.
    assert not get_user(as_clinician).is_authenticated
    assert as_clinician.get(f"/portal/patients/{patient_a1.uuid}/").status_code == 302
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "reactivate"})
    clinician_a.refresh_from_db()
    assert clinician_a.is_active


def test_an_admin_cannot_lock_themselves_out(as_admin_a, admin_a):
    membership = Membership.objects.get(user=admin_a)
    response = as_admin_a.post(
        f"/portal/staff/{membership.uuid}/", {"action": "deactivate"}, follow=True
    )
    assert "cannot change your own" in response.content.decode()
    assert User.objects.get(pk=admin_a.pk).is_active


def test_the_staff_list_shows_only_this_clinic(as_admin_a, clinician_b):
    body = as_admin_a.get("/portal/staff/").content.decode()
    assert clinician_b.email not in body
