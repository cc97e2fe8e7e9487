from __future__ import annotations

from django import template

from programs.dosage import describe_dosage

register = template.Library()


@register.filter
def dosage_line(item) -> str:
    return describe_dosage(item)
