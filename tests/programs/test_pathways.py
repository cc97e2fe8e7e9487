"""Condition pathways: installed as templates, suggested on the chart from the intake and
the STarT Back group, with their rationale and references for the clinician."""

from __future__ import annotations

import re
from datetime import date

import pytest

from programs.content.leaflets import BY_SLUG as LEAFLETS
from programs.content.pathways import PATHWAYS, suggested
from programs.models import Exercise, Program
from tests.factories import IntakeFactory, OutcomeResponseFactory


def test_every_pathway_is_a_shared_template_with_its_exercises_and_leaflets(db):
    assert {p.key for p in PATHWAYS} >= {
        "pathway-acute-low-back",
        "pathway-chronic-low-back",
        "pathway-sciatica",
        "pathway-lumbar-stenosis",
        "pathway-neck-pain",
        "pathway-knee-oa",
        "pathway-after-knee-replacement",
    }
    for pathway in PATHWAYS:
        template = Program.objects.get(clinic=None, is_template=True, template_key=pathway.key)
        slugs = list(template.items.order_by("order").values_list("exercise__slug", flat=True))
        assert slugs == list(pathway.items)
        assert sorted(template.leaflets) == sorted(pathway.leaflets)
        assert all(slug in LEAFLETS for slug in pathway.leaflets)
        assert pathway.rationale and pathway.references


@pytest.mark.parametrize("pathway", PATHWAYS, ids=lambda p: p.key)
def test_pathway_patient_text_is_short_and_plain(pathway):
    for text in (pathway.goal, pathway.patient_notes):
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert len(sentence.split()) <= 25, sentence


def test_sciatica_and_stenosis_use_their_direction_of_ease(db):
    flexion = set(Exercise.objects.filter(slug__in=["knee-to-chest-double"]).values_list("slug"))
    by_key = {p.key: p for p in PATHWAYS}
    assert "prone-press-up" in by_key["pathway-sciatica"].items
    assert not {"prone-press-up", "standing-back-extension"} & set(
        by_key["pathway-lumbar-stenosis"].items
    )
    assert flexion and "knee-to-chest-double" in by_key["pathway-lumbar-stenosis"].items


@pytest.mark.parametrize(
    ("stage", "sbst", "first"),
    [
        ("acute", "", "pathway-acute-low-back"),
        ("chronic", "", "pathway-chronic-low-back"),
        ("acute", "high", "pathway-chronic-low-back"),
        ("chronic", "low", "pathway-acute-low-back"),
    ],
)
def test_the_best_match_comes_first(stage, sbst, first):
    found = suggested("low_back", stage, sbst)
    assert found[0].key == first
    assert {p.region for p in found} == {"low_back"}


def test_the_chart_suggests_pathways_and_starts_one(as_clinician_a, patient_a1):
    IntakeFactory(
        patient=patient_a1, diagnosis="Back pain", region="low_back", onset_on=date.today()
    )
    OutcomeResponseFactory(
        patient=patient_a1,
        code="sbst",
        answers=[True] * 8 + [4],
        value=9,
        band="high",
        completed_on=date.today(),
    )
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Suggested pathways" in page and "STarT Back high risk" in page
    chronic = page.index("Chronic low back pain")
    assert chronic < page.index("Acute low back pain") and "Best match" in page[: chronic + 400]
    assert "Why this pathway" in page and "JOSPT 2021" in page
    template = Program.objects.get(template_key="pathway-chronic-low-back")
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/start/", {"template": str(template.uuid)}
    )
    assert response.status_code == 302
    program = Program.objects.get(assignment__patient=patient_a1)
    assert program.title == template.title and sorted(program.leaflets) == sorted(template.leaflets)


def test_a_neck_patient_sees_only_neck_pathways(as_clinician_a, patient_a1):
    IntakeFactory(patient=patient_a1, diagnosis="Neck pain", region="neck")
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    card = page[page.index('id="intake-heading"') :]
    card = card[: card.index("</section>")]
    assert "Neck pain \N{EM DASH} mobility" in card
    assert "Sciatica \N{EM DASH}" not in card and "Best match" not in card


def test_the_templates_page_says_why(as_clinician_a):
    page = as_clinician_a.get("/portal/templates/").content.decode()
    assert page.count("Why this pathway") == len(PATHWAYS)
    assert "Lancet 2011" in page
