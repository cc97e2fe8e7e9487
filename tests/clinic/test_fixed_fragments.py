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
