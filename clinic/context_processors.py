"""What every page may show: the staff member's capabilities and clinics, by name."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from clinic.capabilities import capabilities_of
from clinic.js_text import js_text
from clinic.languages import not_yet_notice
from clinic.resume import page_stamp


def access(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    patient = getattr(request, "patient", None)
    return {
        # A patient whose language is not complete yet: one line in it, on English pages.
        "language_notice": not_yet_notice(patient.preferred_language) if patient else None,
        # Our scripts' words, when the page is not in English (clinic/js_text.py).
        "js_text": js_text() if translation.get_language() != settings.LANGUAGE_CODE else None,
        "caps": capabilities_of(membership.role) if membership else frozenset(),
        # For the clinic switcher; already loaded by the permission check.
        "memberships": getattr(request, "_limber_memberships", []),
        # Which account and context this page belongs to, for sending its forms after a
        # new sign-in (clinic.resume); opaque, names no one.
        "page_stamp": page_stamp(request),
        # A page rendered in answer to a POST is the form shown again with what was sent
        # (a success redirects): form-keeper.js keeps it at the idle limit as if typed
        # here. A view showing a one-time secret on POST sets it False, so that page
        # leaves an unattended screen as before.
        "keeper_entries": request.method == "POST",
    }
