"""Exercise prescription: the exercise library, programs and their dosage.

Nothing here knows about patients. A patient's program is an ordinary Program that
the patients app links to its patient; a template is a Program with `is_template`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from programs.progressions import ProgressRule


class Category(models.TextChoices):
    MOBILITY = "mobility", _("Mobility")
    STRETCH = "stretch", _("Stretch")
    STRENGTH = "strength", _("Strength")
    MOTOR_CONTROL = "motor_control", _("Motor control")
    BALANCE = "balance", _("Balance")
    BREATHING = "breathing", _("Breathing")
    CARDIO = "cardio", _("Cardio")


class Region(models.TextChoices):
    LOW_BACK = "low_back", _("Low back")
    MID_BACK = "mid_back", _("Mid back")
    NECK = "neck", _("Neck")
    SHOULDER = "shoulder", _("Shoulder")
    HIP = "hip", _("Hip")
    KNEE = "knee", _("Knee")
    ANKLE_FOOT = "ankle_foot", _("Ankle and foot")
    CORE = "core", _("Core")
    WHOLE_BODY = "whole_body", _("Whole body")


class Position(models.TextChoices):
    SUPINE = "supine", _("Lying on back")
    PRONE = "prone", _("Lying on front")
    SIDE_LYING = "side_lying", _("Side-lying")
    QUADRUPED = "quadruped", _("Hands and knees")
    KNEELING = "kneeling", _("Kneeling")
    SITTING = "sitting", _("Sitting")
    STANDING = "standing", _("Standing")


class Equipment(models.TextChoices):
    NONE = "none", _("None")
    MAT = "mat", _("Mat")
    CHAIR = "chair", _("Chair")
    BAND = "band", _("Band")
    BALL = "ball", _("Ball")
    STEP = "step", _("Step")
    WEIGHTS = "weights", _("Weights")
    BIKE = "bike", _("Exercise bike")


class Style(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic")
    STATIC_HOLD = "static_hold", _("Static hold")
    ISOMETRIC = "isometric", _("Isometric")


class Side(models.TextChoices):
    BOTH = "both", _("Both sides")
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    ALTERNATING = "alternating", _("Alternating")
    EACH_SIDE = "each_side", _("Each side")
    # One side: the patient's sore (injured, operated) side, whichever it is.
    AFFECTED = "affected", _("Sore side only")


class CueKind(models.TextChoices):
    SETUP = "setup", _("Set-up")
    MOVEMENT = "movement", _("Movement")
    # "Then switch sides.": left out of the steps of a dose for one side only
    # (programs.dosage.steps), which would otherwise tell the patient to do the other side.
    SIDES = "sides", _("Changing sides")
    FORM = "form", _("Form")
    BREATHING = "breathing", _("Breathing")
    FEEL = "feel", _("You should feel")


class TokenSetField(models.CharField):
    """A small set of choice codes stored as " a b c " (with the outer spaces).

    Regions and equipment are short fixed vocabularies; this keeps them filterable
    with a plain `contains " code "` on both SQLite and PostgreSQL, where a JSON
    list is not.
    """

    def from_db_value(self, value, expression, connection):
        return value.split() if value else []

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return value.split() if value else []

    def get_prep_value(self, value):
        if isinstance(value, list | tuple | set):
            return f" {' '.join(sorted(set(value)))} " if value else ""
        return value or ""


class Dosage(models.Model):
    """Dosage fields shared by an exercise's defaults and a prescribed program item."""

    sets = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    reps = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Leave empty for timed or hold-only work."),
    )
    hold_seconds = models.PositiveSmallIntegerField(
        _("hold (s)"), default=0, validators=[MaxValueValidator(600)]
    )
    rest_seconds = models.PositiveSmallIntegerField(
        _("rest (s)"), default=0, validators=[MaxValueValidator(600)]
    )
    duration_seconds = models.PositiveSmallIntegerField(
        _("duration (s)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(3600)],
        help_text=_("For timed work such as walking."),
    )
    times_per_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    side = models.CharField(max_length=12, choices=Side.choices, default=Side.BOTH)

    class Meta:
        abstract = True


class ExerciseQuerySet(models.QuerySet["Exercise"]):
    def visible_to_clinic(self, clinic_id) -> ExerciseQuerySet:
        """The shared library plus this clinic's own exercises; never another clinic's."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id), is_archived=False)

    def search(self, text: str) -> ExerciseQuerySet:
        text = text.strip()[:100]
        if not text:
            return self
        in_cues = ExerciseCue.objects.filter(exercise=OuterRef("pk"), text__icontains=text)
        return self.filter(Q(name__icontains=text) | Q(lay_name__icontains=text) | Exists(in_cues))

    def in_region(self, code: str) -> ExerciseQuerySet:
        return self.filter(regions__contains=f" {code} ")

    def with_equipment(self, code: str) -> ExerciseQuerySet:
        return self.filter(equipment__contains=f" {code} ")


class Exercise(Dosage):
    """One exercise of the library. `clinic` empty = the shared, read-only library."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        "clinic.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="exercises"
    )
    slug = models.SlugField(
        max_length=80, blank=True, help_text=_("Key of the shared library entry.")
    )
    name = models.CharField(max_length=80)
    lay_name = models.CharField(_("everyday name"), max_length=80)
    category = models.CharField(max_length=16, choices=Category.choices)
    regions = TokenSetField(max_length=200, blank=True)
    position = models.CharField(_("starting position"), max_length=16, choices=Position.choices)
    equipment = TokenSetField(max_length=120, blank=True)
    style = models.CharField(_("movement style"), max_length=16, choices=Style.choices)
    cautions = models.TextField(max_length=400, blank=True)
    stop_if = models.TextField(_("stop if"), max_length=300, blank=True)
    # The drawn start/end pictures (programs.illustrations) are keyed by slug; a copy
    # keeps its original's drawing until the clinic uploads a photo.
    illustration = models.SlugField(max_length=80, blank=True)
    photo = models.ImageField(upload_to="exercise-photos/", blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    # Movements it involves that some patients must avoid (programs.precautions.Movement):
    # the builder warns when a patient's precautions rule one out.
    contraindications = TokenSetField(
        _("movements to check against precautions"), max_length=300, blank=True, db_default=""
    )
    # The next step down and up, and when to take the step up (programs.progressions).
    easier = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    harder = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress_when = models.CharField(
        _("progress when"), max_length=24, blank=True, choices=ProgressRule.choices, db_default=""
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(clinic__isnull=True) & ~Q(slug=""),
                name="exercise_shared_slug_unique",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "is_archived", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.clinic_id is None

    def steps_as_written(self) -> list[tuple[str, str]]:
        """Its steps' (kind, text), in order: what the edit page shows and saves."""
        return [(cue.kind, cue.text) for cue in self.cues.all()]

    def get_regions_display(self) -> list[str]:
        labels = dict(Region.choices)
        return [labels.get(code, code) for code in self.regions]

    def get_equipment_display(self) -> list[str]:
        labels = dict(Equipment.choices)
        return [labels.get(code, code) for code in self.equipment if code != Equipment.NONE]


class ExerciseCue(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="cues")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=CueKind.choices)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "order"], name="cue_order_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class ExerciseTranslation(models.Model):
    """An exercise's patient-facing text in another language.

    The built-in library's come from programs.content.translations (installed by
    programs.library_sync); a clinic adds its own exercises' in the portal. Without one
    in the patient's language, the patient sees the English text marked "in English"
    (programs.localized), never a mix passed off as translated.
    """

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(max_length=80)
    lay_name = models.CharField(_("everyday name"), max_length=80)
    cautions = models.TextField(max_length=400, blank=True)
    stop_if = models.TextField(_("stop if"), max_length=300, blank=True)
    # The steps' texts in the English cues' order as they were when translated;
    # {hold}, {reps}, {sets} and {duration} are filled from the prescription.
    cues = models.JSONField(default=list, blank=True)
    # Each of those steps' kind (CueKind), kept with it: an English step added or removed
    # since would otherwise shift every later translated step onto another's kind, and a
    # dose for one side would drop a real step (programs.dosage.steps).
    cue_kinds = models.JSONField(default=list, db_default=[], blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "language"], name="exercise_translation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} {self.language}"


class ProgramQuerySet(models.QuerySet["Program"]):
    def current_for(self, patient) -> ProgramQuerySet:
        """A patient's current program: active or paused (a paused one still shows on
        Today and still counts). At most one; newest first in case history disagrees."""
        return self.current_of([patient])

    def current_of(self, patients) -> ProgramQuerySet:
        """The current programs of several patients (current_for), newest first."""
        return self.filter(
            assignment__patient__in=patients,
            status__in=[Program.Status.ACTIVE, Program.Status.PAUSED],
        ).order_by("-created_at")

    def finished_for(self, patient) -> ProgramQuerySet:
        """A patient's completed programs (a discharge, or one replaced by a newer one),
        newest first."""
        return self.filter(assignment__patient=patient, status=Program.Status.COMPLETED).order_by(
            "-created_at"
        )

    def templates_for(self, clinic_id) -> ProgramQuerySet:
        """Shared templates and this clinic's own. Read through the `program_templates`
        index: a clinic holds a program per patient, and a read by clinic alone went
        through all of them (1.8 ms at 10,000 patients; 0.02 ms by the index). Written as
        `in` because Django writes `is_template=True` as a bare column, which SQLite
        cannot look up in an index."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id), is_template__in=[True])


class Program(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        "clinic.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="programs"
    )
    is_template = models.BooleanField(default=False)
    template_key = models.SlugField(max_length=80, blank=True)
    title = models.CharField(max_length=120)
    goal = models.CharField(_("goal in plain words"), max_length=300, blank=True)
    start_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    patient_notes = models.TextField(_("notes for the patient"), max_length=1000, blank=True)
    clinician_notes = models.TextField(_("private clinician notes"), max_length=2000, blank=True)
    # Education leaflets for the patient (programs.content.leaflets), by slug.
    leaflets = TokenSetField(_("leaflets to read"), max_length=300, blank=True, db_default="")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    # The number of the latest saved revision. A save must name the revision it
    # started from, so a concurrent save is detected instead of overwritten.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The templates a clinic may use (ProgramQuerySet.templates_for), by name.
        indexes = [
            models.Index(fields=["is_template", "clinic", "title"], name="program_templates")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["template_key"],
                condition=Q(clinic__isnull=True) & ~Q(template_key=""),
                name="program_shared_template_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProgramItem(Dosage):
    class LoadKind(models.TextChoices):
        NONE = "", _("No load")
        KG = "kg", _("Weight (kg)")
        BAND = "band", _("Band colour")
        EFFORT = "effort", _("Effort (0-10)")

    class Band(models.TextChoices):
        YELLOW = "yellow", _("Yellow (very light)")
        RED = "red", _("Red (light)")
        GREEN = "green", _("Green (medium)")
        BLUE = "blue", _("Blue (heavy)")
        BLACK = "black", _("Black (very heavy)")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()
    # Mon=1, Tue=2, Wed=4 ... Sun=64; 0 means "any days", counted by days_per_week.
    weekdays = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(127)])
    load_kind = models.CharField(max_length=8, choices=LoadKind.choices, blank=True)
    load_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(200)],
    )
    load_band = models.CharField(max_length=8, choices=Band.choices, blank=True)
    load_effort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.exercise_id}"


class ProgramRevision(models.Model):
    """What exactly was prescribed from `created_at` on: a frozen copy of the program.

    Handouts and logged sessions point at a revision, so the history stays readable
    even after the exercises or the program change.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    summary = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} r{self.number}"


class HandoutPrint(models.Model):
    """Which revision was handed out when, how, and by whom: the handout's own history."""

    class Channel(models.TextChoices):
        DOWNLOAD = "download", _("Downloaded by staff")
        EMAIL = "email", _("E-mailed to the patient")
        PATIENT = "patient", _("Downloaded by the patient")

    revision = models.ForeignKey(ProgramRevision, on_delete=models.CASCADE, related_name="prints")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    large_print = models.BooleanField(default=False)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    printed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-printed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.revision} {self.channel} {self.printed_at:%Y-%m-%d}"
