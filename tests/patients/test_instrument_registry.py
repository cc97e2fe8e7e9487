"""Every questionnaire is one module of patients.instruments, listed once in the registry,
and declares every part the rest of the project reads: a new one cannot half-register."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import patients.instruments as package
from patients.instruments import INSTRUMENTS, AnswerShape, score
from patients.instruments.base import LICENSED_NOTE, Instrument

CODES = sorted(INSTRUMENTS)


def test_every_instrument_module_is_registered_under_its_own_name():
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - {"base"}
    assert modules == set(INSTRUMENTS)
    for name in modules:
        module = importlib.import_module(f"patients.instruments.{name}")
        assert INSTRUMENTS[name] is module.INSTRUMENT


@pytest.mark.parametrize("code", CODES)
def test_each_instrument_declares_every_part(code):
    instrument = INSTRUMENTS[code]
    assert isinstance(instrument, Instrument)
    assert instrument.code == code
    assert instrument.name and instrument.short_name and instrument.unit
    assert instrument.citation
    assert instrument.min_value < instrument.max_value
    assert instrument.form_version
    # Tracked for change with a threshold, or a risk group with its pathways.
    if instrument.tracked_for_change:
        assert instrument.mcid is not None and instrument.mcid > 0
    else:
        assert instrument.band_kind == "risk" and instrument.pathways
    if instrument.band_kind:
        assert instrument.band_labels
    assert callable(instrument.scorer)
    assert isinstance(instrument.shape, AnswerShape)
    assert instrument.shape.questions
    assert len({q.name for q in instrument.shape.questions}) == len(instrument.shape.questions)


@pytest.mark.parametrize("code", CODES)
def test_licensed_wording_is_declared_as_names_only(code):
    instrument = INSTRUMENTS[code]
    assert (LICENSED_NOTE in instrument.citation) is instrument.item_text_licensed
    if instrument.item_text_licensed:
        assert instrument.sections
        assert not instrument.items and not instrument.instructions
        assert not instrument.quoted and not instrument.patient_completable
    else:
        assert instrument.instructions


@pytest.mark.parametrize("code", CODES)
def test_each_scorer_refuses_a_wrong_shape(code):
    with pytest.raises(ValueError):
        score(code, "0123401234")
