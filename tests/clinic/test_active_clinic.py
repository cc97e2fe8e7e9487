"""Staff who work at several clinics: one active clinic at a time, chosen and audited."""

from __future__ import annotations

from django.contrib.auth import get_user
from django.test import Client

from clinic.models import AuditEvent, Membership
from patients.models import Patient
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.signin import sign_in


def test_a_member_of_two_clinics_chooses_one_after_signing_in(clinician_ab, clinic_a, clinic_b):
    client = Client()
    sign_in(client, clinician_ab.email, PASSWORD)
    assert get_user(client) == clinician_ab
    asked = client.get("/portal/")
    assert asked.status_code == 302 and asked["Location"].startswith("/portal/clinics/")
    page = client.get(asked["Location"]).content.decode()
    assert "Clinic A" in page and "Clinic B" in page


def test_each_clinics_charts_open_in_that_clinic_only(
    clinician_ab, clinic_a, clinic_b, patient_a1, patient_b1
):
    """Attack (before): the oldest membership was always used, so the second clinic's
    charts answered 404 for a clinician who works at both."""
    in_a = client_for(clinician_ab, clinic_a)
    in_b = client_for(clinician_ab, clinic_b)
    assert in_a.get(f"/portal/patients/{patient_a1.uuid}/").status_code == 200
    assert in_b.get(f"/portal/patients/{patient_b1.uuid}/").status_code == 200
    # Never the other clinic's record, even though the same person may see it there.
    assert in_a.get(f"/portal/patients/{patient_b1.uuid}/").status_code == 404
    assert in_b.get(f"/portal/patients/{patient_a1.uuid}/").status_code == 404


def test_the_caseload_never_mixes_two_clinics(
    clinician_ab, clinic_a, clinic_b, patient_a1, patient_b1
):
    in_a = client_for(clinician_ab, clinic_a).get("/portal/").content.decode()
    in_b = client_for(clinician_ab, clinic_b).get("/portal/").content.decode()
    assert "Okafor" in in_a and "Silva" not in in_a
    assert "Silva" in in_b and "Okafor" not in in_b


def test_switching_is_audited_in_the_clinic_switched_to(clinician_ab, clinic_a, clinic_b):
    client = client_for(clinician_ab, clinic_a)
    response = client.post("/portal/clinics/switch/", {"clinic": str(clinic_b.uuid)})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    page = client.get("/portal/")
    assert page.context["request"].clinic == clinic_b
    event = AuditEvent.objects.get(action="clinic.switch")
    assert event.clinic == clinic_b and event.actor == clinician_ab


def test_nobody_switches_to_a_clinic_they_do_not_belong_to(clinician_a, clinic_b):
    client = client_for(clinician_a)
    response = client.post("/portal/clinics/switch/", {"clinic": str(clinic_b.uuid)})
    assert response.status_code == 404
    assert client.get("/portal/").context["request"].clinic.name == "Clinic A"
    bad = client.post("/portal/clinics/switch/", {"clinic": "not-a-uuid"})
    assert bad.status_code == 404


def test_a_deactivated_membership_cannot_stay_the_active_clinic(
    clinician_ab, clinic_a, clinic_b, patient_a1
):
    client = client_for(clinician_ab, clinic_a)
    Membership.objects.filter(user=clinician_ab, clinic=clinic_a).update(is_active=False)
    # Clinic A's records are gone at once, and the one clinic left is not put in its place
    # unasked (found by review: a new patient typed on A's page was created in B).
    for url in (f"/portal/patients/{patient_a1.uuid}/", "/portal/"):
        answer = client.get(url, follow=True)
        assert answer.redirect_chain[0][0].startswith("/portal/clinics/?next=")
        assert "You no longer work in the clinic you were working in" in answer.content.decode()
    typed = {"first_name": "Zed", "last_name": "Private", "date_of_birth": "1980-01-02"}
    assert client.post("/portal/patients/new/", typed).status_code == 302
    assert not Patient.objects.filter(last_name="Private").exists()
    client.post("/portal/clinics/switch/", {"clinic": str(clinic_b.uuid)})
    assert client.get("/portal/").context["request"].clinic == clinic_b


def test_the_switcher_lists_only_ones_own_clinics(clinician_ab, clinic_a, clinician_b):
    page = client_for(clinician_ab, clinic_a).get("/portal/").content.decode()
    assert "Switch clinic" in page and "Clinic B" in page
    single = client_for(clinician_b).get("/portal/").content.decode()
    assert "Switch clinic" not in single


def test_next_after_choosing_stays_on_this_site(clinician_ab, clinic_a):
    client = client_for(clinician_ab)
    response = client.post(
        "/portal/clinics/switch/",
        {"clinic": str(clinic_a.uuid), "next": "https://evil.example/phish"},
    )
    assert response["Location"] == "/portal/"


def test_a_refused_switch_is_audited(clinician_a, clinic_b):
    client_for(clinician_a).post("/portal/clinics/switch/", {"clinic": str(clinic_b.uuid)})
    event = AuditEvent.objects.get(action="access.denied")
    assert event.object_type == "clinic" and event.object_id == str(clinic_b.uuid)
    assert event.actor == clinician_a and event.outcome == "denied"
