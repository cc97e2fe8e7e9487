"""The outcome questionnaires Limber supports, one module each, collected here.

Each module (odi.py, ndi.py, ...) declares its instrument once: code and names,
citation and licence, item wording or section names, answer shape, scorer, bands
and meaningful change, as one ``INSTRUMENT``. ``base.py`` holds what they share.
Everything else (forms, pages, report, export, FHIR) reads the registry below and
never names an instrument. To add a questionnaire, write its module and list it in
``_MODULES``; tests/patients/test_instrument_registry.py checks it declares every part.

Pure Python on purpose (no Django): see base.py. The rules follow the "Outcome
instruments" table in DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from patients.instruments import lefs, ndi, nprs, odi, psfs, rmdq, sbst
from patients.instruments.base import (
    PERCENT_RULE,
    Answer,
    AnswerShape,
    Change,
    Instrument,
    Number,
    Question,
    Score,
    compare,
)

__all__ = [
    "INSTRUMENTS",
    "PERCENT_RULE",
    "Answer",
    "AnswerShape",
    "Change",
    "Instrument",
    "Number",
    "Question",
    "Score",
    "change",
    "instrument",
    "score",
]

# The order pages list them in.
_MODULES = (nprs, odi, rmdq, psfs, ndi, lefs, sbst)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {module.INSTRUMENT.code: module.INSTRUMENT for module in _MODULES}
)


def _check(registered: Mapping[str, Instrument]) -> None:
    # A half-declared instrument would be read as nothing at all by the pages.
    for code, declared in registered.items():
        missing = [name for name in ("shape", "scorer") if getattr(declared, name) is None]
        if not declared.citation:
            missing.append("citation")
        if missing:
            raise ValueError(f"instrument {code!r} does not declare: {', '.join(missing)}")


_check(INSTRUMENTS)


def instrument(code: object) -> Instrument:
    """The instrument of a stored code; ValueError for any other value."""
    # Codes are stored on every response row, so accept only the exact spelling
    # rather than quietly normalising one that would not match on a query.
    if isinstance(code, str) and code in INSTRUMENTS:
        return INSTRUMENTS[code]
    known = ", ".join(sorted(INSTRUMENTS))
    raise ValueError(f"unknown instrument code {code!r}; expected one of: {known}")


def score(code: str, answers: object) -> Score:
    """Score one questionnaire; raise ValueError if `answers` has the wrong shape."""
    return instrument(code).score(answers)


def change(code: str, baseline: Score | Number, current: Score | Number) -> Change:
    """Compare two scores of one instrument against its meaningful change."""
    return compare(instrument(code), baseline, current)
