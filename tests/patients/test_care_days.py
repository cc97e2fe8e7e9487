"""A record of care is dated from 1990 on (clinic.validators.validate_care_day), wherever
the date comes in: a slip of the year is refused with a message, where a day near year 1
was a 500 (a session's two-week look back, a discharge letter's two years) and a day in
1900 was stored."""

from __future__ import annotations

import pytest

from patients.models import Discharge, SessionLog
from programs.builder.forms import ProgramForm
from tests.conftest import api_client, api_token_for


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-10", "1900-01-01", "1989-12-31"])
def test_the_api_refuses_a_session_dated_before_1990(clinic_a, patient_a1, program_a1, day):
    api = api_client(api_token_for(clinic_a, "all"))
    answer = api.post(
        f"/api/v1/patients/{patient_a1.uuid}/sessions/",
        {
            "client_token": f"tok-{day}",
            "performed_on": day,
            "pain": 3,
            "exercises": [{"item": program_a1.items.first().pk}],
        },
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["performed_on"] == ["Check the year."]
    assert not SessionLog.objects.filter(patient=patient_a1).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "0002-06-30", "1900-05-01"])
def test_a_discharge_dated_before_1990_is_sent_back_with_a_message(
    as_clinician_a, patient_a1, program_a1, day
):
    page = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/discharge/",
        {
            "program": str(program_a1.uuid),
            "discharged_on": day,
            "summary": "Went well.",
            "maintenance": "on",
            "letter": "on",
        },
    )
    assert page.status_code == 200
    assert "Check the year." in page.content.decode()
    assert not Discharge.objects.filter(patient=patient_a1).exists()


@pytest.mark.parametrize("field", ["start_date", "review_date"])
def test_a_programs_dates_start_in_1990(field):
    data = {"title": "Low back", "status": "active", field: "0001-01-01"}
    form = ProgramForm(data=data)
    assert not form.is_valid()
    assert form.errors[field] == ["Check the year."]
    assert ProgramForm(data={**data, field: "1990-01-01"}).is_valid(), form.errors


def test_a_template_has_no_dates_to_check():
    form = ProgramForm(data={"title": "Low back"}, is_template=True)
    assert "start_date" not in form.fields and form.is_valid(), form.errors
