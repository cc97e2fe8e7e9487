from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from clinic.actors import Actor
from clinic.models import AuditEvent
from patients.models import SessionLog
from patients.practice_log import Done, session_log
from programs.models import Exercise, ProgramItem
from programs.services import exercise_copy
from tests.conftest import client_for, revise


def form_data(**overrides) -> dict:
    data = {
        "name": "Towel squeeze",
        "lay_name": "Squeeze a towel between your knees",
        "category": "strength",
        "position": "sitting",
        "style": "isometric",
        "regions": ["knee", "hip"],
        "equipment": ["chair"],
        "cue_setup": "Sit tall with a rolled towel between your knees.",
        "cue_movement": "Squeeze the towel and hold, then let go slowly.",
        "cue_feel": "You should feel the inside of your thighs working.",
        "sets": "1",
        "reps": "10",
        "hold_seconds": "5",
        "rest_seconds": "0",
        "times_per_day": "1",
        "days_per_week": "7",
        "side": "both",
    }
    data.update(overrides)
    return data


def jpeg_with_gps(size=(2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_an_admin_adds_a_clinic_exercise_with_cues(as_admin_a, clinic_a):
    response = as_admin_a.post("/portal/library/new/", form_data())
    exercise = Exercise.objects.get(name="Towel squeeze")
    assert response["Location"] == f"/portal/library/{exercise.uuid}/"
    assert exercise.clinic == clinic_a and exercise.regions == ["hip", "knee"]
    assert [c.kind for c in exercise.cues.all()] == ["setup", "movement", "feel"]
    assert AuditEvent.objects.filter(action="exercise.save").exists()


def test_a_clinician_cannot_add_exercises(as_clinician_a):
    assert as_clinician_a.post("/portal/library/new/", form_data()).status_code == 403
    assert not Exercise.objects.filter(name="Towel squeeze").exists()


def test_a_photo_is_downscaled_and_stripped_of_location(as_admin_a):
    photo = SimpleUploadedFile("holiday.jpg", jpeg_with_gps(), content_type="image/jpeg")
    as_admin_a.post("/portal/library/new/", {**form_data(), "photo": photo})
    exercise = Exercise.objects.get(name="Towel squeeze")
    stored = exercise.photo.read()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert max(image.size) == 1600
        assert not image.getexif()
    assert "holiday" not in exercise.photo.name
    served = as_admin_a.get(f"/portal/library/{exercise.uuid}/photo/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == stored
    # Lost from the disk (a restore without its media): 404, not a 500.
    exercise.photo.storage.delete(exercise.photo.name)
    assert as_admin_a.get(f"/portal/library/{exercise.uuid}/photo/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"just some text, not a picture", "not a picture we can use"),
        (
            "scan.pdf",
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
            "not a picture we can use",
        ),
        ("huge.jpg", b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_nothing_is_saved(
    as_admin_a, name, content, message
):
    upload = SimpleUploadedFile(name, content)
    response = as_admin_a.post("/portal/library/new/", {**form_data(), "photo": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Exercise.objects.filter(name="Towel squeeze").exists()


def test_a_missing_cue_or_dose_is_explained(as_admin_a):
    response = as_admin_a.post(
        "/portal/library/new/", form_data(cue_movement="", reps="", hold_seconds="0")
    )
    body = response.content.decode()
    assert "This field is required" in body and "Give the reps, a hold time or a duration" in body


def test_default_reps_and_a_time_are_refused(as_admin_a):
    """The same rule as a program row: every program that took these defaults would name
    two amounts."""
    response = as_admin_a.post("/portal/library/new/", form_data(reps="10", duration_seconds="60"))
    assert "Give the reps or a time, not both" in response.content.decode()
    assert not Exercise.objects.filter(name="Towel squeeze").exists()


def test_a_clinic_exercise_borrows_a_built_in_drawing(as_admin_a):
    """Issue 20: a clinic's own exercise gets pictures too, from a built-in pose pair."""
    as_admin_a.post("/portal/library/new/", form_data(illustration="seated-knee-extension"))
    exercise = Exercise.objects.get(name="Towel squeeze")
    assert exercise.illustration == "seated-knee-extension"
    page = as_admin_a.get(f"/portal/library/{exercise.uuid}/").content.decode()
    assert page.count("<svg") >= 3  # start, end and the moving picture
    assert "Towel squeeze: the movement" in page
    form = as_admin_a.get(f"/portal/library/{exercise.uuid}/edit/").content.decode()
    assert '<option value="seated-knee-extension" selected>' in form


def test_only_built_in_drawings_can_be_picked(as_admin_a):
    response = as_admin_a.post("/portal/library/new/", form_data(illustration="../../etc"))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Exercise.objects.filter(name="Towel squeeze").exists()


def test_a_clinic_exercise_may_have_no_drawing(as_admin_a):
    as_admin_a.post("/portal/library/new/", form_data(illustration=""))
    exercise = Exercise.objects.get(name="Towel squeeze")
    assert exercise.illustration == ""
    page = as_admin_a.get(f"/portal/library/{exercise.uuid}/").content.decode()
    assert "the movement" not in page


def clinic_photo_in(program, membership, admin) -> Exercise:
    """A copy of cat/cow, clinic A's own, with an uploaded photo, added to `program`."""
    own = exercise_copy(
        actor=Actor.for_member(admin.memberships.get()),
        source=Exercise.objects.get(slug="cat-cow", clinic=None),
    )
    own.photo.save("cat-cow.png", ContentFile(png()))
    items = [{"id": i.pk, "exercise": i.exercise} for i in program.items.all()]
    revise(program, membership, [*items, {"exercise": own, "reps": 10}])
    return own


def png() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 60)).save(image, "PNG")
    return image.getvalue()


def test_a_clinic_photo_in_the_patients_program_loads_for_the_patient(
    admin_a, as_clinician_a, as_patient_a1, patient_a1, program_a1, membership_a
):
    """The patient's pages pointed at the library's staff-only photo route: a broken
    picture on their own program, and an "Access refused" in the clinic's audit log at
    every look. Their pages point at the patient area's route, served as the staff one."""
    own = clinic_photo_in(program_a1, membership_a, admin_a)
    before = AuditEvent.objects.filter(action="access.denied").count()
    for page in ("/me/", "/me/program/"):
        sources = re.findall(r'<img[^>]+src="([^"]+)"', as_patient_a1.get(page).content.decode())
        assert sources == [f"/me/program/photo/?exercise={own.uuid}"], page
        photo = as_patient_a1.get(sources[0])
        assert photo.status_code == 200
        assert b"".join(photo.streaming_content) == own.photo.open("rb").read()
        assert photo["Cache-Control"] == "private, max-age=3600"
        assert photo["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="access.denied").count() == before
    # Staff pages keep the library's route.
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert f'src="/portal/library/{own.uuid}/photo/"' in chart


def test_the_patients_photo_route_serves_only_their_current_programs_photos(
    admin_a, clinic_b, patient_a1, patient_a2, program_a1, membership_a
):
    """Only an exercise of the patient's own current program: another patient of the
    clinic, another exercise of the library, another clinic's exercise (whatever put it in
    the program) and a program they finished are each a 404, audited as refused."""
    own = clinic_photo_in(program_a1, membership_a, admin_a)
    url = f"/me/program/photo/?exercise={own.uuid}"
    as_a1, as_a2 = client_for(patient_a1.user), client_for(patient_a2.user)
    assert as_a2.get(url).status_code == 404
    elsewhere = Exercise.objects.create(
        clinic=clinic_b, name="B's own", slug="b-own", category="mobility", position="standing"
    )
    elsewhere.photo.save("b.png", ContentFile(png()))
    ProgramItem.objects.create(program=program_a1, exercise=elsewhere, order=50)
    not_in_it = exercise_copy(
        actor=Actor.for_member(admin_a.memberships.get()),
        source=Exercise.objects.get(slug="glute-bridge", clinic=None),
    )
    not_in_it.photo.save("bridge.png", ContentFile(png()))
    for other in (elsewhere.uuid, not_in_it.uuid, "not-an-id"):
        assert as_a1.get(f"/me/program/photo/?exercise={other}").status_code == 404
    assert as_a1.get("/me/program/photo/").status_code == 404
    program_a1.status = "completed"
    program_a1.save(update_fields=["status"])
    assert as_a1.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="exercise").count() == 6


def test_the_edit_page_of_a_session_shows_the_photo_of_an_exercise_removed_since(
    admin_a, as_patient_a1, program_a1, membership_a
):
    """The edit page shows a session's exercises as prescribed when it was done: one
    swapped out since was a broken picture there, and an "Access refused" at every look
    (found by review)."""
    own = clinic_photo_in(program_a1, membership_a, admin_a)
    item = program_a1.items.get(exercise=own)
    logged = as_patient_a1.post(
        "/me/log/", {"client_token": "photo-session", "pain": "2", f"done_{item.pk}": "on"}
    )
    assert logged.status_code == 302
    # The clinician swaps the exercise out afterwards (the builder, a progression swap).
    revise(
        program_a1,
        membership_a,
        [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.exclude(exercise=own)],
    )
    page = as_patient_a1.get("/me/log/edit/")
    assert page.status_code == 200
    sources = re.findall(r'<img[^>]+src="([^"]+)"', page.content.decode())
    assert len(sources) == 1, sources  # the session's own exercise, with its photo
    before = AuditEvent.objects.filter(action="access.denied").count()
    photo = as_patient_a1.get(sources[0].replace("&amp;", "&"))
    # The patient did this exercise in this session and is looking at it: the picture loads,
    # and no refused access is recorded against them.
    assert photo.status_code == 200
    assert AuditEvent.objects.filter(action="access.denied").count() == before


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def test_a_photo_costs_the_same_however_many_sessions_can_still_be_changed(
    admin_a, as_patient_a1, patient_a1, program_a1, membership_a
):
    """Each photo of an exercise swapped out (and each refused one) read every session of
    the last 24 hours one by one, two queries each (found by review)."""
    own = clinic_photo_in(program_a1, membership_a, admin_a)
    revise(
        program_a1,
        membership_a,
        [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.exclude(exercise=own)],
    )
    others = list(program_a1.items.select_related("exercise"))
    url = f"/me/program/photo/?exercise={own.uuid}"

    def log(n: int) -> None:
        session_log(
            patient=patient_a1,
            program=program_a1,
            done=[Done(others[0].exercise)],
            pain=2,
            effort=3,
            comment="",
            client_token=f"many-{n}",
            actor=Actor.for_patient(patient_a1),
            performed_on=timezone.localdate(),
        )

    log(0)
    few = _queries_for(as_patient_a1, url)
    for n in range(1, 21):
        log(n)
    assert SessionLog.objects.filter(patient=patient_a1).count() == 21
    many = _queries_for(as_patient_a1, url)
    assert many == few, f"{few} queries with one session, {many} with 21"


def _edit_page(client, exercise) -> tuple[str, dict]:
    from tests.patients.test_intake import as_shown

    url = f"/portal/library/{exercise.uuid}/edit/"
    return url, as_shown(client.get(url))


def _two_pages(first, clinic_a, exercise) -> tuple[str, dict, Client, dict]:
    """The edit page opened by `first`, then by a colleague: (url, what `first`'s page
    sends, the colleague's client, what the colleague's page sends)."""
    from tests.conftest import make_staff

    colleague = client_for(make_staff(clinic_a, "second.admin@a.test", "admin"))
    url, stale = _edit_page(first, exercise)
    _url, fresh = _edit_page(colleague, exercise)
    return url, stale, colleague, fresh


@pytest.fixture
def own_exercise_dosed(own_exercise):
    # Areas and equipment are required on the page; the fixture's exercise has neither.
    own_exercise.regions, own_exercise.equipment, own_exercise.reps = ["knee"], ["none"], 10
    own_exercise.save()
    return own_exercise


def test_a_stale_exercise_page_never_undoes_a_colleagues_stop_line_unseen(
    as_admin_a, clinic_a, own_exercise_dosed
):
    """Two admins open one exercise. One adds "or swells" to its stop line and saves; the
    other, from the page opened before, renames it. The stop line patients read must not
    go back to the old words unseen: the second page is refused with what was saved."""
    url, stale, colleague, fresh = _two_pages(as_admin_a, clinic_a, own_exercise_dosed)
    new_stop = "Stop if your knee hurts or swells."
    assert colleague.post(url, {**fresh, "stop_if": new_stop}).status_code == 302

    refused = as_admin_a.post(url, {**stale, "name": "Towel squeeze (seated)"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "This exercise was saved at" in page and new_stop in page
    own_exercise_dosed.refresh_from_db()
    assert (own_exercise_dosed.name, own_exercise_dosed.stop_if) == ("Towel squeeze", new_stop)

    # Sent again from the refused page (which now carries the saved version), knowingly.
    from tests.patients.test_intake import as_shown

    assert as_admin_a.post(url, as_shown(refused)).status_code == 302
    own_exercise_dosed.refresh_from_db()
    assert own_exercise_dosed.name == "Towel squeeze (seated)"


def test_a_stale_exercise_page_never_undoes_a_colleagues_step_unseen(
    as_admin_a, clinic_a, own_exercise_dosed
):
    """The steps are rows of their own, but part of what the page showed."""
    url, stale, colleague, fresh = _two_pages(as_admin_a, clinic_a, own_exercise_dosed)
    new_step = "Squeeze for {hold}, then let go slowly."
    assert colleague.post(url, {**fresh, "cue_movement": new_step}).status_code == 302

    refused = as_admin_a.post(url, {**stale, "cautions": "Keep your back straight."})
    assert refused.status_code == 200
    assert new_step in refused.content.decode()
    assert [c.text for c in own_exercise_dosed.cues.all()][1] == new_step
    own_exercise_dosed.refresh_from_db()
    assert own_exercise_dosed.cautions == ""


def test_an_exercise_page_sent_twice_saves_both_times(as_admin_a, own_exercise_dosed):
    """A double click: the second sending finds the fields already as sent. No conflict."""
    url, shown = _edit_page(as_admin_a, own_exercise_dosed)
    changed = {**shown, "stop_if": "Stop if it hurts.", "cue_feel": "Feel your thighs work."}
    assert as_admin_a.post(url, changed).status_code == 302
    assert as_admin_a.post(url, changed).status_code == 302
    own_exercise_dosed.refresh_from_db()
    assert own_exercise_dosed.stop_if == "Stop if it hurts."
