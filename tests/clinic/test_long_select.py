"""LongSelect draws the same <select> as Django's own, without a template per option."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from clinic.forms import ClinicSettingsForm, time_zone_choices
from clinic.lib.widgets import LongSelect
from clinic.models import Clinic

CHOICES = [
    ("", "---"),
    ("a&b", "A <b> & “quotes”"),
    ("Group <1>", [("x", "X"), ("y", "Y")]),
    (3, "Three"),
]


@pytest.mark.parametrize("value", ["a&b", "y", "3", 3, None, "not offered"])
def test_it_is_the_same_html_as_djangos_select(value):
    attrs = {"class": "form-select", "required": True, "disabled": False, "data-x": '"q"'}
    ours = LongSelect(choices=CHOICES, attrs=attrs).render("tz", value, {"id": "id_tz"})
    django = forms.Select(choices=CHOICES, attrs=attrs).render("tz", value, {"id": "id_tz"})
    assert parse_html(ours) == parse_html(django)
    assert "<b>" not in ours  # labels are escaped


def test_the_clinic_settings_form_shows_every_time_zone_and_the_clinics_own():
    clinic = Clinic(name="North", timezone="America/Chicago")
    html = str(ClinicSettingsForm(instance=clinic)["timezone"])
    assert html.count("<option") == len(time_zone_choices())
    assert '<option value="America/Chicago" selected>America/Chicago</option>' in html
