"""The front-desk role: demographics, invitations and handouts, nothing clinical.

It exists to prove the capability model: a new role is one row in
clinic.capabilities, and every page and button follows from it.
"""

from __future__ import annotations

import smtplib
from datetime import date

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from clinic.capabilities import capabilities_of
from clinic.models import Membership
from tests.conftest import client_for
from tests.factories import FlagFactory, SessionLogFactory


@pytest.fixture
def program_template() -> str:
    return "low-back-early-movement"


@pytest.fixture
def as_frontdesk_a(frontdesk_a):
    return client_for(frontdesk_a)


def test_front_desk_has_no_clinical_capability():
    caps = capabilities_of(Membership.Role.FRONT_DESK)
    assert {"patients.view", "patients.edit", "patients.invite", "handouts.print"} <= caps
    assert not {c for c in caps if c.startswith(("clinical.", "programs.", "audit.", "staff."))}


def test_the_caseload_shows_names_but_no_adherence_flags_or_activity(
    as_frontdesk_a, patient_a1, program_a1
):
    FlagFactory(patient=patient_a1, reason="Pain 9", raised_on=date.today())
    page = as_frontdesk_a.get("/portal/")
    body = page.content.decode()
    assert "Okafor" in body
    assert "Adherence" not in body and "open</span>" not in body and "Needs attention" not in body
    # Asking for a clinical sort or filter does not reveal it either.
    sorted_page = as_frontdesk_a.get("/portal/?sort=adherence&attention=1")
    assert sorted_page.status_code == 200 and "Okafor" in sorted_page.content.decode()
    assert "Adherence" not in sorted_page.content.decode()


def test_the_chart_shows_details_login_and_handouts_but_nothing_clinical(
    as_frontdesk_a, patient_a1, program_a1
):
    SessionLogFactory(
        patient=patient_a1,
        program=program_a1,
        performed_on=date.today(),
        logged_at=program_a1.created_at,
        pain=7,
        comment="Knee felt hot afterwards",
    )
    body = as_frontdesk_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Amara Okafor" in body and "Patient login" in body and "Handout PDF" in body
    for clinical in ("Progress", "Knee felt hot", "Measures and questionnaires", "Edit program"):
        assert clinical not in body


def test_front_desk_prints_handouts_and_sends_invitations(
    as_frontdesk_a, patient_a1, program_a1, clinic_a
):
    from tests.conftest import get_document

    pdf = get_document(
        as_frontdesk_a, f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/handout.pdf"
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    from tests.conftest import make_patient

    newcomer = make_patient(clinic_a, "Nia", "Brooks", login=False)
    response = as_frontdesk_a.post(
        f"/portal/patients/{newcomer.uuid}/invitation/", {"delivery": "print"}
    )
    assert response.status_code == 200 and "/invite/" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["measures/", "measures/new/", "report/", "export.csv", "outcomes/nprs/new/"],
)
def test_front_desk_is_refused_every_clinical_page(as_frontdesk_a, patient_a1, path):
    assert as_frontdesk_a.get(f"/portal/patients/{patient_a1.uuid}/{path}").status_code == 403


def test_the_navigation_shows_only_what_the_role_may_open(as_frontdesk_a, as_admin_a):
    desk = as_frontdesk_a.get("/portal/").content.decode()
    assert "Templates" not in desk and "Audit log" not in desk and "Staff</a>" not in desk
    admin = as_admin_a.get("/portal/").content.decode()
    assert "Templates" in admin and "Audit log" in admin and "Staff</a>" in admin


def test_on_a_phone_the_front_desk_sees_the_date_of_birth(
    as_frontdesk_a, as_clinician_a, patient_a1
):
    """At 360 px the front desk's caseload hid the date of birth, the one thing that tells
    two patients of one name apart at the desk; its table has room (no clinical columns)."""
    born = f">{patient_a1.date_of_birth.day} {patient_a1.date_of_birth:%b %Y}<"
    desk = as_frontdesk_a.get("/portal/").content.decode()
    assert f"<td{born}" in desk and '<th scope="col">Date of birth</th>' in desk
    # The clinician's table, with its clinical columns, still gives way on a phone: there
    # the date goes under the name (found by the clinician review: three Adams, no dates).
    clinical = as_clinician_a.get("/portal/").content.decode()
    assert f'<td class="d-none d-md-table-cell"{born}' in clinical
    assert f'<div class="small text-muted d-md-none"{born}/div>' in clinical
    assert '<div class="small text-muted d-md-none">' not in desk


class AddressRefused(BaseEmailBackend):
    """A mail server that refuses the address (a mistyped one)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x": (550, b"no such user")})


def test_a_refused_invitation_is_not_listed_as_a_link_that_still_works(
    frontdesk_a, clinic_a, settings, django_capture_on_commit_callbacks
):
    """Found by the front-desk review: the chart said "Links that still work: E-mailed …"
    for a link whose e-mail the mail server refused; nobody held it."""
    from clinic.models import OutgoingEmail
    from tests.conftest import make_patient, run_tasks

    desk = client_for(frontdesk_a)
    nia = make_patient(clinic_a, "Nia", "Brooks", login=False, email="nia@exmaple.test")
    settings.EMAIL_BACKEND = "tests.patients.test_front_desk.AddressRefused"
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/portal/patients/{nia.uuid}/invitation/", {"delivery": "email"})
    run_tasks()
    assert OutgoingEmail.objects.get().status == "failed"
    chart = desk.get(f"/portal/patients/{nia.uuid}/").content.decode()
    start = chart.index('id="access-heading"')
    card = chart[start : chart.index("</section>", start)]
    assert "Links that still work" not in card
    assert "was not delivered" in card
    # A printed sheet beside it still works: that one is listed as such, the e-mail marked.
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/portal/patients/{nia.uuid}/invitation/", {"delivery": "print"})
    chart = desk.get(f"/portal/patients/{nia.uuid}/").content.decode()
    start = chart.index('id="access-heading"')
    card = chart[start : chart.index("</section>", start)]
    assert "Links that still work" in card and "Not delivered" in card
