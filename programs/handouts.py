"""The printed home-exercise handout: its content, its cache, its file name.

The patients app supplies who the handout is for (`HandoutPeople`); this module
never looks patients up. Rendering goes through clinic.pdf, the only WeasyPrint caller.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import PIL.Image
import PIL.ImageDraw
import qrcode
import qrcode.constants
from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator
from django.db.models import Max, Prefetch
from django.template.loader import render_to_string

from clinic.models import Clinic
from clinic.pdf import RenderResult, Resource, Specimen, render_pdf
from programs.dosage import describe_dosage, estimate_minutes
from programs.illustrations import ILLUSTRATED_SLUGS, has_illustration, render_svg
from programs.illustrations.raster import JPEG_QUALITY, drawing_jpeg, pixels_for
from programs.models import ExerciseCue, Program, ProgramItem, ProgramRevision

CACHE_SECONDS = 60 * 60 * 24
# A printed drawing never goes stale (a changed drawing has a new key); old ones expire.
DRAWING_CACHE_SECONDS = 30 * CACHE_SECONDS
MAX_CUES = 5
# Bumped when the handout template or its CSS changes, so cached PDFs are not reused.
LAYOUT_VERSION = 4


@dataclass(frozen=True)
class HandoutPeople:
    patient_name: str
    birth_date: date | None
    clinician_name: str
    clinician_contact: str
    login_url: str
    login_is_invitation: bool


def _items(program: Program) -> list[ProgramItem]:
    return list(
        program.items.select_related("exercise").prefetch_related(
            Prefetch("exercise__cues", queryset=ExerciseCue.objects.order_by("order"))
        )
    )


def clinic_media_dirs(clinic: Clinic) -> tuple[Path, ...]:
    """The only uploaded files a clinic's PDFs may contain: its own."""
    root = Path(settings.MEDIA_ROOT)
    return (root / "exercise-photos" / str(clinic.uuid), root / "clinic-logos" / str(clinic.uuid))


def cache_key(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    issued_on: date,
) -> str:
    """Everything that shows on the handout, cheaply: the revision pins the program, the
    clinic's updated_at its branding, the newest exercise change their texts and photos."""
    exercises_changed = program.items.aggregate(latest=Max("exercise__updated_at"))["latest"]
    parts = [
        LAYOUT_VERSION,
        revision.pk,
        revision.number,
        clinic.pk,
        clinic.updated_at.isoformat(),
        exercises_changed.isoformat() if exercises_changed else "",
        people,
        large_print,
        issued_on.isoformat(),
    ]
    return "handout:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _qr_png(url: str) -> Resource:
    """A 1-bit PNG: as an SVG path the code has thousands of segments, which WeasyPrint
    draws one by one; a small bitmap is placed in a fraction of the time."""
    code = qrcode.QRCode(border=2, box_size=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return Resource(out.getvalue(), "image/png")


# Printed width of a drawing, border and padding included (the style sheet uses it too).
DRAWING_MM = {False: 38, True: 75}
# Its border and padding: the picture itself is this much narrower.
DRAWING_FRAME_MM = 1.4


@functools.lru_cache(maxsize=512)
def _drawing(slug: str, phase: str, large_print: bool) -> Resource:
    """The printed drawing: a JPEG, which WeasyPrint places far faster than it draws an
    SVG (see programs.illustrations.raster), captioned "Start" or "End" in the picture.
    Making one takes about 20 ms (40 ms for large print), so each is made once: kept in
    this process, and in the shared cache for the other web workers. The cache key is
    the picture's own SVG, so a change to the drawing code makes new pictures."""
    caption = phase.capitalize()
    width = pixels_for(DRAWING_MM[large_print] - DRAWING_FRAME_MM)
    svg = render_svg(slug, phase, caption=caption)
    key = "drawing-jpeg:" + hashlib.sha256(f"{width}:{JPEG_QUALITY}:{svg}".encode()).hexdigest()
    jpeg = cache.get(key)
    if jpeg is None:
        jpeg = drawing_jpeg(slug, phase, caption=caption, width_px=width)
        cache.set(key, jpeg, DRAWING_CACHE_SECONDS)
    return Resource(jpeg, "image/jpeg")


# The weekly log's tick boxes, drawn at about 300 dpi for a day column ~17 mm wide.
DAY_WIDTH, BOX, GAP, BOX_LINE = 200, 44, 12, 4
BOXES_PER_LINE = 3
GRID_GREY = 119  # the table's #777 border
# The widest a day column prints: on US Letter, 7 of the 66% of 187.9 mm the log table
# gets. Rows with several lines of boxes are made tall enough for their picture at it.
WIDEST_DAY_MM = 17.8


def tick_box_lines(count: int) -> int:
    return -(-count // BOXES_PER_LINE)


def _strip_height(count: int) -> int:
    return tick_box_lines(count) * (BOX + GAP) + GAP


def _png(image: PIL.Image.Image) -> Resource:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Resource(out.getvalue(), "image/png")


def _day_lines(draw: PIL.ImageDraw.ImageDraw, height: int) -> None:
    for day in range(1, 7):
        draw.rectangle((day * DAY_WIDTH - 1, 0, day * DAY_WIDTH + 1, height - 1), fill=GRID_GREY)


@functools.lru_cache(maxsize=16)
def _week_strip(count: int) -> Resource:
    """One exercise row of the weekly log: seven days with `count` boxes each (three to a
    line) and the lines between the days, as one picture stretched across the row's
    seven day columns. One picture per row is far cheaper for WeasyPrint than a box
    character, or a picture, in each of the row's seven cells."""
    height = _strip_height(count)
    image = PIL.Image.new("L", (7 * DAY_WIDTH, height), 255)
    draw = PIL.ImageDraw.Draw(image)
    for day in range(7):
        for index in range(count):
            line, column = divmod(index, BOXES_PER_LINE)
            in_line = min(BOXES_PER_LINE, count - line * BOXES_PER_LINE)
            left = day * DAY_WIDTH + (DAY_WIDTH - in_line * (BOX + GAP) + GAP) // 2
            left += column * (BOX + GAP)
            top = GAP + line * (BOX + GAP)
            draw.rectangle((left, top, left + BOX - 1, top + BOX - 1), outline=51, width=BOX_LINE)
    _day_lines(draw, height)
    return _png(image)


@functools.lru_cache(maxsize=1)
def _week_lines() -> Resource:
    """The lines between the days alone, repeated down rows taller than their boxes."""
    image = PIL.Image.new("L", (7 * DAY_WIDTH, 4), 255)
    _day_lines(PIL.ImageDraw.Draw(image), 4)
    return _png(image)


def _drawing_names(item: ProgramItem) -> tuple[str, str]:
    """Resource names of the item's start and end drawings; blank when a clinic photo
    replaces them or the exercise has no drawing."""
    exercise = item.exercise
    if exercise.photo or not (exercise.illustration and has_illustration(exercise.illustration)):
        return "", ""
    return f"drawing/{exercise.illustration}/start", f"drawing/{exercise.illustration}/end"


@dataclass(frozen=True)
class HandoutDocument:
    html: str
    css: str
    resources: dict[str, Resource]


def _max_times_per_day() -> int:
    field = ProgramItem._meta.get_field("times_per_day")
    return max(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))


@functools.lru_cache(maxsize=4)
def handout_css(*, paper: str, large_print: bool) -> str:
    """The style sheet: the same for every handout on this paper size and print size,
    so it is made once, and clinic.pdf parses it once. Tick-box rules cover every allowed
    times-per-day; rows with more than one line of boxes get the height their picture
    needs, plus a millimetre."""
    weeks = [
        {
            "count": count,
            "height": f"{_strip_height(count) * WIDEST_DAY_MM / DAY_WIDTH + 1:.1f}mm"
            if tick_box_lines(count) > 1
            else "",
        }
        for count in range(1, _max_times_per_day() + 1)
    ]
    return render_to_string(
        "pdf/handout.css",
        {
            "paper": paper,
            "large_print": large_print,
            "weeks": weeks,
            "drawing_mm": DRAWING_MM[large_print],
        },
    )


def _paper(clinic: Clinic) -> str:
    return "letter" if clinic.paper_size == Clinic.Paper.LETTER else "A4"


def _handout_html(context: dict) -> str:
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return render_to_string("pdf/handout.html", {**context, "weekdays": weekdays})


def handout_document(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    issued_on: date,
) -> HandoutDocument:
    """The handout's HTML, and the pictures it names ("limber:<name>")."""
    items = _items(program)
    per_session, per_day = estimate_minutes(items)
    times = sorted({item.times_per_day for item in items})
    resources = {"qr": _qr_png(people.login_url)}
    resources.update({f"week/{count}": _week_strip(count) for count in times})
    resources["week/lines"] = _week_lines()
    blocks = []
    for number, item in enumerate(items, start=1):
        start, end = _drawing_names(item)
        if start:
            resources[start] = _drawing(item.exercise.illustration, "start", large_print)
            resources[end] = _drawing(item.exercise.illustration, "end", large_print)
        blocks.append(
            {
                "number": number,
                "item": item,
                "exercise": item.exercise,
                "cues": [cue.text for cue in item.exercise.cues.all()][:MAX_CUES],
                "dosage": describe_dosage(item),
                "start": start,
                "end": end,
                "photo_url": Path(item.exercise.photo.path).as_uri() if item.exercise.photo else "",
            }
        )
    html = _handout_html(
        {
            "program": program,
            "revision": revision,
            "clinic": clinic,
            "logo_url": Path(clinic.logo.path).as_uri() if clinic.logo else "",
            "people": people,
            "birth_date": people.birth_date if clinic.handout_shows_birth_date else None,
            "blocks": blocks,
            "minutes_per_session": per_session,
            "minutes_per_day": per_day,
            "times_per_day": times[0] if len(times) == 1 else None,
            "large_print": large_print,
            "issued_on": issued_on,
        }
    )
    css = handout_css(paper=_paper(clinic), large_print=large_print)
    return HandoutDocument(html, css, resources)


# The sample handout's made-up text: every style of the handout, most letters and digits.
SPECIMEN_STEPS = [
    "Lie on your back with both knees bent and your feet flat, hip-width apart.",
    "Squeeze your buttocks; lift your hips (slowly!) until they line up.",
    "Hold for 5 seconds, then lower: 1, 2, 3, 4 and 5. Rest 30 s.",
    "Breathe out as you move: quick, jerky moves won't help your back.",
    "Do 2 × 10 every day (6 to 9 a.m. is fine) & note how you feel.",
]


@functools.lru_cache(maxsize=4)
def handout_specimen(*, paper: str, large_print: bool) -> Specimen:
    """A sample handout, made up with no patient, clinic or user text in it, in the real
    template and pictures. clinic.pdf renders it once per style sheet to warm the process
    up, so the first real handout's fonts are already loaded and measured."""
    slug = min(ILLUSTRATED_SLUGS)
    exercise = SimpleNamespace(
        name="Sample exercise",
        lay_name="Lift your hips off the floor",
        cautions="Keep it slow and steady. A mild ache is fine.",
        stop_if="Stop if you get sharp pain, or new numbness or tingling.",
    )
    item = SimpleNamespace(notes="Start with 5 and build up to 10.", times_per_day=1)
    block = {"item": item, "exercise": exercise, "cues": SPECIMEN_STEPS, "photo_url": ""}
    blocks = [
        {**block, "number": number, "dosage": "2 × 10 reps · hold 5 s · rest 30 s · once a day"}
        for number in (1, 2)
    ]
    blocks[0].update(start=f"drawing/{slug}/start", end=f"drawing/{slug}/end")
    people = HandoutPeople(
        patient_name="Sample Patient",
        birth_date=None,
        clinician_name="Sample Clinician",
        clinician_contact="clinician@example.invalid",
        login_url="https://example.invalid/login/",
        login_is_invitation=False,
    )
    html = _handout_html(
        {
            "program": SimpleNamespace(
                title="Sample program", goal="Move more easily.", patient_notes="Take it easy."
            ),
            "revision": SimpleNamespace(number=1),
            "clinic": SimpleNamespace(
                name="Sample clinic", phone="0000 000 000", address="1 Sample Street\nJ Town"
            ),
            "logo_url": "",
            "people": people,
            "birth_date": date(2000, 1, 1),
            "blocks": blocks,
            "minutes_per_session": 9,
            "minutes_per_day": 9,
            "times_per_day": 1,
            "large_print": large_print,
            "issued_on": date(2000, 1, 1),
        }
    )
    resources = {
        "qr": _qr_png(people.login_url),
        "week/1": _week_strip(1),
        "week/lines": _week_lines(),
        f"drawing/{slug}/start": _drawing(slug, "start", large_print),
        f"drawing/{slug}/end": _drawing(slug, "end", large_print),
    }
    return Specimen(html, resources)


def handout_pdf(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    issued_on: date,
) -> tuple[bytes, bool]:
    """(PDF bytes, served from cache?). Unchanged revisions are not rendered again."""
    key = cache_key(
        program=program,
        revision=revision,
        clinic=clinic,
        people=people,
        large_print=large_print,
        issued_on=issued_on,
    )
    cached = cache.get(key)
    if cached is not None:
        return cached, True
    result = render_handout(
        program=program,
        revision=revision,
        clinic=clinic,
        people=people,
        large_print=large_print,
        issued_on=issued_on,
    )
    cache.set(key, result.pdf, CACHE_SECONDS)
    return result.pdf, False


def render_handout(**kwargs) -> RenderResult:
    document = handout_document(**kwargs)
    clinic = kwargs["clinic"]
    return render_pdf(
        document.html,
        css=document.css,
        media_dirs=clinic_media_dirs(clinic),
        resources=document.resources,
        specimen=handout_specimen(paper=_paper(clinic), large_print=kwargs["large_print"]),
    )


def handout_filename(revision: ProgramRevision, issued_on: date) -> str:
    """No names in file names: they end up in download folders and mail attachments."""
    return f"home-exercises-r{revision.number}-{issued_on:%Y-%m-%d}.pdf"
