"""Patient-Specific Functional Scale: the mean of 3 to 5 activities the patient names,
each rated 0-10, higher is better.

The wording is our own plain-language text: short sentences a 12-year-old can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from patients.instruments.base import (
    Answer,
    AnswerShape,
    Instrument,
    Question,
    Score,
    _int,
    _items,
    numbered_answers,
)

# The PSFS has no fixed items: the patient names the activities, and the same
# ones must be rated again at every later visit for the change to mean anything.
PSFS_INSTRUCTIONS = (
    "Think of 3 to 5 things you find hard to do because of your problem. "
    "Pick things that matter to you in daily life. "
    "Give each one a score from 0 to 10. "
    "0 means you can't do it at all. "
    "10 means you can do it as well as before your problem started. "
    "At later visits you will score the same activities again."
)

PSFS_SCALE_ANCHORS: dict[int, str] = {
    0: "Can't do it at all",
    10: "Can do it as well as before my problem",
}

# Activities a form offers; at least MIN_ACTIVITIES of them are named and rated.
MAX_ACTIVITIES = 5
MIN_ACTIVITIES = 3


def score_psfs(answers: object) -> Score:
    items = _items("psfs", answers, (MIN_ACTIVITIES, MAX_ACTIVITIES))
    ratings = [_int("psfs", i, item, 0, 10) for i, item in enumerate(items, 1)]
    return Score(code="psfs", value=sum(ratings) / len(ratings), valid=True)


def activities(answers: Any) -> list[str]:
    """The activities a stored PSFS names, in the order they were rated."""
    return list(answers.get("activities", [])) if isinstance(answers, dict) else []


def _stored(data: Mapping[str, Any]) -> dict[str, list]:
    pairs = [
        (data[f"activity_{n}"].strip(), data[f"rating_{n}"]) for n in range(1, MAX_ACTIVITIES + 1)
    ]
    pairs = [(a, r) for a, r in pairs if a and r is not None]
    return {"activities": [a for a, _ in pairs], "ratings": [r for _, r in pairs]}


def _scored(answers: Any) -> Any:
    # The stored JSON keeps the activity names too; the score takes the ratings.
    if not isinstance(answers, dict) or "ratings" not in answers:
        raise ValueError("psfs: answers must hold the activities and their ratings")
    return answers["ratings"]


def _export_detail(answers: Any) -> str:
    return "activities: " + " | ".join(answers.get("activities", []))


def _answer_list(answers: Any) -> list[Answer]:
    if not isinstance(answers, dict):
        return numbered_answers(answers)
    pairs = zip(answers.get("activities", []), answers.get("ratings", []), strict=False)
    return [
        Answer(f"activity_{n}", int(rating), str(activity))
        for n, (activity, rating) in enumerate(pairs, start=1)
    ]


def _questions() -> tuple[Question, ...]:
    questions: list[Question] = []
    for n in range(1, MAX_ACTIVITIES + 1):
        questions.append(Question(f"activity_{n}", "activity", required=False))
        questions.append(
            Question(
                f"rating_{n}",
                "activity_rating",
                top=10,
                required=False,
                anchors=tuple(PSFS_SCALE_ANCHORS.items()),
            )
        )
    return tuple(questions)


INSTRUMENT = Instrument(
    code="psfs",
    name="Patient-Specific Functional Scale",
    short_name="PSFS",
    higher_is_better=True,
    mcid=2,
    has_percent_rule=False,
    min_value=0,
    max_value=10,
    unit="/10",
    citation=(
        "Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change on "
        "individual patients: a report of a patient specific measure. "
        "Physiotherapy Canada 1995;47:258–263."
    ),
    instructions=(PSFS_INSTRUCTIONS,),
    patient_completable=True,
    shape=AnswerShape(
        questions=_questions(),
        stored=_stored,
        scored=_scored,
        min_activities=MIN_ACTIVITIES,
        named_items=activities,
        export_detail=_export_detail,
        answer_list=_answer_list,
    ),
    scorer=score_psfs,
)
