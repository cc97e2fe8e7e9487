"""Writes and summaries for mobility measures and outcome questionnaires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.models import Membership
from patients import scoring
from patients.measures import BY_CODE, Measure, real_change_met
from patients.models import Measurement, OutcomeAssignment, OutcomeResponse, Patient, Visit

PATIENT_COMPLETABLE = ("nprs", "psfs", "rmdq", "lefs")


@dataclass(frozen=True)
class Value:
    code: str
    side: str
    value: Decimal
    method: str = ""
    pain_limited: bool = False
    zero_point: Decimal | None = None
    symptoms: str = ""
    notes: str = ""


@transaction.atomic
def visit_record(
    *,
    membership: Membership,
    patient: Patient,
    measured_on: date,
    values: list[Value],
    notes: str = "",
    request: Any = None,
) -> Visit:
    visit = Visit.objects.create(
        patient=patient, measured_on=measured_on, notes=notes, recorded_by=membership.user
    )
    Measurement.objects.bulk_create(
        Measurement(
            visit=visit,
            code=v.code,
            side=v.side,
            value=v.value,
            method=v.method or BY_CODE[v.code].method,
            pain_limited=v.pain_limited,
            zero_point=v.zero_point,
            symptoms=v.symptoms,
            notes=v.notes,
            recorded_by=membership.user,
        )
        for v in values
    )
    audit.by_staff(
        membership,
        "measures.record",
        patient=patient,
        obj=visit,
        request=request,
    )
    return visit


@transaction.atomic
def measurement_correct(
    *, membership: Membership, measurement: Measurement, new: Value, request: Any = None
) -> Measurement:
    """Replace a value with a corrected one; the old one stays, marked as replaced."""
    old = Measurement.objects.select_for_update().get(pk=measurement.pk, replaced_at__isnull=True)
    old.replaced_at = timezone.now()
    old.save(update_fields=["replaced_at"])
    corrected = Measurement.objects.create(
        visit=old.visit,
        code=old.code,
        side=old.side,
        value=new.value,
        method=new.method or old.method,
        pain_limited=new.pain_limited,
        zero_point=new.zero_point,
        symptoms=new.symptoms,
        notes=new.notes,
        recorded_by=membership.user,
    )
    old.replaced_by = corrected
    old.save(update_fields=["replaced_by"])
    audit.by_staff(
        membership,
        "measures.correct",
        patient=old.visit.patient,
        obj=corrected,
        request=request,
    )
    return corrected


@transaction.atomic
def outcome_record(
    *,
    patient: Patient,
    code: str,
    answers: Any,
    completed_on: date,
    actor: Any,
    role: str,
    source: str,
    request: Any = None,
) -> OutcomeResponse:
    """Score the answers and store both. Bad answer shapes raise ValueError before any write."""
    scoring_answers = answers["ratings"] if code == "psfs" else answers
    result = scoring.score(code, scoring_answers)
    response = OutcomeResponse.objects.create(
        patient=patient,
        code=code,
        answers=answers,
        value=None if result.value is None else float(result.value),
        valid=result.valid,
        band=result.band or "",
        completed_on=completed_on,
        source=source,
        entered_by=actor,
    )
    OutcomeAssignment.objects.filter(patient=patient, code=code, response__isnull=True).update(
        response=response
    )
    audit.record(
        actor=actor,
        role=role,
        action="outcome.record",
        patient=patient,
        obj=response,
        request=request,
    )
    return response


@transaction.atomic
def outcome_assign(
    *, membership: Membership, patient: Patient, code: str, request: Any = None
) -> OutcomeAssignment:
    if code not in PATIENT_COMPLETABLE:
        raise ValueError("Only NPRS, PSFS, RMDQ and LEFS can be completed by the patient.")
    assignment, _ = OutcomeAssignment.objects.get_or_create(
        patient=patient, code=code, response__isnull=True, defaults={"assigned_by": membership.user}
    )
    audit.by_staff(
        membership,
        "outcome.assign",
        patient=patient,
        obj=assignment,
        request=request,
    )
    return assignment


def psfs_last_activities(patient: Patient) -> list[str]:
    """PSFS asks about the same activities every time: carry the last ones forward."""
    last = (
        OutcomeResponse.objects.filter(patient=patient, code="psfs")
        .order_by("-completed_on", "-id")
        .first()
    )
    return list(last.answers.get("activities", [])) if last else []


@dataclass(frozen=True)
class InstrumentSummary:
    instrument: scoring.Instrument
    baseline: OutcomeResponse
    latest: OutcomeResponse
    change: scoring.Change | None
    count: int
    series: list[OutcomeResponse]


def instrument_summaries(responses: list[OutcomeResponse]) -> list[InstrumentSummary]:
    """Per instrument: first and latest valid scores and whether the change is meaningful."""
    by_code: dict[str, list[OutcomeResponse]] = {}
    for response in responses:
        if response.valid:
            by_code.setdefault(response.code, []).append(response)
    summaries = []
    for code, rows in by_code.items():
        rows.sort(key=lambda r: (r.completed_on, r.pk))
        baseline, latest = rows[0], rows[-1]
        change = None
        instrument = scoring.INSTRUMENTS[code]
        if len(rows) > 1 and instrument.tracked_for_change:
            change = scoring.change(code, baseline.value, latest.value)
        summaries.append(InstrumentSummary(instrument, baseline, latest, change, len(rows), rows))
    return sorted(summaries, key=lambda s: list(scoring.INSTRUMENTS).index(s.instrument.code))


@dataclass(frozen=True)
class MeasureSummary:
    measure: Measure
    side: str
    baseline: Measurement
    latest: Measurement
    delta: Decimal
    real_change: bool | None
    series: list[Measurement]


def measure_summaries(measurements: list[Measurement]) -> list[MeasureSummary]:
    by_slot: dict[tuple[str, str], list[Measurement]] = {}
    for m in measurements:
        by_slot.setdefault((m.code, m.side), []).append(m)
    summaries = []
    for (code, side), rows in by_slot.items():
        measure = BY_CODE.get(code)
        if measure is None:
            continue
        rows.sort(key=lambda m: (m.visit.measured_on, m.pk))
        baseline, latest = rows[0], rows[-1]
        summaries.append(
            MeasureSummary(
                measure=measure,
                side=side,
                baseline=baseline,
                latest=latest,
                delta=latest.value - baseline.value,
                real_change=(
                    real_change_met(measure, float(baseline.value), float(latest.value))
                    if len(rows) > 1
                    else None
                ),
                series=rows,
            )
        )
    order = [m.code for m in BY_CODE.values()]
    return sorted(summaries, key=lambda s: (order.index(s.measure.code), s.side))
