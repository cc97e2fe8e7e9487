"""What each staff role may do, as named capabilities: the one table of access.

Views declare the capability they need (`@permissions.staff_required("patients.view")`),
templates show navigation and buttons by the same names (`{% if "audit.view" in caps %}`),
and the permission matrix test derives its expected answers from this table. A new role
is a new row here; a new kind of action is a new capability here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clinic.models import Membership

# Capability name -> what it allows, in the words shown to clinic admins.
CAPABILITIES: dict[str, str | Promise] = {
    "patients.view": _("See the patient list and patients' contact details"),
    "patients.edit": _("Add patients, change their details, archive and restore them"),
    "patients.invite": _("Send or print patient sign-in invitations, and cancel them"),
    "clinical.view": _("See exercise logs, pain, adherence, flags, measures and questionnaires"),
    "clinical.record": _("Record measures and questionnaires, and review flags"),
    "programs.edit": _("Build and change patients' programs and the clinic's templates"),
    "handouts.print": _("Print or e-mail a patient's handout"),
    "library.view": _("Browse the exercise library"),
    "library.edit": _("Add and change the clinic's own exercises"),
    "staff.manage": _("Invite staff, change roles, deactivate staff, reset two-factor sign-in"),
    "audit.view": _("Read the clinic's audit log"),
    "clinic.configure": _("Change the clinic's details and handout branding"),
}

_FRONT_DESK = frozenset(
    {"patients.view", "patients.edit", "patients.invite", "handouts.print", "library.view"}
)
_CLINICIAN = _FRONT_DESK | {"clinical.view", "clinical.record", "programs.edit"}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Membership.Role.ADMIN: frozenset(CAPABILITIES),
    Membership.Role.CLINICIAN: frozenset(_CLINICIAN),
    Membership.Role.FRONT_DESK: _FRONT_DESK,
}


def capabilities_of(role: str) -> frozenset[str]:
    """The capabilities of a role; an unknown role has none."""
    return ROLE_CAPABILITIES.get(role, frozenset())


def role_can(role: str, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}: declare it in clinic.capabilities.")
    return capability in capabilities_of(role)


def roles_that_can(capability: str) -> list[str]:
    return [role for role in ROLE_CAPABILITIES if role_can(role, capability)]


# Who may be a patient's clinician in charge: whoever sees their warning signs. A patient
# the front desk added was put in the receptionist's charge by default, and their urgent
# signs were then on no clinician's own list (found by the front-desk review).
IN_CHARGE = "clinical.view"
