"""The two-factor code step, with its attempt limits counted in the database.

allauth's own limiter for this step rides on its `login_failed` rate limit, which we
turn off (django-axes counts password failures per account and address instead), and
lives in the cache. Here wrong codes are counted per sign-in attempt (after
TOTP_PER_ATTEMPT the pending sign-in is dropped and the password is asked again) and per
account (after TOTP_PER_ACCOUNT, the step refuses every code, right or wrong, until the
window has passed). Every wrong code, and each pause, is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.internal.stagekit import clear_login, stash_login
from allauth.core import context

# The normalising allauth applies before it checks a code (allauth.mfa.totp), pinned with it.
from allauth.core.internal.cryptokit import normalize_user_code
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy

from clinic import audit, throttle
from clinic.actors import Actor
from clinic.models import AuditEvent, Membership, SpentCode

PAUSED = (
    "Too many wrong codes for this account. For your safety, two-factor sign-in is "
    "paused for 15 minutes. Then try again, or use one of your recovery codes."
)


def has_two_factor():
    """For a Membership row (clinic.models.MEMBER_FIGURES): whether the member has set up a
    second factor. The staff page offers "Reset two-factor" only to those who have."""
    return Exists(Authenticator.objects.filter(user_id=OuterRef("user_id")))


def signs_in_elsewhere():
    """For a Membership row (clinic.models.MEMBER_FIGURES): whether its account also opens
    another clinic's records, as an active member there or as an active patient. Its
    second factor then guards those too, and is not this clinic's alone to reset."""
    from django.apps import apps

    patients = apps.get_model("patients", "Patient").objects.active()
    elsewhere = {"user_id": OuterRef("user_id")}
    other_clinic = {"clinic_id": OuterRef("clinic_id")}
    return Exists(
        Membership.objects.filter(is_active=True, **elsewhere).exclude(**other_clinic)
    ) | Exists(patients.filter(**elsewhere).exclude(**other_clinic))


RESTART = "Too many wrong codes. Please sign in again with your password."
REPLAYED = "That code was already used. Wait for the next one in your app."
ATTEMPT_KEY = "limber_attempt"


def _attempt_id() -> str | None:
    """An id for this sign-in attempt, kept with allauth's pending sign-in: a new password
    step starts a new attempt. None when re-authenticating an open session."""
    stage = getattr(context.request, "_login_stage", None)
    if stage is None:
        return None
    if ATTEMPT_KEY not in stage.state:
        stage.state[ATTEMPT_KEY] = secrets.token_hex(16)
        stash_login(context.request, stage.login)
    return stage.state[ATTEMPT_KEY]


# Longer than a TOTP step with allauth's one step of drift either way.
SPENT_CODE_KEPT = timedelta(minutes=3)


def spend_code(user, code: str) -> bool:
    """Record `code` as used by `user`; False if it already was (a replay). The row is
    the check: two requests with one code cannot both insert it. Recorded as allauth
    reads it, without spaces and punctuation: "123 456" was accepted again after "123456"
    while Redis (allauth's own check) was down (found by an attack review)."""
    code = normalize_user_code(code)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{user.pk}:{code}".encode()).hexdigest()
    SpentCode.objects.filter(user=user, created_at__lt=timezone.now() - SPENT_CODE_KEPT).delete()
    try:
        with transaction.atomic():
            SpentCode.objects.create(user=user, code_hash=digest)
    except IntegrityError:
        return False
    return True


class LimitedCodeMixin:
    """Checks the limits before allauth checks the code, and counts what it refuses."""

    user = None

    def clean_code(self) -> str:
        request = context.request
        actor = Actor(self.user, "", None, Actor.visitor(request).ip)
        account = str(self.user.pk)
        target = {"object_type": "user", "object_id": str(self.user.uuid)}
        if throttle.exceeded(throttle.TOTP_PER_ACCOUNT, account):
            audit.record(actor, "mfa.locked", outcome=AuditEvent.Outcome.DENIED, **target)
            raise forms.ValidationError(PAUSED)
        try:
            code = super().clean_code()
            if getattr(self, "authenticator", None) is not None and (
                self.authenticator.type == "totp" and not spend_code(self.user, code)
            ):
                # A replay that allauth's cache-based check missed (the cache was down).
                raise forms.ValidationError(REPLAYED)
            return code
        except forms.ValidationError:
            audit.record(actor, "mfa.failed", outcome=AuditEvent.Outcome.DENIED, **target)
            if (
                throttle.hit(throttle.TOTP_PER_ACCOUNT, account)
                >= throttle.TOTP_PER_ACCOUNT.maximum
            ):
                audit.record(actor, "mfa.locked", outcome=AuditEvent.Outcome.DENIED, **target)
                raise forms.ValidationError(PAUSED) from None
            attempt = _attempt_id()
            if attempt and throttle.hit(throttle.TOTP_PER_ATTEMPT, attempt) >= (
                throttle.TOTP_PER_ATTEMPT.maximum
            ):
                clear_login(request)
                raise forms.ValidationError(RESTART) from None
            raise


class AuthenticateForm(LimitedCodeMixin, mfa_forms.AuthenticateForm):
    pass


class ReauthenticateForm(LimitedCodeMixin, mfa_forms.ReauthenticateForm):
    pass


# Also a patient's (whose login came from their sheet): in their language.
SHEET_FIRST = gettext_lazy(
    "First show that this e-mail address is yours: sign out, then sign in again and "
    "choose “E-mail me a sign-in code instead”. Then add your authenticator app."
)


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """Not while the password is one chosen from a printed sign-in sheet
    (clinic.sheet_passwords): whoever held the sheet could add their own authenticator,
    and the address's owner, signing in by code, was then asked for its codes and kept
    out for good (found by an attack review). allauth refuses an unverified address for
    the same reason; our addresses are not verified by allauth."""

    def clean_code(self) -> str:
        if self.user.password_from_sheet:
            raise forms.ValidationError(SHEET_FIRST)
        return super().clean_code()
