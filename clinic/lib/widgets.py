"""Form widgets that render fast where Django's templates are slow.

Django draws each <option> of a <select> through its own template: about 0.1 ms an
option, so the clinic settings page's 600 time zones took 60 ms to draw, every time the
form was shown again with an error. `LongSelect` writes the same HTML directly.
"""

from __future__ import annotations

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString


def _text(value) -> str:
    # conditional_escape without its lazy-string wrapper, which costs more than the
    # escaping here: text already marked safe is kept as it is.
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _options(options: list[dict]) -> str:
    """The options' HTML, escaped here (the caller marks the whole <select> safe)."""
    return "".join(
        f'<option value="{_text(option["value"])}"'
        f"{flatatt(option['attrs']) if option['attrs'] else ''}>{_text(option['label'])}</option>"
        for option in options
    )


class LongSelect(forms.Select):
    """A <select> with the markup of Django's own (attributes, `selected`, option groups),
    written without a template per option."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(
                    f'<optgroup label="{_text(group_name)}">{_options(options)}</optgroup>'
                )
            else:
                parts.append(_options(options))
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            SafeString("".join(parts)),
        )
