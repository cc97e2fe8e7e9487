"""crispy-bootstrap5's field template (bootstrap5/field.html), written in Python for the
fields our forms draw.

A crispy form draws each field through that template: about forty template nodes and two
includes a field, half a millisecond or more. A nine-field form page spent more time
there than in everything else it does, and the test suite's fuzzer draws such pages
thousands of times. Here the common cases (a text, number, date or e-mail box, a
drop-down list, a text area, a tick box, radio buttons and tick-box lists, each with its
label, help text and errors) are one function that returns the same markup, escaped the
same way. Everything else (file inputs, multi-part widgets, options side by side,
horizontal forms, layouts that set a label or field class or a tag) is drawn by crispy's
own template.

templates/bootstrap5/field.html (found before crispy's, as our templates folder comes
first) holds only the tag below, so both ways crispy reaches the template, `{% crispy %}`
and `|crispy`, come here. tests/clinic/test_crispy_field.py draws every crispy form page of
the project both ways and compares them.
"""

from __future__ import annotations

from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import forms, template
from django.conf import settings
from django.template import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from clinic.lib.form_renderer import attrs_html

NAME = "bootstrap5/field.html"

# Widgets drawn here; any other (files, multi-part widgets, wrappers such as the admin's)
# goes to crispy's template.
_DRAWN = (forms.widgets.Input, forms.Select, forms.Textarea, forms.CheckboxInput)
# Radio buttons and tick-box lists: a labelled fieldset of options.
_CHOICES = (forms.RadioSelect, forms.CheckboxSelectMultiple)
_NOT_DRAWN = (forms.FileInput, forms.MultiWidget)


def _e(value: Any) -> str:
    """{{ value }}"""
    return conditional_escape(value)


def _add_classes(widget: forms.Widget, classes: str) -> None:
    """What crispy's {% crispy_field field 'class' '…' %} does to the widget before it is
    drawn: its own class name first (through CRISPY_CLASS_CONVERTERS), then each class
    it does not have yet. It changes the form's widget, as the tag does."""
    name = widget.__class__.__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    current = widget.attrs.get("class", "")
    if current:
        if current.find(name) == -1:
            current += f" {name}"
    else:
        current = name
    for css in classes.split():
        if css not in current.split():
            current += f" {css}"
    widget.attrs["class"] = current


def _label_text(field: forms.BoundField) -> str:
    required = '<span class="asteriskField">*</span>' if field.field.required else ""
    return f"{_e(field.label)}{required}"


def _help(field: forms.BoundField, inline: bool) -> str:
    """layout/help_text.html"""
    if not field.help_text:
        return ""
    if inline:
        return f'<span id="{_e(field.auto_id)}_helptext" class="form-text">{field.help_text}</span>'
    id_attr = f'id="{_e(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {id_attr}class="form-text">{field.help_text}</div>'


def _errors(field: forms.BoundField, context, tag: str) -> str:
    """layout/field_errors.html (tag "span") and field_errors_block.html ("p")."""
    if not (context.get("form_show_errors") and field.errors):
        return ""
    lines = "".join(
        f'<{tag} id="error_{n}_{_e(field.auto_id)}"><strong>{_e(error)}</strong></{tag}>'
        for n, error in enumerate(field.errors, start=1)
    )
    return f'<div id="{_e(field.errors.field_id)}_error" class="invalid-feedback">{lines}</div>'


def _help_and_errors(field: forms.BoundField, context) -> str:
    """layout/help_text_and_errors.html"""
    help_inline, errors_inline = context.get("help_text_inline"), context.get("error_text_inline")
    before = _help(field, inline=True) if help_inline and not errors_inline else ""
    errors = _errors(field, context, "span" if errors_inline else "p")
    after = "" if help_inline else _help(field, inline=False)
    return before + errors + after


def _draws(field: forms.BoundField, context) -> bool:
    widget = field.field.widget
    if (
        not isinstance(widget, (*_DRAWN, *_CHOICES))
        or isinstance(widget, _NOT_DRAWN)
        or hasattr(widget, "widget")
        or context.get("tag")
        or context.get("label_class")
        or context.get("field_class")
        or "form-horizontal" in (context.get("form_class") or "")
    ):
        return False
    if isinstance(widget, _CHOICES):
        # Drawn here only as a fieldset with its legend, options one under another.
        return bool(
            field.use_fieldset
            and field.label
            and context.get("form_show_labels")
            and not context.get("inline_class")
        )
    return not field.use_fieldset and (
        context.get("form_show_labels") or not isinstance(widget, forms.CheckboxInput)
    )


def _choices(field: forms.BoundField, context) -> str:
    """layout/radio_checkbox_select.html: each option, the errors under the last one,
    then the help text."""
    invalid = " is-invalid" if field.errors else ""
    groups = optgroups(field)
    out = [f"<div{context.get('flat_attrs') or ''}>"]
    for g, (group, options, _) in enumerate(groups):
        if group:
            out.append(f"<strong>{_e(group)}</strong>")
        for o, option in enumerate(options):
            last = g == len(groups) - 1 and o == len(options) - 1
            out.append(
                f'<div class="form-check"><input type="{_e(option["type"])}" '
                f'class="form-check-input{invalid}" name="{_e(field.html_name)}" '
                f'value="{_e(str(option["value"]))}"{attrs_html(option)}>'
                f'<label for="{_e(option["attrs"].get("id", ""))}" class="form-check-label">'
                f"{_e(str(option['label']))}</label>"
                f"{_errors(field, context, 'p') if last else ''}</div>"
            )
    out.append("</div>")
    out.append(_help(field, inline=bool(context.get("help_text_inline"))))
    return "".join(out)


def draw(field: forms.BoundField, context) -> SafeString:
    """bootstrap5/field.html for a field `_draws` accepts."""
    if field.is_hidden:
        return mark_safe(str(field))  # noqa: S308 - the widget's own escaped markup
    widget = field.field.widget
    invalid = " is-invalid" if field.errors else ""
    wrapper = context.get("wrapper_class")
    extra = f" {_e(wrapper)}" if wrapper else ""
    css = field.css_classes()
    extra += f" {_e(css)}" if css else ""
    wrapper_id = f"div_{_e(field.auto_id)}"
    required = " requiredField" if field.field.required else ""
    if isinstance(widget, forms.CheckboxInput):
        _add_classes(widget, f"form-check-input{invalid}")
        return mark_safe(  # noqa: S308 - escaped piece by piece above
            f'<div class="mb-3"><div id="{wrapper_id}" class="form-check{extra}">{field}'
            f'<label for="{_e(field.id_for_label)}" class="form-check-label{required}">'
            f"{_label_text(field)}</label>{_help_and_errors(field, context)}</div></div>"
        )
    if isinstance(widget, _CHOICES):
        described = field.aria_describedby
        aria = f' aria-describedby="{_e(described)}"' if described else ""
        target = f'for="{_e(field.id_for_label)}" ' if field.id_for_label else ""
        return mark_safe(  # noqa: S308 - escaped piece by piece
            f'<div id="{wrapper_id}" class="mb-3{extra}"><fieldset{aria}>'
            f'<legend {target}class="form-label{required} fs-6">{_label_text(field)}</legend>'
            f"{_choices(field, context)}</fieldset></div>"
        )
    label = ""
    if field.label and context.get("form_show_labels"):
        target = f'for="{_e(field.id_for_label)}" ' if field.id_for_label else ""
        label = f'<label {target}class="form-label{required}">{_label_text(field)}</label>'
    kind = "form-select" if isinstance(widget, forms.Select) else "form-control"
    _add_classes(widget, f"{kind}{invalid}")
    return mark_safe(  # noqa: S308 - escaped piece by piece above
        f'<div id="{wrapper_id}" class="mb-3{extra}">{label}{field}'
        f"{_help_and_errors(field, context)}</div>"
    )


class FieldNode(template.Node):
    """{% crispy_field_in_python %}: the field drawn here when it can be, else by
    crispy's own template (the next one of that name the loaders find)."""

    def render(self, context: Context) -> str:
        field = context.get("field")
        if isinstance(field, forms.BoundField) and _draws(field, context):
            return draw(field, context)
        original, _ = context.template.engine.find_template(NAME, skip=[self.origin])
        return original.render(context)
