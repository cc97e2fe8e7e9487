"""Validators shared by forms of more than one app."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext

# The earliest day a record of care may be dated (a visit, a questionnaire, a session, a
# discharge, a program's start and review): earlier is a slip of the year, and the day
# arithmetic after it (a look back of two weeks, of two years) would leave the calendar.
EARLIEST_CARE_DAY = date(1990, 1, 1)


def validate_care_day(day: date) -> None:
    """For a form field or an API field: any day from EARLIEST_CARE_DAY on."""
    if day < EARLIEST_CARE_DAY:
        raise ValidationError(gettext("Check the year."), code="too_early")


# A phone number as people type it: an optional +, digits and the usual separators.
phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-.]{6,32}$",
    "Enter a phone number using digits, spaces, brackets or dashes, like +1 555 010 0199.",
)
