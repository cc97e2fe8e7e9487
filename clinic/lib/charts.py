"""Small server-rendered charts: inline SVG, no JavaScript, nothing fetched.

The same markup goes to three places: a patient's 360 px phone, the clinician's patient
chart and WeasyPrint PDFs. So it sticks to plain SVG 1.1 (rect, line, circle, text and
presentation attributes; no CSS classes or variables, no defs, no links) and every id
carries a per-chart prefix.

Sizing. A chart is `width="100%"` of its container (up to `width` CSS px) and `height`
CSS px tall. Horizontal positions are percentages of the chart's width and vertical ones
are pixels, and there is deliberately no viewBox: with a viewBox the text would scale
with the chart, and no single size is both readable on a 300 px phone column (11 px or
more) and not oversized at 900 px. This way labels are always LABEL_PX, strokes always
the same thickness, and only the distances between points stretch.

Text cannot be measured on the server, so label widths are estimated (CHAR_EM) and every
"does it fit" decision is made for the narrowest width the chart will get, `NARROWEST`:
what fits there fits everywhere.

This module is pure Python (no Django), so it can be tested and reused anywhere; the
`{% chart %}` template tag in clinic/templatetags/charts.py wraps a Chart in a figure
with a caption and a table.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from clinic.lib.numbers import number, with_unit

TEAL = "#0f766e"
GRID = "#e2e8f0"
BASELINE = "#94a3b8"  # a shade darker than the grid, so bars visibly stand on it
AXIS_TEXT = "#475569"
TITLE_TEXT = "#1e293b"
THRESHOLD = "#b45309"
BAND_FILL = "#dcfce7"
BAND_TEXT = "#166534"  # dark green on the band's light green: 7:1 contrast
FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'Liberation Sans', 'DejaVu Sans', sans-serif"
)

# A 360 px phone minus Bootstrap's container gutters (2 x 12) and card padding (2 x 16).
NARROWEST = 300
LABEL_PX = 12.0
TITLE_PX = 14.0
PAD = 6.0
# Average advance of a character in a sans-serif face, in ems, slightly generous.
CHAR_EM = 0.6
MAX_X_LABELS = 8
# Gridlines at least this far apart (px), and never more than MAX_GRID_STEPS of them.
MIN_GRID_GAP = 28
MAX_GRID_STEPS = 5

NO_DATA = gettext_lazy("No data yet")
# The words of an empty chart, which its drawing says already (NO_DATA, in the plot).
EMPTY_SUMMARY = gettext_lazy("No data yet.")
NO_ENTRY = gettext_lazy("No entry")

# Control characters are invalid in XML 1.0; lone surrogates cannot be encoded as UTF-8.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
# A word, or a bracketed group of words (with what sticks to its end: "(0 to 10),").
_WORD = re.compile(r"\([^()]*\)\S*|\S+")


@dataclass(frozen=True)
class Point:
    """One period's value; None means nothing was logged (a gap, never a zero).

    `day`, on every point of a line chart, spaces the points by the days between them:
    readings taken at visits weeks apart, or sessions logged on uneven days, drawn evenly
    spaced made a fortnight look as long as a day."""

    label: str
    value: float | None
    day: date | None = None

    @classmethod
    def on(cls, day: date, value: float | None, *, year: bool = False) -> Point:
        """A line chart's point for `day`, labelled with it (day_label)."""
        return cls(day_label(day, year=year), value, day=day)


def day_label(day: date, *, year: bool = False) -> str:
    """A day as charts name it, as the tables beside them do: "5 Nov", or "5 Nov 26" when
    the chart may span years."""
    # Django's date letters, per language: "M" is "Nov" (capitalised), "b" is "nov", as
    # Spanish writes it ("5 nov").
    if year:
        return date_format(day, pgettext("short date with year", "j M y"))
    return date_format(day, pgettext("short date", "j M"))


@dataclass(frozen=True)
class Chart:
    """A drawn chart and the same information in words.

    `svg` is trusted markup (every user string in it is escaped), `rows` the
    (label, formatted value) pairs for a table, unescaped like any other Python text,
    `summary` one plain sentence.
    """

    svg: str
    rows: list[tuple[str, str]]
    summary: str
    title: str = ""
    # The prefix of every id in `svg`; the template tag renames it when the same chart
    # appears twice on one page.
    uid: str = ""

    @property
    def caption(self) -> str:
        """The words under the drawing: the summary, unless the drawing says it already
        (an empty chart's "No data yet" was printed twice, one under the other)."""
        return "" if self.summary == str(EMPTY_SUMMARY) else self.summary


# --- Text and numbers ----------------------------------------------------------------


def _clean(text: object) -> str:
    """One line of text that XML and UTF-8 can hold."""
    return _WHITESPACE.sub(" ", _UNWRITABLE.sub("", str(text))).strip()


def _esc(text: str) -> str:
    return escape(text, quote=True)


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[: max(1, max_chars - 1)].rstrip() + "…"


def _wrap(text: str, max_chars: int, max_lines: int) -> list[str]:
    """`text` in lines of at most `max_chars`, broken between words, with a bracketed part
    such as "(0 to 10)" kept on one line: a title is never cut inside its scale. Only text
    longer than `max_lines` lines is shortened, after a whole word; only a single word
    longer than a line is cut inside (nothing else would fit)."""
    words: list[str] = []
    for token in _WORD.findall(text):
        # A bracketed part too long for any line is broken like the rest.
        words += token.split(" ") if len(token) > max_chars else [token]
    rows: list[list[str]] = []
    for word in words:
        if rows and len(" ".join([*rows[-1], word])) <= max_chars:
            rows[-1].append(word)
        else:
            rows.append([word])
    # No word alone on the last line ("3.5" under "Meaningful change (2 points or 30%):"
    # read as a stray number): the word before it goes down too, if it fits.
    if (
        1 < len(rows) <= max_lines
        and len(rows[-1]) == 1
        and len(rows[-2]) > 1
        and len(" ".join([rows[-2][-1], *rows[-1]])) <= max_chars
    ):
        rows[-1].insert(0, rows[-2].pop())
    lines = [" ".join(row) for row in rows]
    if len(lines) > max_lines:
        last = lines[max_lines - 1].split(" ")
        while len(last) > 1 and len(" ".join(last)) + 1 > max_chars:
            last.pop()
        lines = [*lines[: max_lines - 1], " ".join(last) + "…"]
    return [_truncate(line, max_chars) for line in lines]


def _text_width(text: str, size: float) -> float:
    return len(text) * CHAR_EM * size


def _value(point: Point) -> float | None:
    """The point's value as a float, or None for missing, NaN and infinite values."""
    if point.value is None:
        return None
    value = float(point.value)
    return value if math.isfinite(value) else None


def _num(value: float) -> str:
    # Two decimals of a pixel or a percent are below what any screen or printer shows,
    # and keep the output short and byte-for-byte stable.
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _uid(kind: str, *parts: object) -> str:
    """A stable id prefix: the same chart renders the same bytes, different charts differ."""
    digest = hashlib.sha256(repr((kind, *parts)).encode("utf-8")).hexdigest()
    return f"chart-{digest[:10]}"


# --- Layout --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """The plot area. x is laid out in px at `fit` (the narrowest width) and written as
    a percentage, so it stretches with the chart; y is in px and does not."""

    fit: float
    height: int
    left: float
    right: float
    top: float
    bottom: float
    y_min: float
    y_max: float
    # The title as it is drawn, one line each.
    title: tuple[str, ...] = ()

    @property
    def title_drop(self) -> float:
        """How much lower than a one-line title's everything under the title sits."""
        return max(0, len(self.title) - 1) * TITLE_LINE

    def pct(self, x: float) -> str:
        return f"{_num(x / self.fit * 100)}%"

    def y(self, value: float) -> float:
        # Clamped: an out-of-range value is drawn at the edge, never outside the plot.
        clamped = min(max(value, self.y_min), self.y_max)
        share = (clamped - self.y_min) / (self.y_max - self.y_min)
        return self.bottom - share * (self.bottom - self.top)

    def x(self, index: int, count: int) -> float:
        """The centre of the index-th of `count` equal slots across the plot."""
        return self.left + (index + 0.5) * (self.right - self.left) / count

    def slot(self, count: int) -> float:
        return (self.right - self.left) / count

    def xs(self, days: Sequence[date | None]) -> tuple[list[float], bool]:
        """Each point's x, and whether they are placed by date: in proportion to the days
        between them when every point has a day, else in equal slots. The ends keep the
        half slot equal slots have, so two points days apart sit where they always did."""
        count = len(days)
        known = [day for day in days if day is not None]
        if not known or len(known) < count:
            return [self.x(index, count) for index in range(count)], False
        first, span = min(known), (max(known) - min(known)).days
        if not span:  # all on one day: one x, in the middle, as a lone point is
            return [self.x(0, 1)] * count, True
        margin = self.slot(count) / 2
        width = self.right - self.left - 2 * margin
        return [self.left + margin + (day - first).days / span * width for day in known], True


def _nice_ticks(y_min: float, y_max: float, max_steps: int) -> list[float]:
    """Gridline values at a round step (1, 2, 2.5 or 5 x 10^n), at most max_steps apart."""
    raw = (y_max - y_min) / max(1, max_steps)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    ticks = []
    index = math.ceil(y_min / step - 1e-9)
    while index * step <= y_max + step * 1e-9:
        ticks.append(round(index * step, 10))
        index += 1
    return ticks


def _tick_unit(unit: str) -> str:
    # Short units ride on every gridline label ("50%"); long ones would crowd the axis
    # and are left to the title, the table and the summary.
    return unit if len(unit) <= 2 else ""


TITLE_BASELINE = PAD + TITLE_PX * 0.9
# A title too long for one line at the narrowest width wraps onto more (the chart grows
# by as much, so its plot keeps its size), up to this many.
TITLE_LINE = TITLE_PX * 1.25
MAX_TITLE_LINES = 3
LEGEND_ROW = LABEL_PX + 7


def _fit(width: int) -> float:
    """The width every "does it fit" decision is made for (see the module's doc)."""
    return float(min(width, NARROWEST))


def _frame(
    width: int,
    height: int,
    y_min: float,
    y_max: float,
    unit: str,
    *,
    title: str,
    legend_rows: int = 0,
    extra_top: float = 0,
) -> tuple[_Frame, list[float]]:
    fit = _fit(width)
    lines = _wrap(title, int((fit - 2 * PAD) / (CHAR_EM * TITLE_PX)), MAX_TITLE_LINES)
    drop = max(0, len(lines) - 1) * TITLE_LINE
    height = round(height + drop)
    # Below the title and legend: room for half of the top gridline's label, and for
    # whatever else the caller needs (values printed over the bars).
    top = TITLE_BASELINE + drop + legend_rows * LEGEND_ROW + 14 + extra_top
    bottom = height - PAD - LABEL_PX - 7
    steps = min(MAX_GRID_STEPS, max(1, int((bottom - top) // MIN_GRID_GAP)))
    ticks = _nice_ticks(y_min, y_max, steps)
    widest = max(_text_width(with_unit(tick, _tick_unit(unit)), LABEL_PX) for tick in ticks)
    left = PAD + widest + 6
    return _Frame(fit, height, left, fit - PAD, top, bottom, y_min, y_max, tuple(lines)), ticks


def _svg_open(frame: _Frame, width: int, uid: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="100%"'
        f' height="{frame.height}" role="img" aria-labelledby="{uid}-title {uid}-desc"'
        # No style attribute: pages forbid inline styles (CSP); the chart class sizes it.
        f' class="chart-svg" data-max-width="{width}" font-family="{FONT_FAMILY}">',
        f'<title id="{uid}-title">{_esc(title)}</title>',
        f'<desc id="{uid}-desc">{_esc(desc)}</desc>',
        # One text per line: SVG 1.1 text does not wrap.
        *(
            f'<text x="{_num(PAD)}" y="{_num(TITLE_BASELINE + index * TITLE_LINE)}"'
            f' font-size="{_num(TITLE_PX)}" font-weight="bold" fill="{TITLE_TEXT}">'
            f"{_esc(line)}</text>"
            for index, line in enumerate(frame.title)
        ),
    ]


def _y_grid(frame: _Frame, ticks: list[float], unit: str) -> list[str]:
    parts = []
    if ticks[0] != frame.y_min:
        # An unround minimum (say 3 with gridlines every 5) still gets its baseline.
        y = _num(frame.bottom)
        parts.append(
            f'<line x1="{frame.pct(frame.left)}" y1="{y}" x2="{frame.pct(frame.right)}"'
            f' y2="{y}" stroke="{BASELINE}" stroke-width="1"/>'
        )
    for tick in ticks:
        y = _num(frame.y(tick))
        colour = BASELINE if tick == frame.y_min else GRID
        parts.append(
            f'<line x1="{frame.pct(frame.left)}" y1="{y}" x2="{frame.pct(frame.right)}"'
            f' y2="{y}" stroke="{colour}" stroke-width="1"/>'
        )
        # Right-aligned a fixed 5 px left of the plot, however wide the chart is.
        parts.append(
            f'<text x="{frame.pct(frame.left)}" dx="-5" y="{_num(frame.y(tick) + LABEL_PX * 0.35)}"'
            f' font-size="{_num(LABEL_PX)}" fill="{AXIS_TEXT}" text-anchor="end">'
            f"{_esc(with_unit(tick, _tick_unit(unit)))}</text>"
        )
    return parts


def _place_x_labels(
    labels: Sequence[str], frame: _Frame, xs: Sequence[float], step: int, *, skip: bool = False
) -> list[tuple[float, float, str]] | None:
    """Every step-th label back from the latest, as (x, nudge, text), or None if two of
    them would overlap at the narrowest width (on wider charts they only move apart).
    With `skip` (points placed by date, so unevenly), a label that would overlap the one
    after it is left out instead, up to MAX_X_LABELS."""
    count = len(labels)
    char_width = CHAR_EM * LABEL_PX
    # Shortened to what fits between neighbours, but never below 8 characters: "12 Ma…"
    # helps nobody, so long labels are shown whole and fewer of them. Labels that may
    # be skipped are never shortened.
    longest = max(len(label) for label in labels)
    room = longest if skip else int((step * frame.slot(count) - 10) / char_width)
    max_chars = max(min(longest, 8), room)
    max_chars = min(max_chars, int((frame.fit - 4) / char_width))  # a lone label fits too
    placed: list[tuple[float, float, str]] = []
    left_of_next = math.inf
    for index in range(count - 1, -1, -step):
        text = _truncate(labels[index], max_chars)
        x = xs[index]
        half = _text_width(text, LABEL_PX) / 2
        # A label at either end could stick out of the chart; a fixed nudge (dx, in px)
        # keeps it in, and is a few px at most on wider charts.
        nudge = max(0.0, PAD + half - x) or min(0.0, frame.fit - PAD - half - x)
        if x + nudge + half + 6 > left_of_next:
            if skip:
                continue
            return None
        left_of_next = x + nudge - half
        placed.append((x, nudge, text))
        if len(placed) == MAX_X_LABELS:
            break
    return placed[::-1]


def _x_labels(
    labels: Sequence[str], frame: _Frame, xs: Sequence[float] | None = None, *, dated: bool = False
) -> list[str]:
    """At most MAX_X_LABELS labels, always including the latest: evenly spaced, or for
    points placed by date as many as fit without overlapping."""
    if not labels:
        return []
    xs = xs if xs is not None else [frame.x(index, len(labels)) for index in range(len(labels))]
    if dated:
        placed = _place_x_labels(labels, frame, xs, 1, skip=True) or []
    else:
        # The smallest step that fits; one label alone always does.
        step = math.ceil(len(labels) / MAX_X_LABELS)
        while (placed := _place_x_labels(labels, frame, xs, step)) is None:
            step += 1
    baseline = frame.height - PAD - LABEL_PX * 0.2
    parts = []
    for x, nudge, text in placed:
        dx = f' dx="{_num(nudge)}"' if nudge else ""
        parts.append(
            f'<text x="{frame.pct(x)}"{dx} y="{_num(baseline)}" font-size="{_num(LABEL_PX)}"'
            f' fill="{AXIS_TEXT}" text-anchor="middle">{_esc(text)}</text>'
        )
    return parts


def _reference_line(frame: _Frame, value: float) -> list[str]:
    """A dashed horizontal line (threshold or target), named in the legend.

    Its label is not written on the line: wherever it went, some data would run through it.
    """
    if not frame.y_min <= value <= frame.y_max:
        return []  # drawn at the edge, it would claim a value it does not have
    y = _num(frame.y(value))
    return [
        f'<line x1="{frame.pct(frame.left)}" y1="{y}" x2="{frame.pct(frame.right)}"'
        f' y2="{y}" stroke="{THRESHOLD}" stroke-width="2" stroke-dasharray="6 4"/>'
    ]


def _legend_lines(label: str, width: int) -> list[str]:
    """The dashed line's key in the lines it takes at the narrowest width: two at most, so
    the value it ends with is not cut off."""
    max_chars = int((_fit(width) - 2 * PAD - 22) / (CHAR_EM * LABEL_PX))
    return _wrap(label, max_chars, 2)


def _legend(frame: _Frame, lines: list[str]) -> list[str]:
    """The dashed line's key, under the title: a short dash and its name (_legend_lines)."""
    baseline = TITLE_BASELINE + frame.title_drop + LEGEND_ROW
    mid = _num(baseline - LABEL_PX * 0.35)
    return [
        f'<line x1="{_num(PAD)}" y1="{mid}" x2="{_num(PAD + 16)}" y2="{mid}"'
        f' stroke="{THRESHOLD}" stroke-width="2" stroke-dasharray="6 4"/>',
        *(
            f'<text x="{_num(PAD + 22)}" y="{_num(baseline + row * LEGEND_ROW)}"'
            f' font-size="{_num(LABEL_PX)}" fill="{AXIS_TEXT}">{_esc(line)}</text>'
            for row, line in enumerate(lines)
        ),
    ]


def _band(frame: _Frame, low: float, high: float, label: str) -> tuple[list[str], list[str]]:
    """The shaded range, and its label (drawn later, over the gridlines)."""
    low, high = sorted((low, high))
    if high < frame.y_min or low > frame.y_max:
        return [], []
    top, bottom = frame.y(high), frame.y(low)
    # The label sits inside the band's top edge, or just above a band too thin to hold it.
    label_y = top + LABEL_PX * 0.9 + 3 if bottom - top >= LABEL_PX + 6 else top - 4
    label = _truncate(label, int((frame.right - frame.left) * 0.6 / (CHAR_EM * LABEL_PX)))
    rect = (
        f'<rect x="{frame.pct(frame.left)}" y="{_num(top)}"'
        f' width="{frame.pct(frame.right - frame.left)}" height="{_num(bottom - top)}"'
        f' fill="{BAND_FILL}"/>'
    )
    text = (
        f'<text x="{frame.pct(frame.left)}" dx="5" y="{_num(label_y)}"'
        f' font-size="{_num(LABEL_PX)}" fill="{BAND_TEXT}">{_esc(label)}</text>'
    )
    return [rect], [text] if label else []


def _no_data(frame: _Frame) -> str:
    return (
        f'<text x="{frame.pct((frame.left + frame.right) / 2)}"'
        f' y="{_num((frame.top + frame.bottom) / 2 + TITLE_PX * 0.35)}"'
        f' font-size="{_num(TITLE_PX)}" fill="{AXIS_TEXT}" text-anchor="middle">{NO_DATA}</text>'
    )


def _rows(
    labels: Sequence[str], values: Sequence[float | None], unit: str
) -> list[tuple[str, str]]:
    # The true value, even where the drawing had to clamp it.
    return [
        (label, NO_ENTRY if value is None else with_unit(value, unit))
        for label, value in zip(labels, values, strict=True)
    ]


def _check_size(width: int, height: int) -> None:
    if width < 200 or height < 120:
        raise ValueError("a chart needs at least 200 x 120 px to hold its labels")


# --- Charts --------------------------------------------------------------------------


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    y_min: float,
    y_max: float,
    unit: str = "",
    band: tuple[float, float, str] | None = None,
    threshold: tuple[float, str] | None = None,
    higher_is_better: bool = True,
    width: int = 640,
    height: int = 240,
) -> Chart:
    """A trend over time: pain 0-10, outcome scores, range of motion.

    `band` shades a normal range (low, high, label); `threshold` draws a dashed line
    (value, label), e.g. a meaningful change. `higher_is_better` only affects the wording
    of the summary. `width` is the most the chart grows to (it fills narrower containers),
    `height` its height, both in CSS px.
    """
    if not y_max > y_min:
        raise ValueError("y_max must be greater than y_min")
    _check_size(width, height)
    title, unit = _clean(title), _clean(unit)
    labels = [_clean(point.label) for point in points]
    values = [_value(point) for point in points]
    days = [point.day for point in points]
    band = (band[0], band[1], _clean(band[2])) if band else None
    threshold = (threshold[0], _clean(threshold[1])) if threshold else None
    uid = _uid(
        "line", title, y_min, y_max, unit, band, threshold, higher_is_better, width, height,
        labels, values, days,
    )  # fmt: skip

    summary = _line_summary(title, labels, values, unit, higher_is_better)
    desc = " ".join([summary, *_reference_notes(band, threshold, None, unit)])
    # A threshold off the scale is not drawn, so it gets no key either.
    key = []
    if threshold and y_min <= threshold[0] <= y_max:
        key = _legend_lines(
            f"{threshold[1] or 'Threshold'}: {with_unit(threshold[0], unit)}", width
        )
    frame, ticks = _frame(width, height, y_min, y_max, unit, title=title, legend_rows=len(key))
    parts = _svg_open(frame, width, uid, title, desc)
    if key:
        parts += _legend(frame, key)
    band_rect, band_label = _band(frame, *band) if band else ([], [])
    parts += band_rect
    parts += _y_grid(frame, ticks, unit)
    parts += band_label
    if threshold:
        parts += _reference_line(frame, threshold[0])
    xs, dated = frame.xs(days)
    if all(value is None for value in values):
        parts.append(_no_data(frame))
    else:
        parts += _line(frame, xs, labels, values, unit)
    parts += _x_labels(labels, frame, xs, dated=dated)
    parts.append("</svg>")
    return Chart("\n".join(parts), _rows(labels, values, unit), summary, title, uid)


DOT_ROOM = 14  # px between dots' centres at the narrowest width: r 4 each, and air


def _roomy_dots(frame: _Frame, xs: Sequence[float], values: Sequence[float | None]) -> list[bool]:
    """For each point, whether its dot has room: the slots are wide enough and no
    neighbouring point's dot (the line's next value either way) is nearer than DOT_ROOM,
    measured on the page (two points of one day, far apart in value, each keep theirs)."""
    if frame.slot(len(values)) < DOT_ROOM:
        return [False] * len(values)
    centres = {i: (xs[i], frame.y(value)) for i, value in enumerate(values) if value is not None}
    shown = list(centres)
    roomy = [False] * len(values)
    for position, index in enumerate(shown):
        near = shown[max(0, position - 1) : position] + shown[position + 1 : position + 2]
        roomy[index] = all(math.dist(centres[index], centres[other]) >= DOT_ROOM for other in near)
    return roomy


def _line(
    frame: _Frame,
    xs: Sequence[float],
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str,
) -> list[str]:
    count = len(values)
    parts = []
    # Percentages are not allowed in a polyline's points, so the line is drawn as
    # segments; round caps join them smoothly. A None ends a run, which leaves the gap.
    for index in range(count - 1):
        start, end = values[index], values[index + 1]
        if start is None or end is None:
            continue
        parts.append(
            f'<line x1="{frame.pct(xs[index])}" y1="{_num(frame.y(start))}"'
            f' x2="{frame.pct(xs[index + 1])}" y2="{_num(frame.y(end))}"'
            f' stroke="{TEAL}" stroke-width="2.5" stroke-linecap="round"/>'
        )
    # Dots on every point that has room; where points crowd only on those that carry
    # meaning: a lone value between gaps, the latest value, a value off the scale. (Dots
    # either side of each gap were tried: at 52 points they fill the gap in.) Room is
    # each dot's own: points placed by date can bunch (a week of daily sessions, then
    # a month) on a chart with few points, and their dots drew over each other.
    roomy = _roomy_dots(frame, xs, values)
    last = max(i for i, value in enumerate(values) if value is not None)
    for index, value in enumerate(values):
        if value is None:
            continue
        lone = (index == 0 or values[index - 1] is None) and (
            index == count - 1 or values[index + 1] is None
        )
        off_scale = not frame.y_min <= value <= frame.y_max
        if not (roomy[index] or lone or index == last or off_scale):
            continue
        # Off-scale values get a hollow dot: drawn at the edge, but visibly not "at" it.
        fill = "#ffffff" if off_scale else TEAL
        parts.append(
            f'<circle cx="{frame.pct(xs[index])}" cy="{_num(frame.y(value))}"'
            f' r="{4 if roomy[index] else 3}" fill="{fill}" stroke="{TEAL}" stroke-width="1.5">'
            f"<title>{_esc(labels[index])}: {_esc(with_unit(value, unit))}</title></circle>"
        )
    return parts


def bar_chart(
    points: Sequence[Point],
    *,
    title: str,
    y_max: float,
    unit: str = "",
    target: float | None = None,
    width: int = 640,
    height: int = 240,
    summary: str | None = None,
) -> Chart:
    """Amounts per period from zero up, e.g. weekly adherence in % with an 80% target.

    `width` is the most the chart grows to (it fills narrower containers), `height` its
    height, both in CSS px. `summary` is the caller's own sentence in place of the
    general one (a patient's page says it in plain words).
    """
    if not y_max > 0:
        raise ValueError("y_max must be greater than zero")
    _check_size(width, height)
    title, unit = _clean(title), _clean(unit)
    labels = [_clean(point.label) for point in points]
    values = [_value(point) for point in points]
    uid = _uid("bar", title, y_max, unit, target, width, height, labels, values, summary)

    summary = _clean(summary) if summary else _bar_summary(title, labels, values, unit, target)
    desc = " ".join([summary, *_reference_notes(None, None, target, unit)])
    # Values are printed over the bars when every one of them fits over its bar; they
    # need a little more room above the plot.
    texts = [with_unit(value, unit) for value in values if value is not None]
    key = (
        _legend_lines(_("Target {value}").format(value=with_unit(target, unit)), width)
        if target is not None and target <= y_max
        else []
    )
    rows = len(key)
    frame, ticks = _frame(width, height, 0.0, y_max, unit, title=title, legend_rows=rows)
    widest = max((_text_width(text, LABEL_PX) for text in texts), default=0)
    show_values = bool(texts) and frame.slot(len(values)) >= widest + 4
    if show_values:
        frame, ticks = _frame(
            width,
            height,
            0.0,
            y_max,
            unit,
            title=title,
            legend_rows=rows,
            extra_top=LABEL_PX * 0.6,
        )
    parts = _svg_open(frame, width, uid, title, desc)
    if key:
        parts += _legend(frame, key)
    parts += _y_grid(frame, ticks, unit)
    if not texts:
        parts.append(_no_data(frame))
    else:
        parts += _bars(frame, labels, values, unit, show_values)
    if target is not None:
        parts += _reference_line(frame, target)
    parts += _x_labels(labels, frame)
    parts.append("</svg>")
    return Chart("\n".join(parts), _rows(labels, values, unit), summary, title, uid)


def _bars(
    frame: _Frame,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str,
    show_values: bool,
) -> list[str]:
    count = len(values)
    bar_width = max(frame.slot(count) * 0.62, 1.0)
    parts = []
    for index, value in enumerate(values):
        if value is None:
            continue  # no bar at all: "nothing logged" must not look like a zero
        top = frame.y(value)
        # A zero still shows as a sliver on the baseline, so it differs from a gap.
        bar_height = max(frame.bottom - top, 2.0)
        text = with_unit(value, unit)
        parts.append(
            f'<rect x="{frame.pct(frame.x(index, count) - bar_width / 2)}"'
            f' y="{_num(frame.bottom - bar_height)}" width="{frame.pct(bar_width)}"'
            f' height="{_num(bar_height)}" fill="{TEAL}">'
            f"<title>{_esc(labels[index])}: {_esc(text)}</title></rect>"
        )
        if show_values:
            parts.append(
                f'<text x="{frame.pct(frame.x(index, count))}"'
                f' y="{_num(frame.bottom - bar_height - 4)}" font-size="{_num(LABEL_PX)}"'
                f' fill="{AXIS_TEXT}" text-anchor="middle">{_esc(text)}</text>'
            )
    return parts


# --- Words ---------------------------------------------------------------------------


def _present(labels: Sequence[str], values: Sequence[float | None]) -> list[tuple[str, float]]:
    return [
        (label, value) for label, value in zip(labels, values, strict=True) if value is not None
    ]


def _line_summary(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str,
    higher_is_better: bool,
) -> str:
    present = _present(labels, values)
    if not present:
        return str(EMPTY_SUMMARY)
    (first_label, first), (last_label, last) = present[0], present[-1]
    if len(present) == 1:
        return _("{title} was {value} ({label}), the only entry so far.").format(
            title=title, value=with_unit(first, unit), label=first_label
        )
    if number(first) == number(last):
        return _("{title} stayed at {value} from {start} to {end}.").format(
            title=title, value=with_unit(last, unit), start=first_label, end=last_label
        )
    better = (last > first) == higher_is_better
    sentence = (
        _("{title} went from {first} ({start}) to {last} ({end}), which is better.")
        if better
        else _("{title} went from {first} ({start}) to {last} ({end}), which is worse.")
    )
    return sentence.format(
        title=title,
        first=with_unit(first, unit),
        start=first_label,
        last=with_unit(last, unit),
        end=last_label,
    )


def _bar_summary(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str,
    target: float | None,
) -> str:
    present = _present(labels, values)
    if not present:
        return str(EMPTY_SUMMARY)
    if len(present) == 1:
        label, value = present[0]
        return _("{title} was {value} ({label}), the only entry so far.").format(
            title=title, value=with_unit(value, unit), label=label
        )
    average = sum(value for _label, value in present) / len(present)
    values = {
        "title": title,
        "average": with_unit(average, unit),
        "start": present[0][0],
        "end": present[-1][0],
    }
    if target is None:
        return _("{title} averaged {average} from {start} to {end}.").format(**values)
    met = sum(1 for _label, value in present if value >= target)
    return _(
        "{title} averaged {average} from {start} to {end}; {met} of {count} entries "
        "reached the {target} target."
    ).format(**values, met=met, count=len(present), target=with_unit(target, unit))


def _reference_notes(
    band: tuple[float, float, str] | None,
    threshold: tuple[float, str] | None,
    target: float | None,
    unit: str,
) -> list[str]:
    """What the shaded band and dashed lines mean, for the SVG's description."""
    notes = []
    if band:
        low, high = (with_unit(value, unit) for value in sorted(band[:2]))
        notes.append(
            _("Shaded band: {name} {low} to {high}.").format(
                name=band[2] or _("range"), low=low, high=high
            )
        )
    if threshold:
        notes.append(
            _("Dashed line: {name} at {value}.").format(
                name=threshold[1] or _("threshold"), value=with_unit(threshold[0], unit)
            )
        )
    if target is not None:
        notes.append(_("Dashed line: target {value}.").format(value=with_unit(target, unit)))
    return notes
