"""/api/v1/: every app's endpoints, the OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from clinic import permissions
from clinic.api.framework import NoSuchAddress
from clinic.api.schema import SchemaView
from patients.api import views as patients
from programs.api import views as programs

P = "patients/<uuid:patient_uuid>/"

urlpatterns = [
    # The schema and its page hold no clinic data: anyone may read how the API works.
    path("schema/", permissions.public(SchemaView.as_view()), name="api_schema"),
    path(
        "docs/",
        permissions.public(
            SpectacularSwaggerSplitView.as_view(
                url_name="api_schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api_docs",
    ),
    path("library/", programs.ExerciseList.as_view(), name="api_library"),
    path("library/<uuid:exercise_uuid>/", programs.ExerciseDetail.as_view(), name="api_exercise"),
    path("templates/", programs.TemplateList.as_view(), name="api_templates"),
    path("templates/<uuid:program_uuid>/", programs.TemplateDetail.as_view(), name="api_template"),
    path("patients/", patients.PatientList.as_view(), name="api_patients"),
    path("patients/search/", patients.PatientSearch.as_view(), name="api_patient_search"),
    path("outcomes/", patients.OutcomeFeed.as_view(), name="api_outcome_feed"),
    path(P, patients.PatientDetail.as_view(), name="api_patient"),
    path(P + "programs/", patients.ProgramList.as_view(), name="api_programs"),
    path(
        P + "programs/<uuid:program_uuid>/",
        patients.ProgramDetail.as_view(),
        name="api_program",
    ),
    path(P + "sessions/", patients.SessionList.as_view(), name="api_sessions"),
    path(P + "morning-checks/", patients.MorningCheckList.as_view(), name="api_morning_checks"),
    path(P + "measurements/", patients.MeasurementList.as_view(), name="api_measurements"),
    path(P + "outcomes/", patients.OutcomeList.as_view(), name="api_outcomes"),
    path(P + "flags/", patients.FlagList.as_view(), name="api_flags"),
    path(
        P + "flags/<uuid:flag_uuid>/resolve/",
        patients.FlagResolve.as_view(),
        name="api_flag_resolve",
    ),
    # Last: every other address under /api/v1/.
    re_path(r".*", permissions.public(NoSuchAddress.as_view()), name="api_no_such_address"),
]
