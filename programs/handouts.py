"""The printed home-exercise handout: its content, its cache, its file name.

The patients app supplies who the handout is for (`HandoutPeople`); this module
never looks patients up. Rendering goes through clinic.pdf, the only WeasyPrint caller.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import qrcode
import qrcode.constants
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Prefetch
from django.template.loader import render_to_string

from clinic.models import Clinic
from clinic.pdf import RenderResult, render_pdf
from programs.dosage import describe_dosage, estimate_minutes
from programs.illustrations import has_illustration, render_svg
from programs.models import ExerciseCue, Program, ProgramItem, ProgramRevision

CACHE_SECONDS = 60 * 60 * 24
MAX_CUES = 5
# Bumped when the handout template or its CSS changes, so cached PDFs are not reused.
LAYOUT_VERSION = 2


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


def _qr_data_uri(url: str) -> str:
    """A 1-bit PNG: as an SVG path the code has thousands of segments, which WeasyPrint
    draws one by one; a small bitmap is placed in a fraction of the time."""
    code = qrcode.QRCode(border=2, box_size=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@functools.lru_cache(maxsize=256)
def _drawing_uri(slug: str, phase: str) -> str:
    """The drawn picture as an image, not inline SVG: WeasyPrint runs inline SVG nodes
    through the whole HTML style cascade, but parses an SVG image on its own, faster.
    The drawings never change at run time, so each one is encoded once per process."""
    svg = render_svg(slug, phase)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _picture(item: ProgramItem, phase: str) -> str:
    exercise = item.exercise
    if exercise.photo or not (exercise.illustration and has_illustration(exercise.illustration)):
        return ""
    return _drawing_uri(exercise.illustration, phase)


def handout_html(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    issued_on: date,
) -> str:
    items = _items(program)
    per_session, per_day = estimate_minutes(items)
    times = sorted({item.times_per_day for item in items})
    blocks = [
        {
            "number": number,
            "item": item,
            "exercise": item.exercise,
            "cues": [cue.text for cue in item.exercise.cues.all()][:MAX_CUES],
            "dosage": describe_dosage(item),
            "start": _picture(item, "start"),
            "end": _picture(item, "end"),
            "photo_url": Path(item.exercise.photo.path).as_uri() if item.exercise.photo else "",
        }
        for number, item in enumerate(items, start=1)
    ]
    return render_to_string(
        "pdf/handout.html",
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
            "paper": "letter" if clinic.paper_size == Clinic.Paper.LETTER else "A4",
            "qr_uri": _qr_data_uri(people.login_url),
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        },
    )


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
    html = handout_html(**kwargs)
    return render_pdf(html, media_dirs=clinic_media_dirs(kwargs["clinic"]))


def handout_filename(revision: ProgramRevision, issued_on: date) -> str:
    """No names in file names: they end up in download folders and mail attachments."""
    return f"home-exercises-r{revision.number}-{issued_on:%Y-%m-%d}.pdf"
