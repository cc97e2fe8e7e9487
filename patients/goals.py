"""SMART goals: what a patient is working towards, the score or measure that shows it,
the target and the date; and how far the latest value has come.

A goal "tracks" an outcome instrument (patients.instruments.INSTRUMENTS) or a mobility
measure (patients.measures.MEASURES) by code. Which way is better comes from there, so
"pain down to 3/10" and "flexion up to 60°" are judged the same way as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from clinic import audit
from clinic.actors import Actor
from patients import adherence
from patients.access import ensure_same_clinic
from patients.instruments import INSTRUMENTS
from patients.measures import (
    BY_CODE,
    MEASURES,
    NOT_COMPARED,
    SIDES,
    on_scale_of,
    slot_key,
    slot_label,
    slots,
)
from patients.models import Goal, Measurement, OutcomeResponse, Patient


@dataclass(frozen=True)
class Scale:
    label: str
    unit: str
    low: float
    high: float
    higher_is_better: bool


# A goal that is one PSFS activity, shown by that activity's own rating (0 to 10).
PSFS_ACTIVITY = "psfs_activity"


def same_activity(a: str, b: str) -> bool:
    """PSFS activities are typed by hand: the same words, whatever the case and spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def scales() -> dict[str, Scale]:
    """Every score or measure a goal can track, by code."""
    found = {
        code: Scale(i.short_name, i.unit, i.min_value, i.max_value, i.higher_is_better)
        for code, i in INSTRUMENTS.items()
        if i.tracked_for_change
    }
    found[PSFS_ACTIVITY] = Scale(gettext("PSFS, this activity"), "/10", 0, 10, True)
    # A measure taken on both sides is tracked on one: the leg that is affected, not the
    # better one (a goal "by" a sided measure was judged on whichever side came last).
    # Goals set before that name the measure alone: judged on the side farther from the
    # target (goal_progress), and not offered for new goals (tracks_choices).
    labelled = [(m, slot_key(m, side), slot_label(m, side)) for m, side in slots()]
    labelled += [(m, m.code, m.label) for m in MEASURES if m.sided]
    for measure, code, label in labelled:
        found[code] = Scale(
            label, measure.unit, measure.low, measure.high, measure.higher_is_better
        )
    return found


def tracks_choices() -> list[tuple[str, str]]:
    sided = {measure.code for measure in MEASURES if measure.sided}
    return [("", gettext("Not tied to a score"))] + [
        (code, s.label) for code, s in scales().items() if code not in sided
    ]


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    scale: Scale | None
    latest: float | None
    latest_on: date | None
    today: date
    # The latest value as it reads with the zero point the target was set with, where that
    # is not the value recorded (a sit-and-reach box changed since); None otherwise.
    judged: float | None = None
    # Why the latest value is not held against the target; empty when it is.
    not_compared: str = ""
    # The latest value was limited by pain (a measurement marked so).
    pain_limited: bool = False

    @property
    def reached(self) -> bool | None:
        """The latest value is at or past the target (None: nothing to compare)."""
        if self.scale is None or self.latest is None or self.goal.target is None:
            return None
        if self.not_compared:
            return None
        latest = self.latest if self.judged is None else self.judged
        target = float(self.goal.target)
        return latest >= target if self.scale.higher_is_better else latest <= target

    @property
    def overdue(self) -> bool:
        return self.goal.status == Goal.Status.OPEN and self.goal.target_on < self.today


def goal_progress(
    patient: Patient,
    until: date | None = None,
    *,
    read: tuple[list[OutcomeResponse], list[Measurement]] | None = None,
) -> list[GoalProgress]:
    """The patient's goals with the latest value of what each tracks (three queries).
    `until`: as they stood at the end of that day (a report of an earlier period): goals
    set by then, values taken by then, and a goal closed later still open. `read`: every
    response and every current measurement (with its visit) of the patient, from a page
    that has read them (the chart): then the goals are the one query."""
    goals = list(Goal.objects.filter(patient=patient))
    if until is not None:
        goals = [goal for goal in goals if adherence.day_of(patient, goal.created_at) <= until]
        for goal in goals:
            if goal.closed_on and goal.closed_on > until:
                goal.status, goal.closed_on = Goal.Status.OPEN, None
    if not goals:
        return []
    codes = {goal.tracks for goal in goals if goal.tracks}
    if PSFS_ACTIVITY in codes:
        codes.add("psfs")
    measured = {m.code for m, side in slots() if slot_key(m, side) in codes or m.code in codes}
    # (value, day, limited by pain) by what goals track.
    latest: dict[str, tuple[float, date, bool]] = {}
    # Each activity goal's latest rating, by goal id.
    activity_latest: dict[int, tuple[float, date, bool]] = {}
    activity_goals = [goal for goal in goals if goal.tracks == PSFS_ACTIVITY]
    responses, measurements = _values(patient, until, codes, measured, read)
    for response in responses:
        latest[response.code] = (response.value, response.completed_on, False)
        if response.code == "psfs" and activity_goals:
            answers = response.answers if isinstance(response.answers, dict) else {}
            rated = zip(answers.get("activities", []), answers.get("ratings", []), strict=False)
            for activity, rating in rated:
                for goal in activity_goals:
                    if same_activity(str(activity), goal.text):
                        activity_latest[goal.pk] = (float(rating), response.completed_on, False)
    # Per slot, of the measures whose readings depend on their zero point.
    zeroed: dict[str, list[Measurement]] = {}
    for measurement in measurements:
        key = slot_key(BY_CODE[measurement.code], measurement.side)
        latest[key] = (
            float(measurement.value),
            measurement.visit.measured_on,
            measurement.pain_limited,
        )
        if BY_CODE[measurement.code].zeroed:
            zeroed.setdefault(key, []).append(measurement)
    for measure in MEASURES:
        sides = [latest[key] for s in SIDES if (key := slot_key(measure, s)) in latest]
        if measure.sided and measure.code in codes and sides:
            farther = min if measure.higher_is_better else max
            latest[measure.code] = farther(sides, key=lambda value_on: value_on[0])
    known = scales()
    today = adherence.patient_today(patient)
    if until is not None:
        today = min(today, until)
    progress = []
    for goal in goals:
        value, on, pain_limited = (
            activity_latest.get(goal.pk, (None, None, False))
            if goal.tracks == PSFS_ACTIVITY
            else latest.get(goal.tracks, (None, None, False))
        )
        judged, not_compared = None, ""
        if goal.tracks in zeroed:
            judged, not_compared = _against_target(patient, goal, zeroed[goal.tracks])
        progress.append(
            GoalProgress(
                goal=goal,
                scale=known.get(goal.tracks),
                latest=value,
                latest_on=on,
                today=today,
                judged=judged,
                not_compared=not_compared,
                pain_limited=pain_limited,
            )
        )
    return progress


def _values(
    patient: Patient,
    until: date | None,
    codes: set[str],
    measured: set[str],
    read: tuple[list[OutcomeResponse], list[Measurement]] | None,
) -> tuple[list[OutcomeResponse], list[Measurement]]:
    """The valid responses of `codes` in the order they were completed, and the current
    measurements of `measured` in the order the visits were made (a correction is a newer
    row of an older visit)."""
    if read is not None and until is None:
        responses, measurements = read
        return (
            sorted(
                (r for r in responses if r.valid and r.code in codes),
                key=lambda r: (r.completed_on, r.created_at),
            ),
            sorted(
                (m for m in measurements if m.code in measured),
                key=lambda m: (m.visit.measured_on, m.visit.created_at, m.visit_id),
            ),
        )
    responses = OutcomeResponse.objects.filter(patient=patient, valid=True, code__in=codes)
    measurements = Measurement.objects.current().filter(visit__patient=patient, code__in=measured)
    if until is not None:
        responses = responses.filter(completed_on__lte=until)
        measurements = measurements.filter(visit__measured_on__lte=until)
    return (
        list(responses.order_by("completed_on", "created_at")),
        list(
            measurements.select_related("visit").order_by(
                "visit__measured_on", "visit__created_at", "visit_id"
            )
        ),
    )


def _against_target(
    patient: Patient, goal: Goal, readings: list[Measurement]
) -> tuple[float | None, str]:
    """(judged, not_compared) of GoalProgress, for a measure read from a zero point.

    A target carries no zero point of its own: it was typed as a reading of the box in use
    when the goal was set, so it is taken with the zero point of the latest reading by that
    day (of the first reading, for a goal set before any).
    """
    set_on = adherence.day_of(patient, goal.created_at)
    before = [m for m in readings if m.visit.measured_on <= set_on]
    reference, latest = (before[-1] if before else readings[0]), readings[-1]
    moved = on_scale_of(latest, reference)
    if moved is None:
        return None, str(NOT_COMPARED)
    return (None if moved == latest.value else float(moved)), ""


@transaction.atomic
def goal_add(
    *, actor: Actor, patient: Patient, text: str, tracks: str, target: Decimal | None, target_on
) -> Goal:
    ensure_same_clinic(actor, patient)
    fields = {
        "text": text,
        "tracks": tracks,
        "target": target if tracks else None,
        "target_on": target_on,
    }
    # A double tap on "Set the goal" sets it once (the patient row serialises the two).
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    same = Goal.objects.filter(patient=patient, status=Goal.Status.OPEN, **fields).first()
    if same is not None:
        return same
    goal = Goal.objects.create(patient=patient, created_by=actor.user, **fields)
    audit.record(actor, "goal.add", patient=patient, obj=goal)
    return goal


@transaction.atomic
def goal_close(*, actor: Actor, goal: Goal, status: str) -> Goal:
    """Mark a goal met or not met (or open it again)."""
    ensure_same_clinic(actor, goal.patient)
    goal.status = status
    goal.closed_on = None if status == Goal.Status.OPEN else adherence.patient_today(goal.patient)
    goal.save(update_fields=["status", "closed_on"])
    audit.record(actor, "goal.close", patient=goal.patient, obj=goal)
    return goal
