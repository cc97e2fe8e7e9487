"""`{% csrf_token %}`, with the page's stamp beside the token (clinic.page_stamps).

A builtin of the template engine (settings.TEMPLATES), so it takes the place of Django's
own tag in every template, crispy-forms' included: every POST form a page makes says
which clinic (or patient record) the page was for, with no template to remember it. A
tab left open on one clinic then cannot write into another chosen since
(clinic.permissions.staff_required refuses it)."""

from __future__ import annotations

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from clinic import page_stamps

register = template.Library()


class StampedCsrfTokenNode(CsrfTokenNode):
    def render(self, context) -> str:
        token = super().render(context)
        stamp = context.get("page_stamp")
        if not token or not stamp:
            return token
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">', token, page_stamps.FIELD, stamp
        )


@register.tag
def csrf_token(parser, token) -> StampedCsrfTokenNode:
    return StampedCsrfTokenNode()
