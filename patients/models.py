from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
import zoneinfo
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import (
    Q,
)
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.capabilities import IN_CHARGE, roles_that_can
from clinic.languages import patient_language
from clinic.models import Clinic, Membership, User
from patients import name_search
from patients.screening import ScreenKind
from patients.screening import questions as screening_questions
from programs.models import Region, TokenSetField
from programs.precautions import Precaution

# The caseload's adherence window: the full days before today (today is not over yet).
ADHERENCE_DAYS = 7
# A patient who has let this many days' worth of prescribed sessions go by without
# logging anything needs a call (counted on their schedule, not the calendar).
INACTIVE_DUE_DAYS = 3
# The caseload's adherence sort key of a patient with nothing prescribed: after everyone.
NO_ADHERENCE = 1e9
# A new patient's figures are stale from the start: not null, so "stale" stays one
# indexed range (figures_until <= now) rather than an OR that scans the table.
FIGURES_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


class PatientQuerySet(models.QuerySet["Patient"]):
    def email_in_use(self, clinic_id: int, email: str, *, besides: int | None = None) -> bool:
        """Whether another patient of the clinic (than `besides`) has this e-mail, as the
        unique constraint patient_email_unique_in_clinic compares them."""
        return self.email_holder(clinic_id, email, besides=besides) is not None

    def email_holder(
        self, clinic_id: int, email: str, *, besides: int | None = None
    ) -> Patient | None:
        """The other patient of the clinic (than `besides`) who has this e-mail, if any."""
        if not email:
            return None
        clash = self.filter(clinic_id=clinic_id, email__iexact=email)
        return clash.exclude(pk=besides).first()

    def visible_to(self, membership) -> PatientQuerySet:
        """Patients a staff member may see: everyone of their own clinic, nobody else."""
        return self.filter(clinic_id=membership.clinic_id)

    def active(self) -> PatientQuerySet:
        return self.filter(status=Patient.Status.ACTIVE)

    def archived(self) -> PatientQuerySet:
        return self.filter(status=Patient.Status.ARCHIVED)

    def needing_attention(self) -> PatientQuerySet:
        """Open flags: high or rising pain, worse mornings, an urgent symptom, or prescribed
        sessions let go by (the inactivity flag, raised on the patient's own schedule)."""
        return self.filter(open_flags__gt=0)

    def update(self, **kwargs: Any) -> int:
        """As QuerySet.update; when it writes a searched field, the rows' search_text is
        written again in the same transaction (SQL cannot fold it): no patient stays
        findable by a name corrected away."""
        if not set(kwargs) & set(name_search.SOURCES) or "search_text" in kwargs:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            updated = super().update(**kwargs)
            written = self.model._base_manager.filter(pk__in=pks)
            rows = list(written.only("pk", *name_search.SOURCES))
            for patient in rows:
                patient.search_text = name_search.search_text(patient)
            self.model._base_manager.bulk_update(rows, ["search_text"], batch_size=500)
        return updated

    def bulk_update(self, objs: Iterable[Patient], fields: Sequence[str], *args, **kwargs) -> int:
        """As QuerySet.bulk_update, with search_text written too when a searched field is."""
        if set(fields) & set(name_search.SOURCES) and "search_text" not in fields:
            objs = list(objs)
            for patient in objs:
                patient.search_text = name_search.search_text(patient)
            fields = [*fields, "search_text"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def search(self, text: str) -> PatientQuerySet:
        """Patients with every word of `text` in their name or e-mail address, accents and
        case aside, or as their record number (patients.name_search)."""
        return self.filter(name_search.matching(text))


class Patient(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(max_length=32, blank=True)
    # The patient's number in the clinic's own record system (EHR), for the API's sync.
    external_id = models.CharField(
        _("record number in your own system"), max_length=64, blank=True, default="", db_default=""
    )
    # Where the patient lives, if not in the clinic's time zone: their "today" (logging,
    # adherence, reminder times) follows it. Validated against the tz database in forms.
    timezone = models.CharField(max_length=64, blank=True)
    preferred_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Handouts in large print (16 pt or more) unless a download asks otherwise; they are
    # rendered ahead in this size.
    large_print = models.BooleanField(
        _("large print handouts"),
        default=False,
        help_text=_("Print this patient's handouts in large type (16 pt or more)."),
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("clinician in charge"),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The login that proved it owns this record's e-mail address (by accepting an
    # invitation); until then the address is contact data only. An account has at most
    # one active patient record; archived ones keep their link as history.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_records",
        help_text=_("The login this patient uses for the patient area."),
    )
    # Kept on the row rather than aggregated from logs on every request: the caseload
    # sorts thousands of patients by it, and it must stay one indexed query.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # The last day written to this patient's PrescribedDay plan; the daily sweep extends
    # plans that come within a week of their end (patients.adherence.plans_extend).
    planned_until = models.DateField(null=True, blank=True)
    # The caseload's figures, stored so that every sort of 10,000 patients is an indexed
    # read (patients.caseload owns them and keeps them current). True until
    # `figures_until`, the patient's next midnight (FIGURES_NEVER: not computed yet).
    done_7d = models.PositiveIntegerField(default=0, db_default=0)
    prescribed_7d = models.FloatField(default=0.0, db_default=0.0)
    adherence_7d = models.FloatField(null=True, blank=True)
    # adherence_7d as a sort key that is never null (NO_ADHERENCE when nothing was
    # prescribed): "lowest first, new programs last" is then a plain ascending index
    # order on every database (they disagree on where NULLs sort, and SQLite cannot index
    # NULLS LAST).
    adherence_sort = models.FloatField(default=NO_ADHERENCE, db_default=NO_ADHERENCE)
    open_flags = models.PositiveSmallIntegerField(default=0, db_default=0)
    urgent = models.BooleanField(default=False, db_default=False)
    quiet = models.BooleanField(default=False, db_default=False)
    figures_until = models.DateTimeField(default=FIGURES_NEVER, db_default=FIGURES_NEVER)
    # The day of the discharge while the patient stays discharged (on the maintenance
    # program, or none); a new program clears it (patients.discharge, patients.services).
    # On the row so the caseload tells them from patients in care without a query more.
    discharged_on = models.DateField(null=True, blank=True)
    # What a search is matched against: the name and e-mail address folded
    # (patients.name_search). Derived on every write; never shown.
    search_text = name_search.SearchTextField()
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
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="active", user__isnull=False),
                name="patient_one_active_record_per_login",
            ),
        ]
        # One per caseload sort, in its ORDER BY's column order (patients.views.SORTS,
        # urgent first for clinical staff): the page is then the first 25 entries of an
        # index range, not a sort of the whole clinic. Each ends with the clinician, so
        # that "My patients" is read from the index alone: without it, page 200 read the
        # 4,975 rows before it to check whose they were (2.4 ms at 10,000 patients, 0.25
        # ms with it). Plus "needs attention" and the stale-figures lookup, and the
        # search's count (read from the index alone).
        indexes = [
            models.Index(fields=["clinic", "status", "last_name", "first_name"]),
            models.Index(fields=["clinic", "status", "last_activity_at"]),
            models.Index(
                fields=[
                    "clinic",
                    "status",
                    "-urgent",
                    "last_name",
                    "first_name",
                    "id",
                    "clinician",
                ],
                name="caseload_by_name",
            ),
            models.Index(
                fields=[
                    "clinic",
                    "status",
                    "-urgent",
                    "adherence_sort",
                    "last_name",
                    "id",
                    "clinician",
                ],
                name="caseload_by_adherence",
            ),
            models.Index(
                fields=[
                    "clinic",
                    "status",
                    "-urgent",
                    "-last_activity_at",
                    "last_name",
                    "id",
                    "clinician",
                ],
                name="caseload_by_activity",
            ),
            models.Index(
                fields=[
                    "clinic",
                    "status",
                    "-urgent",
                    "-open_flags",
                    "last_activity_at",
                    "id",
                    "clinician",
                ],
                name="caseload_by_flags",
            ),
            models.Index(fields=["clinic", "status", "open_flags"], name="caseload_attention"),
            models.Index(
                fields=["clinic", "status", "search_text", "external_id"], name="caseload_search"
            ),
            models.Index(fields=["clinic", "figures_until"], name="caseload_figures_stale"),
            # How many active patients each member is in charge of (the staff page's
            # caseload.in_charge_of), and a search of "My patients" counted, from the
            # index alone (the search's count read each of the clinician's rows: 2.2 ms
            # at 10,000 patients, 1.2 ms from the index).
            models.Index(
                fields=["clinic", "status", "clinician", "search_text", "external_id"],
                name="patients_in_charge",
            ),
            # The API's list and sync feed: a clinic's patients in the order they changed.
            models.Index(fields=["clinic", "updated_at", "id"], name="patients_changed"),
        ]

    def __str__(self) -> str:
        return self.full_name

    # Kept current by their owners with an UPDATE in the transaction of each change (the
    # practice log, the adherence plan, patients.caseload). A full save() of an instance
    # loaded before such a change (a form, the admin) must not write back what it read.
    OWNED_BY_UPDATES = (
        "last_activity_at",
        "planned_until",
        "done_7d",
        "prescribed_7d",
        "adherence_7d",
        "adherence_sort",
        "open_flags",
        "urgent",
        "quiet",
        "figures_until",
    )

    def save(self, *args, **kwargs) -> None:
        fields = kwargs.get("update_fields")
        if not self._state.adding and fields is None and not args:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.OWNED_BY_UPDATES
            ]
        elif fields is not None and set(fields) & set(name_search.SOURCES):
            # A new name must be found by it, and the old one no longer.
            kwargs["update_fields"] = [*fields, "search_text"]
        super().save(*args, **kwargs)

    @property
    def reads_language(self) -> str:
        """The language the patient sees (clinic.languages): their preferred one when it
        is complete, else English."""
        return patient_language(self.preferred_language)

    @property
    def reads_language_name(self) -> str:
        return dict(settings.LANGUAGES).get(self.reads_language, self.reads_language)

    def clinician_to_contact(
        self, on_staff: Collection[tuple[int, int]] | None = None
    ) -> User | None:
        """The clinician in charge while they still work at this clinic, else None.

        A deactivated member stays on the record (it says who was in charge), but a
        handout, the patient's page or a report must not send anyone to call them.
        `on_staff` is clinicians_on_staff() read for many patients at once; without it,
        this patient's is read.
        """
        if self.clinician_id is None:
            return None
        if on_staff is None:
            on_staff = Patient.clinicians_on_staff([self])
        return self.clinician if (self.clinician_id, self.clinic_id) in on_staff else None

    @staticmethod
    def clinicians_on_staff(patients: Collection[Patient]) -> set[tuple[int, int]]:
        """(user, clinic) of each patient's clinician who is still an active member of the
        patient's clinic in a clinical role, in one query (with a few pairs that no patient has)."""
        return set(
            Membership.objects.active()
            .filter(
                user_id__in={patient.clinician_id for patient in patients},
                clinic_id__in={patient.clinic_id for patient in patients},
                role__in=roles_that_can(IN_CHARGE),
            )
            .values_list("user_id", "clinic_id")
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def named_in(self, text: str) -> bool:
        """Whether `text` has the patient's first or last name (or a part of either) as a
        word of its own: "Amara's plan", not "camaraderie". Accents do not count: "Zoe"
        and "Muller" name Zoë Müller, as most keyboards type them."""
        text = name_search.folded(text)
        names = (name_search.folded(self.first_name), name_search.folded(self.last_name))
        parts = {p for name in names for p in re.split(r"[\s-]+", name)}
        return any(
            re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text) for part in parts if len(part) > 1
        )

    @property
    def initials(self) -> str:
        """ "AO" for Amara Okafor: enough for a clinician to recognise a downloaded file,
        never the name itself (file names end up in download folders and mail)."""
        letters = []
        for part in (self.first_name, self.last_name):
            first = next((c for c in part or "" if c.isalpha()), "")
            # É becomes E; a letter with no plain-ASCII form (Ø) is left out.
            plain = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
            letters.append(plain[:1].upper())
        return "".join(letters) or "X"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        if self.timezone:
            try:
                return zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        return self.clinic.tzinfo

    @property
    def has_login(self) -> bool:
        return self.user_id is not None


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
    pain = models.PositiveSmallIntegerField(_("pain during exercise (0-10)"), null=True, blank=True)
    effort = models.PositiveSmallIntegerField(_("effort (0-10)"), null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    # How many exercises were done: kept on the row so adherence over thousands of
    # patients is one indexed SUM, without joining every entry.
    exercises_done = models.PositiveSmallIntegerField(default=0)
    # A form's one-time token: a double-tapped submit finds the first save, not a second row.
    client_token = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)
    # When the patient last corrected it (practice_log.session_update); None if never.
    edited_at = models.DateTimeField(null=True, blank=True)

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


class PrescribedDay(models.Model):
    """Exercise sessions prescribed to a patient on one day, from the program revision in
    force that day (patients.adherence.prescribed_on, the one owner of that figure).

    A stored copy so that the caseload can sum seven days in SQL. It is rewritten from
    today onward in the same transaction as every program change, and written ahead to a
    horizon that the daily sweep extends; past days keep what was prescribed then. Days
    with nothing prescribed have no row.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="plan")
    day = models.DateField()
    sessions = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="prescribed_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.sessions:g}"


class MorningCheck(models.Model):
    class Compared(models.TextChoices):
        BETTER = "better", _("Better")
        SAME = "same", _("The same")
        WORSE = "worse", _("Worse")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="morning_checks")
    checked_on = models.DateField()
    compared = models.CharField(max_length=8, choices=Compared.choices)
    pain = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The patient may change the day's answer: syncs (updated_since, _lastUpdated) read this.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

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
        RED_FLAG = "red_flag", _("Urgent symptom reported")
        STOP_SIGN = "stop_sign", _("Warning sign reported")
        PAIN_HIGH = "pain_high", _("High pain during exercise")
        PAIN_RISING = "pain_rising", _("Pain rising")
        INACTIVE = "inactive", _("Prescribed sessions missed")
        MORNING_WORSE = "morning_worse", _("Worse next morning, two days running")
        MORNING_PAIN = "morning_pain", _("High pain the next morning")

    # Kinds that go to the top of the caseload, whatever it is sorted by.
    URGENT_KINDS = ("red_flag",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Room for every warning sign the patient pages offer at once (about 1,100 characters).
    reason = models.CharField(max_length=1500)
    raised_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # What the reviewer did about it ("Phoned; sent to A&E"): asked for every flag, and
    # required for an urgent one, whose review a clinical lead will want to read.
    review_note = models.CharField(max_length=500, blank=True, default="", db_default="")
    # Raised, reported again (a new reason) or reviewed: what a sync asks "since when" of.
    # `raised_on` is the patient's day, which a moment in UTC cannot be compared with.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

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

    @property
    def is_urgent(self) -> bool:
        return self.kind in self.URGENT_KINDS

    @property
    def version(self) -> str:
        """What a page showed of the flag, sent back when it is marked reviewed: signs
        added to it meanwhile (patients.symptoms) must be read before it is closed."""
        return hashlib.sha256(self.reason.encode()).hexdigest()[:16]


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
    symptoms = models.CharField(_("symptom onset and location"), max_length=120, blank=True)
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
        CLINICIAN = "clinician", _("Entered by clinician")
        PATIENT = "patient", _("Completed by patient")

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
    # The day it is due on (the patient's day); overdue a week after.
    due_on = models.DateField(null=True, blank=True)
    schedule = models.ForeignKey(
        "OutcomeSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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


class OutcomeSchedule(models.Model):
    """When a questionnaire is asked for: at baseline (when set up), then every N weeks
    and/or at discharge. The daily sweep creates each OutcomeAssignment as it falls due."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="schedules")
    code = models.CharField(max_length=8)
    every_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    at_discharge = models.BooleanField(default=False)
    next_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=Q(ended_at__isnull=True),
                name="schedule_one_running_per_code",
            ),
        ]
        indexes = [models.Index(fields=["next_due"])]

    def __str__(self) -> str:
        return f"{self.code} every {self.every_weeks or '-'} weeks"


class ReminderSetting(models.Model):
    """E-mail reminders to exercise, for a patient who agreed to them.

    The consent is recorded with its date and who recorded it (a clinician, or the
    patient in their own area). Reminders follow the prescription's days, at a time in
    the patient's time zone, never in quiet hours, and stop for the day once the day's
    sessions are done. The unsubscribe token works without signing in; it is random and only
    turns reminders off.
    """

    class Source(models.TextChoices):
        CLINICIAN = "clinician", _("Recorded by the clinic")
        PATIENT = "patient", _("Given by the patient")

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="reminders")
    enabled = models.BooleanField(default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_source = models.CharField(max_length=10, choices=Source.choices, blank=True)
    time_of_day = models.TimeField(default=time(18, 0))
    quiet_from = models.TimeField(default=time(21, 0))
    quiet_until = models.TimeField(default=time(8, 0))
    unsubscribe_token = models.CharField(max_length=64, unique=True)
    stopped_reason = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Why reminders stopped, when the patient stopped them: that takes back their
    # agreement (patients.reminders).
    OFF_BY_PATIENT = "turned off by the patient"
    UNSUBSCRIBED = "unsubscribed by e-mail link"

    def __str__(self) -> str:
        return f"Reminders {'on' if self.enabled else 'off'}"

    @property
    def withdrawn(self) -> bool:
        """The patient stopped reminders, and no one has recorded a new agreement since."""
        return self.consent_at is None and self.stopped_reason in (
            self.OFF_BY_PATIENT,
            self.UNSUBSCRIBED,
        )

    def in_quiet_hours(self, moment: time) -> bool:
        if self.quiet_from <= self.quiet_until:
            return self.quiet_from <= moment < self.quiet_until
        return moment >= self.quiet_from or moment < self.quiet_until


# --- Intake: why the patient is here, what to look out for ----------------------------


class Intake(models.Model):
    """The referral and the precautions, one per patient, edited as the picture changes.

    The stage (acute, subacute, chronic) follows from the onset date when it is known,
    so it never goes stale; without one, the clinician's recorded stage stands.
    """

    class Stage(models.TextChoices):
        ACUTE = "acute", _("Acute (under 6 weeks)")
        SUBACUTE = "subacute", _("Subacute (6 to 12 weeks)")
        CHRONIC = "chronic", _("Chronic (over 12 weeks)")

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="intake")
    referrer = models.CharField(_("referred by"), max_length=120, blank=True)
    diagnosis = models.CharField(_("diagnosis, in plain words"), max_length=200)
    icd10 = models.CharField(
        _("ICD-10 code"),
        max_length=8,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$",
                "Enter an ICD-10 code like M54.5, or leave it empty.",
            )
        ],
    )
    region = models.CharField(_("main body area"), max_length=16, choices=Region.choices)
    onset_on = models.DateField(_("when it started"), null=True, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    precautions = TokenSetField(max_length=200, blank=True)
    precaution_notes = models.TextField(
        _("precaution details"),
        max_length=1000,
        blank=True,
        help_text=_(
            "For example the date and approach of a joint replacement, or the "
            "surgeon's own restrictions."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.diagnosis

    def stage_on(self, day: date) -> str:
        """The stage on `day`: from the onset date if known, else as recorded."""
        if self.onset_on is None:
            return self.stage
        weeks = (day - self.onset_on).days / 7
        if weeks < 6:
            return self.Stage.ACUTE
        return self.Stage.SUBACUTE if weeks <= 12 else self.Stage.CHRONIC

    def get_precautions_display(self) -> list[str]:
        labels = dict(Precaution.choices)
        return [labels.get(code, code) for code in self.precautions]


class RedFlagScreen(models.Model):
    """One red-flag screen (patients.screening) and the clinician's decision on it. A
    positive screen blocks starting a program until the decision is to go ahead."""

    class Decision(models.TextChoices):
        CLEARED = "cleared", _("Assessed: safe to start exercise")
        REFERRED = "referred", _("Referred for medical review first")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screens")
    kind = models.CharField(max_length=10, choices=ScreenKind.choices)
    # {question key: true or false}, for the questions of `kind` when it was recorded.
    answers = models.JSONField(default=dict)
    positive = models.BooleanField(default=False)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_note = models.TextField(max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-screened_at", "-id"]
        indexes = [models.Index(fields=["patient", "-screened_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} screen ({'positive' if self.positive else 'clear'})"

    def positive_questions(self) -> list:
        return [q for q in screening_questions(self.kind) if self.answers.get(q.key)]

    def version(self) -> str:
        """What a decision form carries of the screen it showed: which screen, and the
        decision it then had (patients.intake.screen_decide refuses a decision made on
        another: a newer screen, or a colleague's decision since)."""
        seen = f"{self.pk}:{self.decided_at.isoformat() if self.decided_at else ''}"
        return hashlib.sha256(seen.encode()).hexdigest()[:16]


class PrecautionDecision(models.Model):
    """The clinician kept an exercise although one of the patient's precautions rules out
    a movement it involves (programs.precautions), and said why."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("programs.Exercise", on_delete=models.CASCADE, related_name="+")
    precaution = models.CharField(max_length=24, choices=Precaution.choices)
    reason = models.TextField(max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "exercise", "precaution"], name="one_decision_per_conflict"
            )
        ]

    def __str__(self) -> str:
        return f"Kept despite {self.precaution}"


class Goal(models.Model):
    """A SMART goal: what the patient wants to be able to do (often one of their PSFS
    activities), the score or measure that shows it and its target, and when by."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=200)
    # An outcome instrument's code (patients.scoring) or a measure's (patients.measures).
    tracks = models.CharField(_("shown by"), max_length=32, blank=True)
    target = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    target_on = models.DateField(_("by"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target_on", "id"]

    def __str__(self) -> str:
        return self.text


class Discharge(models.Model):
    """The end of an episode of care: the summary and plan for the letter, and the
    maintenance program the patient keeps."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="discharges")
    discharged_on = models.DateField()
    summary = models.TextField(_("summary for the letter"), max_length=1500)
    plan = models.TextField(_("plan from here"), max_length=600, blank=True)
    maintenance = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discharged_on", "-id"]

    def __str__(self) -> str:
        return f"Discharged {self.discharged_on}"
