"""Writes on the clinic's own records: staff, their roles and invitations, the clinic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils.translation import gettext

from clinic import audit, permissions, two_factor
from clinic.actors import Actor
from clinic.edits import EditedMeanwhile, ensure_unchanged, version_of
from clinic.invitations import (
    NO_LONGER_VALID,
    InvitationError,
    invitation_email_queue,
    invitation_issue,
    invitations_revoke,
    register,
)
from clinic.links import absolute_url
from clinic.mail import queue_templated
from clinic.models import Clinic, Invitation, Membership, OutgoingEmail, User
from clinic.storage import stored_then_saved


class StaffError(Exception):
    """A staff change that cannot be made; the message is shown to the admin."""


def _same_clinic(actor: Actor, clinic_id: Any) -> None:
    # Views only pass rows of the actor's clinic; this keeps a slip from crossing clinics.
    if actor.clinic is None or actor.clinic.pk != clinic_id:
        raise PermissionError("Staff changes are made only within one's own clinic.")


@transaction.atomic
def staff_invite(*, actor: Actor, email: str, full_name: str, role: str) -> Invitation:
    """Invite someone to join the actor's clinic: the invitation and its queued e-mail are
    saved together, and the worker sends the e-mail (retrying while the mail server is
    down), so the admin is told what was done.

    Whether the address already has a login is not looked at here, and nothing is said
    about it: the link decides when it is used (see clinic.invitations). Only this
    clinic's own staff list is checked.
    """
    clinic = actor.clinic
    email = email.strip().lower()
    if Membership.objects.filter(clinic=clinic, user__email__iexact=email, is_active=True).exists():
        raise StaffError(gettext("This person is already on your clinic's staff list."))
    # The link goes out with a token the worker makes as it sends the e-mail.
    invitation, _token = invitation_issue(
        actor=actor,
        kind=Invitation.Kind.STAFF,
        channel=Invitation.Channel.EMAIL,
        email=email,
        clinic=clinic,
        role=role,
        full_name=full_name,
    )
    audit.record(actor, "staff.invite", obj=invitation)
    invitation_email_queue(
        invitation=invitation,
        subject=gettext("You have been invited"),
        template="emails/staff_invitation.txt",
        context={"clinic": clinic, "inviter": actor.user},
    )
    return invitation


@transaction.atomic
def staff_invitation_cancel(*, actor: Actor, invitation: Invitation) -> bool:
    """False when there was nothing to cancel: the invitation was accepted, cancelled or
    expired meanwhile."""
    _same_clinic(actor, invitation.clinic_id)
    revoked = invitations_revoke(
        Invitation.objects.filter(pk=invitation.pk), actor=actor, obj=invitation
    )
    return revoked > 0


class StaffAcceptor:
    """What a staff invitation grants: a membership in its clinic, with its role."""

    def describe(self, invitation: Invitation) -> str:
        role = Membership.Role(invitation.role).label
        return gettext("join the staff of {clinic} as {role}").format(
            clinic=invitation.clinic.name, role=role
        )

    def check(self, invitation: Invitation, user: User | None) -> None:
        if invitation.role not in Membership.Role.values:
            raise InvitationError(NO_LONGER_VALID)
        # The invitation speaks for the member who made it, and only while they may still
        # invite. Checked here, when the link is used, so that every way of losing that
        # right counts: deactivated or demoted on the staff page (which also revokes their
        # links, see _revoke_invitations_made_by), a membership changed or removed in the
        # Django admin, an account switched off.
        if not permissions.holds(invitation.created_by_id, invitation.clinic_id, "staff.manage"):
            raise InvitationError(
                gettext(
                    "The person who sent this invitation can no longer invite staff to "
                    "{clinic}, so it no longer works. Ask the clinic for a new invitation."
                ).format(clinic=invitation.clinic.name)
            )
        if user is not None and (
            Membership.objects.filter(user=user, clinic=invitation.clinic, is_active=True).exists()
        ):
            raise InvitationError(gettext("You are already on this clinic's staff."))

    def accept(self, invitation: Invitation, user: User, actor: Actor) -> None:
        membership, created = Membership.objects.get_or_create(
            user=user, clinic=invitation.clinic, defaults={"role": invitation.role}
        )
        if not created:
            membership.role = invitation.role
            membership.is_active = True
            membership.save(update_fields=["role", "is_active"])
        audit.record(
            Actor(user, membership.role, invitation.clinic, actor.ip),
            "staff.join",
            obj=membership,
            target_user=user,
        )


register(Invitation.Kind.STAFF, StaffAcceptor())


def _guard_not_self(actor: Actor, membership: Membership) -> None:
    _same_clinic(actor, membership.clinic_id)
    if membership.user_id == actor.user.pk:
        raise StaffError(gettext("You cannot change your own role or access. Ask another admin."))


def _guard_an_admin_stays(actor: Actor, membership: Membership, *, stays_admin: bool) -> None:
    """Checked with the clinic's admins locked, so two admins removing each other at the
    same moment are settled one after the other: the actor must still manage staff when
    the change is written, and the clinic keeps one active admin (else nobody could manage
    its staff or settings until the platform stepped in)."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(clinic_id=membership.clinic_id, role=Membership.Role.ADMIN)
        .active()
        .order_by("pk")
    )
    manages = actor.user is None or any(m.user_id == actor.user.pk for m in admins)
    if not manages and not permissions.holds(actor.user.pk, membership.clinic_id, "staff.manage"):
        raise StaffError(gettext("You no longer manage this clinic's staff."))
    if not stays_admin and [m.pk for m in admins] == [membership.pk]:
        raise StaffError(
            gettext("{user} is the clinic's only admin: make someone else admin first.").format(
                user=membership.user
            )
        )


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    _guard_not_self(actor, membership)
    _guard_an_admin_stays(actor, membership, stays_admin=role == Membership.Role.ADMIN)
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(actor, "staff.role_change", obj=membership, target_user=membership.user)
    _revoke_invitations_made_by(actor, membership)
    return membership


@transaction.atomic
def membership_set_active(*, actor: Actor, membership: Membership, active: bool) -> bool:
    """Deactivate or reactivate a staff member's access to this clinic; False if it
    already was (a second tab, a colleague meanwhile): nothing is written, or audited.

    Access ends at once: every request looks the membership up again. The account
    itself is left alone (the person may work at another clinic, or be a patient). This
    clinic's outstanding invitations to the address are revoked, and so are the staff
    invitations the member made.
    """
    _guard_not_self(actor, membership)
    current = Membership.objects.select_for_update().values_list("is_active", flat=True)
    if current.get(pk=membership.pk) == active:
        membership.is_active = active
        return False
    _guard_an_admin_stays(
        actor, membership, stays_admin=active or membership.role != Membership.Role.ADMIN
    )
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    if not active:
        invitations_revoke(
            Invitation.objects.filter(clinic=membership.clinic, email__iexact=membership.user.email)
        )
    action = "staff.reactivate" if active else "staff.deactivate"
    audit.record(actor, action, obj=membership, target_user=membership.user)
    _revoke_invitations_made_by(actor, membership)
    return True


def _revoke_invitations_made_by(actor: Actor, membership: Membership) -> None:
    """Once a member may no longer invite staff, revoke the staff invitations they made,
    audited. StaffAcceptor.check refuses those links anyway, however the right was lost;
    revoking them here takes them off the list of invitations, stops their e-mails still
    queued, and keeps them dead if the member is reactivated or made admin again."""
    if permissions.holds(membership.user_id, membership.clinic_id, "staff.manage"):
        return
    invitations_revoke(
        Invitation.objects.filter(
            clinic_id=membership.clinic_id,
            kind=Invitation.Kind.STAFF,
            created_by_id=membership.user_id,
        ),
        actor=actor,
        obj=membership,
        target_user=membership.user,
    )


@transaction.atomic
def membership_set_digest(*, actor: Actor, membership: Membership, on: bool) -> None:
    """One's own weekly summary e-mail, in one's own clinic."""
    if membership.user_id != actor.user.pk:
        raise PermissionError("People choose their own e-mails.")
    membership.weekly_digest = on
    membership.save(update_fields=["weekly_digest"])
    audit.record(actor, "digest.update", obj=membership)


def _guard_account_is_this_clinics_alone(membership: Membership) -> None:
    """A sign-in's credentials belong to the account, not to one clinic's membership: a
    clinic may reset them only while it employs the person and the account opens no other
    clinic's records (as staff or as a patient). Otherwise one clinic's admin could strip
    the second factor that guards another clinic's patients."""
    if not membership.is_active:
        raise StaffError(
            gettext(
                "Reactivate {user} first: their sign-in is not this clinic's to reset now."
            ).format(user=membership.user)
        )
    user = membership.user
    if Membership.objects.filter(two_factor.signs_in_elsewhere(), pk=membership.pk).exists():
        raise StaffError(
            gettext(
                "{user} also signs in to another clinic's records, so their two-factor "
                "sign-in is not this clinic's alone to reset. Ask the platform team."
            ).format(user=user)
        )


def is_platform_account(user: User) -> bool:
    """An account of the platform team: its sign-in is theirs to manage, not a clinic's."""
    return user.is_superuser or user.is_staff


def two_factor_reset_offered(membership: Membership) -> bool:
    """Whether the staff list offers "Reset two-factor" for a member of a list read
    with_figures(): what two_factor_reset_check would refuse is not offered."""
    return (
        membership.is_active
        and membership.has_two_factor  # type: ignore[attr-defined]
        and not membership.signs_in_elsewhere  # type: ignore[attr-defined]
        and not is_platform_account(membership.user)
    )


def two_factor_reset_check(membership: Membership) -> None:
    """StaffError saying why the member's second factor is not this clinic's to reset; the
    page that asks first says it too, rather than ask for a reset that would be refused."""
    user = membership.user
    if is_platform_account(user):
        raise StaffError(
            gettext("This account's two-factor sign-in is managed by the platform team.")
        )
    _guard_account_is_this_clinics_alone(membership)


@transaction.atomic
def member_reset_two_factor(*, actor: Actor, membership: Membership) -> None:
    """For a colleague who lost their authenticator and recovery codes: remove their second
    factor, so they enrol again at their next password sign-in. Nobody resets their own:
    that takes a recovery code. Platform accounts are reset in the Django admin only."""
    _guard_not_self(actor, membership)
    two_factor_reset_check(membership)
    user = membership.user
    removed, _ = Authenticator.objects.filter(user=user).delete()
    if not removed:
        raise StaffError(gettext("{user} has no two-factor sign-in to reset.").format(user=user))
    audit.record(actor, "mfa.reset", obj=membership, target_user=user)
    # Queued with the reset, so a mail server that is down neither fails the request after
    # the reset was saved nor loses the notice: the worker retries it.
    queue_templated(
        clinic=actor.clinic,
        recipient=user,
        kind=OutgoingEmail.Kind.MFA_RESET,
        to=user.email,
        subject=gettext("Your two-factor sign-in was reset"),
        template="emails/two_factor_reset.txt",
        context={"clinic": actor.clinic, "login": absolute_url("account_login")},
    )


# What other apps do after the clinic's details change (patients re-renders handouts),
# called inside the saving transaction; registered in their AppConfig.ready.
CLINIC_UPDATED_HOOKS: list[Callable[[Clinic], None]] = []


def logo_version(clinic: Clinic | None) -> str:
    """Which logo a page showed (clinic_update's `logo_seen`)."""
    return version_of(clinic, ["logo"]) if clinic is not None and clinic.pk else ""


def clinic_update(
    *,
    actor: Actor,
    fields: dict,
    logo=None,
    seen: str | None = None,
    logo_seen: str | None = None,
) -> Clinic:
    """Contact details and handout branding. Saving bumps updated_at: stored handouts are
    made again. A new logo is stored before the change and removed if it fails; a logo
    the disk refuses saves nothing (StorageFailed). `seen`: the version of these fields
    the page showed, `logo_seen` that of its logo (logo_version); EditedMeanwhile
    (nothing saved, the logo neither) if another admin changed the fields since, or the
    logo when a new one is sent."""
    if logo is None:
        with transaction.atomic():
            return _clinic_write(actor, fields, None, seen, logo_seen)
    clinic = actor.clinic
    name = clinic.logo.field.generate_filename(clinic, f"{clinic.uuid}/{logo.name}")
    old = Clinic.objects.filter(pk=clinic.pk).values_list("logo", flat=True).first() or ""
    with stored_then_saved(name, logo, replaces=old) as stored:
        return _clinic_write(actor, fields, stored, seen, logo_seen)


def _clinic_write(
    actor: Actor,
    fields: dict,
    logo_name: str | None,
    seen: str | None,
    logo_seen: str | None,
) -> Clinic:
    clinic = Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
    ensure_unchanged(clinic, seen, fields)
    if logo_name is not None and logo_seen is not None and logo_seen != logo_version(clinic):
        raise EditedMeanwhile(clinic)
    for name, value in fields.items():
        setattr(clinic, name, value)
    if logo_name is not None:
        clinic.logo.name = logo_name
    clinic.updated_by = actor.user
    clinic.save()
    audit.record(actor, "clinic.update", obj=clinic)
    for hook in CLINIC_UPDATED_HOOKS:
        hook(clinic)
    return clinic


def clinic_switch(*, actor: Actor, membership: Membership) -> None:
    """Record that a member now works in `membership`'s clinic (the view keeps it in the
    session); audited in the clinic switched to."""
    audit.record(
        Actor(actor.user, membership.role, membership.clinic, actor.ip),
        "clinic.switch",
        obj=membership,
    )
