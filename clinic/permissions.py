"""The one place that answers "may this user see or change this?".

Rules:
- A staff member works in one active clinic at a time, chosen explicitly and kept in the
  session. Every staff view works in that clinic only: rows of other clinics do not
  exist there (404, never 403).
- Views declare the capability they need (clinic.capabilities); a role without it gets
  403. Templates show navigation and buttons by the same capability names.
- Patients reach only the patient area, which takes no object ids from the URL: it
  always works on `request.patient`, the signed-in account's own active record.
- Everything is denied by default: every view carries one of the decorators below, and
  the permission matrix test fails on a URL whose view declares none.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from clinic import audit, page_stamps
from clinic.actors import Actor
from clinic.capabilities import CAPABILITIES, capabilities_of
from clinic.languages import patient_language
from clinic.models import Membership, User
from clinic.parsing import parse_uuid

if TYPE_CHECKING:
    from clinic.models import Clinic
    from patients.models import Patient

ViewFunc = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)


class ClinicRequest(HttpRequest):
    """A request as the decorators below leave it. Only for type checking: they set these
    attributes on Django's own request object, and views annotate with this class."""

    membership: Membership
    clinic: Clinic
    actor: Actor
    patient: Patient
    _limber_memberships: list[Membership]


# The session key holding the active clinic's public id.
ACTIVE_CLINIC = "limber_active_clinic"

# Who a view is for, besides staff views (which declare a capability instead).
PUBLIC, MEMBER, PATIENT = "public", "member", "patient"


# Whether the signed-in account held a staff membership when last looked up, kept in the
# session so that the patient area's pages need not look it up (see is_staff_account).
STAFF_SEEN = "limber_staff_seen"
PATIENT_AREA = "/me/"


def staff_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's active memberships, one query per request."""
    cached = cast(ClinicRequest, request)  # any request: the cache is set on first use
    if not hasattr(cached, "_limber_memberships"):
        user = request.user
        cached._limber_memberships = (
            list(
                Membership.objects.active()
                .filter(user=user)
                .select_related("clinic")
                .order_by("clinic__name", "clinic_id")
            )
            if user.is_authenticated
            else []
        )
        # The account is loaded already: joined again, its columns were a fifth of the
        # query's cost on every staff page.
        for membership in cached._limber_memberships:
            membership.user = cast(User, user)
        if user.is_authenticated:
            note_staff(request, bool(cached._limber_memberships))
    return cached._limber_memberships


def note_staff(request: HttpRequest, staff: bool) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.get(STAFF_SEEN) != staff:
        session[STAFF_SEEN] = staff


def is_staff_account(request: HttpRequest) -> bool:
    """Whether the account may open staff pages: for the staff idle limit and two-factor
    enrolment, which the middleware decides on every request.

    In the patient area it is read from the session (noted at sign-in and by every staff
    page's own lookup) rather than looked up on each request: those pages show no staff
    data, so a membership granted during the session counts there from the next staff
    page on, where the lookup is always made (and enrolment enforced) before the view.
    """
    if request.path.startswith(PATIENT_AREA):
        seen = request.session.get(STAFF_SEEN)
        if seen is not None:
            return seen
    return bool(staff_memberships(request))


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership of the clinic this staff member is working in, or None when they
    have none, or several and have not chosen one yet."""
    memberships = staff_memberships(request)
    chosen = request.session.get(ACTIVE_CLINIC)
    for membership in memberships:
        if str(membership.clinic.uuid) == chosen:
            return membership
    if len(memberships) == 1 and chosen is None:
        # Nothing to choose; the session is not written on every request for it.
        return memberships[0]
    # Several, or a clinic chosen where they no longer work: their other clinic is never
    # put in its place unasked, or a page of the clinic left would save there (a new
    # patient typed for one clinic was created in the other).
    return None


def patient_profile(user: Any) -> Any | None:
    """The signed-in account's active patient record, or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_limber_patient"):
        # At most one active record per login (patient_one_active_record_per_login), so
        # no ORDER BY: the model's name ordering cost Django more to compile than the read.
        rows = user.patient_records.active().select_related("clinic").order_by()[:1]
        user._limber_patient = next(iter(rows), None)
    return user._limber_patient


def holds(user_id: Any, clinic_id: Any, capability: str) -> bool:
    """Whether the account has `capability` in the clinic now (an active membership of an
    active account), looked up afresh: for a right relied on after the request that used
    it, such as an invitation speaking for the member who made it."""
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}: declare it in clinic.capabilities.")
    if user_id is None:
        return False
    role = (
        Membership.objects.active()
        .filter(user_id=user_id, clinic_id=clinic_id)
        .values_list("role", flat=True)
        .first()
    )
    return role is not None and capability in capabilities_of(role)


def _record_denial(request: HttpRequest, actor: Actor) -> None:
    match = getattr(request, "resolver_match", None)
    # Keep which page was refused; the route name carries no patient data.
    audit.denied(actor, object_type="view", object_id=match.view_name if match else "")


def _deny(request: HttpRequest, actor: Actor) -> NoReturn:
    _record_denial(request, actor)
    raise PermissionDenied


def no_access(request: HttpRequest) -> HttpResponse:
    """For a login that opens neither a clinic's pages nor a patient record: what that
    means and what to do, in the person's language. A patient whose record's address the
    clinic put right, or whose record was archived, got "You cannot open this page" from
    their own bookmark (found by the review of the day's diff)."""
    from clinic.adapters import language_for  # allauth's adapter: only for this rare page

    with translation.override(language_for(getattr(request.user, "email", ""))):
        return _rendered(render(request, "registration/no_access.html", status=403))


def _mark(wrapper: ViewFunc, **attributes: Any) -> ViewFunc:
    for name, value in attributes.items():
        setattr(wrapper, name, value)
    return wrapper


def _refuse_non_members(request: HttpRequest) -> HttpResponse | None:
    """To the sign-in page when signed out; 403 for an account with no active membership."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not staff_memberships(request):
        _deny(request, Actor.visitor(request))
    return None


class ReadOnlyRecord(Exception):
    """Raised by a getter when a POST would change a record that is read-only (an archived
    patient's): the staff view answers with `message` at `location`, whatever view it was.
    One rule in the getter, so a new view cannot forget it."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.message, self.location = message, location


def staff_required(capability: str) -> Callable[[ViewFunc], ViewFunc]:
    """Portal views: an active clinic chosen, and a role with `capability` there."""
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}: declare it in clinic.capabilities.")

    def decorator(func: ViewFunc) -> ViewFunc:
        @functools.wraps(func)
        def wrapper(request: ClinicRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = _refuse_non_members(request)
            if refused is not None:
                return refused
            membership = active_membership(request)
            if membership is None:
                if request.session.get(ACTIVE_CLINIC):
                    messages.warning(
                        request,
                        _(
                            "You no longer work in the clinic you were working in. Nothing "
                            "was saved. Choose the clinic to work in now."
                        ),
                    )
                return redirect_to_choose_clinic(request)
            request.membership = membership
            request.clinic = membership.clinic
            request.actor = Actor.for_member(membership, request)
            if _sent_from_another_clinic(request, membership):
                return _page_of_another_clinic(request, membership)
            if capability not in capabilities_of(membership.role):
                _deny(request, request.actor)
            # The clinic's own day and clock: "today" in its forms, the times its pages show.
            with timezone.override(membership.clinic.tzinfo):
                try:
                    return _rendered(func(request, *args, **kwargs))
                except ReadOnlyRecord as read_only:
                    messages.error(request, read_only.message)
                    if getattr(request, "htmx", False):
                        return HttpResponseClientRedirect(read_only.location)
                    return redirect(read_only.location)

        return _mark(wrapper, required_capability=capability)

    return decorator


def _sent_from_another_clinic(request: HttpRequest, membership: Membership) -> bool:
    """A page made while another clinic was active, sent now: a tab left open on clinic A
    after switching to B in another would have written into B (a patient added, an API
    token made, an admin invited there). Pages check before sending (form-keeper.js,
    through clinic.resume, switches back), but not without scripts, nor when the clinic
    changes again between that check and the send; this check is the one that holds.
    A request with no stamp is no page's (every form and htmx request of ours carries
    one: clinic.page_stamps): an API client's, a test's. An account page's stamp (no
    clinic) names no clinic to mismatch."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    sent = page_stamps.sent_with(request)
    user_pk = membership.user_id  # the account signed in: its membership was looked up
    return bool(sent) and not (
        page_stamps.same(sent, user_pk, page_stamps.of_clinic(membership.clinic))
        or page_stamps.same(sent, user_pk, page_stamps.ACCOUNT)
    )


def _page_of_another_clinic(request: HttpRequest, active: Membership) -> HttpResponse:
    """Nothing saved, said plainly, and the clinic chooser: choosing the page's clinic
    leads back to the page (its work has to be entered again; this is the rare case the
    page's own check could not catch)."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from clinic.resume import page_sent_from  # it imports this module

    sent = page_stamps.sent_with(request)
    page_clinic = next(
        (
            m.clinic
            for m in staff_memberships(request)
            if page_stamps.same(sent, active.user_id, page_stamps.of_clinic(m.clinic))
        ),
        None,
    )
    messages.error(
        request,
        _(
            "Nothing was saved: that page was for {page}, and you have since switched to "
            "{active} in another tab or window. Choose {page} to go back to it."
        ).format(page=page_clinic.name, active=active.clinic.name)
        if page_clinic is not None
        else _("Nothing was saved: that page was not made for {active}.").format(
            active=active.clinic.name
        ),
    )
    chooser = reverse("clinic_choose")
    if page_clinic is not None and (page := page_sent_from(request)):
        chooser = f"{chooser}?{urlencode({'next': page})}"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(chooser)
    return redirect(chooser)


def _rendered(response: HttpResponse) -> HttpResponse:
    """A template response rendered now, inside the view's language and time zone (which
    are reset when the view returns, so the next request on this thread starts clean)."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


def member_required(func: ViewFunc) -> ViewFunc:
    """Staff pages that come before choosing a clinic (the clinic chooser itself)."""

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _refuse_non_members(request) or func(request, *args, **kwargs)

    return _mark(wrapper, audience=MEMBER)


def patient_required(func: ViewFunc) -> ViewFunc:
    """Patient-area views: the signed-in account's own active patient record."""

    @functools.wraps(func)
    def wrapper(request: ClinicRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = patient_profile(request.user)
        if profile is None:
            if staff_memberships(request):
                _deny(request, Actor.visitor(request))
            _record_denial(request, Actor.visitor(request))
            return no_access(request)
        request.patient = profile
        request.clinic = profile.clinic
        request.actor = Actor.for_patient(profile, request)
        # Everything the patient sees is in their language (clinic.languages): the view
        # and its template render inside the override, and the language is reset after,
        # so the next request on this thread (a staff page) is not switched.
        # Their day and clock too: their time zone, else their clinic's.
        language = patient_language(profile.preferred_language)
        with translation.override(language), timezone.override(profile.tzinfo):
            request.LANGUAGE_CODE = language
            response = _rendered(func(request, *args, **kwargs))
        response.headers.setdefault("Content-Language", language)
        return response

    return _mark(wrapper, audience=PATIENT)


def public(func: ViewFunc) -> ViewFunc:
    """Pages anyone may open: sign-in helpers, health checks. Said out loud, not assumed."""
    return _mark(func, audience=PUBLIC)


def redirect_to_choose_clinic(request: HttpRequest) -> HttpResponse:
    from django.urls import reverse
    from django.utils.http import urlencode

    return redirect(f"{reverse('clinic_choose')}?{urlencode({'next': request.get_full_path()})}")


def get_in_clinic_or_404(
    request: ClinicRequest,
    queryset: QuerySet[M],
    value: Any,
    *,
    field: str = "uuid",
    clinic_field: str = "clinic",
) -> M:
    """The getter for every clinic-owned row a staff view touches, by its public id.

    `clinic_field` is the path from the row to its clinic. A malformed id, a row of
    another clinic and a row that does not exist are the same 404; the attempt is
    audited as denied.
    """
    key = parse_uuid(value)
    obj = None
    if key is not None:
        # The public id is unique: unordered, where first() would add an ORDER BY whose
        # compiling (Django hashes every selected column for it) costs more than the row.
        found = queryset.filter(**{clinic_field: request.clinic, field: key}).order_by()
        obj = next(iter(found[:1]), None)
    if obj is None:
        raise not_found(request, queryset.model._meta.model_name or "", value)
    return obj


def not_found(request: HttpRequest, object_type: str, value: Any) -> Http404:
    """Audit a refused lookup and return the 404 to raise."""
    actor = getattr(request, "actor", None) or Actor.visitor(request)
    audit.denied(actor, object_type=object_type, object_id=str(value)[:64])
    return Http404()
