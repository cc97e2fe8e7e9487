"""The parts every outcome questionnaire shares: what an instrument declares, what a
score and a change are, and the checks its scorer uses on the answers.

Pure Python on purpose: views, services, the seed command, reports and the tests all
need the same numbers and wording, and none of them should need a database or Django
settings to get them. Each questionnaire is one module beside this one; the package's
``__init__`` collects them into the registry the rest of the code reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

Number = int | float

# Share of the baseline that must be gained for the relative MCID rule (ODI, RMDQ,
# NPRS). Kept as a whole percentage so the comparison below stays exact.
PERCENT_RULE = 30

# Sums of whole-number answers divided by small counts produce float noise
# (11/3 - 5/3 == 1.9999999999999998). Rounding to 9 places removes that noise
# without ever moving a real result across a threshold, because every genuine
# score is a fraction with a denominator far below a billion.
_PRECISION = 9

LICENSED_NOTE = "Item wording licensed; scored from the clinic's own form."


@dataclass(frozen=True)
class Question:
    """One field of a questionnaire's form, described without Django.

    `kind` says how it is asked, and the form (patients.forms.measures) turns it into a
    field: "rating" (0 to `top`, as buttons), "section" (a licensed section's 0-5 value,
    may be left blank), "tick" (a checkbox), "choice" (one of `choices`, from a list
    that starts blank), "agree" (disagree / agree), "scale" (one of `choices`, as
    buttons), "activity" (an activity the patient names) and "activity_rating" (its
    0-10 rating). Activities and their ratings are optional and go in pairs.

    `anchors`: what the ends of a rating's scale mean, (number, words) pairs, printed
    under its buttons: a row of bare numbers left the patient to remember which end was
    which from the instructions above.
    """

    name: str
    kind: str
    label: str = ""
    choices: tuple[str, ...] = ()
    top: int = 0
    required: bool = True
    anchors: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    """One stored answer, named for readers outside Limber (the FHIR export)."""

    link_id: str
    value: bool | int | None
    # The wording asked; None where the reader fills in the item text itself.
    text: str | None = None


def _same(answers: Any) -> Any:
    return answers


def _no_detail(answers: Any) -> str:
    return ""


def _no_export_detail(answers: Any) -> str | None:
    return None


def numbered_answers(answers: Any) -> list[Answer]:
    """A list of answers, one an item, numbered from 1."""
    if not isinstance(answers, list):
        return []
    return [Answer(f"item_{n}", value) for n, value in enumerate(answers, start=1)]


@dataclass(frozen=True)
class AnswerShape:
    """How a questionnaire is asked and how its answers are kept and read back."""

    questions: tuple[Question, ...]
    # The form's cleaned data turned into the answers stored with the response.
    stored: Callable[[Mapping[str, Any]], Any]
    # Stored answers reduced to what the scorer takes (the stored JSON may keep more).
    scored: Callable[[Any], Any] = _same
    # Why these stored answers may not be recorded as a new response; "" when they may.
    refused: Callable[[Any], str] = lambda answers: ""
    # Entered section by section from a licensed form: a form with every section blank
    # is nothing entered, not a response.
    sections: bool = False
    # Patient-named activities rated in pairs, at least this many (0: no activities).
    min_activities: int = 0
    # The items the patient named in these answers, where the patient chooses them
    # (PSFS activities): they are offered again next time, and a change is only shown
    # between responses that rate the same ones. None: the items are fixed.
    named_items: Callable[[Any], list[str]] | None = None
    # What a summary shows next to the latest value ("" for nothing).
    detail: Callable[[Any], str] = _no_detail
    # The CSV export's details cell; None for the default (the band, or why unscored).
    export_detail: Callable[[Any], str | None] = _no_export_detail
    # The stored answers one by one.
    answer_list: Callable[[Any], list[Answer]] = numbered_answers


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
    # An improvement at least the MCID (by the points or the share of the baseline).
    mcid_met: bool
    # A worsening at least the MCID's points: a change of that size matters either way.
    # The share-of-baseline rule is an improvement rule; from a low baseline any small
    # rise is a large share (NPRS 1 to 2 is 100 %).
    worsening_met: bool = False
    # The instrument's measurement-error threshold and whether the change (either
    # way) is at least that large; both None where no MDC is published.
    mdc: Number | None = None
    beyond_mdc: bool | None = None


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Instrument:
    """Everything the project knows about one questionnaire, declared in its module."""

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
    # Where the instrument comes from, shown under every form of it.
    citation: str = ""
    # Smallest change beyond measurement error (minimal detectable change), in the
    # same points as `mcid`; None where we hold no published value. Shown beside the
    # MCID because a change can be "meaningful" yet still inside the error (NDI).
    mdc: Number | None = None
    # True when the owners license the item wording: templates must show
    # `sections` (names only) and never try to print the questions.
    item_text_licensed: bool = False
    sections: tuple[str, ...] = ()
    # The items a patient may be shown, in published order (index 0 is item 1), and the
    # paragraphs above them; empty where there is no fixed list or the text is licensed.
    items: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    # Wording quoted from a published form; screens say so and show the citation.
    quoted: bool = False
    # The form each response is given on, stored with it (OutcomeResponse.version): "1"
    # is what Limber first used; a later number marks new wording or a new way of asking.
    form_version: str = "1"
    # May be asked of the patient in the patient area (its wording may be shown).
    patient_completable: bool = False
    # Mappings are left out of eq/hash: they are lookup tables, not identity,
    # and a mappingproxy is not hashable on every supported Python.
    band_labels: Mapping[str, str] = field(default_factory=_empty, compare=False)
    pathways: Mapping[str, str] = field(default_factory=_empty, compare=False)
    # What a score's band is, so pages show it without naming instruments: "percent" (a
    # range of a percentage score, with its label: ODI), "risk" (a risk group with its
    # treatment pathway: STarT Back), or "" (no band).
    band_kind: str = ""
    # Coding beside our own in exports (NPRS: a LOINC code); None where there is none.
    loinc: Mapping[str, str] | None = field(default=None, compare=False)
    # How it is asked and read back, and how its answers are scored.
    shape: AnswerShape | None = field(default=None, compare=False)
    scorer: Callable[[object], Score] | None = field(default=None, compare=False)

    @property
    def tracked_for_change(self) -> bool:
        return self.mcid is not None

    def score(self, answers: object) -> Score:
        if self.scorer is None:  # pragma: no cover - the registry refuses this
            raise ValueError(f"{self.code}: no scorer declared")
        return self.scorer(answers)

    def answer_shape(self) -> AnswerShape:
        if self.shape is None:  # pragma: no cover - the registry refuses this
            raise ValueError(f"{self.code}: no answer shape declared")
        return self.shape


def meaningful_step(instrument: Instrument, baseline: Number) -> float:
    """The smallest improvement from `baseline` that compare() calls meaningful: the
    points, or PERCENT_RULE of the baseline where that rule applies and is smaller (a
    chart's line must sit where the summary's verdict changes)."""
    if instrument.mcid is None:
        raise ValueError(f"{instrument.short_name} is not tracked for change")
    step = float(instrument.mcid)
    if instrument.has_percent_rule and float(baseline) > 0:
        step = min(step, float(baseline) * PERCENT_RULE / 100)
    return step


def compare(instrument: Instrument, baseline: Score | Number, current: Score | Number) -> Change:
    """Compare two scores of one instrument against its meaningful change."""
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
        worsening_met=-delta >= instrument.mcid,
        mdc=mdc,
        beyond_mdc=beyond_mdc,
    )


# --- answer checks, shared by the scorers ---------------------------------------------


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


# --- answer shapes shared by several instruments ---------------------------------------


def sections_shape(names: tuple[str, ...]) -> AnswerShape:
    """A licensed form's sections, each entered as 0-5 or left blank, stored in order
    with None for a blank one."""
    count = len(names)

    def stored(data: Mapping[str, Any]) -> list[int | None]:
        values = [data[f"section_{n}"] for n in range(1, count + 1)]
        return [None if value == "" else int(value) for value in values]

    questions = tuple(
        Question(f"section_{n}", "section", label=name.capitalize(), required=False)
        for n, name in enumerate(names, start=1)
    )
    return AnswerShape(questions=questions, stored=stored, sections=True)


def items_shape(
    items: tuple[str, ...],
    kind: str,
    *,
    choices: tuple[str, ...] = (),
    required: bool = True,
    read: Callable[[Any], Any] = _same,
) -> AnswerShape:
    """A fixed list of items, each asked the same way, stored as a list in item order."""

    def stored(data: Mapping[str, Any]) -> list[Any]:
        return [read(data[f"item_{n}"]) for n in range(1, len(items) + 1)]

    questions = tuple(
        Question(f"item_{n}", kind, label=text, choices=choices, required=required)
        for n, text in enumerate(items, start=1)
    )
    return AnswerShape(questions=questions, stored=stored)


def unscorable(code: str, missing: int, reason: str) -> Score:
    """A well-formed response with too many blanks: kept on record, never compared."""
    return Score(code=code, value=None, valid=False, missing=missing, reason=reason)


def answered_sections(code: str, answers: object, count: int) -> tuple[list[int], int]:
    """The answered values of a sectioned form (each 0-5 or None) and how many are blank."""
    items = _items(code, answers, count)
    values = [_int_or_none(code, i, item, 0, 5) for i, item in enumerate(items, 1)]
    answered = [v for v in values if v is not None]
    return answered, len(values) - len(answered)
