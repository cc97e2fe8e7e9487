"""Posting a fuzzed or replayed submission the way a browser would, and describing what
came back when a check fails (the fuzzer and the sent-twice check)."""

from __future__ import annotations

import traceback
from urllib.parse import urlencode

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client

from clinic.models import User
from tests.fuzz.hostile import Upload
from tests.fuzz.snapshot import _short


def session_of(user: User | None) -> str | None:
    """A signed-in session's cookie value for `user` (None: anonymous), made once so
    that every example's client shares it."""
    if user is None:
        return None
    login = Client()
    login.force_login(user)
    return login.cookies[settings.SESSION_COOKIE_NAME].value


def client_with(session_cookie: str | None) -> Client:
    """A client for one example, in `session_cookie`'s session; rate limits (kept in the
    cache) and the outbox start empty, as every example starts from the same state."""
    cache.clear()
    mail.outbox = []
    client = Client(raise_request_exception=False)
    if session_cookie is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
    return client


def opened(endpoint, client: Client, url: str) -> str:
    """Where the endpoint's form posts to: for a two-step form, its link is opened first
    (it keeps state in the session) and the page it leads to is posted to."""
    return endpoint.opens_first(client, url) if endpoint.opens_first is not None else url


def post(client: Client, url: str, data: dict, urlencoded: bool) -> HttpResponse:
    if urlencoded:
        flat = {k: v.name if isinstance(v, Upload) else v for k, v in data.items()}
        return client.post(
            url, urlencode(flat, doseq=True), content_type="application/x-www-form-urlencoded"
        )
    files = {
        k: SimpleUploadedFile(v.name, v.content) if isinstance(v, Upload) else v
        for k, v in data.items()
    }
    return client.post(url, files)


def describe(name: str, url: str, data: dict, response: HttpResponse) -> str:
    shown = {_short(key, 80): _short(value, 200) for key, value in data.items()}
    lines = [f"{name}: POST {_short(url, 200)} -> {response.status_code}", f"data: {shown}"]
    if getattr(response, "exc_info", None):
        lines.append("".join(traceback.format_exception(*response.exc_info)))
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    lines.append(f"body: {_short(body, 2000)}")
    return "\n".join(lines)
