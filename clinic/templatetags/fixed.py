"""Parts of every signed-in page that are the same for everyone, made once per process.

A `{% url %}` tag reverses its route on every page (about a hundred Python calls), and
the sign-in-again and idle-timeout dialogs are a dozen translated sentences: on the
Today page and the caseload these were a tenth of the template's work. Here an
argument-less link is reversed once per script prefix, and a fragment declared in
FRAGMENTS is rendered once per language and script prefix, without the page's context,
so it cannot hold anything of a patient or an account (no patient data in a cache).

A choice field's options drawn by an include (the patient area's 0-10 scales and warning
signs: about 0.4 ms each) are kept the same way while nothing is chosen and nothing was
refused: then they are a function of the field's name, label and options alone.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.forms import BoundField
from django.template.loader import get_template, render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString, mark_safe

from clinic.templatetags.form_options import options

register = template.Library()

# Templates that read nothing from the page: only translated words and fixed links.
FRAGMENTS = frozenset({"_signed_out.html", "_session_timeout.html"})

_links: dict[tuple, str] = {}
_fragments: dict[tuple, SafeString] = {}
_drawn_options: dict[tuple, SafeString] = {}
# Another program's warning signs are another key: enough for every program's set.
DRAWN_OPTIONS_KEPT = 500
EMPTY = (None, "", [])


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


@register.simple_tag
def options_include(name: str, field: BoundField, **values) -> SafeString:
    """`{% include name with field=field ... only %}` for a template that draws a choice
    field: it reads `field` and `values` only (text the same for every patient, such as
    a program's urgent signs). Kept while the field holds nothing: no answer of the
    patient's (a scale's 7 after a refused save) is ever kept."""
    drawn = options(field)
    if field.errors or field.value() not in EMPTY or any(option.checked for option in drawn):
        return get_template(name).render({"field": field, **values})
    key = (
        name,
        translation.get_language(),
        field.html_name,
        str(field.label),
        tuple(option._replace(label=str(option.label)) for option in drawn),
        tuple(sorted(values.items())),
    )
    if (fragment := _drawn_options.get(key)) is None:
        if len(_drawn_options) >= DRAWN_OPTIONS_KEPT:
            _drawn_options.clear()
        fragment = mark_safe(get_template(name).render({"field": field, **values}))  # noqa: S308
        _drawn_options[key] = fragment
    return fragment


def forget(**kwargs) -> None:
    """Drop what was made: a template or catalogue edited under the development server,
    or a setting changed (tests: another catalogue, URLconf or template)."""
    _links.clear()
    _fragments.clear()
    _drawn_options.clear()


file_changed.connect(forget, dispatch_uid="clinic.templatetags.fixed")
setting_changed.connect(forget, dispatch_uid="clinic.templatetags.fixed")
