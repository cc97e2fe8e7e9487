"""Markup of the program builder that its template would draw too slowly."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import format_html
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
    readers only."""
    parts = [
        format_html(
            '<label class="form-label small mb-0 text-muted text-nowrap" for="{}">{}</label>\n{}\n',
            field.id_for_label,
            capfirst(field.label),
            field,
        )
    ]
    if field.help_text:
        parts.append(
            format_html(
                '<span class="visually-hidden" id="{}_helptext">{}</span>',
                field.auto_id,
                field.help_text,
            )
        )
    parts.extend(
        format_html('<div class="invalid-feedback d-block small">{}</div>', error)
        for error in field.errors
    )
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped by format_html
