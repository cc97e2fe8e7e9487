"""/fhir/R4/: the read-only FHIR R4 export (patients.api.fhir_views)."""

from __future__ import annotations

from django.urls import path, re_path

from clinic import permissions
from patients.api import fhir_views as views

urlpatterns = [
    path("metadata", views.metadata, name="fhir_metadata"),
    path("Patient", views.PatientSearch.as_view(), name="fhir_patients"),
    path("Patient/<uuid:patient_uuid>", views.PatientRead.as_view(), name="fhir_patient"),
    path(
        "Patient/<uuid:patient_uuid>/$everything",
        views.PatientEverything.as_view(),
        name="fhir_patient_everything",
    ),
    path("Practitioner", views.PractitionerSearch.as_view(), name="fhir_practitioners"),
    path(
        "Practitioner/<uuid:user_uuid>", views.PractitionerRead.as_view(), name="fhir_practitioner"
    ),
    path("Organization", views.OrganizationSearch.as_view(), name="fhir_organizations"),
    path(
        "Organization/<uuid:clinic_uuid>",
        views.OrganizationRead.as_view(),
        name="fhir_organization",
    ),
    path("CarePlan", views.CarePlanSearch.as_view(), name="fhir_careplans"),
    path("CarePlan/<uuid:program_uuid>", views.CarePlanRead.as_view(), name="fhir_careplan"),
    path("Observation", views.ObservationSearch.as_view(), name="fhir_observations"),
    path(
        "Observation/<str:observation_id>",
        views.ObservationRead.as_view(),
        name="fhir_observation",
    ),
    path(
        "QuestionnaireResponse",
        views.QuestionnaireResponseSearch.as_view(),
        name="fhir_questionnaire_responses",
    ),
    path(
        "QuestionnaireResponse/<uuid:response_uuid>",
        views.QuestionnaireResponseRead.as_view(),
        name="fhir_questionnaire_response",
    ),
    # Last: every other address under /fhir/R4/.
    re_path(r".*", permissions.public(views.NoSuchAddress.as_view()), name="fhir_no_such_address"),
]
