from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower

from clinic.models import Clinic

# A patient with an active program and no session for this many days needs a call.
INACTIVE_DAYS = 3


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, membership) -> PatientQuerySet:
        """Patients a staff member may see: everyone of their own clinic, nobody else."""
        return self.filter(clinic_id=membership.clinic_id)

    def active(self) -> PatientQuerySet:
        return self.filter(status=Patient.Status.ACTIVE)

    def archived(self) -> PatientQuerySet:
        return self.filter(status=Patient.Status.ARCHIVED)

    def with_caseload_figures(self, today) -> PatientQuerySet:
        """Adherence over the last 7 days and open flags, as correlated subqueries.

        Each is one indexed lookup per patient inside a single query, so sorting or
        filtering thousands of patients by them stays one query, whatever the log count.
        """
        done = (
            SessionLog.objects.filter(
                patient=OuterRef("pk"), performed_on__range=(today - timedelta(days=6), today)
            )
            .values("patient")
            .annotate(total=Sum("exercises_done"))
            .values("total")
        )
        flags = (
            Flag.objects.filter(patient=OuterRef("pk"), reviewed_at__isnull=True)
            .values("patient")
            .annotate(count=Count("id"))
            .values("count")
        )
        return self.annotate(
            done_7d=Coalesce(Subquery(done), 0),
            open_flags=Coalesce(Subquery(flags), 0),
            adherence_7d=Case(
                When(weekly_prescribed=0, then=Value(None)),
                default=ExpressionWrapper(
                    F("done_7d") * 100.0 / F("weekly_prescribed"), output_field=FloatField()
                ),
                output_field=FloatField(),
            ),
        )

    def needing_attention(self, now) -> PatientQuerySet:
        """Open flags, or a program to do and nothing logged for INACTIVE_DAYS days."""
        quiet_since = now - timedelta(days=INACTIVE_DAYS)
        quiet = Q(weekly_prescribed__gt=0) & (
            Q(last_activity_at__lt=quiet_since) | Q(last_activity_at__isnull=True)
        )
        return self.filter(Q(open_flags__gt=0) | quiet)

    def search(self, text: str) -> PatientQuerySet:
        query = Q()
        for word in text.split()[:5]:
            query &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return self.filter(query)


class Patient(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name="clinician in charge",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_profile",
        help_text="The login this patient uses for the patient area.",
    )
    # Kept on the row rather than aggregated from logs on every request: the caseload
    # sorts thousands of patients by it, and it must stay one indexed query.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Exercise sessions a week the current program asks for (0 without one). Updated
    # whenever the program changes, so weekly adherence is a division in SQL.
    weekly_prescribed = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                "clinic",
                Lower("email"),
                condition=~Q(email=""),
                name="patient_email_unique_in_clinic",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "status", "last_name", "first_name"]),
            models.Index(fields=["clinic", "status", "last_activity_at"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def has_login(self) -> bool:
        return self.user_id is not None and self.user.has_usable_password()


class PatientProgramQuerySet(models.QuerySet["PatientProgram"]):
    def current(self) -> PatientProgramQuerySet:
        return self.filter(program__status__in=["active", "paused"])


class PatientProgram(models.Model):
    """A program prescribed to a patient. At most one is current (active or paused);
    the services complete the old one when a new one starts, so history is kept."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="programs")
    program = models.OneToOneField(
        "programs.Program", on_delete=models.PROTECT, related_name="assignment"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = PatientProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]

    def __str__(self) -> str:
        return f"{self.program} for {self.patient}"


class SessionLog(models.Model):
    """One practice session the patient logged: what they did, how it felt.

    It points at the program revision it was done under, so logs keep their meaning
    after the program is revised or completed (both are PROTECTed, never deleted).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(
        "programs.ProgramRevision", on_delete=models.PROTECT, related_name="sessions"
    )
    # The day in the clinic's time zone: "today" is the clinic's today.
    performed_on = models.DateField()
    logged_at = models.DateTimeField()
    pain = models.PositiveSmallIntegerField("pain during exercise (0-10)", null=True, blank=True)
    effort = models.PositiveSmallIntegerField("effort (0-10)", null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    # How many exercises were done: kept on the row so adherence over thousands of
    # patients is one indexed SUM, without joining every entry.
    exercises_done = models.PositiveSmallIntegerField(default=0)
    # A form's one-time token: a double-tapped submit finds the first save, not a second row.
    client_token = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-performed_on", "-logged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_token"], name="session_token_unique"
            ),
            models.CheckConstraint(condition=Q(pain__lte=10), name="session_pain_0_10"),
            models.CheckConstraint(condition=Q(effort__lte=10), name="session_effort_0_10"),
        ]
        indexes = [models.Index(fields=["patient", "performed_on"])]

    def __str__(self) -> str:
        return f"Session {self.performed_on}"


class SessionEntry(models.Model):
    """One exercise done in a session, with what was actually done if the patient said."""

    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="entries")
    exercise = models.ForeignKey("programs.Exercise", on_delete=models.PROTECT, related_name="+")
    sets_done = models.PositiveSmallIntegerField(null=True, blank=True)
    reps_done = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "exercise"], name="entry_exercise_once"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} in {self.session_id}"


class MorningCheck(models.Model):
    class Compared(models.TextChoices):
        BETTER = "better", "Better"
        SAME = "same", "The same"
        WORSE = "worse", "Worse"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="morning_checks")
    checked_on = models.DateField()
    compared = models.CharField(max_length=8, choices=Compared.choices)
    pain = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "checked_on"], name="morning_check_once_a_day"
            ),
            models.CheckConstraint(condition=Q(pain__lte=10), name="morning_pain_0_10"),
        ]

    def __str__(self) -> str:
        return f"Morning {self.checked_on}: {self.compared}"


class FlagQuerySet(models.QuerySet["Flag"]):
    def open(self) -> FlagQuerySet:
        return self.filter(reviewed_at__isnull=True)


class Flag(models.Model):
    """A warning sign for the clinician, with its reason and date, until reviewed."""

    class Kind(models.TextChoices):
        PAIN_HIGH = "pain_high", "High pain during exercise"
        PAIN_RISING = "pain_rising", "Pain rising in the first week"
        INACTIVE = "inactive", "No activity"
        MORNING_WORSE = "morning_worse", "Worse next morning, two days running"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    raised_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-id"]
        constraints = [
            # One open flag per kind and patient: a rule that keeps firing does not pile up.
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(reviewed_at__isnull=True),
                name="flag_one_open_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["patient", "reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.raised_on})"


class Visit(models.Model):
    """Mobility measures taken at one visit."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    measured_on = models.DateField()
    notes = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_on", "-id"]
        indexes = [models.Index(fields=["patient", "measured_on"])]

    def __str__(self) -> str:
        return f"Visit {self.measured_on}"


class MeasurementQuerySet(models.QuerySet["Measurement"]):
    def current(self) -> MeasurementQuerySet:
        return self.filter(replaced_at__isnull=True)


class Measurement(models.Model):
    """One value. A correction never overwrites it: the old row is marked replaced."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="measurements")
    code = models.CharField(max_length=32)
    side = models.CharField(max_length=5, blank=True)
    value = models.DecimalField(max_digits=5, decimal_places=1)
    method = models.CharField(max_length=80, blank=True)
    pain_limited = models.BooleanField(default=False)
    # Sit-and-reach: the protocol's zero point (e.g. 23 cm box); SLR: where symptoms began.
    zero_point = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    symptoms = models.CharField("symptom onset and location", max_length=120, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        ordering = ["code", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "code", "side"],
                condition=Q(replaced_at__isnull=True),
                name="measurement_one_current_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.side} {self.value}"


class OutcomeResponse(models.Model):
    """A completed questionnaire: the item answers as given, and the score computed from
    them by patients.scoring (never typed in)."""

    class Source(models.TextChoices):
        CLINICIAN = "clinician", "Entered by clinician"
        PATIENT = "patient", "Completed by patient"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outcomes")
    code = models.CharField(max_length=8)
    version = models.CharField(max_length=16, default="1")
    answers = models.JSONField()
    value = models.FloatField(null=True)
    valid = models.BooleanField()
    band = models.CharField(max_length=16, blank=True)
    completed_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["completed_on", "id"]
        indexes = [models.Index(fields=["patient", "code", "completed_on"])]

    def __str__(self) -> str:
        return f"{self.code} {self.completed_on}: {self.value}"


class OutcomeAssignment(models.Model):
    """A questionnaire the clinician asked the patient to complete in the patient area."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assignments")
    code = models.CharField(max_length=8)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    response = models.OneToOneField(
        OutcomeResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignment"
    )

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=Q(response__isnull=True),
                name="assignment_one_open_per_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} for {self.patient_id}"
