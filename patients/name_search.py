"""Finding a patient by what staff type: any part of the name, the e-mail address or the
record number, however it is accented or capitalised.

A receptionist types "Muller" or "zoe" for Müller and Zoë, as most keyboards do. Neither
database folds accents in a LIKE, and SQLite folds case for ASCII letters only, so each
patient row keeps its searchable text folded (`Patient.search_text`, written on every save
by SearchTextField) and the term is folded the same way. One column and one comparison per
word also make the search a short scan: the caseload counts its matches among thousands
of patients on every page.
"""

from __future__ import annotations

import unicodedata

from django.db import models

# The fields whose text is searched, in the order they are joined.
SOURCES = ("first_name", "last_name", "email", "external_id")
# A search's words beyond these are ignored (each is one more comparison per row).
MAX_WORDS = 5

# Letters that carry no accent to take off (NFKD leaves them whole) and the apostrophes
# phones and Macs type, as a keyboard without them writes them.
_PLAIN = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"}
    # Curly quotes, the modifier letter apostrophe, the grave and acute accents.
    | dict.fromkeys("\u2019\u2018\u02bc\u0060\u00b4", "'")
)


def folded(text: str) -> str:
    """`text` as a plain keyboard types it, case-folded: "Zoë Müller" -> "zoe muller",
    "Søren O\u2019Brien" (a curly apostrophe) -> "soren o'brien"."""
    # The map first: NFKD would make the acute accent a space and a mark it then drops.
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(patient) -> str:
    """The folded text a search is matched against."""
    return " ".join(folded(getattr(patient, name) or "") for name in SOURCES)


def words(term: str) -> list[str]:
    """The folded words of a search, each of which must be found."""
    return folded(term).split()[:MAX_WORDS]


class SearchTextField(models.TextField):
    """Patient.search_text: computed from SOURCES whenever the row is written, by
    save() and by bulk_create alike (both call pre_save), so no writer can forget it.
    Patient.save adds it to `update_fields` that name a source."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_default", "")
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = search_text(model_instance)
        setattr(model_instance, self.attname, value)
        return value
