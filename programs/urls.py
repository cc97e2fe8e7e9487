"""The programs app's portal pages (the exercise library and templates), included under
/portal/ by clinic/urls.py."""

from __future__ import annotations

from django.urls import path

from programs import views

portal = [
    path("library/", views.library, name="library"),
    path("library/new/", views.exercise_new, name="exercise_new"),
    path("library/<uuid:exercise_uuid>/", views.exercise_detail, name="exercise_detail"),
    path("library/<uuid:exercise_uuid>/edit/", views.exercise_edit, name="exercise_edit"),
    path(
        "library/<uuid:exercise_uuid>/translations/<slug:language>/",
        views.exercise_translation,
        name="exercise_translation",
    ),
    path(
        "library/<uuid:exercise_uuid>/copy/",
        views.exercise_copy_view,
        name="exercise_copy",
    ),
    path("library/<uuid:exercise_uuid>/photo/", views.exercise_photo, name="exercise_photo"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<uuid:program_uuid>/edit/", views.template_edit, name="template_edit"),
]
