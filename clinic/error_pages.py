"""The "not allowed" and "not found" pages, in the language of the person signed in: a
patient who opened a staff address was answered in English whatever their language
(found by the Spanish review). Their area's views set the language themselves
(clinic.permissions.patient_required), but these pages are drawn after a view has ended,
or with none. Only for these rare answers is the account's language looked up."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views import defaults


def _in_their_language(request: HttpRequest, draw) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return draw()
    from clinic.adapters import language_for

    with translation.override(language_for(user.email)):
        response = draw()
        if hasattr(response, "render"):
            response.render()
    return response


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _in_their_language(request, lambda: defaults.permission_denied(request, exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _in_their_language(request, lambda: defaults.page_not_found(request, exception))
