"""Proof of the security controls: lockout, two-factor, timeouts, sessions, headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
)
from django.contrib.auth import get_user
from django.test import Client
from django.utils import timezone

from clinic.actors import Actor
from clinic.models import AuditEvent
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.signin import ADDRESS, current_code, enrol, sign_in

OTHER_ADDRESS = "203.0.113.20"


# --- Lockout ------------------------------------------------------------------------


def test_five_failures_lock_the_account_at_that_address_for_fifteen_minutes(clinician_a):
    client = Client()
    for attempt in range(4):
        assert sign_in(client, clinician_a.email, f"wrong {attempt}").status_code == 200
    sign_in(client, clinician_a.email, "wrong again")  # the 5th failure
    refused = sign_in(client, clinician_a.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    assert not get_user(client).is_authenticated
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert sign_in(Client(), clinician_a.email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=5)):
        released = Client()
        assert sign_in(released, clinician_a.email, PASSWORD).status_code == 302
        assert get_user(released) == clinician_a


def test_the_lockout_is_per_account_and_address(clinician_a, admin_a):
    for attempt in range(6):
        sign_in(Client(), clinician_a.email, f"wrong {attempt}")
    # The same person from another address, and a colleague behind the same address, get in.
    assert sign_in(Client(), clinician_a.email, PASSWORD, ip=OTHER_ADDRESS).status_code == 302
    assert sign_in(Client(), admin_a.email, PASSWORD).status_code == 302


def test_every_failure_and_the_lockout_are_audited_without_the_address_typed(clinician_a):
    for attempt in range(6):
        sign_in(Client(), clinician_a.email, f"wrong {attempt}")
    failures = AuditEvent.objects.filter(action="login.failed")
    assert failures.count() >= 5
    assert {event.object_id for event in failures} == {str(clinician_a.uuid)}
    assert AuditEvent.objects.filter(
        action="login.locked_out", object_id=str(clinician_a.uuid)
    ).exists()
    assert all(event.ip_address == ADDRESS for event in failures)


def test_login_code_and_password_reset_requests_are_rate_limited(patient_a1):
    from django.core import mail

    client = Client()
    statuses = [
        client.post("/accounts/password/reset/", {"email": patient_a1.email}).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [302, 302, 302] and statuses[3:] == [429, 429]
    assert len(mail.outbox) == 3
    mail.outbox.clear()
    replies = [
        Client().post("/accounts/login/code/", {"email": patient_a1.email}) for _ in range(5)
    ]
    assert len(mail.outbox) == 3  # three codes a quarter of an hour per account
    assert "Too many" in replies[-1].content.decode()


# --- Two-factor ----------------------------------------------------------------------


TOTP_PROMPT = "/accounts/2fa/authenticate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"


def _switch_off_own_second_factor(clinician):
    """What anyone at the staff member's signed-in session can do knowing the password:
    allauth asks for it again (re-authentication), then deactivates."""
    secret = enrol(clinician)
    client = Client()
    sign_in(client, clinician.email, PASSWORD)
    client.post(TOTP_PROMPT, {"code": current_code(secret)})
    asked = client.get(DEACTIVATE)
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    client.post(asked["Location"], {"password": PASSWORD})
    return client.post(DEACTIVATE, {})


def test_staff_cannot_remove_their_own_second_factor_while_it_is_required(settings, clinician_a):
    """Removed with the password alone, the account was password-only: whoever knew the
    password signed in and enrolled a device of their own (found by review). A lost
    device is reset by a clinic admin, audited and e-mailed."""
    settings.REQUIRE_2FA = True
    refused = _switch_off_own_second_factor(clinician_a)
    assert Authenticator.objects.filter(user=clinician_a, type="totp").exists()
    # Told why, and the way that is left (found by review: allauth's bare refusal).
    assert "ask a clinic admin to reset it" in refused.content.decode()
    attacker = Client()
    response = sign_in(attacker, clinician_a.email, PASSWORD, ip="203.0.113.9")
    assert response["Location"].startswith(TOTP_PROMPT)
    assert not get_user(attacker).is_authenticated


def test_a_second_factor_removed_by_its_owner_is_in_the_clinics_audit_log(
    settings, clinician_a, clinic_a
):
    settings.REQUIRE_2FA = False
    _switch_off_own_second_factor(clinician_a)
    assert not Authenticator.objects.filter(user=clinician_a, type="totp").exists()
    assert AuditEvent.objects.filter(
        action="mfa.removed", clinic=clinic_a, target_user_id=clinician_a.pk
    ).exists()


def test_totp_secrets_are_not_readable_in_the_database(clinician_a):
    secret = enrol(clinician_a)
    stored = Authenticator.objects.get(user=clinician_a, type=Authenticator.Type.TOTP).data
    assert secret not in str(stored)
    assert TOTP(Authenticator.objects.get(user=clinician_a)).validate_code(current_code(secret))


def test_a_used_totp_code_cannot_be_replayed(clinician_a):
    secret = enrol(clinician_a)
    code = current_code(secret)
    first = Client()
    sign_in(first, clinician_a.email, PASSWORD)
    assert first.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert get_user(first) == clinician_a
    replay = Client()
    sign_in(replay, clinician_a.email, PASSWORD)
    response = replay.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200  # the form again, with an error
    assert not get_user(replay).is_authenticated


def test_a_password_alone_does_not_sign_in_an_enrolled_clinician(clinician_a):
    enrol(clinician_a)
    client = Client()
    response = sign_in(client, clinician_a.email, PASSWORD)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert not get_user(client).is_authenticated


def test_staff_without_two_factor_are_sent_to_enrol_first(settings, as_clinician_a, patient_a1):
    settings.REQUIRE_2FA = True
    response = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    assert "Okafor" not in response.content.decode()


def test_patients_are_not_asked_for_two_factor(settings, as_patient_a1):
    settings.REQUIRE_2FA = True
    assert as_patient_a1.get("/me/").status_code == 200


def test_enrolment_shows_a_qr_code_and_gives_recovery_codes(clinician_a):
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    # Turning on two-factor asks for the password once more.
    asked = client.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body or "data:image" in body  # the QR code
    secret = client.session["mfa.totp.secret"]
    done = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=clinician_a, type="recovery_codes").exists()


def test_the_admin_site_signs_in_through_the_same_steps():
    response = Client().get("/admin/login/")
    assert response["Location"].startswith("/accounts/login/")


# --- Sessions --------------------------------------------------------------------------


def test_staff_are_signed_out_after_fifteen_idle_minutes(clinician_a):
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert client.get("/portal/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=14 + 16)):
        response = client.get("/portal/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not get_user(client).is_authenticated


def test_patients_get_thirty_idle_minutes(patient_a1):
    client = Client()
    sign_in(client, patient_a1.email, PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(minutes=25)):
        assert client.get("/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=25 + 31)):
        assert client.get("/me/").status_code == 302


def test_no_session_lasts_more_than_twelve_hours_however_active(patient_a1):
    client = Client()
    sign_in(client, patient_a1.email, PASSWORD)
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):  # active every 20 minutes
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/me/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get("/me/").status_code == 302


def test_stay_signed_in_resets_the_idle_clock(clinician_a):
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=14)):
        assert client.post("/session/keepalive").status_code == 204
    with time_machine.travel(start + timedelta(minutes=28)):
        assert client.get("/portal/").status_code == 200


def test_pages_tell_the_browser_when_to_warn(as_clinician_a, as_patient_a1):
    assert 'data-idle-seconds="900"' in as_clinician_a.get("/portal/").content.decode()
    assert 'data-idle-seconds="1800"' in as_patient_a1.get("/me/").content.decode()


def test_signing_in_gives_a_new_session_id_and_signing_out_ends_it(clinician_a):
    client = Client()
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    sign_in(client, clinician_a.email, PASSWORD)
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    client.post("/accounts/logout/")
    stolen = Client()
    stolen.cookies["sessionid"] = after
    assert stolen.get("/portal/").status_code == 302


def test_changing_the_password_ends_every_session(clinician_a):
    laptop, phone = Client(), Client()
    sign_in(laptop, clinician_a.email, PASSWORD)
    sign_in(phone, clinician_a.email, PASSWORD)
    new = "a brand new long passphrase"
    laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    clinician_a.refresh_from_db()
    assert clinician_a.check_password(new)
    assert phone.get("/portal/").status_code == 302
    assert laptop.get("/portal/").status_code == 302


def _an_invitation_link(admin_a, clinic_a, _patient) -> tuple[str, str]:
    from clinic.invitations import invitation_issue
    from tests.conftest import actor_of

    _invitation, token = invitation_issue(
        actor=actor_of(admin_a, clinic_a),
        kind="staff",
        channel="email",
        email="new.hire@example.test",
        clinic=clinic_a,
        role="clinician",
    )
    return f"/invite/{token}/", token


def _a_password_reset_link(_admin_a, _clinic_a, patient) -> tuple[str, str]:
    from tests.signin import link_from_outbox

    Client().post("/accounts/password/reset/", {"email": patient.user.email})
    link = link_from_outbox("/accounts/password/reset/key/")
    return link, link.rstrip("/").rsplit("/", 1)[-1]


def _a_stop_reminders_link(_admin_a, _clinic_a, patient) -> tuple[str, str]:
    from patients.reminders import reminder_setting

    token = reminder_setting(patient).unsubscribe_token
    return f"/reminders/stop/{token}/", token


@pytest.mark.parametrize(
    "make_link", [_an_invitation_link, _a_password_reset_link, _a_stop_reminders_link]
)
def test_a_link_opened_after_the_idle_limit_keeps_its_secret_out_of_the_address(
    make_link, admin_a, clinic_a, patient_a1
):
    """Attack (before, review "seams" 3): a browser whose session had passed its idle limit
    (a shared computer) opened an e-mailed link; the idle sign-out sent it to
    /accounts/login/?next=<the link>, so the unused secret sat in the address bar, the
    history and the sign-in form. A page for everyone is now answered signed out."""
    link, secret = make_link(admin_a, clinic_a, patient_a1)
    shared_computer = Client()
    sign_in(shared_computer, patient_a1.user.email, PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        response = shared_computer.get(link)
        followed = (
            shared_computer.get(response["Location"]) if response.status_code == 302 else None
        )
    assert not get_user(shared_computer).is_authenticated
    assert not response.get("Location", "").startswith("/accounts/login/")
    assert secret not in response.get("Location", "")
    assert followed is None or secret not in followed.content.decode()
    shown = followed or response
    assert shown.status_code == 200
    assert "You were signed out to keep patient data safe" in shown.content.decode()


def test_stopping_reminders_after_the_idle_limit_stops_them(patient_a1):
    """The stop link's own button, pressed in a browser whose session ran out: answered as
    it answers anyone (before: the sign-in page, with the link as next)."""
    from patients.reminders import reminder_setting

    setting = reminder_setting(patient_a1)
    link = f"/reminders/stop/{setting.unsubscribe_token}/"
    browser = Client()
    sign_in(browser, patient_a1.user.email, PASSWORD)
    browser.get(link)
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        response = browser.post(link)
    assert response.status_code == 200
    assert "Reminders stopped" in response.content.decode()
    assert setting.unsubscribe_token not in response.get("Location", "")


def test_a_page_that_needs_a_sign_in_still_leads_back_to_itself_after_the_idle_limit(
    clinician_a,
):
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.get("/portal/staff/")
    assert response["Location"] == "/accounts/login/?next=/portal/staff/"


# --- Headers ---------------------------------------------------------------------------


@pytest.fixture
def sample_urls(patient_a1, clinician_a):
    from clinic.models import Membership
    from patients.services import patient_program_start
    from programs.models import Program

    program = patient_program_start(
        actor=Actor.for_member(Membership.objects.get(user=clinician_a)),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    chart = f"/portal/patients/{patient_a1.uuid}/"
    return {
        "staff": [
            "/portal/",
            chart,
            f"{chart}programs/{program.uuid}/edit/",
            f"{chart}programs/{program.uuid}/handout.pdf",
            f"{chart}measures/",
            f"{chart}export.csv",
            "/portal/library/",
        ],
        "patient": ["/me/", "/me/progress/", "/me/program/", "/me/handout.pdf"],
        "public": ["/accounts/login/", "/healthz", "/accounts/password/reset/"],
    }


def assert_headers(response, *, patient_data: bool) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    if patient_data:
        assert "no-store" in response["Cache-Control"]


def test_every_kind_of_page_sends_the_security_headers(sample_urls, as_clinician_a, as_patient_a1):
    for url in sample_urls["staff"]:
        assert_headers(as_clinician_a.get(url), patient_data=True)
    for url in sample_urls["patient"]:
        assert_headers(as_patient_a1.get(url), patient_data=True)
    for url in sample_urls["public"]:
        assert_headers(Client().get(url), patient_data=False)


def test_hsts_is_a_year_or_more_in_production(db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/healthz", secure=True)
    assert (
        int(response["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= 31_536_000
    )


def test_deactivated_staff_lose_access_in_their_open_sessions(admin_a, clinician_a, patient_a1):
    client = client_for(clinician_a)
    from clinic.models import Membership

    membership = Membership.objects.get(user=clinician_a)
    client_for(admin_a).post(
        f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"}
    )
    assert client.get("/portal/").status_code == 403
    assert "Okafor" not in client.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
