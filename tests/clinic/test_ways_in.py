"""Every way in ends in the same two-factor gate, and that gate has attempt limits.

Ways in: password, e-mailed sign-in code, an invitation (for an address that already has
a login), and a password reset. Each is walked for a staff member with two-factor on.
"""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client
from django.utils import timezone

from clinic import throttle
from clinic.models import AuditEvent, Membership, SecurityCounter
from tests.conftest import actor_of, run_tasks
from tests.factories import PASSWORD
from tests.signin import (
    current_code,
    enrol,
    link_from_outbox,
    open_invitation,
    sign_in,
    sign_in_by_code,
    wrong_code,
)

TOTP_PROMPT = "/accounts/2fa/authenticate/"


def assert_asked_for_the_second_factor(client: Client, response) -> None:
    assert response.status_code == 302 and response["Location"].startswith(TOTP_PROMPT)
    assert not get_user(client).is_authenticated
    assert client.get("/portal/").status_code == 302  # still signed out


def test_password_sign_in_asks_for_the_code(clinician_a):
    enrol(clinician_a)
    client = Client()
    assert_asked_for_the_second_factor(client, sign_in(client, clinician_a.email, PASSWORD))


def test_an_emailed_sign_in_code_asks_for_the_second_factor_too(clinician_a):
    secret = enrol(clinician_a)
    client = Client()
    assert_asked_for_the_second_factor(client, sign_in_by_code(client, clinician_a.email))
    client.post(TOTP_PROMPT, {"code": current_code(secret)})
    assert get_user(client) == clinician_a


def test_an_invitation_for_an_existing_login_goes_through_the_full_sign_in(
    admin_a, clinician_b, django_capture_on_commit_callbacks
):
    secret = enrol(clinician_b)
    from clinic.services import staff_invite

    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(
            actor=actor_of(admin_a), email=clinician_b.email, full_name="B", role="clinician"
        )
    run_tasks()
    client = Client()
    open_invitation(client, link_from_outbox())
    assert not get_user(client).is_authenticated
    response = sign_in(client, clinician_b.email, PASSWORD, next="/invite/")
    assert_asked_for_the_second_factor(client, response)
    done = client.post(TOTP_PROMPT, {"code": current_code(secret)})
    assert done["Location"] == "/invite/"


def test_a_password_reset_never_signs_in_and_the_next_sign_in_asks_for_the_code(clinician_a):
    enrol(clinician_a)
    client = Client()
    client.post("/accounts/password/reset/", {"email": clinician_a.email})
    link = link_from_outbox("/accounts/password/reset/key/")
    form_page = client.get(link, follow=True)
    new = "a fresh spring meadow walk"
    response = client.post(
        form_page.request["PATH_INFO"], {"password1": new, "password2": new}, follow=True
    )
    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    assert_asked_for_the_second_factor(client, sign_in(client, clinician_a.email, new))


def test_a_new_staff_account_from_an_invitation_must_enrol_before_any_patient_data(
    settings, admin_a, patient_a1, django_capture_on_commit_callbacks
):
    settings.REQUIRE_2FA = True
    from clinic.services import staff_invite

    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(
            actor=actor_of(admin_a), email="nell@example.test", full_name="N", role="clinician"
        )
    run_tasks()
    client = Client()
    open_invitation(client, link_from_outbox())
    client.post(
        "/invite/",
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )
    assert get_user(client).email == "nell@example.test"
    chart = client.get(f"/portal/patients/{patient_a1.uuid}/")
    assert chart.status_code == 302 and chart["Location"] == "/accounts/2fa/totp/activate/"
    assert Membership.objects.filter(user__email="nell@example.test").exists()


# --- Attempt limits on the code step ----------------------------------------------------------


def test_wrong_codes_end_the_sign_in_attempt_after_five(clinician_a):
    """Attack (before): 40 wrong codes in 3 seconds, then the right one worked, and no
    failure was audited."""
    secret = enrol(clinician_a)
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    statuses = [
        client.post(TOTP_PROMPT, {"code": wrong_code(secret)}).status_code for _ in range(5)
    ]
    assert statuses == [200] * 5
    # The pending sign-in is gone: the right code now leads back to the password.
    response = client.post(TOTP_PROMPT, {"code": current_code(secret)})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not get_user(client).is_authenticated
    assert (
        AuditEvent.objects.filter(action="mfa.failed", object_id=str(clinician_a.uuid)).count() == 5
    )


def test_ten_wrong_codes_pause_the_account_even_for_the_right_code(clinician_a):
    secret = enrol(clinician_a)
    for _attempt in range(2):
        client = Client()
        sign_in(client, clinician_a.email, PASSWORD)
        for _ in range(5):
            client.post(TOTP_PROMPT, {"code": wrong_code(secret)})
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    refused = client.post(TOTP_PROMPT, {"code": current_code(secret)})
    assert refused.status_code == 200
    assert "paused for 15 minutes" in refused.content.decode()
    assert not get_user(client).is_authenticated
    assert AuditEvent.objects.filter(action="mfa.locked").exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = Client()
        sign_in(later, clinician_a.email, PASSWORD)
        later.post(TOTP_PROMPT, {"code": current_code(secret)})
        assert get_user(later) == clinician_a


def test_the_code_limits_are_kept_in_the_database_not_the_cache(clinician_a, settings):
    """A cache outage neither opens nor locks the door: the counts survive a cleared cache."""
    from django.core.cache import cache

    secret = enrol(clinician_a)
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    for _ in range(3):
        client.post(TOTP_PROMPT, {"code": wrong_code(secret)})
    cache.clear()
    assert throttle.count(throttle.TOTP_PER_ACCOUNT, str(clinician_a.pk)) == 3
    assert SecurityCounter.objects.filter(kind="totp-account").count() == 3
    # No address or e-mail is stored, only a keyed hash.
    assert not SecurityCounter.objects.filter(key__contains="@").exists()


def test_a_right_code_after_a_few_wrong_ones_still_works(clinician_a):
    secret = enrol(clinician_a)
    client = Client()
    sign_in(client, clinician_a.email, PASSWORD)
    for _ in range(4):
        client.post(TOTP_PROMPT, {"code": wrong_code(secret)})
    client.post(TOTP_PROMPT, {"code": current_code(secret)})
    assert get_user(client) == clinician_a


# --- The account-wide throttle on passwords ------------------------------------------------


def test_wrong_passwords_from_many_addresses_pause_the_account(clinician_a):
    """Attack (before): with the lockout counted per account and address only, a guesser
    with many addresses was never slowed."""
    for n in range(throttle.PASSWORD_PER_ACCOUNT.maximum):
        sign_in(Client(), clinician_a.email, f"guess {n}", ip=f"203.0.113.{n + 1}")
    fresh = Client()
    refused = sign_in(fresh, clinician_a.email, PASSWORD, ip="198.51.100.200")
    assert refused.status_code == 200
    assert "Too many failed sign-ins for this account" in refused.content.decode()
    assert not get_user(fresh).is_authenticated
    assert AuditEvent.objects.filter(action="login.throttled").exists()
    # The e-mailed code still works: it needs the mailbox, which a guesser does not have.
    mail.outbox.clear()
    by_code = Client()
    sign_in_by_code(by_code, clinician_a.email, ip="198.51.100.200")
    assert get_user(by_code) == clinician_a
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = Client()
        sign_in(later, clinician_a.email, PASSWORD, ip="198.51.100.200")
        assert get_user(later) == clinician_a


def test_the_pause_is_the_same_for_an_address_with_no_account(db):
    for n in range(throttle.PASSWORD_PER_ACCOUNT.maximum):
        sign_in(Client(), "nobody@example.test", f"guess {n}", ip=f"203.0.113.{n + 1}")
    response = sign_in(Client(), "nobody@example.test", "guess again", ip="198.51.100.9")
    assert "Too many failed sign-ins for this account" in response.content.decode()
