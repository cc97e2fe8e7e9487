"""`{{ value|with_unit:"cm" }}`: a number and its unit as clinic.lib.numbers prints them,
"45°" and "2.5 cm" (kept on one line), as the charts and the report's sentences do."""

from __future__ import annotations

from django import template

from clinic.lib.numbers import with_unit as _with_unit

register = template.Library()


@register.filter
def with_unit(value, unit: str) -> str:
    return "" if value is None else _with_unit(value, unit)
