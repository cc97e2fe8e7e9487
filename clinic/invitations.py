"""One-time links that let a new user choose a password.

A link is single use, expires after INVITATION_MAX_AGE_DAYS, and sending a new one
revokes every older one. Only the SHA-256 of the token is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.models import Invitation, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, user: User, created_by: Any) -> str:
    """Revoke the user's open invitations and return the token of a new one."""
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=user,
        token_hash=_hash(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    return token


def invitation_find(token: str) -> Invitation | None:
    """The usable invitation for this token, or None (unknown, used, revoked, expired)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.usable().select_related("user").filter(token_hash=_hash(token)).first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User | None:
    """Set the password and spend the link; None when the link is no longer usable.

    The row is locked so two simultaneous submissions cannot both use one link.
    """
    invitation = (
        Invitation.objects.usable()
        .select_for_update()
        .select_related("user")
        .filter(token_hash=_hash(token))
        .first()
    )
    if invitation is None:
        return None
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return user
