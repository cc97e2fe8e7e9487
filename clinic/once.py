"""One form, one save: a form page carries a token, and its first sending is the only
one that writes.

A double click on "Save", or a page sent again, would otherwise record the same visit or
add the same patient twice. Forms that create a record mix in `SentOnce` (a hidden
`once` field with a new token on every page); their views write through `send_once`,
which records the token with where the save led, in the same transaction as the write. A
second sending finds the token and goes to the same place; two at once are settled by
the token's unique constraint, the loser's write rolled back.

Pages whose form is plain HTML (a button on the chart, a confirmation page) carry the same
field through `{% once_field %}` (clinic/templatetags/once.py). A sending is saved under
`page_key`: the token bound to who sent it and to what was sent. Every form-handling POST
is checked to save once when sent twice (tests/fuzz/test_sent_twice.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
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
    """Mixed into a form whose page must save once: the page's token as a hidden field,
    kept out of cleaned_data (services never see it). Views read it through page_key."""

    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["once"].initial = new_token()

    def clean(self) -> dict:
        cleaned = super().clean()
        self.cleaned_data.pop("once", None)
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


# Not what was sent: the page's own token, and the CSRF token, which a new sign-in changes.
_NOT_CONTENT = {"once", "csrfmiddlewaretoken"}


def _content(name: str) -> bool:
    # A password is kept out even of a hash kept for a day (the invitation's password page).
    return name not in _NOT_CONTENT and "password" not in name


def page_key(request: HttpRequest, *, signs_in: bool = False) -> str:
    """What a page's sending is saved under: its token, bound to who sent it and to what
    was sent; "" when the page sent no token of ours. Bound to the sender, a token cannot
    be replayed by anyone else (nor meet the API's Idempotency-Key rows, kept in the same
    table under their own hash); bound to the content, the same page sent again with
    other values (edited again after a Back, a second Save while the first was on its way)
    is checked and saved as any sending is, not taken for the first. `signs_in`: a public
    page whose first sending signs in (an invitation's password), so that a second one,
    signed in by then or not, is the same sender."""
    token = posted_token(request)
    if not token:
        return ""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated and not signs_in
    sender = str(user.pk) if signed_in else "-"
    fields = sorted(
        (name, value) for name, values in request.POST.lists() if _content(name) for value in values
    )
    files = sorted(
        (name, upload.name or "", upload.size or 0)
        for name, uploads in request.FILES.lists()
        for upload in uploads
    )
    sent = json.dumps(["web", sender, token, fields, files])
    return hashlib.sha256(sent.encode()).hexdigest()


def led_to(key: str) -> str | None:
    """Where the saved sending under `key` (page_key, or the API's own) led, or None."""
    return FormSending.objects.filter(token=key).values_list("location", flat=True).first()


def replays(view=None, *, again=None, signs_in=False):
    """A POST carrying a token that was saved before goes straight to where that sending
    led, before anything is checked again: checked again, a form would be refused by its
    own first save ("another patient already uses this e-mail", "this link was used",
    "the program changed meanwhile") and a double click would read as a failure.
    `@replays`, or `@replays(again=message)` to say more than ALREADY_SAVED (or
    `again=function`, given the request, for a view with more than one form page);
    `signs_in` as for page_key. Put it inside the permission decorator: a replay is
    answered only to whoever may post, and only to the one who sent it first."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST" and (key := page_key(request, signs_in=signs_in)):
                done = led_to(key)
                if done is not None:
                    said = again(request) if callable(again) else again
                    messages.info(request, said or ALREADY_SAVED)
                    # An htmx request would follow a plain redirect inside the page.
                    if getattr(request, "htmx", False):
                        return HttpResponseClientRedirect(done)
                    return redirect(done)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def send_once(key: str, write: Callable[[], str]) -> tuple[str, bool]:
    """Run `write` (it saves, and returns the address to go to next) unless a sending
    saved under `key` (page_key(request) for a page) was saved before: (where to go,
    whether this sending saved). No key (a page from before this existed), no protection."""
    if key and (done := led_to(key)) is not None:
        return done, False
    try:
        with transaction.atomic():
            location = write()
            if key:
                FormSending.objects.create(token=key, location=location[:300])
    except Exception:
        # The other sending of this page may have won the race: ours is undone (a unique
        # constraint, or a row it changed first: "no current measurement", a used link);
        # go where it went. Any other failure is raised as it was.
        done = led_to(key) if key else None
        if done is None:
            raise
        return done, False
    return location, True


def saved_once(
    request: HttpRequest,
    write: Callable[[], str],
    saved: str,
    again: str | None = None,
) -> HttpResponse:
    """The view's answer to a valid sending of a page: `write` once (see send_once), then
    to where it led, saying `saved` the first time and `again` (that it was sent twice)
    after."""
    location, first = send_once(page_key(request), write)
    if first:
        messages.success(request, saved)
    else:
        messages.info(request, again or ALREADY_SAVED)
    return redirect(location)
