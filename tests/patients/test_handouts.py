from __future__ import annotations

import html
import io
import itertools
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from PIL import Image, ImageStat
from pypdf import PdfReader

from clinic import pdf as clinic_pdf
from clinic.models import AuditEvent, Membership
from clinic.pdf import SafeURLFetcher, render_in_process
from patients.services import patient_program_start
from programs import handouts
from programs.dosage import describe_dosage
from programs.illustrations import has_illustration
from programs.models import Exercise, HandoutPrint, Program
from programs.services import exercise_copy, exercise_save, program_save
from tests.conftest import client_for


@pytest.fixture
def membership_a(clinician_a):
    return Membership.objects.get(user=clinician_a)


@pytest.fixture
def program_a1(membership_a, patient_a1):
    template = Program.objects.get(template_key="low-back-core-stability")
    return patient_program_start(membership=membership_a, patient=patient_a1, source=template)


def url(patient, program, suffix="handout.pdf") -> str:
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/{suffix}"


def pdf_of(response) -> PdfReader:
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def text_of(reader: PdfReader) -> str:
    # Normalise white space: a long line may wrap anywhere in the layout.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def dominant_font_size(reader: PdfReader) -> float:
    sizes: Counter = Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[round(size * (tm[0] or 1) * (cm[0] or 1), 1)] += len(text)

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


def test_the_clinician_downloads_a_complete_handout(as_clinician_a, patient_a1, program_a1):
    response = as_clinician_a.get(url(patient_a1, program_a1))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "r1" in disposition
    assert "Okafor" not in disposition and "Amara" not in disposition
    assert "no-store" in response["Cache-Control"]
    reader = pdf_of(response)
    text = text_of(reader)
    assert "Amara Okafor" in text
    assert "revision 1" in text and "Cleo Clinician" in text and "Clinic A" in text
    for item in program_a1.items.select_related("exercise"):
        assert item.exercise.name in text
        assert describe_dosage(item) in text
    # summary, two pairs of exercises, weekly log
    assert len(reader.pages) == 4
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Pain guide" in text and "urgent medical help" in text and "My week" in text
    assert dominant_font_size(reader) >= 12


def test_the_pdf_is_tagged_with_embedded_fonts(as_clinician_a, patient_a1, program_a1):
    reader = pdf_of(as_clinician_a.get(url(patient_a1, program_a1)))
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


def test_large_print_is_at_least_fifteen_points(as_clinician_a, patient_a1, program_a1):
    reader = pdf_of(as_clinician_a.get(url(patient_a1, program_a1) + "?large=1"))
    assert dominant_font_size(reader) >= 15


def test_a_title_with_markup_is_printed_as_text(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    program_save(
        program=program_a1,
        membership=membership_a,
        expected_revision=1,
        fields={"title": "Back & hips <b>bold</b> <img src=x>"},
        items=items,
    )
    program_a1.refresh_from_db()
    text = text_of(pdf_of(as_clinician_a.get(url(patient_a1, program_a1))))
    assert "Back & hips <b>bold</b> <img src=x>" in text


def test_birth_date_shows_only_when_the_clinic_turns_it_on(as_clinician_a, patient_a1, program_a1):
    assert "born 17 May 1980" not in text_of(
        pdf_of(as_clinician_a.get(url(patient_a1, program_a1)))
    )
    clinic = patient_a1.clinic
    clinic.handout_shows_birth_date = True
    clinic.save()
    assert "born 17 May 1980" in text_of(pdf_of(as_clinician_a.get(url(patient_a1, program_a1))))


def test_a_patient_without_a_password_gets_their_invitation_link(
    as_clinician_a, clinic_a, patient_a1, program_a1
):
    patient_a1.user.set_unusable_password()
    patient_a1.user.save()
    text = text_of(pdf_of(as_clinician_a.get(url(patient_a1, program_a1))))
    link = re.search(r"http://testserver/invite/[\w-]+/", text.replace(" ", ""))
    assert link and "choose your password" in text
    # The printed link is the live one: it opens the set-password page.
    assert client_for(None).get(link.group(0).removeprefix("http://testserver")).status_code == 200


def test_downloads_are_recorded_and_audited(as_clinician_a, patient_a1, program_a1):
    as_clinician_a.get(url(patient_a1, program_a1))
    record = HandoutPrint.objects.get()
    assert record.revision.number == 1 and record.channel == "download"
    event = AuditEvent.objects.get(action="handout.download")
    assert event.patient_uuid == patient_a1.uuid
    history = as_clinician_a.get(url(patient_a1, program_a1, "history/")).content.decode()
    assert "Handed out:" in history and "downloaded by staff" in history


def test_the_patient_downloads_their_own_handout(as_patient_a1, patient_a1, program_a1):
    response = as_patient_a1.get("/me/handout.pdf")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Amara Okafor" in text_of(pdf_of(response))
    assert HandoutPrint.objects.get().channel == "patient"
    assert AuditEvent.objects.filter(action="handout.patient", actor=patient_a1.user).exists()


def test_another_patient_never_gets_this_handout(patient_a2, program_a1):
    response = client_for(patient_a2.user).get("/me/handout.pdf", follow=True)
    assert "no exercise program yet" in response.content.decode()
    assert "Okafor" not in response.content.decode()


def test_emailing_asks_first_then_attaches_the_pdf_with_a_neutral_subject(
    as_clinician_a, patient_a1, program_a1, django_capture_on_commit_callbacks
):
    ask = as_clinician_a.get(url(patient_a1, program_a1, "handout/email/"))
    assert "E-mail the handout" in ask.content.decode() and mail.outbox == []
    assert AuditEvent.objects.filter(action="handout.email_confirm").exists()
    with django_capture_on_commit_callbacks(execute=True):
        as_clinician_a.post(url(patient_a1, program_a1, "handout/email/"))
    message = mail.outbox[0]
    assert message.to == [patient_a1.email]
    assert message.subject == "Limber: A document from Clinic A"
    filename, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")
    assert "Okafor" not in filename


def render_twice(patient, program, **kwargs):
    from patients.handouts import handout_people

    clinic = patient.clinic
    clinic.refresh_from_db()
    program.refresh_from_db()
    revision = program.revisions.get(number=program.revision)
    people = handout_people(patient, base_url="http://testserver", actor=None)
    return handouts.handout_pdf(
        program=program,
        revision=revision,
        clinic=clinic,
        people=people,
        large_print=False,
        issued_on=revision.created_at.date(),
    )


def test_an_unchanged_revision_is_served_from_the_cache(patient_a1, program_a1):
    first, cached = render_twice(patient_a1, program_a1)
    again, cached_again = render_twice(patient_a1, program_a1)
    assert (cached, cached_again) == (False, True) and first == again


def test_changing_program_branding_or_exercise_text_renders_again(
    membership_a, admin_a, patient_a1, program_a1
):
    render_twice(patient_a1, program_a1)
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    program_save(
        program=program_a1, membership=membership_a, expected_revision=1, fields={}, items=items
    )
    assert render_twice(patient_a1, program_a1)[1] is False

    render_twice(patient_a1, program_a1)
    clinic = patient_a1.clinic
    clinic.handout_footer = "Open Monday to Friday"
    clinic.save()
    assert render_twice(patient_a1, program_a1)[1] is False

    render_twice(patient_a1, program_a1)
    admin = Membership.objects.get(user=admin_a)
    own = exercise_copy(membership=admin, source=program_a1.items.first().exercise)
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    items[0]["exercise"] = own
    program_a1.refresh_from_db()
    program_save(
        program=program_a1, membership=membership_a, expected_revision=2, fields={}, items=items
    )
    render_twice(patient_a1, program_a1)
    assert render_twice(patient_a1, program_a1)[1] is True
    exercise_save(
        membership=admin,
        exercise=own,
        fields={"lay_name": "A brand new everyday name"},
        cues=[("setup", "Lie down.")],
    )
    pdf_after, cached = render_twice(patient_a1, program_a1)
    assert cached is False and b"%PDF" in pdf_after
    assert "A brand new everyday name" in text_of(PdfReader(io.BytesIO(pdf_after)))


def test_a_clinic_photo_replaces_the_drawing(
    admin_a, as_clinician_a, patient_a1, program_a1, membership_a
):
    admin = Membership.objects.get(user=admin_a)
    # An exercise whose drawing the program does not already use.
    own = exercise_copy(membership=admin, source=Exercise.objects.get(slug="cat-cow"))
    image = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 60)).save(image, "PNG")
    own.photo.save(f"{admin.clinic.uuid}/cat-cow.png", ContentFile(image.getvalue()))
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    items.append({"exercise": own, "reps": 10})
    program_save(
        program=program_a1, membership=membership_a, expected_revision=1, fields={}, items=items
    )
    program_a1.refresh_from_db()
    reader = pdf_of(as_clinician_a.get(url(patient_a1, program_a1)))
    # WeasyPrint shares one resource dictionary between pages: count distinct images.
    distinct = {image.data: image.image.size for page in reader.pages for image in page.images}
    assert (320, 240) in distinct.values()
    # Besides the photo, the QR code and the log's week strip: a start and an end drawing
    # for every other illustrated exercise, and none for the one with the photo.
    drawn = {
        item.exercise.illustration
        for item in program_a1.items.select_related("exercise")
        if not item.exercise.photo and has_illustration(item.exercise.illustration)
    }
    assert own.illustration not in drawn
    assert len(distinct) == 3 + 2 * len(drawn)


@pytest.mark.parametrize("large", [False, True])
def test_drawings_are_printed_as_sharp_pictures(large, as_clinician_a, patient_a1, program_a1):
    """The drawings go into the PDF as JPEGs (placed, not drawn, by WeasyPrint): sharp
    enough for print at the width the style sheet gives them."""
    suffix = "handout.pdf?large=1" if large else "handout.pdf"
    reader = pdf_of(as_clinician_a.get(url(patient_a1, program_a1, suffix)))
    images = [image for page in reader.pages for image in page.images]
    jpegs = {image.data: image.image.width for image in images if image.name.endswith(".jpg")}
    drawn = {item.exercise.illustration for item in program_a1.items.select_related("exercise")}
    assert len(jpegs) == 2 * len(drawn)
    printed_inches = (handouts.DRAWING_MM[large] - handouts.DRAWING_FRAME_MM) / 25.4
    assert min(jpegs.values()) / printed_inches >= 300


@pytest.mark.parametrize(("paper", "large"), [("A4", False), ("letter", True)])
def test_the_warm_up_specimen_is_a_whole_handout_of_made_up_text(paper, large):
    specimen = handouts.handout_specimen(paper=paper, large_print=large)
    fetcher = SafeURLFetcher(resources=specimen.resources)
    css = handouts.handout_css(paper=paper, large_print=large)
    pdf = render_in_process(specimen.html, fetcher=fetcher, css=css)
    text = text_of(PdfReader(io.BytesIO(pdf)))
    assert fetcher.refused == []  # every picture it names, it brings
    for part in ("Sample Patient", "Your home exercises", "Sample exercise", "My week"):
        assert part in text


def test_downloads_warm_the_process_up_with_the_specimen(
    monkeypatch, as_clinician_a, patient_a1, program_a1
):
    warmed = []
    monkeypatch.setattr(clinic_pdf, "warm_up_sheet", lambda css, sample: warmed.append(sample))
    as_clinician_a.get(url(patient_a1, program_a1, "handout.pdf?large=1"))
    assert warmed == [handouts.handout_specimen(paper="A4", large_print=True)]


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
    pdf = as_clinician_a.get(url(patient_a1, program_a1)).content
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
    pdf = as_clinician_a.get(url(patient_a1, program_a1)).content
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
    short = exercise_copy(membership=admin, source=Exercise.objects.get(slug="cat-cow"))
    exercise_save(membership=admin, exercise=short, fields={}, cues=[("setup", "Kneel.")])
    photo = exercise_copy(membership=admin, source=Exercise.objects.get(slug="plank"))
    exercise_save(membership=admin, exercise=photo, fields={}, cues=[("setup", "Lie down.")])
    image = io.BytesIO()
    Image.new("RGB", (300, 400), (60, 60, 200)).save(image, "PNG")  # tall: fills 34 mm
    photo.photo.save(f"{admin.clinic.uuid}/plank.png", ContentFile(image.getvalue()))
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    items += [{"exercise": short, "reps": 10}, {"exercise": photo, "reps": 10}]
    program_save(
        program=program_a1, membership=membership_a, expected_revision=1, fields={}, items=items
    )
    program_a1.refresh_from_db()
    dosages = {describe_dosage(item) for item in program_a1.items.all()}
    pdf = as_clinician_a.get(url(patient_a1, program_a1)).content
    poppler("pdftohtml", "-xml", "-q", pdf=pdf, out=tmp_path / "all")
    checked = 0
    for page in (tmp_path / "all.xml").read_text().split("<page ")[1:]:
        pictures = re.findall(r'<image top="(\d+)" left="\d+" width="\d+" height="(\d+)"', page)
        lines = re.findall(r'<text top="(\d+)"[^>]*>(?:<b>)?(.*?)(?:</b>)?</text>', page)
        dosage_tops = [int(top) for top, text in lines if html.unescape(text) in dosages]
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
    plain = exercise_copy(membership=admin, source=Exercise.objects.get(slug="cat-cow"))
    exercise_save(
        membership=admin, exercise=plain, fields={}, cues=[("setup", "Stand tall by a wall.")]
    )
    Exercise.objects.filter(pk=plain.pk).update(illustration="")  # a clinic's own, undrawn
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    program_save(
        program=program_a1,
        membership=membership_a,
        expected_revision=1,
        fields={},
        items=[{"exercise": plain, "reps": 10}, *items],
    )
    program_a1.refresh_from_db()
    pdf = as_clinician_a.get(url(patient_a1, program_a1)).content
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
    text = text_of(pdf_of(as_clinician_a.get(url(patient_a1, program_a1))))
    first = program_a1.items.select_related("exercise").first().exercise
    cues = [cue.text for cue in first.cues.order_by("order")][: handouts.MAX_CUES]
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
    program_save(
        program=program_a1, membership=membership_a, expected_revision=1, fields={}, items=items
    )
    program_a1.refresh_from_db()
    reader = pdf_of(as_clinician_a.get(url(patient_a1, program_a1)))
    log = reader.pages[-1]
    assert "My week" in log.extract_text()
    # One week strip per exercise row, and none on the other pages.
    assert _week_strip_placements(log) == len(items)
    assert all(_week_strip_placements(page) == 0 for page in reader.pages[:-1])
    assert [_boxes_per_day(count) for count in (1, 3, 4, 8, 10)] == [1, 3, 4, 8, 10]
    # Every strip spans the same seven day columns; more boxes take more lines, not width.
    sizes = [Image.open(io.BytesIO(handouts._week_strip(n).body)).size for n in (1, 3, 4)]
    assert sizes[0][0] == sizes[1][0] == sizes[2][0]
    assert sizes[0][1] == sizes[1][1] < sizes[2][1]
