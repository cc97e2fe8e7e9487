"""Numeric Pain Rating Scale: pain 0-10, the mean of best, worst and now over 24 hours.

The wording is our own plain-language text: short sentences a 12-year-old can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from patients.instruments.base import Answer, AnswerShape, Instrument, Question, Score, _int

NPRS_PROMPT = (
    "Think about your pain over the last 24 hours. "
    "Answer each question with a number from 0 to 10. "
    "0 means no pain at all. "
    "10 means the worst pain you can imagine."
)

# Keys are the names stored in the answers; the NPRS value is the mean of the three.
NPRS_QUESTIONS: dict[str, str] = {
    "best": "At its best: the least pain you had in the last 24 hours",
    "worst": "At its worst: the most pain you had in the last 24 hours",
    "now": "Right now: the pain you have at this moment",
}

NPRS_ANCHORS: dict[int, str] = {
    0: "No pain at all",
    10: "The worst pain you can imagine",
}

# LOINC 72514-3: pain severity, 0-10 verbal numeric rating, reported.
PAIN_SEVERITY_LOINC: Mapping[str, str] = MappingProxyType(
    {"code": "72514-3", "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
)

# The three ratings, in the order they are asked and stored.
RATINGS = tuple(NPRS_QUESTIONS)


def nprs_mean(best: int, worst: int, now: int) -> int:
    """The three ratings' mean rounded half up to a whole number: the public answer shape
    of ``score("nprs", ...)`` for a tool that has the three ratings. Limber itself stores
    and compares the mean as it is (`ratings_mean`): the 2-point MCID (Childs 2005) was
    derived from the mean, and rounding turns changes below it into changes that meet it.
    """
    total = _total(best, worst, now)
    # floor(total / 3 + 1/2) in whole numbers. A mean of three whole numbers never
    # ends in exactly .5, but the rule is spelled out so nobody swaps in round(),
    # which takes halves to the even neighbour.
    return (2 * total + 3) // 6


class RatingsMean(float):
    """The mean of the three ratings as it is: what is stored and compared. Rounded to a
    whole number it can only make a change look bigger (5.67 to 4.33, 1.33 points, became
    6 to 4, a "meaningful" 2). Made only by `ratings_mean`; the public answer shape of
    ``score("nprs", ...)`` stays one whole number, and any other float is refused."""


def ratings_mean(best: int, worst: int, now: int) -> RatingsMean:
    return RatingsMean(_total(best, worst, now) / 3)


def _total(best: int, worst: int, now: int) -> int:
    """The three ratings added up, each checked (and named when it is wrong)."""
    return sum(
        _int("nprs", name, value, 0, 10)
        for name, value in (("best", best), ("worst", worst), ("now", now))
    )


def score_nprs(answers: object) -> Score:
    if isinstance(answers, RatingsMean):
        return Score(code="nprs", value=float(answers), valid=True)
    value = _int("nprs", None, answers, 0, 10)
    return Score(code="nprs", value=value, valid=True)


def nprs_ratings(answers: Any) -> dict[str, int] | None:
    """The best, worst and now ratings of a stored NPRS; None for an older response,
    stored as one bare rating before the three were asked."""
    if isinstance(answers, dict) and set(answers) == set(RATINGS):
        return {name: answers[name] for name in RATINGS}
    return None


def nprs_detail(answers: Any) -> str:
    """The three ratings behind an NPRS value, in words; empty for an older response."""
    ratings = nprs_ratings(answers)
    if ratings is None:
        return ""
    return ", ".join(f"{name} {ratings[name]}" for name in RATINGS)


def _scored(answers: Any) -> Any:
    if isinstance(answers, dict):
        ratings = nprs_ratings(answers)
        if ratings is None:
            raise ValueError("nprs: answers must hold the best, worst and now ratings")
        return ratings_mean(**ratings)
    return answers


def _refused(answers: Any) -> str:
    if nprs_ratings(answers) is None:
        return "nprs: record the best, worst and now ratings of the last 24 hours"
    return ""


def _export_detail(answers: Any) -> str:
    # Responses from before the three ratings hold one "right now" rating.
    ratings = nprs_detail(answers)
    return f"mean of {ratings}" if ratings else "single rating (right now)"


def _answer_list(answers: Any) -> list[Answer]:
    if isinstance(answers, dict):
        return [
            Answer(key, int(answers[key]), NPRS_QUESTIONS[key]) for key in RATINGS if key in answers
        ]
    return [Answer("now", int(answers))]


def _stored(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in RATINGS}


INSTRUMENT = Instrument(
    code="nprs",
    name="Numeric Pain Rating Scale",
    short_name="NPRS",
    higher_is_better=False,
    mcid=2,
    has_percent_rule=True,
    min_value=0,
    max_value=10,
    unit="/10",
    citation=(
        "Childs JD, Piva SR, Fritz JM. Responsiveness of the numeric pain rating scale "
        "in patients with low back pain. Spine 2005;30:1331–1334."
    ),
    instructions=(NPRS_PROMPT,),
    # "1" was a single rating; "2" is the mean of best, worst and now over 24 hours.
    form_version="2",
    patient_completable=True,
    loinc=PAIN_SEVERITY_LOINC,
    shape=AnswerShape(
        questions=tuple(
            Question(name, "rating", label=label, top=10, anchors=tuple(NPRS_ANCHORS.items()))
            for name, label in NPRS_QUESTIONS.items()
        ),
        stored=_stored,
        scored=_scored,
        refused=_refused,
        detail=nprs_detail,
        export_detail=_export_detail,
        answer_list=_answer_list,
    ),
    scorer=score_nprs,
)
