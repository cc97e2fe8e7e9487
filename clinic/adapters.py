from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext_lazy

from clinic import throttle
from clinic.languages import patient_language
from clinic.network import limit_address

# allauth's e-mails that anyone can have sent to an address by typing it in, by what was
# asked for (each counted on its own, as allauth's ACCOUNT_RATE_LIMITS counts them).
ASKED_BY_ANYONE = {
    "account/email/login_code": "code",
    "account/email/password_reset_key": "reset",
    "account/email/password_reset_code": "reset",
    # A reset asked for an address with no account.
    "account/email/unknown_account": "reset",
}
# Who may answer allauth's "unknown account" e-mail instead (a code or a reset asked for an
# address with no login): each is called with the address and returns whether it sent
# something of its own. The patients app sends a new patient the link to set up their
# login (found by the phone review: the handout's "E-mail me a sign-in code" led a new
# patient to an e-mail about signing up, which is closed).
UNKNOWN_ACCOUNT_HOOKS: list[Callable[[str], bool]] = []
UNKNOWN_ACCOUNT = "account/email/unknown_account"

NOT_ITS_ADDRESS = gettext_lazy(
    "This e-mail address is no longer used to sign in. Sign in with your current e-mail address."
)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs themselves up: clinics invite their staff and patients.
        return False

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """A sign-in made through an address (a code sent to it, say) goes on only while
        that address is still the account's own: a code asked for just before the
        account's address changed reaches nothing after it."""
        from allauth.account.internal.stagekit import clear_login

        from clinic.models import User

        email = (kwargs.get("email") or "").strip().lower()
        own = User.objects.filter(pk=user.pk).values_list("email", flat=True).first()
        if email and own is not None and email != own.lower():
            clear_login(request)
            messages.error(request, NOT_ITS_ADDRESS)
            return redirect(settings.LOGIN_URL)
        return super().pre_login(request, user, **kwargs)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits count clients as the lockout does (clinic.network).
        ip = limit_address(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix in ASKED_BY_ANYONE:
            asked = f"{ASKED_BY_ANYONE[template_prefix]}:{email.strip().lower()}"
            if throttle.exceeded(throttle.EMAILED_PER_ADDRESS, asked):
                # Not sent, and not said: the page reads the same either way, so it
                # tells nobody whether the address has an account.
                return
            throttle.hit(throttle.EMAILED_PER_ADDRESS, asked)
        if template_prefix == UNKNOWN_ACCOUNT and any(
            hook(email) for hook in UNKNOWN_ACCOUNT_HOOKS
        ):
            return
        # allauth's e-mails greet from "the site", which is the server's address on many
        # installs; people know their clinic, so greet from it (or from Limber).
        context = {**context, "clinic_name": clinic_name_for(email)}
        # A patient's sign-in code or password reset comes in the language they see.
        with translation.override(language_for(email)):
            super().send_mail(template_prefix, email, context)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # "Signed in as ..." is written during the sign-in request, which is not a patient
        # page, and shown on the patient's first one: write it in the language they see.
        # "You are signed out" is written while still signed in and shown on the sign-in
        # page, which is in the site's language: written in that, not in two languages.
        # Signed out (the password changed signs out too), the message shows on the
        # entrance pages, which are in the site's language.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and message_template != "account/messages/logged_out.txt":
            language = language_for(user.email)
        else:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            super().add_message(
                request, level, message_template, message_context, extra_tags, message
            )


def language_for(email: str) -> str:
    """The language of the e-mails an account gets: its active patient record's (see
    clinic.languages), else the site's (staff)."""
    from clinic.models import User

    user = User.objects.filter(email__iexact=email).first()
    record = user.patient_records.active().first() if user is not None else None
    return patient_language(record.preferred_language if record else None)


def clinic_name_for(email: str) -> str:
    """The clinic an account belongs to, for greetings: its patient record's, else its one
    staff clinic's; empty when it has none or several."""
    from clinic.models import Membership, User

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return ""
    record = user.patient_records.active().select_related("clinic").first()
    if record is not None:
        return record.clinic.name
    names = {
        m.clinic.name
        for m in Membership.objects.active().filter(user=user).select_related("clinic")
    }
    return names.pop() if len(names) == 1 else ""


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored encrypted: a raw database dump does not reveal them."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # Refused by can_delete_authenticator: say why, and the way that is left.
        "cannot_delete_authenticator": gettext_lazy(
            "You cannot deactivate two-factor authentication: staff must keep it. If you "
            "have a new phone, ask a clinic admin to reset it, then set it up again."
        ),
    }

    def _fernet(self) -> Fernet:
        key = settings.MFA_ENCRYPTION_KEY
        if not key:
            # Local runs only (settings refuse to start without a key when DEBUG is off).
            digest = hashlib.sha256(f"limber-mfa:{settings.SECRET_KEY}".encode()).digest()
            key = base64.urlsafe_b64encode(digest).decode()
        return Fernet(key)

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode()

    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff keep their second factor while two-factor is required. Removed by its
        owner, allauth asks for the password only: the account was then password-only,
        and whoever knew the password signed in and enrolled a device of their own. A
        lost device is reset by a clinic admin instead (audited and e-mailed:
        clinic.services)."""
        from allauth.mfa.models import Authenticator

        from clinic.models import Membership

        if not settings.REQUIRE_2FA or authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        user = authenticator.user
        return not (user.is_staff or Membership.objects.active().filter(user=user).exists())

    def decrypt(self, encrypted_text: str) -> str:
        return self._fernet().decrypt(encrypted_text.encode()).decode()
