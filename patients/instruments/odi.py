"""Oswestry Disability Index: ten sections 0-5, as a percentage of what was answered.

The item wording is licensed by its owners: the clinic enters section values from its
own licensed form, and Limber holds the section names only.
"""

from __future__ import annotations

from types import MappingProxyType

from patients.instruments.base import (
    LICENSED_NOTE,
    Instrument,
    Score,
    answered_sections,
    sections_shape,
    unscorable,
)

# Upper bound (inclusive) of each ODI band. Valid ODI percentages are multiples
# of 2, 20/9 or 2.5, so none fall strictly between a bound and the next whole
# number; "up to and including" therefore matches the published 0-20 / 21-40 cut.
ODI_BANDS: tuple[tuple[int, str, str], ...] = (
    (20, "0-20", "Mild: most everyday activities are manageable"),
    (40, "21-40", "Moderate: some everyday activities are hard"),
    (60, "41-60", "Severe: pain limits many everyday activities"),
    (80, "61-80", "Very severe: pain affects most of daily life"),
    (100, "81-100", "Extreme: pain affects almost every part of daily life"),
)

SECTIONS = (
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Walking",
    "Sitting",
    "Standing",
    "Sleeping",
    "Sex life",
    "Social life",
    "Travelling",
)


def score_odi(answers: object) -> Score:
    answered, missing = answered_sections("odi", answers, 10)
    if missing > 2:
        reason = f"{missing} sections unanswered; at most 2 may be left blank"
        return unscorable("odi", missing, reason)
    # Multiply before dividing so whole-number percentages come out exact.
    percent = sum(answered) * 100 / (5 * len(answered))
    band, label = _band(percent)
    return Score(
        code="odi", value=percent, valid=True, band=band, band_label=label, missing=missing
    )


def _band(percent: float) -> tuple[str, str]:
    for upper, key, label in ODI_BANDS:
        if percent <= upper:
            return key, label
    raise ValueError(f"odi: percentage {percent} is above 100")  # pragma: no cover


INSTRUMENT = Instrument(
    code="odi",
    name="Oswestry Disability Index",
    short_name="ODI",
    higher_is_better=False,
    mcid=10,
    has_percent_rule=True,
    min_value=0,
    max_value=100,
    unit="%",
    citation=(
        "Fairbank JC, Couper J, Davies JB, O'Brien JP. The Oswestry low back pain "
        "disability questionnaire. Physiotherapy 1980;66:271–273; Fairbank JC, "
        "Pynsent PB. The Oswestry Disability Index. Spine 2000;25:2940–2953. "
        f"{LICENSED_NOTE}"
    ),
    item_text_licensed=True,
    sections=SECTIONS,
    band_labels=MappingProxyType({key: label for _, key, label in ODI_BANDS}),
    band_kind="percent",
    shape=sections_shape(SECTIONS),
    scorer=score_odi,
)
