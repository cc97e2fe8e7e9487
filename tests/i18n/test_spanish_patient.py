"""A Spanish-speaking patient's whole journey is in Spanish: invitation, sign-in code,
Today, logging, progress, questionnaire, handout and reminder. The portal stays English,
and a language not complete yet gives English with a notice in the patient's language."""

from __future__ import annotations

import re
from datetime import time

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from clinic.models import OutgoingEmail
from patients.models import Patient, ReminderSetting
from patients.outcomes import outcome_assign
from patients.reminders import reminders_send_due, reminders_update
from patients.services import patient_program_start
from programs.models import Program
from tests.conftest import (
    actor_of,
    client_for,
    get_document,
    make_patient,
    run_tasks,
    tomorrow_evening,
)
from tests.pdf_text import pdf_text
from tests.signin import link_from_outbox, open_invitation

PASSWORD = "una mañana soleada junto al río"
ENGLISH_PATIENT_WORDS = (
    "Due today",
    "How did it go?",
    "Save my session",
    "My progress",
    "Sign out",
    "once a day",
    "times a day",
    "From your clinician",
)


def visible(html: str) -> str:
    """The page's text as a reader sees it (scripts, styles and drawings left out)."""
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_no_english(text: str) -> None:
    leaks = [words for words in ENGLISH_PATIENT_WORDS if words in text]
    assert not leaks, leaks


@pytest.fixture
def rosa(clinic_a, clinician_a):
    """A new patient who reads Spanish, not yet signed up."""
    return make_patient(clinic_a, "Rosa", "Molina", login=False, preferred_language="es")


def test_a_spanish_patients_journey_is_in_spanish(
    rosa, clinician_a, membership_a, django_capture_on_commit_callbacks
):
    portal = client_for(clinician_a)
    patient_program_start(
        actor=actor_of(clinician_a),
        patient=rosa,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )

    # The invitation e-mail, and the page it opens.
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(f"/portal/patients/{rosa.uuid}/invitation/", {"delivery": "email"})
    run_tasks()  # the worker sends the invitation
    invitation = mail.outbox[-1]
    assert invitation.subject.endswith("Tu acceso de paciente en Clinic A")
    assert "Hola, Rosa:" in invitation.body
    assert "te invita a tu acceso de paciente" in invitation.body
    assert "invites you" not in invitation.body
    visitor = Client()
    page = open_invitation(visitor, link_from_outbox()).content.decode()
    assert "Elige tu contraseña" in page and "Choose your password" not in page
    response = visitor.post("/invite/", {"new_password1": PASSWORD, "new_password2": PASSWORD})
    home = visitor.get(response["Location"], follow=True)
    assert home.request["PATH_INFO"] == "/me/"
    assert "Tu contraseña está puesta. Te damos la bienvenida a Limber." in home.content.decode()

    # The e-mailed sign-in code.
    visitor.post("/accounts/logout/")
    mail.outbox.clear()
    Client().post("/accounts/login/code/", {"email": rosa.email}, REMOTE_ADDR="198.51.100.7")
    code_mail = mail.outbox[-1]
    assert "inicio de sesión" in code_mail.subject.lower()
    assert "¡Hola de parte de Clinic A!" in code_mail.body
    assert "Your sign-in code" not in code_mail.body

    # Today, in Spanish, with the exercises' Spanish text and the dose in words.
    rosa.refresh_from_db()
    patient = client_for(rosa.user)
    today = patient.get("/me/")
    assert today["Content-Language"] == "es"
    text = visible(today.content.decode())
    assert '<html lang="es"' in today.content.decode()
    assert "Hola, Rosa" in text and "Para hoy" in text and "¿Cómo te fue?" in text
    assert "A cuatro patas, estira un brazo y la pierna contraria" in text  # bird dog
    assert "una vez al día" in text and "5 días a la semana" in text
    assert "en inglés" not in text  # every built-in exercise has its Spanish
    assert_no_english(text)

    # Logging: the form's messages and errors are Spanish too.
    refused = patient.post("/me/log/", {"client_token": "t" * 24, "pain": "2"})
    assert "Marca al menos un ejercicio que hayas hecho." in refused.content.decode()
    program = Program.objects.get(assignment__patient=rosa)
    item = program.items.order_by("order").first()
    saved = patient.post(
        "/me/log/", {"client_token": "u" * 24, "pain": "2", f"done_{item.pk}": "on"}, follow=True
    )
    assert "Guardado. ¡Muy bien!" in saved.content.decode()

    # Progress and the program page.
    progress = visible(patient.get("/me/progress/").content.decode())
    assert "Mi progreso" in progress and "Cuánto de tu plan hiciste cada semana" in progress
    assert_no_english(progress)
    program_page = visible(patient.get("/me/program/").content.decode())
    assert "Parte baja de la espalda" in program_page  # the template's title, translated
    assert "Deja los ejercicios y llámanos" in program_page and "urgencias" in program_page
    assert_no_english(program_page)

    # A questionnaire: the page is Spanish, the items stay in English, said so.
    # The Roland-Morris is quoted word for word: why is our own sentence, in Spanish.
    outcome_assign(actor=actor_of(clinician_a), patient=rosa, code="rmdq")
    questionnaire = patient.get("/me/questionnaire/").content.decode()
    assert "Este cuestionario está en inglés" in questionnaire
    assert '<div lang="en">' in questionnaire
    assert "Las preguntas de abajo están escritas tal como" in questionnaire
    assert "printed exactly as their authors" not in questionnaire
    chart = portal.get(f"/portal/patients/{rosa.uuid}/measures/").content.decode()
    assert "Questionnaires are shown to them in English" in chart

    # The handout, downloaded by the patient: first the page that waits for it, then the
    # one that hands it over.
    with django_capture_on_commit_callbacks(execute=True):
        waiting = visible(patient.get("/me/handout.pdf").content.decode())
    assert "Estamos preparando tu hoja de ejercicios" in waiting and "Comprobar ahora" in waiting
    assert "being prepared" not in waiting and "Check now" not in waiting
    run_tasks()
    ready = visible(patient.get("/me/handout.pdf?prepared=1").content.decode())
    assert "Ya puedes descargar tu hoja de ejercicios" in ready and "Volver" in ready
    assert "is ready" not in ready and "Back" not in ready
    pdf = get_document(patient, "/me/handout.pdf")
    text = pdf_text(pdf.content)
    assert "Tus ejercicios para casa" in text and "Guía del dolor" in text and "Mi semana" in text
    assert "una vez al día" in text and "Página 1 de" in text
    assert "Your home exercises" not in text and "Pain guide" not in text
    assert pdf["Content-Disposition"].endswith('-es.pdf"')

    # A reminder e-mail.
    reminders_update(
        actor=actor_of(clinician_a), patient=rosa, enabled=True, consent=True, time_of_day=time(18)
    )
    setting = ReminderSetting.objects.get(patient=rosa)
    assert setting.enabled
    with time_machine.travel(tomorrow_evening(rosa), tick=False):
        assert reminders_send_due() == 1
    reminder = OutgoingEmail.objects.get(patient_uuid=rosa.uuid, kind="reminder")
    assert reminder.subject.endswith("Es hora de tus ejercicios")
    assert "Este es tu recordatorio de Clinic A" in reminder.body
    assert "reminder" not in reminder.body.replace(reminder.unsubscribe_url, "")

    # The clinician's pages stay English.
    chart = portal.get(f"/portal/patients/{rosa.uuid}/").content.decode()
    assert '<html lang="en"' in chart and "Handout PDF" in chart and "(Spanish)" in chart
    assert translation.get_language() == "en"


def test_a_language_not_complete_yet_is_kept_and_shown_in_english_with_a_notice(
    clinic_a, membership_a, clinician_a
):
    pierre = make_patient(clinic_a, "Pierre", "Durand", preferred_language="fr")
    page = client_for(pierre.user).get("/me/").content.decode()
    assert '<html lang="en"' in page and "Hello Pierre" in page
    assert 'lang="fr"' in page and "pas encore disponible en français" in page
    assert Patient.objects.get(pk=pierre.pk).preferred_language == "fr"


def test_the_portal_is_never_switched_by_a_patient_request_before_it(
    clinic_a, clinician_a, membership_a
):
    rosa = make_patient(clinic_a, "Rosa", "Molina", preferred_language="es")
    assert "Hoy" in client_for(rosa.user).get("/me/").content.decode()
    assert translation.get_language() == "en"
    caseload = client_for(clinician_a).get("/portal/").content.decode()
    assert '<html lang="en"' in caseload


def test_a_spanish_patients_pain_chart_title_is_not_cut_inside_its_scale(patient_a1):
    patient_a1.preferred_language = "es"
    patient_a1.save()
    page = client_for(patient_a1.user).get("/me/progress/").content.decode()
    titles = re.findall(r'font-weight="bold"[^>]*>([^<]*)</text>', page)
    # Seen: "Dolor durante el ejercicio (0 a 1…": the scale reads "0 to 1".
    assert "Dolor durante el ejercicio (0 a 1…" not in titles, titles
    assert not [t for t in titles if re.search(r"\d…$", t)], titles


def test_the_clinician_is_always_the_fisioterapeuta_in_spanish():
    """One word for the clinician in everything a Spanish patient reads (found by the
    Spanish review: "tu terapeuta" in nine notes and cautions, "fisioterapeuta" elsewhere)."""
    from django.conf import settings

    texts = [settings.BASE_DIR / "locale/es/LC_MESSAGES/django.po"]
    texts += sorted((settings.BASE_DIR / "programs/content/translations/es").glob("*.toml"))
    found = [
        f"{path.name}: {line.strip()[:80]}"
        for path in texts
        for line in path.read_text().splitlines()
        if not line.startswith("msgid") and re.search(r"(?<!fisio)terapeuta", line, re.I)
    ]
    assert not found


def test_a_chart_names_its_days_as_spanish_writes_them():
    """Found by the Spanish review: "7 Dic"; Spanish writes short months in lower case."""
    from datetime import date

    from clinic.lib.charts import day_label

    with translation.override("es"):
        assert (day_label(date(2026, 12, 7)), day_label(date(2026, 12, 7), year=True)) == (
            "7 dic",
            "7 dic 26",
        )
    with translation.override("en"):
        assert day_label(date(2026, 12, 7)) == "7 Dec"


def test_signing_in_and_out_is_told_in_the_language_of_the_page_it_shows_on(patient_a1):
    """Found by the Spanish review: allauth's own Spanish is formal ("Ha iniciado sesión
    exitosamente"), and "Ha cerrado sesión" stood on the English sign-in page."""
    from tests.factories import PASSWORD
    from tests.signin import sign_in

    Patient.objects.filter(pk=patient_a1.pk).update(preferred_language="es")
    phone = Client()
    assert sign_in(phone, patient_a1.user.email, PASSWORD).status_code == 302
    today = phone.get("/me/").content.decode()
    assert "Has entrado como" in today and "iniciado sesión" not in today
    signed_out = phone.post("/accounts/logout/", follow=True).content.decode()
    assert "You are signed out." in signed_out and "Has salido" not in signed_out


def test_the_password_page_is_in_the_patients_language_with_a_way_back(patient_a1, clinician_a):
    """Found by the Spanish review: "Cambiar tu contraseña" on My program led to a page all
    in English, with no way back to the patient's pages."""
    Patient.objects.filter(pk=patient_a1.pk).update(preferred_language="es")
    page = client_for(patient_a1.user).get("/accounts/password/change/").content.decode()
    assert '<html lang="es">' in page and "Contraseña actual" in page
    # In tú, as the rest of the patient area: Django's and allauth's Spanish says usted.
    assert "¿Has olvidado tu contraseña?" in page and "Tu contraseña debe tener" in page
    assert not re.search(r"\b(su|Su) contraseña|\bHa olvidado", page)
    assert 'href="/">Volver a mis páginas</a>' in page
    # Staff keep the site's language; signed out, it is everyone's.
    staff = client_for(clinician_a).get("/accounts/password/change/").content.decode()
    assert '<html lang="en">' in staff and "Back to my pages" in staff
    assert '<html lang="en">' in Client().get("/accounts/login/").content.decode()
    # Changed, it signs out: the sign-in page says so in its own language, in one language.
    from tests.factories import PASSWORD

    changed = client_for(patient_a1.user).post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "un río tranquilo y largo",
            "password2": "un río tranquilo y largo",
        },
        follow=True,
    )
    text = changed.content.decode()
    assert '<html lang="en">' in text and "Password successfully changed." in text
    assert "contraseña" not in text.lower() and "sesión" not in text


def test_a_patient_is_told_not_allowed_or_not_found_in_their_language(patient_a1, clinician_a):
    """Found by the Spanish review: a patient who opened /portal/ read "You cannot open
    this page" in English."""
    Patient.objects.filter(pk=patient_a1.pk).update(preferred_language="es")
    phone = client_for(patient_a1.user)
    refused = phone.get("/portal/")
    assert refused.status_code == 403
    assert '<html lang="es">' in refused.content.decode()
    assert "No puedes abrir esta página" in refused.content.decode()
    missing = phone.get("/me/nothing-here/")
    assert missing.status_code == 404 and "Página no encontrada" in missing.content.decode()
    # Staff, and anyone signed out, in the site's language.
    assert "Page not found" in client_for(clinician_a).get("/me/nothing-here/").content.decode()
    assert "Page not found" in Client().get("/me/nothing-here/").content.decode()
