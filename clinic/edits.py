"""Two people editing one record: the form keeps which version of the record it showed
(`seen`, the record's `updated_at`), and the service refuses to save over a version someone
else saved since (EditedMeanwhile), so nobody's change disappears unseen. The form comes
back with the person's own entries, what the saved record now says where it differs, and
the new version: saving again keeps their entries, knowingly.

Programs have revision numbers of their own (programs.services.ProgramConflict).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext


class EditedMeanwhile(Exception):
    def __init__(self, record: Any) -> None:
        self.record = record
        super().__init__("The record was saved by someone else since this form was opened.")


def version_of(record: Any) -> str:
    """The version a form shows: empty for a record not saved yet."""
    if record is None or record.pk is None or record.updated_at is None:
        return ""
    return record.updated_at.isoformat()


def ensure_unchanged(locked: Any, seen: str | None) -> None:
    """For services, on the row locked for the save. `seen` None: the caller has no page
    that showed a version (the API, a command), so there is nothing to compare."""
    if seen is not None and seen != version_of(locked):
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
            initial=version_of(getattr(self, "instance", None)),
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
        data = self.data.copy()
        data[self.add_prefix("seen")] = version_of(current)
        self.data = data
        now_saved = type(self)(instance=current, **self._extra_kwargs())
        differs = []
        for name in self.cleaned_data:
            if name not in now_saved.fields:
                continue
            theirs, yours = now_saved[name].value(), self[name].value()
            if _comparable(theirs) != _comparable(yours):
                differs.append(f"{now_saved[name].label}: {_shown(now_saved.fields[name], theirs)}")
        who = getattr(current, "updated_by", None) or gettext("someone else")
        when = date_format(timezone.localtime(current.updated_at), "H:i")
        message = gettext(
            "{who} saved this record at {when}, after you opened this page. Nothing of yours "
            "is saved yet."
        ).format(who=who, when=when)
        if differs:
            message += " " + gettext("The record now says: {fields}.").format(
                fields="; ".join(differs)
            )
        message += " " + gettext("Below are your entries: save again to keep them as shown.")
        self.add_error(None, message)

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
