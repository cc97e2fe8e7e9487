"""Writes on the clinic's own records: staff and their roles."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from clinic import audit
from clinic.invitations import invitation_create
from clinic.mail import send_templated
from clinic.models import Clinic, Membership, User


class StaffError(Exception):
    """A staff change that cannot be made; the message is shown to the admin."""


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    clinic: Clinic,
    email: str,
    full_name: str,
    role: str,
    base_url: str,
) -> Membership:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if hasattr(user, "patient_profile"):
            raise StaffError("This e-mail address belongs to a patient login. Use another one.")
        if Membership.objects.filter(user=user, clinic=clinic).exists():
            raise StaffError("This person is already on your clinic's staff list.")
    else:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    membership = Membership.objects.create(user=user, clinic=clinic, role=role)
    token = invitation_create(user=user, created_by=actor)
    audit.record(actor=actor, action="staff.invite", clinic=clinic, obj=membership, role="admin")
    link = base_url + reverse("invitation_accept", args=[token])
    transaction.on_commit(
        lambda: send_templated(
            to=email,
            subject="You have been invited",
            template="emails/staff_invitation.txt",
            context={"clinic": clinic, "link": link, "inviter": actor},
        )
    )
    return membership


def _guard_not_self(actor: User, membership: Membership) -> None:
    if membership.user_id == actor.pk:
        raise StaffError("You cannot change your own role or access. Ask another admin.")


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _guard_not_self(actor, membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        actor=actor,
        action="staff.role_change",
        clinic=membership.clinic,
        obj=membership,
        role="admin",
    )
    return membership


@transaction.atomic
def membership_set_active(*, actor: User, membership: Membership, active: bool) -> Membership:
    """Deactivate or reactivate a staff member's access to this clinic.

    A user left with no active membership is deactivated as a whole, which also
    ends their sessions: an inactive user is not authenticated on the next request.
    """
    _guard_not_self(actor, membership)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    user = membership.user
    has_other = (
        Membership.objects.filter(user=user, is_active=True).exclude(pk=membership.pk).exists()
    )
    user.is_active = active or has_other
    user.save(update_fields=["is_active"])
    action = "staff.reactivate" if active else "staff.deactivate"
    audit.record(actor=actor, action=action, clinic=membership.clinic, obj=membership, role="admin")
    return membership


@transaction.atomic
def clinic_update(*, actor: User, membership: Membership, fields: dict, logo=None) -> Clinic:
    """Contact details and handout branding. Saving bumps updated_at: cached handouts expire."""
    clinic = Clinic.objects.select_for_update().get(pk=membership.clinic_id)
    for name, value in fields.items():
        setattr(clinic, name, value)
    if logo is not None:
        old = clinic.logo.name if clinic.logo else ""
        clinic.logo.save(f"{clinic.uuid}/{logo.name}", logo, save=False)
        if old:
            transaction.on_commit(lambda: clinic.logo.storage.delete(old))
    clinic.save()
    audit.record(actor=actor, action="clinic.update", clinic=clinic, obj=clinic, role="admin")
    return clinic
