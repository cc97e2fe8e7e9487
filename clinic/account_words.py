"""Words of Django's and allauth's account pages (the password change) that their Spanish
says formally ("¿Ha olvidado su contraseña?", "Su contraseña debe..."), where every other
page a patient reads says tú. Listed here, by their own wording, so that our catalogue
keeps them (makemessages drops a message no source of ours names) and says them as the
patient area does: Django reads our catalogue before theirs.

Nothing imports this module: it is read only by makemessages."""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

ACCOUNT_WORDS = (
    # allauth
    gettext_noop("Forgot your password?"),
    gettext_noop("Please type your current password."),
    gettext_noop("You must type the same password each time."),
    # django.contrib.auth's password validators: their help, and their refusals
    gettext_noop("Your password can’t be too similar to your other personal information."),  # noqa: RUF001 - Django's own apostrophe
    gettext_noop("Your password can’t be a commonly used password."),  # noqa: RUF001
    gettext_noop("Your password can’t be entirely numeric."),  # noqa: RUF001
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
)
