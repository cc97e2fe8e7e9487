"""Numbers as the pages, charts and reports print them: one rule for all three."""

from __future__ import annotations

from django.utils.formats import get_format


def number(value) -> str:
    """At most one decimal, and none for whole numbers: 6, 6.5, -2, 1250 (6,5 in a
    language that writes a decimal comma)."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}".replace(".", get_format("DECIMAL_SEPARATOR"))


def with_unit(value, unit: str) -> str:
    """A number with its unit: "80%", "90°" and "3/10" hug the number; words and
    abbreviations follow a no-break space, "12 cm", so a narrow cell or a line's end never
    parts them."""
    if not unit or unit.startswith(("%", "°", "/")):
        return f"{number(value)}{unit}"
    return f"{number(value)}\N{NO-BREAK SPACE}{unit}"
