"""`{% once_field %}`: the hidden one-save token (clinic/once.py) for a form written as
plain HTML, so that a double click or a page sent again is saved once."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from clinic.once import new_token

register = template.Library()


@register.simple_tag
def once_field() -> str:
    return format_html('<input type="hidden" name="once" value="{}">', new_token())
