"""The one place that answers "may this user see or change this?".

Rules:
- Staff (clinicians and clinic admins) act within the clinic of their active
  membership. Rows of other clinics do not exist for them: 404, never 403.
- Insiders without the right role get 403 (a clinician opening an admin page).
- Patients reach only the patient area, which takes no object ids from the URL:
  it always works on `request.patient`, the logged-in user's own record.
- Everything is denied by default: a view without one of these decorators is a bug,
  and the permission matrix test catches it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from clinic import audit
from clinic.models import AuditEvent, Membership

ViewFunc = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)


def staff_membership(user: Any) -> Membership | None:
    """The user's active clinic membership, or None for patients and outsiders."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_limber_membership"):
        user._limber_membership = (
            Membership.objects.active()
            .select_related("clinic")
            .filter(user=user)
            .order_by("created_at")
            .first()
        )
    return user._limber_membership


def patient_profile(user: Any) -> Any | None:
    """The active patient record linked to this login, or None."""
    if not user.is_authenticated:
        return None
    try:
        profile = user.patient_profile
    except ObjectDoesNotExist:
        return None
    return profile if profile.is_active else None


def _deny(request: HttpRequest, *, clinic: Any = None, role: str = "") -> None:
    match = getattr(request, "resolver_match", None)
    # Keep which page was refused; the route name carries no patient data.
    audit.record(
        actor=request.user,
        action="access.denied",
        clinic=clinic,
        role=role,
        request=request,
        outcome=AuditEvent.Outcome.DENIED,
        object_type="view",
        object_id=match.view_name if match else "",
    )
    raise PermissionDenied


def staff_required(view: ViewFunc | None = None, *, admin: bool = False) -> Any:
    """Portal views: an active clinic membership (and the admin role if `admin`)."""

    def decorator(func: ViewFunc) -> ViewFunc:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = staff_membership(request.user)
            if membership is None:
                _deny(request)
            if admin and not membership.is_admin:
                _deny(request, clinic=membership.clinic, role=membership.role)
            request.membership = membership
            request.clinic = membership.clinic
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def patient_required(func: ViewFunc) -> ViewFunc:
    """Patient-area views: the logged-in user's own active patient record."""

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = patient_profile(request.user)
        if profile is None:
            _deny(request)
        request.patient = profile
        request.clinic = profile.clinic
        return func(request, *args, **kwargs)

    return wrapper


def get_in_clinic_or_404(request: HttpRequest, queryset: QuerySet[M], **lookup: Any) -> M:
    """The getter for every clinic-owned row a staff view touches.

    Rows outside the user's clinic are indistinguishable from rows that do not
    exist; the attempt is audited as denied.
    """
    membership: Membership = request.membership
    obj = queryset.filter(clinic=membership.clinic, **lookup).first()
    if obj is None:
        audit.record(
            actor=request.user,
            action="access.denied",
            clinic=membership.clinic,
            role=membership.role,
            request=request,
            outcome=AuditEvent.Outcome.DENIED,
            object_type=queryset.model._meta.model_name,
            object_id=str(next(iter(lookup.values()), "")),
        )
        raise Http404
    return obj


def can_manage_staff(membership: Membership) -> bool:
    return membership.is_admin


def can_view_audit_log(membership: Membership) -> bool:
    return membership.is_admin
