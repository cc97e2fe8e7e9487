"""The Spanish version of the built-in patient-facing content
(programs/content/translations/es/) is complete and keeps what the English one must
keep: the same entries, the same cue kinds in the same order, the same {placeholders},
no amounts typed into the steps, and lengths the database fields hold."""

from __future__ import annotations

import re
import tomllib

import pytest

from programs.content import translations
from programs.content.exercises import EXERCISES, TEMPLATES
from programs.content.leaflets import LEAFLETS
from programs.content.pathways import PATHWAYS

ES = translations.load("es")

EXERCISE_FIELDS = ("name", "lay_name", "cautions", "stop_if")
TEMPLATE_FIELDS = ("title", "goal", "patient_notes")
LEAFLET_FIELDS = ("title", "summary", "reference")
# The database fields' max_length (programs.models): the Spanish text is stored there too.
MAX_LENGTH = {
    "name": 80,
    "lay_name": 80,
    "cautions": 400,
    "stop_if": 300,
    "cue": 200,
    "title": 120,
    "goal": 300,
    "patient_notes": 1000,
}

# Any {...}: a misspelt placeholder ({mantener}) would be printed as it is.
BRACES = re.compile(r"\{[^{}]*\}")
ENGLISH_WORDS = re.compile(
    r"\b(the|your|you|and|with|don't|hold|stop|slowly|keep|then|knee|back|feel)\b",
    re.IGNORECASE,
)

EN_EXERCISES = {entry["slug"]: entry for entry in EXERCISES}
EN_TEMPLATES = {entry["key"]: entry for entry in TEMPLATES} | {
    pathway.key: {
        "title": pathway.title,
        "goal": pathway.goal,
        "patient_notes": pathway.patient_notes,
    }
    for pathway in PATHWAYS
}
EN_LEAFLETS = {leaflet.slug: leaflet for leaflet in LEAFLETS}


def _texts(es: dict) -> list[tuple[str, str, str]]:
    """(what, Spanish, English) for every text of the Spanish content that has an
    English counterpart."""
    pairs: list[tuple[str, str, str]] = []
    for slug, entry in es["exercises"].items():
        source = EN_EXERCISES.get(slug)
        if source is None:
            continue
        for field in EXERCISE_FIELDS:
            pairs.append((f"exercises.{slug}.{field}", entry.get(field, ""), source[field]))
        for i, ((_, text), (_, english)) in enumerate(
            zip(entry.get("cues", []), source["cues"], strict=False)
        ):
            pairs.append((f"exercises.{slug}.cues[{i}]", text, english))
    for key, entry in es["templates"].items():
        source = EN_TEMPLATES.get(key)
        if source is None:
            continue
        for field in TEMPLATE_FIELDS:
            pairs.append((f"templates.{key}.{field}", entry.get(field, ""), source[field]))
    for slug, entry in es["leaflets"].items():
        source = EN_LEAFLETS.get(slug)
        if source is None:
            continue
        for field in LEAFLET_FIELDS:
            pairs.append((f"leaflets.{slug}.{field}", entry.get(field, ""), getattr(source, field)))
        for i, (text, english) in enumerate(
            zip(entry.get("paragraphs", ()), source.paragraphs, strict=False)
        ):
            pairs.append((f"leaflets.{slug}.paragraphs[{i}]", text, english))
    return pairs


TEXTS = _texts(ES)


def test_every_file_parses_as_toml():
    files = sorted((translations.HERE / "es").glob("*.toml"))
    assert files
    for path in files:
        with path.open("rb") as handle:
            parsed = tomllib.load(handle)
        assert set(parsed) <= set(translations.SECTIONS), path.name


def test_spanish_is_available_and_an_unknown_language_is_empty():
    assert "es" in translations.available()
    assert translations.load("xx") == {"exercises": {}, "templates": {}, "leaflets": {}}
    assert translations.load("es") is ES  # cached


def test_every_exercise_has_a_spanish_entry_and_no_other():
    assert set(ES["exercises"]) == set(EN_EXERCISES), (
        f"missing: {sorted(set(EN_EXERCISES) - set(ES['exercises']))}; "
        f"unknown: {sorted(set(ES['exercises']) - set(EN_EXERCISES))}"
    )


def test_every_template_and_pathway_has_a_spanish_entry_and_no_other():
    assert set(ES["templates"]) == set(EN_TEMPLATES), (
        f"missing: {sorted(set(EN_TEMPLATES) - set(ES['templates']))}; "
        f"unknown: {sorted(set(ES['templates']) - set(EN_TEMPLATES))}"
    )


def test_every_leaflet_has_a_spanish_entry_and_no_other():
    assert set(ES["leaflets"]) == set(EN_LEAFLETS)


@pytest.mark.parametrize("slug", sorted(EN_EXERCISES))
def test_an_exercise_has_every_text_field_and_the_same_cues(slug):
    entry = ES["exercises"].get(slug)
    if entry is None:
        pytest.fail(f"no Spanish entry for {slug}")
    assert set(entry) == {*EXERCISE_FIELDS, "cues"}
    for field in EXERCISE_FIELDS:
        assert entry[field].strip(), field
    english = EN_EXERCISES[slug]["cues"]
    assert [kind for kind, _ in entry["cues"]] == [kind for kind, _ in english]
    for (kind, text), (_, english_text) in zip(entry["cues"], english, strict=True):
        assert text.strip(), kind
        if not re.search(r"\d", english_text):
            assert not re.search(r"\d", text), f"{kind}: amounts come from the prescription"


def test_templates_and_leaflets_have_every_text_field():
    for key, entry in ES["templates"].items():
        assert set(entry) == set(TEMPLATE_FIELDS), key
    for slug, entry in ES["leaflets"].items():
        assert set(entry) == {*LEAFLET_FIELDS, "paragraphs"}, slug
        assert len(entry["paragraphs"]) == len(EN_LEAFLETS[slug].paragraphs), slug


def test_every_text_is_filled_and_tidy():
    assert TEXTS
    for what, text, english in TEXTS:
        assert text.strip() or not english.strip(), f"{what} is empty"
        assert text == text.strip() and "  " not in text, f"{what}: stray spaces"
        assert text[-1] in ".!?" or english[-1] not in ".!?", f"{what}: no full stop"


def test_the_placeholders_are_the_same_as_in_english():
    for what, text, english in TEXTS:
        assert sorted(BRACES.findall(text)) == sorted(BRACES.findall(english)), what


def test_the_texts_fit_their_database_fields():
    for what, text, _ in TEXTS:
        field = "cue" if ".cues[" in what else what.rsplit(".", 1)[-1]
        if field in MAX_LENGTH:
            assert len(text) <= MAX_LENGTH[field], f"{what}: {len(text)} characters"


def test_the_texts_are_spanish():
    for what, text, english in TEXTS:
        if what.endswith(".reference"):
            continue  # citations keep their journals' (English) titles
        found = ENGLISH_WORDS.findall(BRACES.sub(" ", text))
        assert not found, f"{what}: English word(s) {found}"
        if not what.endswith(".name"):
            assert text != english, f"{what} is not translated"
    assert not any("usted" in text.lower() for _, text, _ in TEXTS), "we say tú"
    everything = " ".join(text for _, text, _ in TEXTS)
    assert re.search(r"[áéíóúñ¿¡]", everything)


def test_a_shared_english_stop_rule_stays_shared_in_spanish():
    """The shared stop rules (_BACK_STOP, _KNEE_STOP...) read the same on every handout."""
    spanish_for: dict[str, set[str]] = {}
    for slug, entry in ES["exercises"].items():
        if slug in EN_EXERCISES and "stop_if" in entry:
            spanish_for.setdefault(EN_EXERCISES[slug]["stop_if"], set()).add(entry["stop_if"])
    for english, spanish in spanish_for.items():
        assert len(spanish) == 1, f"{english!r} has {len(spanish)} Spanish versions"


# The English content's own rules (tests/programs/test_exercise_content.py), in Spanish.
# Amounts in words a step could contradict the prescription with; "a cuatro patas"
# (on hands and knees) and "el segundo dedo" (the second toe) are not amounts.
NUMBER_WORDS = re.compile(
    r"\b(tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|"
    r"docena|segundos|minutos|un minuto|medio minuto|(una|dos|tres) veces)\b",
    re.IGNORECASE,
)
NOT_AMOUNTS = re.compile(r"\ba cuatro patas\b|\bsegundo dedo\b", re.IGNORECASE)
STOP_SIGNS = ("punzante", "extiende", "hormigueo", "adormecimiento", "mare", "falla", "hinch")


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def test_steps_name_no_amounts_in_words_either():
    for slug, entry in ES["exercises"].items():
        for kind, text in entry["cues"]:
            found = NUMBER_WORDS.search(NOT_AMOUNTS.sub("", text))
            assert not found, f"{slug} {kind}: {found.group(0)!r} (use a placeholder)"


def test_cautions_stop_rules_and_lay_names_name_no_amounts():
    """They are not filled from the prescription, like the English ones."""
    for slug, entry in ES["exercises"].items():
        for field in ("cautions", "stop_if", "lay_name"):
            assert not re.search(r"[\d{}]", entry[field]), f"{slug}.{field}"


def test_the_spanish_keeps_the_english_shape():
    for slug, entry in ES["exercises"].items():
        for kind, text in entry["cues"]:
            assert 1 <= len(_sentences(text)) <= 2, f"{slug} {kind}"
            if kind == "feel":
                assert text.startswith("Deberías notar"), slug
        assert 1 <= len(_sentences(entry["cautions"])) <= 2, slug
        assert len(_sentences(entry["stop_if"])) == 1, slug
        assert entry["name"] != entry["lay_name"], slug


def test_stop_rules_follow_the_pain_model():
    for slug, entry in ES["exercises"].items():
        stop_if = entry["stop_if"]
        assert stop_if.startswith("Detente si"), slug
        assert any(sign in stop_if.lower() for sign in STOP_SIGNS), slug


def test_sore_side_exercises_say_so_in_their_steps():
    for slug, entry in ES["exercises"].items():
        if slug in EN_EXERCISES and EN_EXERCISES[slug]["dosage"]["side"] == "affected":
            steps = " ".join(text for _kind, text in entry["cues"])
            assert "dolorid" in steps, slug


def test_the_loader_gives_the_english_shapes():
    """Cues as (kind, text) pairs like EXERCISES, paragraphs as a tuple like Leaflet."""
    cue = ES["exercises"]["cat-cow"]["cues"][0]
    assert isinstance(cue, tuple) and cue[0] == "setup"
    assert isinstance(ES["leaflets"]["pacing"]["paragraphs"], tuple)
