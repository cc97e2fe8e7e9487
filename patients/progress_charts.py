"""The charts of measures and questionnaires over time, shared by the web pages and the
progress report PDF (the same server-side SVG in both)."""

from __future__ import annotations

from clinic.charts import Chart, Point, line_chart
from patients.measures import slot_label
from patients.outcomes import InstrumentSummary, MeasureSummary


def measure_chart(summary: MeasureSummary) -> Chart:
    measure = summary.measure
    band = (*measure.normal, "Typical range") if measure.normal else None
    threshold = None
    if measure.real_change is not None:
        base = float(summary.baseline.value)
        target = (
            base + measure.real_change if measure.higher_is_better else base - measure.real_change
        )
        threshold = (target, f"Real change ({measure.real_change:g} {measure.unit})")
    return line_chart(
        [Point(f"{m.visit.measured_on:%d %b %y}", float(m.value)) for m in summary.series],
        title=f"{slot_label(measure, summary.side)} ({measure.unit})",
        y_min=measure.low,
        y_max=measure.high,
        unit=measure.unit,
        band=band,
        threshold=threshold,
        higher_is_better=measure.higher_is_better,
    )


def outcome_chart(summary: InstrumentSummary) -> Chart:
    instrument = summary.instrument
    threshold = None
    if instrument.mcid is not None:
        base = summary.baseline.value
        target = base + instrument.mcid if instrument.higher_is_better else base - instrument.mcid
        threshold = (target, f"Meaningful change ({instrument.mcid:g} points)")
    return line_chart(
        [Point(f"{r.completed_on:%d %b %y}", r.value) for r in summary.series],
        title=instrument.short_name,
        y_min=float(instrument.min_value),
        y_max=float(instrument.max_value),
        threshold=threshold,
        higher_is_better=instrument.higher_is_better,
    )
