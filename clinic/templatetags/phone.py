from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def phone_link(number: str, css_class: str = "") -> SafeString:
    """A phone number as a tel: link, to place inside a translated sentence
    ({% blocktranslate with phone=clinic.phone|phone_link %}), so the words around it
    can move in another language while the number stays one tappable link."""
    if css_class:
        return format_html('<a class="{}" href="tel:{}">{}</a>', css_class, number, number)
    return format_html('<a href="tel:{}">{}</a>', number, number)
