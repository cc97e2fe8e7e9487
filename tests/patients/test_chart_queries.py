"""The chart reads each thing once: its queries are pinned and do not grow with the
patient's history (sessions, goals, earlier programs)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.actors import Actor
from patients.practice_log import Done, session_log
from patients.services import patient_program_start
from patients.views import records
from programs.models import Program
from tests.factories import GoalFactory, IntakeFactory

# Counted on this test's chart (the session and sign-in reads included) when it stopped
# reading the program, its items, the intake and the revision history two or three
# times over, then its adherence windows and progressions: 44, then 37, before; then
# when the inactivity check took the last session from the timeline and the pain
# chart and the adherence windows shared one read of the recent sessions: 32 before;
# then when the intake and the reminder setting came with the patient: 30 before; then
# when the open flags and the latest reviewed ones came in one query: 28 before; then
# when the goals and the pathways took the scores and measurements the Progress figures
# read: 27 before (with goals shown by a score and by a measure); then when the chart
# stopped reading the outcome schedules (the measures page's alone) and took the recent
# sessions from its timeline when that holds all of them: 24 before.
CHART_QUERIES = 22


def chart_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/portal/patients/{patient.uuid}/")
    assert response.status_code == 200
    return len(queries)


def some_history(patient, program, membership, days: int, start: int) -> None:
    first = program.items.select_related("exercise").first()
    for n in range(days):
        session_log(
            patient=patient,
            program=program,
            done=[Done(first.exercise)],
            pain=2,
            effort=None,
            comment="",
            client_token=f"chart-{start + n}",
            actor=Actor.for_member(membership),
            performed_on=date.today() - timedelta(days=start + n),
        )
        # Goals shown by a score and by a measure, which the chart has read for its
        # Progress figures already.
        GoalFactory(
            patient=patient,
            text=f"Goal {start + n}",
            tracks="nprs" if n % 2 else "lumbar_flexion",
            target=3 if n % 2 else 60,
            target_on=date.today() + timedelta(days=30),
        )


def test_the_chart_reads_each_thing_once(
    as_clinician_a, patient_a1, program_a1, membership_a, program_template
):
    IntakeFactory(patient=patient_a1, diagnosis="Low back pain", region="low_back", precautions=[])
    some_history(patient_a1, program_a1, membership_a, 2, 1)
    few = chart_queries(as_clinician_a, patient_a1)
    assert few <= CHART_QUERIES

    some_history(patient_a1, program_a1, membership_a, 6, 10)
    Program.objects.filter(pk=program_a1.pk).update(status=Program.Status.COMPLETED)
    patient_program_start(
        actor=Actor.for_member(membership_a),
        patient=patient_a1,
        source=Program.objects.get(template_key=program_template),
    )
    assert chart_queries(as_clinician_a, patient_a1) <= few


def test_the_pain_chart_and_adherence_agree_whether_the_timeline_holds_the_8_weeks(
    as_clinician_a, patient_a1, program_a1, membership_a, monkeypatch
):
    """Read from the timeline's sessions (which hold every one of the last 8 weeks here)
    or on their own (a timeline too short to), the figures are the same."""
    some_history(patient_a1, program_a1, membership_a, 4, 1)
    some_history(patient_a1, program_a1, membership_a, 3, 20)
    shown = ("pain_chart", "adherence_7", "adherence_28")
    url = f"/portal/patients/{patient_a1.uuid}/"
    from_timeline = as_clinician_a.get(url).context
    monkeypatch.setattr(records, "TIMELINE_LENGTH", 2)
    with CaptureQueriesContext(connection) as queries:
        read_alone = as_clinician_a.get(url).context
    assert any("performed_on" in q["sql"] and "pain" in q["sql"] for q in queries)
    assert len(from_timeline["pain_chart"].rows) == 7
    assert {k: from_timeline[k] for k in shown} == {k: read_alone[k] for k in shown}


def test_the_patient_is_read_unsorted_and_without_their_clinic_again(as_clinician_a, patient_a1):
    """Found by a unique id in the clinic the request has loaded already: a sort and a
    join of the clinic would cost the read's compiling more than the read."""
    with CaptureQueriesContext(connection) as queries:
        response = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/")
    assert response.status_code == 200
    assert response.context["patient"].clinic.name == patient_a1.clinic.name
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "patients_patient"')]
    assert len(reads) == 1
    assert "ORDER BY" not in reads[0]
    assert '"clinic_clinic"' not in reads[0]
