"""Uploads are whole or absent: a full or failing disk saves nothing (no row, no file, no
truncated file), says so, and a retry makes exactly one exercise."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic.models import Clinic
from programs.models import Exercise
from tests.clinic.test_clinic_settings import png, settings_form
from tests.programs.test_exercise_admin import form_data, jpeg_with_gps


def files_under(folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def full_disk(monkeypatch):
    """The disk fills up while a file is written: the data cannot be flushed."""

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    return monkeypatch


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("towel.jpg", jpeg_with_gps((1200, 900)), content_type="image/jpeg")


def test_a_full_disk_saves_no_exercise_and_no_file_and_says_so(as_admin_a, full_disk):
    response = as_admin_a.post("/portal/library/new/", {**form_data(), "photo": photo()})
    assert response.status_code == 200
    assert "could not be stored" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not Exercise.objects.filter(name="Towel squeeze").exists()
    assert files_under("exercise-photos") == []  # not even a truncated or temporary file


def test_a_retry_after_the_disk_is_freed_makes_exactly_one_exercise(as_admin_a, full_disk):
    as_admin_a.post("/portal/library/new/", {**form_data(), "photo": photo()})
    as_admin_a.post("/portal/library/new/", {**form_data(), "photo": photo()})
    full_disk.undo()
    response = as_admin_a.post("/portal/library/new/", {**form_data(), "photo": photo()})
    assert response.status_code == 302
    exercise = Exercise.objects.get(name="Towel squeeze")
    assert exercise.photo and [p.name for p in files_under("exercise-photos")] == [
        Path(exercise.photo.name).name
    ]


def test_a_failed_save_removes_the_photo_it_stored(as_admin_a, monkeypatch):
    from clinic import audit

    def broken(*args, **kwargs):
        raise RuntimeError("database gave way")

    monkeypatch.setattr(audit, "record", broken)
    client_error = None
    try:
        as_admin_a.post("/portal/library/new/", {**form_data(), "photo": photo()})
    except RuntimeError as error:
        client_error = error
    assert client_error is not None
    assert not Exercise.objects.filter(name="Towel squeeze").exists()
    assert files_under("exercise-photos") == []


def test_a_logo_the_disk_refuses_leaves_no_orphan_and_changes_nothing(
    as_admin_a, clinic_a, full_disk
):
    response = as_admin_a.post(
        "/portal/clinic/",
        {**settings_form(name="Renamed"), "logo": SimpleUploadedFile("l.png", png())},
    )
    assert "could not be stored" in response.content.decode()
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    assert clinic.name == "Clinic A" and not clinic.logo
    assert files_under("clinic-logos") == []


def test_a_new_logo_replaces_the_old_file_only_once_saved(
    as_admin_a, clinic_a, django_capture_on_commit_callbacks
):
    for name in ("first.png", "second.png"):
        with django_capture_on_commit_callbacks(execute=True):
            as_admin_a.post(
                "/portal/clinic/", {**settings_form(), "logo": SimpleUploadedFile(name, png())}
            )
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    assert [p.name for p in files_under("clinic-logos")] == [Path(clinic.logo.name).name]


def test_the_500_page_promises_nothing_it_cannot_know(client):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Nothing you entered was saved partially" not in page
    assert "check whether your last change was saved" in page
