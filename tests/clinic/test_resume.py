"""A page whose session ended asks, before sending a form, whether the new session is the
same account in the same clinic or patient record (clinic.resume)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

from django.test import Client, RequestFactory

from clinic import resume
from clinic.middleware import SEEN
from clinic.models import AuditEvent
from clinic.permissions import ACTIVE_CLINIC
from tests.conftest import client_for, make_patient
from tests.factories import PASSWORD
from tests.signin import sign_in


def stamp_for(user, *, membership=None, patient=None) -> str:
    request = RequestFactory().get("/")
    request.user = user
    if membership is not None:
        request.membership = membership
    if patient is not None:
        request.patient = patient
    return resume.page_stamp(request)


def check(client: Client, stamp: str):
    return client.post("/session/check", {"stamp": stamp}, HTTP_X_LIMBER_RESUME="1")


def test_the_same_clinician_in_the_same_clinic_may_send(clinician_a):
    membership = clinician_a.memberships.get()
    response = check(client_for(clinician_a), stamp_for(clinician_a, membership=membership))
    assert response.status_code == 200
    assert response.json()["state"] == "ok" and response.json()["csrf"]


def test_a_signed_out_page_is_told_to_sign_in_again(clinician_a):
    membership = clinician_a.memberships.get()
    response = check(Client(), stamp_for(clinician_a, membership=membership))
    assert response.status_code == 401 and response.json()["state"] == "signed-out"


def test_it_refuses_another_account(clinician_a, admin_a):
    membership = clinician_a.memberships.get()
    response = check(client_for(admin_a), stamp_for(clinician_a, membership=membership))
    assert response.status_code == 409 and response.json()["state"] == "other"


def test_a_page_of_another_of_their_clinics_takes_them_back_to_it(clinician_ab, clinic_a, clinic_b):
    """Clinic A's program builder open in one tab, clinic B chosen in another: pressing
    Save on A's page was answered "other", and the page cleared everything typed. The
    same person, still working at A: A becomes the active clinic again, audited."""
    in_a = clinician_ab.memberships.get(clinic=clinic_a)
    client = client_for(clinician_ab, clinic_b)
    response = check(client, stamp_for(clinician_ab, membership=in_a))
    assert response.json()["state"] == "ok"
    assert client.session[ACTIVE_CLINIC] == str(clinic_a.uuid)
    assert AuditEvent.objects.filter(action="clinic.switch", clinic=clinic_a).exists()


def test_a_page_of_a_clinic_they_left_is_refused(clinician_ab, clinic_a, clinic_b):
    in_a = clinician_ab.memberships.get(clinic=clinic_a)
    stamp = stamp_for(clinician_ab, membership=in_a)
    in_a.is_active = False
    in_a.save(update_fields=["is_active"])
    client = client_for(clinician_ab, clinic_b)
    assert check(client, stamp).json()["state"] == "other"
    assert client.session[ACTIVE_CLINIC] == str(clinic_b.uuid)


def test_a_new_session_of_a_member_of_two_clinics_goes_back_to_the_pages_clinic(
    clinician_ab, clinic_b
):
    in_b = clinician_ab.memberships.get(clinic=clinic_b)
    client = client_for(clinician_ab)  # signed in again: no clinic chosen yet
    response = check(client, stamp_for(clinician_ab, membership=in_b))
    assert response.json()["state"] == "ok"
    assert client.session[ACTIVE_CLINIC] == str(clinic_b.uuid)
    assert AuditEvent.objects.filter(action="clinic.switch", clinic=clinic_b).exists()


def test_a_patient_stamp_is_not_a_staff_stamp(patient_a1, clinician_a):
    response = check(client_for(patient_a1.user), stamp_for(patient_a1.user, patient=patient_a1))
    assert response.json()["state"] == "ok"
    response = check(client_for(clinician_a), stamp_for(patient_a1.user, patient=patient_a1))
    assert response.json()["state"] == "other"


def test_an_empty_or_forged_stamp_is_refused(clinician_a):
    assert check(client_for(clinician_a), "").json()["state"] == "other"
    assert check(client_for(clinician_a), "x" * 5000).json()["state"] == "other"


def test_the_stamp_names_no_one(clinician_a):
    stamp = stamp_for(clinician_a, membership=clinician_a.memberships.get())
    assert len(stamp) == 32 and all(c in "0123456789abcdef" for c in stamp)
    assert stamp != stamp_for(clinician_a)  # the clinic is part of it


def test_a_pages_own_request_after_the_idle_limit_gets_401_not_the_sign_in_page(
    clinician_a, settings
):
    client = client_for(clinician_a)
    client.get("/portal/")
    session = client.session
    session[SEEN] = int(time.time()) - settings.IDLE_TIMEOUT_STAFF - 5
    session.save()
    response = client.post("/portal/patients/new/", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    # And the session did end.
    assert client.get("/portal/").status_code == 302


def test_every_signed_in_page_carries_its_stamp(clinician_a, patient_a1):
    membership = clinician_a.memberships.get()
    page = client_for(clinician_a).get("/portal/").content.decode()
    assert f'data-session-stamp="{stamp_for(clinician_a, membership=membership)}"' in page
    page = client_for(patient_a1.user).get("/me/").content.decode()
    assert f'data-session-stamp="{stamp_for(patient_a1.user, patient=patient_a1)}"' in page


def test_staff_still_to_enrol_in_two_factor_get_an_answer_not_the_enrolment_page(
    clinician_a, settings
):
    settings.REQUIRE_2FA = True
    membership = clinician_a.memberships.get()
    response = check(client_for(clinician_a), stamp_for(clinician_a, membership=membership))
    assert response.status_code == 200 and response.json()["state"] == "ok"


def test_a_form_shown_again_after_a_post_is_marked_as_holding_entries(
    clinician_a, patient_a1, patient_a2
):
    client = client_for(clinician_a)
    url = f"/portal/patients/{patient_a1.uuid}/edit/"
    assert "data-keeper-entries" not in client.get(url).content.decode()
    data = {"first_name": "Amarachi", "last_name": "Okafor", "email": patient_a2.email}
    response = client.post(url, data)
    assert response.status_code == 200  # refused: the e-mail is another patient's
    assert "data-keeper-entries" in response.content.decode()


def test_a_one_time_secret_shown_after_a_post_is_not_kept_as_entries(as_admin_a, clinic_a):
    expires = (date.today() + timedelta(days=30)).isoformat()
    data = {"name": "Dashboard", "scope": ["patients.view"], "expires_on": expires}
    response = as_admin_a.post("/portal/clinic/api-tokens/", data)
    assert response.context["new_token"] in response.content.decode()
    assert "data-keeper-entries" not in response.content.decode()
    refused = as_admin_a.post("/portal/clinic/api-tokens/", {**data, "name": ""})
    assert "data-keeper-entries" in refused.content.decode()
    newcomer = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = as_admin_a.post(f"/portal/patients/{newcomer.uuid}/invitation/", {"delivery": "print"})
    assert "/invite/" in sheet.content.decode()
    assert "data-keeper-entries" not in sheet.content.decode()


def test_the_two_factor_set_up_page_shown_again_is_not_kept_as_entries(clinician_a):
    """A wrong code shows the set-up page again, with the new key as text and QR code: at
    the idle limit it leaves, rather than stay (hidden) on an unattended screen."""
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    asked = client.get("/accounts/2fa/totp/activate/")
    client.post(asked["Location"], {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    again = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    page = again.content.decode()
    assert again.status_code == 200 and secret in page
    assert "data-idle-seconds" in page
    # Marked as shown again after a POST, as every such page is; form-keeper.js keeps a
    # page only for a form that is kept, and every form here is one that never is.
    forms = re.findall(r"<form\b[^>]*>", page)
    assert forms and all("data-keeper-skip" in form for form in forms), forms


def test_the_idle_sign_out_on_the_sign_in_page_keeps_its_own_next(clinician_a, settings):
    """session-timeout.js goes to the sign-in page at the idle limit; the server ends the
    session there and shows that page, not a sign-in page whose next is the sign-in page."""
    client = client_for(clinician_a)
    session = client.session
    session[SEEN] = int(time.time()) - settings.IDLE_TIMEOUT_STAFF - 5
    session.save()
    response = client.get("/accounts/login/", {"next": "/portal/patients/new/"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="next" value="/portal/patients/new/"' in page
    assert "You were signed out to keep patient data safe." in page
    assert client.get("/portal/").status_code == 302  # the session did end


def test_at_exactly_the_idle_limit_the_session_has_ended(clinician_a, settings, monkeypatch):
    """session-timeout.js leaves for the sign-in page when its countdown, started with the
    page's own request, reaches the limit. The server must count that second as ended:
    counted as alive, the sign-in page sent the idle page back, signed in, for another
    whole round of the limit."""
    client = client_for(clinician_a)
    now = int(time.time())
    session = client.session
    session[SEEN] = now - settings.IDLE_TIMEOUT_STAFF
    session.save()
    monkeypatch.setattr(time, "time", lambda: float(now))
    response = client.get("/accounts/login/", {"next": "/portal/"})
    assert response.status_code == 200
    assert "You were signed out to keep patient data safe." in response.content.decode()
