"""The clinician's weekly digest (opt-in): counts for their clinic, and links into the
portal. No patient names or details: e-mail is no place for them."""

from __future__ import annotations

from datetime import date, timedelta

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from clinic.capabilities import roles_that_can
from clinic.links import absolute_url
from clinic.mail import queue_email
from clinic.models import Membership, OutgoingEmail
from patients.models import Flag, OutcomeAssignment, Patient

# A questionnaire is overdue this long after the day it was due.
OVERDUE_AFTER = timedelta(days=7)


def clinic_counts(clinic, today: date) -> dict[str, int]:
    active = Patient.objects.active().filter(clinic=clinic)
    return {
        "new_flags": Flag.objects.filter(
            patient__in=active, raised_on__gt=today - timedelta(days=7)
        ).count(),
        "gone_quiet": Flag.objects.open()
        .filter(patient__in=active, kind=Flag.Kind.INACTIVE)
        .count(),
        "overdue": OutcomeAssignment.objects.filter(
            patient__in=active, response__isnull=True, due_on__lt=today - OVERDUE_AFTER
        ).count(),
    }


def digests_send(today: date | None = None) -> int:
    """Queue this week's digest for every member who asked for one."""
    queued = 0
    # Clinical counts, for members who may read clinical data: a clinician moved to the
    # front desk keeps the setting (for a move back) but cannot reach the page to change it.
    readers = roles_that_can("clinical.view")
    members = (
        Membership.objects.active()
        .filter(weekly_digest=True, role__in=readers)
        .select_related("clinic", "user")
    )
    for membership in members:
        clinic = membership.clinic
        day = today or timezone.localtime(timezone.now(), clinic.tzinfo).date()
        year, week, _ = day.isocalendar()
        queue_email(
            kind=OutgoingEmail.Kind.DIGEST,
            clinic=clinic,
            recipient=membership.user,
            to=membership.user.email,
            subject=gettext("Your weekly summary"),
            body=render_to_string(
                "emails/digest.txt",
                {
                    "clinic": clinic,
                    "counts": clinic_counts(clinic, day),
                    "caseload_url": absolute_url("patients:caseload"),
                },
            ),
            dedupe_key=f"digest:{membership.uuid}:{year}-W{week:02d}",
        )
        queued += 1
    return queued
