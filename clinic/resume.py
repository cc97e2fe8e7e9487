"""Picking up a page's work after its session ended (signed out while idle, or in
another tab).

Every signed-in page carries a stamp: an opaque digest of the account and of the
context the page was made in (the active clinic for staff, the patient record for a
patient). What a person typed stays in the page's memory while they sign in again
elsewhere (form-keeper.js); before it is sent, the page asks `check` whether the new
session is the same account in the same context. Only then is the submission made,
once. The stamp names no one and holds no patient data.

A form sent without a session, by a page whose script did not hold it (scripts off or not
loaded yet, an old page), is not saved: `sent_without_a_session` answers it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from clinic import page_stamps, permissions
from clinic.actors import Actor
from clinic.services import clinic_switch

OK, SIGNED_OUT, OTHER = "ok", "signed-out", "other"
NOT_SAVED = _(
    "You were signed out to keep patient data safe, so what you sent was not saved. "
    "Please sign in and send it again."
)
# Where signing in after a form sent without a session leads. Kept in the session, whose
# data a sign-in (with its two-factor step) keeps.
LANDING = "limber_landing"


def page_stamp(request: HttpRequest) -> str:
    """The stamp of the page being rendered; empty when signed out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    membership = getattr(request, "membership", None)
    patient = getattr(request, "patient", None)
    if membership is not None:
        return page_stamps.stamp(user.pk, page_stamps.of_clinic(membership.clinic))
    if patient is not None:
        return page_stamps.stamp(user.pk, page_stamps.of_patient(patient))
    return page_stamps.stamp(user.pk, page_stamps.ACCOUNT)


def check(request: HttpRequest, stamp: str) -> str:
    """OK when the session now open is the page's account in the page's context.

    A staff member of several clinics works in one at a time. One who signed in again has
    not chosen a clinic yet; one who switched clinic in another tab has chosen another.
    Either way the page was made in a clinic where they still work and they are sending
    its work: that clinic becomes the active clinic again (audited like any switch), and
    nothing they typed is lost. Any other account, or a clinic where they no longer
    work: OTHER.
    """
    user = request.user
    if not user.is_authenticated:
        return SIGNED_OUT
    if page_stamps.same(stamp, user.pk, page_stamps.ACCOUNT):
        return OK  # a page of the account itself (password, two-factor): no clinic to match
    memberships = permissions.staff_memberships(request)
    active = permissions.active_membership(request)
    if active is not None and page_stamps.same(
        stamp, user.pk, page_stamps.of_clinic(active.clinic)
    ):
        return OK
    for membership in memberships:
        if page_stamps.same(stamp, user.pk, page_stamps.of_clinic(membership.clinic)):
            request.session[permissions.ACTIVE_CLINIC] = str(membership.clinic.uuid)
            clinic_switch(actor=Actor.for_member(membership, request), membership=membership)
            return OK
    if memberships:
        return OTHER
    profile = permissions.patient_profile(user)
    if profile is not None and page_stamps.same(stamp, user.pk, page_stamps.of_patient(profile)):
        return OK
    return OTHER


def made_for_this_patient(request: HttpRequest, stamp: str) -> bool:
    """Whether a page with this stamp was made for the patient signed in now. A session
    log kept on a shared phone carries its page's stamp: sent after another patient
    signed in there, it is not theirs."""
    patient = getattr(request, "patient", None)
    return patient is not None and page_stamps.same(
        stamp, request.user.pk, page_stamps.of_patient(patient)
    )


def sent_without_a_session(request: HttpRequest) -> HttpResponse:
    """The sign-in page, for a form sent without a session: it says nothing was saved.

    Signing in then leads to the page the form was on (the path of a same-site Referer:
    its query may hold a search, such as a patient's name), else to the account's own area.
    Never to the address the form was sent to: after signing in, the browser GETs it, and
    many such addresses take only POSTs (a blank 405 page).
    """
    messages.warning(request, NOT_SAVED)
    page = page_sent_from(request)
    if page is None:
        return redirect(settings.LOGIN_URL)
    request.session[LANDING] = page
    return redirect_to_login(page)


def landed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The answer to a signed-in request, looked at once more on the LANDING page. A
    form sent back with its errors is shown at the address it was sent to: the page it
    was on may take only POSTs. Then the account's own area, not a blank 405 page."""
    if request.session.get(LANDING) != request.path or request.method != "GET":
        return response
    del request.session[LANDING]
    if response.status_code == 405:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return response


def page_sent_from(request: HttpRequest) -> str | None:
    referer = request.headers.get("Referer", "")
    host = request.get_host()
    if not url_has_allowed_host_and_scheme(referer, {host}, require_https=request.is_secure()):
        return None
    path = urlsplit(referer).path
    # "//host/…" as a next would be another site's address.
    return path if path.startswith("/") and not path.startswith("//") else None
