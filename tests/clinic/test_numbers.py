"""Numbers with their units, one rule for the pages, charts and reports."""

from __future__ import annotations

from django.utils import translation

from clinic.lib.numbers import number, with_unit


def test_a_number_has_at_most_one_decimal_and_none_when_whole():
    assert [number(v) for v in (6, 6.0, 6.54, -2, 1250.04)] == ["6", "6", "6.5", "-2", "1250"]


def test_a_unit_word_never_parts_from_its_number():
    # A narrow report cell broke "Better by 2.5" and "cm" onto two lines.
    assert with_unit(2.5, "cm") == "2.5\N{NO-BREAK SPACE}cm"


def test_symbols_hug_the_number():
    assert with_unit(15, "°") == "15°"
    assert with_unit(3, "/10") == "3/10"  # the charts' own rule put a space there
    assert with_unit(40, "%") == "40%"
    assert with_unit(7, "") == "7"


def test_a_decimal_comma_where_the_language_writes_one():
    with translation.override("es"):
        assert with_unit(4.5, "cm") == "4,5\N{NO-BREAK SPACE}cm"
