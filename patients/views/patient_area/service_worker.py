"""The patient app's service worker, which keeps our static files for use offline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from clinic import permissions

# What the patient app's service worker keeps: our own static files, never a page.
APP_FILES = (
    "clinic/app/offline.html",
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
    urls = [static(name) for name in APP_FILES]
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
