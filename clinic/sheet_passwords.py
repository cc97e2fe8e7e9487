"""Passwords chosen from a printed sign-in sheet, until the address's owner shows up.

A printed invitation's link makes the login for the patient's address with whatever
password is typed on its page: whoever holds the sheet chooses it, and nothing shows they
read that address's mail. A clinic could make a login for someone else's address that way,
keep the password, and sign in as that person once they are a patient or staff member of
another clinic (found by an attack review). So such a password (User.password_from_sheet)
lasts only until the first sign-in that proves the mailbox:

- an e-mailed sign-in code: the password is cleared (the owner never chose it, or chose it
  on the sheet and now signs in without it), other sessions end with it, and the owner is
  told they may choose one of their own;
- a password reset from an e-mailed link: the new password is the owner's.

The patient who set their password from their own sheet keeps using it until they sign in
by code once (a forgotten password), then sets another.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import authentication_step_completed, password_reset
from django.contrib import messages
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext

from clinic.adapters import language_for
from clinic.models import User

# allauth's names of the ways in that need the mailbox.
BY_CODE = "code"


@receiver(authentication_step_completed, dispatch_uid="limber-sheet-password-code")
def step_completed(sender: Any, request: Any, user: User, method: str, **kwargs: Any) -> None:
    """A step of a sign-in done (before a second factor, if any): a code entered proves
    the mailbox. The password changes before the sign-in completes, so the session made
    next carries the new one, and every other (the old password's) ends."""
    if method != BY_CODE or not user.password_from_sheet:
        return
    user.set_unusable_password()
    user.password_from_sheet = False
    user.save(update_fields=["password", "password_from_sheet"])
    # Written during the sign-in (a page in the site's language), shown on the person's
    # first page: in the language they read, as allauth's own "Signed in as" is.
    with translation.override(language_for(user.email)):
        messages.info(
            request,
            gettext(
                "You signed in with a code sent to your e-mail. The password set from a "
                "printed sign-in sheet no longer works: keep signing in with codes, or "
                "choose a new password."
            ),
        )


@receiver(password_reset, dispatch_uid="limber-sheet-password-reset")
def reset(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if user.password_from_sheet:
        User.objects.filter(pk=user.pk).update(password_from_sheet=False)
