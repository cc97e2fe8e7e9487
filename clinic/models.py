from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.emergency import DEFAULT_REGION, EMERGENCY_HELP, EmergencyHelp


class UserQuerySet(models.QuerySet["User"]):
    """update() and bulk_update() send no post_save: when they change addresses, allauth's
    rows for the old ones go here too (clinic.security.forget_other_addresses)."""

    def update(self, **kwargs: Any) -> int:
        if "email" not in kwargs:
            return super().update(**kwargs)
        from clinic.security import forget_other_addresses

        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            forget_other_addresses(ids)
        return count

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        if "email" not in fields:
            return super().bulk_update(objs, fields, batch_size=batch_size)
        from clinic.security import forget_other_addresses

        objs = list(objs)
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, batch_size=batch_size)
            forget_other_addresses([obj.pk for obj in objs])
        return count


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who can log in: clinic staff (via Membership) and patients (via Patient.user)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text=_("May log in to the Django admin (housekeeping only).")
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # The password was chosen on the page of a printed invitation: by whoever held the
    # sheet, who has not shown they read the address's mail. The first sign-in that shows
    # it (an e-mailed code, a reset link) clears that password (clinic.sheet_passwords).
    password_from_sheet = models.BooleanField(default=False, db_default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def server_time_zone() -> str:
    """A new clinic's zone until its admin sets one: the server's own (TIME_ZONE), which
    whoever installed it set for where it serves, rather than UTC's day."""
    return settings.TIME_ZONE


class Clinic(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    address = models.TextField(max_length=400, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The clinic's own clock defines "today" for schedules and adherence. Validated in
    # forms, not as model choices, so the tz database version never reaches migrations.
    timezone = models.CharField(max_length=64, default=server_time_zone)

    class Paper(models.TextChoices):
        A4 = "a4", "A4"
        LETTER = "letter", _("US Letter")

    # Handout branding. Any change bumps updated_at, which invalidates cached handouts.
    logo = models.ImageField(upload_to="clinic-logos/", blank=True)
    paper_size = models.CharField(max_length=8, choices=Paper.choices, default=Paper.A4)
    handout_shows_birth_date = models.BooleanField(
        _("show the patient's date of birth on handouts"), default=False
    )
    handout_footer = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("A short line printed at the foot of every handout page."),
    )
    # Where the clinic's patients get emergency help (clinic.emergency, one entry per
    # choice): printed in every stop box, so it is part of the handout's branding too.
    emergency_region = models.CharField(
        _("emergency help"),
        max_length=2,
        choices=[(code, _(help.region)) for code, help in EMERGENCY_HELP.items()],
        default=DEFAULT_REGION,
        db_default=DEFAULT_REGION,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who saved the settings last: named to an admin whose save is refused because of it
    # (clinic.edits). None before anyone saved them, or once that account is gone.
    updated_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # A code with no entry would leave the stop boxes without a number to call, so
            # the database refuses it rather than a page guessing another country's.
            models.CheckConstraint(
                condition=models.Q(emergency_region__in=list(EMERGENCY_HELP)),
                name="clinic_emergency_region_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def emergency_help(self) -> EmergencyHelp:
        return EMERGENCY_HELP[self.emergency_region]

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


# Figures about each member that other apps keep: a name, and a function that gives the
# expression for it over a Membership row. The patients app adds "in_charge_of", the number
# of the clinic's active patients the member is the clinician in charge of (clinic imports
# none of that app: it registers in its AppConfig.ready).
MEMBER_FIGURES: dict[str, Callable[[], Any]] = {}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, user__is_active=True)

    def with_figures(self) -> MembershipQuerySet:
        """Each membership with every MEMBER_FIGURES figure, read in the same query: a list
        of any length costs no query more."""
        figures = {name: figure() for name, figure in MEMBER_FIGURES.items()}
        return self.annotate(**figures)


class Membership(models.Model):
    """A person's staff role in one clinic. What each role may do is in clinic.capabilities."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Clinic admin")
        CLINICIAN = "clinician", _("Clinician")
        FRONT_DESK = "front_desk", _("Front desk")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLINICIAN)
    is_active = models.BooleanField(default=True)
    # Opt-in: a weekly e-mail with this clinic's counts (no names) and links.
    weekly_digest = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"], name="membership_user_clinic_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def for_patient(self, patient: Any) -> InvitationQuerySet:
        return self.filter(
            kind=Invitation.Kind.PATIENT, clinic_id=patient.clinic_id, patient_uuid=patient.uuid
        )


class Invitation(models.Model):
    """A one-time link from a clinic to an e-mail address: join the staff, or use a
    patient record.

    It names the clinic and what it offers, never an account: the account is found (or
    made) only when the link is used. A link for an address that already has a login is
    a request its owner accepts after signing in as usual; it never sets a password.
    The token is random and only its SHA-256 is stored, so the database cannot rebuild a
    live link. `patient_uuid` is the patient's public id (`clinic` knows no patients).
    """

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        PATIENT = "patient", _("Patient")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mailed")
        PRINT = "print", _("Printed")
        SELF = "self", _("Asked for by the patient")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    email = models.EmailField(_("e-mail"), max_length=254)
    # Staff invitations: the name the admin typed (shown only in this clinic) and the role.
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Membership.Role.choices, blank=True)
    patient_uuid = models.UUIDField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "kind", "patient_uuid"]),
            models.Index(fields=["clinic", "kind", "email"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="staff") & ~Q(role=""))
                | Q(kind="patient", patient_uuid__isnull=False),
                name="invitation_has_its_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} invitation ({self.created_at:%Y-%m-%d})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class SecurityCounter(models.Model):
    """One failed or throttled sign-in step (a wrong password, a wrong two-factor code, a
    sign-in link asked for). Kept in the database, not the cache, so a cache outage
    neither opens nor locks the door. `key` is a hash: no address or e-mail is stored."""

    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where, and whether it was allowed.

    The patient is kept as its public UUID rather than a foreign key: `clinic` must not
    depend on `patients`, and audit rows must outlive any change to the record.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("Allowed")
        DENIED = "denied", _("Denied")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=16, blank=True)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Staff events: the account the change was about (the member invited, promoted, ...).
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patient_uuid = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    # Calls through the API: the token used (the actor is the admin who made it).
    api_token = models.ForeignKey(
        "ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "-created_at"]),
            models.Index(fields=["clinic", "patient_uuid", "-created_at"]),
            models.Index(fields=["clinic", "actor", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.outcome}"

    @property
    def action_label(self) -> str:
        from clinic.audit import ACTIONS

        return ACTIONS.get(self.action, self.action)


class SpentCode(models.Model):
    """A two-factor code that has been used, so it cannot be replayed within its time step.
    allauth keeps this in the cache; here it is kept in the database as well, so a cache
    outage does not open the door to replay. Only a hash of the code is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="spent_code_once"),
        ]

    def __str__(self) -> str:
        return f"Spent code ({self.created_at:%H:%M:%S})"


class FormSending(models.Model):
    """A page's form, sent once (clinic.once): its token and where its first sending led.
    A second sending of the same page (a double click, a resend) goes there too and
    writes nothing. Kept a day (housekeeping)."""

    token = models.CharField(max_length=64, unique=True)
    location = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Form sent ({self.created_at:%Y-%m-%d %H:%M})"


class OutgoingEmail(models.Model):
    """An e-mail that waits for the task worker, with its delivery status.

    Sign-in codes are sent at once (someone is waiting at the sign-in page); handouts,
    reminders, digests, invitations and two-factor reset notices go through here,
    queued in the transaction of the change they tell of, so a mail server that is down
    delays them and retries instead of failing a page. An invitation's link is not
    stored: the worker makes it as it sends (clinic.invitations). `patient_uuid` names
    the patient it concerns (`clinic` knows no patients); `attachment` is a file in
    storage, never the bytes.
    """

    class Kind(models.TextChoices):
        HANDOUT = "handout", _("Handout")
        REMINDER = "reminder", _("Exercise reminder")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire reminder")
        DIGEST = "digest", _("Weekly digest")
        INVITATION = "invitation", _("Invitation")
        MFA_RESET = "mfa_reset", _("Two-factor reset notice")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        RETRYING = "retrying", _("Retrying")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # No longer to be sent (clinic.mail.STOP_CHECKS): the reason is in last_error.
        STOPPED = "stopped", _("Not sent")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient_uuid = models.UUIDField(null=True, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    attachment = models.CharField(max_length=255, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    # One-click unsubscribe link for reminders (List-Unsubscribe header); blank otherwise.
    unsubscribe_url = models.CharField(max_length=300, blank=True)
    # What a send is about, so the same reminder is never queued twice for one day.
    dedupe_key = models.CharField(max_length=100, blank=True)
    # Ids and moments for the code that decides about it (clinic.mail: SENT_HOOKS,
    # STOP_CHECKS, NOT_BEFORE), never text.
    about = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker last took it up: an e-mail still "sending" long after was left by a
    # worker that died (clinic.tasks.emails_resume sends it again).
    attempted_at = models.DateTimeField(null=True, blank=True)
    # Held until then (clinic.mail.NOT_BEFORE: a patient's quiet hours): the worker sends
    # it no earlier, and emails_resume does not wake it before.
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient_uuid", "-created_at"]),
            models.Index(
                fields=["status"],
                name="email_unfinished",
                condition=Q(status__in=["queued", "sending", "retrying"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="email_sent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def status_at(self) -> datetime:
        """When what its status says happened: sent, last tried (failed, retrying, or
        stopped as the worker took it up), else queued. A held one is still "queued" then:
        its `not_before` says until when."""
        if self.status == self.Status.SENT and self.sent_at:
            return self.sent_at
        if self.status in (self.Status.FAILED, self.Status.RETRYING, self.Status.STOPPED):
            return self.attempted_at or self.created_at
        return self.created_at


class RenderJobQuerySet(models.QuerySet["RenderJob"]):
    def queued(self) -> RenderJobQuerySet:
        return self.filter(status=RenderJob.Status.QUEUED)


class RenderJob(models.Model):
    """A PDF the task worker makes (a handout, a progress report), named by the storage
    file it goes to. At most one job per file is queued at a time (single-flight): ten
    people asking for the same new handout start one render. `params` is what the render
    task reads; `patient_uuid` names the patient (`clinic` knows no patients)."""

    class Kind(models.TextChoices):
        HANDOUT = "handout", _("Handout")
        REPORT = "report", _("Progress report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        """Why a job failed, stored as a code and told in the reader's language."""

        SUPERSEDED = "superseded", _("It changed while it was being prepared. Please try again.")
        TOO_SLOW = "too_slow", _("It took too long to prepare. Please try again.")
        TOO_LARGE = "too_large", _("It is too big to prepare.")
        NOT_STORED = "not_stored", _("It could not be saved on the server. Please try again later.")
        BROKEN = "broken", _("Something went wrong while making it. Please try again.")
        NOT_QUEUED = "not_queued", _("The server is busy. Please try again in a minute.")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient_uuid = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    storage_name = models.CharField(max_length=255)
    filename = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=200, blank=True, choices=Failure.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RenderJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["storage_name", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["storage_name"],
                condition=Q(status="queued"),
                name="render_one_queued_per_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A clinic's key to the REST API and the FHIR export, for one of its other systems.

    The token is random and shown once; only its SHA-256 is stored (like invitations), so
    the database cannot give a live token back. `scope` is a list of capability names
    from clinic.capabilities: the token may do exactly what a staff role with those
    capabilities may do, in this clinic only. `prefix` is the token's first characters,
    enough to tell tokens apart on the admin page and nothing more.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The per-token rate limit: calls counted in a fixed window, on the row itself (one
    # UPDATE per call, no cache: a cache outage neither opens nor shuts the API).
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_calls = models.PositiveIntegerField(default=0)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
