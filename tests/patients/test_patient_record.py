from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from clinic.models import AuditEvent
from patients.models import Patient
from tests.clinic.test_invitations import invite  # noqa: F401 - a fixture
from tests.conftest import caseload_search, make_patient

# A date of birth of tomorrow, worked out when the test runs (see the test below).
TOMORROW = "tomorrow"


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Rita",
        "last_name": "Novak",
        "date_of_birth": "1970-01-02",
        "email": "rita@example.test",
        "phone": "+1 555 010 4321",
        "preferred_language": "en",
        "clinician": "",
    }
    data.update(overrides)
    return data


def test_a_clinician_creates_a_patient_and_it_is_audited(as_clinician_a, clinician_a, clinic_a):
    response = as_clinician_a.post("/portal/patients/new/", form_data())
    patient = Patient.objects.get(last_name="Novak")
    assert response["Location"] == f"/portal/patients/{patient.uuid}/"
    assert patient.clinic == clinic_a
    event = AuditEvent.objects.get(action="patient.create")
    assert (event.actor, event.clinic, event.patient_uuid) == (clinician_a, clinic_a, patient.uuid)
    assert event.actor_role == "clinician"


def test_a_second_record_of_the_same_person_is_added_only_when_said_to_be_someone_else(
    as_clinician_a, clinic_a
):
    """Found by the portal review: the same name and date of birth added twice made two
    charts of one patient, with no word."""
    first = make_patient(clinic_a, "José", "García-Ñúñez", login=False)
    Patient.objects.filter(pk=first.pk).update(date_of_birth=date(1950, 3, 4))
    typed = form_data(
        first_name="Jose", last_name="garcia-nunez", date_of_birth="1950-03-04", email=""
    )
    response = as_clinician_a.post("/portal/patients/new/", typed)
    page = response.content.decode()
    assert response.status_code == 200 and Patient.objects.count() == 1
    assert "José García-Ñúñez, born 4 Mar 1950, is already a patient here" in page
    assert f'href="/portal/patients/{first.uuid}/">open their record</a>' in page
    assert 'type="checkbox" name="different_person"' in page
    assert page.index('name="different_person"') < page.index("Save patient")  # ticked, saved
    assert not AuditEvent.objects.exists()
    # Someone else born the same day: added once it is said.
    response = as_clinician_a.post("/portal/patients/new/", {**typed, "different_person": "on"})
    assert response.status_code == 302 and Patient.objects.count() == 2
    # Another day of birth is another person: no question.
    other = {**typed, "date_of_birth": "1950-03-05", "once": "x2"}
    assert as_clinician_a.post("/portal/patients/new/", other).status_code == 302


def test_viewing_a_chart_is_audited_with_the_address(as_clinician_a, patient_a1):
    as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/", REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.get(action="patient.view")
    assert event.patient_uuid == patient_a1.uuid
    assert event.ip_address == "203.0.113.9"
    assert event.outcome == "ok"


def test_another_clinic_gets_404_and_the_attempt_is_audited_as_denied(as_clinician_b, patient_a1):
    response = as_clinician_b.get(f"/portal/patients/{patient_a1.uuid}/")
    assert response.status_code == 404
    event = AuditEvent.objects.get()
    assert event.outcome == "denied"
    assert event.object_id == str(patient_a1.uuid)
    assert event.patient_uuid is None  # nothing about clinic A's patient is confirmed


def test_opening_the_empty_form_writes_no_audit_event(as_clinician_a):
    as_clinician_a.get("/portal/patients/new/")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", TOMORROW, "cannot be in the future"),
        ("date_of_birth", "1890-01-01", "over 120"),
        ("date_of_birth", "31/31/1999", "Enter a valid date"),
        ("date_of_birth", "99999-01-01", "Enter a valid date"),
        ("email", "not-an-email", "Enter a valid email address"),
        ("first_name", "x" * 81, "at most 80 characters"),
        ("first_name", "", "This field is required"),
        ("first_name", "Ri\x00ta", "Null characters are not allowed"),
        ("phone", "call me maybe", "Enter a phone number"),
        ("preferred_language", "klingon", "Select a valid choice"),
        ("clinician", "999999", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_changes_nothing(
    as_clinician_a, field, value, message
):
    if value == TOMORROW:  # the day the test runs, not the day it was collected
        value = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = as_clinician_a.post("/portal/patients/new/", form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].has_error(field)
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_email_must_be_unique_within_the_clinic_but_not_across_clinics(
    as_clinician_a, as_clinician_b, patient_a1
):
    clash = as_clinician_a.post("/portal/patients/new/", form_data(email=patient_a1.email.upper()))
    assert "This e-mail is on the record of Amara Okafor" in clash.content.decode()
    elsewhere = as_clinician_b.post("/portal/patients/new/", form_data(email=patient_a1.email))
    assert elsewhere.status_code == 302


def test_an_email_held_by_an_archived_duplicate_says_where_and_what_to_do(
    as_clinician_a, clinic_a, patient_a1
):
    """Found by the front-desk review: a duplicate made by mistake and archived kept the
    address, and "another patient of this clinic" sent the desk looking through the
    active list, where it is not."""
    copy = make_patient(clinic_a, "Amara", "Copy", login=False, email="amara.new@example.test")
    as_clinician_a.post(f"/portal/patients/{copy.uuid}/archive/")
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/edit/",
        form_data(first_name="Amara", last_name="Okafor", email="amara.new@example.test"),
    )
    page = response.content.decode()
    assert "on the archived record of Amara Copy" in page
    assert "restore that record, change its e-mail, and archive it again" in page


def saved_first_by_another_page(monkeypatch, module, name: str, clinic, email: str) -> None:
    """Another tab's or colleague's patient with `email` is saved just after this page's
    form was checked, just before its own save (`module.name`): both pages passed the
    form's check, and the database's unique rule refused the second with a 500."""
    real = getattr(module, name)

    def other_page_first(**kwargs):
        make_patient(clinic, "Other", "Page", email=email)
        return real(**kwargs)

    monkeypatch.setattr(module, name, other_page_first)


def test_a_new_patient_whose_email_another_page_took_meanwhile_gets_the_form_back(
    as_clinician_a, clinic_a, monkeypatch
):
    from patients.views import records

    saved_first_by_another_page(
        monkeypatch, records, "patient_create", clinic_a, "rita@example.test"
    )
    response = as_clinician_a.post("/portal/patients/new/", form_data())
    assert response.status_code == 200
    assert "already uses this e-mail" in response.content.decode()
    # (The other page's patient is undone with this request's transaction here: in life
    # it was saved by its own.)
    assert not Patient.objects.filter(first_name="Rita").exists()


def test_an_edit_giving_an_email_another_page_took_meanwhile_gets_the_form_back(
    as_clinician_a, clinic_a, patient_a1, monkeypatch
):
    from patients.views import records

    saved_first_by_another_page(
        monkeypatch, records, "patient_update", clinic_a, "shared@example.test"
    )
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/edit/").content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/edit/",
        form_data(
            first_name=patient_a1.first_name,
            last_name=patient_a1.last_name,
            email="shared@example.test",
            seen=seen,
        ),
    )
    assert response.status_code == 200
    assert "already uses this e-mail" in response.content.decode()
    patient_a1.refresh_from_db()
    assert patient_a1.email != "shared@example.test"


def test_a_clinician_of_another_clinic_cannot_be_put_in_charge(as_clinician_a, clinician_b):
    response = as_clinician_a.post("/portal/patients/new/", form_data(clinician=clinician_b.pk))
    assert response.context["form"].has_error("clinician")


def test_clearing_the_email_of_a_patient_with_a_login_says_what_follows(frontdesk_a, patient_a1):
    """Found by the review of the day's diff: cleared, the address's login stopped opening
    the record and the desk was told to "invite again at the new address", of which there
    was none. The form says it before the save, and the message after fits."""
    from tests.conftest import client_for

    desk = client_for(frontdesk_a)
    url = f"/portal/patients/{patient_a1.uuid}/edit/"
    assert "Changed or cleared, their login no longer opens" in desk.get(url).content.decode()
    response = desk.post(
        url, form_data(first_name="Amara", last_name="Okafor", email=""), follow=True
    )
    page = response.content.decode()
    assert "add theirs to invite them again" in page and "at the new address" not in page


def test_the_front_desk_is_never_offered_as_the_clinician_in_charge(
    frontdesk_a, clinician_a, admin_a
):
    """Found by the front-desk review: a patient the front desk added was in the
    receptionist's charge unless changed, and their urgent signs on no clinician's list."""
    from tests.conftest import client_for

    desk = client_for(frontdesk_a)
    form = desk.get("/portal/patients/new/").context["form"]
    offered = set(form.fields["clinician"].queryset)
    assert form.fields["clinician"].initial is None
    assert frontdesk_a not in offered and {clinician_a, admin_a} <= offered
    response = desk.post("/portal/patients/new/", form_data(clinician=frontdesk_a.pk))
    assert response.context["form"].has_error("clinician")
    desk.post("/portal/patients/new/", form_data())
    assert Patient.objects.get(last_name="Novak").clinician is None
    # A clinician adding one is still in charge of them by default.
    mine = client_for(clinician_a).get("/portal/patients/new/").context["form"]
    assert mine.fields["clinician"].initial == clinician_a.pk


def test_editing_the_record_email_never_rekeys_the_login(as_clinician_a, patient_a1):
    """The record's address is contact data. The login belongs to the person (it may be
    a colleague's, or a patient's of another clinic): a clinic cannot re-key it."""
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/edit/", form_data(email="new.address@example.test")
    )
    assert response.status_code == 302
    login = patient_a1.user
    patient_a1.refresh_from_db()
    login.refresh_from_db()
    assert patient_a1.email == "new.address@example.test"
    assert login.email == "amara.okafor@example.test"
    assert AuditEvent.objects.filter(action="patient.update", patient_uuid=patient_a1.uuid).exists()
    # Nor does the old address's login open the record any more: the patient is invited
    # at the new one (below).
    assert patient_a1.user is None


def test_a_stranger_who_took_a_mistyped_invitation_is_shut_out_when_it_is_put_right(
    invite,  # noqa: F811 - the fixture imported above
    frontdesk_a,
    clinic_a,
):
    """Found by the front-desk review: invited at "@exmaple.test", whoever read that
    mailbox made the login and read Nia's program; after the desk put the address right
    they still did, Nia could not be invited ("already has a login"), and nothing on the
    chart could undo it."""
    from django.test import Client

    from tests.clinic.test_invitations import CHOOSE
    from tests.conftest import client_for
    from tests.signin import link_from_outbox, open_invitation

    as_frontdesk_a = client_for(frontdesk_a)
    nia = make_patient(clinic_a, "Nia", "Brooks", login=False, email="nia.brooks@exmaple.test")
    invite(as_frontdesk_a, nia)
    stranger = Client()
    open_invitation(stranger, link_from_outbox())
    stranger.post("/invite/", CHOOSE)
    assert stranger.get("/me/").status_code == 200

    response = as_frontdesk_a.post(
        f"/portal/patients/{nia.uuid}/edit/",
        form_data(first_name="Nia", last_name="Brooks", email="nia.brooks@example.test"),
        follow=True,
    )
    assert "no longer opens this record" in response.content.decode()
    shut_out = stranger.get("/me/")
    assert shut_out.status_code == 403 and "Nia" not in shut_out.content.decode()
    # Told what it means and what to do (found by the review of the day's diff: "You
    # cannot open this page" was all a patient whose address was put right read).
    assert "call your clinic" in shut_out.content.decode()
    assert AuditEvent.objects.filter(action="patient.unlink", patient_uuid=nia.uuid).exists()
    # Nia is invited at her own address, and her link makes her login.
    mail.outbox.clear()
    assert invite(as_frontdesk_a, nia).status_code == 302
    assert mail.outbox[-1].to == ["nia.brooks@example.test"]


def test_a_stale_details_page_never_overwrites_a_colleagues_change_unseen(
    as_clinician_a, admin_a, patient_a1
):
    from tests.conftest import client_for
    from tests.patients.test_intake import as_shown

    url = f"/portal/patients/{patient_a1.uuid}/edit/"
    stale = as_shown(as_clinician_a.get(url))
    as_admin = client_for(admin_a)
    fresh = as_shown(as_admin.get(url))
    as_admin.post(url, {**fresh, "email": "amara.new@example.test"})
    refused = as_clinician_a.post(url, {**stale, "phone": "+44 20 7946 0000"})
    assert refused.status_code == 200
    assert "E-mail: amara.new@example.test" in refused.content.decode()
    patient_a1.refresh_from_db()
    assert (patient_a1.email, patient_a1.phone) == ("amara.new@example.test", "")
    # A page from before the check (no version sent) is saved as before.
    old_page = {k: v for k, v in stale.items() if k != "seen"}
    assert as_clinician_a.post(url, {**old_page, "phone": "+44 20 7946 0000"}).status_code == 302


def _reads(user, patient) -> int:
    return AuditEvent.objects.filter(
        actor=user, action="patient.view", patient_uuid=patient.uuid, outcome="ok"
    ).count()


def test_the_details_page_refused_as_edited_meanwhile_audits_the_record_it_shows(
    as_clinician_a, clinician_a, admin_a, patient_a1
):
    """The refused page shows what the record says now (a colleague's new e-mail): a read
    of the record like the page's GET, which was the only answer audited."""
    from tests.conftest import client_for
    from tests.patients.test_intake import as_shown

    url = f"/portal/patients/{patient_a1.uuid}/edit/"
    stale = as_shown(as_clinician_a.get(url))
    as_admin = client_for(admin_a)
    as_admin.post(url, {**as_shown(as_admin.get(url)), "email": "amara.moved@example.test"})
    before = _reads(clinician_a, patient_a1)
    refused = as_clinician_a.post(url, {**stale, "phone": "+44 20 7946 0000"})
    assert refused.status_code == 200
    assert "amara.moved@example.test" in refused.content.decode()
    assert _reads(clinician_a, patient_a1) == before + 1


def test_the_details_form_sent_back_with_an_error_audits_the_record_it_shows(
    as_clinician_a, clinician_a, patient_a1
):
    """The form sent back with an error shows the record again (name, login state), as
    the intake, goal, visit and discharge forms do, and each of them audits it."""
    from tests.patients.test_intake import as_shown

    url = f"/portal/patients/{patient_a1.uuid}/edit/"
    page = as_shown(as_clinician_a.get(url))
    before = _reads(clinician_a, patient_a1)
    refused = as_clinician_a.post(url, {**page, "date_of_birth": "not a date"})
    assert refused.status_code == 200
    assert "Okafor" in refused.content.decode()
    assert _reads(clinician_a, patient_a1) == before + 1


@pytest.mark.parametrize("page", ["edit/", "intake/"])
def test_a_double_click_on_save_is_no_colleagues_edit(as_clinician_a, patient_a1, page):
    """The second sending of a double click carries the version the first replaced; the
    record already says what it sends, so it is saved, not "someone saved this record"."""
    from tests.patients.test_intake import as_shown

    url = f"/portal/patients/{patient_a1.uuid}/{page}"
    change = {"phone": "+44 20 7946 0000"}
    if page == "intake/":
        as_clinician_a.post(url, {"diagnosis": "Low back pain", "region": "low_back"})
        change = {"diagnosis": "Non-specific low back pain"}
    data = {**as_shown(as_clinician_a.get(url)), **change}
    assert as_clinician_a.post(url, data).status_code == 302
    assert as_clinician_a.post(url, data).status_code == 302


def test_a_login_linked_meanwhile_is_no_conflict_with_the_details_page(
    as_clinician_a, clinician_a, clinic_a
):
    """The patient accepting an invitation saves the record (its login), not a field the
    details page edits: the clinician's save goes through, and the link stays."""
    from clinic.actors import Actor
    from clinic.invitations import invitation_issue
    from clinic.models import Invitation
    from patients.services import PatientAcceptor
    from tests.conftest import actor_of, make_user
    from tests.patients.test_intake import as_shown

    nia = make_patient(clinic_a, "Nia", "Brooks", login=False)
    url = f"/portal/patients/{nia.uuid}/edit/"
    page = as_shown(as_clinician_a.get(url))
    invitation, _token = invitation_issue(
        actor=actor_of(clinician_a),
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.EMAIL,
        email=nia.email,
        clinic=clinic_a,
        patient_uuid=nia.uuid,
    )
    login = make_user(nia.email, "Nia Brooks")
    PatientAcceptor().accept(invitation, login, Actor(login, "patient", clinic_a, "127.0.0.1"))
    assert as_clinician_a.post(url, {**page, "phone": "+44 20 7946 0000"}).status_code == 302
    nia.refresh_from_db()
    assert nia.phone == "+44 20 7946 0000" and nia.user == login


def test_archive_asks_first_then_hides_the_patient_and_ends_their_access(
    as_clinician_a, as_patient_a1, patient_a1
):
    confirm = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/archive/")
    assert "Archive Amara Okafor?" in confirm.content.decode()
    patient_a1.refresh_from_db()
    assert patient_a1.is_active  # a GET changes nothing
    as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/archive/")
    patient_a1.refresh_from_db()
    patient_a1.user.refresh_from_db()
    assert patient_a1.status == "archived"
    # Access ends through the record; the account itself is left alone.
    assert patient_a1.user.is_active and as_patient_a1.get("/me/").status_code == 403
    active = [p.last_name for p in as_clinician_a.get("/portal/").context["page"]]
    archived = [p.last_name for p in as_clinician_a.get("/portal/?status=archived").context["page"]]
    assert "Okafor" not in active
    assert archived == ["Okafor"]


def test_restore_brings_the_patient_back(as_clinician_a, patient_a1):
    as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/archive/")
    as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/restore/")
    patient_a1.refresh_from_db()
    patient_a1.user.refresh_from_db()
    assert patient_a1.is_active and patient_a1.user.is_active
    actions = list(
        AuditEvent.objects.filter(patient_uuid=patient_a1.uuid).values_list("action", flat=True)
    )
    assert "patient.archive" in actions and "patient.restore" in actions


def test_patients_are_never_deleted_from_the_admin():
    from django.contrib.admin.sites import site

    assert site._registry[Patient].has_delete_permission(request=None) is False


def test_the_django_admin_shows_records_read_only_and_audits_every_read(db, patient_a1):
    """Platform staff can find a record across clinics; each record listed or opened is in
    its clinic's audit log, and nothing can be changed there (no service, no audit)."""
    from clinic.models import User
    from tests.conftest import client_for

    root = client_for(User.objects.create_superuser("root@example.test", "root's own phrase"))
    listing = root.get("/admin/patients/patient/")
    assert listing.status_code == 200 and "Okafor" in listing.content.decode()
    listed = AuditEvent.objects.get(patient_uuid=patient_a1.uuid)
    assert (listed.action, listed.actor_role, listed.clinic_id) == (
        "patient.view", "platform", patient_a1.clinic_id
    )  # fmt: skip
    opened = root.get(f"/admin/patients/patient/{patient_a1.pk}/change/")
    assert opened.status_code == 200 and "Okafor" in opened.content.decode()
    assert AuditEvent.objects.filter(patient_uuid=patient_a1.uuid).count() == 2
    history = root.get(f"/admin/patients/patient/{patient_a1.pk}/history/")
    assert history.status_code == 200 and "Okafor" in history.content.decode()
    assert AuditEvent.objects.filter(patient_uuid=patient_a1.uuid).count() == 3
    changed = root.post(
        f"/admin/patients/patient/{patient_a1.pk}/change/",
        {"first_name": "Changed", "last_name": "Okafor"},
    )
    assert changed.status_code == 403
    patient_a1.refresh_from_db()
    assert patient_a1.first_name == "Amara"


def test_the_django_admin_does_not_list_or_open_patients_logins(db, patient_a1, admin_a):
    """A patient's login (their e-mail) is read in PatientAdmin, which audits it, and changed
    in the portal; the account, address and two-factor pages list staff only."""
    from clinic.models import User
    from tests.conftest import client_for

    root = client_for(User.objects.create_superuser("root@example.test", "root's own phrase"))
    listing = root.get("/admin/clinic/user/").content.decode()
    assert admin_a.email in listing and patient_a1.user.email not in listing
    found = root.get("/admin/clinic/user/", {"q": patient_a1.user.email})
    assert found.context["cl"].result_count == 0
    opened = root.get(f"/admin/clinic/user/{patient_a1.user.pk}/change/")
    assert opened.status_code in {302, 404}
    changed = root.post(
        f"/admin/clinic/user/{patient_a1.user.pk}/change/", {"email": "root@example.test"}
    )
    assert changed.status_code in {302, 404}
    patient_a1.user.refresh_from_db()
    assert patient_a1.user.email != "root@example.test"
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=patient_a1.user, email=patient_a1.user.email)
    addresses = root.get("/admin/account/emailaddress/", {"q": patient_a1.user.email})
    assert addresses.status_code == 200 and addresses.context["cl"].result_count == 0
    assert root.get("/admin/mfa/authenticator/").status_code == 200


def test_the_django_admin_never_takes_a_patients_details_in_its_address(db, patient_a1, patient_b1):
    """Before: the admin's patient list searched by name, and its search form put the name
    in the address (/admin/patients/patient/?q=Okafor): in the server's access log and the
    browser's history, against the rule "no patient data in URLs". The portal's own search
    posts the term and keeps it in the session (patients.caseload_search). The admin now
    has no name search (its page points to the portal's), and takes no filter on a
    patient's details from the address either: only the clinic and status it offers."""
    from clinic.models import User
    from tests.conftest import client_for

    root = client_for(User.objects.create_superuser("root@example.test", "root's own phrase"))
    url = "/admin/patients/patient/"
    listing = root.get(url)
    page = listing.content.decode()
    assert listing.status_code == 200 and "Okafor" in page
    assert 'name="q"' not in page  # no search box, so nothing to type a name into
    assert "Patients are not searched here" in page and "clinic portal" in page
    for details in (
        {"last_name": "Okafor"},
        {"last_name__icontains": "Oka"},
        {"first_name__startswith": "Am"},
        {"email": patient_a1.email},
        {"date_of_birth": "1980-05-17"},
        {"clinician__full_name": "Cleo Clinician"},
    ):
        assert root.get(url, details).status_code == 400, details
    # A name typed into the address by hand is not searched for.
    assert root.get(url, {"q": "Okafor"}).context["cl"].result_count == 2
    # The filters the page offers still work.
    only_a = root.get(url, {"clinic__id__exact": patient_a1.clinic_id})
    assert [p.last_name for p in only_a.context["cl"].result_list] == ["Okafor"]
    assert root.get(url, {"status__exact": "archived"}).context["cl"].result_count == 0


def test_the_django_admin_searches_staff_accounts_and_says_not_to_search_patients(db, admin_a):
    """The account list keeps its search: it lists staff and platform accounts only (a
    patient's login is not in it), and staff addresses are not patient data. Its help says
    a patient is not to be searched for there."""
    from clinic.models import User
    from tests.conftest import client_for

    root = client_for(User.objects.create_superuser("root@example.test", "root's own phrase"))
    found = root.get("/admin/clinic/user/", {"q": "admin.a@"})
    assert [u.email for u in found.context["cl"].result_list] == [admin_a.email]
    assert "never a patient&#x27;s name or address" in found.content.decode()


def test_the_django_admin_audit_trail_does_not_name_patients(db, patient_a1, admin_a):
    """The audit events' actor column named the patient (her login's name), unaudited,
    in the list and in each event's page; staff are named by their address."""
    from clinic.models import AuditEvent, User
    from tests.conftest import client_for

    client_for(patient_a1.user).get("/me/")
    client_for(admin_a).get(f"/portal/patients/{patient_a1.uuid}/")
    root = client_for(User.objects.create_superuser("root@example.test", "root's own phrase"))
    listing = root.get("/admin/clinic/auditevent/").content.decode()
    assert listing.count(admin_a.email) >= 1
    assert f"patient login #{patient_a1.user.pk}" in listing
    event = AuditEvent.objects.filter(actor=patient_a1.user).first()
    page = root.get(f"/admin/clinic/auditevent/{event.pk}/change/").content.decode()
    for shown in (listing, page):
        assert "Amara" not in shown and "Okafor" not in shown
        assert patient_a1.user.email not in shown


def test_an_archived_patient_cannot_use_the_patient_area(as_clinician_a, patient_a1, as_patient_a1):
    as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/archive/")
    assert as_patient_a1.get("/me/").status_code in {302, 403}


# The only POSTs an archived record takes: restoring it, archiving it again (a double
# click: "already archived"), and two that only read it.
ARCHIVED_CHANGES = {
    "patient_restore",
    "patient_archive",
    "patient_report",
    "patient_program_save_as_template",
}


def patient_post_routes() -> list[tuple[str, list[str]]]:
    """Every portal route under one patient: (name, its URL arguments)."""
    from django.urls import get_resolver

    resolver = get_resolver().namespace_dict["patients"][1]
    routes = []
    for pattern in resolver.url_patterns:
        arguments = list(pattern.pattern.converters)
        if arguments[:1] == ["patient_uuid"]:
            routes.append((pattern.name, arguments))
    return routes


def test_an_archived_record_takes_no_change_through_any_page(as_admin_a, patient_a1, clinician_a):
    """Archived means read-only until restored. Each view used to check that itself (or
    not: the details form changed an archived record); the getter now refuses every POST,
    so a new view cannot forget. Other ids are random: the patient is looked up first."""
    import uuid

    from django.urls import reverse

    as_admin_a.post(f"/portal/patients/{patient_a1.uuid}/archive/")
    patient_a1.refresh_from_db()
    assert patient_a1.status == Patient.Status.ARCHIVED
    chart = f"/portal/patients/{patient_a1.uuid}/"
    allowed = set()
    for name, arguments in patient_post_routes():
        values = [patient_a1.uuid] + [uuid.uuid4() for _ in arguments[1:]]
        if "code" in arguments:
            values[arguments.index("code")] = "rmdq"
        url = reverse(f"patients:{name}", kwargs=dict(zip(arguments, values, strict=True)))
        Patient.objects.filter(pk=patient_a1.pk).update(status=Patient.Status.ARCHIVED)
        response = as_admin_a.post(url, {"first_name": "Changed", "confirm": "1"})
        if response.status_code == 405:
            continue  # a page that takes no POST
        if response.status_code == 302 and response["Location"] == chart:
            # This request's own messages (earlier ones wait, unshown, in the session).
            shown = [str(m) for m in response.wsgi_request._messages._queued_messages]
            if any("archived: their record is read-only" in m for m in shown):
                continue
        allowed.add(name)
    assert allowed == ARCHIVED_CHANGES
    patient_a1.refresh_from_db()
    assert patient_a1.first_name == "Amara"


def test_the_details_form_refuses_an_archived_record(as_clinician_a, clinician_a, patient_a1):
    as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/archive/")
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/edit/",
        {"first_name": "Changed", "last_name": "Okafor", "date_of_birth": "1980-05-17",
         "email": "someone.else@elsewhere.test", "preferred_language": "en",
         "clinician": clinician_a.pk},
        follow=True,
    )  # fmt: skip
    assert "Restore them to change it" in response.content.decode()
    patient_a1.refresh_from_db()
    assert (patient_a1.first_name, patient_a1.email) == ("Amara", "amara.okafor@example.test")


def test_caseload_search_finds_by_either_name(as_clinician_a, patient_a1, patient_a2):
    def found(term: str) -> str:
        return as_clinician_a.get(caseload_search(as_clinician_a, term)).content.decode()

    body = found("okaf")
    assert "Okafor" in body and "Nguyen" not in body
    body = found("arlo nguy")
    assert "Nguyen" in body and "Okafor" not in body
    assert "No active patient matches" in found("zzz")


def test_caseload_sorts_by_last_activity(as_clinician_a, patient_a1, patient_a2):
    Patient.objects.filter(pk=patient_a1.pk).update(last_activity_at=timezone.now())
    by_activity = [
        p.last_name for p in as_clinician_a.get("/portal/?sort=activity").context["page"]
    ]
    assert by_activity == ["Okafor", "Nguyen"]  # never-active patients come last
    by_name = [p.last_name for p in as_clinician_a.get("/portal/?sort=name").context["page"]]
    assert by_name == ["Nguyen", "Okafor"]


def test_caseload_ignores_malformed_filters(as_clinician_a, patient_a1):
    response = as_clinician_a.get("/portal/?sort=drop%20table&status=x&page=-4&q=" + "a" * 500)
    assert response.status_code == 200


def test_caseload_is_paginated(as_clinician_a, clinic_a):
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic_a,
            first_name="P",
            last_name=f"Person{i:03}",
            date_of_birth=date(1990, 1, 1),
        )
        for i in range(60)
    )
    first = as_clinician_a.get("/portal/")
    assert len(first.context["page"]) == 25
    assert "Page 1 of 3" in first.content.decode()
    assert len(as_clinician_a.get("/portal/?page=3").context["page"]) == 10


def caseload_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/portal/?sort=activity").status_code == 200
    return len(queries)


def test_caseload_query_count_is_pinned_and_constant(as_clinician_a, clinic_a, clinician_a):
    make_patient(clinic_a, "One", "Only", clinician=clinician_a)
    few = caseload_queries(as_clinician_a)
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic_a,
            first_name="P",
            last_name=f"Person{i:03}",
            date_of_birth=date(1990, 1, 1),
            clinician=clinician_a,
        )
        for i in range(200)
    )
    many = caseload_queries(as_clinician_a)
    # session, user, membership, the stale-figure check and (the rows made here were never
    # computed) its UPDATE and SELECT, count, page, audit insert
    assert few == many
    assert many <= 9


def test_the_details_page_keeps_a_clinician_who_left_and_saves_other_changes(
    as_admin_a, admin_a, clinician_a, clinic_a, frontdesk_a
):
    """The clinician in charge was deactivated. The details page offered only the staff
    still active, so it showed "Not assigned" (the browser sends that) and a save of a new
    phone number unassigned the patient without a word; the shown value was refused."""
    from clinic.models import Membership
    from tests.patients.test_intake import as_shown

    patient = make_patient(clinic_a, "Nia", "Brooks", clinician=clinician_a)
    Membership.objects.filter(user=clinician_a, clinic=clinic_a).update(is_active=False)
    url = f"/portal/patients/{patient.uuid}/edit/"
    page = as_admin_a.get(url)
    html = page.content.decode()
    assert f'<option value="{clinician_a.pk}" selected>' in html
    assert "(no longer on staff)" in html
    saved = as_admin_a.post(url, {**as_shown(page), "phone": "+44 20 7946 0000"})
    assert saved.status_code == 302
    patient.refresh_from_db()
    assert (patient.clinician_id, patient.phone) == (clinician_a.pk, "+44 20 7946 0000")
    # Nobody else who left can be put in charge.
    Membership.objects.filter(user=frontdesk_a, clinic=clinic_a).update(is_active=False)
    refused = as_admin_a.post(url, {**as_shown(as_admin_a.get(url)), "clinician": frontdesk_a.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    patient.refresh_from_db()
    assert patient.clinician_id == clinician_a.pk


def test_the_chart_names_each_exercise_as_the_patient_reads_it(
    as_clinician_a, patient_a1, program_a1
):
    """Found by the clinician review: the handout and its "My week" log say "Flatten your
    back into the floor"; the chart said only "Posterior pelvic tilt"."""
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    for item in program_a1.items.select_related("exercise"):
        assert f"patient reads “{escape(item.exercise.lay_name)}”" in page
