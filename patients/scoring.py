"""Scoring of the outcome questionnaires Limber supports.

Pure Python on purpose: views, services, the seed command, reports and the
tests all need the same numbers, and none of them should need a database or
Django settings to get them. The rules follow the "Outcome instruments" table
in DESIGN.md; ``score`` and ``change`` are a public contract, so their names and
fields stay stable.

ODI, NDI and STarT Back item wording is licensed by its owners. This module
therefore holds section names and our own short topic labels only, never the
item text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "INSTRUMENTS",
    "ODI_BANDS",
    "PERCENT_RULE",
    "SBST_PATHWAYS",
    "SBST_RISK_LABELS",
    "Change",
    "Instrument",
    "Score",
    "change",
    "nprs_mean",
    "score",
]

Number = int | float

# Share of the baseline that must be gained for the relative MCID rule (ODI, RMDQ,
# NPRS). Kept as a whole percentage so the comparison below stays exact.
PERCENT_RULE = 30

# Sums of whole-number answers divided by small counts produce float noise
# (11/3 - 5/3 == 1.9999999999999998). Rounding to 9 places removes that noise
# without ever moving a real result across a threshold, because every genuine
# score is a fraction with a denominator far below a billion.
_PRECISION = 9


@dataclass(frozen=True)
class Instrument:
    """What the rest of the project needs to know about a questionnaire."""

    code: str
    name: str
    short_name: str
    higher_is_better: bool
    # None means the instrument is not tracked for change (STarT Back).
    mcid: Number | None
    has_percent_rule: bool
    min_value: Number
    max_value: Number
    unit: str
    # Smallest change beyond measurement error (minimal detectable change), in the
    # same points as `mcid`; None where we hold no published value. Shown beside the
    # MCID because a change can be "meaningful" yet still inside the error (NDI).
    mdc: Number | None = None
    # True when the owners license the item wording: templates must show
    # `sections` (names only) and never try to print the questions.
    item_text_licensed: bool = False
    sections: tuple[str, ...] = ()
    # Mappings are left out of eq/hash: they are lookup tables, not identity,
    # and a mappingproxy is not hashable on every supported Python.
    band_labels: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )
    pathways: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    # What a score's band is, so pages show it without naming instruments: "percent" (a
    # range of a percentage score, with its label: ODI), "risk" (a risk group with its
    # treatment pathway: STarT Back), or "" (no band).
    band_kind: str = ""

    @property
    def tracked_for_change(self) -> bool:
        return self.mcid is not None


@dataclass(frozen=True)
class Score:
    """One scored questionnaire.

    `value` is None exactly when `valid` is False: a form that is well formed but
    has too many gaps is kept on record, yet must never be charted or compared.
    """

    code: str
    value: Number | None
    valid: bool
    # ODI: "0-20" … "81-100"; STarT Back: "low" / "medium" / "high"; else None.
    band: str | None = None
    band_label: str | None = None
    # NDI only: raw x 2, because clinics quote the NDI both ways.
    percent: float | None = None
    # STarT Back only: items 5-9, which decide the high-risk group.
    psychosocial: int | None = None
    # ODI / NDI: unanswered sections, shown next to the score so a reader knows
    # how much of it rests on substitution or a reduced denominator.
    missing: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class Change:
    """Difference between two scores of the same instrument.

    `delta` is signed so that positive always means the patient is better,
    whichever direction the instrument runs; charts and summaries then never
    need to know which instruments are reversed.
    """

    code: str
    baseline: Number
    current: Number
    delta: Number
    threshold: Number
    points_rule_met: bool
    # None where the instrument has no relative rule; False when the baseline is
    # 0, since nothing can improve by a share of zero.
    percent_rule_met: bool | None
    # Improvement as a percentage of the baseline; None when undefined
    # (no relative rule, or a baseline of 0).
    percent_change: float | None
    mcid_met: bool
    # The instrument's measurement-error threshold and whether the change (either
    # way) is at least that large; both None where no MDC is published.
    mdc: Number | None = None
    beyond_mdc: bool | None = None


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

_ODI_SECTIONS = (
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

_NDI_SECTIONS = (
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

# Our own neutral topic labels, one per item, so staff can tell the items apart
# on screen without us reproducing the licensed questions.
_SBST_TOPICS = (
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

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        "nprs": Instrument(
            code="nprs",
            name="Numeric Pain Rating Scale",
            short_name="NPRS",
            higher_is_better=False,
            mcid=2,
            has_percent_rule=True,
            min_value=0,
            max_value=10,
            unit="/10",
        ),
        "odi": Instrument(
            code="odi",
            name="Oswestry Disability Index",
            short_name="ODI",
            higher_is_better=False,
            mcid=10,
            has_percent_rule=True,
            min_value=0,
            max_value=100,
            unit="%",
            item_text_licensed=True,
            sections=_ODI_SECTIONS,
            band_labels=MappingProxyType({key: label for _, key, label in ODI_BANDS}),
            band_kind="percent",
        ),
        "rmdq": Instrument(
            code="rmdq",
            name="Roland-Morris Disability Questionnaire",
            short_name="RMDQ",
            higher_is_better=False,
            mcid=5,
            has_percent_rule=True,
            min_value=0,
            max_value=24,
            unit="/24",
        ),
        "psfs": Instrument(
            code="psfs",
            name="Patient-Specific Functional Scale",
            short_name="PSFS",
            higher_is_better=True,
            mcid=2,
            has_percent_rule=False,
            min_value=0,
            max_value=10,
            unit="/10",
        ),
        # Young BA et al., Spine J 2009;9:802-808: MCID 7.5 and MDC 10.2 raw points
        # (0-50). The often-quoted 5 is only the low end of the published range.
        "ndi": Instrument(
            code="ndi",
            name="Neck Disability Index",
            short_name="NDI",
            higher_is_better=False,
            mcid=7.5,
            has_percent_rule=False,
            min_value=0,
            max_value=50,
            unit="/50",
            mdc=10.2,
            item_text_licensed=True,
            sections=_NDI_SECTIONS,
        ),
        "lefs": Instrument(
            code="lefs",
            name="Lower Extremity Functional Scale",
            short_name="LEFS",
            higher_is_better=True,
            mcid=9,
            has_percent_rule=False,
            min_value=0,
            max_value=80,
            unit="/80",
        ),
        "sbst": Instrument(
            code="sbst",
            name="Keele STarT Back Screening Tool",
            short_name="STarT Back",
            higher_is_better=False,
            mcid=None,
            has_percent_rule=False,
            min_value=0,
            max_value=9,
            unit="/9",
            item_text_licensed=True,
            sections=_SBST_TOPICS,
            band_labels=SBST_RISK_LABELS,
            pathways=SBST_PATHWAYS,
            band_kind="risk",
        ),
    }
)


# --- public API -------------------------------------------------------------


def score(code: str, answers: object) -> Score:
    """Score one questionnaire; raise ValueError if `answers` has the wrong shape."""
    instrument = _instrument(code)
    return _SCORERS[instrument.code](answers)


def change(code: str, baseline: Score | Number, current: Score | Number) -> Change:
    """Compare two scores of one instrument against its meaningful change."""
    instrument = _instrument(code)
    if instrument.mcid is None:
        raise ValueError(
            f"{instrument.short_name} gives a risk group, which is not tracked for change"
        )
    before = _change_value(instrument, baseline, "baseline")
    after = _change_value(instrument, current, "current")

    raw = after - before if instrument.higher_is_better else before - after
    delta = round(raw, _PRECISION)
    points_rule_met = delta >= instrument.mcid

    percent_rule_met: bool | None = None
    percent_change: float | None = None
    if instrument.has_percent_rule:
        if before > 0:
            percent_change = round(delta * 100 / before, _PRECISION)
            percent_rule_met = percent_change >= PERCENT_RULE
        else:
            # From 0 there is no room to improve, and any share of 0 is 0.
            percent_rule_met = False

    mdc = instrument.mdc
    beyond_mdc = None if mdc is None else abs(delta) >= mdc

    return Change(
        code=instrument.code,
        baseline=before,
        current=after,
        delta=delta,
        threshold=instrument.mcid,
        points_rule_met=points_rule_met,
        percent_rule_met=percent_rule_met,
        percent_change=percent_change,
        mcid_met=points_rule_met or bool(percent_rule_met),
        mdc=mdc,
        beyond_mdc=beyond_mdc,
    )


def nprs_mean(best: int, worst: int, now: int) -> int:
    """The NPRS value from its three ratings over the last 24 hours: their mean,
    rounded half up to a whole number.

    The 2-point MCID (Childs 2005) was derived from this mean, not from one rating,
    so every NPRS that is scored goes through here first; ``score("nprs", ...)`` then
    takes the result, keeping its public answer shape of one whole number.
    """
    total = sum(
        _int("nprs", name, value, 0, 10)
        for name, value in (("best", best), ("worst", worst), ("now", now))
    )
    # floor(total / 3 + 1/2) in whole numbers. A mean of three whole numbers never
    # ends in exactly .5, but the rule is spelled out so nobody swaps in round(),
    # which takes halves to the even neighbour.
    return (2 * total + 3) // 6


# --- scorers ------------------------------------------------------------------


def _score_odi(answers: object) -> Score:
    items = _items("odi", answers, 10)
    values = [_int_or_none("odi", i, item, 0, 5) for i, item in enumerate(items, 1)]
    answered = [v for v in values if v is not None]
    missing = len(values) - len(answered)
    if missing > 2:
        return Score(
            code="odi",
            value=None,
            valid=False,
            missing=missing,
            reason=f"{missing} sections unanswered; at most 2 may be left blank",
        )
    # Multiply before dividing so whole-number percentages come out exact.
    percent = sum(answered) * 100 / (5 * len(answered))
    band, label = _odi_band(percent)
    return Score(
        code="odi", value=percent, valid=True, band=band, band_label=label, missing=missing
    )


def _score_ndi(answers: object) -> Score:
    items = _items("ndi", answers, 10)
    values = [_int_or_none("ndi", i, item, 0, 5) for i, item in enumerate(items, 1)]
    answered = [v for v in values if v is not None]
    missing = len(values) - len(answered)
    if missing >= 3:
        return Score(
            code="ndi",
            value=None,
            valid=False,
            missing=missing,
            reason=f"{missing} items unanswered; at most 2 may be left blank",
        )
    # Giving each blank the mean of the answered items is the same as scaling the
    # answered sum up to 10 items; written this way it stays exact when nothing
    # is missing.
    raw = sum(answered) * 10 / len(answered)
    return Score(code="ndi", value=raw, valid=True, percent=raw * 2, missing=missing)


def _score_rmdq(answers: object) -> Score:
    items = _items("rmdq", answers, 24)
    ticked = [_bool("rmdq", i, item) for i, item in enumerate(items, 1)]
    return Score(code="rmdq", value=sum(ticked), valid=True)


def _score_nprs(answers: object) -> Score:
    value = _int("nprs", None, answers, 0, 10)
    return Score(code="nprs", value=value, valid=True)


def _score_psfs(answers: object) -> Score:
    items = _items("psfs", answers, (3, 5))
    ratings = [_int("psfs", i, item, 0, 10) for i, item in enumerate(items, 1)]
    return Score(code="psfs", value=sum(ratings) / len(ratings), valid=True)


def _score_lefs(answers: object) -> Score:
    # No substitution: the LEFS total is only comparable with all 20 items.
    items = _items("lefs", answers, 20)
    values = [_int("lefs", i, item, 0, 4) for i, item in enumerate(items, 1)]
    return Score(code="lefs", value=sum(values), valid=True)


def _score_sbst(answers: object) -> Score:
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


_SCORERS = {
    "nprs": _score_nprs,
    "odi": _score_odi,
    "rmdq": _score_rmdq,
    "psfs": _score_psfs,
    "ndi": _score_ndi,
    "lefs": _score_lefs,
    "sbst": _score_sbst,
}


# --- helpers ------------------------------------------------------------------


def _instrument(code: object) -> Instrument:
    # Codes are stored on every response row, so accept only the exact spelling
    # rather than quietly normalising one that would not match on a query.
    if isinstance(code, str) and code in INSTRUMENTS:
        return INSTRUMENTS[code]
    known = ", ".join(sorted(INSTRUMENTS))
    raise ValueError(f"unknown instrument code {code!r}; expected one of: {known}")


def _odi_band(percent: float) -> tuple[str, str]:
    for upper, key, label in ODI_BANDS:
        if percent <= upper:
            return key, label
    raise ValueError(f"odi: percentage {percent} is above 100")  # pragma: no cover


def _items(code: str, answers: object, length: int | tuple[int, int]) -> Sequence[object]:
    # A str is a Sequence too; letting "0123401234" through would score digits.
    if not isinstance(answers, list | tuple):
        raise ValueError(f"{code}: answers must be a list, got {type(answers).__name__}")
    low, high = (length, length) if isinstance(length, int) else length
    if not low <= len(answers) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise ValueError(f"{code}: expected {expected} answers, got {len(answers)}")
    return answers


def _where(code: str, position: int | str | None) -> str:
    if position is None:
        return code
    # A named answer (NPRS "best") rather than a numbered item.
    return f"{code} {position}" if isinstance(position, str) else f"{code} item {position}"


def _int(code: str, position: int | str | None, value: object, low: int, high: int) -> int:
    # bool is an int subclass; a stray True would otherwise score as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{_where(code, position)}: expected a whole number {low}-{high}, "
            f"got {value!r} ({type(value).__name__})"
        )
    if not low <= value <= high:
        raise ValueError(
            f"{_where(code, position)}: expected a whole number {low}-{high}, got {value}"
        )
    return value


def _int_or_none(code: str, position: int, value: object, low: int, high: int) -> int | None:
    if value is None:
        return None
    return _int(code, position, value, low, high)


def _bool(code: str, position: int, value: object) -> bool:
    # Accepting 0/1 here would hide a form that posts the wrong field type.
    if not isinstance(value, bool):
        raise ValueError(
            f"{_where(code, position)}: expected True or False, "
            f"got {value!r} ({type(value).__name__})"
        )
    return value


def _change_value(instrument: Instrument, value: Score | Number, which: str) -> Number:
    code = instrument.code
    if isinstance(value, Score):
        if value.code != code:
            raise ValueError(f"{code}: {which} is a {value.code} score")
        if not value.valid or value.value is None:
            raise ValueError(f"{code}: {which} score is invalid and cannot be compared")
        return value.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{code}: {which} must be a Score or a number, got {type(value).__name__}")
    if not math.isfinite(value) or not instrument.min_value <= value <= instrument.max_value:
        raise ValueError(
            f"{code}: {which} {value!r} is outside {instrument.min_value}-{instrument.max_value}"
        )
    return value
