"""Two people editing one record: the form keeps which version of the record's fields it
showed (`seen`), and the service refuses to save over fields someone else changed since
(EditedMeanwhile), so nobody's change disappears unseen. The form comes back with the
person's own entries, what the saved record now says where it differs, and the new
version: saving again keeps their entries, knowingly.

The version covers the fields the form edits and nothing else: a save of other fields
(the patient's login linked, the caseload's figures) is no conflict. A save that finds
the fields already as sent (the second click of a double click) is no conflict either.

Programs have revision numbers of their own (programs.services.ProgramConflict).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext


class EditedMeanwhile(Exception):
    def __init__(self, record: Any) -> None:
        self.record = record
        super().__init__("The record was changed by someone else since this form was opened.")


def _values(record: Any, names: Iterable[str]) -> list[Any]:
    return [record._meta.get_field(name).value_from_object(record) for name in sorted(names)]


def version_of(record: Any, names: Iterable[str]) -> str:
    """The version of `names` on `record` that a form shows: empty for a record not saved
    yet."""
    if record is None or record.pk is None:
        return ""
    return hashlib.sha256(repr(_values(record, names)).encode()).hexdigest()[:32]


def ensure_unchanged(locked: Any, seen: str | None, fields: dict[str, Any]) -> None:
    """For services, on the row locked for the save, before `fields` are set on it. `seen`
    None: the caller had no page that showed a version (the API, a command)."""
    if seen is None or seen == version_of(locked, fields):
        return
    sent = copy.copy(locked)
    for name, value in fields.items():
        setattr(sent, name, value)
    if _values(sent, fields) != _values(locked, fields):
        raise EditedMeanwhile(locked)


class SeenVersion:
    """A ModelForm mixin (before the ModelForm in the bases): the version of the record the
    page showed, sent back on save as `.seen`, kept out of `cleaned_data` (which holds the
    record's fields, passed on to the services as they are). A form with a crispy layout
    names "seen" in it, or the page would not send it."""

    seen: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.fields["seen"] = forms.CharField(
            required=False,
            widget=forms.HiddenInput,
            max_length=40,
            initial=version_of(getattr(self, "instance", None), self._meta.fields),  # type: ignore[attr-defined]
        )

    def clean(self) -> dict:
        data = super().clean()  # type: ignore[misc]
        seen = data.pop("seen", "")
        # Not sent at all: a page from before this check, or a client without pages.
        sent = self.add_prefix("seen") in self.data  # type: ignore[attr-defined]
        self.seen = seen if sent else None
        return data

    def edited_meanwhile(self, current: Any) -> None:
        """Show the entries again with what `current` (the record as saved now) says where
        it differs, and take its version: the next save is made knowing it."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("seen")] = version_of(current, self._meta.fields)  # type: ignore[attr-defined]
        self.data = data
        now_saved = type(self)(instance=current, **self._extra_kwargs())
        differs = []
        for name in self.cleaned_data:  # type: ignore[attr-defined]
            if name not in now_saved.fields:
                continue
            theirs, yours = now_saved[name].value(), self[name].value()  # type: ignore[index]
            if _comparable(theirs) != _comparable(yours):
                differs.append(f"{now_saved[name].label}: {_shown(now_saved.fields[name], theirs)}")
        when = date_format(timezone.localtime(current.updated_at), "H:i")
        who = getattr(current, "updated_by", None)
        if who is not None:
            message = gettext(
                "{who} saved this record at {when}, after you opened this page. Nothing of "
                "yours is saved yet."
            ).format(who=who, when=when)
        else:
            message = gettext(
                "This record was saved at {when}, after you opened this page. Nothing of "
                "yours is saved yet."
            ).format(when=when)
        if differs:
            message += " " + gettext("The record now says: {fields}.").format(
                fields="; ".join(differs)
            )
        message += " " + gettext("Below are your entries: save again to keep them as shown.")
        self.add_error(None, message)  # type: ignore[attr-defined]

    def _extra_kwargs(self) -> dict:
        """Keyword arguments the form's own __init__ needs (none by default)."""
        return {}


def _comparable(value: Any) -> Any:
    if value in (None, ""):
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    return str(value)


def _shown(field: forms.Field, value: Any) -> str:
    """A value as the form shows it: choices by their labels, nothing as a dash."""
    choices = dict(getattr(field, "choices", None) or [])
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    shown = [str(choices.get(v, v)) for v in values if v not in (None, "")]
    return ", ".join(shown) or "—"
