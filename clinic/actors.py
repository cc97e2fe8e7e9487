"""Who is acting: the argument every service and audit record takes instead of a request.

A view builds its Actor once, in the permission decorator, from the signed-in user,
their role and clinic, and the client's address (clinic.network). Commands and tests
build one directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from clinic.network import client_ip

PATIENT_ROLE = "patient"
SYSTEM_ROLE = "system"
API_ROLE = "api"
# Platform staff in the Django admin: no clinic of their own.
PLATFORM_ROLE = "platform"


@dataclass(frozen=True)
class Actor:
    user: Any  # clinic.models.User, or None for an anonymous visitor or the system
    role: str
    clinic: Any  # clinic.models.Clinic, or None outside any clinic
    ip: str | None = None
    # Calls through the API: the token (clinic.models.ApiToken); `user` is then the admin
    # who made it (None for one made by the management command).
    api_token: Any = None

    @property
    def is_user(self) -> bool:
        return self.user is not None and getattr(self.user, "is_authenticated", False)

    @classmethod
    def for_member(cls, membership: Any, request: HttpRequest | None = None) -> Actor:
        """A staff member acting in the clinic of `membership`."""
        return cls(membership.user, membership.role, membership.clinic, client_ip(request))

    @classmethod
    def for_patient(cls, patient: Any, request: HttpRequest | None = None) -> Actor:
        """A patient acting on their own record."""
        return cls(patient.user, PATIENT_ROLE, patient.clinic, client_ip(request))

    @classmethod
    def visitor(cls, request: HttpRequest | None = None, *, clinic: Any = None) -> Actor:
        """Someone not (yet) signed in: a sign-in attempt, an invitation being opened."""
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        return cls(user, "", clinic, client_ip(request))

    @classmethod
    def for_api_token(cls, token: Any, request: HttpRequest | None = None) -> Actor:
        """A clinic's other system calling the API with one of the clinic's tokens."""
        return cls(token.created_by, API_ROLE, token.clinic, client_ip(request), token)

    @classmethod
    def platform(cls, request: HttpRequest) -> Actor:
        """Platform staff in the Django admin (housekeeping across clinics)."""
        return cls(request.user, PLATFORM_ROLE, None, client_ip(request))

    @classmethod
    def system(cls, clinic: Any = None) -> Actor:
        """Scheduled work and management commands."""
        return cls(None, SYSTEM_ROLE, clinic)
