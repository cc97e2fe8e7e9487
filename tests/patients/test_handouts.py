from __future__ import annotations

import html
import io
import itertools
import math
import re
import shutil
import subprocess
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageStat
from pypdf import PdfReader

from clinic.actors import Actor
from clinic.lib import pdf as clinic_pdf
from clinic.models import AuditEvent, Clinic, Invitation, Membership, OutgoingEmail
from patients.handouts import handout_people
from patients.models import Patient
from programs import handout_render as handouts
from programs.content.exercises import EXERCISES
from programs.dosage import describe_dosage, fill_step
from programs.illustrations import has_illustration
from programs.models import CueKind, Exercise, ExerciseCue, HandoutPrint
from programs.pain_guide import pain_guide
from programs.services import exercise_copy, exercise_save, program_set_status
from tests.conftest import client_for, get_document, revise, run_tasks, spaced
from tests.pdf_text import page_texts, pdf_text


def url(patient, program, suffix="handout.pdf") -> str:
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/{suffix}"


def pdf_of(response) -> PdfReader:
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


def dominant_font_size(reader: PdfReader) -> float:
    sizes: Counter = Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[round(size * (tm[0] or 1) * (cm[0] or 1), 1)] += len(text)

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


def test_the_clinician_downloads_a_complete_handout(as_clinician_a, patient_a1, program_a1):
    response = get_document(as_clinician_a, url(patient_a1, program_a1))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "r1" in disposition
    assert "Okafor" not in disposition and "Amara" not in disposition
    assert "no-store" in response["Cache-Control"]
    reader = pdf_of(response)
    text = text_of(response)
    assert "Amara Okafor" in text
    assert "Revision 1 of" in text and "Cleo Clinician" in text and "Clinic A" in text
    for item in program_a1.items.select_related("exercise"):
        assert item.exercise.name in text
        assert spaced(describe_dosage(item)) in text
    # summary, the exercises two to a page, the template's leaflets (a page), weekly log
    assert len(reader.pages) == 3 + (program_a1.items.count() + 1) // 2
    assert "To read" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Pain guide" in text and "Call 999 or go to A&E now if" in text and "My week" in text
    for band in pain_guide():  # the same words as Today's (test_facts_once)
        assert spaced(f"{band.pain} {band.advice}") in text
    assert dominant_font_size(reader) >= 12


def test_the_pdf_is_tagged_with_embedded_fonts(as_clinician_a, patient_a1, program_a1):
    reader = pdf_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = (
                font.get_object().get("/FontDescriptor")
                or font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            fonts.append(descriptor.get_object())
    assert fonts and all(
        any(key in f for key in ("/FontFile", "/FontFile2", "/FontFile3")) for f in fonts
    )


def text_sizes(reader: PdfReader) -> list[tuple[float, str]]:
    """(size in points, text) of every piece of text the PDF draws: the font size scaled by
    the text and drawing matrices, as it prints."""

    def scale(matrix) -> float:
        return math.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]))

    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((round(size * scale(tm) * scale(cm), 2), text.strip()))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return runs


def test_large_print_has_no_text_under_sixteen_points(
    as_clinician_a, patient_a1, program_a1, settings
):
    """Issue 13: large print had a 15 pt body and 8.5 to 9 pt header, footer and login
    link. Now nothing is under 16 pt: header and phone number, page numbers included."""
    settings.SITE_URL = "http://testserver"
    reader = pdf_of(get_document(as_clinician_a, url(patient_a1, program_a1) + "?large=1"))
    runs = text_sizes(reader)
    assert min(size for size, _text in runs) >= 16, sorted(runs)[:5]
    assert dominant_font_size(reader) >= 17
    printed = " ".join(text for _size, text in runs)
    for part in ("Clinic A", "Phone +1 555 0100", "Page 1 of", "Amara Okafor", "/start/"):
        assert part in printed, part
    # The standard print really is smaller: the test can tell the two apart.
    standard = text_sizes(pdf_of(get_document(as_clinician_a, url(patient_a1, program_a1))))
    assert min(size for size, _text in standard) < 10


def test_a_title_with_markup_is_printed_as_text(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    revise(program_a1, membership_a, items, {"title": "Back & hips <b>bold</b> <img src=x>"})
    text = text_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    assert "Back & hips <b>bold</b> <img src=x>" in text


def test_birth_date_shows_only_when_the_clinic_turns_it_on(as_clinician_a, patient_a1, program_a1):
    assert "born 17 May 1980" not in text_of(
        get_document(as_clinician_a, url(patient_a1, program_a1))
    )
    clinic = patient_a1.clinic
    clinic.handout_shows_birth_date = True
    clinic.save()
    assert "born 17 May 1980" in text_of(get_document(as_clinician_a, url(patient_a1, program_a1)))


def test_a_handout_never_mints_or_carries_a_sign_in_link(
    as_clinician_a, clinic_a, patient_a1, program_a1, settings
):
    """Attack (before): downloading the handout of a patient without a login created a
    live invitation and printed it; whoever held the paper (or the stored file) could set
    the account's password. Now the code leads to the clinic's sign-in page only."""
    settings.SITE_URL = "http://testserver"
    patient_a1.user = None
    patient_a1.save()
    text = text_of(get_document(as_clinician_a, url(patient_a1, program_a1))).replace(" ", "")
    assert f"http://testserver/start/{clinic_a.uuid}/" in text
    assert "/invite/" not in text
    assert not Invitation.objects.exists()
    page = client_for(None).get(f"/start/{clinic_a.uuid}/")
    assert page.status_code == 200 and "E-mail me a link" in page.content.decode()


def test_a_patient_without_an_email_is_not_told_to_scan_a_code(
    as_clinician_a, patient_a1, program_a1
):
    Patient.objects.filter(pk=patient_a1.pk).update(email="")
    text = text_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    assert "Scan the code" not in text and "Ask us to set up your patient login" in text


def test_downloads_are_recorded_and_audited(as_clinician_a, patient_a1, program_a1):
    get_document(as_clinician_a, url(patient_a1, program_a1))
    record = HandoutPrint.objects.get()
    assert record.revision.number == 1 and record.channel == "download"
    event = AuditEvent.objects.get(action="handout.download")
    assert event.patient_uuid == patient_a1.uuid
    history = as_clinician_a.get(url(patient_a1, program_a1, "history/")).content.decode()
    assert "Handed out:" in history and "downloaded by staff" in history


def test_the_patient_downloads_their_own_handout(as_patient_a1, patient_a1, program_a1):
    response = get_document(as_patient_a1, "/me/handout.pdf")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Amara Okafor" in text_of(response)
    assert HandoutPrint.objects.get().channel == "patient"
    assert AuditEvent.objects.filter(action="handout.patient", actor=patient_a1.user).exists()


def test_a_patient_whose_sheet_is_older_than_their_program_is_told(
    as_clinician_a, as_patient_a1, membership_a, patient_a1, program_a1
):
    """Found by the dose review: after a revision, Today and My program showed the new dose
    with no word that the printed sheet in the patient's hand was out of date."""
    notice = "Your exercises have changed since your exercise sheet was made"
    get_document(as_clinician_a, url(patient_a1, program_a1))  # printed at the visit
    assert notice not in as_patient_a1.get("/me/").content.decode()
    items = [{"id": i.pk, "exercise": i.exercise, "reps": 12} for i in program_a1.items.all()]
    revise(program_a1, membership_a, items)
    assert notice in as_patient_a1.get("/me/").content.decode()
    assert notice in as_patient_a1.get("/me/program/").content.decode()
    get_document(as_patient_a1, "/me/handout.pdf")  # the new one
    assert notice not in as_patient_a1.get("/me/").content.decode()
    assert notice not in as_patient_a1.get("/me/program/").content.decode()


def test_a_pause_and_a_resume_leave_the_sheet_as_it_was(
    as_clinician_a, as_patient_a1, membership_a, patient_a1, program_a1
):
    """Found by the review of today's diff: paused and resumed (two revisions, nothing on
    the sheet changed), a patient back from a flare-up was told to follow the page, not
    their sheet."""
    get_document(as_clinician_a, url(patient_a1, program_a1))
    program_set_status(program=program_a1, actor=Actor.for_member(membership_a), status="paused")
    program_a1.refresh_from_db()
    program_set_status(program=program_a1, actor=Actor.for_member(membership_a), status="active")
    program_a1.refresh_from_db()
    assert program_a1.revision == 3
    assert "exercise sheet was made" not in as_patient_a1.get("/me/").content.decode()


def test_a_patient_never_given_a_sheet_is_not_told_it_is_old(
    as_patient_a1, membership_a, program_a1
):
    items = [{"id": i.pk, "exercise": i.exercise, "reps": 12} for i in program_a1.items.all()]
    revise(program_a1, membership_a, items)
    assert "exercise sheet was made" not in as_patient_a1.get("/me/").content.decode()


def test_a_paused_program_gives_the_patient_no_sheet_to_carry_on_with(
    as_patient_a1, membership_a, patient_a1, program_a1
):
    """Today refused a session on a paused program while My program offered its sheet of
    doses to carry on with, and said nothing of the pause (found by review)."""
    program_set_status(
        program=program_a1,
        actor=Actor.for_member(membership_a),
        status="paused",
        patient=patient_a1,
    )
    page = as_patient_a1.get("/me/program/").content.decode()
    assert "Your program is paused" in page
    assert "Download my exercise sheet" not in page and "/me/handout.pdf" not in page
    refused = as_patient_a1.get("/me/handout.pdf", follow=True)
    assert refused.redirect_chain == [("/me/program/", 302)]
    assert "not available while your program is paused" in refused.content.decode()
    assert not HandoutPrint.objects.exists()


def test_another_patient_never_gets_this_handout(patient_a2, program_a1):
    response = client_for(patient_a2.user).get("/me/handout.pdf", follow=True)
    assert "no exercise program yet" in response.content.decode()
    assert "Okafor" not in response.content.decode()


def test_emailing_asks_first_then_the_worker_attaches_the_pdf_with_a_neutral_subject(
    clinician_a, as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks
):
    ask = as_clinician_a.get(url(patient_a1, program_a1, "handout/email/"))
    assert "E-mail the handout" in ask.content.decode() and mail.outbox == []
    assert AuditEvent.objects.filter(action="handout.email_confirm").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_clinician_a.post(url(patient_a1, program_a1, "handout/email/"))
    assert response.status_code == 302
    # Queued, not sent in the request; not on the history until the mail server takes it.
    assert mail.outbox == [] and not HandoutPrint.objects.exists()
    assert AuditEvent.objects.filter(action="handout.email_queue").exists()
    email = OutgoingEmail.objects.get()
    assert email.status == "queued" and email.kind == "handout"
    run_tasks()  # renders the handout, then sends the e-mail that waited for it
    message = mail.outbox[0]
    assert message.to == [patient_a1.email]
    assert message.subject == "Limber: A document from Clinic A"
    filename, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")
    assert "Okafor" not in filename
    email.refresh_from_db()
    assert email.status == "sent"
    record = HandoutPrint.objects.get()
    assert record.channel == "email" and record.printed_by == clinician_a
    assert AuditEvent.objects.filter(action="handout.email", patient_uuid=patient_a1.uuid).exists()
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert re.search(r"Handout · [^<]+ · <span class=\"text-success\">sent<", chart)


def stored_name(patient, program, large_print=False) -> str:
    from patients.handouts import handout_for

    patient = Patient.objects.select_related("clinic", "clinician").get(pk=patient.pk)
    program.refresh_from_db()
    return handout_for(patient, program, large_print).storage_name


def test_an_unchanged_revision_is_stored_once_and_served_from_storage(
    as_clinician_a, patient_a1, program_a1, monkeypatch
):
    first = get_document(as_clinician_a, url(patient_a1, program_a1)).getvalue()
    assert default_storage.exists(stored_name(patient_a1, program_a1))
    monkeypatch.setattr(handouts, "render_handout", lambda **kwargs: pytest.fail("rendered"))
    again = as_clinician_a.get(url(patient_a1, program_a1))
    assert again.status_code == 200 and again.getvalue() == first
    assert stored_name(patient_a1, program_a1) != stored_name(patient_a1, program_a1, True)


def test_changing_program_branding_or_exercise_text_makes_a_new_handout(
    membership_a, admin_a, as_clinician_a, patient_a1, program_a1
):
    names = [stored_name(patient_a1, program_a1)]
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    revise(program_a1, membership_a, items)
    names.append(stored_name(patient_a1, program_a1))
    clinic = patient_a1.clinic
    clinic.handout_footer = "Open Monday to Friday"
    clinic.save()
    names.append(stored_name(patient_a1, program_a1))
    Patient.objects.filter(pk=patient_a1.pk).update(first_name="Amarachi")
    names.append(stored_name(patient_a1, program_a1))

    admin = Membership.objects.get(user=admin_a)
    own = exercise_copy(actor=Actor.for_member(admin), source=program_a1.items.first().exercise)
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    items[0]["exercise"] = own
    revise(program_a1, membership_a, items)
    names.append(stored_name(patient_a1, program_a1))
    assert names[-1] == stored_name(patient_a1, program_a1)  # nothing changed: same file
    exercise_save(
        actor=Actor.for_member(admin),
        exercise=own,
        fields={"lay_name": "A brand new everyday name"},
        cues=[("setup", "Lie down.")],
    )
    names.append(stored_name(patient_a1, program_a1))
    assert len(set(names)) == len(names)
    text = text_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    assert "A brand new everyday name" in text and "Amarachi" in text


def test_an_exercise_edited_days_after_printing_gives_the_new_sheet_a_new_date(
    admin_a, membership_a, clinician_a, own_exercise, patient_a1, program_a1
):
    """Found by the dose review: a clinic's exercise edited after the sheet was printed
    made a new sheet (a new step, a new stop line) under the printed one's "Revision 2 of
    <date>" and file name: a patient could not tell which they held."""
    label = re.compile(r"Revision \d+ of (\d+ \w+ \d{4})")
    printed, edited = (timezone.localdate() + timedelta(days=n) for n in (2, 4))
    with time_machine.travel(f"{printed} 09:00Z", tick=False):
        revise(program_a1, membership_a, [{"exercise": own_exercise, "hold_seconds": 5}])
        before = get_document(client_for(clinician_a), url(patient_a1, program_a1))
    with time_machine.travel(f"{edited} 09:00Z", tick=False):
        exercise_save(
            actor=Actor.for_member(admin_a.memberships.get()),
            exercise=own_exercise,
            fields={"stop_if": "Stop if your knee hurts or your foot goes numb."},
            cues=[("movement", "Squeeze hard for {hold}, 3 times.")],
        )
        signed_in = client_for(clinician_a)
        after = get_document(signed_in, url(patient_a1, program_a1))
        again = get_document(signed_in, url(patient_a1, program_a1))
    old, new = text_of(before), text_of(after)
    assert "3 times" in new and "3 times" not in old
    assert label.findall(old)[0] == f"{printed.day} {printed:%b %Y}"
    assert label.findall(new)[0] == f"{edited.day} {edited:%b %Y}"
    assert f"-{printed}" in before["Content-Disposition"]
    assert f"-{edited}" in after["Content-Disposition"]
    assert after["Content-Disposition"] == again["Content-Disposition"]  # a day changes it


def test_a_library_update_that_changes_nothing_leaves_the_exercises_alone(db):
    """Every content migration runs the library's sync: saving each exercise again moved
    its updated_at, so every sheet was drawn again and dated the day of the update."""
    from django.apps import apps

    from programs.library_sync import sync_shared_library

    def sync_three_days_later() -> None:
        models = ("Exercise", "ExerciseCue", "Program", "ProgramItem")
        with time_machine.travel(timezone.now() + timedelta(days=3)):
            sync_shared_library(*(apps.get_model("programs", name) for name in models))

    touched = dict(Exercise.objects.filter(clinic=None).values_list("slug", "updated_at"))
    sync_three_days_later()
    assert dict(Exercise.objects.filter(clinic=None).values_list("slug", "updated_at")) == touched
    # A changed word is saved, with its time.
    ExerciseCue.objects.filter(exercise__slug="cat-cow", exercise__clinic=None).update(text="x")
    sync_three_days_later()
    cat_cow = Exercise.objects.get(clinic=None, slug="cat-cow")
    assert cat_cow.updated_at > touched["cat-cow"]
    assert "x" not in set(cat_cow.cues.values_list("text", flat=True))


def test_a_corrected_drawing_makes_a_new_handout(patient_a1, program_a1, monkeypatch, tmp_path):
    """The drawings are drawn from pose data by code, not stored: after a release that
    corrected one, stored handouts kept printing the old picture while the phone showed
    the new one (found by review)."""
    from programs import handouts as stored

    before = stored_name(patient_a1, program_a1)
    code = tmp_path / "illustrations"
    shutil.copytree(stored.DRAWINGS_CODE, code)
    poses = code / "poses.py"
    poses.write_text(poses.read_text().replace("0.", "0.0", 1))
    monkeypatch.setattr(stored, "DRAWINGS_CODE", code)
    stored.drawings_version.cache_clear()
    try:
        assert stored_name(patient_a1, program_a1) != before
    finally:
        stored.drawings_version.cache_clear()


@pytest.mark.parametrize("changed", ["handout.css", "handout.html", "handout_render.py"])
def test_a_changed_layout_makes_a_new_handout(
    changed, patient_a1, program_a1, monkeypatch, tmp_path
):
    """The template, its style sheet and the code that words the handout changed (a
    clinic's footer no longer hides the reminder to follow the clinician's advice) while
    the number bumped by hand for such changes was not: patients kept the old PDF (found
    by the diff review). Their text is in the key now."""
    from programs import handouts as stored

    before = stored_name(patient_a1, program_a1)
    files = []
    for path in stored.LAYOUT_FILES:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes() + (b"\n" if path.name == changed else b""))
        files.append(copy)
    monkeypatch.setattr(stored, "LAYOUT_FILES", tuple(files))
    stored.layout_version.cache_clear()
    try:
        assert stored_name(patient_a1, program_a1) != before
    finally:
        stored.layout_version.cache_clear()


def test_a_clinic_photo_replaces_the_drawing(
    admin_a, as_clinician_a, patient_a1, program_a1, membership_a
):
    admin = Membership.objects.get(user=admin_a)
    # An exercise whose drawing the program does not already use.
    own = exercise_copy(actor=Actor.for_member(admin), source=Exercise.objects.get(slug="cat-cow"))
    image = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 60)).save(image, "PNG")
    own.photo.save(f"{admin.clinic.uuid}/cat-cow.png", ContentFile(image.getvalue()))
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    items.append({"exercise": own, "reps": 10})
    revise(program_a1, membership_a, items)
    reader = pdf_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    # WeasyPrint shares one resource dictionary between pages: count distinct images.
    distinct = {image.data: image.image.size for page in reader.pages for image in page.images}
    assert (320, 240) in distinct.values()
    # Besides the photo, the QR code and the log's week strips (one per number of boxes a
    # day): a start and an end drawing for every other illustrated exercise, and none for
    # the one with the photo.
    strips = {item.times_per_day for item in program_a1.items.all()}
    drawn = {
        item.exercise.illustration
        for item in program_a1.items.select_related("exercise")
        if not item.exercise.photo and has_illustration(item.exercise.illustration)
    }
    assert own.illustration not in drawn
    assert len(distinct) == 2 + len(strips) + 2 * len(drawn)


@pytest.mark.parametrize("large", [False, True])
def test_drawings_are_printed_as_sharp_pictures(large, as_clinician_a, patient_a1, program_a1):
    """The drawings go into the PDF as JPEGs (placed, not drawn, by WeasyPrint): sharp
    enough for print at the width the style sheet gives them."""
    suffix = "handout.pdf?large=1" if large else "handout.pdf"
    reader = pdf_of(get_document(as_clinician_a, url(patient_a1, program_a1, suffix)))
    images = [image for page in reader.pages for image in page.images]
    jpegs = {image.data: image.image.width for image in images if image.name.endswith(".jpg")}
    drawn = {item.exercise.illustration for item in program_a1.items.select_related("exercise")}
    assert len(jpegs) == 2 * len(drawn)
    printed_inches = (handouts.DRAWING_MM[large] - handouts.DRAWING_FRAME_MM) / 25.4
    assert min(jpegs.values()) / printed_inches >= 300


def test_a_printed_drawing_is_made_once_and_shared_through_the_cache(monkeypatch):
    made = []
    real = handouts.drawing_jpeg

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(handouts, "drawing_jpeg", counting)
    handouts._drawing.cache_clear()
    first = handouts._drawing("plank", "end", False)
    handouts._drawing.cache_clear()  # as if in another web worker
    assert handouts._drawing("plank", "end", False) == first
    assert len(made) == 1
    # A change to the drawing is a new picture, never an old one from the cache.
    monkeypatch.setattr(handouts, "render_svg", lambda *args, **kwargs: "<svg>changed</svg>")
    handouts._drawing.cache_clear()
    handouts._drawing("plank", "end", False)
    assert len(made) == 2
    handouts._drawing.cache_clear()


def poppler(tool: str, *args: str, pdf: bytes, out: Path) -> None:
    """Run one of poppler's command-line tools on a PDF, writing to `out`."""
    source = out.parent / "handout.pdf"
    source.write_bytes(pdf)
    subprocess.run([f"/usr/bin/{tool}", *args, str(source), str(out)], check=True, timeout=60)  # noqa: S603


def test_the_first_page_renders_to_a_real_picture(as_clinician_a, patient_a1, program_a1, tmp_path):
    pdf = get_document(as_clinician_a, url(patient_a1, program_a1)).content
    poppler("pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", pdf=pdf, out=tmp_path / "p")
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 2
    for page in pages:
        with Image.open(page) as image:
            assert image.width < image.height  # portrait
            stats = ImageStat.Stat(image.convert("L"))
            assert stats.stddev[0] > 20  # not a blank page


def test_start_and_end_pictures_sit_side_by_side(as_clinician_a, patient_a1, program_a1, tmp_path):
    """Caught once by eye: two pictures too wide for their column stacked up instead."""
    pdf = get_document(as_clinician_a, url(patient_a1, program_a1)).content
    poppler("pdftohtml", "-xml", "-f", "2", "-l", "2", pdf=pdf, out=tmp_path / "page")
    places = re.findall(
        r'<image top="(\d+)" left="(\d+)" width="(\d+)"', (tmp_path / "page.xml").read_text()
    )
    pictures = sorted((int(top), int(left), int(width)) for top, left, width in places)
    assert pictures and len(pictures) % 2 == 0
    for start, end in zip(pictures[::2], pictures[1::2], strict=True):
        assert start[0] == end[0]  # the same line
        assert start[1] + start[2] <= end[1]  # end to the right of start, not over it


def test_pictures_never_run_into_the_dosage_line(
    admin_a, as_clinician_a, patient_a1, program_a1, membership_a, tmp_path
):
    """The pictures are placed beside the steps, out of the text flow: an exercise with a
    single short step must still leave room for its pictures above the dosage line."""
    admin = Membership.objects.get(user=admin_a)
    short = exercise_copy(
        actor=Actor.for_member(admin), source=Exercise.objects.get(slug="cat-cow")
    )
    exercise_save(
        actor=Actor.for_member(admin), exercise=short, fields={}, cues=[("setup", "Kneel.")]
    )
    photo = exercise_copy(actor=Actor.for_member(admin), source=Exercise.objects.get(slug="plank"))
    exercise_save(
        actor=Actor.for_member(admin), exercise=photo, fields={}, cues=[("setup", "Lie down.")]
    )
    image = io.BytesIO()
    Image.new("RGB", (300, 400), (60, 60, 200)).save(image, "PNG")  # tall: fills 34 mm
    photo.photo.save(f"{admin.clinic.uuid}/plank.png", ContentFile(image.getvalue()))
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    items += [{"exercise": short, "reps": 10}, {"exercise": photo, "reps": 10}]
    revise(program_a1, membership_a, items)
    dosages = {spaced(describe_dosage(item)) for item in program_a1.items.all()}
    pdf = get_document(as_clinician_a, url(patient_a1, program_a1)).content
    poppler("pdftohtml", "-xml", "-q", pdf=pdf, out=tmp_path / "all")
    checked = 0
    for page in (tmp_path / "all.xml").read_text().split("<page ")[1:]:
        pictures = re.findall(r'<image top="(\d+)" left="\d+" width="\d+" height="(\d+)"', page)
        lines = re.findall(r'<text top="(\d+)"[^>]*>(?:<b>)?(.*?)(?:</b>)?</text>', page)
        dosage_tops = [int(top) for top, text in lines if spaced(html.unescape(text)) in dosages]
        for top, height in pictures:
            below = [line for line in dosage_tops if line > int(top)]
            if below:
                assert int(top) + int(height) <= min(below)
                checked += 1
    assert checked >= 2 * len(dosages) - 1  # every exercise's pictures (a photo is one)


def test_an_exercise_without_pictures_gets_its_steps_across_the_page(
    admin_a, as_clinician_a, patient_a1, program_a1, membership_a, tmp_path
):
    admin = Membership.objects.get(user=admin_a)
    plain = exercise_copy(
        actor=Actor.for_member(admin), source=Exercise.objects.get(slug="cat-cow")
    )
    exercise_save(
        actor=Actor.for_member(admin),
        exercise=plain,
        fields={},
        cues=[("setup", "Stand tall by a wall.")],
    )
    Exercise.objects.filter(pk=plain.pk).update(illustration="")  # a clinic's own, undrawn
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    revise(program_a1, membership_a, [{"exercise": plain, "reps": 10}, *items])
    pdf = get_document(as_clinician_a, url(patient_a1, program_a1)).content
    poppler("pdftohtml", "-xml", "-q", pdf=pdf, out=tmp_path / "all")
    pages = (tmp_path / "all.xml").read_text().split("<page ")[1:]
    page = next(page for page in pages if "Stand tall" in page)
    # Steps read "1.<no-break space>text".
    step = re.search(r'<text top="(\d+)" left="(\d+)"[^>]*>1\.\sStand tall', page)
    lefts = [
        int(left) for left in re.findall(r'<text top="\d+" left="(\d+)"[^>]*>1\.\s', "".join(pages))
    ]
    assert int(step.group(2)) + 150 < max(lefts)  # not pushed right like illustrated steps
    beside = [
        top
        for top in re.findall(r'<image top="(\d+)"', page)
        if abs(int(top) - int(step.group(1))) < 100
    ]
    assert beside == []  # and no empty picture column beside it


def test_steps_are_numbered_in_their_own_text(as_clinician_a, patient_a1, program_a1):
    """Steps carry their number as text (no list markers, which are slow to lay out):
    the numbers must still read, and be found, in order."""
    text = text_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    item = program_a1.items.select_related("exercise").first()
    first = item.exercise
    cues = [fill_step(cue.text, item) for cue in first.cues.order_by("order")]
    cues = cues[: handouts.MAX_CUES]
    positions = [text.index(f"{number}. {cue}") for number, cue in enumerate(cues, start=1)]
    assert positions == sorted(positions)


def _week_strip_placements(page) -> int:
    """How often the page draws a week of tick boxes. WeasyPrint draws each background
    picture through a small form of its own, so look one level down for the bitmap."""
    sizes = {
        Image.open(io.BytesIO(handouts._week_strip(count).body)).size for count in range(1, 11)
    }
    xobjects = page["/Resources"]["/XObject"]

    def is_strip(xobject) -> bool:
        return (xobject.get("/Width"), xobject.get("/Height")) in sizes

    def draws_strip(name: str) -> bool:
        xobject = xobjects[name].get_object()
        if xobject["/Subtype"] == "/Image":
            return is_strip(xobject)
        inner = xobject.get("/Resources", {}).get("/XObject", {})
        used = re.findall(rb"(/[\w.-]+) Do", xobject.get_data())
        return any(
            is_strip(inner[name.decode()].get_object()) for name in used if name.decode() in inner
        )

    used = re.findall(rb"(/[\w.-]+) Do", page.get_contents().get_data())
    return sum(draws_strip(name.decode()) for name in used)


def _boxes_per_day(count: int) -> int:
    """Tick boxes drawn in the first day of a week strip, counted from the picture: dark
    outlines, found as runs of dark pixels along lines through each row of boxes."""
    image = Image.open(io.BytesIO(handouts._week_strip(count).body))
    day = image.crop((0, 0, handouts.DAY_WIDTH - 2, image.height))
    boxes = 0
    for line in range(handouts.tick_box_lines(count)):
        y = handouts.GAP + line * (handouts.BOX + handouts.GAP) + handouts.BOX // 2
        dark = [day.getpixel((x, y)) < 100 for x in range(day.width)]
        edges = sum(1 for a, b in itertools.pairwise(dark) if b and not a)
        boxes += edges // 2  # a box is crossed at its left and right sides
    return boxes


def test_the_weekly_log_has_a_box_per_session_each_day(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    items = [
        {"id": item.pk, "exercise": item.exercise, "times_per_day": 1}
        for item in program_a1.items.all()
    ]
    items[0]["times_per_day"] = 3
    items[1]["times_per_day"] = 8
    revise(program_a1, membership_a, items)
    response = get_document(as_clinician_a, url(patient_a1, program_a1))
    assert "My week" in page_texts(response.content)[-1]
    reader = pdf_of(response)
    log = reader.pages[-1]
    # One week strip per exercise row, and none on the other pages.
    assert _week_strip_placements(log) == len(items)
    assert all(_week_strip_placements(page) == 0 for page in reader.pages[:-1])
    assert [_boxes_per_day(count) for count in (1, 3, 4, 8, 10)] == [1, 3, 4, 8, 10]
    # Every strip spans the same seven day columns; more boxes take more lines, not width.
    sizes = [Image.open(io.BytesIO(handouts._week_strip(n).body)).size for n in (1, 3, 4)]
    assert sizes[0][0] == sizes[1][0] == sizes[2][0]
    assert sizes[0][1] == sizes[1][1] < sizes[2][1]


def _week_strip_images(page) -> set[int]:
    """The distinct week-strip pictures the page's forms draw, by PDF object number."""
    sizes = {
        Image.open(io.BytesIO(handouts._week_strip(count).body)).size for count in range(1, 11)
    }
    found = set()
    for form in page["/Resources"]["/XObject"].values():
        inner = form.get_object().get("/Resources", {}).get("/XObject", {})
        for image in inner.values():
            if (image.get_object().get("/Width"), image.get_object().get("/Height")) in sizes:
                found.add(image.idnum)
    return found


def test_rows_on_the_same_schedule_share_their_week_pictures(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    """WeasyPrint fetches, decodes and embeds a picture once per name: rows done as often
    on the same days name the same pictures, so the PDF holds each once."""
    items = [
        {"id": item.pk, "exercise": item.exercise, "times_per_day": 1}
        for item in program_a1.items.all()
    ]
    items[0]["times_per_day"] = 2
    revise(program_a1, membership_a, items)
    assert len(items) >= 3
    reader = pdf_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    log = reader.pages[-1]
    # Every row still draws its strip, from two pictures: twice a day, and once a day.
    assert _week_strip_placements(log) == len(items)
    assert len(_week_strip_images(log)) == 2


# Every dose field at a value no step says by chance: counted work with a hold, and
# timed work with no reps and no hold.
COUNTED = {
    "sets": 7,
    "reps": 23,
    "hold_seconds": 47,
    "rest_seconds": 53,
    "duration_seconds": None,
    "times_per_day": 9,
    "days_per_week": 4,
}
TIMED = {
    "sets": 6,
    "reps": None,
    "hold_seconds": 0,
    "rest_seconds": 51,
    "duration_seconds": 97,
    "times_per_day": 8,
    "days_per_week": 2,
}
STEP_NUMBER = re.compile(r"(?:^|(?<=\s))[1-6]\.\s")


def numbers_in(steps: str) -> set[str]:
    """The numbers a text of steps says, without the steps' own numbering."""
    return set(re.findall(r"\d+", STEP_NUMBER.sub(" ", steps)))


def steps_on_page(page: str, heading: str) -> dict[str, str]:
    """Each exercise card's everyday name and the text of its steps."""
    cards = re.findall(
        rf"<{heading}[^>]*>(?:\d+\. )?(.*?)</{heading}>.*?<ol[^>]*>(.*?)</ol>", page, re.S
    )
    return {
        html.unescape(name): html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", steps)))
        for name, steps in cards
    }


def printed_steps(pdf: bytes, tmp_path: Path) -> list[str]:
    """The lines of the exercises' steps, as printed: the lines that start in the steps'
    column beside the pictures, below the page header and above the footer, on the
    exercise pages (the summary page and the log have other text there)."""
    poppler("pdftotext", "-bbox-layout", pdf=pdf, out=tmp_path / "bbox.html")
    steps = []
    for page in (tmp_path / "bbox.html").read_text().split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        lines = re.findall(r'<line xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(.*?)</line>', page, re.S)
        text = [
            (float(x), float(y), " ".join(re.findall(r">([^<]*)</word>", words)))
            for x, y, words in lines
        ]
        if any(line.startswith(("Pain guide", "My week")) for _x, _y, line in text):
            continue
        steps += [html.unescape(line) for x, y, line in text if x > 250 and 95 < y < height - 50]
    return steps


@pytest.mark.parametrize("dose", [COUNTED, TIMED], ids=["counted", "timed"])
def test_no_step_contradicts_the_prescription(
    dose, as_patient_a1, membership_a, program_a1, tmp_path
):
    """Issue 13: with Posterior pelvic tilt's hold set to 30 s, the dose line said "hold 30 s"
    and step 2 still "Hold for 5 seconds", on paper, on My program and on the phone's "How
    to do it". Every built-in exercise, every dose field at an unusual value: its steps
    name no number but the prescribed ones, and say the prescribed hold."""
    allowed = {
        str(dose[name])
        for name in ("sets", "reps", "hold_seconds", "duration_seconds")
        if dose[name]
    }
    held = "47 seconds" if dose["hold_seconds"] else "a moment"
    # In programs no longer than the longest allowed (30 exercises).
    chunks = [EXERCISES[first : first + 30] for first in range(0, len(EXERCISES), 30)]
    for chunk in chunks:
        exercises = [Exercise.objects.get(slug=entry["slug"], clinic=None) for entry in chunk]
        items = [{"exercise": exercise, **dose, "side": exercise.side} for exercise in exercises]
        revise(program_a1, membership_a, items)
        cues = {
            exercise.lay_name: [cue.text for cue in exercise.cues.all()] for exercise in exercises
        }
        holds = sum(cue.count("{hold}") for texts in cues.values() for cue in texts)

        lines = printed_steps(get_document(as_patient_a1, "/me/handout.pdf").content, tmp_path)
        assert sum(line.startswith("1. ") for line in lines) == len(exercises)  # all found
        printed = " ".join(lines)
        assert numbers_in(printed) <= allowed, sorted(numbers_in(printed) - allowed)
        assert printed.count(held) == holds

        for page, heading in (("/me/program/", "h2"), ("/me/", "h3")):
            shown = steps_on_page(as_patient_a1.get(page).content.decode(), heading)
            assert set(cues) <= set(shown), page
            for name, steps in shown.items():
                assert numbers_in(steps) <= allowed, (page, name, steps)
                assert "{" not in steps, (page, name, steps)
                expected = sum(cue.count("{hold}") for cue in cues[name])
                assert steps.count(held) == expected, (page, name, steps)


def standard_document(program, patient, revision: int | None = None):
    """The handout's document (HTML and its pictures) in standard print, unrendered: for
    what it says, without the cost of a PDF. `revision`: the program's current one."""

    return handouts.handout_document(
        program=program,
        revision=program.revisions.get(number=revision or program.revision),
        clinic=patient.clinic,
        people=handout_people(patient),
        large_print=False,
    )


@pytest.mark.parametrize(
    ("side", "changes_sides"), [("left", False), ("affected", False), ("alternating", True)]
)
def test_a_dose_for_one_side_has_no_step_that_changes_sides(
    side, changes_sides, as_patient_a1, membership_a, patient_a1, program_a1
):
    """The handout review: "3 reps on your sore side" was printed beside "Then switch
    legs", and a neck turn for the left side only said "then turn to the other side", on
    paper and on the phone. A step of the kind "Changing sides" is left out of a dose for
    one side, on the handout, Today and My program; a dose for both sides keeps it."""
    changing = {
        cue.exercise.lay_name: cue.text
        for cue in ExerciseCue.objects.filter(
            kind=CueKind.SIDES, exercise__clinic=None
        ).select_related("exercise")
    }
    assert len(changing) >= 6  # the library's exercises that change sides
    exercises = Exercise.objects.filter(clinic=None, lay_name__in=changing)
    revise(program_a1, membership_a, [{"exercise": e, "side": side} for e in exercises])
    document = standard_document(program_a1, patient_a1)
    printed = {
        html.unescape(re.sub(r"<[^>]+>", "", name)): steps
        for name, steps in re.findall(
            r'<section class="exercise".*?<h2>(.*?)</h2>.*?<ol class="cues"[^>]*>(.*?)</ol>',
            document.html,
            re.S,
        )
    }
    for page, heading in (("/me/program/", "h2"), ("/me/", "h3")):
        shown = steps_on_page(as_patient_a1.get(page).content.decode(), heading)
        for name, step in changing.items():
            assert (step in shown[name]) is changes_sides, (page, name, shown[name])
    for name, step in changing.items():
        card = next(steps for heading, steps in printed.items() if heading.endswith(name))
        assert (html.escape(step) in card) is changes_sides, (name, card)


def stop_box(text: str, first_exercise: str) -> str:
    return text[text.index("Stop and call us") : text.index(first_exercise)]


@pytest.mark.parametrize(
    ("slugs", "present", "absent"),
    [
        (
            ["chin-tuck", "neck-rotation"],
            ["clumsy", "unsteady when you walk", "see double", "swallow", "move your neck"],
            ["bladder", "calf", "leg"],
        ),
        (
            ["quad-set", "heel-slide", "sit-to-stand"],
            ["calf", "hot, red and swollen", "fever", "gives way"],
            ["bladder", "clumsy", "erection"],
        ),
        (
            # The bridge works the hips too, but it is here for the back: no knee signs.
            ["pelvic-tilt", "cat-cow", "glute-bridge"],
            [
                "spreads further down your leg",
                "hard to pass urine",
                "bladder or bowels",
                "numb between your legs",
                "erection",
                "both legs",
                "foot drags",
            ],
            ["below your knee", "calf", "clumsy"],
        ),
    ],
    ids=["neck", "knee", "back"],
)
def test_the_stop_box_has_the_rules_of_the_programs_body_regions(
    slugs, present, absent, as_clinician_a, membership_a, patient_a1, program_a1
):
    """Issue 13: the back's wording ("pain spreads below your knee") printed on every
    handout, and the urgent signs were the back's only."""
    revise(
        program_a1,
        membership_a,
        [{"exercise": Exercise.objects.get(slug=slug, clinic=None)} for slug in slugs],
    )
    text = text_of(get_document(as_clinician_a, url(patient_a1, program_a1)))
    box = stop_box(text, Exercise.objects.get(slug=slugs[0], clinic=None).lay_name)
    assert box.startswith("Stop and call us on +1 555 0100 if:")
    assert "Call 999 or go to A&E now if:" in box
    assert "pain is sharp, or keeps getting worse" in box and "chest pain" in box
    for sign in present:
        assert sign in box, sign
    for sign in absent:
        assert sign not in box, sign
    assert "below your knee" not in text


def test_my_program_page_shows_the_same_stop_box(as_patient_a1, program_a1):
    page = as_patient_a1.get("/me/program/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert 'href="tel:+1 555 0100"' in page
    assert "Stop and call us on +1 555 0100 if:" in text
    assert "Call 999 or go to A&amp;E now if:" in text
    assert "hard to pass urine" in text and "foot drags" in text


def _boxes_on(image: Image.Image, day: int, lines: int) -> int:
    """Tick boxes drawn on one day of a standard-print week strip (see _boxes_per_day),
    by their outline's grey: the "rest" label's letters are lighter."""
    crop = image.crop(
        (day * handouts.DAY_WIDTH + 2, 0, (day + 1) * handouts.DAY_WIDTH - 2, image.height)
    )
    boxes = 0
    for line in range(lines):
        y = handouts.GAP + line * (handouts.BOX + handouts.GAP) + handouts.BOX // 2
        dark = [crop.getpixel((x, y)) < 60 for x in range(crop.width)]
        boxes += sum(1 for a, b in itertools.pairwise(dark) if b and not a) // 2
    return boxes


def test_the_log_follows_the_schedule(as_clinician_a, membership_a, patient_a1, program_a1):
    """Issue 13: a Mon/Wed/Fri exercise got tick boxes every day. Now its other days are
    shaded "rest" days with no boxes; a "3 days a week" exercise keeps boxes every day
    (the patient picks the days) and says "3 days a week" on its row."""
    fixed, flexible, daily = (
        Exercise.objects.get(slug=slug, clinic=None) for slug in ("quad-set", "bird-dog", "cat-cow")
    )
    revise(
        program_a1,
        membership_a,
        [
            {"exercise": fixed, "weekdays": 0b0010101, "times_per_day": 2},
            {"exercise": flexible, "days_per_week": 3, "times_per_day": 1},
            {"exercise": daily, "days_per_week": 7, "times_per_day": 4},
        ],
    )

    document = standard_document(program_a1, patient_a1, revision=2)
    strips = [Image.open(io.BytesIO(document.resources[f"week/{row}"].body)) for row in (1, 2, 3)]
    assert [_boxes_on(strips[0], day, 1) for day in range(7)] == [2, 0, 2, 0, 2, 0, 0]
    assert [_boxes_on(strips[1], day, 1) for day in range(7)] == [1] * 7
    assert [_boxes_on(strips[2], day, 2) for day in range(7)] == [4] * 7
    # Rest days are shaded in the strip and down the whole cell (the lines picture).
    lines = Image.open(io.BytesIO(document.resources["week/1/lines"].body))
    for day in range(7):
        shade = handouts.REST_GREY if day in (1, 3, 5, 6) else 255
        middle = day * handouts.DAY_WIDTH + handouts.DAY_WIDTH // 2
        assert strips[0].getpixel((day * handouts.DAY_WIDTH + 8, 2)) == shade
        assert lines.getpixel((middle, 1)) == shade
    assert strips[1].getpixel((handouts.DAY_WIDTH + 8, 2)) == 255
    for day in (1, 3, 5, 6):  # and say "rest" (dark letters, lighter than a box)
        width = handouts.DAY_WIDTH
        cell = strips[0].crop((day * width + 6, 0, (day + 1) * width - 6, strips[0].height))
        assert 60 <= cell.getextrema()[0] <= handouts.REST_INK + 10

    rows = re.findall(r'<tr><td class="what">(.*?)</td>', document.html)
    assert rows[:3] == [
        f"1. {fixed.lay_name}",
        f'2. {flexible.lay_name}<span class="log-note">3 days a week</span>',
        f"3. {daily.lay_name}",
    ]
    assert "Grey days are rest days" in document.html

    response = get_document(as_clinician_a, url(patient_a1, program_a1))
    log = page_texts(response.content)[-1]
    reader = pdf_of(response)
    assert "3 days a week" in log
    # The log names each exercise in everyday words, as its page does.
    assert fixed.lay_name in log and "Quadriceps set" not in log and "Bird dog" not in log
    assert _week_strip_placements(reader.pages[-1]) == 3


def test_new_stop_rules_make_new_handouts(monkeypatch, patient_a1, program_a1):
    """The stop box's text is data in programs.safety: changing it must not leave stored
    handouts with the old rules being served."""
    from programs import handouts as light

    before = stored_name(patient_a1, program_a1)
    assert stored_name(patient_a1, program_a1) == before
    monkeypatch.setattr(light, "SAFETY_TEXT", "changed")
    assert stored_name(patient_a1, program_a1) != before


def test_a_new_emergency_line_makes_new_handouts_however_it_was_changed(patient_a1, program_a1):
    """Changed without the settings form (a data fix, an admin script), updated_at stays:
    the stored handout must still not keep the old emergency number."""
    before = stored_name(patient_a1, program_a1)
    Clinic.objects.filter(pk=patient_a1.clinic_id).update(emergency_region="us")
    assert stored_name(patient_a1, program_a1) != before


@pytest.mark.parametrize(
    ("doses", "summary"),
    [
        (
            [{"days_per_week": 3}, {"days_per_week": 3}],
            "Do the exercises once a day, 3 days a week.",
        ),
        ([{}, {}], "Do the exercises once a day."),
        ([{"days_per_week": 3}, {}], "How often is shown under each exercise."),
        ([{"times_per_day": 2}, {}], "How often is shown under each exercise."),
    ],
)
def test_the_how_often_box_never_says_every_day_for_fewer_days(
    membership_a, patient_a1, program_a1, doses, summary
):
    """A strengthening program on 3 days a week: each exercise said "once a day · 3 days a
    week", the box at the top of page 1 "Do the exercises once a day."."""

    bridge, bird_dog = (
        Exercise.objects.get(slug=slug, clinic=None) for slug in ("glute-bridge", "bird-dog")
    )
    revise(
        program_a1,
        membership_a,
        [
            {"exercise": exercise, "sets": 2, "reps": 10, **dose}
            for exercise, dose in zip((bridge, bird_dog), doses, strict=True)
        ],
    )
    document = standard_document(program_a1, patient_a1)
    assert summary in html.unescape(document.html)


def test_a_clinician_who_left_is_no_longer_anyones_contact(
    as_admin_a, as_patient_a1, clinician_a, clinic_a, patient_a1, program_a1
):
    """The record keeps who was in charge; the handout, My program and the report stop
    sending the patient (or their doctor) to call someone the clinic has let go."""
    from tests.patients.test_measures import report_text

    def contacts() -> tuple[str, str, str]:
        handout = text_of(get_document(as_admin_a, url(patient_a1, program_a1)))
        page = as_patient_a1.get("/me/program/").content.decode()
        return handout, page, report_text(as_admin_a, patient_a1)

    for text in contacts():
        assert "Cleo Clinician" in text
    membership = Membership.objects.get(user=clinician_a, clinic=clinic_a)
    response = as_admin_a.post(
        f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"}
    )
    assert response.status_code == 302
    handout, page, report = contacts()
    for text in (handout, page, report):
        assert "Cleo Clinician" not in text
    assert "Clinic A" in handout and "Your clinician:" not in page
    patient_a1.refresh_from_db()
    assert patient_a1.clinician == clinician_a


def test_a_handout_email_waiting_for_its_render_goes_out_with_the_program_saved_since(
    clinician_a,
    membership_a,
    as_clinician_a,
    patient_a1,
    program_a1,
    django_capture_on_commit_callbacks,
):
    """E-mail the handout, then change a dose before the worker has made the PDF: the
    first handout's render is superseded, and the e-mail failed with "could not be
    prepared" although the clinician had been told it would go. It goes, with the dose
    that now stands, and goes on the new revision's history."""
    from clinic.tasks import ATTACHMENT_WAIT_SECONDS

    with django_capture_on_commit_callbacks(execute=True):
        as_clinician_a.post(url(patient_a1, program_a1, "handout/email/"))
    first = program_a1.items.order_by("order").first()
    before = describe_dosage(first)
    rows = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.order_by("order")]
    rows[0].update(sets=4, reps=7)
    with django_capture_on_commit_callbacks(execute=True):
        revise(program_a1, membership_a, rows)
    run_tasks()
    with time_machine.travel(timezone.now() + timedelta(seconds=ATTACHMENT_WAIT_SECONDS + 1)):
        run_tasks()
    email = OutgoingEmail.objects.get()
    assert email.status == "sent", email.last_error
    (message,) = mail.outbox
    text = pdf_text(message.attachments[0][1])
    first.refresh_from_db()
    assert describe_dosage(first) != before and "4 sets of 7 reps" in describe_dosage(first)
    assert "Revision 2 of" in text and "4 sets of 7 reps" in text
    assert HandoutPrint.objects.get().revision.number == 2


def _email_the_handout(client, patient, program, capture) -> None:
    with capture(execute=True):
        response = client.post(url(patient, program, "handout/email/"))
    assert response.status_code == 302


def _run_tasks_over(minutes) -> None:
    for minute in minutes:
        with time_machine.travel(timezone.now() + timedelta(minutes=minute)):
            run_tasks()


def test_a_handout_email_survives_the_worker_dying_during_its_render(
    monkeypatch, as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks
):
    """The worker is killed while it renders the PDF: its job stays "queued". A download
    would ask again once the job is stale; the e-mail waited for it and then failed for
    good ("could not be prepared"). It asks for the render again and goes."""
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(handouts, "render_handout", lambda **kw: b"%PDF-1.7 made")
    _email_the_handout(as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks)
    DBTaskResult.objects.filter(task_path__endswith="render_document").delete()
    run_tasks()
    assert OutgoingEmail.objects.get().status == "queued"
    _run_tasks_over([11, 11, 13])
    email = OutgoingEmail.objects.get()
    assert email.status == "sent", (email.status, email.last_error)
    assert len(mail.outbox) == 1 and email.attempts == 2


def test_a_handout_email_is_not_given_up_because_the_disk_was_full_for_a_moment(
    monkeypatch, as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks
):
    import errno

    monkeypatch.setattr(handouts, "render_handout", lambda **kw: b"%PDF-1.7 made")
    real_save = default_storage.save
    refusals = []

    def full_once(name, content, *args, **kwargs):
        if not refusals:
            refusals.append(name)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", full_once)
    _email_the_handout(as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks)
    _run_tasks_over([0, 2, 3])
    assert refusals
    email = OutgoingEmail.objects.get()
    assert email.status == "sent", (email.status, email.last_error)


def test_a_handout_email_whose_render_always_fails_gives_up_after_its_retries(
    monkeypatch, as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks
):
    """Asking again is bounded: the e-mail's retries, as for a mail server that is down,
    each with a new render, then "failed" on the chart."""
    from clinic.models import RenderJob
    from clinic.tasks import RETRY_MINUTES

    def broken(**kwargs):
        raise clinic_pdf.PdfError("The PDF could not be created. Please try again.")

    monkeypatch.setattr(handouts, "render_handout", broken)
    _email_the_handout(as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks)
    _run_tasks_over(range(0, sum(RETRY_MINUTES) + 60, 7))
    email = OutgoingEmail.objects.get()
    assert (email.status, email.last_error) == ("failed", "the document could not be prepared")
    assert email.attempts == len(RETRY_MINUTES) + 1
    assert RenderJob.objects.filter(status="failed").count() == len(RETRY_MINUTES) + 1
    assert mail.outbox == [] and not HandoutPrint.objects.exists()


def test_a_handout_email_for_a_program_replaced_meanwhile_is_not_sent(
    monkeypatch,
    membership_a,
    as_clinician_a,
    patient_a1,
    program_a1,
    program_template,
    django_capture_on_commit_callbacks,
):
    """The handout of program 1 is e-mailed; the mail server is down. The clinician starts a
    new program (program 1 is completed). When the server is back, the patient is e-mailed
    the handout of the program that no longer stands, and it went on its history."""
    from clinic.actors import Actor
    from patients.services import patient_program_start
    from programs.models import Program
    from tests.conftest import mail_server_down

    monkeypatch.setattr(handouts, "render_handout", lambda **kw: b"%PDF-1.7 made")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_clinician_a.post(
            f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/handout/email/"
        )
    assert response.status_code == 302
    mail_server_down(monkeypatch)
    run_tasks()
    assert OutgoingEmail.objects.get().status == "retrying"
    with django_capture_on_commit_callbacks(execute=True):
        new = patient_program_start(
            actor=Actor.for_member(membership_a),
            patient=patient_a1,
            source=Program.objects.get(template_key=program_template),
        )
    program_a1.refresh_from_db()
    assert program_a1.status == "completed" and new.status == "active"
    monkeypatch.undo()
    monkeypatch.setattr(handouts, "render_handout", lambda **kw: b"%PDF-1.7 made")
    for minutes in (2, 3, 4, 6, 10):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            run_tasks()
    email = OutgoingEmail.objects.get()
    sent_old = [p.revision.program_id for p in HandoutPrint.objects.select_related("revision")]
    assert program_a1.pk not in sent_old, (email.status, "old program's handout e-mailed")
    assert email.status == "stopped"
