"""What a request costs that it need not: a staff lookup on a patient's page, a picture
drawn again, the PDF libraries loaded into a web worker, a translation query for a
reader of English."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.middleware import SEEN
from clinic.models import Membership
from programs.illustrations import poses, render_svg
from programs.illustrations.motion import motion_svg
from tests.conftest import client_for
from tests.factories import MembershipFactory


def membership_queries(client, method: str, url: str, data=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
        assert response.status_code in (200, 302)
    return [q["sql"] for q in captured if "clinic_membership" in q["sql"]]


def test_patients_pages_make_no_staff_membership_query(as_patient_a1):
    assert membership_queries(as_patient_a1, "get", "/me/") == []
    assert membership_queries(as_patient_a1, "get", "/me/progress/") == []


def test_staff_pages_still_look_memberships_up(as_clinician_a):
    assert membership_queries(as_clinician_a, "get", "/portal/") != []


def test_an_account_that_is_staff_and_patient_keeps_the_staff_idle_limit(
    clinic_a, clinician_a, patient_a1
):
    """Noted at sign-in, so the patient area applies the staff limit without a lookup."""
    Membership.objects.filter(user=clinician_a).delete()
    both = patient_a1.user
    MembershipFactory(user=both, clinic=clinic_a)
    client = client_for(both)
    session = client.session
    session[SEEN] = int(time.time()) - settings.IDLE_TIMEOUT_STAFF - 5
    session.save()
    response = client.get("/me/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_membership_granted_mid_session_counts_from_the_next_staff_page(
    clinic_a, as_patient_a1, patient_a1
):
    assert as_patient_a1.get("/me/").status_code == 200
    MembershipFactory(user=patient_a1.user, clinic=clinic_a)
    # The staff page looks the membership up before anything else (and so does
    # two-factor enrolment); from then on the patient area knows too.
    as_patient_a1.get("/portal/")
    assert as_patient_a1.session["limber_staff_seen"] is True


def test_a_picture_is_drawn_once_and_again_when_its_pose_changes(monkeypatch):
    """Pictures are cached by their pose data, not their name: a changed pose (a library
    update, a test) is a new picture, never a stale one."""
    slug = "glute-bridge"
    still, motion = render_svg(slug, "end", title="Bridge"), motion_svg(slug, title="Bridge")
    assert render_svg(slug, "end", title="Bridge") is still  # drawn once
    assert motion_svg(slug, title="Bridge") is motion
    exercise = poses.EXERCISES[slug]
    higher = dataclasses.replace(exercise.end, trunk=exercise.end.trunk - 10)
    monkeypatch.setitem(poses.EXERCISES, slug, dataclasses.replace(exercise, end=higher))
    assert render_svg(slug, "end", title="Bridge") != still
    assert motion_svg(slug, title="Bridge") != motion


def test_a_web_worker_never_loads_the_pdf_libraries():
    """A fresh process (as a gunicorn worker) that imports the URLconf and serves pages:
    WeasyPrint and CairoSVG belong to the task worker; Pillow and the QR library wait
    for a request that needs them."""
    script = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import get_resolver
get_resolver().url_patterns
print(sorted(m for m in ("PIL", "qrcode") if m in sys.modules))
setup_test_environment()
client = Client()
for url in ("/healthz/live", "/accounts/login/", "/me/", "/portal/"):
    client.get(url)
print(sorted(m for m in ("weasyprint", "cairosvg", "cairocffi") if m in sys.modules))
"""
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported, served = done.stdout.strip().splitlines()[-2:]
    assert served == "[]", done.stderr[-2000:]
    # Pillow and the QR library are imported by the requests that need them, not on start.
    assert imported == "[]"


def test_the_session_post_loads_no_how_to_steps_unless_the_form_comes_back(
    as_patient_a1, patient_a1
):
    """A saved session redirects: the steps of each exercise are not read for it. A refused
    one shows the page again, steps included, read in one query rather than one each."""
    from clinic.actors import Actor
    from patients.services import patient_program_start
    from programs.models import ExerciseCue, Program

    template = Program.objects.get(template_key="low-back-core-stability")
    membership = Membership.objects.filter(clinic=patient_a1.clinic).first()
    program = patient_program_start(
        actor=Actor.for_member(membership), patient=patient_a1, source=template
    )
    item = program.items.select_related("exercise").first()
    with CaptureQueriesContext(connection) as saved:
        response = as_patient_a1.post(
            "/me/log/", {"client_token": "t-1", f"done_{item.pk}": "on", "pain": "2"}
        )
    assert response.status_code == 302
    assert not [q for q in saved if "programs_exercisecue" in q["sql"]]
    with CaptureQueriesContext(connection) as refused:
        response = as_patient_a1.post("/me/log/", {"client_token": "t-2", "pain": "2"})
    assert response.status_code == 400
    assert len([q for q in refused if "programs_exercisecue" in q["sql"]]) == 2  # page, form
    cue = ExerciseCue.objects.filter(exercise=item.exercise).order_by("order").first()
    assert cue.text.split()[0] in response.content.decode()


def test_an_english_readers_today_page_reads_no_translations(as_patient_a1, patient_a1):
    """English is the library's own text: the Today page of a patient who reads English
    makes no translation query; a Spanish reader's makes one and shows the Spanish."""
    from clinic.actors import Actor
    from patients.services import patient_program_start
    from programs.models import ExerciseTranslation, Program

    template = Program.objects.get(template_key="low-back-core-stability")
    membership = Membership.objects.filter(clinic=patient_a1.clinic).first()
    program = patient_program_start(
        actor=Actor.for_member(membership), patient=patient_a1, source=template
    )

    def translation_queries() -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as captured:
            response = as_patient_a1.get("/me/")
        assert response.status_code == 200
        found = [q["sql"] for q in captured if "programs_exercisetranslation" in q["sql"]]
        return found, response.content.decode()

    assert translation_queries()[0] == []
    patient_a1.preferred_language = "es"
    patient_a1.save(update_fields=["preferred_language"])
    found, page = translation_queries()
    assert len(found) == 1
    exercises = program.items.values_list("exercise_id", flat=True)
    spanish = ExerciseTranslation.objects.filter(language="es", exercise__in=exercises).first()
    assert spanish is not None and spanish.lay_name in page


def test_a_staff_pages_membership_lookup_does_not_read_the_account_again(
    as_clinician_a, clinician_a
):
    """The signed-in account is already loaded: the memberships' query selects their
    clinics' columns, not the account's again, and each membership's user is that same
    account."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    from clinic.permissions import staff_memberships

    # The lookup itself (the caseload's check before it reads names the staff table too).
    (lookup,) = [
        sql
        for sql in membership_queries(as_clinician_a, "get", "/portal/")
        if sql.startswith('SELECT "clinic_membership"')
    ]
    assert '"clinic_user"."password"' not in lookup and '"clinic_clinic"."name"' in lookup
    request = RequestFactory().get("/portal/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = clinician_a
    memberships = staff_memberships(request)
    assert memberships and all(m.user is clinician_a for m in memberships)


def test_the_today_page_reads_the_exercises_steps_as_text(as_patient_a1, patient_a1):
    """One query for every exercise's steps, and only their words: a row object per step
    cost the page more than the query did."""
    from clinic.actors import Actor
    from patients.services import patient_program_start
    from programs.models import Program

    template = Program.objects.get(template_key="low-back-core-stability")
    membership = Membership.objects.filter(clinic=patient_a1.clinic).first()
    program = patient_program_start(
        actor=Actor.for_member(membership), patient=patient_a1, source=template
    )
    with CaptureQueriesContext(connection) as captured:
        response = as_patient_a1.get("/me/")
    assert response.status_code == 200
    steps = [q["sql"] for q in captured if '"programs_exercisecue"' in q["sql"]]
    assert len(steps) == 1
    # Their kinds too: a dose for one side leaves out the step that changes sides.
    selected = re.findall(r'AS "(\w+)"', steps[0].split(" FROM ")[0])
    assert selected == ["exercise_id", "kind", "text"]
    item = program.items.select_related("exercise").first()
    first = item.exercise.cues.order_by("order").first()
    assert first.text.split()[0] in response.content.decode()


# Session, account, patient, audit write, program, items, steps, what was done this week,
# recent sessions, whether the morning question is answered, and whether a questionnaire
# waits (two plain reads cost less CPU than one read of both as subqueries).
TODAY_QUERIES = 11


def test_the_today_page_reads_each_thing_once_however_long_the_program(
    as_patient_a1, patient_a1, membership_a
):
    """The same reads for a short program and a long one, on a day the morning question
    is asked and a questionnaire waits: nothing is read once per exercise."""
    from datetime import timedelta

    from clinic.actors import Actor
    from patients.adherence import patient_today
    from patients.models import OutcomeAssignment
    from patients.practice_log import Done, session_log
    from patients.services import patient_program_start
    from programs.models import Program

    def today_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = as_patient_a1.get("/me/")
        assert response.status_code == 200
        return len(captured), response.content.decode()

    actor = Actor.for_member(membership_a)
    counts = []
    for key in ("low-back-core-stability", "low-back-early-movement"):
        template = Program.objects.get(template_key=key)
        program = patient_program_start(actor=actor, patient=patient_a1, source=template)
        first = program.items.select_related("exercise").first()
        session_log(
            patient=patient_a1,
            program=program,
            done=[Done(first.exercise)],
            pain=2,
            effort=None,
            comment="",
            client_token=f"yesterday-{key}",
            actor=actor,
            performed_on=patient_today(patient_a1) - timedelta(days=1),
        )
        OutcomeAssignment.objects.get_or_create(
            patient=patient_a1, code="odi", defaults={"assigned_by": membership_a.user}
        )
        count, page = today_queries()
        assert 'name="compared"' in page  # the morning question
        assert "/me/questionnaire/" in page
        counts.append((program.items.count(), count))
    (short, few), (long, many) = sorted(counts)
    assert short < long
    assert few == many == TODAY_QUERIES
