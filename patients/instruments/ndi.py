"""Neck Disability Index: ten items 0-5, summed out of 50, a blank taking the mean.

Licensed wording, as the ODI's: Limber holds the section names, never the items.
"""

from __future__ import annotations

from patients.instruments.base import (
    LICENSED_NOTE,
    Instrument,
    Score,
    answered_sections,
    sections_shape,
    unscorable,
)

SECTIONS = (
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Reading",
    "Headaches",
    "Concentration",
    "Work",
    "Driving",
    "Sleeping",
    "Recreation",
)


def score_ndi(answers: object) -> Score:
    answered, missing = answered_sections("ndi", answers, 10)
    if missing >= 3:
        reason = f"{missing} items unanswered; at most 2 may be left blank"
        return unscorable("ndi", missing, reason)
    # Giving each blank the mean of the answered items is the same as scaling the
    # answered sum up to 10 items; written this way it stays exact when nothing
    # is missing.
    raw = sum(answered) * 10 / len(answered)
    return Score(code="ndi", value=raw, valid=True, percent=raw * 2, missing=missing)


# Young BA et al., Spine J 2009;9:802-808: MCID 7.5 and MDC 10.2 raw points
# (0-50). The often-quoted 5 is only the low end of the published range.
INSTRUMENT = Instrument(
    code="ndi",
    name="Neck Disability Index",
    short_name="NDI",
    higher_is_better=False,
    mcid=7.5,
    has_percent_rule=False,
    min_value=0,
    max_value=50,
    unit="/50",
    citation=(
        "Vernon H, Mior S. The Neck Disability Index: a study of reliability and validity. "
        f"J Manipulative Physiol Ther 1991;14:409–415. {LICENSED_NOTE}"
    ),
    mdc=10.2,
    item_text_licensed=True,
    sections=SECTIONS,
    shape=sections_shape(SECTIONS),
    scorer=score_ndi,
)
