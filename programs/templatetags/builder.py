"""Markup of the program builder that its template would draw too slowly."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

register = template.Library()


@register.simple_tag
def position_options(count: int, chosen: int) -> SafeString:
    """The <option>s 1 to `count` of an exercise's "Position" list, `chosen` selected.

    Each row lists every position, so the page draws count² options: looped in the
    template, that was 900 option tags at a few template nodes each for a 30-exercise
    program. The values are whole numbers made here; nothing needs escaping."""
    return mark_safe(  # noqa: S308 - numbers only
        "".join(
            f'<option value="{n}"{" selected" if n == chosen else ""}>{n}</option>'
            for n in range(1, int(count) + 1)
        )
    )


@register.simple_tag
def dose_field(field: BoundField) -> SafeString:
    """One dose field of an exercise row: its label, its widget, and its errors.

    A 10-exercise program draws about 120 of these; as an included template each cost
    about 0.2 ms (a third of the page). The widget names the help text as its description
    (aria-describedby) and the row has no room to show it, so it is there for screen
    readers only. Each part is escaped as format_html would (conditional_escape)."""
    html = (
        '<label class="form-label small mb-0 text-muted text-nowrap" '
        f'for="{conditional_escape(field.id_for_label)}">{conditional_escape(capfirst(field.label))}'
        f"</label>\n{field}\n"
    )
    if help_text := field.help_text:
        html += (
            f'<span class="visually-hidden" id="{conditional_escape(field.auto_id)}_helptext">'
            f"{conditional_escape(help_text)}</span>"
        )
    for error in field.errors:
        html += f'<div class="invalid-feedback d-block small">{conditional_escape(error)}</div>'
    return mark_safe(html)  # noqa: S308 - each part escaped


@register.simple_tag
def weekday_boxes(field: BoundField) -> SafeString:
    """An exercise row's "Only on" tick boxes, each in its label: in the template's loop,
    the page's 7 boxes a row cost about as much as all its other dose fields."""
    return mark_safe(  # noqa: S308 - the box drawn by its widget, the day's name escaped
        "".join(
            '<label class="form-check form-check-inline small mb-0">'
            f"{box.tag()} {conditional_escape(box.choice_label)}</label>"
            for box in field
        )
    )
