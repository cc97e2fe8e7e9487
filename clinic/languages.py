"""Which language a patient sees, and the notice for languages not complete yet.

A patient's `preferred_language` is kept as chosen. What they see is that language when
its text is complete (settings.PATIENT_LANGUAGES_COMPLETE: the catalogue under
`locale/`, the e-mails, the handout and the built-in exercise library), else English
with a one-line notice written in their own language. Never a half-translated page.

Staff pages are never switched: they stay in the site's language (settings.LANGUAGE_CODE).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

# Shown (in English pages) to a patient whose language is not complete yet, in that
# language, so they know it is coming and that the choice was kept.
NOT_YET = {
    "fr": "Cette page n'est pas encore disponible en français. Elle est en anglais pour le moment.",
    "de": "Diese Seite gibt es noch nicht auf Deutsch. Sie ist vorerst auf Englisch.",
    "pt": "Esta página ainda não está disponível em português. Por agora, está em inglês.",
    "it": "Questa pagina non è ancora disponibile in italiano. Per ora è in inglese.",
    "nl": "Deze pagina is nog niet beschikbaar in het Nederlands. Voorlopig is ze in het Engels.",
    "pl": "Ta strona nie jest jeszcze dostępna po polsku. Na razie jest po angielsku.",
    "zh-hans": "此页面还没有中文版本，暂时以英文显示。",  # noqa: RUF001
    "ar": "هذه الصفحة غير متوفرة بالعربية بعد. هي بالإنجليزية في الوقت الحالي.",
}
# Right-to-left scripts: the notice gets dir="rtl".
RTL = {"ar", "he", "fa", "ur"}


def is_complete(code: str) -> bool:
    return code in settings.PATIENT_LANGUAGES_COMPLETE


def patient_language(code: str | None) -> str:
    """The language to show a patient whose preference is `code`."""
    code = (code or "").lower()
    return code if is_complete(code) else settings.LANGUAGE_CODE


def not_yet_notice(code: str | None) -> dict | None:
    """{"text", "lang", "dir"} for a preference that is not complete yet, else None."""
    code = (code or "").lower()
    if not code or is_complete(code) or code not in NOT_YET:
        return None
    return {"text": NOT_YET[code], "lang": code, "dir": "rtl" if code in RTL else "ltr"}


def for_patient(code: str | None):
    """`with for_patient(patient.preferred_language):` renders e-mails and handouts in the
    language the patient sees (the task worker has no request to take it from)."""
    return translation.override(patient_language(code))
