from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from clinic.models import Clinic


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, membership) -> PatientQuerySet:
        """Patients a staff member may see: everyone of their own clinic, nobody else."""
        return self.filter(clinic_id=membership.clinic_id)

    def active(self) -> PatientQuerySet:
        return self.filter(status=Patient.Status.ACTIVE)

    def archived(self) -> PatientQuerySet:
        return self.filter(status=Patient.Status.ARCHIVED)

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
