"""What the API shows of exercises and programs (read-only shapes)."""

from __future__ import annotations

from rest_framework import serializers

from programs.dosage import DOSAGE_FIELDS, ITEM_FIELDS, describe_dosage
from programs.models import Exercise, Program, ProgramItem, ProgramRevision


class ExerciseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    shared = serializers.BooleanField(source="is_shared", read_only=True)
    regions = serializers.SerializerMethodField()
    equipment = serializers.SerializerMethodField()

    class Meta:
        model = Exercise
        fields = [
            "id", "name", "lay_name", "category", "position", "style", "regions", "equipment",
            "cautions", "stop_if", *DOSAGE_FIELDS, "shared", "updated_at",
        ]  # fmt: skip

    def get_regions(self, obj: Exercise) -> list[str]:
        return sorted(obj.regions)

    def get_equipment(self, obj: Exercise) -> list[str]:
        return sorted(obj.equipment)


class ProgramItemSerializer(serializers.ModelSerializer):
    exercise = serializers.UUIDField(source="exercise.uuid", read_only=True)
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)
    dosage = serializers.SerializerMethodField()
    load_kg = serializers.FloatField(allow_null=True, read_only=True)

    class Meta:
        model = ProgramItem
        fields = [
            "id", "order", "exercise", "exercise_name", *ITEM_FIELDS, "dosage",
        ]  # fmt: skip

    def get_dosage(self, obj: ProgramItem) -> str:
        """The same words as the chart and the printed handout."""
        return describe_dosage(obj)


class RevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgramRevision
        fields = ["number", "summary", "created_at"]


class ProgramSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    items = ProgramItemSerializer(many=True, read_only=True)

    class Meta:
        model = Program
        fields = [
            "id", "title", "goal", "status", "start_date", "review_date", "patient_notes",
            "revision", "created_at", "updated_at", "items",
        ]  # fmt: skip


class ProgramDetailSerializer(ProgramSerializer):
    revisions = RevisionSerializer(many=True, read_only=True)

    class Meta(ProgramSerializer.Meta):
        fields = [*ProgramSerializer.Meta.fields, "revisions"]
