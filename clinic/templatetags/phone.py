from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def phone_link(number: str, css_class: str = "") -> SafeString:
    """A phone number as a tel: link, to place inside a translated sentence
    ({% blocktranslate with phone=clinic.phone|phone_link %}), so the words around it
    can move in another language while the number stays one tappable link. Never broken
    over two lines: "+1 555" at the end of one and "0100" on the next read as two numbers
    on a phone (found by the phone review). The longest number the settings accept (32
    characters) fits a 360 px screen's line."""
    classes = f"text-nowrap {css_class}".strip()
    return format_html('<a class="{}" href="tel:{}">{}</a>', classes, number, number)
