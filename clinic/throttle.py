"""Counters for failed and rate-limited sign-in steps, kept in the database.

A limit is a kind of counter, a window and a maximum. Keys are hashed (an e-mail
address or client address is never stored) and salted with SECRET_KEY, so a table dump
cannot be matched against a list of addresses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from clinic.models import SecurityCounter


@dataclass(frozen=True)
class Limit:
    kind: str
    maximum: int
    window: timedelta


# Wrong two-factor codes: per sign-in attempt (then the password is asked again) and per
# account (then two-factor sign-in pauses for the window, whatever the address).
TOTP_PER_ATTEMPT = Limit("totp-attempt", 5, timedelta(minutes=15))
TOTP_PER_ACCOUNT = Limit("totp-account", 10, timedelta(minutes=15))
# Wrong passwords for one account from every address together, on top of django-axes'
# per account-and-address lockout: slows a guessing attack spread over many addresses.
# High enough that a clinic's staff never meet it by mistyping.
PASSWORD_PER_ACCOUNT = Limit("password-account", 30, timedelta(minutes=15))
# "E-mail me a sign-in link" on a clinic's sign-in page, per address and per client.
LINK_PER_EMAIL = Limit("link-email", 3, timedelta(hours=1))
LINK_PER_CLIENT = Limit("link-client", 10, timedelta(minutes=15))
# Sign-in codes and password-reset e-mails to one address (anyone may ask for them):
# allauth's per-address limit (ACCOUNT_RATE_LIMITS, 3 a quarter hour) counts in the
# cache, which counts nothing while Redis is down; this one holds then too.
EMAILED_PER_ADDRESS = Limit("emailed-address", 3, timedelta(minutes=15))


def _key(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


def count(limit: Limit, value: str) -> int:
    since = timezone.now() - limit.window
    return SecurityCounter.objects.filter(
        kind=limit.kind, key=_key(value), created_at__gt=since
    ).count()


def exceeded(limit: Limit, value: str) -> bool:
    return count(limit, value) >= limit.maximum


def hit(limit: Limit, value: str) -> int:
    """Count one more, forget this key's counts older than the window; the new count."""
    key = _key(value)
    now = timezone.now()
    SecurityCounter.objects.filter(
        kind=limit.kind, key=key, created_at__lte=now - limit.window
    ).delete()
    SecurityCounter.objects.create(kind=limit.kind, key=key, created_at=now)
    return count(limit, value)


def clear(limit: Limit, value: str) -> None:
    SecurityCounter.objects.filter(kind=limit.kind, key=_key(value)).delete()


def purge_expired() -> int:
    """Housekeeping: counters older than the longest window."""
    longest = max(
        limit.window
        for limit in (
            TOTP_PER_ATTEMPT,
            TOTP_PER_ACCOUNT,
            PASSWORD_PER_ACCOUNT,
            LINK_PER_EMAIL,
            LINK_PER_CLIENT,
            EMAILED_PER_ADDRESS,
        )
    )
    deleted, _ = SecurityCounter.objects.filter(created_at__lte=timezone.now() - longest).delete()
    return deleted
