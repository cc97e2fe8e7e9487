from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from clinic.models import AuditEvent
from patients.models import Measurement, OutcomeAssignment, OutcomeResponse
from patients.reports import safe_cell


def url(patient, suffix="") -> str:
    return f"/portal/patients/{patient.uuid}/{suffix}"


def record(client, patient, day, **values):
    data = {"measured_on": day.isoformat(), "notes": ""}
    data.update({key: str(value) for key, value in values.items()})
    return client.post(url(patient, "measures/new/"), data)


def odi(client, patient, day, sections):
    data = {"completed_on": day.isoformat()}
    data.update({f"section_{n}": "" if v is None else str(v) for n, v in enumerate(sections, 1)})
    return client.post(url(patient, "outcomes/odi/new/"), data)


BASE = date.today() - timedelta(days=42)
LATER = date.today() - timedelta(days=2)


def test_a_visit_records_several_measures_with_sides_and_flags(as_clinician_a, patient_a1):
    response = record(
        as_clinician_a,
        patient_a1,
        BASE,
        schober="2.5",
        fingertip_floor="-3",
        slr_left="45",
        slr_left_pain="on",
        slr_left_symptoms="Back of thigh",
        sit_reach="12",
        sit_reach_zero="23",
    )
    assert response.status_code == 302
    rows = {(m.code, m.side): m for m in Measurement.objects.all()}
    assert rows[("fingertip_floor", "")].value == -3  # negative allowed: past the floor
    assert rows[("slr", "left")].pain_limited and rows[("slr", "left")].symptoms == "Back of thigh"
    assert rows[("sit_reach", "")].zero_point == 23
    assert rows[("schober", "")].method == "Tape over 15 cm"
    assert AuditEvent.objects.filter(
        action="measures.record", patient_uuid=patient_a1.uuid
    ).exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"schober": "40"}, "Modified Schober is recorded from -2 to 15 cm"),
        ({"lumbar_flexion": "-5"}, "Lumbar flexion is recorded from 0 to 120"),
        ({"hip_flexion_left": "abc"}, "Enter a number"),
        ({}, "Enter at least one measurement"),
        ({"sit_reach": "10"}, "Give the zero point"),
    ],
)
def test_bad_measures_get_clear_messages_and_save_nothing(
    as_clinician_a, patient_a1, values, message
):
    response = record(as_clinician_a, patient_a1, BASE, **values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Measurement.objects.exists()


def test_a_future_visit_date_is_refused(as_clinician_a, patient_a1):
    response = record(as_clinician_a, patient_a1, date.today() + timedelta(days=3), schober="4")
    assert "cannot be in the future" in response.content.decode()


def test_a_correction_keeps_the_old_value_and_is_audited(as_clinician_a, patient_a1):
    record(as_clinician_a, patient_a1, BASE, schober="2.5")
    original = Measurement.objects.get()
    as_clinician_a.post(
        url(patient_a1, f"measures/{original.uuid}/correct/"), {"value": "3.5", "notes": "typo"}
    )
    original.refresh_from_db()
    current = Measurement.objects.current().get()
    assert original.replaced_at is not None and original.replaced_by == current
    assert (original.value, current.value) == (2.5, 3.5)
    assert AuditEvent.objects.filter(action="measures.correct").exists()
    page = as_clinician_a.get(url(patient_a1, f"measures/{current.uuid}/correct/")).content.decode()
    assert "Earlier values" in page and "2.5" in page


def test_scores_come_from_the_items_and_odi_shows_band_and_change(as_clinician_a, patient_a1):
    odi(as_clinician_a, patient_a1, BASE, [3, 3, 2, 3, 2, 3, 2, None, 2, 2])  # 22/45 = 48.9%
    odi(as_clinician_a, patient_a1, LATER, [1, 1, 1, 1, 1, 1, 1, None, 1, 1])  # 9/45 = 20%
    baseline, latest = OutcomeResponse.objects.order_by("completed_on")
    assert round(baseline.value, 1) == 48.9 and baseline.band == "41-60"
    assert latest.value == 20 and latest.answers[7] is None
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    # 48.9 - 20 = 28.9 points (>= 10) and 59 % (>= 30 %): both rules met
    assert "Meaningful change" in page and "+28.9" in page
    assert "met; 30%: met" in page


def test_too_many_skipped_odi_sections_store_an_unscored_response(as_clinician_a, patient_a1):
    response = odi(as_clinician_a, patient_a1, BASE, [1, 1, 1, 1, 1, 1, 1, None, None, None])
    assert response.status_code == 302
    stored = OutcomeResponse.objects.get()
    assert stored.valid is False and stored.value is None


def test_licensed_instruments_show_section_names_only(as_clinician_a, patient_a1):
    page = as_clinician_a.get(url(patient_a1, "outcomes/odi/new/")).content.decode()
    assert "Pain intensity" in page and "licensed form" in page
    sbst = as_clinician_a.get(url(patient_a1, "outcomes/sbst/new/")).content.decode()
    assert "Agree" in sbst and "licensed form" in sbst


def test_start_back_gives_a_risk_group_and_pathway(as_clinician_a, patient_a1):
    data = {
        "completed_on": LATER.isoformat(),
        **{f"item_{n}": "1" for n in range(1, 9)},
        "item_9": "4",
    }
    as_clinician_a.post(url(patient_a1, "outcomes/sbst/new/"), data)
    assert OutcomeResponse.objects.get().band == "high"
    assert "High risk" in as_clinician_a.get(url(patient_a1)).content.decode()


def test_an_unknown_instrument_is_a_404(as_clinician_a, patient_a1):
    assert as_clinician_a.get(url(patient_a1, "outcomes/zzz/new/")).status_code == 404


def test_the_patient_completes_an_assigned_psfs_and_it_carries_activities_forward(
    as_clinician_a, as_patient_a1, patient_a1
):
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "psfs"})
    assert "fill in a short questionnaire" in as_patient_a1.get("/me/").content.decode()
    data = {"activity_1": "Gardening", "rating_1": "3", "activity_2": "Driving", "rating_2": "5"}
    data.update({"activity_3": "Lifting a child", "rating_3": "4"})
    as_patient_a1.post("/me/questionnaire/", data)
    first = OutcomeResponse.objects.get()
    assert (first.value, first.source) == (4, "patient")
    assert OutcomeAssignment.objects.get().response == first
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "psfs"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    assert 'value="Gardening"' in page and 'value="Lifting a child"' in page


def test_psfs_needs_three_rated_activities(as_clinician_a, as_patient_a1, patient_a1):
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "psfs"})
    response = as_patient_a1.post(
        "/me/questionnaire/", {"activity_1": "Gardening", "rating_1": "3"}
    )
    assert "at least 3 activities" in response.content.decode()
    assert not OutcomeResponse.objects.exists()


def test_licensed_instruments_cannot_be_sent_to_the_patient(as_clinician_a, patient_a1):
    response = as_clinician_a.post(
        url(patient_a1, "outcomes/assign/"), {"code": "odi"}, follow=True
    )
    assert "Only NPRS, PSFS, RMDQ and LEFS" in response.content.decode()
    assert not OutcomeAssignment.objects.exists()


def test_the_measures_page_query_count_does_not_grow(as_clinician_a, patient_a1):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_clinician_a.get(url(patient_a1, "measures/")).status_code == 200
        return len(queries)

    record(as_clinician_a, patient_a1, BASE, schober="2")
    odi(as_clinician_a, patient_a1, BASE, [2] * 10)
    few = count()
    for weeks in range(1, 9):
        day = BASE + timedelta(weeks=weeks)
        if day <= date.today():
            record(as_clinician_a, patient_a1, day, schober="3", slr_left="50", slr_right="55")
            odi(as_clinician_a, patient_a1, day, [1] * 10)
    assert count() == few


def test_the_report_pdf_has_the_numbers(as_clinician_a, patient_a1):
    record(as_clinician_a, patient_a1, BASE, schober="2.5")
    record(as_clinician_a, patient_a1, LATER, schober="5.0")
    odi(as_clinician_a, patient_a1, BASE, [3, 3, 2, 3, 2, 3, 2, None, 2, 2])
    odi(as_clinician_a, patient_a1, LATER, [1, 1, 1, 1, 1, 1, 1, None, 1, 1])
    response = as_clinician_a.post(
        url(patient_a1, "report/"),
        {
            "start": (BASE - timedelta(days=1)).isoformat(),
            "end": date.today().isoformat(),
            "narrative": "Good progress <b>",
        },
    )
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Amara Okafor" in text and "Oswestry" in text
    assert "48.9" in text and "+28.9" in text and "Good progress <b>" in text
    assert "Modified Schober" in text and "+2.5 cm" in text
    assert AuditEvent.objects.filter(
        action="report.download", patient_uuid=patient_a1.uuid
    ).exists()


def test_a_bad_report_period_is_explained(as_clinician_a, patient_a1):
    response = as_clinician_a.post(
        url(patient_a1, "report/"), {"start": "2026-05-01", "end": "2026-01-01", "narrative": ""}
    )
    assert "end date is before the start date" in response.content.decode()


def test_the_csv_export_neutralises_formulas_and_is_audited(as_clinician_a, patient_a1):
    record(as_clinician_a, patient_a1, BASE, fingertip_floor="-3", schober="2")
    measurement = Measurement.objects.get(code="schober")
    Measurement.objects.filter(pk=measurement.pk).update(notes='=HYPERLINK("http://x")')
    response = as_clinician_a.get(url(patient_a1, "export.csv"))
    assert (
        "no-store" in response["Cache-Control"] and "Okafor" not in response["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert "-3.0" in cells  # a negative number stays a number
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert AuditEvent.objects.filter(action="export.csv").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("-3.5", "-3.5"),
        ("12", "12"),
        ("Gardening", "Gardening"),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_pages_showing_patient_data_before_a_write_are_audited(as_clinician_a, patient_a1):
    record(as_clinician_a, patient_a1, BASE, schober="2.5")
    measurement = Measurement.objects.get()
    as_clinician_a.get(url(patient_a1, f"measures/{measurement.uuid}/correct/"))
    as_clinician_a.get(url(patient_a1, "outcomes/psfs/new/"))
    actions = set(
        AuditEvent.objects.filter(patient_uuid=patient_a1.uuid).values_list("action", flat=True)
    )
    assert {"measures.view", "outcome.form"} <= actions
