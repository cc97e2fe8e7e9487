"""Who may call the API: the token (authentication) and its scope (permission).

Kept apart from the views' glue (clinic.api.framework): REST framework imports these
classes by name while it is itself being imported.

- `TokenAuthentication`: `Authorization: Bearer <token>`, a usable token of some clinic.
- `TokenCapability`: deny by default; each view names the capability each method needs
  (`capabilities = {"GET": "patients.view", ...}`) and what its answers show (`shows`),
  all checked against the token's scope (ClinicApiView.needs).
  It also counts the call against the token's rate limit and sets `request.clinic` and
  `request.actor`, so the portal's getters (clinic.permissions.get_in_clinic_or_404) and
  services work unchanged: another clinic's row is the same audited 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from clinic import audit
from clinic.actors import Actor
from clinic.api.tokens import refusal_to_record, token_find, token_hit, token_refused
from clinic.models import ApiToken, AuditEvent

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        # The scheme's name is case-insensitive (RFC 9110, 11.1): some clients send "bearer".
        if keyword.lower() != self.keyword.lower() or not raw.strip():
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        token = token_find(raw.strip())
        if token is None:
            stopped = token_refused(raw.strip())
            if stopped is not None and refusal_to_record(stopped):
                audit.record(
                    Actor.for_api_token(stopped, request._request),
                    "api.refused",
                    obj=stopped,
                    outcome=AuditEvent.Outcome.DENIED,
                )
            raise exceptions.AuthenticationFailed(
                "The token is not valid, or has expired or been revoked."
            )
        # The call is the token's, not a signed-in person's: no session, no user.
        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenCapability(BasePermission):
    """The token's scope holds the capability the view names for this method."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(
                "Send a clinic API token: Authorization: Bearer <token>."
            )
        request.clinic = token.clinic
        request.actor = Actor.for_api_token(token, request._request)
        result = token_hit(token)
        if not result.allowed:
            if result.first_refusal:
                audit.record(request.actor, "api.throttled", outcome=AuditEvent.Outcome.DENIED)
            raise exceptions.Throttled(wait=result.retry_after)
        method = "GET" if request.method == "HEAD" else request.method
        needs = getattr(view, "needs", None)
        needed = needs(method) if needs is not None else None
        if needed is None:
            if request.method in view.allowed_methods:
                return False  # a method nobody decided about: deny
            raise exceptions.MethodNotAllowed(request.method)
        missing = [name for name in needed if name not in token.scope]
        if missing:
            match = getattr(request._request, "resolver_match", None)
            route = match.view_name if match else ""
            audit.denied(request.actor, object_type="api", object_id=route)
            raise exceptions.PermissionDenied(
                f"This token's scope does not include {', '.join(missing)}."
            )
        return True
