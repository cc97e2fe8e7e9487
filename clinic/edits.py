"""Two people editing one record: the form keeps which version of the record's fields it
showed (`seen`), and the service refuses to save over fields someone else changed since
(EditedMeanwhile), so nobody's change disappears unseen. The form comes back with the
person's own entries, what the saved record now says where it differs, and the new
version: saving again keeps their entries, knowingly.

The version covers the fields the form edits and nothing else: a save of other fields
(the patient's login linked, the caseload's figures) is no conflict. A save that finds
the fields already as sent (the second click of a double click) is no conflict either.

A form may also keep, per field, a digest of the value it showed (`merges_untouched`): then
a refused form takes the colleague's value into each field the person left as shown, and
keeps their own entry in each field they changed, so saving again loses neither.

A record may be edited with rows of another table (an exercise with its steps): the form
and the service pass those rows' values as `related`, and they are part of the version.

Programs have revision numbers of their own (programs.services.ProgramConflict).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy


class EditedMeanwhile(Exception):
    def __init__(self, record: Any) -> None:
        self.record = record
        super().__init__("The record was changed by someone else since this form was opened.")


def _values(record: Any, names: Iterable[str]) -> list[Any]:
    return [record._meta.get_field(name).value_from_object(record) for name in sorted(names)]


def version_of(record: Any, names: Iterable[str], related: Sequence = ()) -> str:
    """The version of `names` on `record` that a form shows, with the values of the rows
    edited with it (`related`): empty for a record not saved yet."""
    if record is None or record.pk is None:
        return ""
    values = _values(record, names)
    if related:
        values.append(list(related))
    return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


# Hex digits per field in `field_versions`: enough to tell a changed value from the one a
# page showed (not a secret, nor a lock: ensure_unchanged decides, on the whole version).
DIGEST = 8


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:DIGEST]


def field_versions(record: Any, names: Iterable[str]) -> str:
    """Per field of `names` (in sorted order), a short digest of the value the form shows:
    empty for a record not saved yet."""
    if record is None or record.pk is None:
        return ""
    return ".".join(_digest(value) for value in _values(record, names))


def ensure_unchanged(
    locked: Any,
    seen: str | None,
    fields: dict[str, Any],
    *,
    related: Sequence = (),
    related_sent: Sequence = (),
) -> None:
    """For services, on the row locked for the save, before `fields` are set on it. `seen`
    None: the caller had no page that showed a version (the API, a command). `related`:
    the values of the rows edited with the record as saved now, `related_sent` as sent."""
    if seen is None or seen == version_of(locked, fields, related):
        return
    sent = copy.copy(locked)
    for name, value in fields.items():
        setattr(sent, name, value)
    if _values(sent, fields) != _values(locked, fields) or list(related_sent) != list(related):
        raise EditedMeanwhile(locked)


class SeenVersion:
    """A ModelForm mixin (before the ModelForm in the bases): the version of the record the
    page showed, sent back on save as `.seen`, kept out of `cleaned_data` (which holds the
    record's fields, passed on to the services as they are). A form with a crispy layout
    names "seen" in it, or the page would not send it."""

    seen: str | None = None
    seen_fields = ""
    # Keep a digest per field too ("seen_fields"), so that a refused form takes a
    # colleague's change into the fields the person left as shown. A form with a crispy
    # layout names "seen_fields" in it as well.
    merges_untouched = False
    # What a refused form says; a form may name its record better ("the clinic settings").
    saved_by_text = gettext_lazy(
        "{who} saved this record at {when}, after you opened this page. Nothing of yours is "
        "saved yet."
    )
    saved_text = gettext_lazy(
        "This record was saved at {when}, after you opened this page. Nothing of yours is "
        "saved yet."
    )
    now_says_text = gettext_lazy("The record now says: {fields}.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        instance = getattr(self, "instance", None)
        names = self._meta.fields  # type: ignore[attr-defined]
        self.fields["seen"] = forms.CharField(
            required=False,
            widget=forms.HiddenInput,
            max_length=40,
            initial=version_of(instance, names, self.related_values(instance)),
        )
        if self.merges_untouched:
            self.fields["seen_fields"] = forms.CharField(
                required=False,
                widget=forms.HiddenInput,
                max_length=(DIGEST + 1) * len(names),
                initial=field_versions(instance, names),
            )

    def related_values(self, record: Any) -> Sequence:
        """The values of the rows this form edits with `record` (none by default; an
        exercise's steps), as the service compares them: part of the version."""
        return ()

    def related_fields(self) -> list[str]:
        """The form's fields that hold those rows' values: said in a refusal when they
        differ from what was saved since."""
        return []

    def clean(self) -> dict:
        data = super().clean()  # type: ignore[misc]
        seen = data.pop("seen", "")
        # Not sent at all: a page from before this check, or a client without pages.
        sent = self.add_prefix("seen") in self.data  # type: ignore[attr-defined]
        self.seen = seen if sent else None
        self.seen_fields = data.pop("seen_fields", "")
        return data

    def edited_meanwhile(self, current: Any) -> None:
        """Show the entries again with what `current` (the record as saved now) says where
        it differs, and take its version: the next save is made knowing it. With
        `merges_untouched`, a field the person left as the page showed it takes the value
        saved since."""
        names = self._meta.fields  # type: ignore[attr-defined]
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("seen")] = version_of(current, names, self.related_values(current))
        now_saved = type(self)(instance=current, **self._extra_kwargs())
        taken = []
        if self.merges_untouched:
            for name in self._untouched_and_changed_since(current):
                _put(data, self.add_prefix(name), now_saved[name].value())
                taken.append(str(now_saved[name].label))
            data[self.add_prefix("seen_fields")] = field_versions(current, names)
        self.data = data
        differs = []
        compared = {*names, *self.related_fields()}
        for name in self.cleaned_data:  # type: ignore[attr-defined]
            # The record's fields only: an upload beside them (a logo) is not on the record.
            if name not in now_saved.fields or name not in compared:
                continue
            theirs, yours = now_saved[name].value(), self[name].value()  # type: ignore[index]
            if _comparable(theirs) != _comparable(yours):
                differs.append(f"{now_saved[name].label}: {_shown(now_saved.fields[name], theirs)}")
        when = saved_at(current)
        who = getattr(current, "updated_by", None)
        if who is not None:
            message = str(self.saved_by_text).format(who=who, when=when)
        else:
            message = str(self.saved_text).format(when=when)
        if taken:
            message += " " + gettext(
                "Fields you had not changed now show what was saved: {fields}."
            ).format(fields=", ".join(taken))
        self.add_error(None, refusal(message, differs, self.now_says_text))  # type: ignore[attr-defined]

    def _untouched_and_changed_since(self, current: Any) -> list[str]:
        """The record's fields that the person sent as the page showed them and that were
        saved with another value since. None found when the page sent no digests (or not these:
        a page of another version of the form)."""
        names = sorted(self._meta.fields)  # type: ignore[attr-defined]
        shown = self.seen_fields.split(".") if self.seen_fields else []
        if len(shown) != len(names):
            return []
        sent = copy.copy(current)
        for name in names:
            if name in self.cleaned_data:  # type: ignore[attr-defined]
                setattr(sent, name, self.cleaned_data[name])  # type: ignore[attr-defined]
        found = []
        for name, was, yours, now in zip(
            names, shown, _values(sent, names), _values(current, names), strict=True
        ):
            if name in self.cleaned_data and _digest(yours) == was and _digest(now) != was:  # type: ignore[attr-defined]
                found.append(name)
        return found

    def _extra_kwargs(self) -> dict:
        """Keyword arguments the form's own __init__ needs (none by default)."""
        return {}


def saved_at(record: Any) -> str:
    """When `record` was last saved, as a refusal says it ("14:05")."""
    return date_format(timezone.localtime(record.updated_at), "H:i")


def refusal(saved: str, differs: list[str], now_says: Any = SeenVersion.now_says_text) -> str:
    """A form refused as edited meanwhile, in words: who saved it and when (`saved`), what
    the record now says where it differs from the person's entries, and what to do."""
    message = saved
    if differs:
        message += " " + str(now_says).format(fields="; ".join(differs))
    return message + " " + gettext("Below are your entries: save again to keep them as shown.")


def _put(data: Any, key: str, value: Any) -> None:
    """Set a form field's value in posted data (a QueryDict, or a dict in tests)."""
    if isinstance(value, list | tuple):
        if hasattr(data, "setlist"):
            data.setlist(key, [str(v) for v in value])
        else:
            data[key] = [str(v) for v in value]
    elif value is None or value is False:
        # An empty field, or an unticked box: a browser sends nothing for either.
        data.pop(key, None)
    elif value is True:
        data[key] = "on"
    else:
        data[key] = str(value)


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
