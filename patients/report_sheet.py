"""The report's one-page front sheet: why the patient came, what changed (said in words,
with the meaningful-change mark), goals, and the plan. A doctor reads this page; the
tables that follow are the detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinic.lib.numbers import with_unit as _value
from patients.adherence import in_all, planned_or_done
from patients.goals import GoalProgress
from patients.measures import SIDE_LABELS
from patients.models import Discharge, Intake, Measurement, Patient
from patients.outcomes import InstrumentSummary, MeasureSummary


def _reading(measurement: Measurement, unit: str, with_zero_point: bool) -> str:
    """The value as recorded; with its zero point when the readings compared differ in it,
    and said to be limited by pain when it was (the tables' mark was pages away from the
    sentence a referrer reads first)."""
    value = _value(measurement.value, unit)
    if with_zero_point and measurement.zero_point is None:
        value = _("{value} (no zero point recorded)").format(value=value)
    elif with_zero_point:
        value = _("{value} (zero point {zero})").format(
            value=value, zero=_value(measurement.zero_point, unit)
        )
    return _limited(value) if measurement.pain_limited else value


def _limited(value: str) -> str:
    return _("{value} (limited by pain)").format(value=value)


def _points(number) -> str:
    number = round(abs(float(number)), 1)
    # A fraction takes the plural ("1.5 points"), as a whole number other than one does.
    count = int(number) if number.is_integer() else 2
    return ngettext("{number} point", "{number} points", count).format(number=f"{number:g}")


def _day(day: date) -> str:
    """5 Nov 2026, with the month in the active language."""
    return date_format(day, "j M Y")


def outcome_sentence(summary: InstrumentSummary) -> str:
    """ "NPRS went from 7/10 to 3/10: better by 4 points, a meaningful improvement.\""""
    instrument = summary.instrument
    name = f"{instrument.name} ({instrument.short_name})"
    latest = _value(summary.latest.value, instrument.unit)
    if summary.not_comparable:
        return _("{name}: {latest} now; not comparable with the start ({reason}).").format(
            name=name, latest=latest, reason=summary.not_comparable
        )
    change = summary.change
    if change is None:
        return _("{name}: {latest} on {date} (one score so far).").format(
            name=name, latest=latest, date=_day(summary.latest.completed_on)
        )
    start = _value(summary.baseline.value, instrument.unit)
    delta = float(change.delta)
    if delta == 0:
        return _("{name} went from {start} to {latest}: no change.").format(
            name=name, start=start, latest=latest
        )
    # A change of meaningful size inside the measurement error (NDI: 7.5 points against an
    # MDC of 10.2) may be noise: the tables say so, and the sentence a referrer reads did
    # not, calling it a meaningful improvement.
    within_error = change.beyond_mdc is False
    if change.mcid_met and delta > 0 and within_error:
        sentence = _(
            "{name} went from {start} to {latest}: better by {points}, a meaningful amount, "
            "but within the measurement error of {mdc}, so it may not be a real change."
        )
    elif change.mcid_met and delta > 0:
        sentence = _(
            "{name} went from {start} to {latest}: better by {points}, a meaningful improvement."
        )
    elif change.worsening_met and within_error:
        sentence = _(
            "{name} went from {start} to {latest}: worse by {points}, a meaningful amount, "
            "but within the measurement error of {mdc}, so it may not be a real change."
        )
    elif change.worsening_met:
        sentence = _(
            "{name} went from {start} to {latest}: worse by {points}, a meaningful worsening."
        )
    elif delta > 0:
        sentence = _(
            "{name} went from {start} to {latest}: better by {points}, "
            "less than the {threshold} that counts as a meaningful change."
        )
    else:
        sentence = _(
            "{name} went from {start} to {latest}: worse by {points}, "
            "less than the {threshold} that counts as a meaningful change."
        )
    return sentence.format(
        name=name,
        start=start,
        latest=latest,
        points=_points(delta),
        threshold=_points(change.threshold),
        mdc=_points(change.mdc or 0),
    )


def measure_sentence(summary: MeasureSummary) -> str:
    measure = summary.measure
    label = (
        _("{measure} ({side})").format(
            measure=measure.label, side=SIDE_LABELS.get(summary.side, summary.side)
        )
        if summary.side
        else measure.label
    )
    start = _reading(summary.baseline, measure.unit, summary.zero_points_differ)
    latest = _reading(summary.latest, measure.unit, summary.zero_points_differ)
    if len(summary.series) < 2:
        return _("{measure}: {latest} (one measurement so far).").format(
            measure=label, latest=latest
        )
    if summary.delta is None:
        return _("{measure}: {start} at the start, {latest} now. {not_compared}").format(
            measure=label, start=start, latest=latest, not_compared=summary.not_comparable
        )
    # The delta is taken from each reading's zero point, hence the zero points beside values
    # that differ in them: 30 cm on a 23 cm box, then 35 cm on a 26 cm one, is 2 cm better.
    change = float(summary.delta)
    better = summary.gain > 0
    if change == 0:
        return _("{measure} went from {start} to {latest}: no change.").format(
            measure=label, start=start, latest=latest
        )
    sentences = {
        (True, None): _(
            "{measure} went from {start} to {latest}: better by {amount}, "
            "no published threshold for real change."
        ),
        (True, True): _(
            "{measure} went from {start} to {latest}: better by {amount}, beyond measurement error."
        ),
        (True, False): _(
            "{measure} went from {start} to {latest}: better by {amount}, within measurement error."
        ),
        (False, None): _(
            "{measure} went from {start} to {latest}: worse by {amount}, "
            "no published threshold for real change."
        ),
        (False, True): _(
            "{measure} went from {start} to {latest}: worse by {amount}, beyond measurement error."
        ),
        (False, False): _(
            "{measure} went from {start} to {latest}: worse by {amount}, within measurement error."
        ),
    }
    real = None if summary.real_change is None else bool(summary.real_change)
    return sentences[(better, real)].format(
        measure=label, start=start, latest=latest, amount=_value(abs(change), measure.unit)
    )


def goal_sentence(progress: GoalProgress) -> str:
    goal = progress.goal
    if goal.status == goal.Status.MET:
        status = _("met")
    elif goal.status == goal.Status.NOT_MET:
        status = _("not met")
    else:
        status = _("open, due {date}").format(date=_day(goal.target_on))
    if progress.scale is not None and goal.target is not None:
        target = _value(goal.target, progress.scale.unit)
        if progress.latest is not None:
            sentence = _("{goal} ({scale} target {target}, now {now}): {status}.")
        else:
            sentence = _("{goal} ({scale} target {target}): {status}.")
        now = _value(progress.latest, progress.scale.unit) if progress.latest is not None else ""
        if progress.judged is not None:
            now = _("{value} ({judged} with the zero point the goal was set with)").format(
                value=now, judged=_value(progress.judged, progress.scale.unit)
            )
        if progress.pain_limited:
            now = _limited(now)
        sentence = sentence.format(
            goal=goal.text, scale=progress.scale.label, target=target, now=now, status=status
        )
        return f"{sentence} {progress.not_compared}" if progress.not_compared else sentence
    return _("{goal}: {status}.").format(goal=goal.text, status=status)


@dataclass(frozen=True)
class FrontSheet:
    intake: Intake | None
    stage: str
    outcomes: list[str]
    measures: list[str]
    goals: list[str]
    adherence: str
    discharge: Discharge | None


def front_sheet(
    patient: Patient,
    *,
    end: date,
    instruments: list[InstrumentSummary],
    measures: list[MeasureSummary],
    goals: list[GoalProgress],
    weeks: list,
    discharge: Discharge | None = None,
) -> FrontSheet:
    intake = Intake.objects.filter(patient=patient).first()
    stage = intake.stage_on(end) if intake else ""
    # Counted, the weeks before the program began made "over 7 weeks" of one that had run
    # for one.
    weeks = planned_or_done(weeks)
    total = in_all(weeks) if weeks else None
    adherence = (
        ngettext(
            "{percent}% of the exercises prescribed were done ({done} of {planned}) over "
            "{weeks} week.",
            "{percent}% of the exercises prescribed were done ({done} of {planned}) over "
            "{weeks} weeks.",
            len(weeks),
        ).format(
            percent=total.percent,
            done=total.done,
            planned=f"{total.prescribed:.0f}",
            weeks=len(weeks),
        )
        if total and total.prescribed
        else _("No sessions were planned in this period.")
    )
    return FrontSheet(
        intake=intake,
        stage=Intake.Stage(stage).label if stage else "",
        outcomes=[outcome_sentence(s) for s in instruments if s.instrument.tracked_for_change],
        measures=[measure_sentence(s) for s in measures],
        goals=[goal_sentence(g) for g in goals],
        adherence=adherence,
        discharge=discharge,
    )
