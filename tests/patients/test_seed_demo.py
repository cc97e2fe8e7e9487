from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from clinic.models import Clinic, Membership, User
from patients.models import Patient


def seed(**options):
    call_command("seed_demo", stdout=open("/dev/null", "w"), **options)  # noqa: SIM115


def test_it_creates_the_documented_logins_and_is_safe_to_rerun(db, settings):
    settings.DEBUG = True
    seed(clinics=2, patients=12)
    seed(clinics=2, patients=12)
    assert Clinic.objects.count() == 2
    assert Patient.objects.count() == 24
    for email in [
        "admin@demo.test",
        "clinician@demo.test",
        "admin2@demo.test",
        "clinician2@demo.test",
        "frontdesk@demo.test",
        "frontdesk2@demo.test",
    ]:
        assert Membership.objects.filter(user__email=email).count() == 1
    assert Membership.objects.get(user__email="frontdesk@demo.test").role == "front_desk"
    for email in ["patient@demo.test", "patient2@demo.test"]:
        assert Patient.objects.get(user__email=email)


def test_demo_accounts_log_in_with_the_documented_password(db, settings):
    settings.DEBUG = True
    seed(clinics=1, patients=3)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "clinician@demo.test", "password": "limber-demo"}
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert User.objects.get(email="patient@demo.test").check_password("limber-demo")


def test_topping_up_adds_only_the_missing_patients(db, settings):
    settings.DEBUG = True
    seed(clinics=1, patients=5)
    seed(clinics=1, patients=9)
    assert Patient.objects.count() == 9


def test_it_refuses_to_run_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed(clinics=1, patients=2)
    assert not Clinic.objects.exists()
    seed(clinics=1, patients=2, force=True)
    assert Clinic.objects.count() == 1


def test_it_rejects_absurd_sizes(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        seed(clinics=0)


def test_demo_programs_are_whole_copies_of_their_templates(db, settings):
    # The demo copies templates in bulk, beside programs.services.program_copy: it must
    # carry everything a copy carries, the leaflets included.
    from programs.models import Program

    settings.DEBUG = True
    seed(clinics=1, patients=6)
    for program in Program.objects.filter(assignment__isnull=False):
        assert program.leaflets and sorted(program.leaflets) == sorted(program.based_on.leaflets)


def test_a_demo_program_was_saved_when_its_first_revision_was(db, settings):
    """The handout's header reads the revision's date and the chart the program's: on the
    demo data they used to differ by four months."""
    from programs.models import Program

    settings.DEBUG = True
    seed(clinics=1, patients=3)
    programs = Program.objects.filter(assignment__isnull=False).prefetch_related("revisions")
    assert programs
    for program in programs:
        first = min(program.revisions.all(), key=lambda revision: revision.number)
        assert program.updated_at == program.created_at == first.created_at


def test_demo_programs_begin_the_day_before_their_history(db, settings):
    """Saved 120 days back with 28 days of history, every demo patient showed months of
    weeks with nothing done (0% bars, 0% report rows)."""
    from django.utils import timezone

    from patients.adherence import by_week
    from programs.models import Program

    settings.DEBUG = True
    seed(clinics=1, patients=3, days=10)
    for program in Program.objects.filter(assignment__isnull=False):
        assert program.start_date == timezone.localdate() - timedelta(days=11)
    patient = Patient.objects.get(user__email="patient@demo.test")
    weeks = by_week(patient, 8)
    assert all(week.percent is None for week in weeks[:-3])


def test_demo_sessions_name_their_exercises_as_logged_ones_do(db, settings):
    """Sessions older than two weeks were written with their count only, no entry per
    exercise: the chart and the All sessions page showed "3 exercises" for them, where a
    session logged in the app names what was done."""
    from django.db.models import Count, F
    from django.utils import timezone

    from patients.models import SessionLog

    settings.DEBUG = True
    seed(clinics=1, patients=3, days=40)
    patient = Patient.objects.get(user__email="patient@demo.test")
    client = Client()
    client.force_login(User.objects.get(email="clinician@demo.test"))
    page = client.get(f"/portal/patients/{patient.uuid}/sessions/").content.decode()
    assert "Pain" in page and " exercises</div>" not in page and " exercise</div>" not in page
    sessions = SessionLog.objects.annotate(entries_count=Count("entries"))
    assert sessions.filter(performed_on__lt=timezone.localdate() - timedelta(days=30)).exists()
    assert not sessions.filter(exercises_done=0).exists()
    assert not sessions.exclude(entries_count=F("exercises_done")).exists()


def test_the_demo_patient_has_visits_and_questionnaires_to_chart(db, settings):
    """The demo had no measure or questionnaire anywhere: the chart's measures, their
    charts and the progress report could not be seen without typing a history in. The
    documented patient gets a low-back program, three visits and three ODI and NPRS
    scores that improve, recorded through the services; re-running adds nothing."""
    from patients.models import Measurement, OutcomeResponse

    settings.DEBUG = True
    seed(clinics=1, patients=4)
    seed(clinics=1, patients=4)
    patient = Patient.objects.get(user__email="patient@demo.test")
    assert patient.programs.get().program.based_on.template_key.startswith("low-back")
    flexion = Measurement.objects.filter(visit__patient=patient, code="lumbar_flexion")
    assert list(flexion.order_by("visit__measured_on").values_list("value", flat=True)) == [
        35,
        42,
        50,
    ]
    odi = OutcomeResponse.objects.filter(patient=patient, code="odi").order_by("completed_on")
    assert [round(r.value) for r in odi] == [38, 28, 20]
    assert OutcomeResponse.objects.filter(patient=patient, code="nprs").count() == 3
    # Only the documented patient: the others stay as they were.
    assert not Measurement.objects.exclude(visit__patient=patient).exists()


def test_no_demo_session_is_logged_before_the_day_it_was_done(db, settings):
    """The documented patient's last session was moved to yesterday (to show a pain
    warning) but kept its logged time: the chart read "Sat 5 Dec, logged 4 Dec 17:00"."""
    from django.utils import timezone

    from patients.models import SessionLog

    settings.DEBUG = True
    seed(clinics=1, patients=3, days=10)
    sessions = SessionLog.objects.select_related("patient__clinic")
    assert sessions.filter(patient__user__email="patient@demo.test").exists()
    for session in sessions:
        logged_day = timezone.localtime(session.logged_at, session.patient.clinic.tzinfo).date()
        assert logged_day >= session.performed_on, session.pk
