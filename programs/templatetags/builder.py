"""Markup of the program builder that its template would draw too slowly."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

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
