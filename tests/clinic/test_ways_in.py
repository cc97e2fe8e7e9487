"""Every way in ends in the same two-factor gate, and that gate has attempt limits.

Ways in: password, e-mailed sign-in code, an invitation (for an address that already has
a login), and a password reset. Each is walked for a staff member with two-factor on.
"""

from __future__ import annotations

from datetime import timedelta

import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.http import int_to_base36

from clinic import throttle
from clinic.invitations import invitation_issue
from clinic.models import AuditEvent, Membership, SecurityCounter, User
from tests.conftest import actor_of, client_for, make_patient, run_tasks
from tests.factories import PASSWORD
from tests.signin import (
    current_code,
    enrol,
    link_from_outbox,
    login_code_from_outbox,
    open_invitation,
    sign_in,
    sign_in_by_code,
    wrong_code,
)

TOTP_PROMPT = "/accounts/2fa/authenticate/"
ATTACKER = "203.0.113.9"
OWNER = "198.51.100.50"


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


def test_wrong_passwords_from_one_address_do_not_pause_the_account_everywhere(clinician_a):
    """Attack (before, review "seams" 2): the attempts django-axes had already refused at
    one address (locked out, no password checked) were counted towards the account-wide
    pause, so 30 quick requests from one address paused the account at every address."""
    for n in range(throttle.PASSWORD_PER_ACCOUNT.maximum):
        sign_in(Client(), clinician_a.email, f"guess {n}", ip=ATTACKER)
    # From the fifth on, these were refused by the lockout of that one address.
    owner = Client()
    response = sign_in(owner, clinician_a.email, PASSWORD, ip=OWNER)
    assert "Too many failed sign-ins for this account" not in response.content.decode()
    assert get_user(owner) == clinician_a
    # The refused attempts are still in the audit log, as the lockout's.
    assert AuditEvent.objects.filter(action="login.locked_out").count() > 20


def test_a_stranger_at_one_address_leaves_the_owner_their_password(patient_a1):
    """Attack (before, review "seams" 2): 30 wrong passwords and 3 code requests from one
    address left the owner no way in: the password was paused everywhere and the codes
    were used up. Now the password works at the owner's own address.

    The codes stay used up: they are limited to 3 e-mails a quarter hour to one address,
    whoever asks, and each code works only in the browser that asked for it. A 4th for
    the owner would be a 4th e-mail, which is what the limit keeps a stranger from sending
    to a mailbox; so the owner's way in is the password, which a stranger at one address
    can no longer pause."""
    email = patient_a1.user.email
    for n in range(throttle.PASSWORD_PER_ACCOUNT.maximum):
        sign_in(Client(), email, f"guess {n}", ip=ATTACKER)
    for _ in range(3):
        Client().post("/accounts/login/code/", {"email": email}, REMOTE_ADDR=ATTACKER)
    mail.outbox.clear()

    owner = Client()
    owner.post("/accounts/login/code/", {"email": email}, REMOTE_ADDR=OWNER)
    assert [m for m in mail.outbox if "Sign-In Code" in m.subject] == []  # the limit holds
    sign_in(owner, email, PASSWORD, ip=OWNER)
    assert get_user(owner) == patient_a1.user


# --- An address taken off an account ---------------------------------------------------------
#
# allauth keeps addresses in a table of its own (EmailAddress) and looks there first; a
# platform admin changes a staff member's address in the Django admin (User.email).

NEW_ADDRESS = "cleo.new@example.test"
RESET_LINK = "/accounts/password/reset/key/"


def change_address_in_the_django_admin(user: User, new: str) -> None:
    """What a platform admin does when a staff member's address changes."""
    root = User.objects.create_superuser("root@example.test", "root's own phrase")
    enrol(root)  # the admin site asks its own users for two-factor too
    response = client_for(root).post(
        f"/admin/clinic/user/{user.pk}/change/",
        {
            "email": new,
            "full_name": user.full_name,
            "phone": "",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, "the admin accepted the change"
    user.refresh_from_db()
    assert user.email == new


def reset_links_sent_to(address: str) -> list[str]:
    return [
        line.strip()
        for message in mail.outbox
        if address in message.to
        for line in message.body.splitlines()
        if RESET_LINK in line
    ]


def test_the_old_address_gets_no_reset_link_for_the_account_after_its_address_changed(
    settings, clinician_a
):
    """Attack (before, review "seams" 1): anyone's "Forgot password" made allauth write a
    row for the address; the admin's change left it, and the old mailbox kept getting
    reset links that set the staff member's password."""
    settings.REQUIRE_2FA = True
    enrol(clinician_a)
    old = clinician_a.email
    Client().post("/accounts/password/reset/", {"email": old})  # writes allauth's row
    change_address_in_the_django_admin(clinician_a, NEW_ADDRESS)
    mail.outbox.clear()

    Client().post("/accounts/password/reset/", {"email": old})

    assert reset_links_sent_to(old) == []
    assert set(EmailAddress.objects.filter(user=clinician_a).values_list("email", flat=True)) <= {
        NEW_ADDRESS
    }


def test_a_code_from_the_old_address_does_not_move_the_login_back_to_it(settings, clinician_a):
    """Attack (before, review "seams" 1): a sign-in code went to the old address, and
    confirming it (without the second factor) made allauth mark the old address primary,
    which wrote it back into User.email: the login moved to the old mailbox."""
    settings.REQUIRE_2FA = True
    enrol(clinician_a)
    old = clinician_a.email
    Client().post("/accounts/password/reset/", {"email": old})
    change_address_in_the_django_admin(clinician_a, NEW_ADDRESS)
    mail.outbox.clear()

    old_reader = Client()
    old_reader.post("/accounts/login/code/", {"email": old})

    assert [m for m in mail.outbox if old in m.to and "Sign-In Code" in m.subject] == []
    old_reader.post("/accounts/login/code/confirm/", {"code": "ABCDEFGH"})
    assert not get_user(old_reader).is_authenticated
    clinician_a.refresh_from_db()
    assert clinician_a.email == NEW_ADDRESS


def test_a_code_asked_for_just_before_the_address_changed_signs_nobody_in_after(clinician_a):
    """A code sent while the old address was still the account's, typed after the admin
    changed it: it reaches nothing, and the old address is not written back."""
    old = clinician_a.email
    old_reader = Client()
    old_reader.post("/accounts/login/code/", {"email": old})
    code = login_code_from_outbox()
    change_address_in_the_django_admin(clinician_a, NEW_ADDRESS)

    response = old_reader.post("/accounts/login/code/confirm/", {"code": code})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not get_user(old_reader).is_authenticated
    clinician_a.refresh_from_db()
    assert clinician_a.email == NEW_ADDRESS
    told = old_reader.get("/accounts/login/").content.decode()
    assert "This e-mail address is no longer used to sign in" in told


def test_someone_given_the_old_address_later_gets_no_link_to_the_staff_account(
    clinic_a, clinician_a
):
    """Attack (before, review "seams" 1): the old address, given to someone new whom the
    clinic invited as a patient, got the staff member's reset link next to their own."""
    old = clinician_a.email
    Client().post("/accounts/password/reset/", {"email": old})
    change_address_in_the_django_admin(clinician_a, NEW_ADDRESS)
    sam = make_patient(clinic_a, "Sam", "Newowner", login=False, email=old)
    _invitation, token = invitation_issue(
        actor=actor_of(clinician_a, clinic_a),
        kind="patient",
        channel="print",
        email=old,
        clinic=clinic_a,
        patient_uuid=sam.uuid,
    )
    sams_browser = Client()
    open_invitation(sams_browser, f"/invite/{token}/")
    sams_browser.post(
        "/invite/",
        {"new_password1": "sam's own long phrase", "new_password2": "sam's own long phrase"},
    )
    sam.refresh_from_db()
    assert sam.user is not None and sam.user.pk != clinician_a.pk
    mail.outbox.clear()

    Client().post("/accounts/password/reset/", {"email": old})

    links = reset_links_sent_to(old)
    assert len(links) == 1
    assert f"{RESET_LINK}{int_to_base36(clinician_a.pk)}-" not in links[0]
    # A code for the address is Sam's (before: allauth picked the staff account and failed
    # with a 500 trying to re-key it).
    sams_phone = Client()
    sign_in_by_code(sams_phone, old)
    assert get_user(sams_phone) == sam.user


def test_every_way_of_changing_an_address_leaves_allauth_only_the_new_one(clinician_a, admin_a):
    """A save, a queryset update() and bulk_update() (which send no signal): each drops
    allauth's rows for the old addresses."""
    for user in (clinician_a, admin_a):
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    User.objects.filter(pk=clinician_a.pk).update(email="c.update@example.test")
    admin_a.email = "a.bulk@example.test"
    User.objects.bulk_update([admin_a], ["email"])
    assert not EmailAddress.objects.filter(user__in=[clinician_a, admin_a]).exists()
    clinician_a.refresh_from_db()
    clinician_a.email = "c.save@example.test"
    EmailAddress.objects.create(user=clinician_a, email="c.update@example.test")
    clinician_a.save()
    assert not EmailAddress.objects.filter(user=clinician_a).exists()


def test_a_row_written_from_an_account_read_before_its_address_changed_names_the_new_one(
    clinician_a,
):
    """A reset asked at the moment the address changes writes allauth's row from the
    account as read before the change: the row is written for the new address, so a
    confirmed code can never copy the old one into User.email."""
    from allauth.account.internal.flows.manage_email import sync_user_email_address

    read_before = User.objects.get(pk=clinician_a.pk)
    User.objects.filter(pk=clinician_a.pk).update(email=NEW_ADDRESS)
    sync_user_email_address(read_before)
    row = EmailAddress.objects.get(user=clinician_a)
    assert row.email == NEW_ADDRESS
    row.set_as_primary()  # what allauth's verify_email does with a confirmed code's row
    clinician_a.refresh_from_db()
    assert clinician_a.email == NEW_ADDRESS


def test_the_django_admin_shows_allauths_addresses_but_never_edits_or_adds_one(clinician_a):
    """An address is changed on the account; a row edited or added in allauth's own admin
    page would name an address the account does not have."""
    root = User.objects.create_superuser("root@example.test", "root's own phrase")
    enrol(root)
    admin = client_for(root)
    row = EmailAddress.objects.create(user=clinician_a, email=clinician_a.email)
    page = admin.get(f"/admin/account/emailaddress/{row.pk}/change/")
    assert page.status_code == 200 and 'name="email"' not in page.content.decode()
    assert admin.get("/admin/account/emailaddress/add/").status_code == 403
