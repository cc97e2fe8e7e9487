from __future__ import annotations

from django import template
from django.utils.html import json_script

from programs import dosage
from programs.dosage import describe_dosage, fill_step

register = template.Library()


@register.filter
def dosage_line(item) -> str:
    return describe_dosage(item)


@register.filter
def done_amount(amount: tuple[int | None, int | None]) -> str:
    """(sets, reps) a patient gave as done, in words (dosage.describe_done)."""
    return dosage.describe_done(*amount)


@register.filter
def sides_in_turn(item) -> int:
    """How many sides the exercise timer times one after the other (its data-sides): the
    rule of the time estimates, so the timer never ticks Done after one side."""
    return dosage.sides_in_turn(item)


@register.filter
def steps(item) -> list[str]:
    """The steps of a prescribed item (with `.text`) as its patient reads them: amounts
    from the prescription, and no change of sides for a dose on one side (dosage.steps)."""
    return dosage.steps(item)


@register.filter
def step_text(text: str, item) -> str:
    """A step with its amounts taken from `item`: a prescribed item, or an exercise (its
    default dosage). Plain text: the template escapes it as usual."""
    return fill_step(text, item)


@register.simple_tag
def dosage_limits() -> str:
    """The model's dosage limits as a JSON script element (id "dosage-limits"), so page
    scripts clamp to the same numbers as the forms instead of typing their own."""
    return json_script(dosage.limits(), "dosage-limits")
