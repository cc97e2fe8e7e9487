"""clinic/lib/form_renderer.py draws Django's widget templates in Python: the same
characters as Django's templates, for every widget and value, in every language, and for
every field the project's forms declare."""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe

from clinic.forms import ClinicSettingsForm, time_zone_choices
from clinic.lib.form_renderer import FormRenderer
from clinic.models import Clinic

OURS = FormRenderer()
DJANGOS = DjangoTemplates()

CHOICES = [
    ("", "---"),
    ("a&b", "A <b> & “quotes”"),
    ("Group <1>", [("x", "X"), ("y", 1.5)]),
    (3, "Three"),
    (4, mark_safe("<em>safe</em>")),
]
WIDGETS = [
    forms.TextInput(attrs={"class": "c", "required": True, "disabled": False, "data-x": '"q"'}),
    forms.NumberInput(attrs={"min": 1, "max": Decimal("2.5"), "step": 0.5}),
    forms.EmailInput(),
    forms.URLInput(),
    forms.PasswordInput(render_value=True),
    forms.HiddenInput(),
    forms.CheckboxInput(),
    forms.DateInput(),
    forms.DateTimeInput(),
    forms.TimeInput(),
    forms.Textarea(attrs={"rows": 3}),
    forms.Select(choices=CHOICES, attrs={"class": "form-select"}),
    forms.SelectMultiple(choices=CHOICES),
    forms.NullBooleanSelect(),
    forms.RadioSelect(choices=CHOICES, attrs={"class": "inline"}),
    forms.CheckboxSelectMultiple(choices=CHOICES),
]
VALUES = [
    None, "", "a&b", "y", "x", 3, "3", 1.5, True, False, "<script>", mark_safe("<i>ok</i>"),
    ["x", "3"], date(2026, 3, 1), datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
]  # fmt: skip


def both(widget: forms.Widget, value, attrs=None) -> tuple[str, str] | None:
    try:
        theirs = widget.render("f", value, attrs, renderer=DJANGOS)
    except (TypeError, ValueError, AttributeError):
        return None  # a value this widget cannot show, in Django's templates either
    return widget.render("f", value, attrs, renderer=OURS), theirs


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
def test_every_widget_draws_as_djangos_templates(widget, language):
    compared = 0
    with translation.override(language):
        for value in VALUES:
            for attrs in (None, {"id": "id_f"}):
                pair = both(widget, value, attrs)
                if pair is not None:
                    assert pair[0] == pair[1], (value, attrs)
                    compared += 1
    assert compared >= len(VALUES)  # most values are drawn by every widget


def project_forms() -> list[type[forms.BaseForm]]:
    found = set()
    for app in ("clinic", "patients", "programs"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            for _name, cls in inspect.getmembers(importlib.import_module(module.name)):
                if (
                    inspect.isclass(cls)
                    and issubclass(cls, forms.BaseForm)
                    and cls.__module__.startswith(app)
                ):
                    found.add(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_every_field_the_project_declares_draws_as_djangos_templates(db):
    fields = 0
    for form in project_forms():
        for name, field in form.base_fields.items():
            for value in (None, "1", "<b>&"):
                widget = copy.deepcopy(field.widget)
                pair = both(widget, value, field.widget_attrs(widget) | {"id": f"id_{name}"})
                if pair is not None:
                    assert pair[0] == pair[1], f"{form.__name__}.{name}"
            fields += 1
    assert fields > 100


def test_the_common_widgets_are_drawn_without_a_template(monkeypatch):
    def no_template(*args, **kwargs):
        raise AssertionError("drawn through a template")

    monkeypatch.setattr(OURS, "get_template", no_template)
    for widget in WIDGETS:
        assert widget.render("f", "x", {"id": "id_f"}, renderer=OURS)


def test_it_is_the_projects_renderer():
    assert settings.FORM_RENDERER == "clinic.lib.form_renderer.FormRenderer"
    assert isinstance(ClinicSettingsForm().renderer, FormRenderer)


def test_the_clinic_settings_form_shows_every_time_zone_and_the_clinics_own():
    clinic = Clinic(name="North", timezone="America/Chicago")
    html = str(ClinicSettingsForm(instance=clinic)["timezone"])
    assert html.count("<option") == len(time_zone_choices())
    assert '<option value="America/Chicago" selected>America/Chicago</option>' in html
