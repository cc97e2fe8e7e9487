"""Dates kept as ISO text (a program revision's snapshot), for the `date` filter."""

from __future__ import annotations

from datetime import date

from django import template

register = template.Library()


@register.filter
def iso_date(value):
    """ "2026-11-07" as a date, so `|iso_date|date:"j M Y"` prints it as every other date
    is printed; anything else as it was."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
