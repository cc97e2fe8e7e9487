"""A clinic's own day and clock (Clinic.timezone, "Defines today"): staff pages, the API
and the patient's pages run in it, so a clinic in Auckland can date a visit today on its
morning (it was "in the future" until noon, the server's day being UTC's) and sees its
own times. Found by an attack pass."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from clinic.models import Clinic
from patients.models import OutcomeResponse, Visit
from tests.conftest import api_client, api_token_for, get_document

# 08:00 on 16 June in Auckland is 20:00 on 15 June in UTC.
AUCKLAND_MORNING = datetime(2026, 6, 15, 20, 0, tzinfo=UTC)
AUCKLAND_TODAY = "2026-06-16"


@pytest.fixture
def in_auckland(clinic_a):
    clinic_a.timezone = "Pacific/Auckland"
    clinic_a.save(update_fields=["timezone"])
    with time_machine.travel(AUCKLAND_MORNING, tick=False):
        yield clinic_a


def test_a_new_clinic_starts_in_the_servers_zone(db, settings):
    """Not UTC's: on a server set up for Los Angeles a new clinic's day ended in the
    afternoon (UTC's midnight) until its admin found the setting."""
    settings.TIME_ZONE = "America/Los_Angeles"
    assert Clinic.objects.create(name="West").timezone == "America/Los_Angeles"
    assert Clinic().tzinfo.key == "America/Los_Angeles"


def test_the_portal_offers_and_takes_the_clinics_today(
    in_auckland, as_clinician_a, patient_a1, settings
):
    url = f"/portal/patients/{patient_a1.uuid}/measures/new/"
    page = as_clinician_a.get(url).content.decode()
    assert re.search(rf'name="measured_on"[^>]*value="{AUCKLAND_TODAY}"', page), "pre-filled"
    form = re.search(r'name="once" value="([^"]+)"', page)
    data = {"measured_on": AUCKLAND_TODAY, "schober": "4.0"}
    if form:
        data["once"] = form.group(1)
    saved = as_clinician_a.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert str(Visit.objects.get(patient=patient_a1).measured_on) == AUCKLAND_TODAY
    # The thread is back on the server's clock for whatever it serves next.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_the_api_takes_the_clinics_today_and_answers_in_its_clock(
    in_auckland, patient_a1, settings
):
    api = api_client(api_token_for(in_auckland, "all"))
    base = f"/api/v1/patients/{patient_a1.uuid}/"
    nprs = {"best": "2", "worst": "6", "now": "4"}
    answer = api.post(
        base + "outcomes/",
        {"code": "nprs", "completed_on": AUCKLAND_TODAY, "fields": nprs},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert str(OutcomeResponse.objects.get(patient=patient_a1).completed_on) == AUCKLAND_TODAY
    assert answer.json()["created_at"].startswith(f"{AUCKLAND_TODAY}T08:00:00+12:00")
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_a_day_after_the_clinics_today_is_still_the_future(in_auckland, as_clinician_a, patient_a1):
    saved = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/measures/new/",
        {"measured_on": "2026-06-17", "schober": "4.0"},
    )
    assert "cannot be in the future" in saved.content.decode()
    assert not Visit.objects.filter(patient=patient_a1).exists()


def test_a_handout_asked_for_on_the_clinics_morning_is_made_by_the_worker(
    in_auckland, as_clinician_a, as_patient_a1, patient_a1, membership_a
):
    """The web names the file in the clinic's (or the patient's) zone, the worker checks
    that name in the server's: a revision saved on the clinic's morning, a UTC yesterday,
    must still name one file, or every render fails as "changed meanwhile"."""
    from datetime import UTC, datetime

    from clinic.actors import Actor
    from patients.services import patient_program_start
    from programs.models import Exercise, Program

    # The library as installed long before that morning: the test database was made
    # today, after the day this test travels to, and a handout carries the date of its
    # exercises' last change when that is later than its revision's.
    Exercise.objects.update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    program = patient_program_start(
        actor=Actor.for_member(membership_a),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    for client, path in (
        (as_patient_a1, "/me/handout.pdf"),
        (as_clinician_a, f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout.pdf"),
    ):
        pdf = get_document(client, path)
        assert pdf["Content-Type"] == "application/pdf", pdf.content[:300]
        assert f"-r1-{AUCKLAND_TODAY}" in pdf["Content-Disposition"]


def test_the_charts_emails_are_timed_by_what_happened_on_the_clinics_clock(
    in_auckland, as_clinician_a, patient_a1, settings
):
    """Each e-mail on the chart is shown at the moment of what happened to it (sent, last
    tried, queued; a held one until when), and on the clinic's clock, as the rest of the
    portal: a sent reminder showed the time it was queued, not when it went out."""
    from datetime import timedelta

    from clinic.models import OutgoingEmail

    settings.TIME_ZONE = "UTC"  # the server's; the clinic is 12 hours ahead in June

    def email(kind, status, queued, **moments):
        return OutgoingEmail.objects.create(
            clinic=in_auckland,
            patient_uuid=patient_a1.uuid,
            kind=kind,
            to=patient_a1.email,
            subject="s",
            body="b",
            status=status,
            created_at=AUCKLAND_MORNING - timedelta(minutes=queued),
            **moments,
        )

    def before(n):  # n minutes before 08:00 in Auckland
        return AUCKLAND_MORNING - timedelta(minutes=n)

    email("handout", "sent", 60, attempted_at=before(21), sent_at=before(20))
    email("digest", "failed", 120, attempted_at=before(90), last_error="Mailbox full")
    email("reminder", "queued", 10, not_before=AUCKLAND_MORNING + timedelta(hours=10))
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    lines = re.findall(r"<li>([^<]*) · ([^<]*) · <span[^>]*>([^<]*)</span></li>", page)
    assert lines == [
        ("Exercise reminder", "16 Jun 07:50", "waiting to be sent: held until 16 Jun 18:00"),
        ("Handout", "16 Jun 07:40", "sent"),
        ("Weekly digest", "16 Jun 06:30", "failed: Mailbox full"),
    ]
    assert "Times are the clinic's (Pacific/Auckland)" in page
