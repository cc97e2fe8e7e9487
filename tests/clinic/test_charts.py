"""clinic.lib.charts draws inline SVG charts; the {% chart %} tag wraps them for pages and PDFs.

The SVG is parsed as XML in every test, so "well-formed" and "escaped" are checked by a
parser rather than by looking for substrings. A browser test lays the charts out in
Chromium at phone and desktop widths and measures the text, because the server only
estimates text widths.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from clinic.lib.charts import (
    _WORD,
    BAND_FILL,
    TEAL,
    THRESHOLD,
    Chart,
    Point,
    _wrap,
    bar_chart,
    line_chart,
)
from tests.conftest import spaced
from tests.pdf_text import pdf_text

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "quotes"'
# Everything a chart may contain: plain SVG 1.1 that WeasyPrint draws.
ALLOWED_ELEMENTS = {
    f"{SVG}{name}" for name in ("svg", "title", "desc", "text", "line", "rect", "circle")
}


def weeks(*values: float | None) -> list[Point]:
    return [Point(f"Week {number}", value) for number, value in enumerate(values, 1)]


def xml(text: str) -> ET.Element:
    # Our own output, parsed to prove it is well-formed: not untrusted input.
    return ET.fromstring(text)  # noqa: S314


def parse(chart: Chart) -> ET.Element:
    return xml(chart.svg)


def teal_lines(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}line") if el.get("stroke") == TEAL]


def teal_rects(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}rect") if el.get("fill") == TEAL]


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def x_label_elements(root: ET.Element) -> list[ET.Element]:
    # The x labels are the texts on the lowest baseline.
    lowest = max(float(el.get("y")) for el in texts(root))
    return [el for el in texts(root) if float(el.get("y")) == lowest]


def x_labels(root: ET.Element) -> list[str]:
    return [el.text for el in x_label_elements(root)]


def gridline_y(root: ET.Element, label: str) -> float:
    """The y of the gridline whose axis label reads `label`."""
    for text in texts(root):
        if text.text == label and text.get("text-anchor") == "end":
            y = float(text.get("y"))
            lines = [el for el in root.iter(f"{SVG}line") if el.get("stroke") != TEAL]
            return min((float(line.get("y1")) for line in lines), key=lambda v: abs(v - y))
    raise AssertionError(f"no gridline labelled {label}")


def render_tag(context: dict) -> str:
    return Template("{% load charts %}{% chart c %}").render(Context(context))


def sample_charts() -> list[Chart]:
    return [
        line_chart(
            weeks(6, 6.5, 5, None, 4, 4, 3.5, 3),
            title="Pain (0–10)",
            y_min=0,
            y_max=10,
            band=(0, 3, "Mild"),
            higher_is_better=False,
        ),
        line_chart(
            [
                Point(d, v)
                for d, v in [("3 Mar", 48), ("17 Mar", 40), ("31 Mar", None), ("14 Apr", 31)]
            ],
            title="Oswestry Disability Index",
            y_min=0,
            y_max=100,
            unit="%",
            threshold=(30, "Meaningful change"),
            band=(0, 20, "Minimal disability"),
            higher_is_better=False,
        ),
        bar_chart(
            weeks(55, 70, 92, None, 0, 85, 100, 88),
            title="Adherence",
            y_max=100,
            unit="%",
            target=80,
        ),
    ]


# --- Well-formed SVG for every shape of input ------------------------------------------

INPUTS = {
    "empty": [],
    "one point": weeks(4),
    "all None": weeks(None, None, None),
    "many points": weeks(*[(i * 7) % 11 for i in range(52)]),
    "gaps and extremes": weeks(None, 12, -3, None, 5, float("nan")),
}


@pytest.mark.parametrize("name", INPUTS)
def test_line_charts_are_well_formed_svg_for_any_input(name):
    chart = line_chart(INPUTS[name], title="Pain", y_min=0, y_max=10, threshold=(5, "Half"))
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert {el.tag for el in root.iter()} <= ALLOWED_ELEMENTS
    assert len(chart.rows) == len(INPUTS[name])


@pytest.mark.parametrize("name", INPUTS)
def test_bar_charts_are_well_formed_svg_for_any_input(name):
    chart = bar_chart(INPUTS[name], title="Adherence", y_max=10, unit="%", target=8)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert {el.tag for el in root.iter()} <= ALLOWED_ELEMENTS
    assert len(chart.rows) == len(INPUTS[name])


def test_the_svg_uses_only_what_weasyprint_and_old_browsers_draw():
    for chart in sample_charts():
        assert "<style" not in chart.svg
        assert "var(" not in chart.svg
        assert "href" not in chart.svg
        assert "foreignObject" not in chart.svg
        assert "url(" not in chart.svg
        assert "<script" not in chart.svg


def test_the_svg_is_an_accessible_image_named_by_its_own_title_and_desc():
    chart = sample_charts()[0]
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text == "Pain (0–10)"
    assert desc.text.startswith(chart.summary)
    assert "Shaded band: Mild 0 to 3." in desc.text


def test_no_text_is_smaller_than_11_px():
    for chart in sample_charts():
        sizes = [float(el.get("font-size")) for el in texts(parse(chart))]
        assert sizes and min(sizes) >= 11


def test_the_output_is_deterministic():
    assert [c.svg for c in sample_charts()] == [c.svg for c in sample_charts()]


# --- Escaping -----------------------------------------------------------------------


def test_it_escapes_markup_in_the_title_and_labels():
    points = [Point(HOSTILE, 3), Point("ok", 4)]
    for chart in (
        line_chart(points, title=HOSTILE, y_min=0, y_max=10, band=(0, 2, HOSTILE)),
        line_chart(points, title=HOSTILE, y_min=0, y_max=10, threshold=(5, HOSTILE)),
        bar_chart(points, title=HOSTILE, y_max=10, unit="<b>"),
    ):
        assert "<script" not in chart.svg
        root = parse(chart)
        assert root.find(f"{SVG}title").text == " ".join(HOSTILE.split())
        assert not [el for el in root.iter() if el.tag.endswith("script")]
        assert chart.rows[0][0] == HOSTILE  # rows hold plain text; the template escapes it


def test_control_characters_cannot_break_the_xml():
    chart = line_chart([Point("a\x00b\x1bc\ud800", 1)], title="t\x07itle", y_min=0, y_max=2)
    root = parse(chart)
    assert root.find(f"{SVG}title").text == "title"
    assert chart.rows == [("abc", "1")]


def test_the_tag_escapes_markup_in_the_caption_and_table():
    chart = line_chart([Point(HOSTILE, 3), Point("b", 4)], title=HOSTILE, y_min=0, y_max=10)
    html = render_tag({"c": chart})
    assert "<script" not in html
    figure = xml(html)
    assert figure.find("figcaption").text == chart.summary
    assert figure.find(".//tbody/tr/th").text == HOSTILE
    assert figure.find(".//thead/tr/th[2]").text == " ".join(HOSTILE.split())


def test_the_tag_escapes_even_inside_autoescape_off():
    chart = line_chart([Point(HOSTILE, 3)], title="Pain", y_min=0, y_max=10)
    html = Template("{% load charts %}{% autoescape off %}{% chart c %}{% endautoescape %}").render(
        Context({"c": chart})
    )
    assert "<script" not in html


def test_the_tag_renders_nothing_for_anything_but_a_chart():
    assert render_tag({"c": "<script>alert(1)</script>"}) == ""
    assert render_tag({}) == ""


# --- Ids ----------------------------------------------------------------------------


def all_ids(html: str) -> list[str]:
    root = xml(f"<page>{html}</page>")
    return [el.get("id") for el in root.iter() if el.get("id")]


def test_two_charts_on_one_page_have_unique_ids():
    pain, odi, adherence = sample_charts()
    html = Template("{% load charts %}{% chart a %}{% chart b %}{% chart c %}").render(
        Context({"a": pain, "b": odi, "c": adherence})
    )
    ids = all_ids(html)
    assert len(ids) == 6 and len(set(ids)) == 6


def test_the_same_chart_twice_on_a_page_still_gets_unique_ids():
    chart = sample_charts()[0]
    html = Template("{% load charts %}{% chart c %}{% chart c %}").render(Context({"c": chart}))
    ids = all_ids(html)
    assert len(ids) == 4 and len(set(ids)) == 4
    # Each copy's aria-labelledby points at its own title and desc.
    page = xml(f"<page>{html}</page>")
    for svg in page.iter(f"{SVG}svg"):
        own = {el.get("id") for el in svg.iter() if el.get("id")}
        assert set(svg.get("aria-labelledby").split()) == own


# --- What is drawn ------------------------------------------------------------------


def test_it_draws_a_gap_for_missing_weeks():
    root = parse(line_chart(weeks(2, 3, None, 5, 6), title="Pain", y_min=0, y_max=10))
    segments = teal_lines(root)
    assert len(segments) == 2  # 1-2 and 4-5: nothing runs across week 3
    zero_y = gridline_y(root, "0")
    drawn_ys = [float(s.get(k)) for s in segments for k in ("y1", "y2")]
    drawn_ys += [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert zero_y not in drawn_ys  # the missing week is not drawn as a zero
    assert len(list(root.iter(f"{SVG}circle"))) == 4


def test_a_lone_value_between_gaps_still_shows_as_a_dot():
    root = parse(line_chart(weeks(*[None, 4, None] * 20), title="Pain", y_min=0, y_max=10))
    assert teal_lines(root) == []
    assert len(list(root.iter(f"{SVG}circle"))) == 20


def test_missing_bars_are_left_out_and_zero_bars_are_a_sliver():
    root = parse(bar_chart(weeks(50, None, 0, 80), title="Adherence", y_max=100, unit="%"))
    bars = teal_rects(root)
    assert len(bars) == 3
    assert 0 < float(bars[1].get("height")) <= 2  # the zero, not the gap


def test_values_outside_the_scale_are_clamped_in_the_drawing_but_true_in_the_rows():
    chart = line_chart(weeks(12, 5, -3), title="Pain", y_min=0, y_max=10)
    root = parse(chart)
    dots = list(root.iter(f"{SVG}circle"))
    assert float(dots[0].get("cy")) == gridline_y(root, "10")
    assert float(dots[2].get("cy")) == gridline_y(root, "0")
    assert dots[0].get("fill") == "#ffffff" and dots[1].get("fill") == TEAL  # hollow: off scale
    assert chart.rows == [("Week 1", "12"), ("Week 2", "5"), ("Week 3", "-3")]


def test_bars_over_the_top_are_clamped_too():
    chart = bar_chart(weeks(150, 50), title="Adherence", y_max=100, unit="%")
    root = parse(chart)
    bars = teal_rects(root)
    assert float(bars[0].get("y")) == pytest.approx(gridline_y(root, "100%"))
    assert chart.rows[0] == ("Week 1", "150%")


def test_the_threshold_is_a_dashed_line_named_in_the_legend():
    root = parse(
        line_chart(weeks(40, 20), title="ODI", y_min=0, y_max=100, threshold=(30, "Meaningful"))
    )
    dashed = [
        el
        for el in root.iter(f"{SVG}line")
        if el.get("stroke") == THRESHOLD and el.get("stroke-dasharray")
    ]
    assert len(dashed) == 2  # the line across the plot and its key in the legend
    across = max(dashed, key=lambda el: float(el.get("x2").rstrip("%")))
    assert across.get("x2").endswith("%")
    y20, y40 = gridline_y(root, "20"), gridline_y(root, "40")
    assert float(across.get("y1")) == pytest.approx((y20 + y40) / 2)
    assert "Meaningful: 30" in [el.text for el in texts(root)]


def test_a_long_legend_goes_on_to_a_second_line_and_is_never_cut():
    """The key "Meaningful change (2 points or 30%) (3.5)" was cut to "Meaningful change (2
    points or 30%)…" on every page: the value the line stands at was the part left out."""
    label = "Meaningful change (2 points or 30%)"
    root = parse(line_chart(weeks(5, 3), title="NPRS", y_min=0, y_max=10, threshold=(3.5, label)))
    first = next(el for el in texts(root) if el.text.startswith("Meaningful"))
    legend = [el for el in texts(root) if el.get("x") == first.get("x")]
    written = " ".join(el.text for el in legend[:2])
    assert written == f"{label}: 3.5" and "…" not in written
    assert float(legend[1].get("y")) > float(legend[0].get("y"))
    # The value is not left alone on the second line, where it read as a stray number,
    # and the bracket is not broken to keep it company.
    assert [el.text for el in legend[:2]] == ["Meaningful change", "(2 points or 30%): 3.5"]
    # The plot starts below the second line.
    plot = [el for el in root.iter(f"{SVG}line") if el.get("x2", "").endswith("%")]
    assert min(float(el.get("y1")) for el in plot) > float(legend[1].get("y"))


_words = st.text(alphabet="abcdefghij:%.0123", min_size=1, max_size=9)
_bracket = st.lists(_words, min_size=1, max_size=3).map(lambda ws: "(" + " ".join(ws) + ")")


@given(
    words=st.lists(st.one_of(_words, _bracket), min_size=1, max_size=12),
    max_chars=st.integers(12, 40),
)
def test_wrapped_text_keeps_every_word_and_bracket_within_the_line_and_no_word_alone(
    words, max_chars
):
    text = " ".join(words)
    lines = _wrap(text, max_chars, 3)
    assert all(len(line) <= max_chars for line in lines)
    if "…" in "".join(lines):
        return  # shortened: longer than three lines
    assert " ".join(lines) == text
    for bracket in (w for w in words if w.startswith("(") and len(w) <= max_chars):
        assert any(bracket in line for line in lines), (bracket, lines)
    if len(lines) > 1 and len(_WORD.findall(lines[-1])) == 1:
        # Alone only where the word before it would not fit beside it (or was alone too).
        before = _WORD.findall(lines[-2])
        assert len(before) == 1 or len(before[-1]) + 1 + len(lines[-1]) > max_chars, lines


def test_a_threshold_off_the_scale_is_not_drawn():
    chart = line_chart(weeks(4, 5), title="Pain", y_min=0, y_max=10, threshold=(12, "Too high"))
    root = parse(chart)
    assert not [el for el in root.iter(f"{SVG}line") if el.get("stroke") == THRESHOLD]
    assert "Too high" not in [el.text for el in texts(root)]


def test_the_normal_range_band_is_shaded_and_labelled():
    root = parse(
        line_chart(weeks(4, 5), title="Pain", y_min=0, y_max=10, band=(0, 3, "Normal range"))
    )
    band = [el for el in root.iter(f"{SVG}rect") if el.get("fill") == BAND_FILL]
    assert len(band) == 1
    assert float(band[0].get("y")) + float(band[0].get("height")) == pytest.approx(
        gridline_y(root, "0")
    )
    assert "Normal range" in [el.text for el in texts(root)]


def test_the_bar_chart_target_line():
    root = parse(bar_chart(weeks(70, 90), title="Adherence", y_max=100, unit="%", target=80))
    assert [el for el in root.iter(f"{SVG}line") if el.get("stroke") == THRESHOLD]
    assert "Target 80%" in [el.text for el in texts(root)]


def test_an_empty_chart_says_so_inside_the_drawing():
    for chart in (
        line_chart([], title="Pain", y_min=0, y_max=10),
        bar_chart(weeks(None, None), title="Adherence", y_max=100),
    ):
        assert "No data yet" in [el.text for el in texts(parse(chart))]
        assert chart.summary == "No data yet."


@pytest.mark.parametrize("label", ["Week {}", "W{}", "{} March 2025"])
def test_it_shows_at_most_8_x_labels_for_52_points_including_the_latest(label):
    points = [Point(label.format(n), n % 10) for n in range(1, 53)]
    for chart in (
        line_chart(points, title="Pain", y_min=0, y_max=10),
        bar_chart(points, title="Sessions", y_max=10),
    ):
        shown = x_labels(parse(chart))
        assert 2 <= len(shown) <= 8
        assert shown[-1].startswith(label.format(52)[:3])


def test_few_points_all_get_their_label():
    assert x_labels(parse(bar_chart(weeks(1, 2, 3), title="Sessions", y_max=5))) == [
        "Week 1",
        "Week 2",
        "Week 3",
    ]


def dated(*pairs: tuple[int, float]) -> list[Point]:
    """Points on days of November 2026: (day of month, value)."""
    return [Point(f"{day} Nov", value, day=date(2026, 11, day)) for day, value in pairs]


def x_of(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute).rstrip("%"))


def test_dated_points_are_spaced_by_the_time_between_them():
    # Sessions on the 1st, 2nd and 29th: evenly spaced, the four weeks between the last
    # two looked no longer than the one day between the first two.
    root = parse(line_chart(dated((1, 6), (2, 5), (29, 3)), title="Pain", y_min=0, y_max=10))
    first, second, last = (x_of(dot, "cx") for dot in root.iter(f"{SVG}circle"))
    assert (last - second) == pytest.approx(27 * (second - first), rel=0.01)
    segments = teal_lines(root)
    assert [x_of(s, "x1") for s in segments] == [first, second]
    assert [x_of(s, "x2") for s in segments] == [second, last]
    # Each date's label sits under its own dot (the 1st and 2nd are too close for both).
    shown = {el.text: x_of(el, "x") for el in x_label_elements(root)}
    assert shown == {"2 Nov": second, "29 Nov": last}


def test_dots_never_draw_over_each_other_where_dated_sessions_bunch():
    # A week of daily sessions at one pain level, then one a month on: few points, so the
    # slots are wide, but the week's dots sat 7 px apart at 4 px radius.
    from clinic.lib.charts import NARROWEST

    points = dated(*[(day, 5) for day in range(1, 8)], (12, 9), (30, 4))
    root = parse(line_chart(points, title="Pain", y_min=0, y_max=10, width=NARROWEST))
    dots = [
        (x_of(dot, "cx") * NARROWEST / 100, float(dot.get("cy")), float(dot.get("r")))
        for dot in root.iter(f"{SVG}circle")
    ]
    for (x1, y1, r1), (x2, y2, r2) in itertools.combinations(dots, 2):
        assert math.dist((x1, y1), (x2, y2)) >= r1 + r2 + 1.5  # the strokes too
    # The points with room keep theirs: the 12th (far from the week) and the latest.
    titles = [dot.find(f"{SVG}title").text for dot in root.iter(f"{SVG}circle")]
    assert titles == ["12 Nov: 9", "30 Nov: 4"]


def test_dated_labels_never_overlap_where_sessions_crowd_together():
    points = dated(*[(day, 5) for day in (1, 2, 3, 4, 5, 6, 7, 8)], (30, 4))
    shown = x_label_elements(parse(line_chart(points, title="Pain", y_min=0, y_max=10)))
    assert shown[-1].text == "30 Nov"
    xs = [x_of(el, "x") for el in shown]
    # "30 Nov" is about 43 px wide, and labels keep 6 px apart: at the narrowest chart
    # (300 px) neighbours' centres are 16% of its width apart at least.
    assert all(b - a >= 16 for a, b in itertools.pairwise(xs))
    assert len(shown) >= 3


def test_invalid_scales_are_a_programming_error():
    with pytest.raises(ValueError):
        line_chart(weeks(1), title="Pain", y_min=10, y_max=10)
    with pytest.raises(ValueError):
        bar_chart(weeks(1), title="Sessions", y_max=0)


# --- Rows and summary ---------------------------------------------------------------


def test_rows_hold_every_period_with_its_formatted_value():
    pain = sample_charts()[0]
    assert pain.rows == [
        ("Week 1", "6"),
        ("Week 2", "6.5"),
        ("Week 3", "5"),
        ("Week 4", "No entry"),
        ("Week 5", "4"),
        ("Week 6", "4"),
        ("Week 7", "3.5"),
        ("Week 8", "3"),
    ]
    cm = line_chart([Point("Mon", 12.345)], title="Reach", y_min=0, y_max=20, unit="cm")
    assert cm.rows == [("Mon", "12.3\N{NO-BREAK SPACE}cm")]


def test_the_summary_says_which_way_things_went():
    pain = line_chart(weeks(6, None, 3), title="Pain", y_min=0, y_max=10, higher_is_better=False)
    assert pain.summary == "Pain went from 6 (Week 1) to 3 (Week 3), which is better."
    grip = line_chart(weeks(30, 25), title="Grip", y_min=0, y_max=60, unit="kg")
    assert spaced(grip.summary) == (
        "Grip went from 30 kg (Week 1) to 25 kg (Week 2), which is worse."
    )
    flat = line_chart(weeks(4, 4), title="Pain", y_min=0, y_max=10)
    assert flat.summary == "Pain stayed at 4 from Week 1 to Week 2."
    one = line_chart(weeks(None, 5), title="Pain", y_min=0, y_max=10)
    assert one.summary == "Pain was 5 (Week 2), the only entry so far."
    assert line_chart(weeks(None), title="Pain", y_min=0, y_max=10).summary == "No data yet."


def test_the_bar_summary_gives_the_average_and_the_target():
    adherence = sample_charts()[2]
    assert adherence.summary == (
        "Adherence averaged 70% from Week 1 to Week 8; 4 of 7 entries reached the 80% target."
    )
    plain = bar_chart(weeks(2, 4), title="Sessions", y_max=7)
    assert plain.summary == "Sessions averaged 3 from Week 1 to Week 2."


# --- The template tag ---------------------------------------------------------------


def test_the_tag_renders_a_figure_with_svg_caption_and_table():
    chart = sample_charts()[2]
    html = render_tag({"c": chart})
    figure = xml(html)  # well-formed, so valid in HTML and XHTML alike
    assert figure.tag == "figure" and figure.get("class") == "chart"
    assert figure.find(f"{SVG}svg") is not None
    assert figure.find("figcaption").text == chart.summary
    details = figure.find("details")
    assert details.find("summary").text == "Show as a table"
    table = details.find("table")
    assert table.get("class") == "table table-sm"
    assert [th.text for th in table.findall("thead/tr/th")] == ["When", "Adherence"]
    body = [(tr.find("th").text, tr.find("td").text) for tr in table.findall("tbody/tr")]
    assert body == chart.rows


def test_the_tag_leaves_out_an_empty_table_and_says_no_data_once():
    """Found by review: "No data yet" in the plot, and again under it."""
    empty = line_chart([], title="Pain", y_min=0, y_max=10)
    figure = xml(render_tag({"c": empty}))
    assert figure.find("details") is None
    assert figure.find("figcaption") is None
    assert "No data yet" in [el.text for el in texts(parse(empty))]
    assert empty.summary == "No data yet."  # still the words screen readers are given
    # A sentence of the caller's own (a note added to it) is printed under the drawing.
    noted = replace(empty, summary="No data yet. Not drawn: 1 value measured elsewhere.")
    assert xml(render_tag({"c": noted})).find("figcaption").text == noted.summary


def test_the_tag_output_becomes_a_pdf_without_fetching_anything():
    from clinic.lib.pdf import SafeURLFetcher

    fetcher = SafeURLFetcher()
    body = "".join(render_tag({"c": chart}) for chart in sample_charts())
    html = f'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><body>{body}</body></html>'
    import weasyprint

    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert fetcher.refused == [] and fetcher.served == []
    text = pdf_text(pdf)
    assert "Oswestry Disability Index" in text and "Target 80%" in text


def title_lines(root: ET.Element) -> list[str]:
    return [el.text for el in texts(root) if el.get("font-weight") == "bold"]


@pytest.mark.parametrize(
    "title",
    ["Dolor durante el ejercicio (0 a 10)", "Exercise sessions done, % of plan, by week"],
)
def test_a_title_too_long_for_a_phone_wraps_between_words_and_is_never_cut(title):
    for chart in (
        line_chart(weeks(3, 4), title=title, y_min=0, y_max=10, threshold=(5, "Half")),
        bar_chart(weeks(50, 80), title=title, y_max=100, unit="%", target=80),
    ):
        root = parse(chart)
        lines = title_lines(root)
        assert len(lines) == 2 and " ".join(lines) == title
        # A scale in brackets stays on one line: "(0 a 1" then "0)" reads "0 to 1".
        assert any("(0 a 10)" in line for line in lines) or "(" not in title
        # The chart grows by the extra line, so its plot keeps its size.
        assert int(root.get("height")) > 240


def test_a_short_title_stays_on_one_line_and_the_chart_keeps_its_height():
    root = parse(line_chart(weeks(3, 4), title="Pain", y_min=0, y_max=10))
    assert title_lines(root) == ["Pain"]
    assert root.get("height") == "240"


def test_points_all_logged_on_one_day_are_not_spread_out_as_if_days_apart():
    """Two sessions logged on the same day (pain 6 in the morning, 2 at night) are drawn
    in equal slots a third of the chart apart, labelled "1 Mar" and "1 Mar", a line
    falling across the chart like a trend over days; add one session on 2 Mar and the
    same two points stack on one x. Points placed by date are placed by date whether they
    span one day or more."""
    import re

    day = date(2026, 3, 1)
    chart = line_chart(
        [Point("1 Mar", 6, day=day), Point("1 Mar", 2, day=day)],
        title="Pain",
        y_min=0,
        y_max=10,
        higher_is_better=False,
    )
    dots = re.findall(r'<circle cx="([\d.]+)%"', chart.svg)
    assert len(dots) == 2 and dots[0] == dots[1]


def test_the_end_labels_keep_a_margin_from_the_edges():
    """Widths are estimated, and run short for wide fonts (DejaVu Sans, Chromium's default
    on Debian): "2 Dec" under the last point touched the edge on a 360 px phone, its "c"
    cut. The end labels keep the chart's padding clear, at the narrowest width."""
    from clinic.lib.charts import CHAR_EM, LABEL_PX, NARROWEST, PAD

    # Sessions over four weeks: with this many points, the last is near the edge.
    days = [date(2026, 11, 6) + timedelta(days=n) for n in (0, 3, 7, 8, 10, 14, 18, 20, 26)]
    chart = line_chart(
        [Point.on(day, 3) for day in days], title="Pain", y_min=0, y_max=10, width=NARROWEST
    )
    labels = x_label_elements(parse(chart))
    for label in (labels[0], labels[-1]):
        centre = NARROWEST * float(label.get("x").rstrip("%")) / 100 + float(label.get("dx", 0))
        half = len(label.text) * CHAR_EM * LABEL_PX / 2
        assert centre - half >= PAD and centre + half <= NARROWEST - PAD, label.text


def test_keeping_a_word_off_the_last_line_never_breaks_a_bracket():
    """The no-word-alone rule moves the last word of the line above down; when that line
    ends in a bracketed part it took the bracket's tail: the NPRS key on any chart wider
    than a phone read "Meaningful change (2 points or" over "30%): 3.5"."""
    label = "Meaningful change (2 points or 30%)"
    title = "Knee pain at night (0 to 10) weekly"
    for width in (280, 640):
        root = parse(
            line_chart(
                weeks(5, 3), title=title, y_min=0, y_max=10, threshold=(3.5, label), width=width
            )
        )
        written = [el.text for el in texts(root)]
        assert any("(2 points or 30%):" in line for line in written), (width, written)
        assert any("(0 to 10)" in line for line in title_lines(root)), (width, written)
