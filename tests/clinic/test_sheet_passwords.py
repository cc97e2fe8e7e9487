"""A password chosen on a printed invitation's page lasts until the address's owner proves
the mailbox (clinic.sheet_passwords). Found by an attack review: a clinic made a login for
someone else's address from its own printed sheet, kept the password, and read that
person's record at another clinic (as a patient), or their caseload (as staff), once the
owner had signed in there by an e-mailed code."""

from __future__ import annotations

import importlib

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client

from clinic.models import Invitation, Membership, User
from tests.clinic.test_invitations import invite, printed_link, staff_link  # noqa: F401
from tests.conftest import client_for, make_patient
from tests.factories import MembershipFactory
from tests.signin import (
    current_code,
    enrol,
    link_from_outbox,
    open_invitation,
    sign_in,
    sign_in_by_code,
)

SHEET_PASSWORD = "a password clinic a chose"
VICTIM = "victim.person@example.test"


def squat(invite, clinician_a, clinic_a) -> Client:  # noqa: F811
    """Clinic A makes a record with an address it does not own, prints its sheet, chooses
    the login's password on the sheet's page, then archives the record. Its session stays."""
    as_clinician_a = client_for(clinician_a)
    record = make_patient(clinic_a, "Vic", "Squat", login=False, email=VICTIM)
    sheet = printed_link(invite(as_clinician_a, record, delivery="print"))
    squatter = Client()
    open_invitation(squatter, sheet)
    squatter.post("/invite/", {"new_password1": SHEET_PASSWORD, "new_password2": SHEET_PASSWORD})
    account = User.objects.get(email=VICTIM)
    assert account.check_password(SHEET_PASSWORD) and account.password_from_sheet
    as_clinician_a.post(f"/portal/patients/{record.uuid}/archive/")
    return squatter


def test_a_password_from_a_sheet_stops_when_the_owner_signs_in_by_code(
    invite,  # noqa: F811 - the fixture imported above
    clinician_a,
    clinic_a,
    clinician_b,
    clinic_b,
):
    squatter = squat(invite, clinician_a, clinic_a)
    # The real person becomes a patient of clinic B, invited to their mailbox. They never
    # chose a password: they sign in with an e-mailed code, and accept.
    real = make_patient(clinic_b, "Vic", "Real", login=False, email=VICTIM)
    invite(client_for(clinician_b), real)
    link = link_from_outbox()
    owner = Client()
    open_invitation(owner, link)
    sign_in_by_code(owner, VICTIM)
    assert not User.objects.get(email=VICTIM).has_usable_password()
    owner.get(link)
    owner.post("/invite/", {"choice": "accept"})
    real.refresh_from_db()
    assert real.user.email == VICTIM

    # Clinic A's clinician: the session from the sheet has ended, and the password fails.
    assert squatter.get("/me/").status_code == 302
    attacker = Client()
    sign_in(attacker, VICTIM, SHEET_PASSWORD)
    assert not get_user(attacker).is_authenticated
    assert attacker.get("/me/").status_code == 302
    # The owner's own session goes on.
    assert owner.get("/me/").status_code == 200


def test_the_squatted_login_made_staff_elsewhere_is_not_the_squatters(
    settings,
    invite,  # noqa: F811 - the fixture imported above
    clinician_a,
    clinic_a,
    clinic_b,
    patient_b1,
):
    """The same squat; the real person is invited to clinic B's staff, signs in by code and
    accepts, then leaves before enrolling a second factor. The squatter's password no
    longer signs in, so they cannot enrol theirs first."""
    settings.REQUIRE_2FA = True
    enrol(clinician_a)
    squat(invite, clinician_a, clinic_a)
    admin_b = User.objects.create_user("admin.b@example.test", "x" * 20)
    MembershipFactory(user=admin_b, clinic=clinic_b, role=Membership.Role.ADMIN)
    token = staff_link(admin_b, clinic_b, type("U", (), {"email": VICTIM})())
    owner = Client()
    owner.get(f"/invite/{token}/")
    mail.outbox.clear()
    sign_in_by_code(owner, VICTIM)
    owner.get(f"/invite/{token}/")
    owner.post("/invite/", {"choice": "accept"})
    assert Membership.objects.filter(user__email=VICTIM, clinic=clinic_b, is_active=True).exists()

    attacker = Client()
    sign_in(attacker, VICTIM, SHEET_PASSWORD)
    assert not get_user(attacker).is_authenticated
    assert attacker.get("/portal/").status_code == 302


def test_the_sheets_holder_cannot_add_an_authenticator_before_the_owner(
    invite,  # noqa: F811 - the fixture imported above
    clinician_a,
    clinic_a,
):
    """Found by an attack review: with the sheet's password, the squatter added their own
    authenticator app; the owner, signing in later by an e-mailed code, was asked for its
    codes and kept out of their own login."""
    squatter = squat(invite, clinician_a, clinic_a)
    squatter.get("/accounts/2fa/totp/activate/")
    reauth = squatter.get("/accounts/2fa/totp/activate/")
    if reauth.status_code == 302 and "reauthenticate" in reauth["Location"]:
        squatter.post(reauth["Location"], {"password": SHEET_PASSWORD})
    page = squatter.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = squatter.session["mfa.totp.secret"]
    refused = squatter.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert refused.status_code == 200 and "show that this e-mail address is yours" in (
        refused.content.decode()
    )
    assert not Authenticator.objects.filter(user__email=VICTIM).exists()

    # The owner signs in by code: no second factor asked, and they may add theirs.
    owner = Client()
    sign_in_by_code(owner, VICTIM)
    assert get_user(owner).is_authenticated
    assert enrol(User.objects.get(email=VICTIM))


def test_a_patient_keeps_the_password_from_their_own_sheet_until_a_code(
    invite,  # noqa: F811 - the fixture imported above
    clinician_a,
    clinic_a,
):
    """The patient who set their password on their own sheet signs in with it as before;
    after a sign-in by code (a forgotten password) they choose a new one."""
    record = make_patient(clinic_a, "Ann", "Own", login=False, email="ann.own@example.test")
    sheet = printed_link(invite(client_for(clinician_a), record, delivery="print"))
    patient = Client()
    open_invitation(patient, sheet)
    patient.post("/invite/", {"new_password1": SHEET_PASSWORD, "new_password2": SHEET_PASSWORD})
    patient.post("/accounts/logout/")
    again = Client()
    sign_in(again, record.email, SHEET_PASSWORD)
    assert get_user(again).is_authenticated
    again.post("/accounts/logout/")

    by_code = Client()
    response = sign_in_by_code(by_code, record.email)
    page = by_code.get(response["Location"] if response.status_code == 302 else "/me/", follow=True)
    assert "The password set from a printed sign-in sheet no longer works" in page.content.decode()
    account = User.objects.get(email=record.email)
    assert not account.has_usable_password() and not account.password_from_sheet
    # Signing in by code again changes nothing more (no second message, no new state).
    by_code.post("/accounts/logout/")
    page = sign_in_by_code(Client(), record.email)
    assert not User.objects.get(email=record.email).password_from_sheet


def test_an_e_mailed_invitation_makes_an_ordinary_password(invite, clinician_a, clinic_a):  # noqa: F811
    record = make_patient(clinic_a, "Bo", "Mail", login=False, email="bo.mail@example.test")
    invite(client_for(clinician_a), record)
    patient = Client()
    open_invitation(patient, link_from_outbox())
    patient.post("/invite/", {"new_password1": SHEET_PASSWORD, "new_password2": SHEET_PASSWORD})
    assert User.objects.get(email=record.email).password_from_sheet is False


def test_logins_made_from_sheets_before_the_mark_are_marked(
    invite,  # noqa: F811 - the fixture imported above
    clinician_a,
    clinic_a,
):
    """The migration's backfill: a login made by a printed link's page is marked; one that
    existed before it accepted a printed link is not."""
    squat(invite, clinician_a, clinic_a)
    older = make_patient(clinic_a, "Old", "Login", email="old.login@example.test")
    Invitation.objects.create(
        clinic=clinic_a,
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.PRINT,
        email=older.email,
        patient_uuid=older.uuid,
        token_hash="x" * 64,
        created_at=older.user.date_joined,
        expires_at=older.user.date_joined,
        used_at=older.user.date_joined,
        accepted_by=older.user,
    )
    Invitation.objects.filter(accepted_by=older.user).update(
        created_at=older.user.date_joined.replace(year=older.user.date_joined.year + 1)
    )
    User.objects.update(password_from_sheet=False)
    migration = importlib.import_module("clinic.migrations.0021_user_password_from_sheet")
    migration.mark_sheet_passwords(apps, None)
    marked = set(User.objects.filter(password_from_sheet=True).values_list("email", flat=True))
    assert marked == {VICTIM}
