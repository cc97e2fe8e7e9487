"""Every word of the clinician portal is marked for translation.

The portal is shown in English (README, "Languages"), but its wording is marked so that
it can be translated later. The main portal pages are rendered with the pseudo catalogue
of test_no_english_leaks (every msgstr is its msgid in ⟦markers⟧), active for the whole
request: the portal never switches language by itself, so the test switches it around
the request (no LocaleMiddleware; the request runs on this thread). What is left unmarked
must be data: the patient's, clinician's and clinic's details, the library's exercises,
templates and leaflets (English content, translated per patient elsewhere), numbers and
dates (Django's own Spanish).

The caseload's rows are built in Python (patients/caseload_table.py), so they are covered
here too, with an empty search, a search that finds nobody, and the archived list.

The progress report and discharge letter (PDF, made by the worker) are checked as the HTML
the worker prints, with their front-sheet sentences built in patients/report_sheet.py.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import zoneinfo
from collections.abc import Mapping

import pytest
from django.utils import translation

import patients.instruments
from clinic.models import AuditEvent
from patients import measures as measure_table
from patients import scoring, screening
from programs.content import clinical, pathways
from programs.content import leaflets as leaflet_table
from programs.models import Exercise, Program, ProgramRevision
from tests.conftest import caseload_search
from tests.factories import GoalFactory, IntakeFactory, OutcomeResponseFactory
from tests.i18n.test_no_english_leaks import (  # noqa: F401 - pseudo_spanish is a fixture
    CLOSE,
    OPEN,
    allowed_words,
    leaks,
    pseudo_spanish,
    unmarked,
    visible_text,
)

WORD = re.compile(r"[^\W\d_]{3,}")
IDENTIFIER = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")

# Pages not fully marked yet, with the reason; the test reports them if they become clean.
KNOWN_GAPS: dict[str, str] = {}


def instrument_modules() -> list:
    """The instrument registry's modules (patients/instruments/), each with its wording."""
    package = patients.instruments
    return [package] + [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def _strings(value) -> list[str]:
    """Every string inside `value` (tuples, lists, dicts, dataclasses, JSON)."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [text for item in value for text in _strings(item)]
    return []


def _content_phrases() -> list[str]:
    """The English content shown as data, as whole phrases: exercises, templates and
    programs, leaflets, condition pathways, the questionnaires' wording and the measures'
    and red-flag questions (clinical content), time zone names. A step's {placeholders}
    are filled in on the page, so a step counts by the pieces between them."""
    texts = []
    for exercise in Exercise.objects.prefetch_related("cues"):
        texts += [exercise.name, exercise.lay_name, exercise.cautions, exercise.stop_if]
        texts += [cue.text for cue in exercise.cues.all()]
    for program in Program.objects.all():
        texts += [program.title, program.goal or "", program.patient_notes or ""]
    # A revision keeps its exercises' dosage as it was worded when it was saved.
    for revision in ProgramRevision.objects.all():
        texts += _strings(revision.snapshot)
    texts += _strings(leaflet_table.LEAFLETS) + _strings(pathways.PATHWAYS)
    texts += _strings(clinical.PROGRESSIONS) + _strings(list(scoring.INSTRUMENTS.values()))
    texts += _strings(measure_table.MEASURES)
    # The questionnaires' own wording (shown as published, README "Languages") and the
    # red-flag screen's questions (clinical content, like the measures).
    texts += _strings(
        [
            value
            for module in instrument_modules()
            for name, value in vars(module).items()
            if name.isupper()
        ]
    )
    texts += _strings(screening.QUESTIONS)
    texts += [name.replace("_", " ") for name in zoneinfo.available_timezones()]
    phrases = set()
    for text in texts:
        for piece in re.split(r"\{[a-z_]+\}", str(text)):
            piece = " ".join(piece.split())
            if WORD.search(piece):
                phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


def _without(text: str, phrases: list[str]) -> str:
    text = " ".join(text.split())
    for phrase in phrases:
        if phrase in text:
            text = text.replace(phrase, " ")
    return text


@pytest.fixture
def portal_pages(as_clinician_a, as_admin_a, patient_a1, program_a1):
    shared = Exercise.objects.filter(clinic__isnull=True).order_by("name").first()
    copied = as_admin_a.post(f"/portal/library/{shared.uuid}/copy/", follow=True)
    own = Exercise.objects.filter(clinic=patient_a1.clinic).order_by("-pk").first()
    patient = f"/portal/patients/{patient_a1.uuid}"
    clinician_pages = {
        "caseload": "/portal/",
        "caseload by adherence": "/portal/?sort=adherence",
        "caseload search without a match": caseload_search(as_clinician_a, "Zzyzx"),
        "caseload archived": "/portal/?status=archived",
        "chart": f"{patient}/",
        "patient edit": f"{patient}/edit/",
        "patient new": "/portal/patients/new/",
        "program builder": f"{patient}/programs/{program_a1.uuid}/edit/",
        "program history": f"{patient}/programs/{program_a1.uuid}/history/",
        "measures": f"{patient}/measures/",
        "report form": f"{patient}/report/",
        "intake": f"{patient}/intake/",
        "goals": f"{patient}/goals/new/",
        "library": "/portal/library/",
        "exercise detail": f"/portal/library/{shared.uuid}/",
        "templates": "/portal/templates/",
        "visit form": f"{patient}/measures/new/",
        "questionnaire form": f"{patient}/outcomes/psfs/new/",
        "red-flag screen": f"{patient}/screen/",
        "discharge": f"{patient}/discharge/",
        "handout e-mail": f"{patient}/programs/{program_a1.uuid}/handout/email/",
        "my e-mails": "/portal/preferences/",
    }
    admin_pages = {
        "staff": "/portal/staff/",
        "clinic settings": "/portal/clinic/",
        "audit log": "/portal/audit/",
        "api tokens": "/portal/clinic/api-tokens/",
        "exercise edit": f"/portal/library/{own.uuid}/edit/",
        "exercise translation": f"/portal/library/{own.uuid}/translations/es/",
        "sign-in cards": "/portal/clinic/sign-in-cards/",
    }
    assert copied.status_code == 200
    return [(as_clinician_a, clinician_pages), (as_admin_a, admin_pages)]


def _where(text: str, words: list[str]) -> list[str]:
    """Each unmarked word with a little of the text around it, to find it quickly."""
    text = re.sub(r"\s+", " ", unmarked(text))
    found = []
    for word in words:
        match = re.search(rf"\b{re.escape(word)}\b", text)
        found.append(text[max(0, match.start() - 30) : match.end() + 30] if match else word)
    return found


@pytest.mark.usefixtures("pseudo_spanish")
def test_every_portal_word_is_marked(portal_pages, patient_a1, clinician_a):
    from django.urls import resolve

    clinic = patient_a1.clinic
    data = [
        patient_a1.full_name,
        patient_a1.email,
        clinic.name,
        clinic.address,
        clinic.email,
        str(clinician_a),
        clinician_a.email,
        "Ada Admin",
        "admin.a@example.test",
    ]
    allowed = allowed_words(*data)
    # The audit log shows the role each event was recorded with, as stored (a code).
    allowed |= set(AuditEvent.objects.values_list("actor_role", flat=True))
    phrases = _content_phrases()
    found, rendered = {}, {}
    for client, urls in portal_pages:
        for name, url in urls.items():
            resolve(url.split("?")[0])  # a page that moved fails here, not as "no English"
            with translation.override("es"):
                response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            html = response.content.decode()
            rendered[name] = html
            # Names in code form (capabilities "patients.view", audit actions) are identifiers.
            text = IDENTIFIER.sub(" ", _without(visible_text(html), phrases))
            words = leaks(text, allowed)
            if words:
                found[name] = _where(text, words)
    assert all(OPEN in html and CLOSE in html for html in rendered.values())
    gaps = {name: words for name, words in found.items() if name not in KNOWN_GAPS}
    assert not gaps, "\n".join(f"{name}: {words}" for name, words in gaps.items())
    clean = sorted(set(KNOWN_GAPS) - set(found))
    assert not clean, f"now fully marked, take them off KNOWN_GAPS: {clean}"


def test_the_portal_still_speaks_english(as_clinician_a, patient_a1):
    """Without an override the portal is English, whatever the catalogue holds."""
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Contact" in page
    assert OPEN not in page


@pytest.mark.usefixtures("pseudo_spanish")
@pytest.mark.parametrize("discharged", [False, True], ids=["progress report", "discharge letter"])
def test_every_word_of_the_progress_report_is_marked(
    discharged, as_clinician_a, patient_a1, program_a1, clinician_a
):
    """The report's HTML (what the worker makes the PDF from), with scores, measures, a
    goal, an intake, program changes and logging, rendered with the pseudo catalogue."""
    from datetime import date, timedelta

    from patients.models import Discharge
    from patients.reports import ReportRequest, report_html
    from tests.patients.test_measures import BASE, LATER, odi, record

    today = date.today()
    record(as_clinician_a, patient_a1, BASE, schober="2.5", slr_left="45", slr_left_pain="on")
    record(as_clinician_a, patient_a1, LATER, schober="5.0", slr_left="60")
    odi(as_clinician_a, patient_a1, BASE, [3, 3, 2, 3, 2, 3, 2, None, 2, 2])
    odi(as_clinician_a, patient_a1, LATER, [1, 1, 1, 1, 1, 1, 1, None, 1, 1])
    for day, value in ((BASE, 7), (LATER, 3)):
        OutcomeResponseFactory(
            patient=patient_a1,
            code="nprs",
            value=value,
            completed_on=day,
        )
    IntakeFactory(
        patient=patient_a1, diagnosis="Sciatica", icd10="M54.3", region="low_back",
        referrer="Dr Grey", onset_on=BASE,
    )  # fmt: skip
    GoalFactory(patient=patient_a1, text="Sleep", tracks="nprs", target=3, target_on=today)
    GoalFactory(patient=patient_a1, text="Swim", target_on=today, status="met")
    discharge = (
        Discharge.objects.create(
            patient=patient_a1,
            discharged_on=today,
            summary="Fine",
            maintenance=program_a1,
            created_by=clinician_a,
        )
        if discharged
        else None
    )
    request = ReportRequest(
        start=BASE - timedelta(days=1),
        end=today,
        narrative="",
        discharge=str(discharge.uuid) if discharge else "",
    )
    with translation.override("es"):
        html = report_html(patient_a1, request, author=clinician_a, issued=today)
    data = [
        patient_a1.full_name,
        patient_a1.clinic.name,
        patient_a1.clinic.address,
        str(clinician_a),
        "Sciatica Dr Grey Sleep Swim Fine",
    ]
    # The page's running footer is CSS text: its strings, without counter(page) and the like.
    css = " ".join(
        re.sub(r'[\w-]+\([^)]*\)|"', " ", value) for value in re.findall(r"content: ([^;]*);", html)
    )
    assert OPEN in css
    text = IDENTIFIER.sub(" ", _without(visible_text(html) + " " + css, _content_phrases()))
    words = leaks(text, allowed_words(*data))
    # Text inside lang="en" counts as English on purpose: the page must not say it is.
    assert '<html lang="es">' in html
    assert OPEN in html and CLOSE in html
    assert not words, _where(text, words)
