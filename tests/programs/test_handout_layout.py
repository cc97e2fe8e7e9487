"""Where things land on the printed handout: the page header and footer on every page,
long words in the clinician's notes, exercise cards taller than a page, the weekly log's
rows and the login box (found by review, topic "handout")."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from clinic.actors import Actor
from clinic.models import Clinic, Membership, User
from programs.content.exercises import EXERCISES
from programs.dosage import describe_days
from programs.localized import localize_items
from programs.models import Exercise
from programs.services import exercise_copy, exercise_save
from tests.clinic.test_clinic_settings import png, settings_form
from tests.conftest import client_for, get_document, revise
from tests.pdf_text import Page, Word, page_texts, page_words

MM = 72 / 25.4  # points in a millimetre
# Most printers cannot print the outer 4 to 5 mm of a sheet.
PRINTABLE_FROM = 5 * MM

# The dose fields a program row is saved with (the builder's form sends the same).
FIELDS = (
    "sets",
    "reps",
    "hold_seconds",
    "rest_seconds",
    "duration_seconds",
    "times_per_day",
    "days_per_week",
    "side",
)


def library(*slugs: str) -> list[Exercise]:
    return [Exercise.objects.get(slug=slug, clinic=None) for slug in slugs]


def at_default_dose(exercises) -> list[dict]:
    return [{"exercise": ex, **{name: getattr(ex, name) for name in FIELDS}} for ex in exercises]


def first_of(page: Page, *words: str) -> Word:
    """The first word of the first place on the page where these words follow each other."""
    return next(
        group[0]
        for group in zip(*(page.words[n:] for n in range(len(words))), strict=False)
        if tuple(word.text for word in group) == words
    )


def handout(patient, large: bool = False) -> bytes:
    return get_document(
        client_for(patient.user), "/me/handout.pdf" + ("?large=1" if large else "")
    ).content


LONGEST_NAME = (
    "Riverside Community Physiotherapy, Sports Injury and Rehabilitation Centre of the "
    "County of Greater Northamptonshire"
)
LONGEST_ADDRESS = "\n".join(
    [
        "Unit 4, The Old Mill Business Park",
        "Riverside Lane, off the Old Towpath Road",
        "Lower Bridgeford",
        "Near Upper Bridgeford Village Green",
        "Greater Northamptonshire",
        "East Midlands",
        "NN12 3AB",
        "United Kingdom of Great Britain and Northern Ireland",
        "(Entrance at the back of the building, by the car park)",
        "Second floor, lift available",
        "Please ring the bell at reception when you arrive",
    ]
)
LONG_TITLE = (
    "Low back and hip rehabilitation after lumbar discectomy, phase two: strength, "
    "balance and return to running"
)
# What the header prints to reach the clinic and the clinician. The suite's clinic has
# "+1 555 0100"; some clinics type a landline and a mobile in one field; the widest the
# settings accept is 32 digits with no space.
PHONE = "+44 1604 496 0123"
TWO_PHONES = "01604 496 0123 - 07700 900 123"
WIDEST_PHONE = "+" + "1604496012" * 3 + "3"
SARAH = {"full_name": "Sarah Johnson", "email": "sarah.johnson@riversidephysio.example"}
ON_THE_PHONE = {"full_name": "Sarah Johnson", "phone": "+44 7700 900 456"}
LONGEST_CLINICIAN = {
    "full_name": "Dr Alexandra Catherine Montgomery-Fairweather",
    "email": "alexandra.montgomery-fairweather@riverside-community-physio.example",
}
ADDRESS = "12 High Street\nLower Bridgeford\nNN12 3AB"
LONGEST = {"name": LONGEST_NAME, "address": LONGEST_ADDRESS, "phone": WIDEST_PHONE}
HEADERS = {
    # No logo: a clinic name of two lines and a postal address of five; the clinician
    # is reached by phone.
    "long-address": (
        {
            "name": "Riverside Community Physiotherapy and Sports Injury Clinic",
            "address": "Unit 4, The Old Mill Business Park\nRiverside Lane\nLower Bridgeford\n"
            "Northampton\nNN12 3AB",
            "phone": TWO_PHONES,
        },
        ON_THE_PHONE,
        (0, 0),
        False,
    ),
    # The suite's 3:1 logo, an ordinary three-line address, a clinician's e-mail.
    "logo": ({"address": ADDRESS, "phone": PHONE}, SARAH, (2400, 800), False),
    # Large print, a square logo, a clinic name of 41 characters.
    "large-print-logo": (
        {"name": "Riverside Physiotherapy and Sports Clinic", "phone": PHONE},
        SARAH,
        (800, 800),
        True,
    ),
    "large-print-wide-logo": ({"phone": PHONE}, SARAH, (2400, 800), True),
    # Near the longest name, address, phone and program title the forms accept; a long
    # patient name, a long clinician's name and e-mail; A4 and the narrower Letter.
    "longest": (LONGEST, LONGEST_CLINICIAN, (2400, 800), False),
    "longest-letter": (LONGEST | {"paper_size": "letter"}, LONGEST_CLINICIAN, (2400, 800), False),
    "longest-large-print": (LONGEST, LONGEST_CLINICIAN, (800, 800), True),
    "longest-large-print-letter": (
        LONGEST | {"paper_size": "letter"},
        LONGEST_CLINICIAN,
        (2400, 800),
        True,
    ),
}


def clinic_header(as_admin_a, settings: dict, logo: tuple[int, int]) -> None:
    data = settings_form(**{"paper_size": "a4", **settings})
    if logo[0]:
        data["logo"] = SimpleUploadedFile("logo.png", png(logo))
    assert as_admin_a.post("/portal/clinic/", data).status_code == 302


def header_words(page: Page, large: bool) -> list[Word]:
    """The words printed in the page's top margin (handout.css @page), where the header is."""
    body = (31 if large else 33) * MM
    return [word for word in page.words if word.top < body]


def whole_on_one_line(words: list[Word], number: str) -> bool:
    """The phone number is printed, all of it on one line."""
    parts = number.split()
    return any(
        [word.text for word in words[n : n + len(parts)]] == parts
        and len({round(word.top) for word in words[n : n + len(parts)]}) == 1
        for n in range(len(words))
    )


@pytest.mark.parametrize("case", HEADERS)
def test_the_page_header_stays_on_the_printable_sheet(
    case, as_admin_a, clinician_a, membership_a, patient_a1, program_a1
):
    """The header grows upward from the top margin. Nothing bounded it: a long address
    (one line per line typed), or a logo beside the clinic and patient columns (wider than
    the page together, so the patient's column dropped under the clinic's), pushed the
    clinic's name, or the patient's own name, off the top of every page. Then every line
    was capped instead, and the caps cut the phone numbers and the clinician's contact
    (test_the_phone_numbers_and_the_clinicians_contact_are_whole_in_every_header): they
    are checked whole here too, in the tallest headers."""
    settings, clinician, logo, large = HEADERS[case]
    assert len(LONGEST_NAME) <= Clinic._meta.get_field("name").max_length
    assert len(LONGEST_ADDRESS) <= Clinic._meta.get_field("address").max_length
    assert len(WIDEST_PHONE) == Clinic._meta.get_field("phone").max_length
    User.objects.filter(pk=clinician_a.pk).update(**clinician)
    clinic_header(as_admin_a, settings, logo)
    if case.startswith("longest"):
        patient_a1.first_name = "Maximiliana-Josefina Alejandra"
        patient_a1.last_name = "Okafor-Wolfeschlegelsteinhausen"
        patient_a1.save()
        items = [{"id": item.pk, "exercise": item.exercise} for item in program_a1.items.all()]
        revise(program_a1, membership_a, items, {"title": LONG_TITLE})

    pages = page_words(handout(patient_a1, large))
    assert len(pages) > 2
    # The page's body starts below the top margin (handout.css @page); the header is in it.
    body = (31 if large else 33) * MM
    for number, page in enumerate(pages, start=1):
        header = header_words(page, large)
        said = " ".join(word.text for word in header)
        assert "Okafor" in said, f"page {number}: no patient name in the header: {said!r}"
        assert "evision" in said, f"page {number}: no revision in the header: {said!r}"
        assert whole_on_one_line(header, settings["phone"]), f"page {number}: {said!r}"
        if not large:  # large print names the clinician on page 1, in full
            # An e-mail address longer than the column may break, never lose a letter.
            contact = clinician.get("phone") or clinician["email"]
            assert contact.replace(" ", "") in "".join(said.split()), f"page {number}: {said!r}"
            if "phone" in clinician:
                assert whole_on_one_line(header, contact), f"page {number}: {said!r}"
        high = [
            (word.text, round(word.top / MM, 1)) for word in page.words if word.top < PRINTABLE_FROM
        ]
        assert not high, f"page {number}: printed less than 5 mm from the top edge (mm): {high}"
        low = [word.text for word in header if word.bottom > body]
        assert not low, f"page {number}: the header runs into the page: {low}"


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_the_phone_numbers_and_the_clinicians_contact_are_whole_in_every_header(
    large, as_admin_a, clinician_a, patient_a1, program_a1
):
    """Bounding the header capped the phone's line and the clinician's line at one line
    each, in columns narrowed beside a logo. With the suite's 3:1 logo, standard print
    printed "Clinician: Sarah Johnson ·…" on every page (her e-mail address was printed
    nowhere else) and large print "Phone +44 1604…"."""
    User.objects.filter(pk=clinician_a.pk).update(**SARAH)
    clinic_header(as_admin_a, {"name": "Riverside Physio", "phone": PHONE}, (2400, 800))

    pages = page_words(handout(patient_a1, large))
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        header = header_words(page, large)
        said = " ".join(word.text for word in header)
        assert f"Phone {PHONE}" in said, f"page {number}: {said!r}"
        assert whole_on_one_line(header, PHONE), f"page {number}: {said!r}"
        assert "\N{HORIZONTAL ELLIPSIS}" not in said, f"page {number}: {said!r}"
        if not large:
            assert f"Clinician: Sarah Johnson · {SARAH['email']}" in said, said


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
@pytest.mark.parametrize(
    ("clinician", "printed"),
    [
        (ON_THE_PHONE, '<span class="phone">+44 7700 900 456</span>'),
        # An e-mail address may break at the column's edge, and what was typed is text.
        (
            {"full_name": "Sarah Johnson", "email": "s<b>j</b>@riverside.example"},
            "s&lt;b&gt;j&lt;/b&gt;@riverside.example",
        ),
    ],
)
def test_the_clinicians_contact_is_printed_as_typed_and_a_phone_never_breaks(
    large_print, clinician, printed, clinician_a, patient_a1, program_a1
):
    """The header and large print's page 1 each decided from the text whether the contact
    was a phone number; handout_people knows (the clinician's phone comes first)."""
    from patients.handouts import handout_people
    from programs import handout_render

    User.objects.filter(pk=clinician_a.pk).update(**clinician)
    patient_a1.refresh_from_db()
    document = handout_render.handout_document(
        program=program_a1,
        revision=program_a1.revisions.get(number=program_a1.revision),
        clinic=patient_a1.clinic,
        people=handout_people(patient_a1),
        large_print=large_print,
    )
    # Standard print: in the header; large print: on page 1 (its header has no room).
    assert document.html.count(printed) == 1
    assert "<b>" not in document.html


# A run with no break in it, such as a pasted reference code or a link's token.
TOKEN = "Ref:" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 3


def test_a_long_word_in_a_clinicians_note_stays_in_its_box(membership_a, patient_a1, program_a1):
    """The exercise's note and the program's notes had no overflow-wrap: a long code ran
    across the pain guide's column and off the right edge of the sheet."""
    bridge = Exercise.objects.get(slug="glute-bridge", clinic=None)
    revise(
        program_a1,
        membership_a,
        [{"exercise": bridge, "sets": 2, "reps": 10, "notes": f"Video: {TOKEN}"}],
        {"patient_notes": f"Your video: {TOKEN}"},
    )
    pages = page_words(handout(patient_a1))
    pieces = [
        (n, word) for n, page in enumerate(pages) for word in page.words if "AbCdEf" in word.text
    ]
    assert len({n for n, _word in pieces}) == 2  # page 1's summary, and the exercise's card
    margin = 14 * MM
    beyond = [word.text[:20] for n, word in pieces if word.right > pages[n].width - margin + 1]
    assert not beyond, beyond
    # On page 1 the program's notes stay in their column, left of the pain guide.
    guide = first_of(pages[0], "Pain", "guide").left
    across = [word.text[:20] for n, word in pieces if n == 0 and word.right > guide]
    assert not across, across


def advice(text: str) -> str:
    return text.replace("\N{RIGHT SINGLE QUOTATION MARK}", "'").lower()


def test_a_clinic_footer_keeps_the_follow_your_clinicians_advice_reminder(
    as_admin_a, membership_a, patient_a1, program_a1
):
    """DESIGN.md: every handout reminds patients to follow their clinician's advice. The
    page footer was the only place the handout said so, and a clinic's own footer line
    (opening hours) replaced it on every page."""
    response = as_admin_a.post(
        "/portal/clinic/", settings_form(handout_footer="Open Monday to Friday, 8 am to 6 pm")
    )
    assert response.status_code == 302
    items = [{"id": item.pk, "exercise": item.exercise} for item in program_a1.items.all()]
    revise(program_a1, membership_a, items, {"patient_notes": "Start gently this week."})

    for large in (False, True):
        pages = page_texts(handout(patient_a1, large))
        assert "Start gently this week." in " ".join(pages)
        for number, page in enumerate(pages, start=1):
            assert "Open Monday to Friday, 8 am to 6 pm" in page, number
            assert "follow your clinician's advice. if in doubt, stop and call us." in advice(
                page
            ), number


def test_a_large_print_note_is_printed_with_its_exercise(membership_a, patient_a1, program_a1):
    """Large print stacks the pictures above the steps, so a card can be taller than a
    page. It was broken before its last box, the clinician's note, which was printed
    alone at the top of the next sheet, naming no exercise."""
    note = "Only lower your left arm for now."
    bridge, dead_bug = library("glute-bridge", "dead-bug")
    revise(
        program_a1,
        membership_a,
        [
            {"exercise": bridge, "sets": 2, "reps": 10},
            {
                "exercise": dead_bug,
                "sets": 3,
                "reps": None,
                "hold_seconds": 30,
                "rest_seconds": 15,
                "side": "each_side",
                "notes": note,
            },
        ],
    )
    with_note = [page for page in page_texts(handout(patient_a1, large=True)) if note in page]
    assert len(with_note) == 1
    assert dead_bug.lay_name in with_note[0], with_note[0][:300]


def test_a_large_print_stop_line_is_printed_with_its_exercise(membership_a, patient_a1, program_a1):
    """Spanish, large print, the built-in hip hinge at its own default dose: its "stop
    if" line was printed at the top of the next page, above the next exercise's name."""
    patient_a1.preferred_language = "es"
    patient_a1.save(update_fields=["preferred_language"])
    hinge, prone = library("hip-hinge", "prone-hip-extension")
    revise(program_a1, membership_a, at_default_dose([hinge, prone]))
    spanish = hinge.translations.get(language="es")
    stop_if = " ".join(spanish.stop_if.split())
    pages = page_texts(handout(patient_a1, large=True))
    card = [page for page in pages if f"1 {spanish.lay_name}" in page]
    assert len(card) == 1, "the hip hinge's card starts on one page"
    assert stop_if in card[0], [page[:200] for page in pages if stop_if in page]


def _words(limit: int, word: str) -> str:
    text = word
    while len(text) + 1 + len(word) <= limit:
        text += " " + word
    return text


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_the_tallest_card_keeps_its_note_caution_and_stop_line_with_its_name_in_large_print(
    paper, admin_a, membership_a, patient_a1, program_a1, clinic_a
):
    """A clinic's own exercise with every text at its longest: the card is far taller
    than a page in large print, and breaks inside its steps only."""
    Clinic.objects.filter(pk=clinic_a.pk).update(paper_size=paper)
    actor = Actor.for_member(Membership.objects.get(user=admin_a))
    own = exercise_copy(actor=actor, source=Exercise.objects.get(slug="cat-cow", clinic=None))
    text = {"caution": ("cautions", 400), "stopline": ("stop_if", 300)}
    fields = {
        field: _words(limit - 8, word) + " " + word.upper() for word, (field, limit) in text.items()
    }
    fields |= {"name": _words(80, "Longname"), "lay_name": _words(80, "Everyday")}
    exercise_save(
        actor=actor,
        exercise=own,
        fields=fields,
        cues=[("movement", _words(200, "Stepword"))] * 6,
    )
    note = _words(290, "Notey") + " NOTEY"
    revise(
        program_a1,
        membership_a,
        [{"exercise": own, "sets": 3, "reps": 10, "side": "each_side", "notes": note}],
    )
    pages = page_texts(handout(patient_a1, large=True))
    for end in ("CAUTION", "STOPLINE", "NOTEY"):
        printed = [page for page in pages if end in page]
        assert len(printed) == 1
        assert "Everyday Everyday" in printed[0], f"{end} without its exercise's name"


def test_no_log_row_is_split_across_pages(membership_a, patient_a1, program_a1):
    """A row of the weekly log split over two pages gave its second half a full week of
    tick boxes of its own: an extra row labelled with the end of a name, or with "5 días
    a la semana" alone. A Spanish patient in large print, the library's first 30
    exercises (the most a program has) at their own default doses."""
    patient_a1.preferred_language = "es"
    patient_a1.save(update_fields=["preferred_language"])
    exercises = library(*(entry["slug"] for entry in EXERCISES[:30]))
    revise(program_a1, membership_a, at_default_dose(exercises))
    pages = page_texts(handout(patient_a1, large=True))
    log = pages[next(n for n, page in enumerate(pages) if "Mi semana" in page) :]
    assert len(log) > 1  # the log runs over several pages, as it may

    rows = []
    with translation.override("es"):
        items = localize_items(program_a1.items.select_related("exercise"), "es")
        for number, item in enumerate(items, start=1):
            note = "" if item.weekdays or item.days_per_week == 7 else " " + describe_days(item)
            rows.append(f"{number}. {item.text.lay_name}{note}")
    split = [row for row in rows if not any(row in page for page in log)]
    assert not split, split


def test_the_large_print_login_box_does_not_take_a_sheet_of_its_own(
    membership_a, patient_a1, program_a1
):
    """Large print put the login box after the stop box. A back and hip program's stop box
    fills its page, and the first card did not fit after the login box: a sheet of paper
    for the login box alone."""
    exercises = library("glute-bridge", "clamshell", "plank")
    revise(program_a1, membership_a, [{"exercise": ex, "sets": 2, "reps": 10} for ex in exercises])
    assert program_a1.leaflets
    pages = page_texts(handout(patient_a1, large=True))
    login = [page for page in pages if "Your patient login" in page]
    assert len(login) == 1
    others = ("Your home exercises", "Stop and call us", "To read", "My week")
    names = [ex.lay_name for ex in exercises]
    assert any(part in login[0] for part in (*others, *names)), login[0]


def test_a_log_over_several_pages_does_not_say_bring_this_page(
    membership_a, patient_a1, program_a1
):
    """ "Bring this page to your next visit." over a log of two pages (18 exercises), or
    three or four in large print."""
    exercises = library(*(entry["slug"] for entry in EXERCISES[:18]))
    revise(program_a1, membership_a, [{"exercise": ex, "sets": 2, "reps": 10} for ex in exercises])
    pages = page_texts(handout(patient_a1))
    first = next(n for n, page in enumerate(pages) if "My week" in page)
    assert len([page for page in pages[first:] if "Exercise Mon Tue" in page]) >= 2
    assert "Bring this page" not in " ".join(pages)
    assert "Bring this log to your next visit." in pages[first]
