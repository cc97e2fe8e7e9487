"""When an exercise is ready to be made harder: the rules an exercise can name
(`Exercise.progress_when`). Their thresholds live here; patients.progressions checks a
patient's logs against them (this app knows no patients)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class ProgressRule(models.TextChoices):
    STEADY_WEEK = "steady_week", "A steady week"
    STEADY_FORTNIGHT = "steady_fortnight", "A steady fortnight"


@dataclass(frozen=True)
class Threshold:
    days: int
    # Pain during the exercise, 0 to 10, on every session of the period.
    pain_at_most: int
    # Sessions logged in the period, at least (all planned sets done in each).
    sessions_at_least: int
    # Every morning check of the period "no worse" than the day before.
    mornings_no_worse: bool
    # For the clinician, beside a suggestion.
    text: str


THRESHOLDS: dict[str, Threshold] = {
    ProgressRule.STEADY_WEEK: Threshold(
        days=7,
        pain_at_most=3,
        sessions_at_least=5,
        mornings_no_worse=True,
        text="7 days with pain during at most 3/10, every set done in at least 5 sessions, "
        "and no morning worse than the day before",
    ),
    ProgressRule.STEADY_FORTNIGHT: Threshold(
        days=14,
        pain_at_most=2,
        sessions_at_least=10,
        mornings_no_worse=True,
        text="14 days with pain during at most 2/10, every set done in at least 10 "
        "sessions, and no morning worse than the day before",
    ),
}
