"""The small things from the end-to-end trial (issue 16) that erode trust."""

from __future__ import annotations

from unittest import mock

from tests.factories import FlagFactory


def test_the_sign_in_page_offers_forgot_your_password_once(client):
    page = client.get("/accounts/login/").content.decode()
    assert page.count("Forgot your password?") == 1


def test_the_clinic_time_zone_is_chosen_from_a_list(as_admin_a):
    page = as_admin_a.get("/portal/clinic/").content.decode()
    assert '<select name="timezone"' in page
    assert '<option value="Europe/London"' in page and '<option value="UTC"' in page


def test_the_sign_in_code_email_greets_from_the_clinic(client, patient_a1):
    from django.core import mail

    client.post("/accounts/login/code/", {"email": patient_a1.email})
    body = mail.outbox[-1].body
    assert body.startswith(f"Hello from {patient_a1.clinic.name}!")
    assert "127.0.0.1" not in body and "testserver" not in body and "example.com" not in body


def test_an_invalid_dosage_never_makes_a_negative_estimate():
    from programs.dosage import estimate_minutes

    typed = {"sets": 2, "reps": -8329, "hold_seconds": 5, "rest_seconds": -30}
    per_session, per_day = estimate_minutes([typed, {"sets": 2, "reps": 10, "times_per_day": -3}])
    assert per_session >= 0 and per_day >= 0
    assert estimate_minutes([{"sets": 10**9, "reps": 10**9}]) == (1, 1)


def test_open_flags_come_before_the_program_on_the_chart(as_clinician_a, patient_a1):
    from datetime import date

    FlagFactory(patient=patient_a1, reason="Pain 8/10", raised_on=date.today())
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Pain 8/10" in page
    assert page.index("Pain 8/10") < page.index('id="program-heading"')


def test_downloaded_files_carry_initials_and_a_date_never_the_name(as_clinician_a, patient_a1):
    from django.utils import timezone

    from patients.models import Patient

    response = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/export.csv")
    disposition = response["Content-Disposition"]
    # Dated by the clinic's day, as everything staff see is.
    day = timezone.localtime(timezone.now(), patient_a1.clinic.tzinfo).date()
    assert f"patient-data-AO-{day:%Y%m%d}.csv" in disposition
    assert "Okafor" not in disposition and "Amara" not in disposition
    accented = Patient(first_name="Élodie", last_name="  Øster")
    assert accented.initials == "E"
    assert Patient(first_name="", last_name="").initials == "X"


def test_the_handout_file_name_has_the_initials(patient_a1, membership_a):
    from clinic.actors import Actor
    from patients.handouts import handout_for
    from patients.services import patient_program_start
    from programs.models import Program

    template = Program.objects.get(template_key="low-back-core-stability")
    program = patient_program_start(
        actor=Actor.for_member(membership_a), patient=patient_a1, source=template
    )
    handout = handout_for(patient_a1, program, False)
    assert handout.filename.startswith("home-exercises-AO-r1-") and "Okafor" not in handout.filename
    # Both sheets of one revision had the same name in a phone's downloads (phone review),
    # and a Spanish reader's was English.
    names = {
        (large, language): handout_for(patient_a1, program, large, language).filename
        for large in (False, True)
        for language in ("en", "es")
    }
    assert len(set(names.values())) == 4
    assert names[True, "en"].endswith("-large-print.pdf")
    assert names[False, "es"].startswith("ejercicios-en-casa-AO-r1-")
    assert names[True, "es"].endswith("-letra-grande-es.pdf")
    # Words with no ASCII letters (a catalogue in Arabic, say) keep the English ones.
    import programs.handouts

    with mock.patch.object(programs.handouts, "pgettext", lambda context, text: "تمارين"):
        arabic = handout_for(patient_a1, program, True, "es").filename
    assert arabic.startswith("home-exercises-AO-r1-") and arabic.endswith("-large-print-es.pdf")


def test_the_clinics_sign_in_page_offers_the_emailed_code_first(client, clinic_a):
    page = client.get(f"/start/{clinic_a.uuid}/").content.decode()
    code = page.index("E-mail me a sign-in code")
    assert code < page.index("Sign in with my password")
    assert 'class="btn btn-primary btn-lg" href="/accounts/login/code/"' in page


def test_a_clinic_prints_sign_in_cards_with_a_qr_code_and_no_credential(
    client, frontdesk_a, clinic_a, settings
):
    from tests.conftest import client_for

    settings.SITE_URL = "https://limber.example.org"
    page = client_for(frontdesk_a).get("/portal/clinic/sign-in-cards/").content.decode()
    assert f"https://limber.example.org/start/{clinic_a.uuid}/" in page
    assert page.count('src="data:image/png;base64,') == 4
    assert "/invite/" not in page
