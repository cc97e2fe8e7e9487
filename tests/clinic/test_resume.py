"""A page whose session ended asks, before sending a form, whether the new session is the
same account in the same clinic or patient record (clinic.resume)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from django.test import Client, RequestFactory

from clinic import resume
from clinic.middleware import SEEN
from clinic.models import AuditEvent
from clinic.permissions import ACTIVE_CLINIC
from patients.models import SessionLog
from tests.conftest import client_for, make_patient
from tests.factories import PASSWORD
from tests.signin import current_code, enrol, login_code_from_outbox, sign_in


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


# A form sent without a session, by a page whose script did not hold it (scripts off or
# not loaded yet, an old page): the sign-in page says it was not saved, and signing in
# again leads to a page that can be shown.


def ended(client: Client) -> None:
    """What the idle limit does to the server's side of the session."""
    session = client.session
    session[SEEN] = int(time.time()) - 24 * 60 * 60
    session.save()


def ended_session(user) -> Client:
    """A client signed in as `user` whose session has ended."""
    client = Client()
    sign_in(client, user.email, PASSWORD)
    ended(client)
    return client


def signed_in_again(client: Client, email: str, answer):
    """Sign in as the sign-in page that answered the form offers; the page landed on."""
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    next_url = parse_qs(urlsplit(answer["Location"]).query).get("next", [""])[0]
    signed = sign_in(client, email, PASSWORD, next=next_url)
    assert signed.status_code == 302
    return client.get(signed["Location"], follow=True)


def session_log(program) -> dict:
    return {f"done_{program.items.first().pk}": "on", "pain": "3"}


def test_a_patients_session_log_sent_after_the_session_ended_lands_on_their_today_page(
    patient_a1, program_a1
):
    """The sign-in page's next was the form's own address, /me/log/, which takes only
    POSTs: after signing in, the patient saw a blank 405 page."""
    client = ended_session(patient_a1)
    answer = client.post("/me/log/", session_log(program_a1))
    landed = signed_in_again(client, patient_a1.email, answer)
    assert landed.status_code == 200 and landed.request["PATH_INFO"] == "/me/"
    assert not SessionLog.objects.exists()


def test_a_clinicians_program_status_sent_after_the_session_ended_lands_on_a_real_page(
    clinician_a, patient_a1, program_a1
):
    client = ended_session(clinician_a)
    url = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/status/"
    landed = signed_in_again(client, clinician_a.email, client.post(url, {"status": "paused"}))
    assert landed.status_code == 200 and landed.request["PATH_INFO"] == "/portal/"
    program_a1.refresh_from_db()
    assert program_a1.status != "paused"


def test_the_sign_in_page_says_what_was_sent_was_not_saved(patient_a1, program_a1):
    """It said only "You were signed out ... Please sign in again": a patient who pressed
    Save on their session read no word that it was not saved."""
    client = ended_session(patient_a1)
    page = client.post("/me/log/", session_log(program_a1), follow=True)
    text = page.content.decode()
    assert "so what you sent was not saved" in text
    assert text.count("You were signed out") == 1  # one message says both


def test_signing_in_again_leads_back_to_the_page_the_form_was_on(
    clinician_a, patient_a1, program_a1
):
    client = ended_session(clinician_a)
    chart = f"/portal/patients/{patient_a1.uuid}/"
    answer = client.post(
        f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/status/",
        {"status": "paused"},
        # Only the page's path goes into the address: a query may hold a search.
        HTTP_REFERER=f"http://testserver{chart}?q=Okafor",
    )
    assert "Okafor" not in answer["Location"]
    landed = signed_in_again(client, clinician_a.email, answer)
    assert landed.status_code == 200 and landed.request["PATH_INFO"] == chart


def test_another_sites_referer_is_not_followed(patient_a1, program_a1):
    client = ended_session(patient_a1)
    answer = client.post(
        "/me/log/", session_log(program_a1), HTTP_REFERER="https://evil.example/me/"
    )
    assert answer["Location"] == "/accounts/login/"


def test_a_form_shown_again_at_a_post_only_address_lands_on_the_area_home(patient_a1, program_a1):
    """The Today form sent back with its errors is a page at /me/log/, which a GET cannot
    show: its form sent after the session ended lands on Today instead."""
    client = ended_session(patient_a1)
    answer = client.post(
        "/me/log/", session_log(program_a1), HTTP_REFERER="http://testserver/me/log/"
    )
    landed = signed_in_again(client, patient_a1.email, answer)
    assert landed.status_code == 200 and landed.request["PATH_INFO"] == "/me/"


def test_the_landing_survives_the_two_factor_step(clinician_a, patient_a1, program_a1):
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    secret = enrol(clinician_a)
    ended(client)
    chart = f"/portal/patients/{patient_a1.uuid}/"
    url = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/status/"
    answer = client.post(url, {"status": "paused"}, HTTP_REFERER=f"http://testserver{chart}")
    next_url = parse_qs(urlsplit(answer["Location"]).query)["next"][0]
    asked = sign_in(client, clinician_a.email, PASSWORD, next=next_url)
    assert asked["Location"].startswith("/accounts/2fa/authenticate/")
    signed = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert signed.status_code == 302 and signed["Location"] == chart


def test_a_patient_signing_in_by_code_lands_there_too(patient_a1, program_a1):
    """Patients mostly sign in with an e-mailed code: the sign-in page's link to it keeps
    where signing in leads."""
    client = ended_session(patient_a1)
    answer = client.post(
        "/me/log/", session_log(program_a1), HTTP_REFERER="http://testserver/me/program/"
    )
    signin_page = client.get(answer["Location"]).content.decode()
    assert 'href="/accounts/login/code/?next=%2Fme%2Fprogram%2F"' in signin_page
    asked = client.post(
        "/accounts/login/code/", {"email": patient_a1.email, "next": "/me/program/"}
    )
    confirm = client.get(asked["Location"]).content.decode()
    assert 'name="next" value="/me/program/"' in confirm
    data = {"code": login_code_from_outbox(), "next": "/me/program/"}
    signed = client.post("/accounts/login/code/confirm/", data)
    assert signed.status_code == 302 and signed["Location"] == "/me/program/"


def test_a_form_sent_after_signing_out_in_another_tab_is_answered_the_same(patient_a1, program_a1):
    client = Client()
    sign_in(client, patient_a1.email, PASSWORD)
    client.post("/accounts/logout/")  # in another tab, whose cookies are this one's
    answer = client.post("/me/log/", session_log(program_a1), follow=True)
    assert answer.redirect_chain[-1][0] == "/accounts/login/"
    assert "so what you sent was not saved" in answer.content.decode()
