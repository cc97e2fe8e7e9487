"""How many times a dose is done through: one rule for the time estimates and the timer."""

from __future__ import annotations

import re

import pytest

from programs import dosage
from programs.localized import localize_items, prefetch_for
from programs.models import CueKind, Exercise, Side
from tests.conftest import revise


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
