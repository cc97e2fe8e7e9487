"""The handout in the patient's language: names in every script, emoji, the "in English"
mark for a clinic's exercise without a translation, the portal form that adds one, the
clinician's English copy, and the built-in library's Spanish."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from clinic.actors import Actor
from clinic.lib.pdf import drop_emoji
from clinic.models import Clinic
from patients.services import patient_program_start
from programs.content.exercises import EXERCISES
from programs.content.translations import load
from programs.handout_render import render_handout
from programs.handouts import HandoutPeople
from programs.library_sync import sync_library_translations
from programs.models import Exercise, ExerciseTranslation, Program
from programs.services import program_save
from tests.conftest import client_for, get_document, make_patient
from tests.pdf_text import page_texts, pdf_text

PLACEHOLDER = re.compile(r"\{(hold|reps|sets|duration)\}")


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF's pages use: its name, and whether the font file is in the PDF."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            name = str(descriptor["/FontName"])
            fonts[name] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


def start(membership, patient, key="low-back-core-stability") -> Program:
    return patient_program_start(
        actor=Actor.for_member(membership),
        patient=patient,
        source=Program.objects.get(template_key=key),
    )


def render(program: Program, name: str, language: str = "es", notes: str = "") -> bytes:
    if notes:
        program.patient_notes = notes
    return render_handout(
        program=program,
        revision=program.revisions.first(),
        clinic=program.clinic,
        people=HandoutPeople(name, None, "Cleo Clinician", "", ""),
        large_print=False,
        language=language,
    )


@pytest.mark.parametrize(
    ("name", "font"),
    [
        ("王小明", "CJK"),  # Chinese
        ("山田 花子", "CJK"),  # Japanese
        ("김민준", "CJK"),  # Korean
        ("مريم حداد", "Arabic"),
        ("נועה כהן", ""),  # Hebrew: Liberation Sans has it
        ("Ελένη Παππά", ""),  # Greek: Liberation Sans has it
        ("Ольга Смирнова", ""),  # Cyrillic
    ],
)
def test_a_name_in_any_script_prints_with_a_font_that_has_it(membership_a, patient_a1, name, font):
    pdf = render(start(membership_a, patient_a1), name)
    fonts = embedded_fonts(pdf)
    assert all(fonts.values()), fonts  # every font is embedded (subset), none left to chance
    if font:
        assert any(font in each for each in fonts), fonts
    text = pdf_text(pdf)
    # The text layer has the name: its glyphs are real ones, not the empty box (.notdef),
    # which has no character to extract. pypdf gives right-to-left text in visual order.
    letters = [ch for ch in name if not ch.isspace()]
    assert all(ch in text for ch in letters), [ch for ch in letters if ch not in text]
    assert "\ufffd" not in text


def test_emoji_are_left_out_of_pdfs_cleanly(membership_a, patient_a1):
    notes = "Great work 💪🏽 on the bridges 👨‍👩‍👧! Keep going ❤️ 1️⃣"
    pdf = render(start(membership_a, patient_a1), "Amara Okafor 😀", language="en", notes=notes)
    text = pdf_text(pdf)
    assert "Great work on the bridges! Keep going 1" in text
    assert "Amara Okafor" in text
    assert not re.search("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]", text)
    assert not any("Emoji" in font for font in embedded_fonts(pdf))
    assert drop_emoji("王小明 مريم — ok") == "王小明 مريم — ok"


def test_a_clinic_exercise_without_spanish_is_marked_in_english_until_translated(
    clinic_a, admin_a, membership_a, own_exercise
):
    rosa = make_patient(clinic_a, "Rosa", "Molina", preferred_language="es")
    program = start(membership_a, rosa)
    items = [{"id": i.pk, "exercise": i.exercise} for i in program.items.all()]
    program_save(
        program=program,
        actor=Actor.for_member(membership_a),
        expected_revision=1,
        fields={},
        items=[*items, {"exercise": own_exercise, "reps": 10, "hold_seconds": 5}],
    )
    patient = client_for(rosa.user)
    text = pdf_text(get_document(patient, "/me/handout.pdf").content)
    assert "Squeeze a rolled towel between your knees en inglés" in text
    assert "5. Squeeze a rolled towel between your knees" in text  # the weekly log's row
    page = patient.get("/me/program/").content.decode()
    assert '<span lang="en">Squeeze a rolled towel between your knees</span>' in page
    assert "en inglés" in page

    # The clinic adds the Spanish in the portal; the next handout is a new file, in Spanish.
    admin = client_for(admin_a)
    url = f"/portal/library/{own_exercise.uuid}/translations/es/"
    assert "Towel squeeze" in admin.get(url).content.decode()
    refused = admin.post(url, {"name": "", "lay_name": ""})
    assert refused.status_code == 200 and ExerciseTranslation.objects.count() == len(EXERCISES)
    admin.post(
        url,
        {
            "name": "Apretar la toalla",
            "lay_name": "Aprieta una toalla enrollada entre las rodillas",
            "stop_if": "Para si te duele la rodilla.",
            "cue_1": "Siéntate con una toalla enrollada entre las rodillas.",
            "cue_2": "Aprieta durante {hold}.",
        },
    )
    text = pdf_text(get_document(patient, "/me/handout.pdf").content)
    assert "Aprieta una toalla enrollada entre las rodillas" in text
    assert "Aprieta durante 5 segundos." in text
    assert "Aprieta una toalla enrollada entre las rodillas en inglés" not in text
    assert "Squeeze" not in text
    assert "translated" in admin.get(f"/portal/library/{own_exercise.uuid}/").content.decode()


def test_the_reminder_to_follow_the_clinicians_advice_is_in_the_patients_language(
    clinic_a, membership_a
):
    """A clinic's own footer, in English, replaced the handout's Spanish reminder (found by
    review): now the reminder is printed in Spanish on every page, the clinic's line after."""
    Clinic.objects.filter(pk=clinic_a.pk).update(handout_footer="Open Monday to Friday")
    rosa = make_patient(clinic_a, "Rosa", "Molina", preferred_language="es")
    start(membership_a, rosa)
    for query in ("", "?large=1"):
        pages = page_texts(get_document(client_for(rosa.user), "/me/handout.pdf" + query).content)
        assert pages
        for page in pages:
            assert (
                "Sigue los consejos de tu fisioterapeuta. Si tienes dudas, para y llámanos. "
                "Open Monday to Friday"
            ) in page


def test_a_spanish_handout_names_the_sign_in_button_as_its_page_shows_it(clinic_a, membership_a):
    """Found by the Spanish review: the handout told a Spanish patient to choose
    «Enviarme un enlace por correo» on the clinic's sign-in page, which is in English and
    has no such button."""
    rosa = make_patient(clinic_a, "Rosa", "Molina", preferred_language="es")
    start(membership_a, rosa)
    pdf = get_document(client_for(rosa.user), "/me/handout.pdf").content
    text = " ".join(pdf_text(pdf).split())
    assert "elige allí el botón «E-mail me a link»" in text
    signin = client_for(None).get(f"/start/{clinic_a.uuid}/").content.decode()
    assert ">E-mail me a link</button>" in signin


@pytest.mark.parametrize(
    "step",
    [
        "Aprieta durante 5 segundos.",  # the prescription's {hold} typed as a number
        "Aprieta durante {duration}.",  # another amount than the English names
        "Aprieta durante {hold}, 3 veces.",  # a number the English step does not have
    ],
)
def test_a_translated_step_cannot_contradict_the_dose(admin_a, own_exercise, step):
    url = f"/portal/library/{own_exercise.uuid}/translations/es/"
    response = client_for(admin_a).post(
        url,
        {
            "name": "Apretar la toalla",
            "lay_name": "Aprieta una toalla enrollada entre las rodillas",
            "cue_1": "Siéntate con una toalla enrollada entre las rodillas.",
            "cue_2": step,
        },
    )
    assert response.status_code == 200
    assert not ExerciseTranslation.objects.filter(exercise=own_exercise).exists()


def test_a_shared_exercise_cannot_be_given_a_clinic_translation(admin_a):
    shared = Exercise.objects.get(slug="plank", clinic__isnull=True)
    response = client_for(admin_a).get(f"/portal/library/{shared.uuid}/translations/es/")
    assert response.status_code in (403, 404)


def test_only_a_complete_patient_language_can_be_translated_into(admin_a, own_exercise):
    admin = client_for(admin_a)
    for code in ("en", "fr", "xx"):
        url = f"/portal/library/{own_exercise.uuid}/translations/{code}/"
        assert admin.get(url).status_code == 404


def test_the_clinician_prints_an_english_copy_beside_the_spanish_one(
    clinic_a, clinician_a, membership_a
):
    rosa = make_patient(clinic_a, "Rosa", "Molina", preferred_language="es", clinician=clinician_a)
    program = start(membership_a, rosa)
    portal = client_for(clinician_a)
    url = f"/portal/patients/{rosa.uuid}/programs/{program.uuid}/handout.pdf"
    spanish = get_document(portal, url)
    english = get_document(portal, url, {"language": "en"})
    assert "Tus ejercicios para casa" in pdf_text(spanish.content)
    english_text = pdf_text(english.content)
    assert "Your home exercises" in english_text and "Tus ejercicios" not in english_text
    assert "once a day" in english_text or "days a week" in english_text
    assert english["Content-Disposition"] != spanish["Content-Disposition"]
    chart = portal.get(f"/portal/patients/{rosa.uuid}/").content.decode()
    assert "handout.pdf?language=en" in chart and "English copy" in chart


def test_every_built_in_exercise_has_its_spanish_in_the_library(db):
    spanish = load("es")["exercises"]
    missing = [entry["slug"] for entry in EXERCISES if entry["slug"] not in spanish]
    assert not missing, missing
    for entry in EXERCISES:
        text = spanish[entry["slug"]]
        assert text["name"] and text["lay_name"], entry["slug"]
        assert [kind for kind, _ in text["cues"]] == [kind for kind, _ in entry["cues"]]
        for (_, english), (_, translated) in zip(entry["cues"], text["cues"], strict=True):
            assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(translated))
        assert bool(text.get("stop_if")) == bool(entry["stop_if"]), entry["slug"]
    rows = ExerciseTranslation.objects.filter(language="es", exercise__clinic__isnull=True)
    assert rows.count() == len(EXERCISES)  # installed by the migration


def test_the_library_sync_writes_only_what_changed(db):
    assert sync_library_translations(Exercise, ExerciseTranslation) == 0
    row = ExerciseTranslation.objects.get(exercise__slug="plank", language="es")
    row.lay_name = "cambiado"
    row.save()
    assert sync_library_translations(Exercise, ExerciseTranslation) == 1
    row.refresh_from_db()
    assert row.lay_name == load("es")["exercises"]["plank"]["lay_name"]


def _translation(name: str, stop_if: str = "Para si te duele la rodilla.", **seen) -> dict:
    return {
        "name": name,
        "lay_name": "Aprieta una toalla enrollada entre las rodillas",
        "stop_if": stop_if,
        "cue_1": "Siéntate con una toalla enrollada entre las rodillas.",
        "cue_2": "Aprieta durante {hold}.",
        **seen,
    }


@pytest.mark.parametrize("none_yet", [False, True])
def test_a_stale_translation_page_never_undoes_a_colleagues_words_unseen(
    admin_a, clinic_a, own_exercise, none_yet
):
    """Two admins open the Spanish page of one exercise (before or after a first
    translation was saved). One adds "o se hincha" to the stop line; the other, from the
    page opened before, saves other words. The second is refused with what was saved."""
    from tests.conftest import make_staff

    url = f"/portal/library/{own_exercise.uuid}/translations/es/"
    first = client_for(admin_a)
    if not none_yet:
        assert first.post(url, _translation("Apretar", seen="")).status_code == 302
    colleague = client_for(make_staff(clinic_a, "second.admin@a.test", "admin"))
    stale = first.get(url).context["form"]["seen"].value()
    fresh = colleague.get(url).context["form"]["seen"].value()
    assert stale == fresh
    new_stop = "Para si te duele o se hincha la rodilla."
    assert colleague.post(url, _translation("Apretar", new_stop, seen=fresh)).status_code == 302

    refused = first.post(url, _translation("Apretar la toalla", seen=stale))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "This translation was saved at" in page and new_stop in page
    row = ExerciseTranslation.objects.get(exercise=own_exercise, language="es")
    assert (row.name, row.stop_if) == ("Apretar", new_stop)
    # Saved again from the refused page, knowingly; and a double click is no conflict.
    again = _translation("Apretar la toalla", seen=refused.context["form"]["seen"].value())
    assert first.post(url, again).status_code == 302
    assert first.post(url, again).status_code == 302
    row.refresh_from_db()
    assert (row.name, row.stop_if) == ("Apretar la toalla", "Para si te duele la rodilla.")
