"""The measures page reads each thing once: its queries are pinned and do not grow with
what was recorded (visits, measures, questionnaires, requests and schedules)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

# Counted on this test's page, the session and sign-in reads and the audit write
# included.
MEASURES_QUERIES = 9


def measures_queries(client, patient) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/portal/patients/{patient.uuid}/measures/")
    assert response.status_code == 200
    # Who entered a questionnaire is shown nowhere (nor on the chart, which reads the
    # same figures): their account is not joined to each response.
    read = [q["sql"] for q in queries if q["sql"].startswith('SELECT "patients_outcomeresponse"')]
    assert read and not [sql for sql in read if 'JOIN "clinic_user"' in sql]
    return len(queries), response.content.decode()


def some_records(client, patient, start: int, days: int) -> None:
    base = f"/portal/patients/{patient.uuid}/"
    for n in range(days):
        day = (date.today() - timedelta(days=start + n)).isoformat()
        visit = {"measured_on": day, "notes": "", "lumbar_flexion": str(40 + n)}
        visit |= {"slr_left": str(50 + n), "slr_right": "55", "sit_reach": "30"}
        visit |= {"sit_reach_zero": "23"}
        assert client.post(base + "measures/new/", visit).status_code == 302
        answers = {"completed_on": day, "best": "2", "worst": str(5 + n % 3), "now": "3"}
        assert client.post(base + "outcomes/nprs/new/", answers).status_code == 302
        odi = {"completed_on": day, **{f"section_{k}": str(n % 5) for k in range(1, 11)}}
        assert client.post(base + "outcomes/odi/new/", odi).status_code == 302
    for code, every in (("psfs", ""), ("rmdq", "4"), ("lefs", "2")):
        assign = {"code": code, "every_weeks": every}
        assert client.post(base + "outcomes/assign/", assign).status_code == 302


def test_the_measures_page_queries_are_pinned(as_clinician_a, patient_a1):
    some_records(as_clinician_a, patient_a1, start=30, days=2)
    count, page = measures_queries(as_clinician_a, patient_a1)
    assert count == MEASURES_QUERIES
    assert "Straight leg raise" in page and "ODI" in page and "Stop asking" in page

    some_records(as_clinician_a, patient_a1, start=10, days=5)
    assert measures_queries(as_clinician_a, patient_a1)[0] == MEASURES_QUERIES
