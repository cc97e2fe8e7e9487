"""Every questionnaire has its own form shape, found by name (not by a method name built
from a string), and no instrument silently falls through to another's answers (the old
answers() read anything unknown as PSFS)."""

from __future__ import annotations

import pytest

from patients import scoring
from patients.forms.measures import SHAPES, OutcomeForm
from patients.outcomes import scoring_answers

# One complete, valid submission per instrument, as a clinician would post it.
FILLED = {
    "nprs": {"best": "2", "worst": "6", "now": "4"},
    "odi": {f"section_{n}": "2" for n in range(1, 11)},
    "ndi": {f"section_{n}": "1" for n in range(1, 11)},
    "rmdq": {f"item_{n}": "on" for n in range(1, 6)},
    "lefs": {f"item_{n}": "3" for n in range(1, 21)},
    "psfs": {
        **{f"activity_{n}": f"Activity {n}" for n in range(1, 4)},
        **{f"rating_{n}": "5" for n in range(1, 4)},
    },
    "sbst": {**{f"item_{n}": "0" for n in range(1, 9)}, "item_9": "1"},
}


def test_every_instrument_has_a_form_shape():
    assert set(SHAPES) == set(scoring.INSTRUMENTS) == set(FILLED)


@pytest.mark.parametrize("code", sorted(scoring.INSTRUMENTS))
def test_each_form_reads_back_answers_its_own_scorer_accepts(code):
    form = OutcomeForm({"completed_on": "2026-01-05", **FILLED[code]}, code=code)
    assert form.is_valid(), form.errors
    result = scoring.score(code, scoring_answers(code, form.answers()))
    assert result.valid and result.code == code


def test_an_unknown_instrument_is_refused_not_read_as_another():
    with pytest.raises(ValueError):
        OutcomeForm({}, code="psfs2")


@pytest.mark.parametrize("for_patient", [False, True])
def test_a_pain_at_its_best_above_its_worst_is_sent_back(for_patient):
    """Found by the clinician review: "best 7, worst 2" was saved and averaged."""
    data = {"best": "7", "worst": "2", "now": "4", "completed_on": "2026-11-02"}
    form = OutcomeForm(data, code="nprs", for_patient=for_patient)
    assert not form.is_valid()
    assert "more than the pain at its worst" in form.errors["best"][0]
    form = OutcomeForm({**data, "best": "2", "worst": "7"}, code="nprs", for_patient=for_patient)
    assert form.is_valid(), form.errors
