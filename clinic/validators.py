"""Validators shared by forms of more than one app."""

from __future__ import annotations

from django.core.validators import RegexValidator

# A phone number as people type it: an optional +, digits and the usual separators.
phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-.]{6,32}$",
    "Enter a phone number using digits, spaces, brackets or dashes, like +1 555 010 0199.",
)
