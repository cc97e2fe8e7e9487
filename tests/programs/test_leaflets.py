"""Education leaflets: chosen in the builder, kept with the revision, shown on the
patient's program page and printed after the exercises."""

from __future__ import annotations

import re

import pytest

from programs.content.leaflets import BY_SLUG, FOR_TEMPLATES, LEAFLETS
from tests.conftest import get_document
from tests.pdf_text import pdf_text
from tests.programs.test_programs import builder_post, edit_url


@pytest.fixture
def program_template() -> str:
    return "low-back-early-movement"


def test_a_template_brings_its_leaflets_to_the_patients_copy(program_a1):
    assert sorted(program_a1.leaflets) == sorted(FOR_TEMPLATES["low-back-early-movement"])


def test_the_builder_changes_the_leaflets_in_a_new_revision(as_clinician_a, patient_a1, program_a1):
    response = as_clinician_a.post(
        edit_url(patient_a1, program_a1),
        builder_post(program_a1, leaflets=["sleep-positions", "pacing"]),
    )
    assert response.status_code == 302
    program_a1.refresh_from_db()
    assert sorted(program_a1.leaflets) == ["pacing", "sleep-positions"]
    latest = program_a1.revisions.order_by("-number").first()
    assert latest.snapshot["leaflets"] == ["pacing", "sleep-positions"]
    assert "changed the leaflets" in latest.summary.lower()
    page = as_clinician_a.get(edit_url(patient_a1, program_a1)).content.decode()
    assert 'value="pacing" id="leaflet-pacing" checked' in page
    assert 'value="hurt-not-harm" id="leaflet-hurt-not-harm" checked' not in page


def test_an_unknown_leaflet_is_refused_and_nothing_is_saved(as_clinician_a, patient_a1, program_a1):
    before = (program_a1.revision, list(program_a1.leaflets))
    response = as_clinician_a.post(
        edit_url(patient_a1, program_a1), builder_post(program_a1, leaflets=["made-up"])
    )
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()
    program_a1.refresh_from_db()
    assert (program_a1.revision, list(program_a1.leaflets)) == before


def test_a_builder_action_keeps_the_ticked_leaflets(as_clinician_a, patient_a1, program_a1):
    data = builder_post(program_a1, leaflets=["lifting-sitting"])
    data["action"] = "remove:0"
    page = as_clinician_a.post(edit_url(patient_a1, program_a1), data).content.decode()
    assert 'value="lifting-sitting" id="leaflet-lifting-sitting" checked' in page
    assert 'value="pacing" id="leaflet-pacing" checked' not in page


def test_the_patient_reads_them_on_my_program(as_patient_a1, program_a1):
    page = as_patient_a1.get("/me/program/").content.decode()
    for slug in program_a1.leaflets:
        leaflet = BY_SLUG[slug]
        assert leaflet.title in page
        assert leaflet.paragraphs[0] in page.replace("&#x27;", "'")
    assert BY_SLUG["sleep-positions"].title not in page


def handout_text(client, patient, program) -> str:
    url = f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf"
    return pdf_text(get_document(client, url).content)


def test_the_handout_prints_them_after_the_exercises(as_clinician_a, patient_a1, program_a1):
    text = handout_text(as_clinician_a, patient_a1, program_a1)
    hurt = BY_SLUG["hurt-not-harm"]
    last_exercise = program_a1.items.order_by("-order").first().exercise.lay_name
    assert text.index(last_exercise) < text.index("To read") < text.index(hurt.title)
    assert text.index(hurt.title) < text.index("My week")
    # Another choice is a new revision, so a new handout.
    as_clinician_a.post(
        edit_url(patient_a1, program_a1), builder_post(program_a1, leaflets=["pacing"])
    )
    program_a1.refresh_from_db()
    text = handout_text(as_clinician_a, patient_a1, program_a1)
    assert hurt.title not in text and BY_SLUG["pacing"].title in text


@pytest.mark.parametrize("leaflet", LEAFLETS, ids=lambda leaflet: leaflet.slug)
def test_leaflets_are_short_and_plain(leaflet):
    # Reading age about 12: short sentences, few long words, a handful of paragraphs.
    words = re.findall(r"[A-Za-z']+", " ".join(leaflet.paragraphs))
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(leaflet.paragraphs))
    assert 3 <= len(leaflet.paragraphs) <= 7
    assert max(len(s.split()) for s in sentences) <= 25
    long_words = [w for w in words if len(re.findall(r"[aeiouy]+", w.lower())) >= 4]
    assert len(long_words) / len(words) < 0.05, long_words
    assert leaflet.reference


def test_every_built_in_template_has_leaflets_that_exist():
    from programs.content.exercises import TEMPLATES

    assert {entry["key"] for entry in TEMPLATES} <= set(FOR_TEMPLATES)
    assert all(slug in BY_SLUG for slugs in FOR_TEMPLATES.values() for slug in slugs)


def test_no_leaflet_sets_a_dose_of_its_own():
    # A handout's amounts come from the prescription (issue 13): a leaflet printed beside
    # a breathing exercise must not give it another length or number of times a day.
    for leaflet in LEAFLETS:
        for paragraph in leaflet.paragraphs:
            assert not re.search(r"\d+\s*(seconds|times a day)|once or twice a day", paragraph)


def test_pain_while_exercising_is_left_to_the_programs_pain_guide():
    """Found by review: a handout's pain guide said 4 to 5 is fine if it has settled by the
    next morning, and its leaflet "if it settles within an hour or two": two rules in one
    handout. A leaflet that speaks of pain during exercise points to the guide."""
    about = [p for leaflet in LEAFLETS for p in leaflet.paragraphs if "while you exercise" in p]
    assert about
    for paragraph in about:
        assert "pain guide" in paragraph and "hour" not in paragraph
