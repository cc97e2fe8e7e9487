"""One-time links from a clinic to an e-mail address, and what using one does.

- A link names a clinic and an offer (join the staff, or use a patient record), never an
  account. Its token is random; only the token's SHA-256 is stored.
- Using it for an address with no login creates the login with the password its holder
  chooses. For an address that already has a login, it is a request that the owner
  accepts after signing in as usual (password and second factor): it never sets or
  resets a password, and never re-activates an account.
- What accepting grants is decided by the app that owns it (staff here, patient records
  in `patients`), registered in ACCEPTORS: `clinic` knows nothing of patients.
- Issuing a link revokes earlier unused links of the same offer and channel only, so an
  e-mailed link does not void a printed sheet.
- An e-mailed link is queued with the invitation (invitation_email_queue) and made only
  when the worker sends the e-mail: the queued e-mail holds a slot, never the link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext

from clinic import audit
from clinic.actors import Actor
from clinic.links import absolute_url
from clinic.mail import fill, queue_templated, slot
from clinic.models import Clinic, Invitation, OutgoingEmail, User

# Tokens longer than this are refused before they are hashed.
MAX_TOKEN_LENGTH = 100


class InvitationError(Exception):
    """The link cannot be used as asked; the message is shown to the person holding it."""


NO_LONGER_VALID = "This link is no longer valid. Ask your clinic for a new one."


class Acceptor(Protocol):
    def describe(self, invitation: Invitation) -> str:
        """What accepting gives, e.g. "join Clinic A's staff as Clinician"."""

    def check(self, invitation: Invitation, user: User | None) -> None:
        """Raise InvitationError if the offer no longer stands, or `user` (None for a
        login made by accepting) may not have it."""

    def accept(self, invitation: Invitation, user: User, actor: Actor) -> None:
        """Grant the offer to `user`, audited, inside the caller's transaction."""


ACCEPTORS: dict[str, Acceptor] = {}


def register(kind: str, acceptor: Acceptor) -> None:
    ACCEPTORS[kind] = acceptor


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_issue(
    *,
    actor: Actor,
    kind: str,
    channel: str,
    email: str,
    clinic: Clinic,
    role: str = "",
    full_name: str = "",
    patient_uuid: Any = None,
) -> tuple[Invitation, str]:
    """A new link (and its token, which is not stored). Earlier unused links for the same
    offer and channel are revoked. The caller audits what it did with it."""
    # One link at a time per clinic: two at once would each revoke the links they saw
    # (none) and both be usable, where a new link replaces the last.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    now = timezone.now()
    email = email.strip().lower()
    earlier = Invitation.objects.usable().filter(clinic=clinic, kind=kind, channel=channel)
    if kind == Invitation.Kind.PATIENT:
        earlier = earlier.filter(patient_uuid=patient_uuid)
    else:
        earlier = earlier.filter(email=email)
    earlier.update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        clinic=clinic,
        kind=kind,
        channel=channel,
        email=email,
        full_name=full_name,
        role=role,
        patient_uuid=patient_uuid,
        token_hash=token_hash(token),
        created_by=actor.user if actor.is_user else None,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    return invitation, token


def invitation_find(token: str | None) -> Invitation | None:
    """The usable invitation for this token, or None (unknown, used, revoked, expired)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Invitation.objects.usable()
        .select_related("clinic", "created_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def account_for(invitation: Invitation) -> User | None:
    """The login that already uses the invitation's address, if any."""
    return User.objects.filter(email__iexact=invitation.email).first()


def invitations_revoke(queryset, *, actor: Actor | None = None, **audit_args: Any) -> int:
    """Revoke the usable invitations in `queryset`; audited when an actor is given."""
    revoked = queryset.usable().update(revoked_at=timezone.now())
    if revoked and actor is not None:
        audit.record(actor, "invitation.revoke", **audit_args)
    return revoked


# Where an e-mailed invitation's link goes. The e-mail waits in the database (and in its
# backups) until the mail server takes it, and the database holds no live link, only
# tokens' hashes: the worker makes the link, with a new token, as it sends the e-mail.
LINK_SLOT = "invitation-link"


def invitation_email_queue(
    *,
    invitation: Invitation,
    subject: str | Promise,
    template: str,
    context: dict,
    language: str | None = None,
) -> OutgoingEmail:
    """Queue the e-mail that carries `invitation`'s link (`link` in the template), in the
    caller's transaction: saved together with the invitation, or not at all. `subject`
    may be a lazy translation, made in `language`. A patient's invitation e-mail names
    the patient, so their chart lists it with its status."""
    return queue_templated(
        clinic=invitation.clinic,
        patient_uuid=invitation.patient_uuid,
        kind=OutgoingEmail.Kind.INVITATION,
        to=invitation.email,
        subject=subject,
        template=template,
        context=context | {"link": slot(LINK_SLOT)},
        language=language,
        dedupe_key=_email_key(invitation),
        about={"invitation": invitation.pk},
    )


def _email_key(invitation: Invitation) -> str:
    return f"invitation:{invitation.uuid}"


def invitation_email_body(email: OutgoingEmail) -> str | None:
    """clinic.mail.BODY_HOOKS: the queued body with a working link in its slot, or None if
    the invitation can no longer be used. The link's token is derived from the server's
    secret and the e-mail (never stored, only its hash): every sending of one e-mail (a
    retry after a reply the mail server lost, emails_resume after a worker died) sends
    the same link, so a copy already delivered keeps working."""
    token = salted_hmac(
        "limber.invitation-email", f"{email.pk}:{email.about.get('invitation')}", algorithm="sha256"
    ).hexdigest()
    usable = Invitation.objects.usable().filter(pk=email.about.get("invitation"))
    if not usable.update(token_hash=token_hash(token)):
        return None
    return fill(email.body, LINK_SLOT, absolute_url("invitation_open", token))


def invitation_email_stopped(email: OutgoingEmail) -> str:
    """clinic.mail.STOP_CHECKS: not for a link that would no longer work when used."""
    invitation = (
        Invitation.objects.usable()
        .select_related("clinic")
        .filter(pk=email.about.get("invitation"))
        .first()
    )
    if invitation is None:
        return gettext("the invitation was cancelled, replaced or used")
    try:
        ACCEPTORS[invitation.kind].check(invitation, None)
    except InvitationError as error:
        return str(error)
    return ""


def invitations_with_emails(invitations) -> list[tuple[Invitation, OutgoingEmail | None]]:
    """Each invitation with the e-mail that carries it (None for one never e-mailed)."""
    invitations = list(invitations)
    emails = {
        email.dedupe_key: email
        for email in OutgoingEmail.objects.filter(
            dedupe_key__in=[_email_key(invitation) for invitation in invitations]
        )
    }
    return [(invitation, emails.get(_email_key(invitation))) for invitation in invitations]


def _locked(token: str) -> Invitation:
    invitation = (
        Invitation.objects.usable()
        .select_for_update()
        .select_related("clinic")
        .filter(token_hash=token_hash(token))
        .first()
        if token and len(token) <= MAX_TOKEN_LENGTH
        else None
    )
    if invitation is None:
        raise InvitationError(NO_LONGER_VALID)
    return invitation


def _locked_for(token: str, user: User) -> Invitation:
    """The usable invitation, locked, if it is for `user`'s own address."""
    invitation = _locked(token)
    if user.email.lower() != invitation.email:
        raise InvitationError(gettext("This invitation is for another e-mail address."))
    return invitation


def _audit(action: str, invitation: Invitation, user: User, actor: Actor) -> None:
    audit.record(
        Actor(user, actor.role, invitation.clinic, actor.ip),
        action,
        clinic=invitation.clinic,
        obj=invitation,
        target_user=user,
    )


def _finish(invitation: Invitation, user: User, actor: Actor) -> None:
    ACCEPTORS[invitation.kind].accept(invitation, user, actor)
    invitation.used_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["used_at", "accepted_by"])
    _audit("invitation.accept", invitation, user, actor)


SIGN_IN_FIRST = "This address already has a Limber login. Sign in with it to accept."


def invitation_accept_as_new(*, token: str, password: str, actor: Actor) -> User:
    """Create the login for the invitation's address with `password`, and accept.

    Refused when the address has a login by now: that owner accepts by signing in.
    """
    try:
        with transaction.atomic():
            invitation = _locked(token)
            if account_for(invitation) is not None:
                raise InvitationError(SIGN_IN_FIRST)
            ACCEPTORS[invitation.kind].check(invitation, None)
            user = User.objects.create_user(
                email=invitation.email,
                password=password,
                full_name=invitation.full_name,
                # A printed link proves the sheet, not the mailbox (clinic.sheet_passwords).
                password_from_sheet=invitation.channel == Invitation.Channel.PRINT,
            )
            _finish(invitation, user, actor)
    except IntegrityError as error:
        # The same address got a login at the same moment (another invitation, say).
        raise InvitationError(SIGN_IN_FIRST) from error
    return user


@transaction.atomic
def invitation_accept_signed_in(*, token: str, user: User, actor: Actor) -> Invitation:
    """Accept for the signed-in owner of the invitation's address."""
    invitation = _locked_for(token, user)
    ACCEPTORS[invitation.kind].check(invitation, user)
    _finish(invitation, user, actor)
    return invitation


@transaction.atomic
def invitation_decline(*, token: str, user: User, actor: Actor) -> None:
    invitation = _locked_for(token, user)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _audit("invitation.decline", invitation, user, actor)
