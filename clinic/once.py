"""One form, one save: a form page carries a token, and its first sending is the only
one that writes.

A double click on "Save", or a page sent again, would otherwise record the same visit or
add the same patient twice. Forms that create a record mix in `SentOnce` (a hidden
`once` field with a new token on every page); their views write through `send_once`,
which records the token with where the save led, in the same transaction as the write. A
second sending finds the token and goes to the same place; two at once are settled by
the token's unique constraint, the loser's write rolled back.

Pages whose form is plain HTML (a button on the chart, a confirmation page) carry the same
field through `{% once_field %}` (clinic/templatetags/once.py); their views read it with
`posted_token`. Every form-handling POST is checked to save once when sent twice
(tests/fuzz/test_sent_twice.py).
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from clinic.models import FormSending

ALREADY_SAVED = _("That form was sent twice. It was saved once.")


class SentOnce(forms.Form):
    """Mixed into a form that creates a record: the page's token, kept out of
    cleaned_data (services never see it) as `once_token`."""

    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["once"].initial = new_token()
        self.once_token = ""

    def clean(self) -> dict:
        cleaned = super().clean()
        self.once_token = self.cleaned_data.pop("once", "") or ""
        if cleaned is not None:
            cleaned.pop("once", None)
        return cleaned


TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def posted_token(request: HttpRequest) -> str:
    """The token the page sent (`{% once_field %}` or SentOnce's field); "" if none or not
    one of ours (new_token's alphabet, at most 64 characters): a NUL byte, say, is not
    looked up (PostgreSQL refuses it in a query)."""
    token = request.POST.get("once", "")
    return token if TOKEN_SHAPE.fullmatch(token) else ""


def led_to(token: str) -> str | None:
    """Where the saved sending of `token` led, or None if none was saved."""
    return FormSending.objects.filter(token=token).values_list("location", flat=True).first()


def replays(view=None, *, again=None):
    """A POST carrying a token that was saved before goes straight to where that sending
    led, before anything is checked again: checked again, a form would be refused by its
    own first save ("another patient already uses this e-mail", "this link was used",
    "the program changed meanwhile") and a double click would read as a failure.
    `@replays`, or `@replays(again=message)` to say more than ALREADY_SAVED. Put it
    inside the permission decorator: a replay is answered only to whoever may post."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST" and (token := posted_token(request)):
                done = led_to(token)
                if done is not None:
                    messages.info(request, again or ALREADY_SAVED)
                    # An htmx request would follow a plain redirect inside the page.
                    if getattr(request, "htmx", False):
                        return HttpResponseClientRedirect(done)
                    return redirect(done)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def send_once(token: str, write: Callable[[], str]) -> tuple[str, bool]:
    """Run `write` (it saves, and returns the address to go to next) unless this form was
    sent before: (where to go, whether this sending saved). No token (a page from before
    this existed), no protection."""
    if token and (done := led_to(token)) is not None:
        return done, False
    try:
        with transaction.atomic():
            location = write()
            if token:
                FormSending.objects.create(token=token, location=location[:300])
    except Exception:
        # The other sending of this page may have won the race: ours is undone (a unique
        # constraint, or a row it changed first: "no current measurement", a used link);
        # go where it went. Any other failure is raised as it was.
        done = led_to(token) if token else None
        if done is None:
            raise
        return done, False
    return location, True


def saved_once(
    request: HttpRequest,
    sent: SentOnce | str,
    write: Callable[[], str],
    saved: str,
    again: str | None = None,
) -> HttpResponse:
    """The view's answer to a valid form (or a plain form's `posted_token`): `write` once
    (see send_once), then to where it led, saying `saved` the first time and `again`
    (that it was sent twice) after."""
    token = sent if isinstance(sent, str) else sent.once_token
    location, first = send_once(token, write)
    if first:
        messages.success(request, saved)
    else:
        messages.info(request, again or ALREADY_SAVED)
    return redirect(location)
