"""crispy's field template drawn in Python (clinic/lib/crispy_field.py): every page of the
project that draws a crispy form is drawn both ways, empty and with errors, and the two
pages must be the same but for white space between tags and the CSRF token."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import get_template

from clinic.lib import crispy_field
from tests.conftest import client_for

DRAWS = crispy_field._draws


def normalized(html: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', html)
    html = re.sub(r'("X-CSRFToken": ")[^"]*"', r'\1"', html)
    # A form sent once (clinic.once) has a new token on every page.
    html = re.sub(r'(name="once" value=")[^"]*"', r'\1"', html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*([<>])\s*", r"\1", html)


@pytest.fixture
def both_ways(monkeypatch):
    """Draws a request's page with the Python field, then with crispy's template only."""

    def draw(client, method: str, url: str, data: dict | None = None) -> tuple[str, str]:
        pages = []
        for python in (True, False):
            monkeypatch.setattr(crispy_field, "_draws", DRAWS if python else lambda *_: False)
            response = getattr(client, method)(url, data or {})
            assert response.status_code in (200, 400), (url, response.status_code)
            pages.append(normalized(response.content.decode()))
        monkeypatch.setattr(crispy_field, "_draws", DRAWS)
        return pages[0], pages[1]

    return draw


def pages(patient, clinic, exercise) -> list[tuple[str, str, str]]:
    """(persona, method, url) of every page that draws a crispy form; each is drawn empty
    (GET) and refused (POST of nothing, so every required field has its error)."""
    chart = f"/portal/patients/{patient.uuid}"
    staff = {
        "clinician": [
            "/portal/patients/new/",
            f"{chart}/edit/",
            f"{chart}/intake/",
            f"{chart}/screen/",
            f"{chart}/goals/new/",
            f"{chart}/discharge/",
            f"{chart}/report/",
            f"{chart}/measures/new/",
        ],
        "admin": [
            "/portal/clinic/",
            "/portal/staff/",
            "/portal/clinic/api-tokens/",
            "/portal/library/new/",
            f"/portal/library/{exercise.uuid}/edit/",
            f"/portal/library/{exercise.uuid}/translations/es/",
        ],
        "anonymous": [
            "/accounts/login/",
            "/accounts/password/reset/",
            f"/start/{clinic.uuid}/",
        ],
    }
    return [
        (persona, method, url)
        for persona, urls in staff.items()
        for url in urls
        for method in ("get", "post")
    ]


def test_every_crispy_form_page_is_the_same_drawn_either_way(
    both_ways, monkeypatch, clinic_a, admin_a, clinician_a, patient_a1, own_exercise
):
    drawn_in_python = []
    draw = crispy_field.draw
    monkeypatch.setattr(
        crispy_field,
        "draw",
        lambda field, context: drawn_in_python.append(1) or draw(field, context),
    )
    clients = {
        "clinician": client_for(clinician_a),
        "admin": client_for(admin_a),
        "anonymous": client_for(None),
    }
    for persona, method, url in pages(patient_a1, clinic_a, own_exercise):
        python, template = both_ways(clients[persona], method, url)
        assert python == template, f"{method.upper()} {url} as {persona}"
    # Most fields were drawn in Python (the rest, radio buttons and the like, by crispy).
    assert len(drawn_in_python) > 150


class NameForm(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="Up to <i>20</i> letters", max_length=20)
    kind = forms.ChoiceField(choices=[("a", "A & B")])
    agree = forms.BooleanField(label="I agree")
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "<Green>")], widget=forms.RadioSelect)
    days = forms.MultipleChoiceField(
        choices=[("Week", [("0", "Mon"), ("1", "Tue")]), ("2", "Sat")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Pick <em>any</em>",
    )
    photo = forms.FileField(required=False)


def drawn(field, monkeypatch, python: bool, **context) -> str:
    monkeypatch.setattr(crispy_field, "_draws", DRAWS if python else lambda *_: False)
    context = {"field": field, "form_show_errors": True, "form_show_labels": True, **context}
    return get_template("bootstrap5/field.html").render(context)


@pytest.mark.parametrize(
    "inline", [{"error_text_inline": True}, {}, {"help_text_inline": True}], ids=str
)
def test_labels_errors_and_help_are_drawn_as_crispys_template_draws_them(monkeypatch, inline):
    """With errors and help text inline or as blocks, as a helper or the |crispy filter
    sets them; a form of its own, so that escaping is tried too."""
    data = {"name": "x" * 30, "colour": "nope"}
    for name in ("name", "kind", "agree", "colour", "days"):
        python = drawn(NameForm(data=data)[name], monkeypatch, True, **inline)
        template = drawn(NameForm(data=data)[name], monkeypatch, False, **inline)
        assert normalized(python) == normalized(template), name
    name = drawn(NameForm(data=data)["name"], monkeypatch, True, **inline)
    assert "Name &lt;b&gt;" in name and "Up to <i>20</i> letters" in name
    assert 'class="textinput form-control is-invalid"' in name
    assert 'class="invalid-feedback"' in name


def test_what_it_does_not_draw_goes_to_crispys_template(monkeypatch):
    form = NameForm()
    context = {"form_show_labels": True}
    assert DRAWS(form["name"], context) and DRAWS(form["days"], context)
    assert not DRAWS(form["photo"], context)
    assert not DRAWS(form["name"], {**context, "label_class": "x"})
    assert not DRAWS(form["name"], {**context, "form_class": "form-horizontal"})
    assert not DRAWS(form["days"], {**context, "inline_class": "inline"})
    photo = drawn(form["photo"], monkeypatch, True)
    assert 'type="file"' in photo and "form-control" in photo
