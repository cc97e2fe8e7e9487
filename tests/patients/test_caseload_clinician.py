"""Whose patients the caseload lists: a clinician's own ("My patients") or the clinic's
("Everyone"). Clinicians in charge of anyone start on their own; admins, the front desk and
a clinician with nobody yet start on everyone's. The choice is kept like the status and
the sort, and costs no query of its own."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Membership
from patients import caseload
from patients.models import Flag, Patient
from patients.views.records import CASELOAD_PAGE_SIZE
from tests.conftest import caseload_search, client_for, make_patient, make_staff
from tests.factories import FlagFactory


@pytest.fixture
def colleague(clinic_a):
    return make_staff(clinic_a, "dee@example.test", Membership.Role.CLINICIAN, "Dee Colleague")


@pytest.fixture
def colleagues_patient(clinic_a, colleague) -> Patient:
    return make_patient(clinic_a, "Zed", "Colleaguepatient", clinician=colleague, login=False)


def links(body: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', body)]


def selected(body: str) -> str:
    (value,) = re.findall(
        r'<select id="clinician" name="clinician".*?<option value="(\w+)" selected', body, re.S
    )
    return value


def test_a_clinician_can_list_only_their_own_patients(
    as_clinician_a, patient_a1, colleagues_patient
):
    """Review (portal 3): with several clinicians, "Needs attention" and the count mixed
    every colleague's patients with hers, and on a phone she could not tell whose a row
    was."""
    own = as_clinician_a.get("/portal/", {"clinician": "mine"}).content.decode()
    assert "Okafor" in own and "Colleaguepatient" not in own
    assert "Your patients: 1" in own
    everyone = as_clinician_a.get("/portal/", {"clinician": "everyone"}).content.decode()
    assert "Okafor" in everyone and "Colleaguepatient" in everyone
    assert "2 patients" in everyone
    # Below the width that shows the Clinician column, each name says whose patient it is.
    assert re.search(
        r"Colleaguepatient, Zed</a><div [^>]*d-lg-none[^>]*>Dee Colleague</div>", everyone
    )
    assert "d-lg-none" not in own.split("<tbody>", 1)[1]


def test_needs_attention_lists_only_her_own_flagged_patients(
    as_clinician_a, patient_a1, colleagues_patient
):
    for patient in (patient_a1, colleagues_patient):
        FlagFactory(patient=patient, reason="-", raised_on=date.today())
        caseload.refresh_one(patient)
    body = as_clinician_a.get("/portal/?attention=1").content.decode()
    assert "Okafor" in body and "Colleaguepatient" not in body


def test_a_clinician_in_charge_of_anyone_starts_on_their_own(
    as_clinician_a, patient_a1, colleagues_patient
):
    body = as_clinician_a.get("/portal/").content.decode()
    assert "Okafor" in body and "Colleaguepatient" not in body
    assert selected(body) == "mine"


@pytest.mark.parametrize("role", ["admin", "front_desk", "clinician_of_nobody"])
def test_others_start_on_everyone(role, clinic_a, admin_a, frontdesk_a, patient_a1, colleague):
    make_patient(clinic_a, "Ann", "Admins", clinician=admin_a, login=False)
    make_patient(clinic_a, "Fay", "Frontdesks", clinician=frontdesk_a, login=False)
    archived = make_patient(clinic_a, "Old", "Archived", clinician=colleague, login=False)
    archived.status = Patient.Status.ARCHIVED
    archived.save()
    user = {"admin": admin_a, "front_desk": frontdesk_a, "clinician_of_nobody": colleague}[role]
    body = client_for(user).get("/portal/").content.decode()
    assert "Okafor" in body and "Admins" in body and "Frontdesks" in body
    assert selected(body) == "everyone"


def test_the_choice_is_kept_by_the_search_the_pages_and_the_sorts(
    as_clinician_a, clinic_a, clinician_a, colleague
):
    for number in range(CASELOAD_PAGE_SIZE + 1):
        make_patient(clinic_a, "Pat", f"Mine{number:02}", clinician=clinician_a, login=False)
    make_patient(clinic_a, "Pat", "Minecolleague", clinician=colleague, login=False)
    # The posted search form (which also carries the sort) keeps an explicit choice.
    url = caseload_search(as_clinician_a, "mine", clinician="everyone", sort="activity")
    assert "clinician=everyone" in url and "sort=activity" in url
    first = as_clinician_a.get(url).content.decode()
    assert f"{CASELOAD_PAGE_SIZE + 2} patients" in first and selected(first) == "everyone"
    (next_page,) = [link for link in links(first) if "page=2" in link]
    assert "clinician=everyone" in next_page
    # The pager's link keeps it too, and so does a sort chosen with the search.
    url = caseload_search(as_clinician_a, "mine", clinician="mine", sort="name")
    assert "clinician=mine" in url
    first = as_clinician_a.get(url).content.decode()
    assert f"Your patients: {CASELOAD_PAGE_SIZE + 1}" in first
    (next_page,) = [link for link in links(first) if "page=2" in link]
    second = as_clinician_a.get("/portal/" + next_page).content.decode()
    assert "Mine25" in second and "Minecolleague" not in second
    assert selected(second) == "mine" and 'name="q" value="mine"' in second


@pytest.mark.parametrize("value", ["", "bogus", "1", "MINE", "mine ", "x" * 500])
def test_an_unknown_choice_falls_back_to_the_default(
    value, as_clinician_a, as_admin_a, patient_a1, colleagues_patient
):
    own = as_clinician_a.get("/portal/", {"clinician": value}).content.decode()
    assert "Okafor" in own and "Colleaguepatient" not in own
    everyone = as_admin_a.get("/portal/", {"clinician": value}).content.decode()
    assert "Okafor" in everyone and "Colleaguepatient" in everyone


def test_another_clinics_ids_are_refused_and_show_nothing_of_it(
    as_clinician_a, as_admin_a, clinician_a, clinician_b, patient_a1, patient_b1
):
    for client in (as_clinician_a, as_admin_a):
        for value in (clinician_b.pk, clinician_a.pk):
            response = client.get("/portal/", {"clinician": value})
            body = response.content.decode()
            assert response.status_code == 200
            assert patient_b1.last_name not in body and "Okafor" in body
        # Posted, it is refused as any bad value of the form is: no URL is made of it.
        response = client.post("/portal/", {"q": "", "clinician": clinician_b.pk})
        assert response["Location"] == "/portal/"


def test_my_empty_list_offers_everyones(as_clinician_a, clinic_a, colleagues_patient):
    body = as_clinician_a.get("/portal/?clinician=mine&sort=activity").content.decode()
    assert "You have no patients assigned." in body
    (everyone,) = [link for link in links(body) if "clinician=everyone" in link]
    assert "sort=activity" in everyone
    assert "Colleaguepatient" in as_clinician_a.get("/portal/" + everyone).content.decode()


def caseload_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_default_costs_no_query_of_its_own(as_clinician_a, patient_a1, colleagues_patient):
    """Whether a clinician is in charge of anyone is asked in the caseload's stale-figure
    check (patients.caseload.refresh_stale_for_caseload), not in a query of its own."""
    as_clinician_a.get("/portal/")  # the figures are computed: nothing is stale below
    default = caseload_queries(as_clinician_a, "/portal/")
    assert default == caseload_queries(as_clinician_a, "/portal/?clinician=mine")
    assert default == caseload_queries(as_clinician_a, "/portal/?clinician=everyone")


@pytest.mark.parametrize("owner", ["unassigned", "colleague_left", "front_desk"])
def test_an_urgent_sign_nobody_is_in_charge_of_is_on_every_clinicians_list(
    owner, as_clinician_a, clinic_a, patient_a1, colleague, frontdesk_a
):
    """With no clinician in charge (none set, theirs left the clinic, or theirs is the
    front desk, who cannot see the sign), an urgent sign was on nobody's own list, and
    "Needs attention" said nobody needed it."""
    in_charge = {"unassigned": None, "colleague_left": colleague, "front_desk": frontdesk_a}[owner]
    orphan = make_patient(clinic_a, "Una", "Urgentorphan", clinician=in_charge, login=False)
    calm = make_patient(clinic_a, "Cal", "Calmorphan", clinician=in_charge, login=False)
    if owner == "colleague_left":
        Membership.objects.filter(user=colleague, clinic=clinic_a).update(is_active=False)
    FlagFactory(patient=orphan, kind=Flag.Kind.RED_FLAG, reason="Urgent sign reported")
    for patient in (orphan, calm):
        caseload.refresh_one(patient)
    for url, own_listed in (("/portal/", True), ("/portal/?attention=1", False)):
        page = as_clinician_a.get(url).content.decode()
        shown = ("Urgentorphan" in page, "Okafor" in page, "Calmorphan" in page)
        assert shown == (True, own_listed, False)


def test_the_own_list_asks_for_urgent_patients_of_nobody_only_when_there_are_any(
    as_clinician_a, clinic_a, patient_a1
):
    """The term that adds them cost every clinician's list a subquery of the clinic's
    staff, compiled three times, on every page; the stale-figure check now says whether
    any patient of the listed status needs it."""

    def lists_queries(url: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert as_clinician_a.get(url).status_code == 200
        return [q["sql"] for q in captured if "patients_patient" in q["sql"]]

    def asks_nobodys(url: str) -> bool:
        # The list's own queries (the count, the page's ids), not the check before them.
        return any("clinic_membership" in sql for sql in lists_queries(url)[1:])

    as_clinician_a.get("/portal/")  # the figures are computed: nothing is stale below
    assert not asks_nobodys("/portal/")
    orphan = make_patient(clinic_a, "Una", "Urgentorphan", clinician=None, login=False)
    FlagFactory(patient=orphan, kind=Flag.Kind.RED_FLAG, reason="Urgent sign reported")
    caseload.refresh_one(orphan)
    Patient.objects.filter(pk=orphan.pk).update(status=Patient.Status.ARCHIVED)
    # Archived, the urgent patient is on the archived list's term, not the active one's.
    assert not asks_nobodys("/portal/")
    assert asks_nobodys("/portal/?status=archived&clinician=mine")
    assert "Urgentorphan" in as_clinician_a.get("/portal/?status=archived").content.decode()


def test_an_urgent_sign_of_a_colleagues_patient_stays_on_their_list(
    as_clinician_a, patient_a1, colleagues_patient
):
    FlagFactory(patient=colleagues_patient, kind=Flag.Kind.RED_FLAG, reason="Urgent")
    caseload.refresh_one(colleagues_patient)
    assert colleagues_patient.last_name not in as_clinician_a.get("/portal/").content.decode()
