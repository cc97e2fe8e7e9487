"""How many times a dose is done through: one rule for the time estimates and the timer."""

from __future__ import annotations

import re

import pytest

from clinic.actors import Actor
from programs import dosage
from programs.localized import localize_items, prefetch_for
from programs.models import CueKind, Exercise, Side
from programs.services import exercise_copy
from tests.conftest import client_for, revise
from tests.programs.test_exercise_admin import form_data


@pytest.mark.parametrize("side", Side.values)
def test_only_a_dose_on_each_side_is_done_twice(side):
    one = {"sets": 2, "reps": 10, "hold_seconds": 5, "rest_seconds": 30, "side": "both"}
    sides = dosage.sides_in_turn({**one, "side": side})
    assert sides == (2 if side == "each_side" else 1)
    assert dosage.session_seconds({**one, "side": side}) == sides * dosage.session_seconds(one)


@pytest.fixture
def program_template() -> str:
    """A program with a dose "on each side" (single knee to chest) and others."""
    return "low-back-early-movement"


def test_the_timer_on_today_times_as_many_sides_as_the_estimate_counts(as_patient_a1, program_a1):
    """The timer ticked Done after one side of "10 reps on each side" while the handout's
    minutes counted both (review, phone finding 2): the page hands the timer the count."""
    items = {item.pk: item for item in program_a1.items.all()}
    assert any(item.side == "each_side" for item in items.values())
    page = as_patient_a1.get("/me/").content.decode()
    timers = re.findall(r'<div class="exercise-timer[^>]*>', page)
    assert len(timers) == len(items)
    for timer in timers:
        pk = int(re.search(r'data-done-checkbox="id_done_(\d+)"', timer).group(1))
        sides = re.search(r'data-sides="(\d+)"', timer)
        assert sides and int(sides.group(1)) == dosage.sides_in_turn(items[pk]), timer


@pytest.mark.parametrize(("side", "kept"), [("right", False), ("each_side", True)])
def test_a_translated_step_that_changes_sides_is_known_by_its_english_kind(
    side, kept, membership_a, program_a1
):
    """A translation stores its steps' texts only: each takes the kind of the English
    step in its place, so a Spanish reader's dose for one side loses the same step."""
    bird_dog = Exercise.objects.get(slug="bird-dog", clinic=None)
    revise(program_a1, membership_a, [{"exercise": bird_dog, "side": side}])
    items = localize_items(
        program_a1.items.select_related("exercise").prefetch_related(*prefetch_for("es")), "es"
    )
    (item,) = items
    assert not item.text.in_english and item.text.kinds[2] == CueKind.SIDES
    assert ("Vuelve y luego cambia de lado." in dosage.steps(item)) is kept
    assert len(dosage.steps(item)) == len(item.text.cues) - (not kept)


FORM_EN = "Keep your back flat and your hips level."
FORM_ES = "Mantén la espalda recta y las caderas niveladas."


def test_a_translated_step_keeps_its_kind_when_the_english_gains_a_changing_sides_step(
    as_admin_a, membership_a, patient_a1, program_a1
):
    """The diff review: a clinic translated its exercise (set-up, movement, form), then
    added "Then switch legs." to the English. Each Spanish step took the kind of the
    English step now in its place, the form step became "sides", and a dose for the left
    side only lost it. A translated step keeps the kind it was written for."""
    english = form_data(cue_form=FORM_EN, cue_feel="")
    assert as_admin_a.post("/portal/library/new/", english).status_code == 302
    own = Exercise.objects.get(name="Towel squeeze", clinic=patient_a1.clinic)
    translated = as_admin_a.post(
        f"/portal/library/{own.uuid}/translations/es/",
        {
            "name": "Apretar la toalla",
            "lay_name": "Aprieta una toalla entre las rodillas",
            "cue_1": "Siéntate con una toalla enrollada entre las rodillas.",
            "cue_2": "Aprieta la toalla y mantén, luego suelta despacio.",
            "cue_3": FORM_ES,
        },
    )
    assert translated.status_code == 302
    edited = as_admin_a.post(
        f"/portal/library/{own.uuid}/edit/", {**english, "cue_sides": "Then switch legs."}
    )
    assert edited.status_code == 302
    assert list(own.cues.values_list("kind", flat=True)) == ["setup", "movement", "sides", "form"]
    patient_a1.preferred_language = "es"
    patient_a1.save(update_fields=["preferred_language"])
    revise(program_a1, membership_a, [{"exercise": own, "sets": 1, "reps": 10, "side": "left"}])
    page = client_for(patient_a1.user).get("/me/program/").content.decode()
    assert "Aprieta una toalla entre las rodillas" in page and FORM_ES in page
    # The translation page puts it beside the English form step, the new step's box empty.
    boxes = as_admin_a.get(f"/portal/library/{own.uuid}/translations/es/").context["form"]
    assert (boxes["cue_3"].value(), boxes["cue_4"].value()) in {("", FORM_ES), (None, FORM_ES)}


def test_a_translated_change_of_sides_is_left_out_after_the_english_one_was_cleared(
    membership_a, patient_a1, program_a1
):
    """The reverse: a clinic's copy of bird dog keeps the library's Spanish, and the clinic
    took the English "Come back, then switch sides." out. Placed by position, the Spanish
    one took the kind of the step after it and was printed for a dose on one side."""
    copy = exercise_copy(
        actor=Actor.for_member(membership_a), source=Exercise.objects.get(slug="bird-dog")
    )
    copy.cues.filter(kind=CueKind.SIDES).delete()
    revise(program_a1, membership_a, [{"exercise": copy, "side": "left"}])
    (item,) = localize_items(
        program_a1.items.select_related("exercise").prefetch_related(*prefetch_for("es")), "es"
    )
    assert "Vuelve y luego cambia de lado." in item.text.cues
    assert "Vuelve y luego cambia de lado." not in dosage.steps(item)
    assert len(dosage.steps(item)) == len(item.text.cues) - 1


@pytest.mark.parametrize(
    ("in_english", "step"),
    [
        (True, "Pause for a moment, then lower it slowly."),
        (False, "Pause for un momento, then lower it slowly."),  # (a translated text's words)
    ],
)
def test_a_step_shown_in_english_has_its_amounts_in_english(in_english, step):
    """Found by the Spanish review: a clinic's exercise not translated yet read "Pause for
    un momento, then lower it slowly" to a Spanish reader: its English step, filled in
    Spanish."""
    from types import SimpleNamespace

    from django.utils import translation

    text = SimpleNamespace(
        cues=("Pause for {hold}, then lower it slowly.",), kinds=("",), in_english=in_english
    )
    item = SimpleNamespace(text=text, hold_seconds=None, side="")
    with translation.override("es"):
        assert dosage.steps(item) == [step]
