"""Parts of every signed-in page that are the same for everyone, made once per process.

A `{% url %}` tag reverses its route on every page (about a hundred Python calls), and
the sign-in-again and idle-timeout dialogs are a dozen translated sentences: on the
Today page and the caseload these were a tenth of the template's work. Here an
argument-less link is reversed once per script prefix, and a fragment declared in
FRAGMENTS is rendered once per language and script prefix, without the page's context,
so it cannot hold anything of a patient or an account (no patient data in a cache).
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Templates that read nothing from the page: only translated words and fixed links.
FRAGMENTS = frozenset({"_signed_out.html", "_session_timeout.html"})

_links: dict[tuple, str] = {}
_fragments: dict[tuple, SafeString] = {}


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` for a route that takes no arguments."""
    key = (name, get_script_prefix(), get_urlconf())
    if (link := _links.get(key)) is None:
        link = _links[key] = reverse(name)
    return link


@register.simple_tag
def fixed_include(name: str) -> SafeString:
    """`{% include name %}` for a template in FRAGMENTS, in the page's language."""
    if name not in FRAGMENTS:
        raise ValueError(f"{name} is not declared free of page data (clinic.templatetags.fixed)")
    key = (name, translation.get_language(), get_script_prefix(), get_urlconf())
    if (fragment := _fragments.get(key)) is None:
        fragment = _fragments[key] = mark_safe(render_to_string(name))  # noqa: S308
    return fragment


def forget(**kwargs) -> None:
    """Drop what was made: a template or catalogue edited under the development server,
    or a setting changed (tests: another catalogue, URLconf or template)."""
    _links.clear()
    _fragments.clear()


file_changed.connect(forget, dispatch_uid="clinic.templatetags.fixed")
setting_changed.connect(forget, dispatch_uid="clinic.templatetags.fixed")
