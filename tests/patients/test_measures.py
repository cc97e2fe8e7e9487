from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.actors import Actor
from clinic.models import AuditEvent
from patients.measures import MEASURES
from patients.models import Measurement, OutcomeAssignment, OutcomeResponse
from patients.outcomes import instrument_summaries, outcome_record
from patients.reports import safe_cell
from tests.conftest import client_for, line_xs, post_for_document, spaced
from tests.factories import IntakeFactory, OutcomeAssignmentFactory, OutcomeResponseFactory
from tests.pdf_text import page_texts, pdf_text


def url(patient, suffix="") -> str:
    return f"/portal/patients/{patient.uuid}/{suffix}"


def record(client, patient, day, **values):
    data = {"measured_on": day.isoformat(), "notes": ""}
    data.update({key: str(value) for key, value in values.items()})
    return client.post(url(patient, "measures/new/"), data)


def odi(client, patient, day, sections, code="odi"):
    data = {"completed_on": day.isoformat()}
    data.update({f"section_{n}": "" if v is None else str(v) for n, v in enumerate(sections, 1)})
    return client.post(url(patient, f"outcomes/{code}/new/"), data)


def ndi(client, patient, day, sections):
    return odi(client, patient, day, sections, code="ndi")


BASE = date.today() - timedelta(days=42)
LATER = date.today() - timedelta(days=2)


def send_questionnaire(client, data: dict):
    """Answers sent from the questionnaire page, with the request it shows (its hidden
    field), as the patient's browser sends them."""
    page = client.get("/me/questionnaire/").content.decode()
    (assignment,) = re.findall(r'name="assignment" value="([0-9a-f-]{36})"', page)
    return client.post("/me/questionnaire/", {**data, "assignment": assignment})


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


def test_values_out_of_range_get_one_message_each_and_are_not_called_missing(
    as_clinician_a, patient_a1
):
    """Found by the portal review: 99999 degrees of flexion, -400 cm and 1e5 got "Enter at
    least one measurement." above them, and each a second message about digits."""
    response = record(
        as_clinician_a, patient_a1, BASE, lumbar_flexion="99999", fingertip_floor="-400"
    )
    form = response.context["form"]
    assert form.non_field_errors() == []
    assert [len(form.errors[key]) for key in ("lumbar_flexion", "fingertip_floor")] == [1, 1]
    assert "is recorded from" in form.errors["lumbar_flexion"][0]
    assert not Measurement.objects.exists()
    # Still refused when nothing at all is entered.
    assert record(as_clinician_a, patient_a1, BASE).context["form"].non_field_errors() == [
        "Enter at least one measurement."
    ]


def test_a_knee_patients_visit_form_starts_with_the_knee(as_clinician_a, patient_a1):
    """Found by the portal review: the visit form held only low-back and hip measures, so
    a knee replacement's range of motion could not be recorded, nor be a goal's target.
    The form is grouped by body area, the patient's own first."""
    IntakeFactory(patient=patient_a1, region="knee")
    page = as_clinician_a.get(url(patient_a1, "measures/new/")).content.decode()
    areas = re.findall(r'<th colspan="4" scope="rowgroup"[^>]*>([^<]+)</th>', page)
    assert areas[0] == "Knee" and {"Low back", "Hip", "Shoulder", "Neck"} <= set(areas)
    knee = page.split(">Knee</th>")[1].split('scope="rowgroup"')[0]
    assert 'name="knee_flexion_left"' in knee and 'name="knee_extension_right"' in knee
    assert "Typical: about 135°" in knee
    response = record(
        as_clinician_a, patient_a1, BASE, knee_flexion_left="95", knee_extension_left="-10"
    )
    assert response.status_code == 302
    saved = {(m.code, m.side): m.value for m in Measurement.objects.all()}
    assert saved == {("knee_flexion", "left"): 95, ("knee_extension", "left"): -10}
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "Knee flexion" in page and "Knee extension" in page


def test_every_measures_bounds_fit_its_column():
    """The bounds are all that keep a value inside Measurement.value (the form has no
    max_digits, so that a value out of range gets one message, the bounds')."""
    column = Measurement._meta.get_field("value")
    largest = 10 ** (column.max_digits - column.decimal_places)
    for measure in MEASURES:
        assert -largest < measure.low <= measure.high < largest, measure.code


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


@pytest.mark.parametrize(
    ("measure", "zero_point", "kept"),
    [("schober", "-999.9", None), ("sit_reach", "-999.9", "refused"), ("sit_reach", "23", 23)],
)
def test_a_correction_takes_a_zero_point_only_where_the_visit_form_does(
    as_clinician_a, patient_a1, measure, zero_point, kept
):
    """Found by review: a correction stored any ±999.9 zero point on any measure (hip
    flexion's CSV export printed it); the visit form takes one only for sit-and-reach,
    within ±50 cm."""
    record(
        as_clinician_a, patient_a1, BASE, **{measure: "5"},
        **({"sit_reach_zero": "20"} if measure == "sit_reach" else {}),
    )  # fmt: skip
    original = Measurement.objects.get()
    page = as_clinician_a.get(url(patient_a1, f"measures/{original.uuid}/correct/"))
    assert ('name="zero_point"' in page.content.decode()) == (measure == "sit_reach")
    as_clinician_a.post(
        url(patient_a1, f"measures/{original.uuid}/correct/"),
        {"value": "6", "zero_point": zero_point, "notes": "typo"},
    )
    current = Measurement.objects.current().get()
    if kept == "refused":
        assert current == original
    else:
        assert current.value == 6 and current.zero_point == kept


def test_scores_come_from_the_items_and_odi_shows_band_and_change(as_clinician_a, patient_a1):
    odi(as_clinician_a, patient_a1, BASE, [3, 3, 2, 3, 2, 3, 2, None, 2, 2])  # 22/45 = 48.9%
    odi(as_clinician_a, patient_a1, LATER, [1, 1, 1, 1, 1, 1, 1, None, 1, 1])  # 9/45 = 20%
    baseline, latest = OutcomeResponse.objects.order_by("completed_on")
    assert round(baseline.value, 1) == 48.9 and baseline.band == "41-60"
    assert latest.value == 20 and latest.answers[7] is None
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    # 48.9 - 20 = 28.9 points (>= 10) and 59 % (>= 30 %): both rules met
    assert "Meaningful change" in page and "Better by 28.9" in page
    assert "met; 30%: met" in page


def report_text(client, patient) -> str:
    """The progress report from just before BASE to today: its PDF's text on one line."""
    response = post_for_document(
        client,
        url(patient, "report/"),
        {"start": (BASE - timedelta(days=1)).isoformat(), "end": date.today().isoformat()},
    )
    return pdf_text(response.content)


def test_ndi_change_shows_the_7_5_point_mcid_and_the_10_2_point_measurement_error(
    as_clinician_a, patient_a1
):
    ndi(as_clinician_a, patient_a1, BASE, [3] * 10)  # raw 30
    ndi(as_clinician_a, patient_a1, LATER, [2, 2, 2, 2, 2, 2, 3, 3, 2, 2])  # raw 22: 8 better
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "Meaningful change" in page and "Better by 8" in page
    assert "7.5 points: met" in page
    assert "Measurement error (MDC) 10.2 points: within it" in page
    assert "MDC ±10.2 points" in page  # the chart's shaded band
    chart = as_clinician_a.get(url(patient_a1)).content.decode()
    assert "Measurement error (MDC) 10.2 points" in chart
    text = report_text(as_clinician_a, patient_a1)
    assert "7.5 points: met" in text and "Measurement error (MDC) 10.2 points" in text


def test_five_ndi_points_are_no_longer_a_meaningful_change(as_clinician_a, patient_a1):
    ndi(as_clinician_a, patient_a1, BASE, [3] * 10)  # raw 30
    ndi(as_clinician_a, patient_a1, LATER, [2, 2, 2, 2, 2, 3, 3, 3, 3, 3])  # raw 25
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "Better by 5" in page and "7.5 points: not met" in page and "Not yet" in page


def test_a_meaningful_worsening_is_named_on_the_measures_page_and_in_the_report(
    as_clinician_a, patient_a1
):
    """ODI 20% to 40%: the page said "Not yet" with "10 points: not met", and the report
    "Meaningful change: No", for twice the MCID the wrong way."""
    odi(as_clinician_a, patient_a1, BASE, [1] * 10)  # 20%
    odi(as_clinician_a, patient_a1, LATER, [2] * 10)  # 40%
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "Meaningful worsening" in page and "worse by 10 points or more" in page
    assert "Not yet" not in page and "points: not met" not in page
    text = report_text(as_clinician_a, patient_a1)
    assert "Yes, worse" in text and "worse by 10 points or more" in text
    assert "a meaningful worsening" in text


def test_too_many_skipped_odi_sections_store_an_unscored_response(as_clinician_a, patient_a1):
    response = odi(as_clinician_a, patient_a1, BASE, [1, 1, 1, 1, 1, 1, 1, None, None, None])
    assert response.status_code == 302
    stored = OutcomeResponse.objects.get()
    assert stored.valid is False and stored.value is None


@pytest.mark.parametrize("code", ["odi", "ndi"])
def test_a_completely_blank_odi_or_ndi_is_refused_and_nothing_saved(
    as_clinician_a, patient_a1, code
):
    response = odi(as_clinician_a, patient_a1, LATER, [None] * 10, code=code)
    assert response.status_code == 200
    assert "No section has a value" in response.content.decode()
    assert not OutcomeResponse.objects.exists()
    assert not AuditEvent.objects.filter(action="outcome.record").exists()


@pytest.mark.parametrize("code", ["odi", "ndi"])
def test_the_service_refuses_a_blank_odi_or_ndi_too(patient_a1, code):
    with pytest.raises(ValueError, match="no section answered"):
        outcome_record(
            patient=patient_a1, code=code, answers=[None] * 10, completed_on=LATER,
            actor=Actor.system(patient_a1.clinic), source="clinician",
        )  # fmt: skip
    assert not OutcomeResponse.objects.exists()


def test_licensed_instruments_show_section_names_only(as_clinician_a, patient_a1):
    page = as_clinician_a.get(url(patient_a1, "outcomes/odi/new/")).content.decode()
    assert "Pain intensity" in page and "licensed form" in page
    sbst = as_clinician_a.get(url(patient_a1, "outcomes/sbst/new/")).content.decode()
    assert "Agree" in sbst and "licensed form" in sbst


@pytest.mark.parametrize("code", ["odi", "ndi", "sbst"])
def test_licensed_forms_carry_no_item_wording_or_instructions(as_clinician_a, patient_a1, code):
    page = as_clinician_a.get(url(patient_a1, f"outcomes/{code}/new/")).content.decode()
    assert "licensed form" in page
    assert "outcome-instructions" not in page and "quoted exactly" not in page
    for phrase in ("very mild at the moment", "I can look after myself", "Pain prevents me"):
        assert phrase not in page


def test_the_rmdq_form_quotes_the_published_wording_and_its_source(as_clinician_a, patient_a1):
    page = as_clinician_a.get(url(patient_a1, "outcomes/rmdq/new/")).content.decode()
    assert "I stay at home most of the time because of my back." in page
    assert "I only walk short distances because of my back." in page
    assert "put a tick against it" in page and "quoted exactly" in page
    assert "Source: Roland M, Morris R" in page and "Spine 1983;8:141–144" in page
    assert "My back keeps me at home most of the time." not in page  # the old paraphrase


def test_the_patient_lefs_questionnaire_quotes_the_published_form(
    as_clinician_a, as_patient_a1, patient_a1
):
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "lefs"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    assert "because of your lower limb problem for which you are currently seeking" in page
    assert "Today, do you or would you have any difficulty at all with:" in page
    assert "Lifting an object, like a bag of groceries from the floor." in page
    assert "Extreme Difficulty or Unable to Perform Activity" in page
    assert "printed exactly as their authors wrote them" in page
    assert "Source: Binkley JM" in page and "Phys Ther 1999;79:371–383" in page
    # A plain line of ours beside the published title (found by the phone review).
    assert "Your answers help them see how you are doing." in page


def test_no_lefs_answer_is_chosen_before_the_patient_picks_one(as_clinician_a, patient_a1):
    # A select without a blank first option arrives set to "Extreme Difficulty".
    page = as_clinician_a.get(url(patient_a1, "outcomes/lefs/new/")).content.decode()
    selects = page.split('<select class="form-select"')[1:]
    assert len(selects) == 20
    for select in selects:
        assert select.split("<option", 2)[1].startswith(' value=""')
    data = {"completed_on": LATER.isoformat(), **{f"item_{n}": "3" for n in range(1, 20)}}
    data["item_20"] = ""
    response = as_clinician_a.post(url(patient_a1, "outcomes/lefs/new/"), data)
    assert response.status_code == 200 and not OutcomeResponse.objects.exists()


def nprs(client, patient, day, best, worst, now):
    data = {"completed_on": day.isoformat(), "best": best, "worst": worst, "now": now}
    return client.post(url(patient, "outcomes/nprs/new/"), {k: str(v) for k, v in data.items()})


def test_nprs_asks_best_worst_and_now_and_records_their_mean(as_clinician_a, patient_a1):
    page = as_clinician_a.get(url(patient_a1, "outcomes/nprs/new/")).content.decode()
    assert "last 24 hours" in page
    assert 'name="best"' in page and 'name="worst"' in page and 'name="now"' in page
    assert nprs(as_clinician_a, patient_a1, BASE, 2, 8, 4).status_code == 302
    stored = OutcomeResponse.objects.get()
    assert stored.answers == {"best": 2, "worst": 8, "now": 4}
    assert stored.value == pytest.approx(14 / 3)  # "now" alone would say 4
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "best 2, worst 8, now 4" in page and "4.7" in page


def test_an_nprs_change_is_judged_on_the_mean_as_it_is(as_clinician_a, patient_a1):
    """4, 8, 5 (5.67) then 3, 6, 4 (4.33): 1.33 points, 23.5 %. Stored as rounded means,
    6 and 4, it read "better by 2 points, a meaningful improvement"."""
    nprs(as_clinician_a, patient_a1, BASE, 4, 8, 5)
    nprs(as_clinician_a, patient_a1, LATER, 3, 6, 4)
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "Better by 1.3" in page and "Not yet" in page
    assert 'text-bg-success">Meaningful change' not in page


def test_a_change_in_score_is_said_in_words_on_the_page_and_in_the_report(
    as_clinician_a, patient_a1
):
    """Pain from 4.33 to 7 (NPRS, lower is better): the page showed "-2.7" and, for a fall
    in pain, "+2.7": the sign is "better", not the score's direction, and a clinician read
    a rise. The report said "Worse by 2.66667"."""
    nprs(as_clinician_a, patient_a1, BASE, 3, 6, 4)
    nprs(as_clinician_a, patient_a1, LATER, 6, 9, 6)
    page = as_clinician_a.get(url(patient_a1, "measures/"))
    table = summary_table(page)
    # "(62%)" alone left the reader asking: 62% of what?
    assert "Worse by 2.7" in table and "(62% of baseline)" in table
    # At 360 px the Change column starts off screen: the phone's reader is told to swipe.
    hint = '<p class="small text-muted d-sm-none mb-1">Swipe the table sideways to see'
    assert hint in page.content.decode()
    assert "-2.7" not in table and "-62" not in table
    text = report_text(as_clinician_a, patient_a1)
    assert "Worse by 2.7" in text and "2.66667" not in text


def test_an_nprs_needs_all_three_ratings(as_clinician_a, as_patient_a1, patient_a1):
    data = {"completed_on": LATER.isoformat(), "best": "2", "now": "4"}
    response = as_clinician_a.post(url(patient_a1, "outcomes/nprs/new/"), data)
    assert response.status_code == 200 and not OutcomeResponse.objects.exists()
    # The old single field is not enough either.
    response = as_clinician_a.post(
        url(patient_a1, "outcomes/nprs/new/"), {"completed_on": LATER.isoformat(), "score": "4"}
    )
    assert response.status_code == 200 and not OutcomeResponse.objects.exists()
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "nprs"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    assert "At its best" in page and "At its worst" in page and "Right now" in page
    send_questionnaire(as_patient_a1, {"best": "1", "worst": "6"})
    assert not OutcomeResponse.objects.exists()
    send_questionnaire(as_patient_a1, {"best": "1", "worst": "6", "now": "3"})
    stored = OutcomeResponse.objects.get()
    assert (stored.value, stored.source) == (pytest.approx(10 / 3), "patient")


def test_an_older_single_rating_nprs_stays_on_record_but_is_not_compared(
    as_clinician_a, patient_a1
):
    """Form 1 asked one rating of pain now; form 2 asks best, worst and now over a day
    and scores their mean, the score the 2-point MCID was found for. A form-1 7 against a
    form-2 3 was shown as "better by 4, a meaningful change": a change of what was asked,
    not of the pain. The new form starts a new baseline, as a PSFS's new activities do."""
    # Stored before the three ratings were asked: the answers are one bare number.
    OutcomeResponseFactory(
        patient=patient_a1,
        code="nprs",
        value=7,
        completed_on=BASE,
    )
    nprs(as_clinician_a, patient_a1, LATER, 1, 6, 2)  # 9 / 3 = 3
    response = as_clinician_a.get(url(patient_a1, "measures/"))
    page = response.content.decode()
    assert "best 1, worst 6, now 2" in page
    assert f"The questions changed on {LATER.day} {LATER:%b %Y}" in page
    assert "Better by 4" not in page and "Meaningful change" not in summary_table(response)
    text = report_text(as_clinician_a, patient_a1)
    assert "a meaningful improvement" not in text and "not comparable with the start" in text
    rows = list(
        csv.reader(io.StringIO(as_clinician_a.get(url(patient_a1, "export.csv")).content.decode()))
    )
    nprs_rows = [row for row in rows if row[2] == "NPRS"]
    assert [row[4] for row in nprs_rows] == ["7.0", "3.0"]
    assert nprs_rows[0][6] == "single rating (right now)"
    assert nprs_rows[1][6] == "mean of best 1, worst 6, now 2"


def test_the_baseline_restarts_at_the_first_score_on_the_current_form(as_clinician_a, patient_a1):
    """RMDQ form 1 was our paraphrase of the items, form 2 the published wording: the
    change is counted from the first form-2 score, and the chart draws from there."""
    OutcomeResponseFactory(patient=patient_a1, code="rmdq", value=20, completed_on=BASE)
    middle = LATER - timedelta(days=14)
    for day, ticks in ((middle, 12), (LATER, 6)):
        data = {"completed_on": day.isoformat()}
        data.update({f"item_{n}": "on" for n in range(1, ticks + 1)})
        assert as_clinician_a.post(url(patient_a1, "outcomes/rmdq/new/"), data).status_code == 302
    assert sorted(OutcomeResponse.objects.values_list("version", flat=True)) == ["1", "2", "2"]
    response = as_clinician_a.get(url(patient_a1, "measures/"))
    table = summary_table(response)
    assert "Better by 6" in table and "Better by 14" not in table
    assert f"Baseline restarted on {middle.day} {middle:%b %Y}, when the questions changed" in (
        table
    )
    text = report_text(as_clinician_a, patient_a1)
    assert "went from 12/24 to 6/24: better by 6 points" in text


def test_a_score_made_without_some_sections_says_so(as_clinician_a, patient_a1):
    """An ODI with sections left blank is scored over the answered ones (an NDI puts in
    their mean): read as a complete form, its number says more than was answered."""
    odi(as_clinician_a, patient_a1, BASE, [3, 3, 3, 3, None, 3, 3, None, 3, 3])  # 24/40
    odi(as_clinician_a, patient_a1, LATER, [1, 1, 1, 1, 1, 1, 1, None, 1, 1])  # 9/45
    table = summary_table(as_clinician_a.get(url(patient_a1, "measures/")))
    baseline, latest = table.split("<td>")[2:4]
    assert "60" in baseline and "2 sections left blank" in baseline
    assert "20" in latest and "1 section left blank" in latest
    text = report_text(as_clinician_a, patient_a1)
    assert "2 sections left blank" in text and "1 section left blank" in text


def test_start_back_gives_a_risk_group_and_pathway(as_clinician_a, patient_a1):
    data = {
        "completed_on": LATER.isoformat(),
        **{f"item_{n}": "1" for n in range(1, 9)},
        "item_9": "4",
    }
    as_clinician_a.post(url(patient_a1, "outcomes/sbst/new/"), data)
    assert OutcomeResponse.objects.get().band == "high"
    assert "High risk" in as_clinician_a.get(url(patient_a1)).content.decode()


def test_an_odi_shows_its_band_and_what_it_means(as_clinician_a, patient_a1):
    """The band is shown by the instrument's declared kind (band_kind), not by its code."""
    data = {"completed_on": LATER.isoformat(), **{f"section_{n}": "2" for n in range(1, 11)}}
    as_clinician_a.post(url(patient_a1, "outcomes/odi/new/"), data)
    page = as_clinician_a.get(url(patient_a1)).content.decode()
    assert OutcomeResponse.objects.get().band == "21-40"
    assert "21-40%: Moderate" in page


def test_an_unknown_instrument_is_a_404(as_clinician_a, patient_a1):
    assert as_clinician_a.get(url(patient_a1, "outcomes/zzz/new/")).status_code == 404


def test_the_patient_completes_an_assigned_psfs_and_it_carries_activities_forward(
    as_clinician_a, as_patient_a1, patient_a1
):
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "psfs"})
    assert "fill in a short questionnaire" in as_patient_a1.get("/me/").content.decode()
    data = {"activity_1": "Gardening", "rating_1": "3", "activity_2": "Driving", "rating_2": "5"}
    data.update({"activity_3": "Lifting a child", "rating_3": "4"})
    send_questionnaire(as_patient_a1, data)
    first = OutcomeResponse.objects.get()
    assert (first.value, first.source) == (4, "patient")
    assert OutcomeAssignment.objects.get().response == first
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "psfs"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    assert 'value="Gardening"' in page and 'value="Lifting a child"' in page


def summary_table(response) -> str:
    """The questionnaire summary table of a page, without the charts below it."""
    page = response.content.decode()
    return page[page.index("<table") : page.index("</table>")]


def psfs(client, patient, day, pairs):
    data = {"completed_on": day.isoformat()}
    for n, (activity, rating) in enumerate(pairs, 1):
        data.update({f"activity_{n}": activity, f"rating_{n}": str(rating)})
    return client.post(url(patient, "outcomes/psfs/new/"), data)


def test_psfs_change_is_shown_only_between_the_same_activities(as_clinician_a, patient_a1):
    psfs(as_clinician_a, patient_a1, BASE, [("Gardening", 2), ("Driving", 3), ("Lifting", 4)])
    # The patient swaps lifting for running: 6, 7, 8 is not a change from 2, 3, 4.
    middle = LATER - timedelta(days=14)
    psfs(as_clinician_a, patient_a1, middle, [("Gardening", 6), ("Driving", 7), ("Running", 8)])
    table = summary_table(as_clinician_a.get(url(patient_a1, "measures/")))
    assert "Not comparable" in table
    assert f"The activities changed on {middle.day} {middle:%b %Y}" in table
    assert "Better by 4" not in table and "Meaningful change" not in table
    # Same activities again, in another order and case: compared with the new baseline.
    psfs(as_clinician_a, patient_a1, LATER, [("running ", 9), ("gardening", 8), ("Driving", 7)])
    table = summary_table(as_clinician_a.get(url(patient_a1, "measures/")))
    assert "Not comparable" not in table
    assert "Better by 1" in table and "Better by 5" not in table  # 24/3 - 21/3, not 24/3 - 9/3
    assert f"Baseline restarted on {middle.day} {middle:%b %Y}" in table
    text = report_text(as_clinician_a, patient_a1)
    assert "Better by 1" in text and "Baseline restarted on" in text


def test_psfs_with_unchanged_activities_compares_with_the_first_response(
    as_clinician_a, patient_a1
):
    psfs(as_clinician_a, patient_a1, BASE, [("Gardening", 2), ("Driving", 3), ("Lifting", 4)])
    psfs(as_clinician_a, patient_a1, LATER, [("Gardening", 5), ("Driving", 6), ("Lifting", 7)])
    table = summary_table(as_clinician_a.get(url(patient_a1, "measures/")))
    assert "Better by 3" in table and "Meaningful change" in table
    assert "Not comparable" not in table and "Baseline restarted" not in table


def test_psfs_chart_draws_only_the_like_for_like_run(as_clinician_a, patient_a1):
    psfs(as_clinician_a, patient_a1, BASE, [("Gardening", 2), ("Driving", 3), ("Lifting", 4)])
    middle = LATER - timedelta(days=14)
    psfs(as_clinician_a, patient_a1, middle, [("Gardening", 6), ("Driving", 7), ("Running", 8)])
    psfs(as_clinician_a, patient_a1, LATER, [("Gardening", 8), ("Driving", 7), ("Running", 9)])
    responses = list(OutcomeResponse.objects.all())
    (summary,) = instrument_summaries(responses)
    assert [r.completed_on for r in summary.series] == [middle, LATER]
    assert summary.baseline.completed_on == middle and summary.count == 3
    assert summary.change.delta == 1


def test_psfs_needs_three_rated_activities(as_clinician_a, as_patient_a1, patient_a1):
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "psfs"})
    response = send_questionnaire(as_patient_a1, {"activity_1": "Gardening", "rating_1": "3"})
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
    response = post_for_document(
        as_clinician_a,
        url(patient_a1, "report/"),
        {
            "start": (BASE - timedelta(days=1)).isoformat(),
            "end": date.today().isoformat(),
            "narrative": "Good progress <b>",
        },
    )
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    pages = page_texts(response.content)
    text = " ".join(pages)
    assert "Amara Okafor" in text and "Oswestry" in text
    assert "48.9" in text and "Better by 28.9" in text and "Good progress <b>" in text
    assert "Modified Schober" in text and "Better by 2.5 cm" in text
    # The front sheet says it in words, with the meaningful-change mark.
    front = pages[0]
    assert (
        "Oswestry Disability Index (ODI) went from 48.9% to 20%: better by 28.9 points, "
        "a meaningful improvement." in front
    )
    assert "Modified Schober went from 2.5 cm to 5 cm: better by 2.5 cm" in front
    assert "positive = better" not in text
    assert AuditEvent.objects.filter(
        action="report.download", patient_uuid=patient_a1.uuid
    ).exists()


def test_a_bad_report_period_is_explained(as_clinician_a, patient_a1):
    response = post_for_document(
        as_clinician_a,
        url(patient_a1, "report/"),
        {"start": "2026-05-01", "end": "2026-01-01", "narrative": ""},
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


def test_the_csv_export_holds_the_whole_record_a_patient_may_ask_for(
    as_clinician_a, patient_a1, program_a1
):
    """Found by the front-desk review: a patient asking for a copy of their data got
    measures, scores and one line per session: not who they are, their program, goals,
    morning answers, the warning signs they told, or which exercises they did."""
    from tests.factories import FlagFactory, GoalFactory, MorningCheckFactory
    from tests.patients.test_logging import post_session

    post_session(client_for(patient_a1.user), program_a1, comment="ok")
    MorningCheckFactory(patient=patient_a1, pain=3)
    GoalFactory(patient=patient_a1, text="Walk the dog for 20 minutes")
    FlagFactory(patient=patient_a1, kind="stop_sign", reason="Pain spreads down the leg")
    rows = list(
        csv.reader(io.StringIO(as_clinician_a.get(url(patient_a1, "export.csv")).content.decode()))
    )
    kinds = {row[0] for row in rows[1:]}
    assert {"patient", "program", "goal", "session", "morning", "sign"} <= kinds
    person = next(row for row in rows if row[0] == "patient")
    assert person[2] == "Amara Okafor" and patient_a1.email in person[6]
    first = program_a1.items.order_by("order").first()
    assert any(row[0] == "program" and row[2] == first.exercise.name for row in rows)
    session = next(row for row in rows if row[0] == "session")
    assert "done: " in session[6]
    sign = next(row for row in rows if row[0] == "sign")
    assert "Pain spreads down the leg" in sign[6] and "not reviewed yet" in sign[6]
    assert next(row for row in rows if row[0] == "morning")[4] == "3"


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


def test_responses_remember_which_form_they_were_given_on(patient_a1, clinician_a):
    from datetime import date

    from patients.outcomes import outcome_record
    from tests.conftest import actor_of

    nprs = outcome_record(
        patient=patient_a1,
        code="nprs",
        answers={"best": 2, "worst": 6, "now": 4},
        completed_on=date.today(),
        actor=actor_of(clinician_a),
        source="clinician",
    )
    odi = outcome_record(
        patient=patient_a1,
        code="odi",
        answers=[1] * 10,
        completed_on=date.today(),
        actor=actor_of(clinician_a),
        source="clinician",
    )
    # The published wording (and three-rating NPRS) is form 2; the ODI never changed.
    assert (nprs.version, odi.version) == ("2", "1")


def test_answers_sent_twice_are_recorded_once_and_never_as_the_next_questionnaire(
    as_clinician_a, as_patient_a1, patient_a1
):
    """NPRS and then the Roland-Morris are waiting. The NPRS page is sent twice (a double
    tap, a page kept open): the second is not taken for the Roland-Morris, whose boxes
    are all optional and would score "no disability"."""
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "nprs"})
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "rmdq"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    (nprs,) = re.findall(r'name="assignment" value="([0-9a-f-]{36})"', page)
    answers = {"best": "1", "worst": "6", "now": "3", "assignment": nprs}
    as_patient_a1.post("/me/questionnaire/", answers)
    again = as_patient_a1.post("/me/questionnaire/", answers, follow=True)
    assert "already sent" in again.content.decode()
    assert list(OutcomeResponse.objects.values_list("code", flat=True)) == ["nprs"]
    assert OutcomeAssignment.objects.get(code="rmdq").response is None


def test_a_patient_is_not_told_their_answers_were_sent_when_they_were_thrown_away(
    as_clinician_a, as_patient_a1, patient_a1
):
    """The clinician asks for an NPRS; the patient opens it. The clinician records an NPRS
    at the visit that day, which answers the open request. The patient then sends best 4,
    worst 9, now 8: nothing of theirs was stored, and the page said "Your answers were
    already sent. Thank you!". Their self-report is kept, as the request's answer."""
    from django.contrib.messages import get_messages

    from patients.adherence import patient_today

    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "nprs"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    (assignment,) = re.findall(r'name="assignment" value="([0-9a-f-]{36})"', page)
    today = patient_today(patient_a1).isoformat()
    as_clinician_a.post(
        url(patient_a1, "outcomes/nprs/new/"),
        {"completed_on": today, "best": "1", "worst": "3", "now": "2"},
    )
    answers = {"best": "4", "worst": "9", "now": "8", "assignment": assignment}
    response = as_patient_a1.post("/me/questionnaire/", answers)
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["Thank you. Your clinician will see your answers."]
    theirs = OutcomeResponse.objects.get(patient=patient_a1, source="patient")
    assert theirs.answers == {"best": 4, "worst": 9, "now": 8}
    assert theirs.completed_on.isoformat() == today
    assert OutcomeAssignment.objects.get().response == theirs
    visit = OutcomeResponse.objects.get(source="clinician")  # the visit's stays on record
    assert visit.answers == {"best": 1, "worst": 3, "now": 2}
    # Sent again (a double tap): recorded once, and now truly "already sent".
    again = as_patient_a1.post("/me/questionnaire/", answers, follow=True).content.decode()
    assert again.count("Your answers were already sent. Thank you!") == 1
    assert OutcomeResponse.objects.filter(source="patient").count() == 1


def test_a_request_answered_meanwhile_records_nothing_more(patient_a1):
    """Two sends at once both find the request open; the service locks it and takes the
    first only."""
    from patients.outcomes import AlreadyAnswered

    waiting = OutcomeAssignmentFactory(patient=patient_a1, code="nprs")
    answers = {"best": 1, "worst": 6, "now": 3}
    kwargs = {
        "patient": patient_a1,
        "code": "nprs",
        "answers": answers,
        "completed_on": date.today(),
        "actor": Actor.for_patient(patient_a1),
        "source": "patient",
        "answering": waiting,
    }
    outcome_record(**kwargs)
    with pytest.raises(AlreadyAnswered):
        outcome_record(**kwargs)
    assert OutcomeResponse.objects.count() == 1


def test_answers_from_a_page_without_its_request_are_not_called_sent(
    as_clinician_a, as_patient_a1, patient_a1
):
    """A page from before the request field (or with a made-up one) saves nothing, and
    says so: the patient is not told their answers were sent."""
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "nprs"})
    page = as_patient_a1.post(
        "/me/questionnaire/", {"best": "1", "worst": "6", "now": "3"}, follow=True
    ).content.decode()
    assert "out of date" in page and "already sent" not in page
    assert not OutcomeResponse.objects.exists()
    assert "At its best" in page  # the questionnaire again, to fill in


def test_correcting_the_earlier_of_two_visits_on_a_day_keeps_the_later_one_latest(
    patient_a1, clinician_a
):
    """Before and after treatment, the same day: correcting the "before" value (a new row,
    a higher id) made it the latest value, in the chart, the summary and the report."""
    from decimal import Decimal

    from patients.models import Measurement
    from patients.outcomes import Value, measure_summaries, measurement_correct, visit_record
    from tests.conftest import actor_of

    actor = actor_of(clinician_a)
    day = date.today() - timedelta(days=1)
    flexion = [Value(code="lumbar_flexion", side="", value=Decimal("30"))]
    before = visit_record(actor=actor, patient=patient_a1, measured_on=day, values=flexion)
    after = [Value(code="lumbar_flexion", side="", value=Decimal("45"))]
    visit_record(actor=actor, patient=patient_a1, measured_on=day, values=after)
    measurement_correct(
        actor=actor,
        measurement=before.measurements.get(),
        new=Value(code="", side="", value=Decimal("31")),
    )
    rows = Measurement.objects.current().filter(visit__patient=patient_a1).select_related("visit")
    (summary,) = measure_summaries(list(rows))
    assert [float(m.value) for m in summary.series] == [31, 45]
    assert summary.latest.value == 45


def test_the_charts_meaningful_change_line_is_where_the_summary_calls_it_meaningful(
    patient_a1, clinician_a, monkeypatch
):
    """ODI 20% to 14%: 6 points, 30% of the baseline, "a meaningful improvement" in the
    summary; the chart drew its line at 10 points (10%), so the score sat short of it."""
    from patients import progress_charts
    from patients.models import OutcomeResponse
    from patients.outcomes import instrument_summaries, outcome_record
    from tests.conftest import actor_of

    for sections, days_ago in (([1] * 10, 40), ([1] * 7 + [0] * 3, 5)):
        outcome_record(
            patient=patient_a1,
            code="odi",
            answers=sections,
            completed_on=date.today() - timedelta(days=days_ago),
            actor=actor_of(clinician_a),
            source=OutcomeResponse.Source.CLINICIAN,
        )
    (summary,) = instrument_summaries(list(OutcomeResponse.objects.filter(patient=patient_a1)))
    assert summary.change.mcid_met
    drawn = {}
    draw = progress_charts.line_chart
    monkeypatch.setattr(
        progress_charts, "line_chart", lambda points, **kw: drawn.update(kw) or draw(points, **kw)
    )
    progress_charts.outcome_chart(summary)
    line, label = drawn["threshold"]
    assert summary.latest.value <= line == 14
    assert "30%" in str(label)


def measures_table(client, patient) -> str:
    """The measures page's table of baseline, latest and change."""
    page = client.get(url(patient, "measures/")).content.decode()
    start = page.index("Measures, baseline and latest")
    return page[start : page.index("</table>", start)]


def record_sit_reach(patient, user, *readings) -> None:
    """(days ago, value, zero point or None) per visit, through the service (the visit form
    asks for a zero point; values from before it, or from the API, may have none)."""
    from decimal import Decimal

    from patients.outcomes import Value, visit_record
    from tests.conftest import actor_of

    for days_ago, value, zero in readings:
        visit_record(
            actor=actor_of(user),
            patient=patient,
            measured_on=date.today() - timedelta(days=days_ago),
            values=[
                Value(
                    code="sit_reach",
                    side="",
                    value=Decimal(str(value)),
                    zero_point=None if zero is None else Decimal(str(zero)),
                )
            ],
        )


def sit_reach(patient, user, *readings) -> list:
    """The measure summaries after record_sit_reach's visits."""
    from patients.models import Measurement
    from patients.outcomes import measure_summaries

    record_sit_reach(patient, user, *readings)
    rows = Measurement.objects.current().filter(visit__patient=patient).select_related("visit")
    return measure_summaries(list(rows))


def test_sit_and_reach_on_boxes_with_other_zero_points_is_compared_from_the_feet_line(
    as_clinician_a, patient_a1, clinician_a
):
    """30 cm on a box that reads 23 at the feet (+7), then 28 cm on one that reads 26 (+2):
    the patient reaches 5 cm less. Compared raw, it read "-2 cm"; a change of box the
    other way would have faked an improvement."""
    from patients.report_sheet import measure_sentence

    (summary,) = sit_reach(patient_a1, clinician_a, (42, 30, 23), (2, 28, 26))
    assert summary.delta == -5 and summary.not_comparable == ""
    assert spaced(measure_sentence(summary)) == (
        "Sit-and-reach went from 30 cm (zero point 23 cm) to 28 cm (zero point 26 cm): "
        "worse by 5 cm, no published threshold for real change."
    )
    table = measures_table(as_clinician_a, patient_a1)
    assert "Worse by 5\N{NO-BREAK SPACE}cm" in table and "each from its own zero point" in table
    assert "by 2 cm" not in table
    # The values as recorded stay in view, each with its zero point.
    assert "30\N{NO-BREAK SPACE}cm" in table and "zero point 23 cm" in table
    assert "28\N{NO-BREAK SPACE}cm" in table and "zero point 26 cm" in table


def test_real_change_across_boxes_is_judged_from_the_feet_line(
    patient_a1, clinician_a, monkeypatch
):
    """No threshold is published for sit-and-reach; with one of 3 cm, 30 cm on a 26 cm box
    (+4) then 32 cm on a 23 cm box (+9) is a real gain of 5 cm, not 2 cm within error."""
    from dataclasses import replace

    from patients.measures import BY_CODE

    monkeypatch.setitem(BY_CODE, "sit_reach", replace(BY_CODE["sit_reach"], real_change=3))
    (summary,) = sit_reach(patient_a1, clinician_a, (42, 30, 26), (2, 32, 23))
    assert (summary.delta, summary.real_change) == (5, True)


def test_sit_and_reach_with_and_without_a_zero_point_is_not_compared(
    as_clinician_a, patient_a1, clinician_a
):
    """A first value with no zero point, then one on a 23 cm box: nobody can say how far
    past the feet the first one was, so no change is claimed anywhere."""
    from patients.progress_charts import measure_chart
    from patients.report_sheet import measure_sentence

    (summary,) = sit_reach(patient_a1, clinician_a, (42, 20, None), (2, 30, 23))
    assert (summary.delta, summary.real_change) == (None, None)
    assert summary.not_comparable == "Not compared: measured with a different zero point."
    assert spaced(measure_sentence(summary)) == (
        "Sit-and-reach: 20 cm (no zero point recorded) at the start, 30 cm (zero point 23 cm) "
        "now. Not compared: measured with a different zero point."
    )
    table = measures_table(as_clinician_a, patient_a1)
    assert "Not compared: measured with a different zero point." in table
    assert "+10 cm" not in table and "no published threshold" not in table
    # The chart draws no line from the one to the other: only the latest, and says so.
    chart = measure_chart(summary)
    assert [spaced(value) for _label, value in chart.rows] == ["30 cm"]
    assert "Not drawn: 1 value measured with a different zero point." in chart.summary
    assert 'stroke-width="2.5"' not in chart.svg  # no line segment


def test_the_sit_and_reach_chart_joins_only_values_it_can_compare(patient_a1, clinician_a):
    """No zero point, then a 23 cm box, then a 26 cm box: the line runs from +7 to +2 cm
    from the feet line; the value without a zero point is left off, and the caption says
    so. Drawn raw (20, 30, 28 cm) it was one line rising and then falling."""
    from patients.progress_charts import measure_chart

    (summary,) = sit_reach(patient_a1, clinician_a, (42, 20, None), (20, 30, 23), (2, 28, 26))
    chart = measure_chart(summary)
    assert [spaced(value) for _label, value in chart.rows] == ["7 cm", "2 cm"]
    assert chart.title == "Sit-and-reach (cm from the feet line)"
    assert spaced(chart.summary).startswith(
        "Sit-and-reach (cm from the feet line) went from 7 cm"
    ) and chart.summary.endswith("Not drawn: 1 value measured with a different zero point.")


def test_sit_and_reach_on_one_box_is_compared_as_recorded(as_clinician_a, patient_a1, clinician_a):
    """Same zero point throughout: the values, the change and the chart as they always
    were, with no zero point notes added."""
    from patients.progress_charts import measure_chart
    from patients.report_sheet import measure_sentence

    (summary,) = sit_reach(patient_a1, clinician_a, (42, 20, 23), (20, 22, 23), (2, 25, 23))
    assert (summary.delta, summary.not_comparable, summary.zero_points_differ) == (5, "", False)
    assert spaced(measure_sentence(summary)) == (
        "Sit-and-reach went from 20 cm to 25 cm: better by 5 cm, "
        "no published threshold for real change."
    )
    chart = measure_chart(summary)
    assert chart.title == "Sit-and-reach (cm)"
    assert [spaced(value) for _label, value in chart.rows] == ["20 cm", "22 cm", "25 cm"]
    assert "Not drawn" not in chart.summary
    table = measures_table(as_clinician_a, patient_a1)
    assert (
        "Better by 5\N{NO-BREAK SPACE}cm" in table and "each from its own zero point" not in table
    )


def test_a_report_runs_to_the_patients_own_today_east_of_the_clinic(
    clinic_a_on_utc, clinician_a, patient_a1, program_a1
):
    """20:00 in London is the next morning in Auckland, where the patient logged a session
    dated tomorrow. The report refused to end on their today ("in the future": the
    clinic's day), and its default end, the clinic's today, left the session out."""
    import time_machine

    from patients.practice_log import Done, session_log

    patient_a1.timezone = "Pacific/Auckland"
    patient_a1.save(update_fields=["timezone"])
    evening = datetime.combine(date.today() + timedelta(days=7), time(20), tzinfo=UTC)
    theirs = evening.date() + timedelta(days=1)  # Auckland is 12 or 13 hours ahead
    with time_machine.travel(evening, tick=False):
        item = program_a1.items.select_related("exercise").first()
        session, _created = session_log(
            patient=patient_a1,
            program=program_a1,
            done=[Done(item.exercise, 1, 10)],
            pain=2,
            effort=4,
            comment="",
            client_token="morning-11",
            actor=Actor.for_patient(patient_a1),
        )
        assert session.performed_on == theirs
        as_clinician_a = client_for(clinician_a)  # signed in then, not a week before
        form = as_clinician_a.get(url(patient_a1, "report/")).context["form"]
        assert form.initial["end"] == theirs
        response = post_for_document(
            as_clinician_a,
            url(patient_a1, "report/"),
            {"start": (theirs - timedelta(days=10)).isoformat(), "end": theirs.isoformat()},
        )
        assert response.status_code == 200, response.content.decode()[:300]
        text = pdf_text(response.content)
        assert f"{theirs.day} {theirs:%b %Y} by Cleo Clinician" in text


def test_the_measure_chart_spaces_visits_by_the_days_between_them(patient_a1, clinician_a):
    """Visits 42 and 40 days ago, then 2 days ago: the five weeks between the last two
    are drawn 19 times as long as the two days between the first two."""
    from patients.progress_charts import measure_chart

    (summary,) = sit_reach(patient_a1, clinician_a, (42, 20, 23), (40, 22, 23), (2, 25, 23))
    first, second, last = line_xs(measure_chart(summary).svg)
    assert last - second == pytest.approx(19 * (second - first), rel=0.01)


@pytest.mark.parametrize("marked", [False, True])
def test_the_pain_limited_footnote_is_shown_only_beside_a_marked_value(
    as_clinician_a, patient_a1, clinician_a, marked
):
    """The key "* pain-limited" stood under every measures table, explaining a mark that
    was nowhere in it."""
    from patients.reports import ReportRequest, report_html

    extra = {"slr_left_pain": "on"} if marked else {}
    record(as_clinician_a, patient_a1, BASE, slr_left="45", schober="3", **extra)
    record(as_clinician_a, patient_a1, LATER, slr_left="60", schober="4")
    measures_page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    chart_page = as_clinician_a.get(url(patient_a1)).content.decode()
    period = ReportRequest(start=BASE, end=LATER, narrative="")
    report = report_html(patient_a1, period, author=clinician_a, issued=LATER)
    for html in (measures_page, chart_page, report):
        assert "Straight leg raise" in html  # the table is there
        assert ("* pain-limited" in html) is marked


def test_a_report_is_signed_by_who_asked_for_it_though_their_account_is_gone_by_the_render(
    patient_a1, clinician_a
):
    """Before: the worker read the author's account when it drew the report, so a report
    asked for by an account deleted meanwhile was issued "by None"."""
    from django.contrib.auth import get_user_model

    from patients.reports import ReportRequest, report_from_job, report_html, report_request

    period = ReportRequest(start=BASE, end=LATER, narrative="")
    job = report_request(patient_a1, period, author=clinician_a)
    get_user_model().objects.filter(pk=clinician_a.pk).delete()
    job.refresh_from_db()
    patient, request, author, issued = report_from_job(job)
    html = " ".join(report_html(patient, request, author=author, issued=issued).split())
    assert "None" not in html
    assert f"by {clinician_a.full_name}" in html
    # A job queued before the name was kept with it: the clinic signs for a deleted account.
    job.params.pop("author")
    _patient, _request, author, _issued = report_from_job(job)
    assert author == patient_a1.clinic.name


def test_a_real_worsening_of_a_measure_is_named_on_the_page_and_in_the_report(
    as_clinician_a, patient_a1
):
    """Straight leg raise from 60° to 45° (15°, beyond its 5.7° measurement error, the way
    nerve irritation goes) and fingertip-to-floor from 10 to 20 cm (lower is better): the
    page called both "Within error", the report's table "No", and its summary "worse by
    15°, within measurement error". Only gains were tested against the threshold."""
    record(as_clinician_a, patient_a1, BASE, slr_left="60", fingertip_floor="10")
    record(as_clinician_a, patient_a1, LATER, slr_left="45", fingertip_floor="20")
    table = measures_table(as_clinician_a, patient_a1)
    assert table.count("Real worsening") == 2 and "Within error" not in table
    page = as_clinician_a.get(url(patient_a1, "measures/")).content.decode()
    assert "Latest value: 45°" in page and "45 °" not in page
    assert "Worse by 15°" in table and "Worse by 10\N{NO-BREAK SPACE}cm" in table
    assert "+10 cm" not in table  # fingertip-to-floor's rise is not a gain
    text = report_text(as_clinician_a, patient_a1)
    assert "worse by 15°, beyond measurement error" in text
    assert "worse by 10 cm, beyond measurement error" in text
    assert text.count("Yes, worse") == 2 and "within measurement error" not in text


def test_a_change_within_error_either_way_is_not_called_real(as_clinician_a, patient_a1):
    record(as_clinician_a, patient_a1, BASE, slr_left="60", fingertip_floor="10")
    record(as_clinician_a, patient_a1, LATER, slr_left="55", fingertip_floor="6")
    table = measures_table(as_clinician_a, patient_a1)
    assert table.count("Within error") == 2 and "Real " not in table
    assert "Worse by 5°" in table and "Better by 4\N{NO-BREAK SPACE}cm" in table


@pytest.mark.parametrize(
    ("code", "baseline", "latest", "real"),
    [
        ("slr", 60, 70, True),  # 10° better, beyond 5.7
        ("slr", 60, 50, True),  # 10° worse, beyond 5.7
        ("slr", 60, 55, False),
        ("fingertip_floor", 10, 4, True),  # lower is better: 6 cm better, beyond 4.5
        ("fingertip_floor", 10, 16, True),  # 6 cm worse
        ("fingertip_floor", 10, 12, False),
        ("fingertip_floor", 10, 14.5, True),  # exactly the smallest real change
        ("slr", 60.1, 54.4, True),  # 5.7, though 60.1 - 54.4 is 5.699999... in floats
        ("schober", 3, 9, None),  # no published threshold
    ],
)
def test_real_change_is_beyond_measurement_error_either_way(code, baseline, latest, real):
    from patients.measures import BY_CODE, real_change_met

    assert real_change_met(BY_CODE[code], baseline, latest) is real


def test_the_measure_chart_shades_measurement_error_on_both_sides_of_the_baseline(
    patient_a1, clinician_a, monkeypatch
):
    """A dashed "real change" line on the better side only: a straight leg raise that fell
    15° sat far below the baseline with nothing to say it was beyond error."""
    from decimal import Decimal

    from patients import progress_charts
    from patients.models import Measurement
    from patients.outcomes import Value, measure_summaries, visit_record
    from tests.conftest import actor_of

    for days_ago, value in ((40, 60), (2, 45)):
        visit_record(
            actor=actor_of(clinician_a),
            patient=patient_a1,
            measured_on=date.today() - timedelta(days=days_ago),
            values=[Value(code="slr", side="left", value=Decimal(value), zero_point=None)],
        )
    rows = Measurement.objects.filter(visit__patient=patient_a1).select_related("visit")
    (summary,) = measure_summaries(list(rows))
    drawn = {}
    draw = progress_charts.line_chart
    monkeypatch.setattr(
        progress_charts, "line_chart", lambda points, **kw: drawn.update(kw) or draw(points, **kw)
    )
    chart = progress_charts.measure_chart(summary)
    low, high, label = drawn["band"]
    assert (low, high) == pytest.approx((54.3, 65.7)) and label == "MDC ±5.7°"
    assert drawn.get("threshold") is None
    assert summary.latest.value < low  # the drop is drawn outside the error band
    assert "MDC ±5.7°" in chart.svg


@pytest.mark.parametrize(
    ("code", "low", "high", "ratings"),
    [
        ("psfs", "0 = Can&#x27;t do it at all", "10 = Can do it as well as before my problem", 5),
        ("nprs", "0 = No pain at all", "10 = The worst pain you can imagine", 3),
    ],
)
def test_every_rating_scale_says_what_its_ends_mean(
    as_clinician_a, as_patient_a1, patient_a1, code, low, high, ratings
):
    """A row of bare 0 to 10 buttons left the patient to remember, from the instructions
    above, whether 10 was the best or the worst."""
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": code})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    assert page.count(f"<span>{low}</span> · <span>{high}</span>") == ratings
    # The clinician's own entry form reads the same.
    entry = as_clinician_a.get(url(patient_a1, f"outcomes/{code}/new/")).content.decode()
    assert entry.count(f"<span>{low}</span>") == ratings


def test_after_the_last_questionnaire_the_patient_is_thanked_once(
    as_clinician_a, as_patient_a1, patient_a1
):
    """Found by review: sending the only questionnaire showed "Thank you. Your clinician
    will see your answers." over "You have no questionnaire to fill in. Thank you!". With
    another waiting, the patient goes on to it."""
    for code in ("nprs", "rmdq"):
        as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": code})

    def waiting() -> str:
        page = as_patient_a1.get("/me/questionnaire/").content.decode()
        return re.search(r'name="assignment" value="([0-9a-f-]{36})"', page).group(1)

    nprs = {"best": "2", "worst": "5", "now": "3", "assignment": waiting()}
    assert as_patient_a1.post("/me/questionnaire/", nprs)["Location"] == "/me/questionnaire/"
    # The Roland-Morris: none of its sentences, said so (it asks).
    none = {"assignment": waiting(), "none_ticked": "on"}
    last = as_patient_a1.post("/me/questionnaire/", none, follow=True)
    page = last.content.decode()
    assert last.redirect_chain[-1][0] == "/me/"
    assert page.count("Thank you") == 1 and "no questionnaire to fill in" not in page


def test_the_reports_front_sheet_says_when_a_value_was_limited_by_pain(
    patient_a1, clinician_a, as_clinician_a
):
    """Found by review: page 1 said "went from 45° to 60°: better by 15°" of a raise the
    patient stopped for pain; the mark was only in the table pages later."""
    from datetime import date, timedelta
    from decimal import Decimal

    from patients.goals import goal_add
    from patients.reports import ReportRequest, report_html
    from tests.conftest import actor_of

    record(as_clinician_a, patient_a1, BASE, slr_left="45")
    record(as_clinician_a, patient_a1, LATER, slr_left="60", slr_left_pain="on")
    goal_add(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        text="Raise the left leg",
        tracks="slr_left",
        target=Decimal("70"),
        target_on=date.today() + timedelta(days=30),
    )
    # To today: the goal is set today.
    period = ReportRequest(start=BASE, end=date.today(), narrative="")
    report = spaced(report_html(patient_a1, period, author=clinician_a, issued=date.today()))
    sheet = report[: report.index("Mobility measures")]
    assert "went from 45° to 60° (limited by pain): better by 15°" in sheet
    # And the goal that tracks it, a few lines below (review: "now 60°", unmarked).
    assert "target 70°, now 60° (limited by pain)" in sheet


def test_the_last_questionnaire_sent_twice_is_thanked_once(
    as_clinician_a, as_patient_a1, patient_a1
):
    """Found by review: a double tap of the last questionnaire took the "already sent"
    branch, which still led to the questionnaire page's own thank-you: two again."""
    as_clinician_a.post(url(patient_a1, "outcomes/assign/"), {"code": "nprs"})
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    key = re.search(r'name="assignment" value="([0-9a-f-]{36})"', page).group(1)
    answers = {"best": "2", "worst": "5", "now": "3", "assignment": key}
    as_patient_a1.post("/me/questionnaire/", answers, follow=True)
    again = as_patient_a1.post("/me/questionnaire/", answers, follow=True)
    assert again.redirect_chain[-1][0] == "/me/"
    assert again.content.decode().count("Thank you") == 1


def test_a_patient_says_none_of_the_checklist_applies_rather_than_a_tap_saying_it(
    as_patient_a1, patient_a1
):
    """The Roland-Morris saved with nothing ticked is a valid 0, "no disability": a tap on
    Save by mistake recorded the best result there is, with no question (found by the
    phone review). The patient ticks "none of these" to say so; the clinician's page and
    the API, which enter a form already filled in, are as before."""
    OutcomeAssignmentFactory(patient=patient_a1, code="rmdq")
    page = as_patient_a1.get("/me/questionnaire/").content.decode()
    assert "None of these sentences describe me today." in page
    empty = send_questionnaire(as_patient_a1, {})
    assert empty.status_code == 200
    assert "Nothing is ticked." in empty.content.decode()
    both = send_questionnaire(as_patient_a1, {"item_3": "on", "none_ticked": "on"})
    assert "You ticked sentences and this box too." in both.content.decode()
    assert not OutcomeResponse.objects.exists()
    saved = send_questionnaire(as_patient_a1, {"none_ticked": "on"})
    assert saved.status_code == 302
    response = OutcomeResponse.objects.get()
    assert (response.code, response.value, len(response.answers)) == ("rmdq", 0, 24)


def test_the_clinician_still_enters_a_roland_morris_with_nothing_ticked(as_clinician_a, patient_a1):
    data = {"completed_on": LATER.isoformat()}
    page = as_clinician_a.get(url(patient_a1, "outcomes/rmdq/new/")).content.decode()
    data["once"] = re.search(r'name="once" value="([^"]+)"', page).group(1)
    assert "None of these sentences" not in page
    assert as_clinician_a.post(url(patient_a1, "outcomes/rmdq/new/"), data).status_code == 302
    assert OutcomeResponse.objects.get().value == 0


def test_the_saved_message_gives_a_score_as_the_summary_shows_it(as_clinician_a, patient_a1):
    """Found by the clinician review: "NPRS saved: 4.66667." beside a summary of 4.7/10."""
    url = f"/portal/patients/{patient_a1.uuid}/outcomes/nprs/new/"
    page = as_clinician_a.get(url)
    form = page.context["form"]
    shown = {name: form[name].value() for name in ("once", "completed_on")}
    sent = as_clinician_a.post(url, {**shown, "best": "3", "worst": "6", "now": "5"}, follow=True)
    text = sent.content.decode()
    assert "NPRS saved: 4.7/10." in text and "4.66667" not in text
