"""A form class's fields, copied for each of its forms at a tenth of the cost of Django's
deep copy, and, if asked, with their words translated once per language.

Django gives every form a deep copy of its class's fields (BaseForm.__init__), so that one
form may change its fields without changing the next one's. That copy goes through the
copy module's generic machinery for each field and widget and normalizes every list of
choices again: about 0.17 ms for the 16 fields of a program row, which the builder pays
for each row (up to 30 a page) and the test suite's fuzzer on every request. Here each
form still gets its own fields, widgets, widget attributes, validators, error messages
and lists of choices; the choices in them (pairs of a value and its label, or a group's
list) are shared, as nothing changes them in place.

A field or widget with a copy of its own (a model choice field copies its query set, a
multi-part widget its parts) is deep-copied as Django does.

Translated once: a label, help text or choice label written with gettext_lazy is
translated again each time it is read (about 5 µs), and a program row read some 60 of
them. With `translated=True` each form gets its fields with those words already in the
active language (looked up once per language and process): for forms drawn in the
language they were made in, as every view's are.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.signals import setting_changed
from django.utils.autoreload import file_changed
from django.utils.choices import BlankChoiceIterator
from django.utils.functional import Promise
from django.utils.translation import get_language

F = TypeVar("F", bound=type[forms.BaseForm])
T = TypeVar("T")

# The copies made below are these methods' (django/forms/fields.py, widgets.py), without
# normalizing the choices again: they were normalized when first set.
_FIELD_COPIES = (forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__)
_WIDGET_COPIES = (forms.Widget.__deepcopy__, forms.widgets.ChoiceWidget.__deepcopy__)


class LightlyCopiedFields(dict):
    """A form class's base_fields, as `copy_fields_lightly` leaves them."""

    def __init__(self, fields: dict, *, translated: bool = False) -> None:
        super().__init__(fields)
        self.translated = translated
        self.languages: dict[str | None, dict] = {}
        if translated:
            _translated.append(self)

    def __deepcopy__(self, memo: dict) -> dict:
        source = self
        if self.translated:
            language = get_language()
            source = self.languages.get(language)
            if source is None:
                source = self.languages[language] = {
                    name: _translate(_copy(field, {})) for name, field in self.items()
                }
        return {name: _copy(field, memo) for name, field in source.items()}


_translated: list[LightlyCopiedFields] = []


def forget(**kwargs) -> None:
    """Translate again: a catalogue edited under the development server, or a setting
    changed (tests: another catalogue)."""
    for fields in _translated:
        fields.languages.clear()


file_changed.connect(forget, dispatch_uid="clinic.lib.form_fields")
setting_changed.connect(forget, dispatch_uid="clinic.lib.form_fields")


def copy_fields_lightly(*, translated: bool = False) -> Callable[[F], F]:
    """Class decorator: the forms of the class copy its fields as described above."""

    def decorate(form_class: F) -> F:
        form_class.base_fields = LightlyCopiedFields(form_class.base_fields, translated=translated)
        return form_class

    return decorate


def _copy(field: forms.Field, memo: dict) -> forms.Field:
    if id(field) in memo:
        return memo[id(field)]
    widget = field.widget
    if (
        type(field).__deepcopy__ not in _FIELD_COPIES
        or type(widget).__deepcopy__ not in _WIDGET_COPIES
    ):
        return copy.deepcopy(field, memo)
    copied = _shallow(field)
    copied.widget = _shallow(widget)
    copied.widget.attrs = widget.attrs.copy()
    copied.validators = field.validators[:]
    copied.error_messages = field.error_messages.copy()
    if isinstance(field, forms.ChoiceField):
        copied._choices = copy.copy(field._choices)
    if isinstance(widget, forms.widgets.ChoiceWidget):
        copied.widget._choices = copy.copy(widget._choices)
    memo[id(field)] = copied
    return copied


def _shallow(obj: T) -> T:
    """copy.copy(obj) for a plain object, without its trip through __reduce_ex__."""
    copied = object.__new__(type(obj))
    copied.__dict__.update(obj.__dict__)
    return copied


def _translate(field: forms.Field) -> forms.Field:
    field.label = _text(field.label)
    field.help_text = _text(field.help_text)
    if isinstance(field, forms.ChoiceField) and _fixed(field.choices):
        field.choices = [(value, _text(label)) for value, label in field.choices]
    return field


def _fixed(choices) -> bool:
    """Choices that are the same for every form: a list, or a list with the blank choice
    that a model field's form field puts first (which is worked out again each time its
    iterator is read). Choices made by a function are left to be made for each form."""
    if isinstance(choices, BlankChoiceIterator):
        choices = choices.choices
    return isinstance(choices, list | tuple)


def _text(value: T) -> T | str:
    return str(value) if isinstance(value, Promise) else value
