"""SMART goals on the chart and in the report, and the discharge: goals closed, the
program completed, a maintenance copy kept, the letter made."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from pypdf import PdfReader

from clinic.models import AuditEvent
from patients import adherence
from patients.goals import goal_progress
from patients.models import (
    Discharge,
    Flag,
    Goal,
    OutcomeAssignment,
    OutcomeResponse,
    OutcomeSchedule,
    Patient,
)
from patients.reports import ReportRequest, _weeks, report_html
from programs.models import Program
from tests.conftest import client_for, get_document, post_for_document, spaced
from tests.factories import (
    FlagFactory,
    GoalFactory,
    IntakeFactory,
    OutcomeResponseFactory,
    RedFlagScreenFactory,
    SessionLogFactory,
    VisitFactory,
)
from tests.pdf_text import page_texts


def chart(patient) -> str:
    return f"/portal/patients/{patient.uuid}/"


def later(days: int = 42) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_a_goal_is_set_and_shows_its_progress_on_the_chart(as_clinician_a, patient_a1):
    response = as_clinician_a.post(
        chart(patient_a1) + "goals/new/",
        {"text": "Sit through a film", "tracks": "nprs", "target": "3", "target_on": later()},
    )
    assert response.status_code == 302
    goal = Goal.objects.get(patient=patient_a1)
    assert (goal.tracks, float(goal.target), goal.status) == ("nprs", 3.0, "open")
    assert AuditEvent.objects.filter(action="goal.add", patient_uuid=patient_a1.uuid).exists()
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "Sit through a film" in page and "NPRS target 3/10, no score yet" in page
    OutcomeResponseFactory(
        patient=patient_a1,
        code="nprs",
        value=2,
        completed_on=date.today(),
    )
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "latest 2/10" in page and "(target reached)" in page


def psfs(patient, ratings: list[int], days_ago: int) -> None:
    OutcomeResponseFactory(
        patient=patient,
        code="psfs",
        answers={"activities": ["Walking to the shops", "Gardening", "Sleep"], "ratings": ratings},
        value=sum(ratings) / len(ratings),
        completed_on=date.today() - timedelta(days=days_ago),
    )


def test_a_goal_can_be_one_psfs_activity_shown_by_its_own_rating(as_clinician_a, patient_a1):
    psfs(patient_a1, [3, 8, 2], days_ago=20)
    response = as_clinician_a.post(
        chart(patient_a1) + "goals/new/",
        # Typed with other case and spaces: still the patient's activity.
        {
            "text": "walking to the  shops",
            "tracks": "psfs_activity",
            "target": "8",
            "target_on": later(),
        },
    )
    assert response.status_code == 302
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    # The activity's own rating (3), not the PSFS mean (4.3).
    assert "PSFS, this activity target 8/10, latest 3/10" in page
    psfs(patient_a1, [8, 8, 2], days_ago=1)
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "latest 8/10" in page and "(target reached)" in page
    # The report's front sheet says the same.
    progress = goal_progress(patient_a1)
    assert [(p.latest, p.reached) for p in progress] == [(8.0, True)]


def test_a_psfs_activity_goal_must_name_one_of_the_patients_activities(as_clinician_a, patient_a1):
    data = {"text": "Run a marathon", "tracks": "psfs_activity", "target": "8"}
    page = as_clinician_a.post(
        chart(patient_a1) + "goals/new/", {**data, "target_on": later()}
    ).content.decode()
    assert "The patient has no PSFS yet" in page
    psfs(patient_a1, [3, 8, 2], days_ago=2)
    page = as_clinician_a.post(
        chart(patient_a1) + "goals/new/", {**data, "target_on": later()}
    ).content.decode()
    assert "Write one of the patient&#x27;s PSFS activities" in page
    assert "Walking to the shops; Gardening; Sleep" in page
    assert not Goal.objects.filter(patient=patient_a1).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"target_on": date.today().isoformat()}, "Choose a date after today."),
        ({"tracks": ""}, "Choose the score or measure the target is in."),
        ({"target": ""}, "Give the target"),
        ({"target": "11"}, "NPRS goes from 0 to 10."),
        ({"text": ""}, "This field is required."),
    ],
)
def test_a_goal_that_is_not_smart_is_explained(as_clinician_a, patient_a1, data, error):
    post = {"text": "Walk the dog", "tracks": "nprs", "target": "3", "target_on": later()}
    response = as_clinician_a.post(chart(patient_a1) + "goals/new/", {**post, **data})
    assert response.status_code == 200 and error in response.content.decode()
    assert not Goal.objects.exists()


def test_a_refused_target_is_not_called_missing(as_clinician_a, patient_a1):
    """Found by the portal review: a target of 99999 was answered "Give the target", under
    the target given."""
    post = {"text": "Walk the dog", "tracks": "nprs", "target": "99999", "target_on": later()}
    page = as_clinician_a.post(chart(patient_a1) + "goals/new/", post).content.decode()
    assert "Give the target" not in page and "digits" in page
    assert not Goal.objects.exists()


def test_a_goal_is_marked_met_and_opened_again(as_clinician_a, patient_a1):
    goal = GoalFactory(patient=patient_a1, text="Garden", target_on=date.today())
    url = chart(patient_a1) + f"goals/{goal.uuid}/status/"
    as_clinician_a.post(url, {"status": "met"})
    goal.refresh_from_db()
    assert goal.status == "met" and goal.closed_on is not None
    as_clinician_a.post(url, {"status": "open"})
    goal.refresh_from_db()
    assert goal.status == "open" and goal.closed_on is None
    assert AuditEvent.objects.filter(action="goal.close").count() == 2


def test_another_patients_goal_is_not_found(as_clinician_a, patient_a1, patient_a2):
    goal = GoalFactory(patient=patient_a2, text="Run", target_on=date.today())
    response = as_clinician_a.post(
        chart(patient_a1) + f"goals/{goal.uuid}/status/", {"status": "met"}
    )
    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.status == "open"


def test_discharge_closes_goals_keeps_a_maintenance_program_and_makes_the_letter(
    as_clinician_a, clinician_a, patient_a1, program_a1
):
    IntakeFactory(
        patient=patient_a1, diagnosis="Low back pain", region="low_back", referrer="Dr Rivera"
    )
    OutcomeSchedule.objects.create(patient=patient_a1, code="odi", at_discharge=True)
    # A score from before the record was made in Limber: the letter covers it too.
    for day, value in ((date.today() - timedelta(days=50), 6), (date.today(), 2)):
        OutcomeResponseFactory(
            patient=patient_a1,
            code="nprs",
            value=value,
            completed_on=day,
        )
    goal = GoalFactory(
        patient=patient_a1, text="Lift the grandchildren", target_on=date.today() + timedelta(7)
    )
    response = post_for_document(
        as_clinician_a,
        chart(patient_a1) + "discharge/",
        {
            "discharged_on": date.today().isoformat(),
            "program": str(program_a1.uuid),
            "summary": "Back at work full time.",
            "plan": "Carry on three days a week.",
            "maintenance": "on",
            "letter": "on",
            f"goal_{goal.pk}": "met",
        },
    )
    assert response["Content-Type"] == "application/pdf"
    # Its file is named as its title says (it was "progress-report-…").
    assert f'filename="discharge-letter-{patient_a1.initials}-' in response["Content-Disposition"]
    front = page_texts(response.content)[0]
    assert "Discharge letter" in front and "To Dr Rivera" in front
    assert "Back at work full time." in front and "Carry on three days a week." in front
    assert "Lift the grandchildren: met." in front
    assert "went from 6/10 to 2/10: better by 4 points, a meaningful improvement" in front
    assert "Maintenance home program: Maintenance: Low back" in front
    # Signed under the plan, on the letter itself.
    signed = f"{clinician_a}, {date_format(adherence.patient_today(patient_a1), 'j M Y')}"
    assert front.index("Carry on three days a week.") < front.index(signed), front

    program_a1.refresh_from_db()
    assert program_a1.status == Program.Status.COMPLETED
    discharge = Discharge.objects.get(patient=patient_a1)
    kept = discharge.maintenance
    assert kept.status == Program.Status.ACTIVE and kept.title.startswith("Maintenance: ")
    assert kept.assignment.patient == patient_a1
    assert [i.exercise_id for i in kept.items.all()] == [
        i.exercise_id for i in program_a1.items.all()
    ]
    assert all(i.days_per_week <= 3 and i.weekdays == 0 for i in kept.items.all())
    # The discharge handout says what to do if the pain comes back.
    assert "flare-up-plan" in kept.leaflets
    assert set(program_a1.leaflets) <= set(kept.leaflets)
    goal.refresh_from_db()
    assert goal.status == "met"
    # The questionnaire scheduled for discharge is asked.
    assert OutcomeAssignment.objects.filter(patient=patient_a1, code="odi").exists()
    assert AuditEvent.objects.filter(action="discharge.record").exists()
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert f"Discharged {date.today():%-d %b %Y}" in page


def test_a_discharge_that_cannot_finish_changes_nothing(as_clinician_a, patient_a1, program_a1):
    # An undecided positive screen blocks starting any program, the maintenance copy too.
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"saddle": True})
    goal = GoalFactory(patient=patient_a1, text="Swim", target_on=date.today())
    response = as_clinician_a.post(
        chart(patient_a1) + "discharge/",
        {
            "discharged_on": date.today().isoformat(),
            "program": str(program_a1.uuid),
            "summary": "Done",
            "maintenance": "on",
            f"goal_{goal.pk}": "met",
        },
    )
    assert response.status_code == 200
    program_a1.refresh_from_db()
    goal.refresh_from_db()
    assert program_a1.status == Program.Status.ACTIVE and goal.status == "open"
    assert not Discharge.objects.exists()


def test_a_discharge_date_in_the_future_is_refused(as_clinician_a, patient_a1, program_a1):
    response = as_clinician_a.post(
        chart(patient_a1) + "discharge/", {"discharged_on": later(2), "summary": "Done"}
    )
    assert "cannot be in the future" in response.content.decode()
    assert not Discharge.objects.exists()


def test_a_discharge_date_before_care_began_is_refused(as_clinician_a, patient_a1, program_a1):
    """Found by the portal review: a discharge dated a month before the patient was added
    was saved, and its letter told the referrer of a period with nothing in it."""
    measured = patient_a1.created_at.date() - timedelta(days=6)  # from a paper form
    VisitFactory(patient=patient_a1, measured_on=measured)
    url = chart(patient_a1) + "discharge/"
    data = {"program": str(program_a1.uuid), "summary": "Done"}
    response = as_clinician_a.post(url, {**data, "discharged_on": measured - timedelta(days=1)})
    page = response.content.decode()
    assert f"before this patient&#x27;s care began here ({measured:%-d %b %Y})" in page
    assert not Discharge.objects.exists()
    assert f'min="{measured.isoformat()}"' in page  # the date picker starts there too
    as_clinician_a.post(url, {**data, "discharged_on": measured})
    assert Discharge.objects.get().discharged_on == measured


def test_the_progress_report_opens_with_the_front_sheet(as_clinician_a, patient_a1, program_a1):
    IntakeFactory(patient=patient_a1, diagnosis="Sciatica, left", icd10="M54.3", region="low_back")
    for day, value in ((date.today() - timedelta(days=30), 7), (date.today(), 3)):
        OutcomeResponseFactory(
            patient=patient_a1,
            code="nprs",
            value=value,
            completed_on=day,
        )
    GoalFactory(
        patient=patient_a1, text="Sleep through", tracks="nprs", target=3, target_on=date.today()
    )
    response = post_for_document(
        as_clinician_a,
        chart(patient_a1) + "report/",
        {
            "start": (date.today() - timedelta(days=40)).isoformat(),
            "end": date.today().isoformat(),
            "narrative": "Steady.",
        },
    )
    front, *rest = page_texts(response.content)
    assert "Sciatica, left (ICD-10 M54.3)" in front
    assert "(NPRS) went from 7/10 to 3/10: better by 4 points, a meaningful improvement." in front
    assert "Sleep through (NPRS target 3/10, now 3/10): open" in front
    assert "Detail" not in front and "Detail" in " ".join(rest)


def test_the_report_is_signed_under_its_letter(as_clinician_a, clinician_a, patient_a1, program_a1):
    """The signature closes the front sheet, the letter a referrer reads; the detail after
    it is its enclosure. Signed at the very end, it fell alone on a page of its own when
    the charts filled the page before (seen on the demo clinic's report)."""
    response = post_for_document(
        as_clinician_a,
        chart(patient_a1) + "report/",
        {
            "start": (date.today() - timedelta(days=40)).isoformat(),
            "end": date.today().isoformat(),
            "narrative": "Steady.",
        },
    )
    signed = f"{clinician_a}, {date_format(adherence.patient_today(patient_a1), 'j M Y')}"
    front, *rest = page_texts(response.content)
    assert front.index("Summary and plan") < front.index(signed), front
    assert rest and not any(signed in page for page in rest)


def test_the_report_leaves_out_weeks_with_nothing_planned_or_done(
    clinician_a, patient_a1, program_a1
):
    """A report asked from six weeks before the program began lists only the weeks
    that had something prescribed or done, not rows of zeros."""
    today = adherence.patient_today(patient_a1)
    # Begun today: today counts once something is done on it (it is not over).
    SessionLogFactory(patient=patient_a1, program=program_a1, performed_on=today, exercises_done=1)
    request = ReportRequest(start=today - timedelta(days=42), end=today, narrative="")
    html = report_html(patient_a1, request, author=clinician_a, issued=today)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td>", html)
    assert rows, html
    assert all(done != "0" or prescribed != "0" for _week, done, prescribed in rows), rows
    assert len(rows) < len(adherence.by_week(patient_a1, 7, today=today))


def test_the_front_sheet_counts_only_the_weeks_that_had_a_plan(clinician_a, patient_a1, program_a1):
    """A report asked from six weeks before the program began said "over 7 weeks" of a
    program that had run for one: the referrer read a longer program than there was."""
    from patients.report_sheet import front_sheet

    today = adherence.patient_today(patient_a1)
    SessionLogFactory(patient=patient_a1, program=program_a1, performed_on=today, exercises_done=1)
    start = today - timedelta(days=42)
    weeks = adherence.by_week(patient_a1, 7, today=today, since=start)
    planned = [week for week in weeks if week.prescribed or week.done]
    assert 0 < len(planned) < len(weeks)
    sheet = front_sheet(patient_a1, end=today, instruments=[], measures=[], goals=[], weeks=weeks)
    count = len(planned)
    assert sheet.adherence.endswith(f"over {count} week{'s' if count > 1 else ''}.")


def test_the_charts_heading_is_never_left_alone_at_the_foot_of_a_page(
    clinician_a, patient_a1, program_a1
):
    """Beside floated charts, WeasyPrint broke the page between the "Charts" heading and
    the charts under it, wherever the heading fell: a heading alone at the foot of a page.
    Narratives of three lengths move the heading down the page; a chart is on its page."""
    from clinic.lib.pdf import render_pdf

    today = adherence.patient_today(patient_a1)
    for days_ago, pain in ((20, 6), (2, 3)):
        OutcomeResponseFactory(
            patient=patient_a1,
            code="nprs",
            value=pain,
            completed_on=today - timedelta(days=days_ago),
        )
    for lines in (0, 18, 36):
        request = ReportRequest(
            start=today - timedelta(days=28), end=today, narrative="Steady.\n" * lines
        )
        html = report_html(patient_a1, request, author=clinician_a, issued=today)
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(html).pdf)).pages]
        (heading,) = [text for text in pages if re.search(r"^Charts$", text, re.MULTILINE)]
        assert "NPRS went from" in heading, lines


def test_the_patient_sees_their_goals_on_my_program(as_patient_a1, patient_a1, program_a1):
    GoalFactory(patient=patient_a1, text="Walk the dog", target_on=date(2027, 3, 1))
    GoalFactory(patient=patient_a1, text="Garden", target_on=date.today(), status="met")
    GoalFactory(patient=patient_a1, text="Run", target_on=date.today(), status="not_met")
    page = as_patient_a1.get("/me/program/").content.decode()
    assert "What you are working towards" in page
    assert "Walk the dog" in page and "by 1 March" in page and "Garden" in page
    assert "Run</li>" not in page


def test_an_open_goal_past_its_date_is_marked_without_a_query_per_goal(
    as_clinician_a, patient_a1, django_assert_max_num_queries
):
    from patients.goals import goal_progress

    for n in range(5):
        GoalFactory(patient=patient_a1, text=f"Goal {n}", target_on=date(2020, 1, 1))
    with django_assert_max_num_queries(4):
        found = goal_progress(patient_a1)
        assert all(g.overdue for g in found)
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert page.count("Past its date") == 5


@pytest.mark.parametrize("page", ["goals/new/", "discharge/", "intake/"])
def test_pages_that_show_the_record_are_audited_reads(as_clinician_a, patient_a1, page):
    assert as_clinician_a.get(chart(patient_a1) + page).status_code == 200
    assert AuditEvent.objects.filter(action="patient.view", patient_uuid=patient_a1.uuid).exists()


def test_a_second_post_of_the_same_discharge_page_changes_nothing(
    as_clinician_a, patient_a1, program_a1
):
    # A double tap, or the page open in two tabs: the first post discharges, the second
    # finds the maintenance copy current and is refused, so there is no copy of a copy.
    data = {
        "discharged_on": date.today().isoformat(),
        "program": str(program_a1.uuid),
        "summary": "Done",
        "maintenance": "on",
    }
    assert as_clinician_a.post(chart(patient_a1) + "discharge/", data).status_code == 302
    again = as_clinician_a.post(chart(patient_a1) + "discharge/", data)
    assert again.status_code == 200 and "already discharged?" in again.content.decode()
    assert Discharge.objects.count() == 1
    assert Program.objects.filter(assignment__patient=patient_a1).count() == 2


def test_a_double_tapped_goal_is_set_once(as_clinician_a, patient_a1):
    data = {"text": "Garden", "tracks": "nprs", "target": "3", "target_on": later()}
    for _ in range(2):
        assert as_clinician_a.post(chart(patient_a1) + "goals/new/", data).status_code == 302
    assert Goal.objects.filter(patient=patient_a1).count() == 1


def test_a_goal_by_a_measure_taken_on_both_sides_is_judged_on_its_own_side(patient_a1, clinician_a):
    """Left leg affected (straight leg raise 40°), right fine (80°); goal: the left leg to
    70°. It was tracked by the measure alone and judged on whichever side was typed last:
    "now 80°", reached."""
    from decimal import Decimal

    from patients.goals import goal_add, tracks_choices
    from patients.outcomes import Value, visit_record
    from tests.conftest import actor_of

    actor = actor_of(clinician_a)
    assert ("slr_left", "Straight leg raise, left") in [(k, str(v)) for k, v in tracks_choices()]
    visit_record(
        actor=actor,
        patient=patient_a1,
        measured_on=date.today() - timedelta(days=1),
        values=[
            Value(code="slr", side="left", value=Decimal("40")),
            Value(code="slr", side="right", value=Decimal("80")),
        ],
    )
    goal_add(
        actor=actor,
        patient=patient_a1,
        text="Raise the left leg to 70 degrees",
        tracks="slr_left",
        target=Decimal("70"),
        target_on=date.today() + timedelta(days=30),
    )
    (progress,) = goal_progress(patient_a1)
    assert (progress.latest, progress.reached) == (40.0, False)
    # A goal set before goals named a side is judged on the side farther from its target.
    assert "slr" not in dict(tracks_choices())
    Goal.objects.update(tracks="slr")
    (legacy,) = goal_progress(patient_a1)
    assert (legacy.latest, legacy.reached, legacy.scale.label) == (
        40.0,
        False,
        "Straight leg raise",
    )


def test_the_report_counts_the_patients_days_not_the_servers(
    clinic_a, patient_a1, program_a1, admin_a
):
    """A dose changed at 20:00 on the report's last day in Los Angeles (04:00 UTC the next
    day): the worker, on the server's zone, left it out of the period and dated it a day
    late."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils.formats import date_format

    from programs.models import ProgramRevision

    clinic_a.timezone = "America/Los_Angeles"
    clinic_a.save(update_fields=["timezone"])
    patient_a1.refresh_from_db()
    la = ZoneInfo("America/Los_Angeles")
    day = adherence.patient_today(patient_a1) - timedelta(days=2)
    first = program_a1.revisions.get()
    first.created_at = datetime.combine(day - timedelta(days=10), time(12), tzinfo=la)
    first.save(update_fields=["created_at"])
    ProgramRevision.objects.create(
        program=program_a1,
        number=2,
        snapshot=first.snapshot,
        summary="Bridge raised to 3 sets",
        created_by=admin_a,
        created_at=datetime.combine(day, time(20), tzinfo=la),
    )
    period = ReportRequest(start=day - timedelta(days=7), end=day, narrative="")
    html = report_html(patient_a1, period, author=admin_a, issued=day)
    assert "Bridge raised to 3 sets" in html
    assert date_format(day, "j M Y") in html.split("Bridge raised to 3 sets")[0][-400:]


def test_a_report_of_an_earlier_period_shows_the_goals_as_they_stood_then(patient_a1, clinician_a):
    """A report of last month beside this week's score: the goal read "now 2/10" from a
    score taken after the period, while the outcomes kept to it."""
    from decimal import Decimal

    from patients.goals import goal_add
    from patients.models import OutcomeResponse
    from patients.outcomes import outcome_record
    from tests.conftest import actor_of

    actor = actor_of(clinician_a)
    today = date.today()
    goal_add(
        actor=actor,
        patient=patient_a1,
        text="Pain down to 3",
        tracks="nprs",
        target=Decimal("3"),
        target_on=today + timedelta(days=30),
    )
    Goal.objects.update(created_at=timezone.now() - timedelta(days=80))
    for pain, days_ago in ((7, 60), (6, 40), (2, 2)):
        outcome_record(
            patient=patient_a1,
            code="nprs",
            answers={"best": pain, "worst": pain, "now": pain},
            completed_on=today - timedelta(days=days_ago),
            actor=actor,
            source=OutcomeResponse.Source.CLINICIAN,
        )
    period = ReportRequest(
        start=today - timedelta(days=70), end=today - timedelta(days=30), narrative=""
    )
    html = report_html(patient_a1, period, author=clinician_a, issued=today)
    assert "went from 7/10 to 6/10" in html
    assert "now 2/10" not in html and "now 6/10" in html


@pytest.mark.usefixtures("clinic_a_on_utc")
def test_a_report_period_that_starts_mid_week_counts_its_first_days(membership_a, patient_a1):
    """Wednesday 4 to Tuesday 17 November, a session every day: the weeks were counted by
    days (13 // 7 + 1 = 2) back from the last one, so the week of 2 November, holding the
    period's first five sessions, was left out. Days of that week before the period still
    count for nothing."""
    import time_machine

    from tests.patients.test_adherence import daily_program, log

    utc = timezone.get_fixed_timezone(0)
    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=utc), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    start, end = date(2026, 11, 4), date(2026, 11, 17)
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=utc), tick=False):
        for offset in range(-2, 14):  # and the Monday and Tuesday before the period
            log(patient_a1, program, start + timedelta(days=offset), 1)
        weeks = _weeks(patient_a1, start, end)
    assert [week.start for week in weeks] == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert (sum(w.done for w in weeks), sum(w.prescribed for w in weeks)) == (14, 14)


@pytest.mark.parametrize(
    ("code", "baseline", "current", "verdict"),
    [
        ("odi", 20, 40, "worse by 20 points, a meaningful worsening."),
        ("lefs", 60, 40, "worse by 20 points, a meaningful worsening."),
        ("odi", 20, 26, "worse by 6 points, less than the 10 points"),
        ("odi", 40, 20, "better by 20 points, a meaningful improvement."),
        # NDI: an MCID of 7.5 points inside an MDC of 10.2. The sentence a referrer reads
        # called 7.5 points "a meaningful improvement", which may be measurement error.
        (
            "ndi",
            20,
            12.5,
            "better by 7.5 points, a meaningful amount, but within the measurement error of "
            "10.2 points, so it may not be a real change.",
        ),
        (
            "ndi",
            12.5,
            20,
            "worse by 7.5 points, a meaningful amount, but within the measurement error of "
            "10.2 points, so it may not be a real change.",
        ),
        ("ndi", 30, 15, "better by 15 points, a meaningful improvement."),
    ],
)
def test_the_front_sheet_calls_a_worsening_of_the_meaningful_size_meaningful(
    code, baseline, current, verdict
):
    """ODI 20% to 40% read "worse by 20 points, less than the 10 points that counts as a
    meaningful change": the sentence asked whether the change was a meaningful
    improvement."""
    from patients.outcomes import instrument_summaries
    from patients.report_sheet import outcome_sentence

    responses = [
        OutcomeResponse(pk=n, code=code, value=value, valid=True, completed_on=day)
        for n, value, day in ((1, baseline, date(2026, 1, 1)), (2, current, date(2026, 2, 1)))
    ]
    (summary,) = instrument_summaries(responses)
    assert verdict in outcome_sentence(summary)


def sit_reach_goal(patient, user, target: int, *readings, set_days_ago: int):
    """A sit-and-reach goal set `set_days_ago`, and (days ago, value, zero point) visits."""
    from decimal import Decimal

    from patients.goals import goal_add
    from tests.conftest import actor_of
    from tests.patients.test_measures import record_sit_reach

    actor = actor_of(user)
    record_sit_reach(patient, user, *readings)
    goal_add(
        actor=actor,
        patient=patient,
        text="Reach past my toes",
        tracks="sit_reach",
        target=Decimal(target),
        target_on=date.today() + timedelta(days=30),
    )
    Goal.objects.update(created_at=timezone.now() - timedelta(days=set_days_ago))


def test_a_sit_and_reach_goal_is_judged_with_the_zero_point_it_was_set_with(
    as_clinician_a, patient_a1, clinician_a
):
    """Set at 30 cm on a box reading 23 at the feet: target 33 cm, 10 cm past the feet.
    Then 34 cm on a box reading 26: 8 cm past the feet, 31 cm on the first box. It read
    "target reached"."""
    from patients.report_sheet import goal_sentence

    sit_reach_goal(patient_a1, clinician_a, 33, (40, 30, 23), (2, 34, 26), set_days_ago=39)
    (progress,) = goal_progress(patient_a1)
    assert (progress.latest, progress.judged, progress.reached) == (34.0, 31.0, False)
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "Sit-and-reach target 33" in page and "latest 34" in page
    assert re.search(r"\(31 ?cm with the zero point the goal was set with\)", page)
    assert "(target reached)" not in page
    assert spaced(goal_sentence(progress)).startswith(
        "Reach past my toes (Sit-and-reach target 33 cm, "
        "now 34 cm (31 cm with the zero point the goal was set with)): open"
    )


def test_a_sit_and_reach_goal_is_not_judged_across_a_missing_zero_point(
    as_clinician_a, patient_a1, clinician_a
):
    """Set when the value had no zero point; the latest has one: whether 34 cm is past
    the target of 33 cm nobody can say."""
    from patients.report_sheet import goal_sentence

    sit_reach_goal(patient_a1, clinician_a, 33, (40, 30, None), (2, 34, 23), set_days_ago=39)
    (progress,) = goal_progress(patient_a1)
    assert (progress.latest, progress.reached) == (34.0, None)
    assert progress.not_compared == "Not compared: measured with a different zero point."
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "latest 34" in page and "(target reached)" not in page
    assert "Not compared: measured with a different zero point." in page
    sentence = spaced(goal_sentence(progress))
    assert "target 33 cm, now 34 cm): open, due" in sentence
    assert sentence.endswith(". Not compared: measured with a different zero point.")


def test_a_sit_and_reach_goal_on_one_box_is_judged_as_recorded(patient_a1, clinician_a):
    """Same zero point throughout: the value as recorded against the target, no note."""
    sit_reach_goal(patient_a1, clinician_a, 33, (40, 30, 23), (2, 34, 23), set_days_ago=39)
    (progress,) = goal_progress(patient_a1)
    assert (progress.latest, progress.reached) == (34.0, True)
    assert (progress.judged, progress.not_compared) == (None, "")


def test_a_patient_whose_program_was_completed_is_not_told_it_was_never_set_up(
    program_a1, membership_a, patient_a1
):
    from clinic.actors import Actor
    from patients.services import patient_program_set_status
    from programs.models import Program

    patient_program_set_status(
        actor=Actor.for_member(membership_a),
        patient=patient_a1,
        program=program_a1,
        status=Program.Status.COMPLETED,
    )
    client = client_for(patient_a1.user)
    today = client.get("/me/").content.decode()
    program = client.get("/me/program/").content.decode()
    # Seen on both pages: "Your clinician has not set up your exercises here yet." (and
    # "No exercises yet") to a patient who did weeks of them and has just finished.
    assert "has not set up your exercises" not in today
    assert "has not set up your exercises" not in program
    for page in (today, program):
        assert "You have finished your exercise program with" in page
        assert 'href="/me/progress/"' in page and "See how far you have come" in page
        # What to stop for, and the way to tell the clinic, stay.
        assert "Stop and call us" in page and 'href="/me/symptoms/"' in page
    # The handout of the finished program (the QR code, a saved link) is still theirs: it
    # answered "You have no exercise program yet".
    handout = get_document(client, "/me/handout.pdf")
    assert handout.status_code == 200 and handout["Content-Type"] == "application/pdf"


def test_a_patient_who_never_had_a_program_is_still_told_it_is_not_set_up(patient_a1):
    client = client_for(patient_a1.user)
    for path in ("/me/", "/me/program/"):
        page = client.get(path).content.decode()
        assert "has not set up your exercises" in page
        assert "You have finished" not in page


def test_a_spanish_patient_is_told_in_spanish_that_they_finished(
    program_a1, membership_a, patient_a1
):
    from clinic.actors import Actor
    from patients.services import patient_program_set_status

    patient_a1.preferred_language = "es"
    patient_a1.save()
    patient_program_set_status(
        actor=Actor.for_member(membership_a),
        patient=patient_a1,
        program=program_a1,
        status=Program.Status.COMPLETED,
    )
    page = client_for(patient_a1.user).get("/me/").content.decode()
    assert "Has terminado tu programa de ejercicios con" in page
    assert "Mira todo lo que has avanzado" in page


def test_the_chart_judges_goals_by_what_it_read_as_goal_progress_does_by_its_own(
    as_clinician_a, patient_a1, clinician_a
):
    """The chart hands goal_progress the scores and measurements it has read for its
    Progress figures: a zeroed measure, a score, a PSFS activity and a plain goal come out
    the same as from goal_progress's own queries."""
    sit_reach_goal(patient_a1, clinician_a, 33, (40, 30, 23), (2, 34, 26), set_days_ago=39)
    psfs(patient_a1, [3, 4, 5], days_ago=20)
    psfs(patient_a1, [6, 4, 5], days_ago=3)
    for day, value, valid in ((30, 6, True), (5, 2, True), (1, 9, False)):
        OutcomeResponseFactory(
            patient=patient_a1,
            code="nprs",
            value=value,
            valid=valid,
            completed_on=date.today() - timedelta(days=day),
        )
    for text, tracks, target in (
        ("Sit through a film", "nprs", 3),
        ("Walking to the shops", "psfs_activity", 8),
        ("Back to work", "", None),
    ):
        GoalFactory(
            patient=patient_a1,
            text=text,
            tracks=tracks,
            target=target,
            target_on=date.today() + timedelta(days=30),
        )
    shown = as_clinician_a.get(chart(patient_a1)).context["goals"]
    assert [(p.goal.text, p.latest, p.judged, p.reached) for p in shown] == [
        ("Reach past my toes", 34.0, 31.0, False),
        ("Sit through a film", 2.0, None, True),
        ("Walking to the shops", 6.0, None, False),
        ("Back to work", None, None, None),
    ]
    assert shown == goal_progress(patient_a1)


def test_the_discharge_page_shows_each_score_latest_against_its_baseline(
    as_clinician_a, patient_a1, program_a1
):
    """Found by review: "Final scores" listed the six newest responses of any kind, so a
    questionnaire answered weeks ago was missing behind daily pain scores, and superseded
    scores read as final."""
    today = date.today()
    for days_ago, value in ((40, 14), (20, 8)):
        OutcomeResponseFactory(
            patient=patient_a1, code="rmdq", value=value, completed_on=today - timedelta(days_ago)
        )
    for days_ago in range(7):
        OutcomeResponseFactory(
            patient=patient_a1, value=6 - days_ago % 3, completed_on=today - timedelta(days_ago)
        )
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/discharge/").content.decode()
    start = page.index("Final scores")
    final = page[start : page.index("<form", start)]
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", final, re.S) if "<td" in row]
    assert len(rows) == 2  # one per questionnaire, not one per response
    rmdq = " ".join(re.sub(r"<[^>]+>", " ", next(r for r in rows if "RMDQ" in r)).split())
    baseline, latest = ((today - timedelta(days)).strftime("%-d %b %y") for days in (40, 20))
    assert f"14/24 {baseline} 8/24 {latest} Better by 6" in rmdq


def test_the_report_gives_one_adherence_figure(membership_a, patient_a1, clinician_a):
    """Found by review: the front sheet said "61% ... (47 of 77)" and the chart below it
    "averaged 52.4%", a mean of weekly percentages in which a program's first two days
    weighed as much as a whole week. The chart now says the front sheet's figure, and the
    table counts exercises, not sessions (12 "sessions done" in a week of 6 sessions)."""
    import time_machine

    from tests.patients.test_adherence import daily_program, log

    utc = timezone.get_fixed_timezone(0)
    saturday = date(2026, 11, 7)
    with time_machine.travel(datetime(2026, 11, 7, 8, tzinfo=utc), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    end = date(2026, 11, 22)
    with time_machine.travel(datetime(2026, 11, 22, 20, tzinfo=utc), tick=False):
        for day in range(2, 16):  # nothing on the first weekend, then every day
            log(patient_a1, program, saturday + timedelta(days=day), 1)
        request = ReportRequest(start=saturday, end=end, narrative="")
        html = report_html(patient_a1, request, author=clinician_a, issued=end)
    figure = "88% of the exercises prescribed were done (14 of 16) over 3 weeks."
    sheet, chart = html.split("<svg", 1)
    assert figure in sheet
    assert f"{figure} Dashed line" in chart and f'"chart-summary mt-2">{figure}<' in chart
    assert "averaged" not in html
    # Exercises in the table, the front sheet and the chart alike (review: the chart's
    # title still said "sessions").
    assert "<th>Exercises done</th>" in html and "Exercises done, % of plan, by week" in chart
    assert "sessions done" not in html.lower()


def test_a_report_made_this_morning_agrees_with_the_chart(
    clinic_a_on_utc, membership_a, patient_a1, clinician_a
):
    """Made at 9 am with the period the form offers (to today), the report said 95%
    (20 of 21) for a patient who had done every day, where the chart said 100%."""
    from zoneinfo import ZoneInfo

    import time_machine

    from tests.patients.test_adherence import daily_program, log

    with time_machine.travel(datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("UTC")), tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    today = date(2026, 11, 22)
    with time_machine.travel(datetime(2026, 11, 22, 9, tzinfo=ZoneInfo("UTC")), tick=False):
        for day in range(2, 22):
            log(patient_a1, program, date(2026, 11, day), 1)
        assert adherence.window(patient_a1, 7).percent == 100
        request = ReportRequest(start=date(2026, 11, 2), end=today, narrative="")
        html = spaced(report_html(patient_a1, request, author=clinician_a, issued=today))
    assert "100% of the exercises prescribed were done (20 of 20)" in html


def test_the_maintenance_copy_is_never_more_often_than_the_program(
    membership_a, patient_a1, program_a1
):
    """An exercise on Mondays and Thursdays (its "days a week" left at 7) came back in the
    maintenance copy as "3 days a week": more than before, on the handout kept."""
    from clinic.actors import Actor
    from patients.discharge import patient_discharge
    from patients.due_days import days_a_week
    from programs.dosage import describe_days, weekday_bits
    from tests.conftest import revise

    rows = [
        {"id": item.pk, "exercise": item.exercise}
        for item in program_a1.items.select_related("exercise").order_by("order")
    ]
    rows[0] |= {"weekdays": weekday_bits([0, 3])}
    rows[1] |= {"days_per_week": 2, "reps": 7}
    revise(program_a1, membership_a, rows)
    before = list(program_a1.items.order_by("order"))
    discharge, _job = patient_discharge(
        actor=Actor.for_member(membership_a),
        patient=patient_a1,
        discharged_on=adherence.patient_today(patient_a1),
        summary="Back at work.",
        plan="Keep going.",
        goal_statuses={},
        maintenance=True,
        letter=False,
        program_seen=str(program_a1.uuid),
    )
    kept = list(discharge.maintenance.items.order_by("order"))
    assert [describe_days(item) for item in kept[:2]] == ["Mon, Thu", "2 days a week"]
    assert kept[1].reps == 7
    # Any other exercise done more often than three days a week is done on three now.
    for was, now in zip(before[2:], kept[2:], strict=True):
        lighter = (3, 0) if days_a_week(was) > 3 else (was.days_per_week, was.weekdays)
        assert (now.days_per_week, now.weekdays) == lighter
    assert any(days_a_week(was) > 3 for was in before[2:])


def test_the_discharge_page_names_the_open_flags(as_clinician_a, patient_a1, program_a1):
    """Found by the portal review: a patient with an unreviewed "Pain 7/10" was discharged
    from a page that did not mention it, and the letter reported only improvements."""
    FlagFactory(patient=patient_a1, reason="Pain 7/10 during exercise on Sun 6 Dec.")
    page = as_clinician_a.get(chart(patient_a1) + "discharge/").content.decode()
    assert "1 flag is open: review it on the chart before the discharge." in page
    assert "Pain 7/10 during exercise on Sun 6 Dec." in page
    Flag.objects.update(reviewed_at=timezone.now())
    page = as_clinician_a.get(chart(patient_a1) + "discharge/").content.decode()
    assert "flag is open" not in page


def test_a_discharged_patient_is_marked_in_the_caseload_until_a_new_program(
    as_clinician_a, frontdesk_a, clinician_a, patient_a1, program_a1
):
    """Found by the clinician review: a discharged patient, on their maintenance program,
    looked like every patient in care in the list."""
    from patients.services import patient_program_start
    from tests.conftest import actor_of

    badge = '<span class="badge text-bg-secondary" title="'
    assert badge not in as_clinician_a.get("/portal/").content.decode()
    as_clinician_a.post(
        chart(patient_a1) + "discharge/",
        {
            "discharged_on": date.today().isoformat(),
            "program": str(program_a1.uuid),
            "summary": "Back at work full time.",
            "maintenance": "on",
        },
    )
    patient_a1.refresh_from_db()
    assert patient_a1.discharged_on == date.today()
    for client in (as_clinician_a, client_for(frontdesk_a)):
        assert (
            f'{badge}{date.today():%-d %b %Y}">Discharged</span>'
            in client.get("/portal/").content.decode()
        )
    # Back in care: a new program starts a new episode.
    patient_program_start(actor=actor_of(clinician_a), patient=patient_a1, source=program_a1)
    patient_a1.refresh_from_db()
    assert patient_a1.discharged_on is None
    assert badge not in as_clinician_a.get("/portal/").content.decode()


def test_patients_discharged_before_the_mark_existed_are_marked(
    clinician_a, patient_a1, patient_a2, program_a1
):
    """The migration's backfill: discharged and still on the maintenance program (a1), or
    discharged and then given a new program (a2, not marked)."""
    import importlib

    from django.apps import apps

    from patients.services import patient_program_start
    from tests.conftest import actor_of

    actor = actor_of(clinician_a)
    for patient in (patient_a1, patient_a2):
        Discharge.objects.create(
            patient=patient, discharged_on=date.today(), summary="Done.", created_by=clinician_a
        )
    patient_program_start(actor=actor, patient=patient_a2, source=program_a1)
    Patient.objects.update(discharged_on=None)
    migration = importlib.import_module("patients.migrations.0023_patient_discharged_on")
    migration.mark_the_discharged(apps, None)
    marked = dict(Patient.objects.values_list("pk", "discharged_on"))
    assert marked == {patient_a1.pk: date.today(), patient_a2.pk: None}
