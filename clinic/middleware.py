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
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clinic import permissions, resume
from clinic.error_pages import API_PREFIX, FHIR_PREFIX
from clinic.log_redaction import redact
from clinic.models import Membership

STARTED, SEEN = "limber_started", "limber_seen"
# Writing the session on every click would cost a query per request; a minute's
# precision is plenty for a 15-minute idle limit.
SEEN_RESOLUTION = 60
SIGNED_OUT = _("You were signed out to keep patient data safe. Please sign in again.")
ENROL_FIRST = _("Set up two-factor sign-in first: it protects your patients' records.")
# /session/: a page asks whether it is still signed in; no patient data is involved.
EXEMPT_PREFIXES = (
    "/static/",
    "/healthz",
    "/accounts/",
    "/invite/",
    "/start/",
    "/admin/login/",
    "/session/",
)


@receiver(user_logged_in)
def start_session_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    if hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[SEEN] = now
        # Looked up afresh for this account (anything noted before was another's).
        if hasattr(request, "_limber_memberships"):
            del request._limber_memberships
        staff = Membership.objects.active().filter(user=user).exists()
        permissions.note_staff(request, staff)


def idle_limit(request: HttpRequest) -> int:
    # Anyone who can open any clinic's staff pages gets the staff limit, in every area.
    is_staff = permissions.is_staff_account(request) or request.user.is_staff
    return settings.IDLE_TIMEOUT_STAFF if is_staff else settings.IDLE_TIMEOUT_PATIENT


class SessionTimeoutMiddleware:
    """Sign out after the idle limit (15 min staff, 30 min patients) or 12 hours in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            now = int(time.time())
            session = request.session
            started = session.get(STARTED, now)
            seen = session.get(SEEN, now)
            limit = idle_limit(request)
            # At the limit, not after it: the page's script leaves at that second (see
            # session-timeout.js), and a session still alive then would send it back.
            if now - seen >= limit or now - started >= settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)  # flushes the session server-side
                if _asked_by_script(request):
                    # A page's own request (htmx, form-keeper.js): the page keeps what was
                    # typed and asks the person to sign in again, rather than being sent
                    # a sign-in page to swap into itself.
                    return HttpResponse(status=401)
                if request.path == resolve_url(settings.LOGIN_URL):
                    # The sign-in page itself (session-timeout.js goes there at the idle
                    # limit): shown, signed out, with its own next. Redirected to itself it
                    # would nest next=/accounts/login/?next=… and cost a hop after sign-in.
                    messages.info(request, SIGNED_OUT)
                    return self.get_response(request)
                if _for_everyone(request):
                    # A page anyone may open is answered, signed out, as it would answer
                    # anyone. Sent to the sign-in page, a link's secret (an invitation, a
                    # password reset) went into its address, the history and the form's
                    # next, still unused; so no next below holds a secret.
                    messages.info(request, SIGNED_OUT)
                    return self.get_response(request)
                if request.method == "POST" and request.path != resolve_url("account_logout"):
                    return resume.sent_without_a_session(request)
                messages.info(request, SIGNED_OUT)
                return redirect_to_login(request.get_full_path())
            if STARTED not in session:
                session[STARTED] = started
            if now - seen >= SEEN_RESOLUTION or SEEN not in session:
                session[SEEN] = now
            request.idle_timeout = limit
            return resume.landed(request, self.get_response(request))
        response = self.get_response(request)
        if (
            request.method == "POST"
            and not _asked_by_script(request)
            and response.get("Location") == redirect_to_login(request.get_full_path()).url
        ):
            # Sent without any session (signed out in another tab, say): a view's way to
            # the sign-in page, answered as at the idle limit, whatever the view.
            return resume.sent_without_a_session(request)
        return response


def _for_everyone(request: HttpRequest) -> bool:
    """A page that needs no sign-in: its view is declared public (clinic.permissions), or
    its address holds a link's secret, which is for whoever has the link (allauth's reset
    link; the same paths the logs cut: clinic.log_redaction)."""
    if redact(request.path) != request.path:
        return True
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return getattr(view, "audience", None) == permissions.PUBLIC


def _asked_by_script(request: HttpRequest) -> bool:
    return "HX-Request" in request.headers or "X-Limber-Resume" in request.headers


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
        if not permissions.is_staff_account(request) and not user.is_staff:
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user)


class LineBreaksMiddleware:
    """A form's line breaks as the page counted them. Browsers send each line break of a
    textarea as CRLF (two characters), while its maxlength counts one: a note that fit
    its box was refused by the server's length check (and a chart form lost it). Posted
    form text is given to the views with LF line breaks, as it is stored.

    Not under the API's and the FHIR export's addresses: no form is posted there, and
    reading the body here left DRF a stream already read, so a form body sent to the API
    was refused as "q: This field is required" rather than 415, a type it does not take
    (found by the API review)."""

    FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.content_type in self.FORMS
            and not request.path.startswith((API_PREFIX, FHIR_PREFIX))
        ):
            posted = request.POST
            if any("\r" in value for values in posted.lists() for value in values[1]):
                normal = posted.copy()
                for key, values in posted.lists():
                    normal.setlist(key, [v.replace("\r\n", "\n") for v in values])
                normal._mutable = False
                request.POST = normal
        return self.get_response(request)


class AccountPagesLanguageMiddleware:
    """The account's own pages (allauth's, under /accounts/: the password change) in the
    language of the person signed in, as their area is: a Spanish patient's "Change your
    password" led to a page all in English (found by the Spanish review). Signed out, the
    site's language, as every page for anyone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not request.path.startswith("/accounts/") or user is None or not user.is_authenticated:
            return self.get_response(request)
        from clinic.adapters import language_for

        with translation.override(language_for(user.email)):
            return self.get_response(request)


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


# The sign-out button, and the invitation page's own (which keeps only the link's token).
SIGN_OUTS = {"account_logout", "invitation_sign_out"}


class ClearDeviceOnSignOutMiddleware:
    """Signing out clears what Limber kept in this browser (the patient app's offline
    logs and cached files): a shared or handed-on device keeps nothing of the person.
    Not on the idle sign-out, which must not destroy a log still waiting to be sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method == "POST" and match is not None and match.url_name in SIGN_OUTS:
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response
