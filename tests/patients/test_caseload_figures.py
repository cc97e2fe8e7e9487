"""The caseload's stored figures (patients.caseload): current after every write that moves
them, after midnight in the patient's own time zone, and read in a constant number of
queries whatever the sort, filter or clinic size."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.actors import Actor
from clinic.emergency import EMERGENCY_HELP
from clinic.services import clinic_update
from patients import caseload
from patients.models import Flag, Patient
from patients.practice_log import Done, flag_review, session_log
from patients.symptoms import symptoms_report
from programs.safety import StopRules
from programs.services import program_save, program_set_status
from tests.conftest import caseload_search, make_patient, sqlite_plan
from tests.factories import FlagFactory, SessionLogFactory
from tests.patients.test_adherence import daily_program

# The moments below are UTC's, and so is the clinic's day, whatever the server's zone.
pytestmark = pytest.mark.usefixtures("clinic_a_on_utc")
UTC = ZoneInfo("UTC")
NOV_1 = datetime(2026, 11, 1, 8, tzinfo=UTC)
NOV_20 = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday, noon in the clinic (UTC)


def stored(patient) -> Patient:
    return Patient.objects.get(pk=patient.pk)


def log(patient, program, day, token):
    exercise = program.items.first().exercise
    return session_log(
        patient=patient,
        program=program,
        done=[Done(exercise)],
        pain=2,
        effort=3,
        comment="",
        client_token=token,
        performed_on=day,
        actor=Actor.for_patient(patient),
    )


def test_a_logged_session_moves_the_stored_figures_at_once(membership_a, patient_a1):
    with time_machine.travel(NOV_1, tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(NOV_20, tick=False):
        caseload.refresh_one(patient_a1)
        assert (stored(patient_a1).done_7d, stored(patient_a1).prescribed_7d) == (0, 7)
        log(patient_a1, program, date(2026, 11, 19), "a")
        row = stored(patient_a1)
        # Not waiting for the sweep: the write recomputed the row.
        assert (row.done_7d, row.prescribed_7d) == (1, 7)
        assert round(row.adherence_7d) == 14 and row.adherence_sort == row.adherence_7d
        # Today's session counts from tomorrow (today is not over).
        log(patient_a1, program, date(2026, 11, 20), "b")
        assert stored(patient_a1).done_7d == 1


def test_a_program_change_counts_from_the_next_day_on(membership_a, patient_a1):
    with time_machine.travel(NOV_1, tick=False):
        program = daily_program(membership_a, patient_a1, exercises=2)  # 2 a day
    with time_machine.travel(NOV_20, tick=False):
        item = program.items.first()
        program = program_save(
            program=program,
            actor=Actor.for_member(membership_a),
            expected_revision=program.revision,
            fields={},
            items=[{"id": item.pk, "exercise": item.exercise, "reps": 10, "days_per_week": 7}],
        )
        # The 7 days before today keep what was prescribed on them.
        assert stored(patient_a1).prescribed_7d == 14
    with time_machine.travel(NOV_20 + timedelta(days=1), tick=False):
        caseload.refresh_stale()
        # Six days of 2, then Friday's 1.
        assert stored(patient_a1).prescribed_7d == 13
    with time_machine.travel(NOV_20 + timedelta(days=2), tick=False):
        program_set_status(program=program, actor=Actor.for_member(membership_a), status="paused")
    with time_machine.travel(NOV_20 + timedelta(days=10), tick=False):
        caseload.refresh_stale()
        row = stored(patient_a1)
        # Nothing prescribed in the last 7 days: "new or none", sorted last, not 0 %.
        assert row.prescribed_7d == 0 and row.adherence_7d is None
        assert row.adherence_sort == caseload.NO_ADHERENCE


def test_the_figures_roll_over_at_the_patients_own_midnight(
    as_clinician_a, membership_a, patient_a1
):
    """The clinic is on UTC; the patient lives in Auckland (13 hours ahead in November)."""
    Patient.objects.filter(pk=patient_a1.pk).update(timezone="Pacific/Auckland")
    patient_a1.refresh_from_db()
    with time_machine.travel(NOV_1, tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    # 09:00 on Friday 20 November in Auckland.
    with time_machine.travel(datetime(2026, 11, 19, 20, tzinfo=UTC), tick=False):
        log(patient_a1, program, date(2026, 11, 13), "a")  # 7 days before: in the window
        row = stored(patient_a1)
        assert row.done_7d == 1
        assert row.figures_until == datetime(2026, 11, 20, 11, tzinfo=UTC)  # 00:00 NZDT
    # A minute before the patient's midnight: nothing changes.
    with time_machine.travel(datetime(2026, 11, 20, 10, 59, tzinfo=UTC), tick=False):
        assert as_clinician_a.get("/portal/").status_code == 200
        assert stored(patient_a1).done_7d == 1
    # Past it (still Friday in the clinic): the 13th has left the patient's window, and the
    # caseload itself brings the row up to date before it reads, without the sweep.
    with time_machine.travel(datetime(2026, 11, 20, 11, 1, tzinfo=UTC), tick=False):
        page = as_clinician_a.get("/portal/?sort=adherence")
        row = next(p for p in page.context["page"] if p.pk == patient_a1.pk)
        assert row.done_7d == 0 and row.prescribed_7d == 7
        assert stored(patient_a1).figures_until == datetime(2026, 11, 21, 11, tzinfo=UTC)


def test_the_hourly_sweep_recomputes_only_rows_whose_day_has_ended(membership_a, patient_a1):
    with time_machine.travel(NOV_1, tick=False):
        daily_program(membership_a, patient_a1, exercises=1)
        assert caseload.refresh_stale() == 0
    with time_machine.travel(NOV_1 + timedelta(days=1), tick=False):
        assert caseload.refresh_stale() == 1
        assert caseload.refresh_stale() == 0


def test_the_scheduler_runs_the_sweep_every_hour(settings, membership_a, patient_a1):
    from patients.tasks import caseload_figures_refresh

    assert ("patients.tasks.caseload_figures_refresh", "2 * * * *") in settings.PERIODIC_TASKS
    with time_machine.travel(NOV_1, tick=False):
        daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(NOV_1 + timedelta(days=1), tick=False):
        assert caseload_figures_refresh.call() == 1


def test_flags_move_the_attention_figures(as_clinician_a, membership_a, patient_a1):
    daily_program(membership_a, patient_a1, exercises=1)
    rules = StopRules(
        regions=(),
        stop=("sharp pain",),
        urgent=("numb between the legs",),
        emergency=EMERGENCY_HELP["uk"],
    )
    symptoms_report(
        actor=Actor.for_patient(patient_a1),
        patient=patient_a1,
        signs=["numb between the legs"],
        rules=rules,
    )
    row = stored(patient_a1)
    assert row.urgent and row.open_flags == 1
    page = as_clinician_a.get("/portal/?attention=1")
    assert [p.pk for p in page.context["page"]] == [patient_a1.pk]
    flag = Flag.objects.get(patient=patient_a1)
    flag_review(actor=Actor.for_member(membership_a), flag=flag, note="Phoned: seen by the GP.")
    row = stored(patient_a1)
    assert not row.urgent and row.open_flags == 0
    assert list(as_clinician_a.get("/portal/?attention=1").context["page"]) == []


def test_a_new_clinic_time_zone_makes_its_patients_figures_stale(
    membership_a, clinic_a, patient_a1
):
    daily_program(membership_a, patient_a1, exercises=1)
    fresh = stored(patient_a1).figures_until
    clinic_update(actor=Actor.for_member(membership_a), fields={"phone": "01632 960 999"})
    assert stored(patient_a1).figures_until == fresh  # same zone: nothing to redo
    clinic_update(actor=Actor.for_member(membership_a), fields={"timezone": "Asia/Tokyo"})
    assert stored(patient_a1).figures_until == caseload.FIGURES_NEVER
    clinic_a.refresh_from_db()
    caseload.refresh_stale_for_caseload(clinic_a, user_id=None, status="active")
    assert stored(patient_a1).figures_until not in (fresh, caseload.FIGURES_NEVER)


# --- Queries: constant with size, for every sort and filter ------------------------------

URLS = [
    "/portal/",
    "/portal/?sort=adherence",
    "/portal/?sort=activity",
    "/portal/?sort=flags",
    "/portal/?attention=1&sort=flags",
    "search:person",
    "/portal/?sort=activity&page=2",
    # Whose patients: clinician A's own (the default: patient A1 is hers) or everyone's.
    "/portal/?clinician=mine&sort=adherence&page=2",
    "/portal/?clinician=everyone&attention=1&sort=flags",
    "search:person&clinician=everyone",
]


def searched(client, url) -> str:
    term, _, clinician = url.removeprefix("search:").partition("&clinician=")
    return caseload_search(client, term, **({"clinician": clinician} if clinician else {}))


def queries(client, url) -> int:
    if url.startswith("search:"):
        url = searched(client, url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_patients(clinic, program, count: int, start: int, clinician=None) -> None:
    revision = program.revisions.get(number=program.revision)
    for i in range(start, start + count):
        # Every other one is `clinician`'s: "My patients" grows too.
        patient = make_patient(
            clinic, "P", f"Person{i:03}", login=False, clinician=clinician if i % 2 else None
        )
        SessionLogFactory(
            patient=patient,
            program=program,
            revision=revision,
            performed_on=date.today() - timedelta(days=2),
            logged_at=datetime.now(UTC),
            exercises_done=1,
        )
        FlagFactory(patient=patient, reason="-", raised_on=date.today())
        caseload.refresh_one(patient)


@pytest.mark.parametrize("url", URLS)
def test_the_caseload_costs_the_same_queries_at_3_and_60_patients(
    url, as_clinician_a, clinic_a, membership_a, patient_a1
):
    program = daily_program(membership_a, patient_a1, exercises=1)
    add_patients(clinic_a, program, 2, 0, membership_a.user)
    few = queries(as_clinician_a, url)
    add_patients(clinic_a, program, 57, 2, membership_a.user)
    assert queries(as_clinician_a, url) == few
    # session, user, membership, the stale-figure check, count, page, audit
    assert few <= 7


@pytest.mark.parametrize("url", URLS)
def test_the_page_rows_are_read_by_their_ids_not_by_walking_the_clinic(
    url, as_clinician_a, clinic_a, membership_a, patient_a1
):
    """The page's 25 ids come from the sort's index; their rows are then looked up by id
    alone. With the clinic's filters repeated around the ids, SQLite read the rows by
    walking the sort's index through every patient of the clinic (1.33 ms of a 10,000-
    patient caseload page, against 0.07 ms by id)."""
    program = daily_program(membership_a, patient_a1, exercises=1)
    add_patients(clinic_a, program, 30, 0, membership_a.user)
    if url.startswith("search:"):
        url = searched(as_clinician_a, url)
    with CaptureQueriesContext(connection) as captured:
        page = as_clinician_a.get(url)
    assert page.status_code == 200
    (rows,) = [q["sql"] for q in captured if '"patients_patient"."quiet"' in q["sql"]]
    outer, ids = rows.split(" IN (SELECT ", 1)
    assert '"clinic_id"' not in outer.split(" WHERE ", 1)[1]
    assert '"clinic_id"' in ids  # the ids are the clinic's own
    if (plan := sqlite_plan(rows)) is not None:
        assert "SEARCH patients_patient USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/portal/?clinician=mine&page=2", "caseload_by_name"),
        ("/portal/?clinician=mine&sort=adherence&page=2", "caseload_by_adherence"),
        ("/portal/?clinician=mine&sort=activity&page=2", "caseload_by_activity"),
        ("/portal/?clinician=mine&sort=flags&page=2", "caseload_by_flags"),
    ],
)
def test_my_patients_are_paged_from_the_sorts_index_alone(
    url, index, as_clinician_a, clinic_a, membership_a, patient_a1
):
    """The sort's index ends with the clinician: "My patients" page 200 read each of the
    4,975 rows before it to see whose they were (2.4 ms of the page at 10,000 patients;
    0.25 ms from the index alone)."""
    program = daily_program(membership_a, patient_a1, exercises=1)
    add_patients(clinic_a, program, 60, 0, membership_a.user)
    with CaptureQueriesContext(connection) as captured:
        assert as_clinician_a.get(url).status_code == 200
    (rows,) = [q["sql"] for q in captured if '"patients_patient"."quiet"' in q["sql"]]
    assert '"clinician_id" = ' in rows  # her own list
    if (plan := sqlite_plan(rows)) is not None:
        assert any(f"USING COVERING INDEX {index} " in step for step in plan), plan


def test_a_search_of_my_patients_is_counted_from_an_index_alone(
    as_clinician_a, clinic_a, membership_a, patient_a1
):
    """The search's count read each of the clinician's rows for their names (2.2 ms at
    10,000 patients); the index of whose patients they are now holds the names too."""
    program = daily_program(membership_a, patient_a1, exercises=1)
    add_patients(clinic_a, program, 30, 0, membership_a.user)
    url = caseload_search(as_clinician_a, "person", clinician="mine")
    with CaptureQueriesContext(connection) as captured:
        assert as_clinician_a.get(url).status_code == 200
    (count,) = [q["sql"] for q in captured if "COUNT(*)" in q["sql"]]
    assert '"clinician_id" = ' in count and "LIKE" in count
    if (plan := sqlite_plan(count)) is not None:
        assert any("USING COVERING INDEX patients_in_charge " in step for step in plan), plan


def test_a_caseload_read_with_nothing_stale_writes_nothing_to_patients(
    as_clinician_a, membership_a, patient_a1
):
    """Before: every caseload GET ran the stale-figure UPDATE (matching no row) and took
    the database's write lock for it; now one indexed read finds nothing to do."""
    daily_program(membership_a, patient_a1, exercises=1)
    with CaptureQueriesContext(connection) as captured:
        assert as_clinician_a.get("/portal/").status_code == 200
    writes = [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert writes == []


def test_stale_rows_do_not_cost_a_query_per_patient(as_clinician_a, clinic_a, membership_a):
    """Rows never computed (bulk-created, here) are brought up to date in one statement."""
    Patient.objects.bulk_create(
        Patient(clinic=clinic_a, first_name="P", last_name=f"B{i}", date_of_birth=date(1990, 1, 1))
        for i in range(3)
    )
    few = queries(as_clinician_a, "/portal/?sort=adherence")
    Patient.objects.bulk_create(
        Patient(clinic=clinic_a, first_name="P", last_name=f"C{i}", date_of_birth=date(1990, 1, 1))
        for i in range(40)
    )
    assert queries(as_clinician_a, "/portal/?sort=adherence") == few
    assert not Patient.objects.filter(figures_until=caseload.FIGURES_NEVER).exists()


def test_the_rows_escape_what_was_typed(as_clinician_a, clinic_a, clinician_a):
    """The rows are assembled in Python (patients/caseload_table.py), not by the template
    language: names still come out escaped."""
    clinician_a.full_name = "Dr <b>Bold</b>"
    clinician_a.save()
    make_patient(
        clinic_a, '<img src=x onerror="alert(1)">', "O'Brien & <Co>", clinician=clinician_a
    )
    page = as_clinician_a.get("/portal/").content.decode()
    assert "<img src=x" not in page and "<Co>" not in page and "<b>Bold" not in page
    assert "O&#x27;Brien &amp; &lt;Co&gt;, &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "Dr &lt;b&gt;Bold&lt;/b&gt;" in page


def test_a_record_saved_from_an_old_copy_keeps_the_figures_written_since(membership_a, patient_a1):
    """Before: a full save() of a patient loaded earlier (an edit form, the admin) wrote
    back the figures and last activity it had read, undoing a session logged meanwhile."""
    with time_machine.travel(NOV_1, tick=False):
        program = daily_program(membership_a, patient_a1, exercises=1)
    with time_machine.travel(NOV_20, tick=False):
        caseload.refresh_one(patient_a1)
        old_copy = Patient.objects.get(pk=patient_a1.pk)
        log(patient_a1, program, date(2026, 11, 19), "a")
        old_copy.phone = "+1 555 0142"
        old_copy.save()
        row = stored(patient_a1)
        assert row.phone == "+1 555 0142"
        assert row.done_7d == 1 and row.last_activity_at is not None


def test_a_patient_without_open_flags_shows_a_dash_not_none(as_clinician_a, patient_a1):
    """A bare "None" in the Flags column read like a blank left by the program."""
    page = as_clinician_a.get("/portal/").content.decode()
    row = page[page.index(patient_a1.last_name) :]
    row = row[: row.index("</tr>")]
    assert ">None<" not in row
    assert '<span class="text-muted" aria-hidden="true">—</span>' in row
    assert '<span class="visually-hidden">No open flags</span>' in row


@pytest.mark.parametrize(
    ("seconds", "said"),
    # timesince joins the number and its unit with a no-break space.
    [(20, ">Just now<"), (60, ">1\u00a0minute ago<"), (7200, ">2\u00a0hours ago<")],
)
def test_activity_under_a_minute_ago_is_just_now(as_clinician_a, patient_a1, seconds, said):
    """Found by review: a session logged seconds before read "0 minutes ago"."""
    from django.utils import timezone

    Patient.objects.filter(pk=patient_a1.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=seconds)
    )
    page = as_clinician_a.get("/portal/").content.decode()
    row = page[page.index(patient_a1.last_name) :]
    assert said in row[: row.index("</tr>")]
