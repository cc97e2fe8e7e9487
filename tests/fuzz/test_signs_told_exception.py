"""The form fuzzer's one exception to "a refused submission changes no row" (SIGNS_TOLD in
test_form_fuzzing.py) is the signed-in patient's own flags and row: a refused session that
tells another patient's record of its signs is still caught. Found by review: the first
exception dropped both whole tables from the comparison whenever anything was posted as
`signs`."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import transaction

from patients.symptoms import symptoms_report
from patients.views.patient_area import today
from patients.views.patient_area.shared import patient_stop_rules
from tests.fuzz import test_form_fuzzing as fuzzing
from tests.fuzz.endpoints import ENDPOINTS


def test_a_refused_session_telling_another_patients_record_is_still_caught(world, db, monkeypatch):
    a2 = next(p for p in world["patients"] if p.pk != world["a1"].pk)

    def told_to_a2(request, signs, rules):
        symptoms_report(actor=request.actor, patient=a2, signs=signs, rules=rules)

    monkeypatch.setattr(today, "signs_without_session", told_to_a2)
    sign = patient_stop_rules(world["a1"], world["items"]).urgent[0]
    # No pain score: refused, with a real urgent sign ticked.
    seed = ("/me/log/", {"client_token": "review", "all_done": "1", "signs": [sign]}, True)
    monkeypatch.setitem(
        ENDPOINTS,
        "patient_log",
        dataclasses.replace(ENDPOINTS["patient_log"], examples=1, seeds=lambda w: [seed]),
    )
    with transaction.atomic():
        with pytest.raises(AssertionError, match="refused submission changed rows"):
            fuzzing.fuzz("patient_log", world)
        transaction.set_rollback(True)
