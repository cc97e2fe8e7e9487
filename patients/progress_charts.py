"""The charts of measures and questionnaires over time, shared by the web pages and the
progress report PDF (the same server-side SVG in both)."""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinic.lib.charts import Chart, Point, line_chart
from clinic.lib.numbers import with_unit
from patients.instruments.base import PERCENT_RULE, meaningful_step
from patients.measures import comparable, comparable_value, slot_label
from patients.models import Measurement
from patients.outcomes import InstrumentSummary, MeasureSummary


def measure_chart(summary: MeasureSummary) -> Chart:
    measure = summary.measure
    # Only the readings that compare with the latest are drawn, so no line joins two that
    # cannot be lined up (one with a zero point, one without); the caption says what was
    # left out, and the tables keep every value. Where the drawn readings have different
    # zero points, each is drawn from its own (reach from the feet line), as the summary
    # compares them; with one zero point throughout, the values as recorded.
    drawn = [m for m in summary.series if comparable(m, summary.latest)]
    from_zero = measure.zeroed and len({m.zero_point for m in drawn}) > 1

    def y(m: Measurement) -> float:
        return float(comparable_value(m) if from_zero else m.value)

    band = (*measure.normal, _("Typical range")) if measure.normal else None
    if measure.real_change is not None and comparable(summary.baseline, summary.latest):
        # Values inside this band differ from the baseline by less than measurement error,
        # better or worse (patients.measures.real_change_met), drawn as a questionnaire's
        # MDC is: a line on the better side only left a real worsening unmarked. It takes
        # the typical range's place (no measure has both today).
        base = y(summary.baseline)
        band = (
            max(measure.low, base - measure.real_change),
            min(measure.high, base + measure.real_change),
            _("MDC ±{amount}").format(amount=with_unit(measure.real_change, measure.unit)),
        )
    label = slot_label(measure, summary.side)
    chart = line_chart(
        [Point.on(m.visit.measured_on, y(m), year=True) for m in drawn],
        title=(
            _("{measure} ({unit} from the feet line)").format(measure=label, unit=measure.unit)
            if from_zero
            else f"{label} ({measure.unit})"
        ),
        y_min=measure.low,
        y_max=measure.high,
        unit=measure.unit,
        band=band,
        higher_is_better=measure.higher_is_better,
    )
    left_out = len(summary.series) - len(drawn)
    if not left_out:
        return chart
    note = ngettext(
        "Not drawn: {count} value measured with a different zero point.",
        "Not drawn: {count} values measured with a different zero point.",
        left_out,
    ).format(count=left_out)
    return replace(chart, summary=f"{chart.summary} {note}")


def outcome_chart(summary: InstrumentSummary) -> Chart:
    instrument = summary.instrument
    threshold = None
    band = None
    base = summary.baseline.value
    if instrument.mcid is not None:
        step = meaningful_step(instrument, base)
        target = base + step if instrument.higher_is_better else base - step
        points = f"{instrument.mcid:g}"
        label = (
            _("Meaningful change ({points} points or {percent}%)").format(
                points=points, percent=PERCENT_RULE
            )
            if instrument.has_percent_rule
            else _("Meaningful change ({points} points)").format(points=points)
        )
        threshold = (target, label)
    if instrument.mdc is not None:
        # Scores inside this band differ from the baseline by less than the
        # measurement error (minimal detectable change), whatever the MCID line says.
        # A short label: the PDF's half-width charts cut long ones.
        low = max(float(instrument.min_value), base - instrument.mdc)
        high = min(float(instrument.max_value), base + instrument.mdc)
        band = (low, high, _("MDC ±{points} points").format(points=f"{instrument.mdc:g}"))
    return line_chart(
        [Point.on(r.completed_on, r.value, year=True) for r in summary.series],
        title=instrument.short_name,
        y_min=float(instrument.min_value),
        y_max=float(instrument.max_value),
        band=band,
        threshold=threshold,
        higher_is_better=instrument.higher_is_better,
    )
