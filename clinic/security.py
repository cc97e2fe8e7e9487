"""Sign-in protection glue: which account an attempt was for, the account-wide throttle,
and the audit of failures.

django-axes counts failures per account and address (in the database) and locks that
pair out. On top of it, `AccountThrottleBackend` refuses password sign-ins for an account
that has had too many failures from all addresses together (clinic.throttle, also in the
database), so a guessing attack spread over many addresses is slowed as well. A paused
account can still sign in with an e-mailed code: that needs the mailbox.

allauth posts the e-mail address as "login" and passes it to authenticate() as "email",
so both are looked at.

allauth also keeps addresses in a table of its own (EmailAddress), which it looks at
before User.email; the receivers at the end keep that table to the account's own address.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.signals import authenticator_removed
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from clinic import audit, throttle
from clinic.actors import Actor
from clinic.models import AuditEvent, Membership, User


def attempted_login(request: Any, credentials: dict | None) -> str:
    """The account an attempt names, normalised so "Ann@X" and "ann@x" count together."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login", "")
    return str(value).strip().lower()[:254]


def _target(name: str) -> dict:
    # Which account was tried, by its opaque id only: no address or name in the log.
    user = User.objects.filter(email__iexact=name).first() if name else None
    return {"object_type": "user", "object_id": str(user.uuid)} if user else {}


class AccountThrottleBackend:
    """Refuses every password check for an account past PASSWORD_PER_ACCOUNT failures.

    Placed before the password backends: raising PermissionDenied stops authenticate()
    from asking them, and Django then reports the attempt as failed. It has no get_user:
    it never signs anyone in, so Django never keeps it as a session's backend.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        name = attempted_login(request, credentials)
        if name and throttle.exceeded(throttle.PASSWORD_PER_ACCOUNT, name):
            audit.record(
                Actor.visitor(request),
                "login.throttled",
                outcome=AuditEvent.Outcome.DENIED,
                **_target(name),
            )
            if request is not None:
                request.limber_throttled = True
            raise PermissionDenied
        if request is not None:
            # Past axes (which stops at the backend before this one) and this pause: the
            # password is checked now, so a failure is a guess that counts.
            request.limber_password_checked = True


@receiver(user_login_failed)
def count_and_audit_failed_login(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    name = attempted_login(request, credentials)
    if getattr(request, "limber_throttled", False):
        return  # already audited as throttled; a refused attempt does not extend the pause
    if request is not None and not getattr(request, "limber_password_checked", False):
        # Refused by axes: that account and address are locked out, and no password was
        # checked (audited as login.locked_out). Counted here, one address's refused
        # attempts paused the account at every address: a stranger kept its owner out.
        return
    if name:
        throttle.hit(throttle.PASSWORD_PER_ACCOUNT, name)
    audit.record(
        Actor.visitor(request),
        "login.failed",
        outcome=AuditEvent.Outcome.DENIED,
        **_target(name),
    )


def audit_lockout(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    audit.record(
        Actor.visitor(request),
        "login.locked_out",
        outcome=AuditEvent.Outcome.DENIED,
        **_target(username),
    )


@receiver(authenticator_removed)
def audit_second_factor_removed(
    sender: Any, request: Any = None, user: Any = None, **kwargs: Any
) -> None:
    """Its owner removed a second factor (where two-factor is not required of them:
    clinic.adapters.MFAAdapter): in each of their clinics' audit logs, as an admin's
    reset is."""
    memberships = Membership.objects.active().filter(user=user).select_related("clinic")
    for clinic in [m.clinic for m in memberships] or [None]:
        audit.record(Actor.visitor(request), "mfa.removed", clinic=clinic, target_user=user)


# --- allauth's addresses: the account's own only --------------------------------------
#
# An account is its e-mail address (README, identity model). allauth writes rows of its own
# EmailAddress table (anyone's "Forgot password" makes one) and looks an address up there
# before User.email. A row left naming an address taken off the account (in the Django
# admin, say) sent that address the account's reset links and sign-in codes, and a code
# confirmed from it wrote the old address back into User.email (allauth's verify_email
# makes the row primary, which copies its address to the account).


def forget_other_addresses(user_ids: Iterable[int]) -> None:
    """Delete allauth's rows for these accounts that name any address but their own."""
    EmailAddress.objects.filter(user_id__in=list(user_ids)).exclude(email=F("user__email")).delete()


@receiver(post_save, sender=User, dispatch_uid="limber-account-address")
def account_address_changed(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    # Every save that may change the address, whoever makes it. A queryset's update()
    # or bulk_update() sends no signal: UserQuerySet calls forget_other_addresses itself.
    if update_fields is None or "email" in update_fields:
        forget_other_addresses([instance.pk])


@receiver(pre_save, sender=EmailAddress, dispatch_uid="limber-allauth-address")
def allauth_address_saved(
    sender: Any, instance: EmailAddress, raw: bool = False, **kwargs: Any
) -> None:
    """A row about to be saved names its account's address as it is now. One written from
    an account read before its address changed (a reset asked at that moment) is pointed
    at the new address instead, and claims nothing: allauth then copies the account's own
    address, never the old one, into User.email."""
    if raw:
        return
    own = User.objects.filter(pk=instance.user_id).values_list("email", flat=True).first()
    if own is None or instance.email == own:
        return
    EmailAddress.objects.filter(user_id=instance.user_id, email=own).exclude(
        pk=instance.pk
    ).delete()
    instance.email = own
    instance.verified = instance.primary = False
