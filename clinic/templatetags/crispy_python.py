"""{% crispy_field_in_python %}, the whole of templates/bootstrap5/field.html: see
clinic/lib/crispy_field.py."""

from __future__ import annotations

from django import template

from clinic.lib.crispy_field import FieldNode

register = template.Library()


@register.tag
def crispy_field_in_python(parser, token) -> FieldNode:
    return FieldNode()
