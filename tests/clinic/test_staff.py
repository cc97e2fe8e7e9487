from __future__ import annotations

import html

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from clinic.invitations import invitation_email_stopped
from clinic.models import AuditEvent, Invitation, Membership, OutgoingEmail, User
from clinic.tasks import deliver_email
from tests.conftest import (
    client_for,
    make_patient,
    make_staff,
    make_user,
    run_tasks,
    sqlite_plan,
    tables_written,
)
from tests.factories import MembershipFactory
from tests.signin import link_from_outbox, open_invitation


class MailServerDown(BaseEmailBackend):
    """EMAIL_BACKEND for a mail server that refuses connections."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


MAIL_SERVER_DOWN = "tests.clinic.test_staff.MailServerDown"
MAIL_SERVER_BACK = "django.core.mail.backends.locmem.EmailBackend"


def invite_staff(client, email: str, name: str = "Nell Park", role: str = "clinician"):
    return client.post("/portal/staff/", {"full_name": name, "email": email, "role": role})


def test_an_admin_invites_a_clinician_who_joins_on_accepting(
    as_admin_a, clinic_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_staff(as_admin_a, "Nell@Example.test")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nell@example.test" and invitation.role == "clinician"
    # Nobody joins, and no account is made, until the link is used.
    assert not Membership.objects.filter(user__email="nell@example.test").exists()
    assert not User.objects.filter(email="nell@example.test").exists()
    assert mail.outbox == []  # queued with the invitation, sent by the worker
    run_tasks()
    assert len(mail.outbox) == 1 and "/invite/" in mail.outbox[0].body
    assert "Nell" not in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="staff.invite").exists()
    page = as_admin_a.get("/portal/staff/").content.decode()
    assert "Invitations not yet accepted" in page and "nell@example.test" in page


def test_an_invitation_made_while_the_mail_server_is_down_is_saved_once_and_sent_when_back(
    as_admin_a, settings, django_capture_on_commit_callbacks
):
    """Before: the invitation was saved, then its e-mail failed after the commit. The admin
    was told "That form was sent twice. It was saved once.", nothing was mailed, and
    inviting again replaced the invitation, to fail the same way. Now the e-mail is queued
    with the invitation, the page says so, and the worker retries it."""
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    once = as_admin_a.get("/portal/staff/").context["form"]["once"].initial
    sent = {"full_name": "Nell Park", "email": "nell@example.test", "role": "clinician"}
    with django_capture_on_commit_callbacks(execute=True):
        page = as_admin_a.post("/portal/staff/", sent | {"once": once}, follow=True)
    text = page.content.decode()
    assert "Invitation to nell@example.test saved. Its e-mail is queued" in text
    assert "sent twice" not in text
    run_tasks()  # the first try, which the mail server refuses
    email = OutgoingEmail.objects.get()
    assert (email.kind, email.status) == ("invitation", "retrying")
    assert mail.outbox == []
    listed = as_admin_a.get("/portal/staff/").content.decode()
    assert "e-mail retrying: mail server unreachable" in listed
    # The same page sent again saves nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = as_admin_a.post("/portal/staff/", sent | {"once": once}, follow=True)
    assert "sent twice" in again.content.decode()
    assert Invitation.objects.count() == 1 and OutgoingEmail.objects.count() == 1
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    deliver_email.call(email.pk)  # the retry, once the mail server is back
    email.refresh_from_db()
    assert email.status == "sent" and len(mail.outbox) == 1
    link = link_from_outbox()
    # The link is made as the e-mail goes out: the queued row never held a live one.
    assert link not in email.body and "/invite/" not in email.body
    assert "Choose your password" in open_invitation(Client(), link).content.decode()
    assert "e-mail sent" in as_admin_a.get("/portal/staff/").content.decode()


def test_an_invitation_email_still_waiting_is_not_sent_once_its_link_would_not_work(
    as_admin_a, clinic_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    second = make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(as_admin_a, "late@example.test")
        invite_staff(client_for(second), "later@example.test")
    run_tasks()
    cancelled = Invitation.objects.get(email="late@example.test")
    as_admin_a.post(f"/portal/staff/invitations/{cancelled.uuid}/cancel/", {"confirm": "1"})
    # The other one's sender is made front desk in the Django admin: its link would be
    # refused when used, so it is not sent either.
    Membership.objects.filter(user=second).update(role="front_desk")
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    for email in OutgoingEmail.objects.all():
        deliver_email.call(email.pk)
    assert mail.outbox == []
    stopped = dict(OutgoingEmail.objects.filter(status="stopped").values_list("to", "last_error"))
    assert stopped["late@example.test"] == "the invitation was cancelled, replaced or used"
    assert "can no longer invite staff" in stopped["later@example.test"]


def test_inviting_an_existing_colleague_again_is_refused(as_admin_a, clinician_a):
    response = invite_staff(as_admin_a, clinician_a.email, role="admin")
    assert "already on your clinic" in response.content.decode()
    assert Membership.objects.get(user=clinician_a).role == "clinician"
    assert not Invitation.objects.exists()


def test_the_answer_is_the_same_whoever_the_address_belongs_to(as_admin_a, patient_b1, clinician_b):
    """Attack (before): "This e-mail address belongs to a patient login" told a clinic
    that an address was a patient somewhere else."""
    answers = []
    for email in ("nobody.yet@example.test", patient_b1.email, clinician_b.email):
        response = invite_staff(as_admin_a, email, name="Someone")
        answers.append((response.status_code, response["Location"]))
        page = as_admin_a.get("/portal/staff/").content.decode()
        # Whole names: a three-letter fragment like "Bea" turns up by chance in the page's
        # random CSRF token (CI saw exactly that).
        assert "belongs to" not in page
        assert patient_b1.full_name not in page and "Bo Other" not in page
    assert len(set(answers)) == 1
    assert Invitation.objects.count() == 3


def test_a_colleague_of_another_clinic_never_shows_as_active_before_joining(
    as_admin_a, clinician_b
):
    """Attack (before): inviting another clinic's clinician made a membership at once, so
    they showed by their own name, as Active, on a list they never joined."""
    invite_staff(as_admin_a, clinician_b.email, name="Typed Name")
    page = as_admin_a.get("/portal/staff/").content.decode()
    assert "Bo Other" not in page
    assert not Membership.objects.filter(user=clinician_b, clinic__name="Clinic A").exists()


def test_an_admin_changes_a_role_including_front_desk(as_admin_a, clinician_a):
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "role", "role": "front_desk"})
    membership.refresh_from_db()
    assert membership.role == "front_desk"
    event = AuditEvent.objects.get(action="staff.role_change")
    assert event.target_user == clinician_a


def test_taking_clinical_records_from_someone_in_charge_of_patients_asks_first(
    as_admin_a, clinician_a, patient_a1, patient_a2
):
    """Found by the clinician review: one slip in the role menu made the clinician of
    every patient front desk at once. Now the admin is asked, told how many patients."""
    membership = Membership.objects.get(user=clinician_a)
    url = f"/portal/staff/{membership.uuid}/"
    asked = as_admin_a.post(url, {"action": "role", "role": "front_desk"})
    assert asked.status_code == 200
    text = " ".join(html.unescape(asked.content.decode()).split())
    assert f"Make {clinician_a.full_name} Front desk?" in text
    assert f"{clinician_a.full_name} is in charge of 2 patients." in text
    membership.refresh_from_db()
    assert membership.role == "clinician"
    assert not AuditEvent.objects.filter(action="staff.role_change").exists()
    # The page's own button sends the same change, confirmed.
    confirmed = {"action": "role", "role": "front_desk", "confirm": "1"}
    assert as_admin_a.post(url, confirmed).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "front_desk"
    # Back to clinician (records given, not taken), and to admin: nothing to ask.
    for role in ("clinician", "admin"):
        assert as_admin_a.post(url, {"action": "role", "role": role}).status_code == 302
        membership.refresh_from_db()
        assert membership.role == role


def test_a_bad_role_is_refused(as_admin_a, clinician_a):
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "role", "role": "owner"})
    membership.refresh_from_db()
    assert membership.role == "clinician"


def test_deactivation_ends_access_at_once_and_can_be_undone(as_admin_a, clinician_a, patient_a1):
    as_clinician = client_for(clinician_a)
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"})
    # The open session reaches nothing of the clinic any more...
    assert as_clinician.get(f"/portal/patients/{patient_a1.uuid}/").status_code == 403
    assert as_clinician.get("/portal/").status_code == 403
    # ...and the account itself is left alone (it may be in use at another clinic).
    clinician_a.refresh_from_db()
    assert clinician_a.is_active
    event = AuditEvent.objects.get(action="staff.deactivate")
    assert event.target_user == clinician_a and event.actor.email == "admin.a@example.test"
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "reactivate"})
    assert as_clinician.get(f"/portal/patients/{patient_a1.uuid}/").status_code == 200


def _deactivate_dialog(page: str, user) -> str:
    """The text of the staff page's Deactivate dialog for `user`."""
    membership = Membership.objects.get(user=user, clinic__name="Clinic A")
    start = page.index(f'id="deactivate-{membership.uuid}"')
    return " ".join(html.unescape(page[start : page.index("modal-footer", start)]).split())


def test_the_deactivate_dialog_says_how_many_patients_they_are_in_charge_of_and_what_happens(
    as_admin_a, clinic_a, clinic_b, clinician_a, clinician_ab, patient_a1, patient_a2
):
    """Before: the dialog said nothing of the member's patients; the admin deactivated a
    clinician in charge of a dozen without knowing who would be named on their handouts."""
    from patients.handouts import handout_people

    make_patient(clinic_a, "Old", "Case", login=False, clinician=clinician_a, status="archived")
    make_patient(clinic_a, "Ona", "Both", login=False, clinician=clinician_ab)
    # Their patients at another clinic are not this clinic's.
    make_patient(clinic_b, "Bee", "Both", login=False, clinician=clinician_ab)
    make_patient(clinic_b, "Cee", "Both", login=False, clinician=clinician_ab)
    page = as_admin_a.get("/portal/staff/").content.decode()
    assert (
        "Cleo Clinician is in charge of 2 patients. They stay in the clinic, and their "
        "handouts will name the clinic as the contact until you give them another "
        "clinician." in _deactivate_dialog(page, clinician_a)
    )
    assert (
        "Ash Both is in charge of 1 patient. That patient stays in the clinic, and their "
        "handouts will name the clinic as the contact until you give them another "
        "clinician." in _deactivate_dialog(page, clinician_ab)
    )
    desk = make_staff(clinic_a, "desk2.a@example.test", Membership.Role.FRONT_DESK, "Dee Desk")
    page = as_admin_a.get("/portal/staff/").content.decode()
    assert "Dee Desk is in charge of no patients." in _deactivate_dialog(page, desk)
    # What the dialog says is what happens.
    membership = Membership.objects.get(user=clinician_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"})
    patient_a1.refresh_from_db()
    assert patient_a1.is_active and patient_a1.clinic == clinic_a
    assert patient_a1.clinician == clinician_a  # the record still says who was in charge
    assert patient_a1.clinician_to_contact() is None
    people = handout_people(patient_a1)
    assert (people.clinician_name, people.clinician_contact) == ("Clinic A", "")


# Counted on this test's pages: the sign-in reads (session, user, staff memberships), the
# members' count, the invitations, their e-mails, and the page of members with how many
# patients each is in charge of (in that query: no query per member).
STAFF_LIST_QUERIES = 7


def test_the_staff_list_queries_are_pinned_whatever_the_staff_and_their_patients(
    as_admin_a, clinic_a, clinician_a, patient_a1, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_admin_a.get("/portal/staff/").status_code == 200
        return len(queries)

    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(as_admin_a, "late@example.test")
    few = count()
    for i in range(30):
        member = make_staff(clinic_a, f"clin{i}@example.test", Membership.Role.CLINICIAN)
        for j in range(3):
            make_patient(clinic_a, "P", f"Person{i:02}{j}", login=False, clinician=member)
    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(as_admin_a, "later@example.test")
    assert count() == few == STAFF_LIST_QUERIES


def test_the_patients_each_member_is_in_charge_of_are_counted_from_an_index(
    as_admin_a, clinic_a, clinician_a, patient_a1, patient_a2
):
    """Each member's count was read by walking every active patient of the clinic, once
    per member (7.2 ms for three members at 10,000 patients; 0.9 ms from the index)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = as_admin_a.get("/portal/staff/").content.decode()
    assert "is in charge of 2 patients" in _deactivate_dialog(page, clinician_a)
    (members,) = [q["sql"] for q in queries if '"in_charge_of"' in q["sql"]]
    if (plan := sqlite_plan(members)) is not None:
        assert any("COVERING INDEX patients_in_charge" in step for step in plan), plan


def test_deactivating_a_member_at_one_clinic_leaves_their_other_clinic(
    as_admin_a, clinician_ab, clinic_b, patient_b1
):
    membership = Membership.objects.get(user=clinician_ab, clinic__name="Clinic A")
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"})
    in_b = client_for(clinician_ab)
    assert in_b.get(f"/portal/patients/{patient_b1.uuid}/").status_code == 200


def test_an_admin_cannot_lock_themselves_out(as_admin_a, admin_a):
    membership = Membership.objects.get(user=admin_a)
    response = as_admin_a.post(
        f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"}, follow=True
    )
    assert "cannot change your own" in response.content.decode()
    assert Membership.objects.get(user=admin_a).is_active


def test_the_staff_list_shows_only_this_clinic(as_admin_a, clinician_b):
    body = as_admin_a.get("/portal/staff/").content.decode()
    assert clinician_b.email not in body


def test_a_pending_invitation_can_be_cancelled(as_admin_a):
    invite_staff(as_admin_a, "late@example.test")
    invitation = Invitation.objects.get()
    as_admin_a.post(f"/portal/staff/invitations/{invitation.uuid}/cancel/", {"confirm": "1"})
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="invitation.revoke").exists()


def test_cancelling_an_invitation_asks_first_and_asking_changes_nothing(
    as_admin_a, settings, django_capture_on_commit_callbacks
):
    """Before: "Cancel invitation" killed the link at once, without a question, like no
    other destructive button of the portal. Now the button leads to a page that says what
    happens (no JavaScript needed); only its confirm button cancels."""
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(as_admin_a, "late@example.test", name="Late Comer")
    run_tasks()  # refused by the mail server: the e-mail waits for a retry
    invitation, email = Invitation.objects.get(), OutgoingEmail.objects.get()
    url = f"/portal/staff/invitations/{invitation.uuid}/cancel/"
    listed = as_admin_a.get("/portal/staff/").content.decode()
    assert f'action="{url}"' in listed and "Cancel invitation…" in listed
    events = AuditEvent.objects.count()
    with tables_written() as written:
        asked = as_admin_a.post(url)
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "Cancel the invitation to Late Comer?" in text
    assert "The link in the invitation sent to late@example.test stops working" in text
    assert "You can invite them again" in text
    assert 'name="confirm" value="1"' in text and 'href="/portal/staff/"' in text
    assert "Keep the invitation" in text
    # Nothing changed: no row written (the session aside), no audit event, and the
    # waiting e-mail still goes out with a link that works.
    assert written <= {"django_session"}, written
    assert AuditEvent.objects.count() == events
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert invitation_email_stopped(email) == ""
    assert OutgoingEmail.objects.get().status == email.status == "retrying"
    # A sending that is not the confirmation page's (a field other than "1") asks again.
    assert as_admin_a.post(url, {"confirm": "yes"}).status_code == 200
    # Confirmed: the link stops working and its e-mail is not sent.
    done = as_admin_a.post(url, {"confirm": "1"}, follow=True)
    assert "The invitation to late@example.test no longer works." in done.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    deliver_email.call(email.pk)
    assert mail.outbox == [] and OutgoingEmail.objects.get().status == "stopped"


def test_another_clinics_invitation_cannot_be_cancelled(as_admin_a, clinician_b, clinic_b):
    from clinic.invitations import invitation_issue
    from tests.conftest import actor_of

    invitation, _ = invitation_issue(
        actor=actor_of(clinician_b),
        kind=Invitation.Kind.STAFF,
        channel=Invitation.Channel.EMAIL,
        email="b.hire@example.test",
        clinic=clinic_b,
        role="clinician",
    )
    response = as_admin_a.post(
        f"/portal/staff/invitations/{invitation.uuid}/cancel/", {"confirm": "1"}
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Two-factor recovery -------------------------------------------------------------


def test_an_admin_resets_a_colleagues_two_factor_audited_and_told(
    as_admin_a, clinician_a, django_capture_on_commit_callbacks
):
    TOTP.activate(clinician_a, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_a)
    with django_capture_on_commit_callbacks(execute=True):
        as_admin_a.post(
            f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"}
        )
    assert not Authenticator.objects.filter(user=clinician_a).exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.target_user == clinician_a
    run_tasks()
    assert mail.outbox[-1].to == [clinician_a.email]
    assert "reset" in mail.outbox[-1].subject


def test_a_two_factor_reset_while_the_mail_server_is_down_is_done_and_its_notice_sent_later(
    as_admin_a, clinician_a, settings, django_capture_on_commit_callbacks
):
    """Before: the reset was saved, then its e-mail failed inside the request: HTTP 500."""
    TOTP.activate(clinician_a, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_a)
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    with django_capture_on_commit_callbacks(execute=True):
        page = as_admin_a.post(
            f"/portal/staff/{membership.uuid}/",
            {"action": "reset_2fa", "confirm": "1"},
            follow=True,
        )
    assert page.status_code == 200
    text = page.content.decode()
    assert "two-factor sign-in was reset" in text and "The e-mail telling them is queued" in text
    assert not Authenticator.objects.filter(user=clinician_a).exists()
    assert AuditEvent.objects.filter(action="mfa.reset", target_user=clinician_a).exists()
    run_tasks()  # refused by the mail server
    email = OutgoingEmail.objects.get()
    assert (email.kind, email.status, email.recipient) == ("mfa_reset", "retrying", clinician_a)
    assert mail.outbox == []
    settings.EMAIL_BACKEND = MAIL_SERVER_BACK
    deliver_email.call(email.pk)
    assert mail.outbox[-1].to == [clinician_a.email] and "reset" in mail.outbox[-1].subject


def test_nobody_resets_their_own_second_factor_from_the_staff_page(as_admin_a, admin_a):
    TOTP.activate(admin_a, generate_totp_secret())
    membership = Membership.objects.get(user=admin_a)
    response = as_admin_a.post(
        f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"}, follow=True
    )
    assert "cannot change your own" in response.content.decode()
    assert Authenticator.objects.filter(user=admin_a).exists()


def test_a_clinician_cannot_reset_anyones_second_factor(as_clinician_a, admin_a):
    TOTP.activate(admin_a, generate_totp_secret())
    membership = Membership.objects.get(user=admin_a)
    response = as_clinician_a.post(
        f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"}
    )
    assert response.status_code == 403
    assert Authenticator.objects.filter(user=admin_a).exists()


def test_platform_accounts_are_not_reset_by_a_clinic(as_admin_a, clinic_a):
    platform = make_user("ops@example.test", "Platform Ops")
    platform.is_staff = True
    platform.save()
    membership = MembershipFactory(user=platform, clinic=clinic_a)
    TOTP.activate(platform, generate_totp_secret())
    response = as_admin_a.post(
        f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"}, follow=True
    )
    assert "managed by the platform team" in response.content.decode()
    assert Authenticator.objects.filter(user=platform).exists()


# A sign-in's second factor guards every clinic the account opens: one clinic resets it only
# for an account that is its own alone (clinic.services._guard_account_is_this_clinics_alone).


def _reset_refused(client, membership, user) -> str:
    response = client.post(
        f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"}, follow=True
    )
    assert Authenticator.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()
    assert mail.outbox == []
    return response.content.decode()


def test_a_colleague_who_also_works_at_another_clinic_is_reset_by_the_platform_team_only(
    as_admin_a, clinic_a, clinician_ab
):
    TOTP.activate(clinician_ab, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_ab, clinic=clinic_a)
    page = _reset_refused(as_admin_a, membership, clinician_ab)
    assert "another clinic" in page
    assert "Ask the platform team" in page


def test_a_former_colleague_now_at_another_clinic_cannot_be_reset_through_the_old_membership(
    as_admin_a, clinic_a, clinician_b
):
    old = MembershipFactory(user=clinician_b, clinic=clinic_a, is_active=False)
    TOTP.activate(clinician_b, generate_totp_secret())
    assert "Reactivate" in _reset_refused(as_admin_a, old, clinician_b)


def test_a_colleague_who_is_a_patient_of_another_clinic_is_not_reset_by_this_one(
    as_admin_a, clinician_a, clinic_b
):
    patient = make_patient(clinic_b, "Cleo", "Clinician", login=False)
    patient.user = clinician_a
    patient.save(update_fields=["user"])
    TOTP.activate(clinician_a, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_a)
    assert "another clinic" in _reset_refused(as_admin_a, membership, clinician_a)


def test_once_the_other_clinic_has_let_them_go_this_clinic_resets_them(
    as_admin_a, clinic_a, clinic_b, clinician_ab
):
    Membership.objects.filter(user=clinician_ab, clinic=clinic_b).update(is_active=False)
    TOTP.activate(clinician_ab, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_ab, clinic=clinic_a)
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"})
    assert not Authenticator.objects.filter(user=clinician_ab).exists()


@pytest.mark.parametrize("second_change", ["demote", "deactivate"])
def test_two_admins_removing_each_other_at_once_leave_the_clinic_one_admin(
    clinic_a, admin_a, second_change
):
    """Both pages are sent at the same moment: each request checked its sender was an admin
    before either change was written. The second is refused: its sender no longer manages
    staff, and it would leave the clinic with no admin."""
    from clinic.models import Membership
    from clinic.services import StaffError, membership_change_role, membership_set_active
    from tests.conftest import actor_of, make_staff

    second = make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN, "Second Admin")
    first_actor, second_actor = actor_of(admin_a), actor_of(second)
    membership_change_role(
        actor=first_actor, membership=second.memberships.get(), role=Membership.Role.CLINICIAN
    )
    with pytest.raises(StaffError):
        if second_change == "demote":
            membership_change_role(
                actor=second_actor,
                membership=admin_a.memberships.get(),
                role=Membership.Role.CLINICIAN,
            )
        else:
            membership_set_active(
                actor=second_actor, membership=admin_a.memberships.get(), active=False
            )
    assert list(
        Membership.objects.filter(clinic=clinic_a, role="admin")
        .active()
        .values_list("user", flat=True)
    ) == [admin_a.pk]


def _invite_nell(client, capture):
    with capture(execute=True):
        response = client.post(
            "/portal/staff/",
            {"full_name": "Nell Park", "email": "nell@example.test", "role": "clinician"},
        )
    assert response.status_code == 302


def test_a_delivered_invitation_link_is_not_killed_by_the_retry_of_its_email(
    as_admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    """The mail server takes the invitation, but its answer is lost (the connection drops
    after the message was accepted): the worker counts a failure and retries. Each sending
    made a new token, so the link already in the invitee's inbox stopped working."""
    import smtplib
    from datetime import timedelta

    import time_machine
    from django.core.mail import EmailMessage
    from django.utils import timezone

    real_send = EmailMessage.send
    calls = []

    def accepted_then_dropped(self, fail_silently=False):
        calls.append(1)
        sent = real_send(self, fail_silently)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection closed")
        return sent

    monkeypatch.setattr(EmailMessage, "send", accepted_then_dropped)
    _invite_nell(as_admin_a, django_capture_on_commit_callbacks)
    run_tasks()
    assert len(mail.outbox) == 1  # delivered, though the worker saw an error
    delivered = link_from_outbox()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        run_tasks()  # the retry
    assert len(mail.outbox) == 2 and link_from_outbox() == delivered
    assert open_invitation(Client(), delivered).status_code == 200


def test_an_invitation_resent_by_emails_resume_keeps_the_delivered_link_working(
    as_admin_a, django_capture_on_commit_callbacks
):
    """emails_resume sends again an e-mail left 'sending' (the worker died right after the
    mail server took it: 'at most one copy too many'). The copy killed the first link."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from clinic.tasks import emails_resume

    _invite_nell(as_admin_a, django_capture_on_commit_callbacks)
    run_tasks()
    delivered = link_from_outbox()
    email = OutgoingEmail.objects.get()
    OutgoingEmail.objects.filter(pk=email.pk).update(status="sending", attempts=0)
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        emails_resume.call()
        run_tasks()
    assert len(mail.outbox) == 2
    assert open_invitation(Client(), delivered).status_code == 200


def test_cancelling_an_invitation_accepted_meanwhile_never_says_its_link_stops_working(
    as_admin_a,
):
    """Review (h5): the admin's staff list is a few minutes old; the invitee has joined
    meanwhile. "Cancel invitation…" asks "Cancel the invitation to Late Comer? The link
    ... stops working at once", and its confirmation says "The invitation ... no longer
    works": nothing was cancelled (invitations_revoke revokes usable ones only) and Late
    Comer is on the staff, while the admin believes they stopped them joining."""
    invite_staff(as_admin_a, "late@example.test", name="Late Comer")
    invitation = Invitation.objects.get()
    from django.utils import timezone

    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    url = f"/portal/staff/invitations/{invitation.uuid}/cancel/"
    asked = html.unescape(as_admin_a.post(url).content.decode())
    done = html.unescape(as_admin_a.post(url, {"confirm": "1"}, follow=True).content.decode())
    assert "stops working at once" not in asked
    assert "no longer works" not in done
    assert "late@example.test has already accepted the invitation" in done
    assert not AuditEvent.objects.filter(action="invitation.revoke").exists()


# --- Deactivate and Reset two-factor without JavaScript ------------------------------


def _staff_button(page: str, action: str, membership) -> str:
    """The list's button for `action` ("deactivate", "reset_2fa"): the tag that opens its dialog."""
    start = page.index(f'data-bs-target="#{action}-{membership.uuid}"')
    return page[page.rindex("<", 0, start) : page.index(">", start) + 1]


def test_deactivating_asks_on_a_page_of_its_own_that_works_without_javascript(
    as_admin_a, clinician_a, patient_a1, patient_a2
):
    """Before: "Deactivate" only opened a Bootstrap dialog, so without JavaScript it did
    nothing. Now it is a link to a page that asks the same (patients in charge of
    included), whose button acts; with JavaScript the link still opens the dialog."""
    membership = Membership.objects.get(user=clinician_a)
    confirm_url = f"/portal/staff/{membership.uuid}/confirm/?action=deactivate"
    listed = as_admin_a.get("/portal/staff/").content.decode()
    button = _staff_button(listed, "deactivate", membership)
    assert button.startswith("<a ") and f'href="{html.escape(confirm_url)}"' in button
    assert 'data-bs-toggle="modal"' in button
    dialog = listed.index(f'id="deactivate-{membership.uuid}"')
    assert 'name="confirm" value="1"' in listed[dialog : listed.index("</form>", dialog)]
    with tables_written() as written:
        asked = as_admin_a.get(confirm_url)
    assert asked.status_code == 200
    assert written <= {"django_session"}, written
    text = " ".join(html.unescape(asked.content.decode()).split())
    assert "Deactivate Cleo Clinician?" in text
    assert "They will be signed out" in text
    assert "Cleo Clinician is in charge of 2 patients." in text
    assert f'action="/portal/staff/{membership.uuid}/"' in text
    assert 'name="action" value="deactivate"' in text and 'name="confirm" value="1"' in text
    assert 'href="/portal/staff/"' in text
    # A sending without the page's confirm=1 (a list page from before) asks first too.
    unconfirmed = as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "deactivate"})
    assert unconfirmed.status_code == 200 and "Deactivate Cleo Clinician?" in html.unescape(
        unconfirmed.content.decode()
    )
    assert Membership.objects.get(pk=membership.pk).is_active
    done = as_admin_a.post(
        f"/portal/staff/{membership.uuid}/",
        {"action": "deactivate", "confirm": "1"},
        follow=True,
    )
    assert "was deactivated" in done.content.decode()
    assert not Membership.objects.get(pk=membership.pk).is_active
    # The page opened again in a second tab once that is done says so, and asks nothing.
    again = as_admin_a.get(confirm_url, follow=True)
    assert "already deactivated" in html.unescape(again.content.decode())
    assert again.redirect_chain[-1][0] == "/portal/staff/"


def test_resetting_two_factor_asks_on_a_page_of_its_own_that_works_without_javascript(
    as_admin_a, clinician_a, django_capture_on_commit_callbacks
):
    TOTP.activate(clinician_a, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_a)
    confirm_url = f"/portal/staff/{membership.uuid}/confirm/?action=reset_2fa"
    listed = as_admin_a.get("/portal/staff/").content.decode()
    button = _staff_button(listed, "reset_2fa", membership)
    assert button.startswith("<a ") and f'href="{html.escape(confirm_url)}"' in button
    asked = as_admin_a.get(confirm_url)
    text = " ".join(html.unescape(asked.content.decode()).split())
    assert "Reset two-factor sign-in for Cleo Clinician?" in text
    assert "Only do this if they lost their authenticator app" in text
    assert 'name="action" value="reset_2fa"' in text and 'name="confirm" value="1"' in text
    assert Authenticator.objects.filter(user=clinician_a).exists()
    unconfirmed = as_admin_a.post(f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa"})
    assert unconfirmed.status_code == 200
    assert Authenticator.objects.filter(user=clinician_a).exists()
    with django_capture_on_commit_callbacks(execute=True):
        as_admin_a.post(
            f"/portal/staff/{membership.uuid}/", {"action": "reset_2fa", "confirm": "1"}
        )
    assert not Authenticator.objects.filter(user=clinician_a).exists()


def test_the_confirmation_pages_are_this_clinics_and_ask_only_about_these_actions(
    as_admin_a, clinician_b, clinician_a
):
    other = Membership.objects.get(user=clinician_b)
    assert (
        as_admin_a.get(f"/portal/staff/{other.uuid}/confirm/?action=deactivate").status_code == 404
    )
    own = Membership.objects.get(user=clinician_a)
    for action in ("", "reactivate", "role"):
        page = as_admin_a.get(f"/portal/staff/{own.uuid}/confirm/?action={action}")
        assert page.status_code == 302 and page["Location"] == "/portal/staff/"


def test_a_double_click_on_reset_two_factor_is_not_reported_as_a_failure(
    as_admin_a, clinician_a, django_capture_on_commit_callbacks
):
    """Before: the second sending found no second factor left to reset and said "Cleo
    Clinician has no two-factor sign-in to reset." in red: the browser shows the answer to
    the last click, so the admin was told the reset failed when it was done and its e-mail
    queued. Now the dialog and the page send a `once` token and the second sending is
    told it was done once; one reset, one e-mail."""
    import re

    TOTP.activate(clinician_a, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_a)
    listed = as_admin_a.get("/portal/staff/").content.decode()
    dialog = listed.index(f'id="reset_2fa-{membership.uuid}"')
    in_dialog = listed[dialog : listed.index("</form>", dialog)]
    asked = as_admin_a.get(f"/portal/staff/{membership.uuid}/confirm/?action=reset_2fa")
    for form in (in_dialog, asked.content.decode()):
        token = re.search(r'name="once" value="([^"]+)"', form).group(1)
        sending = {"action": "reset_2fa", "confirm": "1", "once": token}
        with django_capture_on_commit_callbacks(execute=True):
            as_admin_a.post(f"/portal/staff/{membership.uuid}/", sending)
            second = as_admin_a.post(f"/portal/staff/{membership.uuid}/", sending, follow=True)
        text = html.unescape(second.content.decode())
        assert "has no two-factor sign-in to reset" not in text
        assert "sent twice" in text
        TOTP.activate(clinician_a, generate_totp_secret())  # for the page's turn
    assert AuditEvent.objects.filter(action="mfa.reset").count() == 2
    assert OutgoingEmail.objects.filter(kind="mfa_reset").count() == 2


def test_a_double_click_on_deactivate_is_saved_once(as_admin_a, clinician_a):
    """The Deactivate page now carries a once token, but staff_update records no sending
    for a deactivation: the second sending of the same page deactivates again, says
    "was deactivated" a second time and writes a second staff.deactivate to the audit
    trail, where a double click on Reset two-factor says "sent twice" and writes one."""
    import re

    membership = Membership.objects.get(user=clinician_a)
    asked = as_admin_a.get(f"/portal/staff/{membership.uuid}/confirm/?action=deactivate")
    token = re.search(r'name="once" value="([^"]+)"', asked.content.decode()).group(1)
    sending = {"action": "deactivate", "confirm": "1", "once": token}
    as_admin_a.post(f"/portal/staff/{membership.uuid}/", sending)
    second = as_admin_a.post(f"/portal/staff/{membership.uuid}/", sending, follow=True)
    assert AuditEvent.objects.filter(action="staff.deactivate").count() == 1
    assert "sent twice" in html.unescape(second.content.decode())


def test_deactivate_sent_from_a_second_tab_says_it_was_already_done(as_admin_a, clinician_a):
    """Two tabs open on the Deactivate page (two tokens): the second sending deactivated
    again, with a second staff.deactivate in the audit trail and "was deactivated"."""
    import re

    membership = Membership.objects.get(user=clinician_a)
    tokens = [
        re.search(
            r'name="once" value="([^"]+)"',
            as_admin_a.get(
                f"/portal/staff/{membership.uuid}/confirm/?action=deactivate"
            ).content.decode(),
        ).group(1)
        for _tab in range(2)
    ]
    for token in tokens:
        last = as_admin_a.post(
            f"/portal/staff/{membership.uuid}/",
            {"action": "deactivate", "confirm": "1", "once": token},
            follow=True,
        )
    assert AuditEvent.objects.filter(action="staff.deactivate").count() == 1
    assert "is already deactivated" in html.unescape(last.content.decode())


def test_reset_two_factor_is_offered_only_for_a_colleague_who_has_it(
    as_admin_a, clinician_a, admin_a
):
    """Before: every colleague's row had "Reset two-factor", and its page asked to reset a
    second factor the colleague never set up, then failed when the admin confirmed."""
    membership = Membership.objects.get(user=clinician_a)
    confirm_url = f"/portal/staff/{membership.uuid}/confirm/?action=reset_2fa"
    listed = as_admin_a.get("/portal/staff/").content.decode()
    assert f'data-bs-target="#reset_2fa-{membership.uuid}"' not in listed
    assert f'data-bs-target="#deactivate-{membership.uuid}"' in listed
    asked = as_admin_a.get(confirm_url, follow=True)
    assert asked.redirect_chain[-1][0] == "/portal/staff/"
    assert "has no two-factor sign-in to reset" in html.unescape(asked.content.decode())
    TOTP.activate(clinician_a, generate_totp_secret())
    listed = as_admin_a.get("/portal/staff/").content.decode()
    assert _staff_button(listed, "reset_2fa", membership).startswith("<a ")
    assert as_admin_a.get(confirm_url).status_code == 200


def test_the_reset_page_says_why_a_second_factor_is_not_this_clinics_to_reset_before_asking(
    as_admin_a, clinic_a, clinician_ab
):
    """Before: the page asked "Reset two-factor sign-in for …?" for a colleague who also
    works at another clinic (or a platform account), and only the confirmed reset said it
    was not this clinic's to do. The page now says why, and asks nothing."""
    TOTP.activate(clinician_ab, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_ab, clinic=clinic_a)
    page = as_admin_a.get(f"/portal/staff/{membership.uuid}/confirm/?action=reset_2fa", follow=True)
    text = html.unescape(page.content.decode())
    assert page.redirect_chain[-1][0] == "/portal/staff/"
    assert "another clinic" in text and "Ask the platform team" in text
    assert Authenticator.objects.filter(user=clinician_ab).exists()


def test_a_two_factor_reset_that_fails_half_way_removes_nothing(monkeypatch, admin_a, clinician_a):
    """The reset removes the second factor, then audits it and queues the e-mail, in one
    transaction: a failure after the removal leaves the second factor in place, never a
    reset nobody recorded or told."""
    from clinic import services
    from tests.conftest import actor_of

    TOTP.activate(clinician_a, generate_totp_secret())
    membership = Membership.objects.get(user=clinician_a)

    def fails(*args, **kwargs):
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(services.audit, "record", fails)
    with pytest.raises(RuntimeError):
        services.member_reset_two_factor(actor=actor_of(admin_a), membership=membership)
    assert Authenticator.objects.filter(user=clinician_a).exists()


def test_reset_two_factor_is_not_offered_where_the_reset_would_be_refused(
    as_admin_a, clinic_a, clinic_b, clinician_a, clinician_ab
):
    """Before: the list showed "Reset two-factor" for a platform account and for a
    colleague whose sign-in also opens another clinic's records (as staff or as a
    patient); its page then said the reset was not this clinic's to do. The list now
    offers it only where the reset would go through (services.two_factor_reset_offered,
    on the same rule as the reset's own check)."""
    platform = make_staff(clinic_a, "ops@example.test", "clinician", "Platform Ops")
    platform.is_staff = True
    platform.save()
    patient_elsewhere = make_staff(clinic_a, "pat@example.test", "clinician", "Pat Elsewhere")
    record = make_patient(clinic_b, "Pat", "Elsewhere", login=False)
    record.user = patient_elsewhere
    record.save()
    for user in (clinician_a, clinician_ab, platform, patient_elsewhere):
        TOTP.activate(user, generate_totp_secret())
    listed = as_admin_a.get("/portal/staff/").content.decode()
    for user, offered in (
        (clinician_a, True),
        (clinician_ab, False),
        (platform, False),
        (patient_elsewhere, False),
    ):
        membership = Membership.objects.get(user=user, clinic=clinic_a)
        assert (f'data-bs-target="#reset_2fa-{membership.uuid}"' in listed) is offered, user
        assert f'data-bs-target="#deactivate-{membership.uuid}"' in listed
        # What the list does not offer, the reset refuses.
        refused = as_admin_a.get(
            f"/portal/staff/{membership.uuid}/confirm/?action=reset_2fa", follow=True
        )
        assert (refused.redirect_chain == []) is offered, user
