"""The printed home-exercise handout: what decides its content, where it is stored, its
file name.

Light on purpose: the web process imports this module to find a stored handout, and
never renders one. Rendering lives in programs.handout_render, imported only by the task
worker. The patients app supplies who the handout is for (`HandoutPeople`); this module
never looks patients up.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import pgettext

from clinic.models import Clinic
from programs import safety
from programs.content import leaflets
from programs.localized import content_version
from programs.models import Program, ProgramItem, ProgramRevision

# What lays a handout out and words it: its templates and style sheet, and the code that
# fills them (the dose line, the steps, the log). Their text is in the handout's key
# (layout_version), so a change to any of them makes new handouts: a number bumped by
# hand was forgotten once, and patients kept an old handout whose clinic footer hid the
# reminder to follow their clinician's advice.
LAYOUT_FILES = (
    *(
        Path(settings.BASE_DIR, "templates", name)
        for name in ("pdf/handout.html", "pdf/handout.css", "pdf/_login.html", "_stop_rules.html")
    ),
    Path(__file__).resolve().parent / "handout_render.py",
    Path(__file__).resolve().parent / "dosage.py",
    Path(__file__).resolve().parent / "pain_guide.py",
)
# The stop box's clinical text is data (programs.safety): a change to it alone makes new
# handouts, as a changed layout does (layout_version).
SAFETY_TEXT = hashlib.sha256(repr(safety.ORDER).encode()).hexdigest()[:16]
# The exercises' drawings are drawn by this code from its pose data, not stored: a
# corrected drawing makes new handouts (drawings_version), as a corrected text does.
DRAWINGS_CODE = Path(__file__).resolve().parent / "illustrations"


@dataclass(frozen=True)
class HandoutPeople:
    patient_name: str
    birth_date: date | None
    clinician_name: str
    clinician_contact: str
    # The clinic's sign-in page (sign in, or ask for a set-up link by e-mail); it holds no
    # credential, so a printed or stored handout never does. Blank without an e-mail.
    signin_url: str
    # The contact is the clinician's phone number (printed unbroken), not an e-mail.
    contact_is_phone: bool = False


def clinic_media_dirs(clinic: Clinic) -> tuple[Path, ...]:
    """The only uploaded files a clinic's PDFs may contain: its own."""
    root = Path(settings.MEDIA_ROOT)
    return (root / "exercise-photos" / str(clinic.uuid), root / "clinic-logos" / str(clinic.uuid))


def sheet_date(revision: ProgramRevision, clinic: Clinic, changes: ExerciseChanges) -> date:
    """The date a handout carries ("Revision 2 of 9 Dec 2026", and its file name): its
    revision's, or the day its exercises' words or pictures last changed since: a clinic's
    exercise edited days after the sheet was printed made a new sheet under the old
    revision's date and file name (found by the dose review). A change made the same day
    keeps the day: the label names days. The same revision and exercises still make the
    same file next week. The
    clinic's day, whatever clock the caller runs on: the web asks in the clinic's or the
    patient's zone, the worker in the server's, and both must name the same file."""
    moments = [revision.created_at, *(m for m in (changes.latest, changes.translated) if m)]
    return timezone.localtime(max(moments), clinic.tzinfo).date()


@dataclass(frozen=True)
class ExerciseChanges:
    """When a program's exercises last changed: their texts and photos, and their
    translations into one language. Part of a stored handout's key."""

    latest: datetime | None = None
    translated: datetime | None = None


def exercise_changes(program_ids: Collection[int], language: str) -> dict[int, ExerciseChanges]:
    """Each program's ExerciseChanges in one query, however many programs: the purge and a
    clinic's re-render ask for every current program at once."""
    rows = (
        ProgramItem.objects.filter(program_id__in=program_ids)
        .order_by()
        .values("program_id")
        .annotate(
            latest=Max("exercise__updated_at"),
            translated=Max(
                "exercise__translations__updated_at",
                filter=Q(exercise__translations__language=language),
            ),
        )
    )
    found = {row["program_id"]: ExerciseChanges(row["latest"], row["translated"]) for row in rows}
    return {pk: found.get(pk, ExerciseChanges()) for pk in program_ids}


def storage_name(
    *,
    program: Program,
    revision: ProgramRevision,
    clinic: Clinic,
    people: HandoutPeople,
    large_print: bool,
    language: str = "en",
    changes: ExerciseChanges | None = None,
) -> str:
    """Where the rendered PDF is stored: a hash of everything that shows on the handout,
    cheaply (the revision pins the program, the clinic's updated_at its branding, the
    newest exercise change their texts and photos), in the clinic's own folder. `changes`
    is read here unless the caller read it already, for many programs at once."""
    if changes is None:
        changes = exercise_changes([program.pk], language)[program.pk]
    parts = [
        layout_version(),
        SAFETY_TEXT,
        leaflets.TEXT_VERSION,
        revision.pk,
        revision.number,
        sheet_date(revision, clinic, changes).isoformat(),
        clinic.pk,
        clinic.updated_at.isoformat(),
        # The stop box's emergency line; a setting saved through the form also moves
        # updated_at, but a safety line must not depend on how it was changed.
        clinic.emergency_region,
        changes.latest.isoformat() if changes.latest else "",
        people,
        large_print,
        # The language, its catalogue's and content's version, and the newest change of
        # the exercises' translations into it.
        language,
        catalogue_version(language),
        content_version(language),
        changes.translated.isoformat() if changes.translated else "",
        drawings_version(),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"{handout_folder(clinic)}/{digest}.pdf"


def handout_folder(clinic: Clinic) -> str:
    return f"handouts/{clinic.uuid}"


def handout_filename(
    revision: ProgramRevision,
    clinic: Clinic,
    changes: ExerciseChanges,
    initials: str = "",
    language: str = "en",
    large_print: bool = False,
) -> str:
    """No names in file names (they end up in download folders and mail attachments):
    the patient's initials, which the caller gives, the sheet's date, and the
    language when it is not English. In the handout's language, and large print says so:
    both sheets of one revision had the same name in a phone's downloads (found by the
    phone review)."""
    # A language whose words have no ASCII letters keeps the English ones: a file name
    # must not start with a dash.
    with translation.override(language):
        stem = slugify(pgettext("a handout's file name", "home-exercises")) or "home-exercises"
        large = slugify(pgettext("a handout's file name", "large-print")) or "large-print"
    size = f"-{large}" if large_print else ""
    who = f"{initials}-" if initials else ""
    lang = f"-{language}" if language != settings.LANGUAGE_CODE else ""
    day = sheet_date(revision, clinic, changes)
    return f"{stem}-{who}r{revision.number}-{day:%Y-%m-%d}{size}{lang}.pdf"


@functools.cache
def layout_version() -> str:
    """The handout's templates, style sheet and wording code (LAYOUT_FILES), for handout
    keys: their source, so every server names a handout alike."""
    digest = hashlib.sha256()
    for path in LAYOUT_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def drawings_version() -> str:
    """The drawing code and its pose data, for handout keys: the source, as the
    catalogue's is its .po, so every server names a handout alike."""
    digest = hashlib.sha256()
    for path in sorted(DRAWINGS_CODE.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def catalogue_version(language: str) -> str:
    """The catalogue's text for `language`, for handout keys: a corrected translation
    makes new handouts. The committed .po, not the compiled .mo: every server must name a
    handout alike, whichever msgfmt compiled its copy."""
    if language == settings.LANGUAGE_CODE:
        return ""
    digest = hashlib.sha256()
    for path in sorted(Path(settings.BASE_DIR, "locale", language).glob("**/*.po")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
