"""Idempotency-Key on the API's creating POSTs (clinic.api.framework.created_once): an
integration that sends a request again, because the first answer was lost, gets what the
first one created, not a second patient, visit or questionnaire."""

from __future__ import annotations

from datetime import date

import pytest

from clinic.models import AuditEvent, FormSending
from patients.models import OutcomeResponse, Patient, PrecautionDecision, Visit
from patients.services import patient_program_start
from programs.models import Exercise, Program, ProgramItem
from programs.services import program_copy
from tests.conftest import actor_of, api_client, api_token_for
from tests.factories import IntakeFactory

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


# --- Program start: its checks run outside the key's transaction -------------------------


def programs(patient) -> str:
    return f"/api/v1/patients/{patient.uuid}/programs/"


@pytest.fixture
def early(db):
    return {"template": str(Program.objects.get(template_key="low-back-early-movement").uuid)}


def statuses(patient) -> list[str]:
    rows = Program.objects.filter(assignment__patient=patient)
    return sorted(rows.values_list("status", flat=True))


def test_a_replacing_start_sent_again_does_not_replace_the_program_it_started(
    api, admin_a, patient_a1, early
):
    """The lost-answer retry of "replace the current program" would complete the program
    the first sending started, and start a third."""
    old = Program.objects.get(uuid=early["template"])
    patient_program_start(actor=actor_of(admin_a), patient=patient_a1, source=old)
    body = {**early, "replace_current": True}
    first = send(api, programs(patient_a1), body, "start-1")
    again = send(api, programs(patient_a1), body, "start-1")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert statuses(patient_a1) == ["active", "completed"]


def test_a_start_sent_again_is_answered_with_its_program_not_refused_by_it(api, patient_a1, early):
    first = send(api, programs(patient_a1), early, "start-1")
    again = send(api, programs(patient_a1), early, "start-1")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json() == first.json()
    assert statuses(patient_a1) == ["active"]
    opened = AuditEvent.objects.filter(action="program.view", patient_uuid=patient_a1.uuid)
    assert opened.count() == 1


def test_a_refused_template_stays_in_the_audit_log_when_a_key_is_sent(api, patient_a1):
    unknown = "6f0c1c8e-0000-4000-8000-000000000000"
    answer = send(api, programs(patient_a1), {"template": unknown}, "start-1")
    assert answer.status_code == 400
    denied = AuditEvent.objects.filter(action="access.denied", object_id=unknown)
    assert denied.count() == 1
    assert not FormSending.objects.exists()


def test_a_start_refused_for_a_precaution_keeps_no_key_so_its_decided_retry_starts(
    api, clinic_a, admin_a, patient_a1, early
):
    source = Program.objects.get(uuid=early["template"])
    own = program_copy(source=source, clinic=clinic_a, actor=actor_of(admin_a), as_template=True)
    risky = Exercise.objects.get(slug="knee-to-chest-single", clinic=None)
    ProgramItem.objects.create(program=own, exercise=risky, order=99)
    IntakeFactory(
        patient=patient_a1, diagnosis="Hip replacement", region="hip", precautions=["hip_posterior"]
    )
    refused = send(api, programs(patient_a1), {"template": str(own.uuid)}, "start-1")
    assert refused.status_code == 409
    assert not FormSending.objects.exists()
    keep = [
        {"exercise": c["exercise"], "precaution": c["precaution"], "reason": "Checked: within 90°"}
        for c in refused.json()["error"]["conflicts"]
    ]
    decided = {"template": str(own.uuid), "keep": keep}
    started = send(api, programs(patient_a1), decided, "start-1")
    assert started.status_code == 201, started.content
    assert send(api, programs(patient_a1), decided, "start-1").status_code == 200
    assert statuses(patient_a1) == ["active"]
    assert PrecautionDecision.objects.filter(patient=patient_a1, exercise=risky).count() == 1


def test_a_key_sent_again_with_another_body_is_refused_not_answered_with_the_first(api):
    """Found by the attack review: the same key for the next patient (an integration's
    counter reset, say) was answered 200 with the first patient's record, and the
    integration filed Bob's data under Ann's id. A key names one request."""
    ann = send(api, "/api/v1/patients/", NEW_PATIENT, "batch-7")
    bob = {"first_name": "Bob", "last_name": "Second", "date_of_birth": "1980-03-04"}
    refused = send(api, "/api/v1/patients/", bob, "batch-7")
    assert ann.status_code == 201
    assert refused.status_code == 422 and "Idempotent-Replayed" not in refused
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert ann.json()["id"] not in refused.content.decode()
    assert not Patient.objects.filter(last_name="Second").exists()
    # The same body again, its keys in another order, is still the first request's resend.
    again = send(api, "/api/v1/patients/", dict(reversed(NEW_PATIENT.items())), "batch-7")
    assert again.status_code == 200 and again.json()["id"] == ann.json()["id"]
