"""API: the exercise library and program templates (read), with the portal's rules:
the shared library and this clinic's own entries, nothing of other clinics."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView

from clinic import audit, permissions
from clinic.api.framework import UPDATED_SINCE, ClinicApiView, updated_since
from programs.api.serializers import ExerciseSerializer, ProgramSerializer
from programs.models import Exercise, Program, ProgramItem


def _items() -> Prefetch:
    return Prefetch("items", ProgramItem.objects.select_related("exercise"))


class ExerciseList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "library.view"}
    serializer_class = ExerciseSerializer

    def get_queryset(self):
        rows = Exercise.objects.visible_to_clinic(self.request.clinic.pk).order_by("name", "id")
        since = updated_since(self.request)
        return rows.filter(updated_at__gte=since) if since else rows

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="library_list")
    def get(self, request, *args, **kwargs):
        audit.record(request.actor, "library.view")
        return super().get(request, *args, **kwargs)


class ExerciseDetail(ClinicApiView, RetrieveAPIView):
    capabilities = {"GET": "library.view"}
    serializer_class = ExerciseSerializer

    def get_object(self):
        rows = Exercise.objects.visible_to_clinic(self.request.clinic.pk)
        key = permissions.parse_uuid(self.kwargs["exercise_uuid"])
        found = rows.filter(uuid=key).first() if key else None
        if found is None:
            raise permissions.not_found(self.request, "exercise", self.kwargs["exercise_uuid"])
        audit.record(self.request.actor, "library.view", obj=found)
        return found


class TemplateList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "programs.edit"}
    serializer_class = ProgramSerializer

    def get_queryset(self):
        rows = (
            Program.objects.templates_for(self.request.clinic.pk)
            .prefetch_related(_items())
            .order_by("title", "id")
        )
        since = updated_since(self.request)
        return rows.filter(updated_at__gte=since) if since else rows

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="templates_list")
    def get(self, request, *args, **kwargs):
        audit.record(request.actor, "templates.view")
        return super().get(request, *args, **kwargs)


class TemplateDetail(ClinicApiView, RetrieveAPIView):
    capabilities = {"GET": "programs.edit"}
    serializer_class = ProgramSerializer

    def get_object(self):
        rows = Program.objects.templates_for(self.request.clinic.pk).prefetch_related(_items())
        key = permissions.parse_uuid(self.kwargs["program_uuid"])
        found = rows.filter(uuid=key).first() if key else None
        if found is None:
            raise permissions.not_found(self.request, "program", self.kwargs["program_uuid"])
        audit.record(self.request.actor, "templates.view", obj=found)
        return found
