"""Keele STarT Back Screening Tool: nine items giving a risk group (low, medium, high)
that points to a treatment pathway; not tracked for change.

The item wording is licensed by its owners: the clinic enters the answers from its own
licensed form, and Limber holds our own short topic labels only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from patients.instruments.base import (
    LICENSED_NOTE,
    AnswerShape,
    Instrument,
    Question,
    Score,
    _bool,
    _int,
    _items,
)

SBST_RISK_LABELS: Mapping[str, str] = MappingProxyType(
    {"low": "Low risk", "medium": "Medium risk", "high": "High risk"}
)

SBST_PATHWAYS: Mapping[str, str] = MappingProxyType(
    {
        "low": (
            "Advice and reassurance, with support to manage at home; usually only "
            "a few visits are needed."
        ),
        "medium": "A standard course of physiotherapy focused on movement and function.",
        "high": (
            "Physiotherapy that also works on the worries, beliefs and mood that "
            "can hold recovery back."
        ),
    }
)

# Our own neutral topic labels, one per item, so staff can tell the items apart
# on screen without us reproducing the licensed questions.
TOPICS = (
    "Pain spreading to the leg",
    "Shoulder or neck pain",
    "Walking distance",
    "Getting dressed",
    "Feeling safe to be active",
    "Worrying thoughts",
    "Outlook on recovery",
    "Enjoyment of things",
    "How bothersome overall",
)

# Item 9's five answers; only the top two count as a point.
BOTHERSOME = ("Not at all", "Slightly", "Moderately", "Very much", "Extremely")


def score_sbst(answers: object) -> Score:
    items = _items("sbst", answers, 9)
    agreed = [_bool("sbst", i, item) for i, item in enumerate(items[:8], 1)]
    bothersome = _int("sbst", 9, items[8], 0, 4)
    # Item 9 is a five-point scale; only its top two answers count as a point.
    item9 = 1 if bothersome >= 3 else 0
    total = sum(agreed) + item9
    psychosocial = sum(agreed[4:8]) + item9
    if psychosocial >= 4:
        risk = "high"
    elif total >= 4:
        risk = "medium"
    else:
        risk = "low"
    return Score(
        code="sbst",
        value=total,
        valid=True,
        band=risk,
        band_label=SBST_RISK_LABELS[risk],
        psychosocial=psychosocial,
    )


def _stored(data: Mapping[str, Any]) -> list[bool | int]:
    return [bool(data[f"item_{n}"]) for n in range(1, 9)] + [data["item_9"]]


INSTRUMENT = Instrument(
    code="sbst",
    name="Keele STarT Back Screening Tool",
    short_name="STarT Back",
    higher_is_better=False,
    mcid=None,
    has_percent_rule=False,
    min_value=0,
    max_value=9,
    unit="/9",
    citation=(
        "Hill JC, Dunn KM, Lewis M, et al. A primary care back pain screening tool: "
        "identifying patient subgroups for initial treatment. "
        f"Arthritis Rheum 2008;59:632–641. {LICENSED_NOTE}"
    ),
    item_text_licensed=True,
    sections=TOPICS,
    band_labels=SBST_RISK_LABELS,
    pathways=SBST_PATHWAYS,
    band_kind="risk",
    shape=AnswerShape(
        questions=(
            *(Question(f"item_{n}", "agree", label=TOPICS[n - 1]) for n in range(1, 9)),
            Question("item_9", "scale", label=TOPICS[8], choices=BOTHERSOME),
        ),
        stored=_stored,
    ),
    scorer=score_sbst,
)
