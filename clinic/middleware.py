"""Request-wide security rules: session timeouts, two-factor for staff, no caching."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from clinic import permissions

STARTED, SEEN = "limber_started", "limber_seen"
# Writing the session on every click would cost a query per request; a minute's
# precision is plenty for a 15-minute idle limit.
SEEN_RESOLUTION = 60
SIGNED_OUT = "You were signed out to keep patient data safe. Please sign in again."
ENROL_FIRST = "Set up two-factor sign-in first: it protects your patients' records."
EXEMPT_PREFIXES = ("/static/", "/healthz", "/accounts/", "/invite/", "/admin/login/")


@receiver(user_logged_in)
def start_session_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    if hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[SEEN] = now


def idle_limit(user) -> int:
    is_staff = permissions.staff_membership(user) is not None
    return settings.IDLE_TIMEOUT_STAFF if is_staff else settings.IDLE_TIMEOUT_PATIENT


class SessionTimeoutMiddleware:
    """Sign out after the idle limit (15 min staff, 30 min patients) or 12 hours in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(STARTED, now)
            seen = session.get(SEEN, now)
            limit = idle_limit(user)
            if now - seen > limit or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)  # flushes the session server-side
                messages.info(request, SIGNED_OUT)
                return redirect_to_login(request.get_full_path())
            if STARTED not in session:
                session[STARTED] = started
            if now - seen >= SEEN_RESOLUTION or SEEN not in session:
                session[SEEN] = now
            request.idle_timeout = limit
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Staff without two-factor sign-in are sent to set it up before any patient data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.REQUIRE_2FA and self._needs_enrolment(request):
            messages.info(request, ENROL_FIRST)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_enrolment(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return False
        if permissions.staff_membership(user) is None and not user.is_staff:
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user)


class NoStoreMiddleware:
    """Nothing a signed-in person sees is kept by browsers or proxies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        # Photos and logos keep a short private cache: they hold no patient data.
        is_image = response.get("Content-Type", "").startswith("image/")
        if signed_in and not is_image and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store, private, max-age=0"
        return response
