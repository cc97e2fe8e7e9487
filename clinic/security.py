"""Sign-in protection glue: which account an attempt was for, the account-wide throttle,
and the audit of failures.

django-axes counts failures per account and address (in the database) and locks that
pair out. On top of it, `AccountThrottleBackend` refuses password sign-ins for an account
that has had too many failures from all addresses together (clinic.throttle, also in the
database), so a guessing attack spread over many addresses is slowed as well. A paused
account can still sign in with an e-mailed code: that needs the mailbox.

allauth posts the e-mail address as "login" and passes it to authenticate() as "email",
so both are looked at.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.signals import authenticator_removed
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from clinic import audit, throttle
from clinic.actors import Actor
from clinic.models import AuditEvent, Membership, User


def attempted_login(request: Any, credentials: dict | None) -> str:
    """The account an attempt names, normalised so "Ann@X" and "ann@x" count together."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login", "")
    return str(value).strip().lower()[:254]


def _target(name: str) -> dict:
    # Which account was tried, by its opaque id only: no address or name in the log.
    user = User.objects.filter(email__iexact=name).first() if name else None
    return {"object_type": "user", "object_id": str(user.uuid)} if user else {}


class AccountThrottleBackend:
    """Refuses every password check for an account past PASSWORD_PER_ACCOUNT failures.

    Placed before the password backends: raising PermissionDenied stops authenticate()
    from asking them, and Django then reports the attempt as failed. It has no get_user:
    it never signs anyone in, so Django never keeps it as a session's backend.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        name = attempted_login(request, credentials)
        if name and throttle.exceeded(throttle.PASSWORD_PER_ACCOUNT, name):
            audit.record(
                Actor.visitor(request),
                "login.throttled",
                outcome=AuditEvent.Outcome.DENIED,
                **_target(name),
            )
            if request is not None:
                request.limber_throttled = True
            raise PermissionDenied


@receiver(user_login_failed)
def count_and_audit_failed_login(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    name = attempted_login(request, credentials)
    if getattr(request, "limber_throttled", False):
        return  # already audited as throttled; a refused attempt does not extend the pause
    if name:
        throttle.hit(throttle.PASSWORD_PER_ACCOUNT, name)
    audit.record(
        Actor.visitor(request),
        "login.failed",
        outcome=AuditEvent.Outcome.DENIED,
        **_target(name),
    )


def audit_lockout(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    audit.record(
        Actor.visitor(request),
        "login.locked_out",
        outcome=AuditEvent.Outcome.DENIED,
        **_target(username),
    )


@receiver(authenticator_removed)
def audit_second_factor_removed(
    sender: Any, request: Any = None, user: Any = None, **kwargs: Any
) -> None:
    """Its owner removed a second factor (where two-factor is not required of them:
    clinic.adapters.MFAAdapter): in each of their clinics' audit logs, as an admin's
    reset is."""
    memberships = Membership.objects.active().filter(user=user).select_related("clinic")
    for clinic in [m.clinic for m in memberships] or [None]:
        audit.record(Actor.visitor(request), "mfa.removed", clinic=clinic, target_user=user)
