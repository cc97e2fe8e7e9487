"""The form renderer (settings.FORM_RENDERER): Django's own, with its widget templates
written in Python.

Django draws every widget through templates: a text box is three (text.html includes
input.html, which includes attrs.html), a <select> one more per <option>, a group of
radio buttons three per button. At a few microseconds per template node that was the
largest part of the builder page (about 40 % of its CPU: 12 fields an exercise) and of
every form page the test suite's fuzzer draws. Here each of those templates is a
function that returns the same characters, escaped and localized the same way
(render_value_in_context is the template engine's own `{{ }}`); tests/clinic/
test_form_renderer.py compares them with Django's templates for every widget the
project uses. Any other template (forms, fields, error lists, a widget we do not draw)
is still rendered by Django's templates.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"


# What render_value_in_context reads of a template Context: autoescape on, time zone and
# localization as the settings say (a renderer's templates get the same).
_CONTEXT = Context()


def _out(value) -> str:
    """{{ value }}"""
    if type(value) is str:  # not SafeString: plain text is neither localized nor safe
        return html.escape(value)
    return render_value_in_context(value, _CONTEXT)


def _out_s(value) -> str:
    """{{ value|stringformat:'s' }} (the filter keeps text marked safe as safe)."""
    if type(value) is str:
        return html.escape(value)
    text = stringformat(value, "s")
    return _out(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308


def attrs_html(widget: dict) -> str:
    """attrs.html (crispy's layout/attrs.html for an option is the same)"""
    out = []
    for name, value in widget["attrs"].items():
        if value is not False:
            out.append(f" {_out(name)}")
            if value is not True:
                out.append(f'="{_out_s(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    """input.html"""
    value = f' value="{_out_s(widget["value"])}"' if widget["value"] is not None else ""
    return (
        f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"'
        f"{value}{attrs_html(widget)}>\n"
    )


def _included(draw: Callable[[dict], str]) -> Callable[[dict], str]:
    """A template that only includes another (text.html: {% include input.html %}),
    with its own line end after it."""
    return lambda widget: draw(widget) + "\n"


def _textarea(widget: dict) -> str:
    value = _out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_out(widget["name"])}"{attrs_html(widget)}>\n{value}</textarea>\n'


def _select_option(widget: dict) -> str:
    return (
        f'<option value="{_out_s(widget["value"])}"{attrs_html(widget)}>'
        f"{_out(widget['label'])}</option>\n"
    )


def _input_option(widget: dict) -> str:
    """input_option.html: a radio button or tick box, in its label when wrap_label."""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    id_ = widget["attrs"].get("id")
    label_for = f' for="{_out(id_)}"' if id_ else ""
    return f"<label{label_for}>{_input(widget)} {_out(widget['label'])}</label>\n"


class FormRenderer(DjangoTemplates):
    def __init__(self) -> None:
        super().__init__()
        self.drawn: dict[str, Callable[[dict], str]] = {
            WIDGETS + "input.html": _input,
            WIDGETS + "textarea.html": _textarea,
            WIDGETS + "select.html": self._select,
            WIDGETS + "select_option.html": _select_option,
            WIDGETS + "input_option.html": _input_option,
            WIDGETS + "radio_option.html": _included(_input_option),
            WIDGETS + "checkbox_option.html": _included(_input_option),
            WIDGETS + "multiple_input.html": self._multiple_input,
            WIDGETS + "radio.html": _included(self._multiple_input),
            WIDGETS + "checkbox_select.html": _included(self._multiple_input),
        }
        for name in (
            "text", "number", "email", "url", "password", "hidden", "checkbox", "date",
            "datetime", "time", "search", "tel", "color",
        ):  # fmt: skip
            self.drawn[f"{WIDGETS}{name}.html"] = _included(_input)

    def render(self, template_name, context, request=None) -> str:
        draw = self.drawn.get(template_name)
        if draw is None or set(context) != {"widget"}:
            return super().render(template_name, context, request)
        # As BaseRenderer.render, which strips what the template gave.
        return draw(context["widget"]).strip()

    def _option(self, option: dict) -> str:
        """{% include option.template_name with widget=option %}: not stripped."""
        draw = self.drawn.get(option["template_name"])
        if draw is None:
            return self.get_template(option["template_name"]).render({"widget": option})
        return draw(option)

    def _groups(self, widget: dict, opening: str, option: str, closing: str) -> str:
        """The option groups loop of select.html and multiple_input.html: a named group
        between `opening` (its name at {}) and `closing`, each option's HTML at {} in
        `option`."""
        out = []
        for group, options, _index in widget["optgroups"]:
            if group:
                out.append(opening.format(_out(group)))
            out.extend(option.format(self._option(each)) for each in options)
            if group:
                out.append(closing)
        return "".join(out)

    def _select(self, widget: dict) -> str:
        return (
            f'<select name="{_out(widget["name"])}"{attrs_html(widget)}>'
            + self._groups(widget, '\n  <optgroup label="{}">', "\n  {}", "\n  </optgroup>")
            + "\n</select>\n"
        )

    def _multiple_input(self, widget: dict) -> str:
        id_ = widget["attrs"].get("id")
        css = widget["attrs"].get("class")
        return (
            "<div"
            + (f' id="{_out(id_)}"' if id_ else "")
            + (f' class="{_out(css)}"' if css else "")
            + ">"
            + self._groups(
                widget, "\n  <div><label>{}</label>", "<div>\n    {}</div>", "\n  </div>"
            )
            + "\n</div>\n"
        )
