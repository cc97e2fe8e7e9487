"""A fault of ours under the API's and the FHIR export's addresses: answered 500 in their
documented shapes (the error body, an OperationOutcome), never the portal's HTML page,
which an integration's code cannot read as the error it is (found by the API review)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from clinic.error_pages import server_error
from tests.conftest import api_token_for


@pytest.fixture
def raw(clinic_a):
    """A client that gets the server's answer to an error, as an integration does."""
    bearer = f"Bearer {api_token_for(clinic_a, 'all')}"
    return Client(raise_request_exception=False, headers={"Authorization": bearer})


def _broken(*args, **kwargs):
    raise RuntimeError("a fault of ours")


def test_it_answers_an_api_fault_in_the_error_shape(raw, patient_a1, monkeypatch):
    from patients.api import views

    monkeypatch.setattr(views.PatientDetail, "get", _broken)
    response = raw.get(f"/api/v1/patients/{patient_a1.uuid}/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "status": 500,
        "code": "server_error",
        "message": "Something went wrong on our side; it has been logged. Try again later.",
        "fields": {},
    }
    assert "a fault of ours" not in response.content.decode()


def test_it_answers_a_fhir_fault_as_an_operation_outcome(raw, patient_a1, monkeypatch):
    from patients.api import fhir_views

    monkeypatch.setattr(fhir_views.PatientRead, "get", _broken)
    response = raw.get(f"/fhir/R4/Patient/{patient_a1.uuid}")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/fhir+json"
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "exception"


@pytest.mark.parametrize("path", ["/api/v1/patients/", "/fhir/R4/Patient", "/portal/"])
def test_it_reads_nothing_from_the_database_to_answer(path):
    """The database may be the fault: without the `db` fixture, a query here would fail."""
    request = RequestFactory().get(path)
    try:
        raise RuntimeError("a fault of ours")
    except RuntimeError:
        assert server_error(request).status_code == 500
