"""Idempotency-Key on the API's creating POSTs (clinic.api.framework.created_once): an
integration that sends a request again, because the first answer was lost, gets what the
first one created, not a second patient, visit or questionnaire."""

from __future__ import annotations

from datetime import date

import pytest

from clinic.models import AuditEvent, FormSending
from patients.models import OutcomeResponse, Patient, Visit
from tests.conftest import api_client, api_token_for

TODAY = date.today().isoformat()
NPRS = {"code": "nprs", "completed_on": TODAY, "fields": {"best": "2", "worst": "6", "now": "4"}}
VISIT = {"measured_on": TODAY, "values": [{"code": "schober", "value": 4}]}
NEW_PATIENT = {"first_name": "Rita", "last_name": "Novak", "date_of_birth": "1970-01-02"}


@pytest.fixture
def api(clinic_a, admin_a):
    return api_client(api_token_for(clinic_a, "all", by=admin_a))


def send(client, url: str, data: dict, key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, data, content_type="application/json", headers=headers)


def outcomes(patient) -> str:
    return f"/api/v1/patients/{patient.uuid}/outcomes/"


def test_a_questionnaire_sent_again_with_its_key_is_recorded_once(api, patient_a1):
    first = send(api, outcomes(patient_a1), NPRS, "k-1")
    again = send(api, outcomes(patient_a1), NPRS, "k-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert OutcomeResponse.objects.filter(patient=patient_a1).count() == 1


def test_without_a_key_or_with_another_each_sending_creates(api, patient_a1):
    for key in (None, None, "k-1", "k-2"):
        assert send(api, outcomes(patient_a1), NPRS, key).status_code == 201
    assert OutcomeResponse.objects.filter(patient=patient_a1).count() == 4
    assert FormSending.objects.count() == 2


def test_a_key_belongs_to_its_token_and_its_address(clinic_a, admin_a, patient_a1, patient_a2):
    one = api_client(api_token_for(clinic_a, "all", by=admin_a))
    other = api_client(api_token_for(clinic_a, "all", by=admin_a))
    assert send(one, outcomes(patient_a1), NPRS, "same").status_code == 201
    assert send(other, outcomes(patient_a1), NPRS, "same").status_code == 201
    assert send(one, outcomes(patient_a2), NPRS, "same").status_code == 201
    assert OutcomeResponse.objects.filter(patient=patient_a1).count() == 2
    assert OutcomeResponse.objects.filter(patient=patient_a2).count() == 1


def test_a_refused_sending_keeps_nothing_so_its_corrected_retry_creates(api, patient_a1):
    wrong = {**NPRS, "fields": {"best": "12"}}
    assert send(api, outcomes(patient_a1), wrong, "k-1").status_code == 400
    assert not FormSending.objects.exists()
    assert send(api, outcomes(patient_a1), NPRS, "k-1").status_code == 201


@pytest.mark.parametrize("key", ["", "é", "a b", "x" * 256, "tab\there"])
def test_a_key_that_is_not_visible_ascii_is_refused(api, patient_a1, key):
    answer = send(api, outcomes(patient_a1), NPRS, key)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["error"]["fields"]
    assert not OutcomeResponse.objects.exists()


def test_a_visit_sent_again_is_recorded_once_and_its_reading_audited(api, patient_a1):
    url = f"/api/v1/patients/{patient_a1.uuid}/measurements/"
    first = send(api, url, VISIT, "visit-1")
    reads = AuditEvent.objects.filter(action="measures.view", patient_uuid=patient_a1.uuid)
    before = reads.count()
    again = send(api, url, VISIT, "visit-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Visit.objects.filter(patient=patient_a1).count() == 1
    assert reads.count() == before + 1


def test_a_new_patient_sent_again_is_added_once(api, clinic_a):
    first = send(api, "/api/v1/patients/", NEW_PATIENT, "rita")
    again = send(api, "/api/v1/patients/", NEW_PATIENT, "rita")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Patient.objects.filter(clinic=clinic_a, last_name="Novak").count() == 1
