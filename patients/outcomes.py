"""Writes and summaries for mobility measures and outcome questionnaires."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinic import audit
from clinic.actors import Actor
from clinic.lib.numbers import with_unit
from patients.adherence import patient_today
from patients.instruments import INSTRUMENTS, Change, Instrument, instrument
from patients.instruments.base import compare
from patients.measures import (
    BY_CODE,
    NOT_COMPARED,
    Measure,
    comparable,
    comparable_value,
    gain,
    real_change_met,
)
from patients.models import (
    Measurement,
    OutcomeAssignment,
    OutcomeResponse,
    OutcomeSchedule,
    Patient,
    Visit,
)

# The questionnaires a patient may be asked to fill in (their wording may be shown).
PATIENT_COMPLETABLE = tuple(code for code, i in INSTRUMENTS.items() if i.patient_completable)


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
    actor: Actor,
    patient: Patient,
    measured_on: date,
    values: list[Value],
    notes: str = "",
) -> Visit:
    visit = Visit.objects.create(
        patient=patient, measured_on=measured_on, notes=notes, recorded_by=actor.user
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
            recorded_by=actor.user,
        )
        for v in values
    )
    audit.record(actor, "measures.record", patient=patient, obj=visit)
    return visit


class AlreadyCorrected(Exception):
    """The value was corrected by another sending (a colleague, another tab) meanwhile."""


@transaction.atomic
def measurement_correct(*, actor: Actor, measurement: Measurement, new: Value) -> Measurement:
    """Replace a value with a corrected one; the old one stays, marked as replaced."""
    old = (
        Measurement.objects.select_for_update()
        .filter(pk=measurement.pk, replaced_at__isnull=True)
        .first()
    )
    if old is None:
        raise AlreadyCorrected(
            _("This value was corrected meanwhile. Check it before you change it.")
        )
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
        recorded_by=actor.user,
    )
    old.replaced_by = corrected
    old.save(update_fields=["replaced_by"])
    audit.record(actor, "measures.correct", patient=old.visit.patient, obj=corrected)
    return corrected


def scoring_answers(code: str, answers: Any) -> Any:
    """Stored answers in the shape ``patients.scoring.score`` takes.

    The stored JSON keeps more than the score needs (PSFS activity names, the three
    NPRS ratings); each instrument's answer shape says how to reduce it. Anything else
    is passed through for scoring to check.
    """
    return instrument(code).answer_shape().scored(answers)


class AlreadyAnswered(Exception):
    """The questionnaire request has the patient's answers already (or was withdrawn)."""


def answered_by_patient(assignment: OutcomeAssignment) -> bool:
    """The request has the patient's own answers: sent again, they are a double tap. One
    closed by the clinic's entry (see outcome_record) has not: their answers still count."""
    response = assignment.response
    return response is not None and response.source == OutcomeResponse.Source.PATIENT


@transaction.atomic
def outcome_record(
    *,
    patient: Patient,
    code: str,
    answers: Any,
    completed_on: date,
    actor: Actor,
    source: str,
    answering: OutcomeAssignment | None = None,
) -> OutcomeResponse:
    """Score the answers and store both. Bad answer shapes raise ValueError before any write.

    An NPRS is recorded from its three ratings ({"best", "worst", "now"}); its value is
    their mean, as the threshold for meaningful change assumes.

    `answering`: the request the answers are for (the patient's page showed it). It is
    locked, and the answers are refused (AlreadyAnswered) once it has the patient's own:
    the second tap of a double tap, or a page sent again, records nothing.

    A request closed meanwhile by the clinic's entry (an NPRS recorded at the visit that
    day answers it, below) still takes the patient's answers, and becomes answered by
    them. They were thrown away with "already sent": a self-report is worth keeping
    beside the visit's (the patient may report more pain at home than in the room), and
    the clinician asked for it. The visit's entry stays on record as the clinic's.
    """
    taken_over = False
    if answering is not None:
        locked = OutcomeAssignment.objects.select_for_update().filter(pk=answering.pk).first()
        if locked is None or locked.code != code or answered_by_patient(locked):
            raise AlreadyAnswered
        taken_over = locked.response_id is not None
    questionnaire = instrument(code)
    shape = questionnaire.answer_shape()
    if refusal := shape.refused(answers):
        raise ValueError(refusal)
    result = questionnaire.score(shape.scored(answers))
    if shape.sections and result.missing == len(answers):
        raise ValueError(f"{code}: no section answered; nothing to record")
    response = OutcomeResponse.objects.create(
        patient=patient,
        code=code,
        version=questionnaire.form_version,
        answers=answers,
        value=None if result.value is None else float(result.value),
        valid=result.valid,
        band=result.band or "",
        completed_on=completed_on,
        source=source,
        entered_by=actor.user,
    )
    if taken_over:
        # The answers to the request the page showed, and to no other (a request has one
        # response, a response answers one request).
        OutcomeAssignment.objects.filter(pk=answering.pk).update(response=response)
    else:
        # It answers the open requests that were due by the day it was completed: a paper
        # form from weeks ago, typed in now, is not the answer to today's request.
        answers_for = Q(due_on__lte=completed_on) | Q(due_on__isnull=True)
        if answering is not None:
            answers_for |= Q(pk=answering.pk)
        OutcomeAssignment.objects.filter(
            answers_for,
            patient=patient,
            code=code,
            response__isnull=True,
        ).update(response=response)
    audit.record(actor, "outcome.record", patient=patient, obj=response)
    return response


@transaction.atomic
def outcome_assign(
    *,
    actor: Actor,
    patient: Patient,
    code: str,
    every_weeks: int | None = None,
    at_discharge: bool = False,
) -> OutcomeAssignment:
    """Ask the patient for a questionnaire now (the baseline); with `every_weeks` and/or
    `at_discharge`, keep asking on that schedule (the daily sweep creates each one)."""
    if code not in PATIENT_COMPLETABLE:
        raise ValueError("Only NPRS, PSFS, RMDQ and LEFS can be completed by the patient.")
    today = patient_today(patient)
    schedule = None
    # One assignment at a time per patient: two at once would both end "the running
    # schedules" (none yet) and both start one (a unique constraint refuses the second).
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if every_weeks or at_discharge:
        OutcomeSchedule.objects.filter(patient=patient, code=code, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        schedule = OutcomeSchedule.objects.create(
            patient=patient,
            code=code,
            every_weeks=every_weeks,
            at_discharge=at_discharge,
            next_due=today + timedelta(weeks=every_weeks) if every_weeks else None,
            created_by=actor.user,
        )
    assignment, _ = OutcomeAssignment.objects.get_or_create(
        patient=patient,
        code=code,
        response__isnull=True,
        defaults={"assigned_by": actor.user, "due_on": today, "schedule": schedule},
    )
    audit.record(actor, "outcome.assign", patient=patient, obj=assignment)
    return assignment


@transaction.atomic
def outcome_schedule_end(*, actor: Actor, schedule: OutcomeSchedule) -> int:
    """Stop asking: end the schedule and withdraw what it asked for that the patient has
    not answered yet, or "not asked for again" would still leave the form waiting for them
    (and its e-mail nudge: patients.outgoing.questionnaire_answered stops one once nothing
    waits). Returns how many requests were withdrawn.

    A withdrawn request is deleted: it holds no answers, and the audit keeps that it was
    asked and withdrawn. A page the patient still has open for it saves nothing and says
    so (patients.views.patient_area.questionnaire)."""
    schedule.ended_at = timezone.now()
    schedule.save(update_fields=["ended_at"])
    audit.record(actor, "outcome.schedule_end", patient=schedule.patient, obj=schedule)
    # Locked, as the patient's answers lock the request they are for (outcome_record):
    # answered meanwhile, it is no longer waiting and stays.
    waiting = list(
        OutcomeAssignment.objects.select_for_update().filter(
            schedule=schedule, response__isnull=True
        )
    )
    for assignment in waiting:
        audit.record(actor, "outcome.withdraw", patient=schedule.patient, obj=assignment)
    OutcomeAssignment.objects.filter(pk__in=[a.pk for a in waiting]).delete()
    return len(waiting)


def _ask(schedule: OutcomeSchedule, due_on) -> OutcomeAssignment | None:
    """The assignment for a due date, unless one for this questionnaire is still open."""
    assignment, created = OutcomeAssignment.objects.get_or_create(
        patient=schedule.patient,
        code=schedule.code,
        response__isnull=True,
        defaults={"assigned_by": schedule.created_by, "due_on": due_on, "schedule": schedule},
    )
    return assignment if created else None


def outcome_schedules_run(today=None) -> list[OutcomeAssignment]:
    """The daily sweep: every running schedule whose next date has come asks again (once,
    however many dates were missed) and moves on. Returns the new assignments."""
    created = []
    # No patient's day is more than one ahead of UTC's (zones reach UTC+14), so the
    # schedules due later are left in the index (`next_due`), not read every hour.
    latest = today or timezone.now().astimezone(UTC).date() + timedelta(days=1)
    due = OutcomeSchedule.objects.filter(
        ended_at__isnull=True,
        next_due__lte=latest,
        patient__status=Patient.Status.ACTIVE,
    ).select_related("patient__clinic")
    for schedule in due.iterator(chunk_size=500):
        patient_day = today or patient_today(schedule.patient)
        if schedule.next_due > patient_day:
            continue
        with transaction.atomic():
            assignment = _ask(schedule, schedule.next_due)
            while schedule.next_due <= patient_day:
                schedule.next_due += timedelta(weeks=schedule.every_weeks)
            schedule.save(update_fields=["next_due"])
            if assignment is not None:
                created.append(assignment)
    return created


def outcome_schedules_discharge(*, actor: Actor, patient: Patient) -> list[OutcomeAssignment]:
    """At discharge (the program is marked completed, not replaced): ask for every
    questionnaire scheduled for it, and end the schedules."""
    today = patient_today(patient)
    asked = []
    for schedule in OutcomeSchedule.objects.filter(patient=patient, ended_at__isnull=True):
        if schedule.at_discharge and (assignment := _ask(schedule, today)) is not None:
            audit.record(actor, "outcome.assign", patient=patient, obj=assignment)
            asked.append(assignment)
        schedule.ended_at = timezone.now()
        schedule.save(update_fields=["ended_at"])
    return asked


def carried_forward(patient: Patient, code: str) -> list[str]:
    """The items the patient named last time, for a questionnaire that asks about the
    same ones every time (PSFS activities); empty for one with fixed items."""
    named = instrument(code).answer_shape().named_items
    if named is None:
        return []
    last = (
        OutcomeResponse.objects.filter(patient=patient, code=code)
        .order_by("-completed_on", "-id")
        .first()
    )
    return named(last.answers) if last else []


@dataclass(frozen=True)
class InstrumentSummary:
    instrument: Instrument
    baseline: OutcomeResponse
    latest: OutcomeResponse
    change: Change | None
    count: int
    series: list[OutcomeResponse]
    # What the latest and the baseline values are made of, where that is not obvious
    # (NPRS: its ratings; ODI, NDI: the sections left blank): see _made_of.
    detail: str = ""
    baseline_detail: str = ""
    # Why no change is shown although there are several responses (PSFS: other
    # activities than before); empty when the change is comparable.
    not_comparable: str = ""
    # Anything the reader must know about the baseline (PSFS: restarted).
    note: str = ""


def _items_key(named: Callable[[Any], list[str]], answers: Any) -> tuple[str, ...]:
    """The items a response names, compared as a reader would: case, spacing and
    order do not matter, the words do."""
    return tuple(sorted(" ".join(str(a).split()).casefold() for a in named(answers)))


def _day(day: date) -> str:
    """5 Nov 2026, with the month in the active language."""
    return date_format(day, "j M Y")


def _made_of(questionnaire: Instrument, answers: Any) -> str:
    """What a value is made of where the number alone does not say: the sections a
    sectioned form was scored without (ODI over the answered ones, NDI with their mean
    put in), which otherwise read as complete; else the instrument's own detail."""
    shape = questionnaire.answer_shape()
    if shape.sections and isinstance(answers, list) and None in answers:
        blank = answers.count(None)
        return ngettext("{count} section left blank", "{count} sections left blank", blank).format(
            count=blank
        )
    return shape.detail(answers)


def _comparable_run(
    rows: list[OutcomeResponse], named: Callable[[Any], list[str]] | None
) -> tuple[list[OutcomeResponse], str, str]:
    """The responses that may be compared with the latest, oldest first, with a note on
    the baseline and, when none may, the reason.

    Two scores say something about change only when they were asked the same way:
    - on the same form (OutcomeResponse.version). NPRS form 1 was one rating of pain now,
      form 2 the mean of best, worst and now over a day, the score its 2-point MCID was
      found for; RMDQ and LEFS form 1 were our paraphrase of the items. A form-1 7 against
      a form-2 5 read as "a meaningful improvement" where pain now had gone from 7 to 6;
    - for a questionnaire whose items the patient names (the PSFS, whose score is the
      mean over activities the patient chose), about the same items.
    scoring.change sees neither, so the comparison is limited here, where responses meet.
    The baseline restarts at the first response of the latest unbroken run asked the
    same way, rather than comparing item by item: the thresholds are for the whole score,
    so a change is only shown between whole, like-for-like responses, and the chart draws
    only that run. The earlier responses stay on record and in the export.
    """

    def asked(response: OutcomeResponse) -> tuple[str, tuple[str, ...]]:
        items = _items_key(named, response.answers) if named is not None else ()
        return response.version, items

    key = asked(rows[-1])
    start = len(rows) - 1
    while start > 0 and asked(rows[start - 1]) == key:
        start -= 1
    run = rows[start:]
    if start == 0:
        return run, "", ""
    changed = _day(run[0].completed_on)
    if rows[start - 1].version != run[0].version:
        if len(run) == 1:
            return (
                run,
                "",
                _("The questions changed on {date}; this is the new baseline.").format(
                    date=changed
                ),
            )
        return (
            run,
            _("Baseline restarted on {date}, when the questions changed.").format(date=changed),
            "",
        )
    if len(run) == 1:
        return (
            run,
            "",
            _("The activities changed on {date}; this is the new baseline.").format(date=changed),
        )
    return (
        run,
        _("Baseline restarted on {date}, when the activities changed.").format(date=changed),
        "",
    )


def instrument_summaries(responses: list[OutcomeResponse]) -> list[InstrumentSummary]:
    """Per instrument: first and latest valid scores and whether the change is meaningful.

    The first is the baseline, unless the form or a PSFS's activities changed since: see
    _comparable_run.
    """
    by_code: dict[str, list[OutcomeResponse]] = {}
    for response in responses:
        if response.valid:
            by_code.setdefault(response.code, []).append(response)
    summaries = []
    for code, rows in by_code.items():
        rows.sort(key=lambda r: (r.completed_on, r.pk))
        questionnaire = INSTRUMENTS[code]
        shape = questionnaire.answer_shape()
        series, note, not_comparable = _comparable_run(rows, shape.named_items)
        baseline, latest = series[0], series[-1]
        change = None
        if len(series) > 1 and questionnaire.tracked_for_change:
            change = compare(questionnaire, baseline.value, latest.value)
        summaries.append(
            InstrumentSummary(
                instrument=questionnaire,
                baseline=baseline,
                latest=latest,
                change=change,
                count=len(rows),
                series=series,
                detail=_made_of(questionnaire, latest.answers),
                baseline_detail=_made_of(questionnaire, baseline.answers),
                not_comparable=not_comparable,
                note=note,
            )
        )
    return sorted(summaries, key=lambda s: list(INSTRUMENTS).index(s.instrument.code))


@dataclass(frozen=True)
class MeasureSummary:
    measure: Measure
    side: str
    baseline: Measurement
    latest: Measurement
    # Latest minus baseline, each taken from its zero point (patients.measures.
    # comparable_value); None when the two cannot be compared (see not_comparable).
    delta: Decimal | None
    real_change: bool | None
    series: list[Measurement]
    # Why no change is shown although there are several values; empty when comparable.
    not_comparable: str = ""

    @property
    def zero_points_differ(self) -> bool:
        """The baseline and the latest were read from different zero points: the reader
        needs them beside the values to follow the change."""
        return self.measure.zeroed and self.baseline.zero_point != self.latest.zero_point

    @property
    def gain(self) -> Decimal | None:
        """The change signed so that positive is better (patients.measures.gain)."""
        return None if self.delta is None else gain(self.measure, self.delta)

    @property
    def change_amount(self) -> str:
        """How much it changed, unsigned, with its unit: "15°" (the words say which way)."""
        return "" if self.delta is None else with_unit(abs(self.delta), self.measure.unit)


def pain_limited_shown(summaries: list[MeasureSummary]) -> bool:
    """A value in the summary table carries the pain-limited mark, so the table needs its
    key (only the baseline and the latest are shown)."""
    return any(s.baseline.pain_limited or s.latest.pain_limited for s in summaries)


def measure_summaries(measurements: list[Measurement]) -> list[MeasureSummary]:
    by_slot: dict[tuple[str, str], list[Measurement]] = {}
    for m in measurements:
        by_slot.setdefault((m.code, m.side), []).append(m)
    summaries = []
    for (code, side), rows in by_slot.items():
        measure = BY_CODE.get(code)
        if measure is None:
            continue
        # In the order the visits were made: a correction is a newer row of an older visit.
        rows.sort(key=lambda m: (m.visit.measured_on, m.visit.created_at, m.visit_id))
        baseline, latest = rows[0], rows[-1]
        compared = comparable(baseline, latest)
        start, now = comparable_value(baseline), comparable_value(latest)
        summaries.append(
            MeasureSummary(
                measure=measure,
                side=side,
                baseline=baseline,
                latest=latest,
                delta=now - start if compared else None,
                real_change=(
                    real_change_met(measure, float(start), float(now))
                    if len(rows) > 1 and compared
                    else None
                ),
                series=rows,
                not_comparable="" if compared else str(NOT_COMPARED),
            )
        )
    order = [m.code for m in BY_CODE.values()]
    return sorted(summaries, key=lambda s: (order.index(s.measure.code), s.side))
