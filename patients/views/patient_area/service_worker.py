"""The patient app's service worker, which keeps our static files for use offline, and
the "No connection" page it shows in their place."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from clinic import permissions
from clinic.languages import patient_language

# What the patient app's service worker keeps: our own static files, never a page.
APP_FILES = (
    "clinic/vendor/bootstrap/bootstrap.min.css",
    "clinic/css/limber.css",
    "clinic/vendor/bootstrap/bootstrap.bundle.min.js",
    "clinic/vendor/htmx/htmx.min.js",
    "clinic/js/text.js",
    "clinic/js/form-keeper.js",
    "clinic/js/session-timeout.js",
    "clinic/js/patient-app.js",
    "clinic/app/icon-192.png",
)


@permissions.public
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The patient app's service worker (a static file), served from /me/ so that it may
    look after the patient area; it holds the addresses of the files it keeps."""
    source = _static_text("clinic/app/patient-sw.js")
    # The "No connection" page first (the worker shows PRECACHE[0]), in the language of
    # the patient whose page registered the worker.
    language = patient_language(request.GET.get("lang", "")[:8])
    offline = f"{reverse('patients:patient_offline')}?{urlencode({'lang': language})}"
    urls = [offline, *(static(name) for name in APP_FILES)]
    version = hashlib.sha256("|".join(urls).encode()).hexdigest()[:12]
    body = source.replace("__PRECACHE__", json.dumps(urls)).replace("__VERSION__", version)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _static_text(name: str) -> str:
    path = finders.find(name)
    if path:
        return Path(path).read_text(encoding="utf-8")
    with staticfiles_storage.open(name) as handle:  # collected, in production
        return handle.read().decode("utf-8")


@permissions.public
@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    """The page the patient app shows for a page it cannot open without a connection,
    kept by the service worker: what happens to a session saved meanwhile, and where to
    turn if unwell. Holds no one's data: the same for every patient of a language."""
    with translation.override(patient_language(request.GET.get("lang", "")[:8])):
        response = render(request, "patient/offline.html")
    response["Cache-Control"] = "no-cache"
    return response
