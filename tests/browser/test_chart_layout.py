from __future__ import annotations

import pytest

from clinic.lib.charts import Point, bar_chart, line_chart
from tests.clinic.test_charts import render_tag, sample_charts, weeks

pytestmark = pytest.mark.browser


# --- In a real browser --------------------------------------------------------------


@pytest.mark.parametrize("width", [302, 640])
def test_in_chromium_no_text_overlaps_or_leaves_the_chart(new_page, width):
    """302 px is the chart's width on a 360 px phone, inside a container and a card."""
    edge_cases = [
        line_chart(
            [Point(f"Visit on {n} March 2025", n % 11) for n in range(1, 31)],
            title="A long title that cannot possibly fit on one line of a phone",
            y_min=0,
            y_max=10,
            threshold=(10, "A long threshold label that needs shortening too"),
            band=(0, 1, "A thin band"),
        ),
        bar_chart(weeks(*range(52)), title="Sessions", y_max=60, unit="sessions", target=30),
        line_chart([], title="Pain", y_min=0, y_max=10),
    ]
    body = "".join(render_tag({"c": chart}) for chart in [*sample_charts(), *edge_cases])
    html = (
        f'<html><body style="margin:0"><style>figure {{ margin: 0 }}</style>'
        f'<div style="width:{width}px">{body}</div></body></html>'
    )
    page = new_page(width, 800)
    page.set_content(html)
    charts = page.evaluate(
        """() => [...document.querySelectorAll('figure svg')].map(svg => {
                    const box = svg.getBoundingClientRect();
                    const texts = [...svg.querySelectorAll('text')].map(t => {
                        const r = t.getBoundingClientRect();
                        return {text: t.textContent, left: r.left, right: r.right,
                                top: r.top, bottom: r.bottom,
                                size: parseFloat(getComputedStyle(t).fontSize)};
                    });
                    return {box: {left: box.left, right: box.right, top: box.top,
                                  bottom: box.bottom}, texts};
                })"""
    )
    assert len(charts) == 6
    for chart in charts:
        box = chart["box"]
        assert box["right"] - box["left"] == width
        for text in chart["texts"]:
            assert text["size"] >= 11, text
            assert box["left"] <= text["left"] and text["right"] <= box["right"], text
            assert box["top"] <= text["top"] and text["bottom"] <= box["bottom"], text
        # Text boxes include the font's full line height; 2 px of that may touch.
        boxes = chart["texts"]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = (
                    a["right"] <= b["left"] + 2
                    or b["right"] <= a["left"] + 2
                    or a["bottom"] <= b["top"] + 2
                    or b["bottom"] <= a["top"] + 2
                )
                assert apart, (a, b)
