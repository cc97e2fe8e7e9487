"""A page made while one clinic was active, sent after switching to another (in another
tab): refused, whatever the page, with nothing written into the clinic now active
(found by the attack review: a tab left open on clinic A added a patient, made an API
token and invited an admin in clinic B). Each test sends what the browser sends: the
form as the page drew it, stamp included, with no script to check first."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from clinic.models import ApiToken, Invitation, Membership
from patients.models import Patient
from tests.conftest import client_for, make_staff
from tests.factories import MembershipFactory

STAMP = re.compile(r'<input type="hidden" name="page_stamp" value="([0-9a-f]+)">')


def stamp_on(page) -> str:
    stamps = set(STAMP.findall(page.content.decode()))
    assert len(stamps) == 1, stamps  # one page, one stamp, in each of its forms
    return stamps.pop()


@pytest.fixture
def admin_ab(clinic_a, clinic_b):
    user = make_staff(clinic_a, "admin.ab@example.test", Membership.Role.ADMIN)
    MembershipFactory(user=user, clinic=clinic_b, role=Membership.Role.ADMIN)
    return user


def opened_in_a_then_switched_to_b(user, clinic_a, clinic_b, url: str):
    browser = client_for(user, clinic_a)
    page = browser.get(url)
    assert page.status_code == 200
    switched = browser.post("/portal/clinics/switch/", {"clinic": str(clinic_b.uuid)})
    assert switched.status_code == 302
    return browser, stamp_on(page)


def test_a_new_patient_page_of_clinic_a_adds_no_patient_to_clinic_b(
    clinician_ab, clinic_a, clinic_b
):
    url = "/portal/patients/new/"
    browser, stamp = opened_in_a_then_switched_to_b(clinician_ab, clinic_a, clinic_b, url)
    response = browser.post(
        url,
        {
            "page_stamp": stamp,
            "first_name": "Stale",
            "last_name": "Tab",
            "date_of_birth": "1970-01-02",
            "email": "stale.tab@example.test",
            "preferred_language": "en",
            "clinician": str(clinician_ab.pk),
        },
        HTTP_REFERER=f"http://testserver{url}",
    )
    assert not Patient.objects.filter(last_name="Tab").exists()
    # Told, and sent to choose: choosing clinic A leads back to the page.
    assert response.status_code == 302
    where = urlsplit(response["Location"])
    assert where.path == "/portal/clinics/" and parse_qs(where.query)["next"] == [url]
    message = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert message.startswith("Nothing was saved: that page was for Clinic A")
    assert "switched to Clinic B" in message


def test_an_api_token_page_of_clinic_a_makes_no_token_for_clinic_b(admin_ab, clinic_a, clinic_b):
    url = "/portal/clinic/api-tokens/"
    browser, stamp = opened_in_a_then_switched_to_b(admin_ab, clinic_a, clinic_b, url)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    browser.post(
        url,
        {
            "page_stamp": stamp,
            "name": "Clinic A EHR",
            "scope": ["patients.view"],
            "expires_on": expires,
        },
    )
    assert not ApiToken.objects.exists()


def test_a_staff_page_of_clinic_a_invites_no_admin_to_clinic_b(admin_ab, clinic_a, clinic_b):
    url = "/portal/staff/"
    browser, stamp = opened_in_a_then_switched_to_b(admin_ab, clinic_a, clinic_b, url)
    browser.post(
        url,
        {"page_stamp": stamp, "full_name": "New", "email": "new@example.test", "role": "admin"},
    )
    assert not Invitation.objects.filter(email="new@example.test").exists()


def test_an_htmx_request_of_clinic_a_is_refused_by_its_header(clinician_ab, clinic_a, clinic_b):
    """htmx sends the stamp in a header (base.html's hx-headers), not in a form field."""
    url = "/portal/patients/new/"
    browser, stamp = opened_in_a_then_switched_to_b(clinician_ab, clinic_a, clinic_b, url)
    response = browser.post(
        url,
        {"first_name": "Stale", "last_name": "Htmx", "date_of_birth": "1970-01-02"},
        HTTP_HX_REQUEST="true",
        HTTP_X_LIMBER_PAGE=stamp,
    )
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/portal/clinics/")
    assert not Patient.objects.filter(last_name="Htmx").exists()


def test_the_same_page_sent_in_its_own_clinic_is_saved(clinician_ab, clinic_a, clinic_b):
    """Back in clinic A (the page's own check switches back first), the stamp matches."""
    url = "/portal/patients/new/"
    browser, stamp = opened_in_a_then_switched_to_b(clinician_ab, clinic_a, clinic_b, url)
    browser.post("/portal/clinics/switch/", {"clinic": str(clinic_a.uuid)})
    response = browser.post(
        url,
        {
            "page_stamp": stamp,
            "first_name": "Right",
            "last_name": "Clinic",
            "date_of_birth": "1970-01-02",
            "email": "right.clinic@example.test",
            "preferred_language": "en",
            "clinician": str(clinician_ab.pk),
        },
    )
    assert response.status_code == 302
    assert Patient.objects.get(last_name="Clinic").clinic == clinic_a


def test_a_made_up_stamp_is_refused(clinician_a):
    response = client_for(clinician_a).post(
        "/portal/patients/new/",
        {"page_stamp": "0" * 32, "first_name": "Made", "last_name": "Up"},
    )
    assert response.status_code == 302 and not Patient.objects.filter(last_name="Up").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/portal/patients/new/",  # a crispy-forms form: crispy's own template draws its tag
        "/portal/staff/",  # plain forms, several on the page
        "/portal/clinic/",
        "/portal/library/",
    ],
)
def test_every_post_form_of_a_page_carries_its_stamp(admin_a, url):
    page = client_for(admin_a).get(url)
    html = page.content.decode()
    forms = re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S | re.I)
    assert forms
    for form in forms:
        assert 'name="page_stamp"' in form, form[:200]
    # And htmx requests, in a header.
    assert f'"X-Limber-Page": "{stamp_on(page)}"' in html
