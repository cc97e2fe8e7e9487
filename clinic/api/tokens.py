"""Per-clinic API tokens: made by a clinic admin (or the `api_token` command), shown once,
stored hashed, limited to named capabilities, expiring, revocable, rate limited.

A token's scope is a list of names from clinic.capabilities, the same table that says
what each staff role may do: there is no second list of API permissions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from clinic import audit
from clinic.actors import Actor
from clinic.capabilities import CAPABILITIES, role_can
from clinic.models import ApiToken, AuditEvent, Clinic, Membership

# Every token starts with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "lmb_"  # noqa: S105 (a marker, not a secret)
MAX_LIFETIME = timedelta(days=730)
DEFAULT_LIFETIME = timedelta(days=365)
RATE_WINDOW = timedelta(seconds=60)


class TokenError(ValueError):
    """The token cannot be made as asked; the message is shown to the admin."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def clean_scope(scope: Iterable[str]) -> list[str]:
    """Capability names, known and deduplicated, in the table's order."""
    wanted = {name.strip() for name in scope if name.strip()}
    unknown = sorted(wanted - set(CAPABILITIES))
    if unknown:
        raise TokenError(gettext("Unknown capability: {names}.").format(names=", ".join(unknown)))
    if not wanted:
        raise TokenError(gettext("Choose at least one capability."))
    return [name for name in CAPABILITIES if name in wanted]


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    clinic: Clinic,
    name: str,
    scope: Iterable[str],
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token; (row, the token itself). The token is not stored: show it once."""
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError(gettext("Give the token a name of 1 to 80 characters."))
    now = timezone.now()
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise TokenError(gettext("The expiry must be in the future."))
    if expires_at > now + MAX_LIFETIME:
        raise TokenError(gettext("A token may last two years at most."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        clinic=clinic,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash(raw),
        scope=clean_scope(scope),
        created_by=actor.user if actor.is_user else None,
        expires_at=expires_at,
    )
    audit.record(actor, "api_token.create", clinic=clinic, obj=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if actor.clinic is None or actor.clinic.pk != token.clinic_id:
        raise PermissionError("Tokens are revoked only by their own clinic.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor.user if actor.is_user else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor, "api_token.revoke", clinic=token.clinic, obj=token)
    return token


# Tokens are made on the clinic's settings pages: who may make one may keep one working.
MAKES_TOKENS = "clinic.configure"


def maker_in_charge() -> Q:
    """A token made by a person works only while that person could make it now: an active
    account, an active membership of the token's clinic, a role that makes tokens. The
    secret was shown to them, so leaving the clinic, losing the role or a deactivated
    account stop it, as they stop the person's own pages (and a reactivated admin's tokens
    work again). A token made by the `api_token` command has no maker: the platform's."""
    roles = [role for role in Membership.Role.values if role_can(role, MAKES_TOKENS)]
    in_charge = Membership.objects.active().filter(
        user=OuterRef("created_by"), clinic=OuterRef("clinic"), role__in=roles
    )
    return Q(created_by__isnull=True) | Q(Exists(in_charge))


def with_standing(tokens: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
    """Tokens with `.maker_in_charge`, for the list that shows which ones work."""
    return tokens.annotate(maker_in_charge=maker_in_charge())


def token_find(raw: str) -> ApiToken | None:
    """The usable token with this value, or None (unknown, revoked, expired or its maker no
    longer in charge alike)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    return (
        ApiToken.objects.usable()
        .filter(maker_in_charge(), token_hash=_hash(raw))
        .select_related("clinic", "created_by")
        .first()
    )


def token_refused(raw: str) -> ApiToken | None:
    """The token with this value that is no longer usable (revoked, expired, its maker no
    longer in charge), for the clinic's audit log: a leaked token still being tried is
    worth knowing about. None for a value that was never a token."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    return ApiToken.objects.filter(token_hash=_hash(raw)).select_related("clinic").first()


def refusal_to_record(token: ApiToken) -> bool:
    """Whether this refused call is the first of the token's minute (RATE_WINDOW): one
    audit row a minute, however hard a stopped token is tried."""
    recent = AuditEvent.objects.filter(
        action="api.refused", api_token=token, created_at__gte=timezone.now() - RATE_WINDOW
    )
    return not recent.exists()


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    retry_after: int
    # The first refused call of the window (audited once, not once per refused call).
    first_refusal: bool = False


def rate_limit() -> int:
    return int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 120))


def token_hit(token: ApiToken) -> RateResult:
    """Count one call in the token's current minute (one UPDATE, atomic under concurrent
    calls); refused once the minute's calls pass the limit."""
    now = timezone.now()
    starts_over = Q(window_started_at__isnull=True) | Q(window_started_at__lte=now - RATE_WINDOW)
    ApiToken.objects.filter(pk=token.pk).update(
        window_calls=Case(
            When(starts_over, then=Value(1)),
            default=F("window_calls") + 1,
        ),
        window_started_at=Case(
            When(starts_over, then=Value(now)),
            default=F("window_started_at"),
        ),
        last_used_at=now,
    )
    calls, started = ApiToken.objects.filter(pk=token.pk).values_list(
        "window_calls", "window_started_at"
    )[0]
    if calls <= rate_limit():
        return RateResult(True, 0)
    retry = max(1, int((started + RATE_WINDOW - now).total_seconds()) + 1)
    return RateResult(False, retry, first_refusal=calls == rate_limit() + 1)
