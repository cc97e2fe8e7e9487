"""Using an invitation link: the one page a staff or patient invitation leads to.

- The link's token moves into the session at once, so the address bar, browser history,
  Referer headers and access logs keep only /invite/.
- For an address with no login yet, the holder chooses a password; the new login then
  signs in through allauth's stages, like any other sign-in.
- For an address that has a login, the owner signs in as usual (password and second
  factor), comes back, and accepts or declines. Nothing else is offered.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, once, permissions
from clinic.actors import Actor
from clinic.forms import InvitationPasswordForm
from clinic.invitations import (
    ACCEPTORS,
    MAX_TOKEN_LENGTH,
    InvitationError,
    account_for,
    invitation_accept_as_new,
    invitation_accept_signed_in,
    invitation_decline,
    invitation_find,
)
from clinic.models import AuditEvent, Invitation, User

# The session key that holds the invitation token between the link and the form.
SESSION_TOKEN = "limber_invitation"  # noqa: S105 - a key name, not a secret
# The password form sent twice (a double click): the first sending made the account.
ACCOUNT_READY = gettext_lazy(
    "Your account is ready: that form was sent twice. Sign in with the password you chose."
)


def _sent_twice(request: HttpRequest) -> str:
    """What a replayed sending is told: the password page's made an account; the Accept
    or Decline page's did what it asked (once.ALREADY_SAVED)."""
    return str(once.ALREADY_SAVED if "choice" in request.POST else ACCOUNT_READY)


@permissions.public
@never_cache
@require_GET
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    request.session[SESSION_TOKEN] = token[:MAX_TOKEN_LENGTH]
    return redirect("invitation_accept")


@permissions.public
@never_cache
@require_POST
def invitation_sign_out(request: HttpRequest) -> HttpResponse:
    """The invitation page's "Sign out", for a link opened where someone else is signed in
    (a shared computer). Signing out empties the session, which held the link's token: the
    page then said the unused link could not be used. This keeps the token, so the invitee
    signs in with their own login and comes back to accept. It is only the browser's link,
    as before: nothing is accepted without the invitee's own sign-in."""
    token = request.session.get(SESSION_TOKEN)
    logout(request)
    if token:
        request.session[SESSION_TOKEN] = token
    return redirect("invitation_accept")


def _invalid(request: HttpRequest, message: str = "") -> HttpResponse:
    request.session.pop(SESSION_TOKEN, None)
    return render(request, "registration/invitation_invalid.html", {"message": message}, status=410)


@permissions.public
@never_cache
@require_http_methods(["GET", "POST"])
@once.replays(again=_sent_twice, signs_in=True)
def invitation_accept(request: HttpRequest) -> HttpResponse:
    # Its forms are saved once under page_key(signs_in=True), whoever is signed in: the
    # password page's first sending signs in, and one key serves both pages.
    token = request.session.get(SESSION_TOKEN)
    if not token:
        # No link was opened in this session (it ended at the idle limit, say): nothing
        # is known of any link, which may well still work. Saying it "cannot be used" sent
        # people to ask their clinic for a new one.
        return render(
            request, "registration/invitation_invalid.html", {"no_link": True}, status=410
        )
    invitation = invitation_find(token)
    if invitation is None:
        return _invalid(request)
    # A patient's invitation page is in the language they will see (the acceptor knows it);
    # staff invitations stay in the site's language.
    language = getattr(ACCEPTORS[invitation.kind], "language", lambda _invitation: None)
    with translation.override(language(invitation) or settings.LANGUAGE_CODE):
        return _accept(request, invitation, token)


def _accept(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    owner = account_for(invitation)
    try:
        ACCEPTORS[invitation.kind].check(invitation, None)
    except InvitationError as error:
        return _invalid(request, str(error))
    if owner is None:
        return _choose_password(request, invitation, token)
    return _accept_as_owner(request, invitation, token, owner)


def _context(invitation: Invitation, **extra) -> dict:
    return {
        "invitation": invitation,
        "offer": ACCEPTORS[invitation.kind].describe(invitation),
        **extra,
    }


def _choose_password(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    unsaved = User(email=invitation.email, full_name=invitation.full_name)
    form = InvitationPasswordForm(unsaved, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = Actor.visitor(request, clinic=invitation.clinic)
        made: list[User] = []

        def accept() -> str:
            made.append(
                invitation_accept_as_new(
                    token=token, password=form.cleaned_data["new_password1"], actor=actor
                )
            )
            # Where a second sending of this page goes: the first one signed in on a
            # session the second does not carry.
            return reverse("account_login")

        try:
            location, first = once.send_once(once.page_key(request, signs_in=True), accept)
        except InvitationError as error:
            if account_for(invitation) is not None:
                messages.info(request, str(error))
                return redirect("invitation_accept")
            return _invalid(request, str(error))
        if not first:
            messages.info(request, ACCOUNT_READY)
            return redirect(location)
        user = made[0]
        if request.user.is_authenticated:
            logout(request)  # someone else was signed in on this browser
        request.session.pop(SESSION_TOKEN, None)
        messages.success(request, _("Your password is set. Welcome to Limber."))
        # The same stages as every sign-in (two-factor enrolment follows for staff).
        return perform_password_login(
            request, {"email": user.email}, Login(user=user, email=user.email)
        )
    return render(request, "registration/invitation_accept.html", _context(invitation, form=form))


def _accept_as_owner(
    request: HttpRequest, invitation: Invitation, token: str, owner: User
) -> HttpResponse:
    if not request.user.is_authenticated or request.user.pk != owner.pk:
        return render(
            request,
            "registration/invitation_sign_in.html",
            _context(
                invitation, signed_in_as=request.user if request.user.is_authenticated else None
            ),
        )
    actor = Actor.visitor(request, clinic=invitation.clinic)
    try:
        ACCEPTORS[invitation.kind].check(invitation, owner)
    except InvitationError as error:
        audit.record(
            actor,
            "invitation.refused",
            obj=invitation,
            target_user=owner,
            outcome=AuditEvent.Outcome.DENIED,
        )
        return _invalid(request, str(error))
    if request.method == "POST":
        choice = request.POST.get("choice")
        if choice not in ("accept", "decline"):
            return redirect("invitation_accept")

        def answer() -> str:
            if choice == "accept":
                invitation_accept_signed_in(token=token, user=owner, actor=actor)
            else:
                invitation_decline(token=token, user=owner, actor=actor)
            return reverse("home")

        # A double click: the second sending goes where the first went. once.replays
        # answers it when the first is done; one that came in meanwhile (the link still
        # usable as it started) loses the invitation's lock and is answered here, not
        # with "This link cannot be used".
        try:
            location, first = once.send_once(once.page_key(request, signs_in=True), answer)
        except InvitationError as error:
            return _invalid(request, str(error))
        # The same session changes either way: the one saved last must not bring the
        # token back, nor drop the clinic just joined.
        request.session.pop(SESSION_TOKEN, None)
        if choice == "accept" and invitation.kind == Invitation.Kind.STAFF:
            # Start working in the clinic just joined.
            request.session[permissions.ACTIVE_CLINIC] = str(invitation.clinic.uuid)
        if not first:
            messages.info(request, once.ALREADY_SAVED)
        elif choice == "decline":
            messages.info(request, _("You declined the invitation. Nothing was changed."))
        else:
            messages.success(request, _("Done. Welcome."))
        return redirect(location)
    return render(request, "registration/invitation_confirm.html", _context(invitation))
