"""What the API shows of the clinical record, and the shapes it accepts.

Input shapes only bound sizes and types (and document them); the rules are the portal
forms' (patients.forms: records, measures, patient_area), which the views run on the same
data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from clinic.validators import validate_care_day
from patients.instruments import INSTRUMENTS
from patients.measures import BY_CODE
from patients.models import (
    Flag,
    Measurement,
    MorningCheck,
    OutcomeResponse,
    Patient,
    SessionEntry,
    SessionLog,
)


class PatientSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    clinician = serializers.UUIDField(source="clinician.uuid", read_only=True, allow_null=True)

    class Meta:
        model = Patient
        fields = [
            "id", "first_name", "last_name", "date_of_birth", "email", "phone",
            "preferred_language", "large_print", "clinician", "external_id", "status",
            "created_at", "updated_at",
        ]  # fmt: skip


class PatientPageSerializer(serializers.Serializer):
    """One page of search results (the same shape as every list)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PatientSerializer(many=True)


class PatientWriteSerializer(serializers.Serializer):
    """Demographics, as the portal's patient form takes them."""

    first_name = serializers.CharField(max_length=80)
    last_name = serializers.CharField(max_length=80)
    date_of_birth = serializers.DateField()
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    preferred_language = serializers.CharField(max_length=16, required=False)
    large_print = serializers.BooleanField(required=False)
    clinician = serializers.UUIDField(required=False, allow_null=True)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)


class PatientUpdateSerializer(PatientWriteSerializer):
    first_name = serializers.CharField(max_length=80, required=False)
    last_name = serializers.CharField(max_length=80, required=False)
    date_of_birth = serializers.DateField(required=False)


class PatientSearchSerializer(serializers.Serializer):
    """In the body, never the URL: a name must not reach an access log."""

    q = serializers.CharField(max_length=100)


class ProgramStartSerializer(serializers.Serializer):
    template = serializers.UUIDField(help_text="A template of this clinic or the shared library.")
    replace_current = serializers.BooleanField(
        default=False,
        help_text="Complete the patient's current program first (the portal asks to confirm).",
    )
    keep = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(max_length=500)),
        required=False,
        max_length=50,
        help_text=(
            "Decisions to keep exercises despite a precaution: "
            '[{"exercise": <uuid>, "precaution": <code>, "reason": <text>}], '
            "as the 409 answer lists them."
        ),
    )


class SessionEntrySerializer(serializers.ModelSerializer):
    exercise = serializers.UUIDField(source="exercise.uuid", read_only=True)

    class Meta:
        model = SessionEntry
        fields = ["exercise", "sets_done", "reps_done"]


class SessionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    program = serializers.UUIDField(source="program.uuid", read_only=True)
    revision = serializers.IntegerField(source="revision.number", read_only=True)
    entries = SessionEntrySerializer(many=True, read_only=True)

    class Meta:
        model = SessionLog
        fields = [
            "id", "program", "revision", "performed_on", "logged_at", "pain", "effort",
            "comment", "exercises_done", "client_token", "updated_at", "entries",
        ]  # fmt: skip


def _each_once(rows: list[dict], key: Callable[[dict], Any], name: Callable[[dict], str]):
    """A list in which each thing may come once: the portal's form takes one value per
    thing, so a second one would silently replace the first."""
    seen = set()
    for row in rows:
        if key(row) in seen:
            raise serializers.ValidationError(f"{name(row)} is sent twice: send it once.")
        seen.add(key(row))
    return rows


class DoneSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, help_text="A program item's id.")
    sets = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    reps = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)


class SessionWriteSerializer(serializers.Serializer):
    client_token = serializers.CharField(
        max_length=64,
        help_text="Chosen by the caller, unique per session: sending it again with the same "
        "session returns the first save (200) instead of a second session (201); with "
        "another session (other pain, effort, comment, exercises or day) it is refused "
        "(422, client_token_reused).",
    )
    performed_on = serializers.DateField(
        required=False,
        validators=[validate_care_day],
        help_text="The patient's day it was done (today if left out): not a day to come "
        "(409), nor one before the program began (400); filed under what was prescribed "
        "that day.",
    )
    pain = serializers.IntegerField(min_value=0, max_value=10)
    effort = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)
    exercises = DoneSerializer(many=True, min_length=1, max_length=50)

    def validate_exercises(self, value: list[dict]) -> list[dict]:
        return _each_once(value, lambda done: done["item"], lambda done: f"Item {done['item']}")


class MorningCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = MorningCheck
        fields = ["checked_on", "compared", "pain", "created_at", "updated_at"]


class MorningCheckWriteSerializer(serializers.Serializer):
    compared = serializers.ChoiceField(choices=MorningCheck.Compared.choices)
    pain = serializers.IntegerField(min_value=0, max_value=10)


class MeasurementSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    measured_on = serializers.DateField(source="visit.measured_on", read_only=True)
    visit = serializers.UUIDField(source="visit.uuid", read_only=True)
    value = serializers.FloatField(read_only=True)
    zero_point = serializers.FloatField(read_only=True, allow_null=True)
    unit = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    # A correction is a new row: the id of the value it replaces (null for a first value),
    # so a system that holds the old one knows to drop it.
    replaces = serializers.SerializerMethodField()

    class Meta:
        model = Measurement
        fields = [
            "id", "visit", "measured_on", "code", "label", "side", "value", "unit", "method",
            "pain_limited", "zero_point", "symptoms", "created_at", "replaces",
        ]  # fmt: skip

    def get_replaces(self, obj: Measurement) -> str | None:
        replaced = Measurement.replaces.RelatedObjectDoesNotExist
        try:
            return str(obj.replaces.uuid)
        except replaced:
            return None

    def get_unit(self, obj: Measurement) -> str:
        measure = BY_CODE.get(obj.code)
        return measure.unit if measure else ""

    def get_label(self, obj: Measurement) -> str:
        measure = BY_CODE.get(obj.code)
        return measure.label if measure else obj.code


class VisitSerializer(serializers.Serializer):
    """A recorded visit: its day, notes and the measurements taken."""

    id = serializers.UUIDField(source="uuid")
    measured_on = serializers.DateField()
    notes = serializers.CharField()
    measurements = MeasurementSerializer(many=True)


class ValueSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=sorted(BY_CODE))
    side = serializers.ChoiceField(choices=["", "left", "right"], required=False, default="")
    value = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    method = serializers.CharField(max_length=80, required=False, allow_blank=True)
    pain_limited = serializers.BooleanField(required=False, default=False)
    symptoms = serializers.CharField(max_length=120, required=False, allow_blank=True)


class VisitWriteSerializer(serializers.Serializer):
    measured_on = serializers.DateField()
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    sit_reach_zero = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, coerce_to_string=False
    )
    values = ValueSerializer(many=True, min_length=1, max_length=30)

    def validate_values(self, value: list[dict]) -> list[dict]:
        def slot(row: dict) -> tuple[str, str]:
            return row["code"], row["side"] if BY_CODE[row["code"]].sided else ""

        def name(row: dict) -> str:
            code, side = slot(row)
            return f"{BY_CODE[code].label} ({side})" if side else BY_CODE[code].label

        return _each_once(value, slot, name)


class OutcomeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    answers = serializers.JSONField(read_only=True)

    class Meta:
        model = OutcomeResponse
        fields = [
            "id", "code", "version", "completed_on", "value", "valid", "band", "source",
            "answers", "created_at",
        ]  # fmt: skip


class OutcomeFeedSerializer(OutcomeSerializer):
    patient = serializers.UUIDField(source="patient.uuid", read_only=True)

    class Meta(OutcomeSerializer.Meta):
        fields = ["patient", *OutcomeSerializer.Meta.fields]


class OutcomeWriteSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=sorted(INSTRUMENTS))
    completed_on = serializers.DateField()
    fields = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True),
        help_text=(
            "The questionnaire's fields as the portal form names them: nprs best/worst/now; "
            "odi and ndi section_1..section_10; rmdq item_1..item_24 (true/false); lefs "
            "item_1..item_20; psfs activity_1..5 with rating_1..5; sbst item_1..item_9."
        ),
    )

    def validate_fields(self, value: dict) -> dict:
        if len(value) > 40:
            raise serializers.ValidationError("At most 40 fields.")
        return value


class FlagSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    resolved_at = serializers.DateTimeField(source="reviewed_at", read_only=True, allow_null=True)
    note = serializers.CharField(
        source="review_note", read_only=True, help_text="What was done about it, if said."
    )

    class Meta:
        model = Flag
        fields = ["id", "kind", "reason", "raised_on", "resolved_at", "note", "updated_at"]


class FlagResolveSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=Flag._meta.get_field("review_note").max_length,
        required=False,
        allow_blank=True,
        help_text="What was done about it (who was called, what they were told): required "
        "for an urgent flag (kind red_flag), which is otherwise refused with 409.",
    )


class ConflictSerializer(serializers.Serializer):
    exercise = serializers.UUIDField()
    exercise_name = serializers.CharField()
    precaution = serializers.CharField()
    advice = serializers.CharField()
