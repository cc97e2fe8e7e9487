"""Sign-in protection glue: which account an attempt was for, and the audit of failures.

django-axes counts failures; allauth posts the e-mail address as "login" and passes it
to authenticate() as "email", so both are looked at.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from clinic import audit
from clinic.models import AuditEvent, User


def attempted_login(request: Any, credentials: dict | None) -> str:
    """The account an attempt names, normalised so "Ann@X" and "ann@x" count together."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login", "")
    return str(value).strip().lower()[:254]


@receiver(user_login_failed)
def audit_failed_login(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # Which account was tried, by its opaque id only: no address or name in the log.
    user = User.objects.filter(email__iexact=attempted_login(request, credentials)).first()
    audit.record(
        actor=None,
        action="login.failed",
        object_type="user" if user else "",
        object_id=str(user.uuid) if user else "",
        request=request,
        outcome=AuditEvent.Outcome.DENIED,
    )


def audit_lockout(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    user = User.objects.filter(email__iexact=username or "").first()
    audit.record(
        actor=None,
        action="login.locked_out",
        object_type="user" if user else "",
        object_id=str(user.uuid) if user else "",
        request=request,
        outcome=AuditEvent.Outcome.DENIED,
    )
