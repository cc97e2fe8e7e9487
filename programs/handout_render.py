"""Rendering the handout to PDF: its pictures, style sheet and HTML. Run by the task
worker only (patients.tasks): the web process never imports this module, nor WeasyPrint.
Everything the render reads is named in programs.handouts.storage_name.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import PIL.Image
import PIL.ImageDraw
import PIL.ImageFont
from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as _

from clinic.lib.pdf import Resource, render_pdf
from clinic.lib.qr import qr_png
from clinic.models import Clinic
from programs.dosage import (
    describe_days,
    describe_dosage,
    estimate_minutes,
    steps,
    times_a_day,
)
from programs.handouts import HandoutPeople, clinic_media_dirs, exercise_changes, sheet_date
from programs.illustrations import has_illustration, render_svg
from programs.illustrations.raster import JPEG_QUALITY, drawing_jpeg, pixels_for
from programs.localized import leaflets_for, localize_items, prefetch_for, program_text
from programs.models import CueKind, Program, ProgramItem, ProgramRevision
from programs.safety import stop_rules_for_items
from programs.services import MAX_ITEMS

# A printed drawing never goes stale (a changed drawing has a new key); old ones expire.
DRAWING_CACHE_SECONDS = 30 * 24 * 60 * 60
# A step of each kind at most: a clinic's own exercise has one of each.
MAX_CUES = len(CueKind)


def _items(program: Program, language: str) -> list[ProgramItem]:
    """The items, each with `.text`: its exercise's text in `language` (or English,
    marked, without a translation: programs.localized)."""
    return localize_items(
        program.items.select_related("exercise").prefetch_related(*prefetch_for(language)),
        language,
    )


def _qr_png(url: str) -> Resource:
    return Resource(qr_png(url), "image/png")


# Printed width of a drawing, border and padding included (the style sheet uses it too).
DRAWING_MM = {False: 38, True: 75}
# Its border and padding: the picture itself is this much narrower.
DRAWING_FRAME_MM = 1.4


@functools.lru_cache(maxsize=512)
def _drawing(slug: str, phase: str, large_print: bool, caption: str = "") -> Resource:
    """The printed drawing: a JPEG, which WeasyPrint places far faster than it draws an
    SVG (see programs.illustrations.raster), captioned "Start" or "End" in the picture.
    Making one takes about 20 ms (40 ms for large print), so each is made once: kept in
    this process, and in the shared cache for the other web workers. The cache key is
    the picture's own SVG, so a change to the drawing code makes new pictures."""
    caption = caption or phase.capitalize()
    width = pixels_for(DRAWING_MM[large_print] - DRAWING_FRAME_MM)
    svg = render_svg(slug, phase, caption=caption)
    key = "drawing-jpeg:" + hashlib.sha256(f"{width}:{JPEG_QUALITY}:{svg}".encode()).hexdigest()
    jpeg = cache.get(key)
    if jpeg is None:
        jpeg = drawing_jpeg(slug, phase, caption=caption, width_px=width)
        cache.set(key, jpeg, DRAWING_CACHE_SECONDS)
    return Resource(jpeg, "image/jpeg")


# The weekly log's tick boxes, drawn at about 300 dpi for a day column ~17 mm wide:
# three to a line, or in large print two bigger ones (about 6 mm) to a line.
DAY_WIDTH, BOX, GAP, BOX_LINE = 200, 44, 12, 4
BOXES_PER_LINE = 3
LARGE_BOX, LARGE_BOXES_PER_LINE = 60, 2
GRID_GREY = 119  # the table's #777 border
REST_GREY, REST_INK = 226, 68
EVERY_DAY = 0b1111111
# "rest" on a day the item is not done: its size in pixels, at least as big as the log
# table's text (10 pt, or 16 pt in large print) on the widest day column.
REST_FONT_PX = {False: 42, True: 68}
# The widest a day column prints: on US Letter, 7 of the 66% of 187.9 mm the log table
# gets. Rows with several lines of boxes are made tall enough for their picture at it.
WIDEST_DAY_MM = 17.8


def _boxes(large_print: bool) -> tuple[int, int]:
    """(box size in pixels, boxes to a line)."""
    return (LARGE_BOX, LARGE_BOXES_PER_LINE) if large_print else (BOX, BOXES_PER_LINE)


def tick_box_lines(count: int, large_print: bool = False) -> int:
    return -(-count // _boxes(large_print)[1])


def _strip_height(count: int, large_print: bool = False) -> int:
    boxes = tick_box_lines(count, large_print) * (_boxes(large_print)[0] + GAP) + GAP
    return max(boxes, REST_FONT_PX[large_print] + 2 * GAP)


def _png(image: PIL.Image.Image) -> Resource:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Resource(out.getvalue(), "image/png")


def _rest_days(draw: PIL.ImageDraw.ImageDraw, days: int, height: int) -> None:
    """Shade the days the item is not done."""
    for day in range(7):
        if not days & (1 << day):
            draw.rectangle(
                (day * DAY_WIDTH, 0, (day + 1) * DAY_WIDTH - 1, height - 1), fill=REST_GREY
            )


def _day_lines(draw: PIL.ImageDraw.ImageDraw, height: int) -> None:
    for day in range(1, 7):
        draw.rectangle((day * DAY_WIDTH - 1, 0, day * DAY_WIDTH + 1, height - 1), fill=GRID_GREY)


@functools.lru_cache(maxsize=8)
def _rest_font(size: int) -> PIL.ImageFont.FreeTypeFont:
    try:
        return PIL.ImageFont.truetype("LiberationSans-Regular.ttf", size)
    except OSError:  # not installed here: Pillow's own font, at the same size
        return PIL.ImageFont.load_default(size)


@functools.lru_cache(maxsize=64)
def _week_strip(
    count: int, days: int = EVERY_DAY, large_print: bool = False, rest: str = "rest"
) -> Resource:
    """One exercise row of the weekly log: `count` boxes (see _boxes) on each day in
    `days` (a weekday bitmask, Monday = bit 0), "rest" on a shaded cell on the others,
    and the lines between the days, as one picture stretched across the row's seven day
    columns. One picture per row is far cheaper for WeasyPrint than a box character, or
    a picture, in each of the row's seven cells."""
    box, per_line = _boxes(large_print)
    height = _strip_height(count, large_print)
    image = PIL.Image.new("L", (7 * DAY_WIDTH, height), 255)
    draw = PIL.ImageDraw.Draw(image)
    _rest_days(draw, days, height)
    font = _rest_font(REST_FONT_PX[large_print])
    # A language's word for "rest" may be longer than a day's column: made smaller to fit.
    if font.getlength(rest) > DAY_WIDTH - 2 * GAP:
        size = int(REST_FONT_PX[large_print] * (DAY_WIDTH - 2 * GAP) / font.getlength(rest))
        font = _rest_font(size)
    top_gap = (height - tick_box_lines(count, large_print) * (box + GAP) + GAP) // 2
    for day in range(7):
        if not days & (1 << day):
            middle = (day * DAY_WIDTH + DAY_WIDTH // 2, height // 2)
            draw.text(middle, rest, fill=REST_INK, font=font, anchor="mm")
            continue
        for index in range(count):
            line, column = divmod(index, per_line)
            in_line = min(per_line, count - line * per_line)
            left = day * DAY_WIDTH + (DAY_WIDTH - in_line * (box + GAP) + GAP) // 2
            left += column * (box + GAP)
            top = top_gap + line * (box + GAP)
            draw.rectangle((left, top, left + box - 1, top + box - 1), outline=51, width=BOX_LINE)
    _day_lines(draw, height)
    return _png(image)


@functools.lru_cache(maxsize=16)
def _week_lines(days: int = EVERY_DAY) -> Resource:
    """The lines between the days, and the shading of rest days, repeated down rows
    taller than their boxes."""
    image = PIL.Image.new("L", (7 * DAY_WIDTH, 4), 255)
    draw = PIL.ImageDraw.Draw(image)
    _rest_days(draw, days, 4)
    _day_lines(draw, 4)
    return _png(image)


def _schedule(item) -> tuple[int, int]:
    """What a log row's pictures show: the boxes a day, and the days (Monday = bit 0)."""
    return item.times_per_day, item.weekdays or EVERY_DAY


def _week_resources(
    number: int, schedule: tuple[int, int], large_print: bool
) -> dict[str, Resource]:
    """A schedule's pictures, named by its number: the style sheet places them by it."""
    count, days = schedule
    return {
        f"week/{number}": _week_strip(count, days, large_print, _("rest")),
        f"week/{number}/lines": _week_lines(days),
    }


def _week_pictures(items, large_print: bool) -> tuple[list[int], dict[str, Resource]]:
    """Each log row's schedule number, and the schedules' pictures. Rows done as often on
    the same days share a number, and so their pictures: WeasyPrint fetches, decodes and
    embeds a picture once per name, and a picture per row made every row's anew."""
    numbers: dict[tuple[int, int], int] = {}
    resources: dict[str, Resource] = {}
    for schedule in map(_schedule, items):
        if schedule not in numbers:
            numbers[schedule] = len(numbers) + 1
            resources.update(_week_resources(numbers[schedule], schedule, large_print))
    return [numbers[_schedule(item)] for item in items], resources


def _log_note(item) -> str:
    """Under the exercise's name in the log: how many days, when the patient picks them."""
    if item.weekdays or (item.days_per_week or 7) == 7:
        return ""
    return describe_days(item)


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


# The handout's fonts, in fallback order (see templates/pdf/handout.css); the report's too.
FONT_FAMILIES = (
    '"Liberation Sans", "Noto Sans Arabic", "DejaVu Sans", "Noto Sans", "Noto Sans CJK SC", '
    '"Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Sans Hebrew", sans-serif'
)


# The page footer's box (templates/pdf/handout.css): its font size, its share of the
# narrowest page's width inside the margins (A4's), its line height, and the margin it
# sits in when the footer is short.
FOOTER_PT = {False: 8.5, True: 16}
FOOTER_BOX_MM = {False: 0.80 * (210 - 28), True: 0.72 * (210 - 28)}
LINE_HEIGHT = 1.25
FOOTER_MARGIN_MM = {False: 17, True: 24}
MM_PER_PT = 25.4 / 72


def footer_margin_mm(text: str, large_print: bool) -> int:
    """The bottom margin that holds the whole footer: in large print a footer the
    settings accept (300 characters) ran off the sheet after five lines, on every page.
    Its lines are counted as the page will wrap them, measured in its font (a tenth more,
    for kerning and fallback fonts); Chinese, Japanese and Korean letters are a whole em
    each."""
    size = FOOTER_PT[large_print]
    font = _rest_font(100)

    def width_mm(word: str) -> float:
        points = sum(
            100 if unicodedata.east_asian_width(ch) in "WF" else font.getlength(ch) for ch in word
        )
        return points * size / 100 * MM_PER_PT * 1.1

    box, space = FOOTER_BOX_MM[large_print], width_mm(" ")
    lines, used = 1, 0.0
    for word in text.split():
        wide = width_mm(word)
        if used and used + space + wide > box:
            lines, used = lines + 1, 0.0
        used += (space if used else 0) + wide
        while used > box:  # a word longer than a line is broken
            lines, used = lines + 1, used - box
    height = lines * size * LINE_HEIGHT * MM_PER_PT
    return max(FOOTER_MARGIN_MM[large_print], math.ceil(height + 5))


@functools.lru_cache(maxsize=32)
def handout_css(
    *, paper: str, large_print: bool, language: str = "en", bottom_mm: int | None = None
) -> str:
    """The style sheet: the same for every handout on this paper size and print size
    (and footer height, `bottom_mm`: footer_margin_mm), so it is made once, and
    clinic.lib.pdf parses it once. Tick-box rules cover every allowed times-per-day; rows
    with more than one line of boxes get the height their picture needs, plus a
    millimetre."""
    weeks = [
        {
            "count": count,
            "height": f"{_strip_height(count, large_print) * WIDEST_DAY_MM / DAY_WIDTH + 1:.1f}mm"
            if tick_box_lines(count, large_print) > 1
            else "",
        }
        for count in range(1, _max_times_per_day() + 1)
    ]
    return render_to_string(
        "pdf/handout.css",
        {
            "paper": paper,
            "large_print": large_print,
            "bottom_mm": bottom_mm or FOOTER_MARGIN_MM[large_print],
            "weeks": [week for week in weeks if week["height"]],
            "rows": range(1, MAX_ITEMS + 1),
            "drawing_mm": DRAWING_MM[large_print],
            "font_families": FONT_FAMILIES,
            # The page footer's words: from the catalogue, never user text.
            "page_word": _css_text(_("Page")),
            "of_word": _css_text(_("of")),
        },
    )


def _css_text(text: str) -> str:
    """A catalogue word inside a CSS string: printable characters other than quotes and
    backslashes, so it can never end the string."""
    return "".join(ch for ch in str(text) if ch.isprintable() and ch not in "\"'\\")


def _signin_button() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("E-mail me a link")


def _one_line(address: str) -> str:
    """The clinic's address on one line, "12 High Street, Lower Bridgeford, NN12 3AB", for
    the page header: there it fills the lines it is given (handout.css caps them),
    rather than taking one line for every line typed."""
    return ", ".join(line.strip().rstrip(",") for line in address.splitlines() if line.strip())


def _contact(people: HandoutPeople) -> str:
    """How to reach the clinician, as the header and page 1 print it: a phone number never
    breaks inside (handout.css .phone); a long e-mail address may."""
    if people.contact_is_phone:
        return format_html('<span class="phone">{}</span>', people.clinician_contact)
    return conditional_escape(people.clinician_contact)


def _paper(clinic: Clinic) -> str:
    return "letter" if clinic.paper_size == Clinic.Paper.LETTER else "A4"


def _handout_html(context: dict) -> str:
    weekdays = [str(WEEKDAYS_ABBR[day]) for day in range(7)]
    return render_to_string("pdf/handout.html", {**context, "weekdays": weekdays})


def handout_document(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    language: str = "en",
) -> HandoutDocument:
    """The handout's HTML, and the pictures it names ("limber:<name>"), in `language`
    (the patient's: clinic.languages.patient_language)."""
    with translation.override(language):
        return _handout_document(
            program=program,
            revision=revision,
            clinic=clinic,
            people=people,
            large_print=large_print,
            language=language,
        )


def _how_often(times: int, days: str) -> str:
    """ "once a day", or "once a day, 3 days a week" (describe_days' words)."""
    every_day = describe_days({"days_per_week": 7})
    return times_a_day(times) if days == every_day else f"{times_a_day(times)}, {days}"


def _handout_document(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    language: str,
) -> HandoutDocument:
    items = _items(program, language)
    per_session, per_day = estimate_minutes(items)
    # One "how often" for the summary box only when every exercise has the same: "once a
    # day" alone, over exercises done 3 days a week, reads as every day.
    how_often = {(item.times_per_day, describe_days(item)) for item in items}
    resources = {"qr": _qr_png(people.signin_url)} if people.signin_url else {}
    schedules, week_pictures = _week_pictures(items, large_print)
    resources.update(week_pictures)
    blocks = []
    for number, (item, schedule) in enumerate(zip(items, schedules, strict=True), start=1):
        start, end = _drawing_names(item)
        if start:
            illustration = item.exercise.illustration
            resources[start] = _drawing(illustration, "start", large_print, _("Start"))
            resources[end] = _drawing(illustration, "end", large_print, _("End"))
        blocks.append(
            {
                "number": number,
                "item": item,
                "exercise": item.exercise,
                "text": item.text,
                # The steps' amounts ("Hold for {hold}") come from this prescription,
                # and a dose on one side has no step that changes sides.
                "cues": steps(item)[:MAX_CUES],
                "dosage": describe_dosage(item),
                "log_note": _log_note(item),
                "schedule": schedule,
                "start": start,
                "end": end,
                "photo_url": Path(item.exercise.photo.path).as_uri() if item.exercise.photo else "",
            }
        )
    # Every handout reminds the patient to follow their clinician's advice (DESIGN.md), in
    # their language. The clinic's own footer (opening hours, say) follows it, never
    # replaces it: in the same paragraph, where it often fits on the reminder's last line.
    reminder = _(
        "Follow your clinician’s advice. If in doubt, stop and call us."  # noqa: RUF001 - the typographic apostrophe of the catalogue
    )
    footer = f"{reminder} {clinic.handout_footer}".strip()
    html = _handout_html(
        {
            "program": program,
            "program_text": program_text(program, language),
            "revision": revision,
            "clinic": clinic,
            "logo_url": Path(clinic.logo.path).as_uri() if clinic.logo else "",
            "header_address": _one_line(clinic.address),
            "people": people,
            # The clinic's sign-in page is in the site's language, whatever the handout's:
            # its button is named as it reads there.
            "signin_button": _signin_button(),
            "contact": _contact(people),
            "birth_date": people.birth_date if clinic.handout_shows_birth_date else None,
            "blocks": blocks,
            "leaflets": leaflets_for(program.leaflets, language),
            "minutes_per_session": per_session,
            "minutes_per_day": per_day,
            "times_per_day": _how_often(*how_often.pop()) if len(how_often) == 1 else None,
            "rest_days": any(item.weekdays not in (0, EVERY_DAY) for item in items),
            "stop_rules": stop_rules_for_items(items, emergency=clinic.emergency_help),
            "large_print": large_print,
            "sheet_date": sheet_date(
                revision, clinic, exercise_changes([program.pk], language)[program.pk]
            ),
            "footer": footer,
            # Large print: the dose, caution, stop line and note before the steps, kept
            # with the exercise's name when a card is taller than a page.
            "card_parts": ("dose", "steps") if large_print else ("steps", "dose"),
        }
    )
    css = handout_css(
        paper=_paper(clinic),
        large_print=large_print,
        language=language,
        bottom_mm=footer_margin_mm(footer, large_print),
    )
    return HandoutDocument(html, css, resources)


def render_handout(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    language: str = "en",
) -> bytes:
    """The handout as PDF bytes. Raises clinic.lib.pdf.PdfError when it cannot be made."""
    document = handout_document(
        program=program,
        revision=revision,
        clinic=clinic,
        people=people,
        large_print=large_print,
        language=language,
    )
    return render_pdf(
        document.html,
        css=document.css,
        media_dirs=clinic_media_dirs(clinic),
        resources=document.resources,
    ).pdf
