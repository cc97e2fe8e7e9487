"""One-time links that let a new user choose a password.

A link is single use, expires after INVITATION_MAX_AGE_DAYS, and sending a new one
revokes every older one. Only the SHA-256 of the token is stored. The token itself is
an HMAC of the invitation (keyed with SECRET_KEY), so the current link can be shown
again, e.g. on a printed handout, without storing it or revoking the e-mailed one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic.models import Invitation, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation: Invitation) -> str:
    mac = salted_hmac(
        "limber.invitation",
        f"{invitation.pk}:{invitation.created_at.isoformat()}",
        algorithm="sha256",
    )
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


@transaction.atomic
def invitation_create(*, user: User, created_by: Any) -> str:
    """Revoke the user's open invitations and return the token of a new one."""
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    invitation = Invitation.objects.create(
        user=user,
        token_hash=secrets.token_hex(32),  # placeholder until the pk exists
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    token = invitation_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=_hash(token))
    return token


@transaction.atomic
def invitation_current_or_new(*, user: User, created_by: Any) -> str:
    """The token of the user's usable invitation, creating one only if there is none."""
    current = Invitation.objects.usable().filter(user=user).order_by("-created_at").first()
    if current is not None:
        return invitation_token(current)
    return invitation_create(user=user, created_by=created_by)


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
