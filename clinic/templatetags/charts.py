"""`{% chart c %}`: a Chart as a figure with its summary and the same data as a table.

The SVG is an image to assistive technology; the caption and the table (behind a
`details` disclosure, so it costs no space) give screen-reader and keyboard users the
numbers themselves. The markup is plain HTML that Bootstrap pages and WeasyPrint share.
"""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from clinic.lib.charts import Chart

register = template.Library()

# Key in the page-wide render state under which the tag remembers the ids it has used.
_SEEN_IDS = "clinic.templatetags.charts.seen_ids"


@register.simple_tag(takes_context=True)
def chart(context: Context, chart: Chart | None) -> SafeString | str:
    # Only a Chart's SVG is ever marked safe: anything else (a missing variable, a
    # string from somewhere) renders nothing rather than unescaped markup.
    if not isinstance(chart, Chart):
        return ""
    svg = chart.svg
    if chart.uid:
        # A chart's ids come from its content, so the same chart twice on one page would
        # repeat them. The first dict of render_context lives as long as the page render,
        # across {% include %}s (later dicts are per template); later copies get a suffix.
        seen = context.render_context.dicts[0].setdefault(_SEEN_IDS, {})
        copies = seen.get(chart.uid, 0)
        seen[chart.uid] = copies + 1
        if copies:
            svg = svg.replace(chart.uid, f"{chart.uid}-{copies + 1}")
    # Rendered with its own context so the page's {% autoescape %} setting cannot switch
    # off the escaping of titles, labels and the summary.
    html = get_template("charts/_chart.html").render(
        {"chart": chart, "svg": mark_safe(svg)}  # noqa: S308 - built and escaped by clinic.lib.charts
    )
    return mark_safe(html.strip())  # noqa: S308 - the template above escaped every value
