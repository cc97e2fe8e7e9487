"""The programs app's URLconf, included by clinic/urls.py under the `programs` namespace
(`programs:library`, `programs:template_edit`, ...): the portal's exercise library and
program templates, under /portal/."""

from __future__ import annotations

from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("portal/library/", views.library, name="library"),
    path("portal/library/new/", views.exercise_new, name="exercise_new"),
    path("portal/library/<uuid:exercise_uuid>/", views.exercise_detail, name="exercise_detail"),
    path("portal/library/<uuid:exercise_uuid>/edit/", views.exercise_edit, name="exercise_edit"),
    path(
        "portal/library/<uuid:exercise_uuid>/translations/<slug:language>/",
        views.exercise_translation,
        name="exercise_translation",
    ),
    path(
        "portal/library/<uuid:exercise_uuid>/copy/",
        views.exercise_copy_view,
        name="exercise_copy",
    ),
    path("portal/library/<uuid:exercise_uuid>/photo/", views.exercise_photo, name="exercise_photo"),
    path("portal/templates/", views.templates, name="templates"),
    path("portal/templates/new/", views.template_new, name="template_new"),
    path("portal/templates/<uuid:program_uuid>/edit/", views.template_edit, name="template_edit"),
]
