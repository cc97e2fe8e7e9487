"""Checks on the patient-facing questionnaire wording, as the instrument registry
(patients/instruments/) declares it: published wording exactly, our own plain, licensed
wording nowhere, and the registry free of Django."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from patients.instruments import INSTRUMENTS, instrument, score
from patients.instruments.base import LICENSED_NOTE
from patients.instruments.lefs import LEFS_ACTIVITIES, LEFS_INSTRUCTIONS, LEFS_SCALE
from patients.instruments.nprs import NPRS_ANCHORS, NPRS_PROMPT, NPRS_QUESTIONS
from patients.instruments.psfs import PSFS_INSTRUCTIONS, PSFS_SCALE_ANCHORS
from patients.instruments.rmdq import RMDQ_INSTRUCTIONS, RMDQ_ITEMS
from patients.views.patient_area.questionnaire import PUBLISHED_NOTE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REGISTRY = PROJECT_ROOT / "patients" / "instruments"
MAX_ITEM_CHARS = 140

LICENSED = sorted(code for code, i in INSTRUMENTS.items() if i.item_text_licensed)

# Only our own wording is held to the plain-language rules. The Roland-Morris and
# LEFS texts are quoted from their published forms and must not be simplified.
PATIENT_TEXTS = {
    "instructions and prompts": (NPRS_PROMPT, PSFS_INSTRUCTIONS, str(PUBLISHED_NOTE)),
    "nprs questions": tuple(NPRS_QUESTIONS.values()),
    "anchors": (*NPRS_ANCHORS.values(), *PSFS_SCALE_ANCHORS.values()),
}


def _sentences(text: str) -> list[str]:
    # A fragment with no closing full stop (a LEFS activity) counts as one sentence.
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _words(sentence: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9'-]+", sentence)


# --- item lists -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "count"),
    [(RMDQ_ITEMS, 24), (LEFS_ACTIVITIES, 20), (LEFS_SCALE, 5)],
    ids=["rmdq", "lefs", "lefs-scale"],
)
def test_item_lists_have_the_published_length(items, count):
    assert isinstance(items, tuple)
    assert len(items) == count


@pytest.mark.parametrize(
    "items", [RMDQ_ITEMS, LEFS_ACTIVITIES, LEFS_SCALE], ids=["rmdq", "lefs", "lefs-scale"]
)
def test_items_are_short_distinct_and_tidy(items):
    for item in items:
        assert isinstance(item, str)
        assert item.strip(), "empty item"
        assert len(item) <= MAX_ITEM_CHARS, item
        assert item == item.strip(), f"stray whitespace: {item!r}"
        assert "  " not in item, f"double space: {item!r}"
        assert item[0].isupper(), item
    assert len({item.casefold() for item in items}) == len(items), "duplicate item"


def test_rmdq_items_are_first_person_statements():
    for item in RMDQ_ITEMS:
        assert item.endswith("."), item
        assert re.search(r"\b(I|my|me)\b", item, re.IGNORECASE), item


def test_lefs_activities_end_with_a_full_stop_as_printed():
    for activity in LEFS_ACTIVITIES:
        assert activity.endswith("."), activity


def test_lefs_scale_runs_from_worst_to_best():
    assert LEFS_SCALE[0] == "Extreme Difficulty or Unable to Perform Activity"
    assert LEFS_SCALE[4] == "No Difficulty"


def test_item_counts_match_the_scoring_answer_shapes():
    # A form built from these lists must produce answers that scoring accepts.
    assert score("rmdq", [True] * len(RMDQ_ITEMS)).value == 24
    assert score("lefs", [len(LEFS_SCALE) - 1] * len(LEFS_ACTIVITIES)).value == 80


# --- published wording (Roland & Morris 1983; Binkley et al. 1999) ----------------


# Checked against the authors' English original (rmdq.org) and the PhenX Toolkit copy.
@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "I stay at home most of the time because of my back."),
        (2, "I change position frequently to try and get my back comfortable."),
        (
            4,
            "Because of my back I am not doing any of the jobs that I usually do around the house.",
        ),
        (7, "Because of my back, I have to hold on to something to get out of an easy chair."),
        (9, "I get dressed more slowly than usual because of my back."),
        (13, "My back is painful almost all the time."),
        (15, "My appetite is not very good because of my back pain."),
        (16, "I have trouble putting on my socks (or stockings) because of the pain in my back."),
        (17, "I only walk short distances because of my back."),
        (19, "Because of my back pain, I get dressed with help from someone else."),
        (
            22,
            "Because of my back pain, I am more irritable and bad tempered with people than usual.",
        ),
        (24, "I stay in bed most of the time because of my back."),
    ],
)
def test_rmdq_items_are_the_published_wording(number, text):
    assert RMDQ_ITEMS[number - 1] == text


def test_rmdq_instructions_are_the_published_ones():
    assert RMDQ_INSTRUCTIONS[0] == (
        "When your back hurts, you may find it difficult to do some of the things you normally do."
    )
    assert RMDQ_INSTRUCTIONS[-1].endswith(
        "put a tick against it. If the sentence does not describe you, then leave the space "
        "blank and go on to the next one. Remember, only tick the sentence if you are sure "
        "it describes you today."
    )


# Checked against several independent copies of the form printed in Phys Ther 1999.
@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "Any of your usual work, housework, or school activities."),
        (2, "Your usual hobbies, recreational or sporting activities."),
        (4, "Walking between rooms."),
        (7, "Lifting an object, like a bag of groceries from the floor."),
        (8, "Performing light activities around your home."),
        (11, "Walking 2 blocks."),
        (13, "Going up or down 10 stairs (about 1 flight of stairs)."),
        (16, "Running on even ground."),
        (18, "Making sharp turns while running fast."),
        (20, "Rolling over in bed."),
    ],
)
def test_lefs_items_are_the_published_wording(number, text):
    assert LEFS_ACTIVITIES[number - 1] == text


def test_lefs_instructions_and_answers_are_the_published_ones():
    assert LEFS_INSTRUCTIONS == (
        "We are interested in knowing whether you are having any difficulty at all with "
        "the activities listed below because of your lower limb problem for which you are "
        "currently seeking attention. Please provide an answer for each activity.",
        "Today, do you or would you have any difficulty at all with:",
    )
    assert LEFS_SCALE == (
        "Extreme Difficulty or Unable to Perform Activity",
        "Quite a Bit of Difficulty",
        "Moderate Difficulty",
        "A Little Bit of Difficulty",
        "No Difficulty",
    )


def test_quoted_instruments_are_rmdq_and_lefs():
    assert sorted(code for code, i in INSTRUMENTS.items() if i.quoted) == ["lefs", "rmdq"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rmdq", RMDQ_INSTRUCTIONS),
        ("lefs", LEFS_INSTRUCTIONS),
        ("psfs", (PSFS_INSTRUCTIONS,)),
        ("nprs", (NPRS_PROMPT,)),
        ("odi", ()),
        ("ndi", ()),
        ("sbst", ()),
    ],
)
def test_each_instrument_gives_its_paragraphs_of_instructions(code, expected):
    assert instrument(code).instructions == expected


# --- NPRS and PSFS -----------------------------------------------------------------


def test_nprs_and_psfs_anchor_both_ends_of_a_0_to_10_scale():
    assert set(NPRS_ANCHORS) == {0, 10}
    assert set(PSFS_SCALE_ANCHORS) == {0, 10}
    assert "no pain" in NPRS_ANCHORS[0].casefold()
    assert "worst" in NPRS_ANCHORS[10].casefold()
    assert "can't" in PSFS_SCALE_ANCHORS[0].casefold()
    assert "before" in PSFS_SCALE_ANCHORS[10]


def test_nprs_asks_best_worst_and_now_over_the_last_24_hours():
    assert list(NPRS_QUESTIONS) == ["best", "worst", "now"]
    assert "last 24 hours" in NPRS_PROMPT
    assert "last 24 hours" in NPRS_QUESTIONS["best"] and "least" in NPRS_QUESTIONS["best"]
    assert "last 24 hours" in NPRS_QUESTIONS["worst"] and "most" in NPRS_QUESTIONS["worst"]
    assert "right now" in NPRS_QUESTIONS["now"].casefold()


def test_prompts_name_the_scale_they_use():
    assert "0 to 10" in NPRS_PROMPT
    assert "3 to 5" in PSFS_INSTRUCTIONS
    assert "0 to 10" in PSFS_INSTRUCTIONS
    # Change is only meaningful when the same activities are rated each time.
    assert "same activities" in PSFS_INSTRUCTIONS
    assert "today" in RMDQ_INSTRUCTIONS[-1]
    assert LEFS_INSTRUCTIONS[-1].startswith("Today")


# --- plain language ---------------------------------------------------------------


@pytest.mark.parametrize("group", sorted(PATIENT_TEXTS))
def test_average_sentence_is_under_16_words(group):
    sentences = [s for text in PATIENT_TEXTS[group] for s in _sentences(text)]
    lengths = [len(_words(s)) for s in sentences]
    assert sum(lengths) / len(lengths) < 16, group
    # One rambling sentence can hide inside a good average.
    assert max(lengths) <= 20, max(zip(lengths, sentences, strict=True))


def test_patient_text_avoids_clinical_jargon():
    jargon = {"perform", "extremity", "lumbar", "ambulate", "irritable", "flexion", "sustain"}
    for texts in PATIENT_TEXTS.values():
        for text in texts:
            words = {w.casefold() for w in _words(text)}
            assert not words & jargon, text


# --- citations and licensing ------------------------------------------------------


def test_every_instrument_has_a_citation():
    assert all(i.citation for i in INSTRUMENTS.values())


@pytest.mark.parametrize(
    ("code", "needles"),
    [
        ("nprs", ("Childs", "Spine 2005;30:1331–1334")),
        ("odi", ("Fairbank", "Physiotherapy 1980;66:271–273", "Spine 2000;25:2940–2953")),
        ("rmdq", ("Roland M, Morris R", "Part I", "Spine 1983;8:141–144")),
        ("psfs", ("Stratford", "Physiotherapy Canada 1995;47:258–263")),
        ("ndi", ("Vernon H, Mior S", "J Manipulative Physiol Ther 1991;14:409–415")),
        ("lefs", ("Binkley", "Phys Ther 1999;79:371–383")),
        ("sbst", ("Hill JC", "Arthritis Rheum 2008;59:632–641")),
    ],
)
def test_citation_names_the_source(code, needles):
    citation = INSTRUMENTS[code].citation
    assert "\n" not in citation
    assert citation == citation.strip()
    for needle in needles:
        assert needle in citation


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_citation_marks_licensed_wording_exactly_when_scoring_does(code):
    assert (LICENSED_NOTE in INSTRUMENTS[code].citation) is INSTRUMENTS[code].item_text_licensed


def test_licensed_instruments_are_the_three_the_design_names():
    assert LICENSED == ["ndi", "odi", "sbst"]


@pytest.mark.parametrize("code", LICENSED)
def test_licensed_instruments_hold_no_items(code):
    assert INSTRUMENTS[code].items == ()
    module = importlib.import_module(f"patients.instruments.{code}")
    assert not [name for name in vars(module) if name.isupper() and "ITEM" in name]


def test_the_displayable_lists_are_the_published_ones():
    assert INSTRUMENTS["rmdq"].items is RMDQ_ITEMS
    assert INSTRUMENTS["lefs"].items is LEFS_ACTIVITIES


@pytest.mark.parametrize("code", ["nprs", "psfs"])
def test_no_items_where_there_is_no_fixed_item_list(code):
    assert INSTRUMENTS[code].items == ()


@pytest.mark.parametrize("code", ["RMDQ", "oswestry", "", None])
def test_unknown_codes_are_refused(code):
    with pytest.raises(ValueError, match="unknown instrument code"):
        instrument(code)


# Fragments of the licensed ODI, NDI and STarT Back item wording (written here only to
# look for them). None may appear in the code or on any page.
LICENSED_FRAGMENTS = (
    "is very mild at the moment",  # NDI pain intensity
    "i can look after myself normally",  # ODI / NDI personal care
    "pain prevents me from",  # ODI / NDI walking, sitting, lifting
    "without having to use pain",  # ODI pain intensity
    "not really safe for a person",  # STarT Back item 5
    "going through my mind",  # STarT Back item 6
    "never going to get any better",  # STarT Back item 7
)


def test_no_licensed_item_wording_in_the_code_or_templates():
    roots = ("clinic", "patients", "programs", "templates")
    found = []
    for root in roots:
        for path in (PROJECT_ROOT / root).rglob("*"):
            if path.suffix not in {".py", ".html", ".txt", ".js"} or "static" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace").casefold()
            found += [(str(path), f) for f in LICENSED_FRAGMENTS if f in text]
    assert not found


# --- no Django ------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(REGISTRY.glob("*.py")), ids=lambda p: p.name)
def test_registry_source_imports_no_django(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    assert not [name for name in imported if name.split(".")[0] == "django"]


def test_registry_imports_cleanly_without_django_loaded():
    # Run in a fresh interpreter: pytest-django has already loaded Django here.
    probe = (
        "import sys, patients.instruments; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
