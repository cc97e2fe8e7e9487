"""A value with its unit, as the report's sentences write it (patients.measures.with_unit):
"45°", not "45 °"; "2.5 cm" kept on one line."""

from __future__ import annotations

from django import template

from patients.measures import with_unit as _with_unit

register = template.Library()


@register.filter
def with_unit(value, unit: str) -> str:
    return "" if value is None else _with_unit(value, unit)
