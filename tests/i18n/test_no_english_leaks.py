"""No English leaks into what a Spanish patient sees.

The pages, e-mails and the handout are rendered for a Spanish patient with a pseudo
catalogue: our Spanish catalogue (locale/es) with every msgstr replaced by its msgid in
⟦markers⟧. Every piece of our own wording then shows up marked; what is left unmarked
must be data (names, the clinic's details, numbers), the built-in content's Spanish
(programs.content.translations), Django's and allauth's own Spanish (dates, form errors),
or text marked lang="en" on purpose (questionnaire items, an exercise not translated yet).
A word of English left over is a string someone forgot to mark, or left out of locale/es.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from datetime import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils.translation import trans_real

from clinic.models import OutgoingEmail
from patients.handouts import handout_email, handout_for
from patients.outcomes import outcome_assign
from patients.practice_log import current_program
from patients.reminders import reminders_send_due, reminders_update
from patients.services import patient_program_start
from programs import handout_render, handouts, localized
from programs.content import translations
from programs.models import ExerciseTranslation, Program
from tests.conftest import (
    actor_of,
    client_for,
    failed_render_page,
    get_document,
    make_patient,
    run_tasks,
    tomorrow_evening,
)
from tests.pdf_text import pdf_text

OPEN, CLOSE = "⟦", "⟧"
CATALOGUE = Path(settings.BASE_DIR, "locale", "es", "LC_MESSAGES", "django.po")
WORD = re.compile(r"[^\W\d_]{3,}")


def _po_entries(path: Path) -> list[dict]:
    entries, current, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, key = {}, None
            continue
        if line.startswith("#"):
            current.setdefault("comments", []).append(line)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
        if match:
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return entries


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_pseudo_catalogue(target: Path) -> int:
    """locale/es with every msgstr made "⟦msgid⟧"; returns how many it holds."""
    lines, count = [], 0
    for entry in _po_entries(CATALOGUE):
        if entry["msgid"] == "":
            lines += ['msgid ""', "msgstr " + _quoted(entry["msgstr"]), ""]
            continue
        lines += [c for c in entry.get("comments", []) if c.startswith("#,")]
        if "msgctxt" in entry:
            lines.append("msgctxt " + _quoted(entry["msgctxt"]))
        lines.append("msgid " + _quoted(entry["msgid"]))
        if "msgid_plural" in entry:
            lines.append("msgid_plural " + _quoted(entry["msgid_plural"]))
            lines.append("msgstr[0] " + _quoted(OPEN + entry["msgid"] + CLOSE))
            lines.append("msgstr[1] " + _quoted(OPEN + entry["msgid_plural"] + CLOSE))
        else:
            lines.append("msgstr " + _quoted(OPEN + entry["msgid"] + CLOSE))
        lines.append("")
        count += 1
    folder = target / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text("\n".join(lines).replace("#, fuzzy\n", ""), "utf-8")
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: `make test` installs gettext"
    subprocess.run(  # noqa: S603 - our own files
        [msgfmt, "--check-format", "-o", folder / "django.mo", folder / "django.po"], check=True
    )
    return count


def _forget_translations() -> None:
    trans_real._translations = {}
    trans_real._default = None
    handout_render.handout_css.cache_clear()
    handout_render._drawing.cache_clear()
    handouts.catalogue_version.cache_clear()
    localized.content_version.cache_clear()


@pytest.fixture
def pseudo_spanish(settings, tmp_path):
    assert write_pseudo_catalogue(tmp_path / "locale") > 200
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    _forget_translations()
    yield
    _forget_translations()


class _Visible(HTMLParser):
    """The text a reader sees or hears, outside elements marked lang="en"."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    SKIP = {"script", "style"}
    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it left out?
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self._hidden() or attrs.get("lang") == "en" or tag in self.SKIP
        if not hidden:
            self.parts += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
        if tag not in self.VOID:
            self.stack.append(hidden)

    def handle_startendtag(self, tag, attrs):
        if not self._hidden() and dict(attrs).get("lang") != "en":
            self.parts += [dict(attrs)[n] for n in self.SPOKEN if dict(attrs).get(n)]

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    # A text cut to fit (a chart's title ends in "…") has lost its closing marker.
    text = unmarked(" ".join(parser.parts))
    return unmarked(re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*?…", " ", text))


def unmarked(text: str) -> str:
    """`text` without our catalogue's marked wording (innermost first: a translated
    phrase may sit inside another)."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    return text


def allowed_words(*data: str) -> set[str]:
    """Words that may appear unmarked: the data shown, the built-in content's Spanish,
    the exercises' translations, and Django's and allauth's own Spanish."""
    words = set()
    for text in data:
        words |= set(WORD.findall(text))
    content = translations.load("es")
    words |= set(WORD.findall(repr(content)))
    for row in ExerciseTranslation.objects.filter(language="es"):
        words |= set(WORD.findall(" ".join([row.name, row.lay_name, row.cautions, row.stop_if])))
        words |= set(WORD.findall(" ".join(row.cues)))
    catalog = trans_real.translation("es")._catalog
    for _key, value in catalog.items():
        if isinstance(value, str) and OPEN not in value:
            words |= set(WORD.findall(value))
    # Capitalised at the start of a sentence or as an abbreviation ("Nov").
    return words | {word.capitalize() for word in words} | {"Limber"}


def leaks(text: str, allowed: set[str]) -> list[str]:
    # Links (their paths and tokens) are addresses, not words.
    rest = re.sub(r"(https?://|/)\S+", " ", unmarked(text))
    return sorted({word for word in WORD.findall(rest) if word not in allowed})


@pytest.fixture
def rosa(clinic_a, clinician_a, membership_a):
    patient = make_patient(clinic_a, "Rosa", "Molina", preferred_language="es")
    patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    return patient


def data_of(patient) -> tuple[str, ...]:
    clinic, clinician = patient.clinic, patient.clinician
    return (
        patient.full_name,
        patient.email,
        clinic.name,
        clinic.address,
        clinic.email,
        str(clinician or ""),
        clinician.email if clinician else "",
        settings.SITE_URL,
    )


def test_the_pseudo_catalogue_marks_every_string(pseudo_spanish):
    from django.utils import translation

    with translation.override("es"):
        assert translation.gettext("Due today") == "⟦Due today⟧"
        assert translation.ngettext("{count} rep", "{count} reps", 3) == "⟦{count} reps⟧"


def test_no_english_on_a_spanish_patients_pages(pseudo_spanish, rosa, clinician_a):
    client = client_for(rosa.user)
    program = Program.objects.get(assignment__patient=rosa)
    first = program.items.order_by("order").first()
    outcome_assign(actor=actor_of(clinician_a), patient=rosa, code="rmdq")
    pages = {}
    pages["today"] = client.get("/me/")
    pages["refused log"] = client.post("/me/log/", {"client_token": "t" * 24})
    pages["saved log"] = client.post(
        "/me/log/",
        {"client_token": "u" * 24, "pain": "3", "effort": "4", f"done_{first.pk}": "on"},
        follow=True,
    )
    pages["edit"] = client.get("/me/log/edit/")
    pages["program"] = client.get("/me/program/")
    pages["progress"] = client.get("/me/progress/")
    pages["questionnaire"] = client.get("/me/questionnaire/")
    pages["reminders"] = client.get("/me/reminders/")
    pages["reminders refused"] = client.post(
        "/me/reminders/", {"enabled": "on", "time_of_day": "18:00"}
    )
    pages["symptoms"] = client.get("/me/symptoms/")
    pages["symptoms refused"] = client.post("/me/symptoms/", {})
    sign = "pain spreads further down your leg"
    pages["advice"] = client.post("/me/symptoms/", {"signs": [sign]}, follow=True)
    assert_no_english(pages, rosa)


def assert_no_english(pages: dict, patient) -> None:
    allowed = allowed_words(*data_of(patient))
    found = {}
    for name, response in pages.items():
        assert response.status_code in (200, 202, 400), name
        words = leaks(visible_text(response.content.decode()), allowed)
        if words:
            found[name] = words
    assert not found, "\n".join(f"{name}: {words}" for name, words in found.items())


def test_no_english_on_the_pages_a_spanish_handout_is_waited_on(pseudo_spanish, rosa, monkeypatch):
    """Every download first shows "being prepared", then "ready" (or why it failed)."""
    from django.test import TestCase

    from clinic.lib.pdf import PdfTimeout

    client = client_for(rosa.user)
    pages = {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        pages["being prepared"] = client.get("/me/handout.pdf")
    run_tasks()
    pages["ready"] = client.get("/me/handout.pdf?prepared=1")

    pages["failed"] = failed_render_page(
        client, monkeypatch, PdfTimeout("for the log"), "/me/handout.pdf?large=1"
    )
    assert [r.status_code for r in pages.values()] == [202, 200, 200]
    assert_no_english(pages, rosa)


def test_no_english_in_a_spanish_patients_e_mails(
    pseudo_spanish, clinic_a, clinician_a, membership_a, django_capture_on_commit_callbacks
):
    rosa = make_patient(clinic_a, "Rosa", "Molina", login=False, preferred_language="es")
    patient_program_start(
        actor=actor_of(clinician_a),
        patient=rosa,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    portal = client_for(clinician_a)
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(f"/portal/patients/{rosa.uuid}/invitation/", {"delivery": "email"})
    run_tasks()  # the worker sends the invitation
    invitation = mail.outbox[-1]
    visitor = Client()
    from tests.signin import link_from_outbox, open_invitation

    page = open_invitation(visitor, link_from_outbox())
    refused = visitor.post("/invite/", {"new_password1": "short", "new_password2": "shirt"})
    password = "una mañana soleada junto al río"
    visitor.post("/invite/", {"new_password1": password, "new_password2": password})
    rosa.refresh_from_db()
    assert rosa.user is not None
    Client().post("/accounts/login/code/", {"email": rosa.email}, REMOTE_ADDR="198.51.100.7")
    code = mail.outbox[-1]
    handout_email(actor=actor_of(clinician_a), handout=handout_for(rosa, current_program(rosa)))
    reminders_update(
        actor=actor_of(clinician_a), patient=rosa, enabled=True, consent=True, time_of_day=time(18)
    )
    with time_machine.travel(tomorrow_evening(rosa), tick=False):
        reminders_send_due()
    run_tasks()
    allowed = allowed_words(*data_of(rosa))
    texts = {
        "invitation": invitation.subject + " " + invitation.body,
        "invitation page": visible_text(page.content.decode()),
        "invitation refused": visible_text(refused.content.decode()),
        "sign-in code": code.body,
    }
    # The sign-in code itself is no word.
    texts["sign-in code"] = re.sub(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", " ", texts["sign-in code"])
    # The invitation is read as it was sent: its queued body holds a slot for the link.
    for email in OutgoingEmail.objects.filter(patient_uuid=rosa.uuid).exclude(kind="invitation"):
        texts[email.kind] = email.subject + " " + email.body
    assert {"handout", "reminder"} <= set(texts)
    found = {name: words for name, text in texts.items() if (words := leaks(text, allowed))}
    assert not found, found


def test_no_english_on_a_spanish_handout(pseudo_spanish, rosa):
    pdf = get_document(client_for(rosa.user), "/me/handout.pdf")
    text = pdf_text(pdf.content)
    assert OPEN in text  # the pseudo catalogue was used
    # Text the handout itself marks "in English" (no translation yet) may be English.
    program = current_program(rosa)
    marked = [
        " ".join([leaflet.title, *leaflet.paragraphs])
        for leaflet in localized.leaflets_for(program.leaflets, "es")
        if leaflet.in_english
    ]
    assert all(f"{OPEN}in English{CLOSE}" in text for _ in marked[:1])
    words = leaks(re.sub(r"\s+", " ", text), allowed_words(*data_of(rosa), *marked))
    assert not words, words
