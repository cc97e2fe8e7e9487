"""How many times a dose is done through: one rule for the time estimates and the timer."""

from __future__ import annotations

import re

import pytest

from programs import dosage
from programs.models import Side


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
