"""clinic/templatetags/fixed.py: the parts of every page that are the same for everyone
(an argument-less link, the sign-in-again and idle-timeout dialogs) are made once per
process and language, and are what the template tags made."""

from __future__ import annotations

import pytest
from django.template import Context, engines
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from clinic.templatetags import fixed


def render(source: str) -> str:
    return engines["django"].from_string(source).template.render(Context({}))


@pytest.fixture(autouse=True)
def _forget():
    fixed.forget()
    yield
    fixed.forget()
    clear_script_prefix()


@pytest.mark.parametrize("name", ["home", "patients:patient_home", "account_logout"])
def test_a_fixed_link_is_the_url_tags_link(name):
    source = "{% load fixed %}{% fixed_url '" + name + "' %}|{% url '" + name + "' %}"
    made, reference = render(source).split("|")
    assert made == reference == reverse(name)


def test_a_fixed_link_is_reversed_once_per_script_prefix(monkeypatch):
    calls = []
    real = fixed.reverse
    monkeypatch.setattr(fixed, "reverse", lambda name: calls.append(name) or real(name))
    assert fixed.fixed_url("patients:patient_home") == "/me/"
    assert fixed.fixed_url("patients:patient_home") == "/me/"
    set_script_prefix("/limber/")
    assert fixed.fixed_url("patients:patient_home") == "/limber/me/"
    assert calls == ["patients:patient_home"] * 2


@pytest.mark.parametrize("name", ["_signed_out.html", "_session_timeout.html"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_fixed_fragment_is_the_include_in_the_readers_language(name, language):
    with translation.override(language):
        made = render("{% load fixed %}{% fixed_include '" + name + "' %}")
        assert made == render("{% include '" + name + "' %}")
    with translation.override("en" if language == "es" else "es"):
        assert render("{% load fixed %}{% fixed_include '" + name + "' %}") != made


def test_only_fragments_declared_free_of_page_data_are_kept():
    """Made without the page's context and kept for everyone: a template that reads the
    page (messages, a patient, an account) is refused rather than kept."""
    with pytest.raises(ValueError, match=r"_messages\.html"):
        render("{% load fixed %}{% fixed_include '_messages.html' %}")


def test_a_fragment_is_made_again_when_the_catalogues_change(settings):
    """Another catalogue (a test's pseudo-translation) is read at once, not after a
    restart."""
    with translation.override("es"):
        render("{% load fixed %}{% fixed_include '_session_timeout.html' %}")
    assert fixed._fragments
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    assert not fixed._fragments


def scale_form(data=None):
    from patients.forms.patient_area import MorningCheckForm

    return MorningCheckForm(data, auto_id="morning_%s")


def signs_form(data=None):
    from patients.forms.patient_area import SymptomForm
    from programs.safety import stop_rules_for

    rules = stop_rules_for([], emergency=_emergency())
    return SymptomForm(data, rules=rules), rules


def _emergency():
    from clinic.models import Clinic

    return Clinic(name="A").emergency_help


def include(name: str, field, **values) -> str:
    source = "{% include name with field=field urgent=urgent only %}"
    return engines["django"].from_string(source).render({"name": name, "field": field, **values})


def options_include(name: str, field, **values) -> str:
    source = "{% load fixed %}{% options_include name field urgent=urgent %}"
    return engines["django"].from_string(source).render({"name": name, "field": field, **values})


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("data", [None, {"pain": "7"}, {"pain": "11"}])
def test_drawn_options_are_the_include_in_the_readers_language(language, data):
    with translation.override(language):
        field = scale_form(data)["pain"]
        made = options_include("patient/_scale.html", field, urgent=())
        assert made == include("patient/_scale.html", field, urgent=())
        form, rules = signs_form(data and {"signs": [rules_sign()]})
        made = options_include("patient/_signs.html", form["signs"], urgent=rules.urgent)
        assert made == include("patient/_signs.html", form["signs"], urgent=rules.urgent)
        assert ("checked" in made) is bool(data)


def rules_sign() -> str:
    from programs.safety import stop_rules_for

    return stop_rules_for([], emergency=_emergency()).stop[0]


def test_drawn_options_are_kept_only_while_the_field_holds_nothing(monkeypatch):
    """An empty scale is drawn once per language; a patient's answer (a refused save shows
    it again) or a refusal is drawn for that page only, never kept."""
    drawn = []
    real = fixed.get_template
    monkeypatch.setattr(fixed, "get_template", lambda name: drawn.append(name) or real(name))
    for _ in range(2):
        options_include("patient/_scale.html", scale_form()["pain"], urgent=())
    assert len(drawn) == 1
    with translation.override("es"):
        options_include("patient/_scale.html", scale_form()["pain"], urgent=())
    assert len(drawn) == 2
    for data in ({"pain": "7"}, {"pain": "0"}, {"pain": "11"}, {"compared": "better"}):
        field = scale_form(data)["pain"]
        made = options_include("patient/_scale.html", field, urgent=())
        assert made == include("patient/_scale.html", field, urgent=())
    assert len(drawn) == 6
    assert all("checked" not in kept for kept in fixed._drawn_options.values())
    assert all("invalid-feedback" not in kept for kept in fixed._drawn_options.values())
    assert len(fixed._drawn_options) == 2
