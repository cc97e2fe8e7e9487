"""One form, one save: a form page carries a token, and its first sending is the only
one that writes.

A double click on "Save", or a page sent again, would otherwise record the same visit or
add the same patient twice. Forms that create a record mix in `SentOnce` (a hidden
`once` field with a new token on every page); their views write through `send_once`,
which records the token with where the save led, in the same transaction as the write. A
second sending finds the token and goes to the same place; two at once are settled by
the token's unique constraint, the loser's write rolled back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from clinic.models import FormSending

ALREADY_SAVED = _("That form was sent twice. It was saved once.")


class SentOnce(forms.Form):
    """Mixed into a form that creates a record: the page's token, kept out of
    cleaned_data (services never see it) as `once_token`."""

    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["once"].initial = secrets.token_urlsafe(24)
        self.once_token = ""

    def clean(self) -> dict:
        cleaned = super().clean()
        self.once_token = self.cleaned_data.pop("once", "") or ""
        if cleaned is not None:
            cleaned.pop("once", None)
        return cleaned


def led_to(token: str) -> str | None:
    """Where the saved sending of `token` led, or None if none was saved."""
    return FormSending.objects.filter(token=token).values_list("location", flat=True).first()


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
    except IntegrityError:
        # The other sending of this page won the race: ours is undone; go where it went.
        done = led_to(token) if token else None
        if done is None:
            raise
        return done, False
    return location, True


def saved_once(
    request: HttpRequest, form: SentOnce, write: Callable[[], str], saved: str
) -> HttpResponse:
    """The view's answer to a valid form: `write` once (see send_once), then to where it
    led, saying `saved` the first time and that it was sent twice after."""
    location, first = send_once(form.once_token, write)
    if first:
        messages.success(request, saved)
    else:
        messages.info(request, ALREADY_SAVED)
    return redirect(location)
