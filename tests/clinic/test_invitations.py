"""Invitations and the identity model, tested as the attacks that once worked.

Each test that starts with "Attack (before)" is the exact request sequence that took
over or exposed an account before the identity model was fixed; it now fails to.
"""

from __future__ import annotations

import hashlib
import html
import pickle
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic.invitations import invitation_find, invitation_issue
from clinic.models import AuditEvent, Invitation, Membership, OutgoingEmail, User
from clinic.tasks import deliver_email
from patients.models import Patient
from tests.clinic.test_staff import MAIL_SERVER_BACK, MAIL_SERVER_DOWN
from tests.conftest import (
    actor_of,
    client_for,
    get_document,
    make_patient,
    make_staff,
    make_user,
    run_tasks,
)
from tests.factories import PASSWORD, MembershipFactory
from tests.signin import (
    current_code,
    enrol,
    link_from_outbox,
    open_invitation,
    sign_in,
    sign_in_by_code,
)

NEW_PASSWORD = "a sunny walk by the river"
CHOOSE = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """POST the chart's invitation button, then run the worker that sends its e-mail."""

    def post(client: Client, patient: Patient, delivery: str = "email", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/portal/patients/{patient.uuid}/invitation/", {"delivery": delivery}, **kwargs
            )
        run_tasks()
        return response

    return post


@pytest.fixture
def invite_staff(django_capture_on_commit_callbacks):
    """POST the staff page's invitation form, then run the worker that sends its e-mail."""

    def post(client: Client, email: str, role: str = "clinician"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/portal/staff/", {"full_name": "Invited Person", "email": email, "role": role}
            )
        run_tasks()
        return response

    return post


def issue_to_new_patient(clinic, staff) -> tuple[Invitation, str]:
    """An e-mailed invitation for a new patient (Nia Brooks) of `clinic`."""
    patient = make_patient(clinic, "Nia", "Brooks", login=False)
    return invitation_issue(
        actor=actor_of(staff),
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.EMAIL,
        email=patient.email,
        clinic=clinic,
        patient_uuid=patient.uuid,
    )


def printed_link(response) -> str:
    body = response.content.decode()
    start = body.index("/invite/")
    return body[start : body.index("/", start + len("/invite/")) + 1]


# --- The ordinary path -------------------------------------------------------------------


def test_a_new_patient_sets_a_password_and_lands_in_the_patient_area(
    invite, as_clinician_a, clinic_a
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    assert len(mail.outbox) == 1
    assert "Nia" not in mail.outbox[0].subject and "Brooks" not in mail.outbox[0].subject
    visitor = Client()
    page = open_invitation(visitor, link_from_outbox())
    assert page.status_code == 200 and "Choose your password" in page.content.decode()
    response = visitor.post("/invite/", CHOOSE)
    assert response.status_code == 302
    home = visitor.get(response["Location"], follow=True)
    assert home.request["PATH_INFO"] == "/me/"
    assert "Hello Nia" in home.content.decode()
    patient.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="patient.link", patient_uuid=patient.uuid).exists()


def test_the_token_leaves_the_address_bar_at_once(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    link = link_from_outbox()
    response = Client().get(link)
    assert response.status_code == 302 and response["Location"] == "/invite/"


def test_a_link_works_only_once(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    link = link_from_outbox()
    first = Client()
    open_invitation(first, link)
    first.post("/invite/", CHOOSE)
    again = Client()
    assert open_invitation(again, link).status_code == 410
    assert again.post("/invite/", CHOOSE).status_code == 410
    patient.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)


def test_a_link_expires_after_seven_days(clinic_a, admin_a):
    _invitation, token = issue_to_new_patient(clinic_a, admin_a)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert invitation_find(token) is not None
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert invitation_find(token) is None
        assert open_invitation(Client(), f"/invite/{token}/").status_code == 410


def test_a_new_email_replaces_the_last_emailed_link_but_not_a_printed_sheet(
    invite, as_clinician_a, clinic_a
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    invite(as_clinician_a, patient)
    first = link_from_outbox()
    invite(as_clinician_a, patient)
    second = link_from_outbox()
    assert open_invitation(Client(), first).status_code == 410
    assert open_invitation(Client(), second).status_code == 200
    assert open_invitation(Client(), sheet).status_code == 200
    chart = as_clinician_a.get(f"/portal/patients/{patient.uuid}/").content.decode()
    assert "Links that still work" in chart and "Printed" in chart and "E-mailed" in chart


def test_every_link_stops_at_the_first_sign_in(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    invite(as_clinician_a, patient)
    emailed = link_from_outbox()
    visitor = Client()
    open_invitation(visitor, emailed)
    visitor.post("/invite/", CHOOSE)
    assert open_invitation(Client(), sheet).status_code == 410
    assert not Invitation.objects.usable().exists()


def test_a_weak_password_is_refused_with_a_message_and_the_link_stays_usable(
    invite, as_clinician_a, clinic_a
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    visitor = Client()
    open_invitation(visitor, link_from_outbox())
    response = visitor.post("/invite/", {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert Invitation.objects.usable().count() == 1
    assert not User.objects.filter(email=patient.email).exists()
    # The message belongs to the first box, not to "Type it again".
    form = response.context["form"]
    assert form.errors["new_password1"] and "new_password2" not in form.errors


def test_a_passphrase_with_spaces_is_welcome(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    invite(as_clinician_a, patient)
    visitor = Client()
    page = open_invitation(visitor, link_from_outbox())
    assert "A passphrase is easiest" in page.content.decode()
    # "Type it again" says it all: not Django's "Enter the same password as before, for
    # verification" beneath it (found by the patient review).
    assert "for verification" not in page.content.decode()
    phrase = "blue kettle morning walk"
    visitor.post("/invite/", {"new_password1": phrase, "new_password2": phrase})
    assert User.objects.get(email=patient.email).check_password(phrase)


def test_the_printed_sheet_shows_the_link_and_a_qr_code_and_sends_no_mail(
    invite, as_clinician_a, clinic_a
):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    response = invite(as_clinician_a, patient, delivery="print")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "/invite/" in body and 'src="data:image/png;base64,' in body
    assert mail.outbox == []


def test_a_patient_without_email_cannot_be_invited(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False, email="")
    response = invite(as_clinician_a, patient, follow=True)
    assert "e-mail address first" in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []


def test_cancelling_a_patients_links(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    as_clinician_a.post(f"/portal/patients/{patient.uuid}/invitation/cancel/", {"confirm": "1"})
    assert open_invitation(Client(), sheet).status_code == 410
    assert AuditEvent.objects.filter(action="invitation.revoke").exists()


def test_cancelling_a_patients_links_asks_first_and_asking_changes_nothing(
    invite, as_clinician_a, clinic_a, settings
):
    """Before: "Cancel these links" killed the patient's links at once, without a
    question. Now the button leads to a page that says what happens (no JavaScript
    needed); only its confirm button cancels."""
    from clinic.invitations import invitation_email_stopped
    from tests.conftest import tables_written

    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    invite(as_clinician_a, patient)  # its e-mail is refused: it waits for a retry
    email = OutgoingEmail.objects.get()
    chart = f"/portal/patients/{patient.uuid}/"
    url = f"{chart}invitation/cancel/"
    shown = as_clinician_a.get(chart).content.decode()
    assert f'action="{url}"' in shown and "Cancel these links…" in shown
    events = AuditEvent.objects.count()
    with tables_written() as written:
        asked = as_clinician_a.post(url)
    assert asked.status_code == 200
    text = html.unescape(asked.content.decode())
    assert "Cancel this patient's sign-in links?" in text
    assert "stop working at once" in text and "You can invite them again" in text
    assert 'name="confirm" value="1"' in text and f'href="{chart}"' in text
    assert "Keep the links" in text
    # The page names nobody: showing it reads nothing of the record.
    assert "Nia" not in text and "Brooks" not in text
    # Nothing changed: no row written (the session aside), no audit event, the links work
    # and the waiting e-mail still goes out.
    assert written <= {"django_session"}, written
    assert AuditEvent.objects.count() == events
    assert Invitation.objects.usable().filter(patient_uuid=patient.uuid).count() == 2
    assert invitation_email_stopped(email) == ""
    assert OutgoingEmail.objects.get().status == email.status == "retrying"
    # Confirmed: both links stop working, and the e-mail is not sent.
    done = as_clinician_a.post(url, {"confirm": "1"}, follow=True)
    assert "The unused sign-in links no longer work." in done.content.decode()
    assert not Invitation.objects.usable().filter(patient_uuid=patient.uuid).exists()
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1
    assert open_invitation(Client(), sheet).status_code == 410
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    deliver_email.call(email.pk)
    assert mail.outbox == [] and OutgoingEmail.objects.get().status == "stopped"


# --- Attacks ------------------------------------------------------------------------------


def test_a_clinician_cannot_take_over_a_superuser_through_a_patient_invitation(
    invite, as_clinician_a, clinic_a
):
    """Attack (before): make a patient with a superuser's address, print an invitation,
    open it in a fresh browser, choose a password: signed in as the superuser, no second
    factor asked, /admin/ open."""
    root = User.objects.create_superuser("root@example.test", "the root's own passphrase")
    enrol(root)
    patient = make_patient(clinic_a, "Mal", "Lory", login=False, email=root.email)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    attacker = Client()
    page = open_invitation(attacker, sheet)
    # No password form for an address that already has a login: only "sign in to accept".
    assert "Sign in to accept" in page.content.decode()
    assert "new_password1" not in page.content.decode()
    attacker.post("/invite/", CHOOSE)
    root.refresh_from_db()
    assert root.check_password("the root's own passphrase")
    assert not get_user(attacker).is_authenticated
    assert attacker.get("/admin/").status_code == 302
    # Even signed in as the superuser, the link cannot make it a patient.
    as_root = client_for(root)
    as_root.get(sheet)
    refused = as_root.post("/invite/", {"choice": "accept"})
    assert refused.status_code == 410
    assert Patient.objects.get(pk=patient.pk).user is None
    assert AuditEvent.objects.filter(action="invitation.refused", target_user=root).exists()


def test_an_invitation_to_another_clinics_member_never_resets_their_password(
    invite_staff, as_admin_a, clinician_b
):
    """Attack (before): a clinic admin invited another clinic's clinician; the link reset
    that person's password and signed its holder in."""
    invite_staff(as_admin_a, clinician_b.email)
    holder = Client()
    page = open_invitation(holder, link_from_outbox())
    assert "Sign in to accept" in page.content.decode()
    holder.post("/invite/", CHOOSE)
    clinician_b.refresh_from_db()
    assert clinician_b.check_password(PASSWORD)
    assert not get_user(holder).is_authenticated
    assert not Membership.objects.filter(user=clinician_b, clinic__name="Clinic A").exists()


def test_the_owner_accepts_a_staff_invitation_after_signing_in_with_both_factors(
    invite_staff, as_admin_a, clinician_b, clinic_a
):
    secret = enrol(clinician_b)
    invite_staff(as_admin_a, clinician_b.email)
    browser = Client()
    open_invitation(browser, link_from_outbox())
    signed = sign_in(browser, clinician_b.email, PASSWORD)
    assert signed["Location"].startswith("/accounts/2fa/authenticate/")
    assert not get_user(browser).is_authenticated
    browser.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert get_user(browser) == clinician_b
    confirm = browser.get("/invite/")
    assert "Accept the invitation?" in confirm.content.decode()
    browser.post("/invite/", {"choice": "accept"})
    membership = Membership.objects.get(user=clinician_b, clinic=clinic_a)
    assert membership.role == "clinician" and membership.is_active
    clinician_b.refresh_from_db()
    assert clinician_b.check_password(PASSWORD)
    # Accepting puts them to work in the clinic they joined.
    assert browser.get("/portal/").context["request"].clinic == clinic_a


def test_declining_changes_nothing(invite_staff, as_admin_a, clinician_b):
    invite_staff(as_admin_a, clinician_b.email)
    browser = client_for(clinician_b)
    browser.get(link_from_outbox())
    browser.post("/invite/", {"choice": "decline"})
    assert not Membership.objects.filter(user=clinician_b, clinic__name="Clinic A").exists()
    assert not Invitation.objects.usable().exists()


def _sign_out_form(page) -> tuple[str, dict]:
    """The invitation page's own "Sign out" form: where it posts, and what."""
    body = page.content.decode()
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', body, re.S)
    assert form and "Sign out" in form.group(2)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[2]))
    return html.unescape(form.group(1)), fields


def test_signing_out_from_the_invitation_page_keeps_the_invitation(
    clinic_a, admin_a, clinician_a, clinician_b
):
    """Before (review "seams" 5): on a shared computer where someone else was signed in,
    the page said "Sign out, then sign in with <address> to accept"; its Sign out emptied
    the session, token and all, and the unused link then said it "cannot be used"."""
    secret = enrol(clinician_b)
    token = staff_link(admin_a, clinic_a, clinician_b)
    shared_computer = Client()
    sign_in(shared_computer, clinician_a.email, PASSWORD)
    page = open_invitation(shared_computer, f"/invite/{token}/")
    assert "You are signed in as someone else" in page.content.decode()

    action, fields = _sign_out_form(page)
    signed_out = shared_computer.post(action, fields)

    assert signed_out["Location"] == "/invite/"
    assert not get_user(shared_computer).is_authenticated
    assert signed_out["Clear-Site-Data"] == '"cache", "storage"'  # as any sign-out
    after = shared_computer.get("/invite/")
    assert after.status_code == 200 and "Sign in to accept" in after.content.decode()
    # The invitee signs in with both factors, comes back and accepts.
    sign_in(shared_computer, clinician_b.email, PASSWORD, next="/invite/")
    shared_computer.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert get_user(shared_computer) == clinician_b
    shared_computer.post("/invite/", {"choice": "accept"})
    assert Membership.objects.filter(user=clinician_b, clinic=clinic_a, is_active=True).exists()


def test_the_invitation_pages_sign_out_keeps_nothing_but_the_link(clinician_a, patient_a1):
    """It ends the session like any sign-out; signed in again as someone else, the page
    still offers nothing to that account."""
    _invitation, token = issue_to_new_patient(patient_a1.clinic, clinician_a)
    browser = Client()
    sign_in(browser, patient_a1.user.email, PASSWORD)
    browser.get(f"/invite/{token}/")
    session_before = browser.cookies["sessionid"].value
    browser.post("/invite/sign-out/")
    assert not get_user(browser).is_authenticated
    assert browser.cookies["sessionid"].value != session_before
    assert browser.session.get("limber_invitation") == token
    assert set(browser.session.keys()) == {"limber_invitation"}
    # A POST only: a link or a picture elsewhere cannot sign anyone out.
    assert browser.get("/invite/sign-out/").status_code == 405


def test_a_clinician_cannot_reset_an_active_patients_password_with_a_new_invitation(
    invite, as_clinician_a, patient_a1
):
    """Attack (before): printing a new invitation for a patient who already had a password
    let the clinician choose a new one and sign in as the patient."""
    response = invite(as_clinician_a, patient_a1, delivery="print", follow=True)
    assert "already has a login" in response.content.decode()
    assert not Invitation.objects.exists()
    patient_a1.user.refresh_from_db()
    assert patient_a1.user.check_password(PASSWORD)


def test_a_link_to_a_patient_of_another_clinic_does_not_reach_their_login(
    invite, as_clinician_a, clinic_a, patient_b1
):
    """Attack (before): clinic A made a record with clinic B's patient's address and
    printed a link: it reset that patient's password."""
    patient = make_patient(clinic_a, "Bea", "Copy", login=False, email=patient_b1.email)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    holder = Client()
    open_invitation(holder, sheet)
    holder.post("/invite/", CHOOSE)
    patient_b1.user.refresh_from_db()
    assert patient_b1.user.check_password(PASSWORD)
    # The real owner, signed in, is refused a second active record, neutrally.
    owner = client_for(patient_b1.user)
    owner.get(sheet)
    response = owner.post("/invite/", {"choice": "accept"})
    assert response.status_code == 410
    text = response.content.decode()
    assert "already linked to a patient record" in text and "Clinic B" not in text


def test_claiming_an_address_first_gains_nothing(clinic_b, clinician_b, patient_a1):
    """Attack (before): clinic B made a record with a person's address first, so when the
    real person signed in (by e-mailed code) they landed in clinic B's record. A record's
    address is contact data until its owner accepts an invitation."""
    squat = make_patient(clinic_b, "Amara", "Squat", login=False, email=patient_a1.email)
    browser = Client()
    sign_in_by_code(browser, patient_a1.email)
    home = browser.get("/me/")
    assert home.status_code == 200
    assert home.context["request"].patient == patient_a1
    squat.refresh_from_db()
    assert squat.user is None


def test_patient_invitations_say_the_same_whatever_the_address(
    invite, as_clinician_a, clinic_a, clinician_b, patient_b1
):
    """Attack (before): "This e-mail address already belongs to another login" told a
    clinic that the address was staff or a patient elsewhere."""
    answers = []
    for n, email in enumerate(("fresh@example.test", clinician_b.email, patient_b1.email)):
        patient = make_patient(clinic_a, "Same", f"Answer{n}", login=False, email=email)
        response = invite(as_clinician_a, patient, follow=True)
        text = response.content.decode()
        assert "belongs" not in text and "Clinic B" not in text
        answers.append(text.count("Its e-mail is queued"))
    assert answers == [1, 1, 1]


def test_a_link_stops_working_when_the_patient_is_archived(invite, as_clinician_a, clinic_a):
    """Attack (before): an outstanding link still worked after the patient was archived."""
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    as_clinician_a.post(f"/portal/patients/{patient.uuid}/archive/")
    holder = Client()
    assert open_invitation(holder, sheet).status_code == 410
    assert holder.post("/invite/", CHOOSE).status_code == 410
    assert not User.objects.filter(email=patient.email).exists()


def test_a_link_stops_working_when_the_record_address_changes(invite, as_clinician_a, clinic_a):
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, patient, delivery="print"))
    Patient.objects.filter(pk=patient.pk).update(email="other@example.test")
    assert open_invitation(Client(), sheet).status_code == 410


def test_a_staff_link_stops_when_the_member_is_deactivated_and_never_reactivates_an_account(
    invite_staff, as_admin_a, clinician_a, clinic_a
):
    """Attack (before): accepting an outstanding link set is_active=True on an account
    that had been switched off."""
    invite_staff(as_admin_a, "late.joiner@example.test")
    link = link_from_outbox()
    joiner = make_user("late.joiner@example.test", "Late Joiner")
    membership = MembershipFactory(user=joiner, clinic=clinic_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"})
    assert open_invitation(Client(), link).status_code == 410
    # An account switched off by the platform stays off, whatever any link says.
    joiner.is_active = False
    joiner.save()
    invite_staff(as_admin_a, joiner.email)
    holder = Client()
    open_invitation(holder, link_from_outbox())
    holder.post("/invite/", CHOOSE)
    joiner.refresh_from_db()
    assert not joiner.is_active and not get_user(holder).is_authenticated


def _second_admin(clinic) -> User:
    return make_staff(clinic, "admin2.a@example.test", Membership.Role.ADMIN, "Second Admin")


@pytest.mark.parametrize(
    "change", [{"action": "deactivate", "confirm": "1"}, {"action": "role", "role": "clinician"}]
)
def test_a_staff_link_stops_when_the_admin_who_sent_it_is_deactivated_or_demoted(
    invite_staff, as_admin_a, admin_a, clinic_a, change
):
    """Attack (before): an admin invited someone as admin and was then deactivated (or made
    a clinician); the link still made its holder an admin of the clinic."""
    sender = _second_admin(clinic_a)
    invite_staff(client_for(sender), "x.new@example.test", role="admin")
    link = link_from_outbox()
    as_admin_a.post(f"/portal/staff/{sender.memberships.get().uuid}/", change)
    holder = Client()
    page = open_invitation(holder, link)
    assert page.status_code == 410 and "A clinic can also cancel them" in page.content.decode()
    assert holder.post("/invite/", CHOOSE).status_code == 410
    assert not User.objects.filter(email="x.new@example.test").exists()
    assert not Membership.objects.filter(user__email="x.new@example.test").exists()
    revoked = AuditEvent.objects.get(action="invitation.revoke")
    assert revoked.actor == admin_a and revoked.target_user == sender
    assert "x.new@example.test" not in as_admin_a.get("/portal/staff/").content.decode()
    # Made admin again, the sender does not bring the old link back.
    as_admin_a.post(f"/portal/staff/{sender.memberships.get().uuid}/", {"action": "reactivate"})
    as_admin_a.post(
        f"/portal/staff/{sender.memberships.get().uuid}/", {"action": "role", "role": "admin"}
    )
    assert open_invitation(Client(), link).status_code == 410


LOSING_THE_RIGHT = {
    # As the Django admin's membership inline saves or deletes a row, and its account page
    # switches an account off: no staff page, so nothing revokes the link.
    "demoted": lambda sender: Membership.objects.filter(user=sender).update(role="front_desk"),
    "deactivated": lambda sender: Membership.objects.filter(user=sender).update(is_active=False),
    "removed": lambda sender: Membership.objects.filter(user=sender).delete(),
    "account off": lambda sender: User.objects.filter(pk=sender.pk).update(is_active=False),
}


@pytest.mark.parametrize("lose", LOSING_THE_RIGHT.values(), ids=LOSING_THE_RIGHT.keys())
def test_a_staff_link_is_checked_against_its_sender_when_it_is_used(invite_staff, clinic_a, lose):
    """Opened while its sender could invite, sent after they no longer could, however
    that came about: refused, and no login or membership is made."""
    sender = _second_admin(clinic_a)
    invite_staff(client_for(sender), "x.new@example.test", role="admin")
    holder = Client()
    assert open_invitation(holder, link_from_outbox()).status_code == 200
    lose(sender)
    refused = holder.post("/invite/", CHOOSE)
    assert refused.status_code == 410
    assert "can no longer invite staff to Clinic A" in refused.content.decode()
    assert not User.objects.filter(email="x.new@example.test").exists()
    assert not Membership.objects.filter(user__email="x.new@example.test").exists()


def test_an_existing_login_cannot_accept_a_link_whose_sender_lost_the_right(
    invite_staff, clinic_a, clinician_b
):
    sender = _second_admin(clinic_a)
    invite_staff(client_for(sender), clinician_b.email, role="admin")
    owner = client_for(clinician_b)
    owner.get(link_from_outbox())
    assert "Accept the invitation?" in owner.get("/invite/").content.decode()
    Membership.objects.filter(user=sender).update(is_active=False)
    refused = owner.post("/invite/", {"choice": "accept"})
    assert refused.status_code == 410
    assert "can no longer invite staff" in refused.content.decode()
    assert not Membership.objects.filter(user=clinician_b, clinic=clinic_a).exists()


def test_tokens_are_random_and_only_their_hash_is_stored(clinic_a, admin_a):
    """Attack (before): a token was an HMAC of the invitation's id and time, so anyone with
    the database and SECRET_KEY could rebuild every live link."""
    invitation, token = issue_to_new_patient(clinic_a, admin_a)
    assert len(token) >= 43  # 32 random bytes
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    rebuilt = salted_hmac(
        "limber.invitation",
        f"{invitation.pk}:{invitation.created_at.isoformat()}",
        algorithm="sha256",
    )
    assert rebuilt.hexdigest() != invitation.token_hash
    assert token not in rebuilt.hexdigest()


def test_no_link_or_handout_is_kept_in_the_shared_cache(
    invite, as_clinician_a, clinic_a, patient_a1, membership_a
):
    """Attack (before): live invitation links and whole handouts (name, date of birth) sat
    in the shared cache for 24 hours."""
    from patients.services import patient_program_start
    from programs.models import Program
    from tests.conftest import actor_of

    program = patient_program_start(
        actor=actor_of(membership_a.user),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    nia = make_patient(clinic_a, "Nia", "Brooks", login=False)
    sheet = printed_link(invite(as_clinician_a, nia, delivery="print"))
    pdf = get_document(
        as_clinician_a, f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout.pdf"
    )
    assert pdf.status_code == 200
    token = sheet.split("/")[2]
    # LocMemCache keeps each value pickled, under its full key.
    stored = [str(pickle.loads(value)) for value in list(cache._cache.values())]  # noqa: S301
    for value in stored:
        assert token not in value and "Okafor" not in value and "Brooks" not in value
        assert not value.startswith("b'%PDF")


def test_a_line_break_in_the_clinic_name_is_refused_and_never_breaks_email(
    as_admin_a, clinic_a, patient_a1, membership_a
):
    """Attack (before): a clinic name with a line break made "e-mail handout" answer 500
    (a header injection refused by the mail library) after the print was recorded."""
    response = as_admin_a.post(
        "/portal/clinic/",
        {"name": "Clinic A\nBcc: x@example.test", "timezone": "UTC", "paper_size": "a4"},
    )
    clinic_a.refresh_from_db()
    assert "\n" not in clinic_a.name
    # A name that got in before this rule is sent on one line.
    type(clinic_a).objects.filter(pk=clinic_a.pk).update(name="Clinic A\r\nBcc: x@example.test")
    from patients.services import patient_program_start
    from programs.models import HandoutPrint, Program

    program = patient_program_start(
        actor=actor_of(membership_a.user),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = as_admin_a.post(
            f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout/email/"
        )
    assert sent.status_code == 302
    run_tasks()
    assert mail.outbox[-1].subject == "Limber: A document from Clinic A Bcc: x@example.test"
    assert HandoutPrint.objects.filter(channel="email").count() == 1
    assert response.status_code in (200, 302)


def test_a_handout_email_the_mail_server_refuses_is_retried_and_recorded_only_once_sent(
    as_clinician_a, patient_a1, membership_a, monkeypatch
):
    """Before: an SMTP failure inside the request. Now the worker retries with backoff; the
    chart says "retrying", and nothing is on the history until the mail server takes it."""
    from django.core.mail import EmailMessage

    from patients.services import patient_program_start
    from programs.models import HandoutPrint, Program

    program = patient_program_start(
        actor=actor_of(membership_a.user),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    real_send = EmailMessage.send

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = as_clinician_a.post(
            f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout/email/",
            follow=True,
        )
    assert "will be e-mailed" in response.content.decode()
    run_tasks()  # the render, then a first try the mail server refuses
    email = OutgoingEmail.objects.get()
    assert (email.status, email.last_error) == ("retrying", "mail server unreachable")
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "retrying: mail server unreachable" in chart
    assert not HandoutPrint.objects.exists()
    assert not AuditEvent.objects.filter(action="handout.email").exists()
    monkeypatch.setattr(EmailMessage, "send", real_send)
    deliver_email.call(email.pk)  # the retry, once the server is back
    email.refresh_from_db()
    assert email.status == "sent" and len(mail.outbox) == 1
    assert HandoutPrint.objects.get().channel == "email"


def _invitation_once(chart: str, patient: Patient) -> str:
    """The one-save token of the chart's "Invite by e-mail" form."""
    form = chart[chart.index(f'action="/portal/patients/{patient.uuid}/invitation/"') :]
    return re.search(r'name="once" value="([^"]+)"', form).group(1)


def test_a_patient_invitation_made_while_the_mail_server_is_down_is_saved_once_and_sent_when_back(
    as_clinician_a, clinic_a, settings, django_capture_on_commit_callbacks
):
    """Before: the invitation was saved (the previous e-mailed link revoked), then its
    e-mail failed after the commit: the request failed, nothing was mailed, and the page
    sent again said "That form was sent twice. It was saved once." Now the e-mail is queued
    with the invitation, the page and the chart say so, and the worker sends it later."""
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    chart_url = f"/portal/patients/{patient.uuid}/"
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    once = _invitation_once(as_clinician_a.get(chart_url).content.decode(), patient)
    sent = {"delivery": "email", "once": once}
    with django_capture_on_commit_callbacks(execute=True):
        page = as_clinician_a.post(f"{chart_url}invitation/", sent, follow=True)
    text = page.content.decode()
    assert f"Invitation to {patient.email} saved. Its e-mail is queued" in text
    assert "sent twice" not in text
    run_tasks()  # the first try, which the mail server refuses
    email = OutgoingEmail.objects.get()
    assert (email.kind, email.status, email.patient_uuid) == (
        "invitation",
        "retrying",
        patient.uuid,
    )
    assert mail.outbox == []
    chart = as_clinician_a.get(chart_url).content.decode()
    assert "Invitation ·" in chart and "retrying: mail server unreachable" in chart
    # The same page sent again saves nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = as_clinician_a.post(f"{chart_url}invitation/", sent, follow=True)
    assert "sent twice" in again.content.decode()
    assert Invitation.objects.count() == 1 and OutgoingEmail.objects.count() == 1
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    deliver_email.call(email.pk)  # the retry, once the mail server is back
    email.refresh_from_db()
    assert email.status == "sent" and mail.outbox[0].to == [patient.email]
    link = link_from_outbox()
    # The link is made as the e-mail goes out: the queued row never held a live one.
    assert link not in email.body and "/invite/" not in email.body
    assert "Choose your password" in open_invitation(Client(), link).content.decode()
    assert re.search(
        r"Invitation · [^<]*<span[^>]*>sent<", as_clinician_a.get(chart_url).content.decode()
    )


def test_a_sign_in_link_asked_for_while_the_mail_server_is_down_is_sent_when_back(
    clinic_a, settings, django_capture_on_commit_callbacks
):
    """Before: the clinic's sign-in page ("E-mail me a link") made the link, then failed
    after the commit when the mail server was down (an error page, for an address the
    clinic has, where any other address got the usual answer), and nothing was mailed."""
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    with django_capture_on_commit_callbacks(execute=True):
        page = Client().post(f"/start/{clinic_a.uuid}/", {"email": patient.email}, follow=True)
    assert page.status_code == 200 and "we are sending you a link" in page.content.decode()
    run_tasks()
    assert OutgoingEmail.objects.get().status == "retrying" and mail.outbox == []
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    deliver_email.call(OutgoingEmail.objects.get().pk)
    assert "Choose your password" in open_invitation(Client(), link_from_outbox()).content.decode()


def test_a_worker_without_the_link_hook_never_sends_the_placeholder(
    as_clinician_a, clinic_a, monkeypatch, django_capture_on_commit_callbacks
):
    """A worker left running on an older release has no hook for a newer kind's link.
    Before, it sent the queued body as it was: the patient got "[[limber:...]]" where the
    link should be. Now such an e-mail waits and is tried again; a current worker sends
    it with the link."""
    from clinic.mail import BODY_HOOKS

    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    with django_capture_on_commit_callbacks(execute=True):
        as_clinician_a.post(f"/portal/patients/{patient.uuid}/invitation/", {"delivery": "email"})
    email = OutgoingEmail.objects.get()
    old_release = {k: v for k, v in BODY_HOOKS.items() if k != OutgoingEmail.Kind.INVITATION}
    monkeypatch.setattr("clinic.tasks.BODY_HOOKS", old_release)
    deliver_email.call(email.pk)
    email.refresh_from_db()
    assert mail.outbox == []
    assert email.status == "retrying" and "link could not be made" in email.last_error
    monkeypatch.undo()
    deliver_email.call(email.pk)
    email.refresh_from_db()
    assert email.status == "sent" and "[[limber:" not in mail.outbox[0].body
    assert "Choose your password" in open_invitation(Client(), link_from_outbox()).content.decode()


def test_a_slot_name_the_worker_could_not_recognise_is_refused():
    from clinic.mail import slot, unfilled

    assert unfilled(f"Open {slot('sign-in-link')} today")
    with pytest.raises(ValueError):
        slot("Sign In")


def test_typed_text_that_looks_like_a_slot_never_holds_an_email(settings):
    """A slot ends with a mark derived from the server's secret: a clinic name or a note
    typed as "[[limber:invitation-link]]" is text, sent as it is, never a slot the worker
    waits for (it would have held that e-mail until its retries ran out)."""
    from clinic.mail import fill, slot, unfilled

    typed = "Back Care [[limber:invitation-link]] [[limber:invitation-link:0123456789ab]]"
    assert not unfilled(typed)
    body = f"{typed}\n{slot('invitation-link')}"
    # Queued before the secret changed: still filled after it, by the same hook.
    settings.SECRET_KEY = "another secret, after a rotation, long enough to be a key"
    assert not unfilled(body)
    filled = fill(body, "invitation-link", "https://clinic.example/invite/x/")
    assert filled.endswith("\nhttps://clinic.example/invite/x/")


def test_an_invitation_email_queued_before_the_slot_mark_is_sent_with_its_link(
    as_clinician_a, clinic_a, django_capture_on_commit_callbacks
):
    """Review (h6): an invitation e-mail queued by the release before the slot's mark
    (its body holds "[[limber:invitation-link]]") and sent after the upgrade (the mail
    server was down during the release, the e-mail was retrying): fill() knows only slots
    with a mark and unfilled() only this secret's mark, so the worker sends the body as it
    is. The patient gets the placeholder and no link (and the invitation's token was
    replaced for a link nobody received)."""
    from clinic.mail import slot

    patient = make_patient(clinic_a, "Nia", "Brooks", login=False)
    with django_capture_on_commit_callbacks(execute=False):
        as_clinician_a.post(f"/portal/patients/{patient.uuid}/invitation/", {"delivery": "email"})
    email = OutgoingEmail.objects.get()
    assert slot("invitation-link") in email.body
    # As the previous release queued it.
    email.body = email.body.replace(slot("invitation-link"), "[[limber:invitation-link]]")
    email.save(update_fields=["body"])
    deliver_email.call(email.pk)
    assert all("[[limber:" not in sent.body for sent in mail.outbox), "the placeholder went out"
    assert mail.outbox, "the e-mail was not sent"
    assert "Choose your password" in open_invitation(Client(), link_from_outbox()).content.decode()


# --- A page sent twice (a double click) ---------------------------------------------------


def with_page_token(page: str, data: dict) -> dict:
    """`data` as the browser sends the page's form: with its one-save token, if it has one."""
    token = re.search(r'name="once" value="([^"]+)"', page)
    return data | ({"once": token.group(1)} if token else {})


def told(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def staff_link(admin, clinic, user) -> str:
    """The token of an e-mailed staff invitation (as a clinician) from `admin` to `user`."""
    _invitation, token = invitation_issue(
        actor=actor_of(admin),
        kind=Invitation.Kind.STAFF,
        channel=Invitation.Channel.EMAIL,
        email=user.email,
        clinic=clinic,
        role=Membership.Role.CLINICIAN,
    )
    return token


def test_accepting_an_invitation_with_a_double_click_does_not_say_the_link_is_dead(
    admin_a, clinic_a, clinician_b
):
    """An existing login (clinician_b works at clinic B) is invited to clinic A, signs in
    and presses "Accept" twice (a double click; the browser shows the second answer).
    The first sending joined the clinic; the second is answered with the 410 page "This
    link cannot be used ... Ask your clinic for a new link", so the person believes the
    acceptance failed. The confirm page has no one-save token, so once.replays has
    nothing to answer with.

    (The reviewer's test, sending the confirm page's form as a browser does: with its
    hidden one-save token once the page has one.)"""
    token = staff_link(admin_a, clinic_a, clinician_b)
    browser = client_for(clinician_b)
    browser.get(f"/invite/{token}/")
    page = browser.get("/invite/")
    assert "Accept the invitation?" in page.content.decode()
    sent = with_page_token(page.content.decode(), {"choice": "accept"})
    first = browser.post("/invite/", sent)
    second = browser.post("/invite/", sent)
    assert first.status_code == 302
    assert Membership.objects.filter(user=clinician_b, clinic=clinic_a, is_active=True).exists()
    # What the person sees after the double click:
    shown = browser.get(second["Location"]) if second.status_code == 302 else second
    text = shown.content.decode()
    assert second.status_code != 410, text
    assert "cannot be used" not in text


@pytest.mark.parametrize("choice", ["accept", "decline"])
def test_a_patient_invitation_answered_twice_by_its_login_is_done_once_and_said_so(
    clinic_a, admin_a, choice
):
    """A patient who already has a login (from another clinic, say) signs in and presses
    Accept (or Decline) twice: the second lands where the first went, told that the form
    was sent twice; it was the 410 page "This link cannot be used"."""
    owner = make_user("nia.brooks@example.test", "Nia Brooks")
    patient = make_patient(clinic_a, "Nia", "Brooks", login=False, email=owner.email)
    _invitation, token = invitation_issue(
        actor=actor_of(admin_a),
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.EMAIL,
        email=patient.email,
        clinic=clinic_a,
        patient_uuid=patient.uuid,
    )
    browser = client_for(owner)
    browser.get(f"/invite/{token}/")
    sent = with_page_token(browser.get("/invite/").content.decode(), {"choice": choice})
    first = browser.post("/invite/", sent)
    second = browser.post("/invite/", sent)
    assert (first.status_code, second.status_code) == (302, 302), second.content.decode()
    assert second["Location"] == first["Location"]
    assert told(second)[-1] == "That form was sent twice. It was saved once."
    patient.refresh_from_db()
    assert patient.user == (owner if choice == "accept" else None)
    assert AuditEvent.objects.filter(action=f"invitation.{choice}").count() == 1


def test_each_invitation_page_sent_twice_says_what_the_first_did(clinic_a, admin_a, clinician_b):
    """The link's page is a password form for an address with no login, or Accept and
    Decline for one that has: each sent twice is told what its first sending did (an
    account made: sign in; the invitation accepted: saved once), never the other's."""
    _invitation, token = issue_to_new_patient(clinic_a, admin_a)
    visitor = Client()
    page = open_invitation(visitor, f"/invite/{token}/").content.decode()
    sent = with_page_token(page, CHOOSE)
    assert visitor.post("/invite/", sent).status_code == 302
    again = visitor.post("/invite/", sent)
    assert again.status_code == 302 and again["Location"] == "/accounts/login/"
    assert told(again)[-1] == (
        "Your account is ready: that form was sent twice. Sign in with the password you chose."
    )
    assert User.objects.filter(email="nia.brooks@example.test").count() == 1
    token = staff_link(admin_a, clinic_a, clinician_b)
    browser = client_for(clinician_b)
    browser.get(f"/invite/{token}/")
    sent = with_page_token(browser.get("/invite/").content.decode(), {"choice": "accept"})
    first = browser.post("/invite/", sent)
    again = browser.post("/invite/", sent)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert told(again)[-1] == "That form was sent twice. It was saved once."


@pytest.mark.parametrize("then", ["sign_out", "reload"])
def test_a_link_lost_with_an_idle_session_says_to_open_it_again(
    then, clinic_a, admin_a, clinician_a, clinician_b
):
    """The diff review: on a shared computer, the invitee read the page ("signed in as
    someone else") past the idle limit, then pressed its "Sign out" or reloaded. The idle
    sign-out emptied the session, the link's token with it, and the unused link said "This
    link cannot be used... Ask your clinic for a new link". The page now says to open the
    link again, which works."""
    token = staff_link(admin_a, clinic_a, clinician_b)
    shared_computer = Client()
    sign_in(shared_computer, clinician_a.email, PASSWORD)
    assert "You are signed in as someone else" in (
        open_invitation(shared_computer, f"/invite/{token}/").content.decode()
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        if then == "sign_out":
            assert shared_computer.post("/invite/sign-out/")["Location"] == "/invite/"
        page = shared_computer.get("/invite/").content.decode()
        assert not get_user(shared_computer).is_authenticated
        assert "Open your invitation link again" in page
        assert "cannot be used" not in page and "new link" not in page
        again = open_invitation(shared_computer, f"/invite/{token}/").content.decode()
    assert "Sign in to accept" in again


def test_a_new_patient_asking_for_a_sign_in_code_gets_the_link_to_set_up_their_login(
    clinic_a, django_capture_on_commit_callbacks
):
    """Found by the phone review: the handout's QR page leads first to "E-mail me a
    sign-in code". A patient with no login yet got allauth's "Unknown Account" e-mail
    asking them to sign up, which is closed, and the page said a code was on its way."""
    patient = make_patient(clinic_a, "Eli", "Schmidt", login=False, email="eli.s@example.test")
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/login/code/", {"email": patient.email})
    page = browser.get("/accounts/login/code/confirm/").content.decode()
    assert "If eli.s@example.test has a login, we have e-mailed it a sign-in code." in page
    assert "within 10 minutes" in page and "set up your login instead" in page
    # allauth's own notice said "A sign-in code has been sent", which for them it was not.
    assert "We have sent an e-mail to eli.s@example.test." in page
    assert "sign-in code has been sent" not in page
    run_tasks()
    [sent] = mail.outbox
    assert sent.to == [patient.email] and "sign up" not in sent.body.lower()
    assert "Choose your password" in open_invitation(Client(), link_from_outbox()).content.decode()


def test_an_address_no_clinic_has_gets_no_sign_up_link(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/login/code/", {"email": "stranger@example.test"})
    run_tasks()
    [sent] = mail.outbox
    assert "it has no Limber login" in sent.body and "/accounts/signup/" not in sent.body
    assert not Invitation.objects.exists()


def test_a_patients_invitation_names_the_clinic_once_and_in_its_subject(
    as_clinician_a, clinic_a, invite
):
    """Found by the phone review: the subject "Your patient login" did not say who sent it
    (an older patient may not know the name Limber), and the page named the clinic twice."""
    patient = make_patient(clinic_a, "Eli", "Schmidt", login=False, email="eli.s@example.test")
    invite(as_clinician_a, patient)
    run_tasks()
    assert mail.outbox[-1].subject.endswith("Your patient login at Clinic A")
    page = open_invitation(Client(), link_from_outbox()).content.decode()
    assert "Clinic A invites you to see your home exercises and log how they went." in page
