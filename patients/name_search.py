"""Finding a patient by what staff type: any part of the name or e-mail address, however
it is accented or capitalised, or the whole record number.

A receptionist types "Muller" or "zoe" for Müller and Zoë, as most keyboards do. Neither
database folds accents in a LIKE, and SQLite folds case for ASCII letters only, so each
patient row keeps its searchable text folded (`Patient.search_text`, written on every save
by SearchTextField) and the term is folded the same way. One column and one comparison per
word also make the search a short scan: the caseload counts its matches among thousands
of patients on every page.

A record number (`external_id`, the clinic's own system's) matches whole or not at all:
an integrator looks a patient up by it, and MRN-0042 must not also answer MRN-00420.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.db.models import Q

# The fields whose text is searched, in the order they are joined.
SOURCES = ("first_name", "last_name", "email")
# A search's words beyond these are ignored (each is one more comparison per row).
MAX_WORDS = 5
WORD_BREAK = re.compile(r"[\s,;]+")

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


def matching(term: str) -> Q:
    """Patients with each word of `term`: in their folded text, or as their record number.
    A word that folds to nothing (a stray accent) is not a word of every name: it matches
    only a record number it equals."""
    # Commas and semicolons part words as spaces do: the caseload lists "Adams, Elijah",
    # and that, pasted back, found no one (the portal review).
    words = [word for word in WORD_BREAK.split(term) if word][:MAX_WORDS]
    if not words:
        return Q(pk__in=[])  # a term of commas alone is no search of every patient
    query = Q()
    for word in words:
        in_text = Q()
        for part in folded(word).split():
            in_text &= Q(search_text__contains=part)
        query &= (in_text if in_text else Q(pk__in=[])) | Q(external_id__iexact=word)
    return query


class SearchTextField(models.TextField):
    """Patient.search_text: computed from SOURCES whenever the row is written, by
    save() and by bulk_create alike (both call pre_save). Patient.save adds it to
    `update_fields` that name a source; PatientQuerySet's bulk_update and update() write
    it too."""

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
