"""The program builder's form handling, shared by patient programs and templates.

The whole program being edited travels in the form. Add, remove, move up/down and
search are buttons of that one form: the server applies the action to the posted
rows and shows the page again, nothing saved. Only "save" writes, as one new
revision. This works with plain HTML; htmx merely swaps the builder in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.lib.form_fields import copy_fields_lightly
from clinic.parsing import parse_int, parse_uuid
from clinic.validators import validate_care_day
from programs.content import leaflets
from programs.dosage import (
    ITEM_FIELDS,
    describe_dosage,
    estimate_minutes,
    weekday_bits,
    weekday_list,
)
from programs.forms import DoseRequiredMixin
from programs.models import Category, Exercise, Program, ProgramItem
from programs.services import MAX_ITEMS, PROGRAM_FIELDS

PREFIX = "items"
LONG_PROGRAM = 6
SEARCH_RESULTS = 8


@copy_fields_lightly()
class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = list(PROGRAM_FIELDS)
        labels = {
            "title": _("Title"),
            "start_date": _("Start date"),
            "review_date": _("Review date"),
            "status": _("Status"),
        }
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "review_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "patient_notes": forms.Textarea(attrs={"rows": 2}),
            "clinician_notes": forms.Textarea(attrs={"rows": 2}),
        }

    leaflets = forms.MultipleChoiceField(
        label=_("Leaflets to read"),
        choices=leaflets.CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Shown on the patient's program page and printed after the exercises."),
    )

    def __init__(self, *args, is_template: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if is_template:
            for name in ("start_date", "review_date", "status", "clinician_notes"):
                del self.fields[name]
        else:
            for name in ("start_date", "review_date"):
                self.fields[name].validators.append(validate_care_day)

    def clean(self) -> dict:
        data = super().clean()
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review < start:
            self.add_error(
                "review_date", gettext("The review date cannot be before the start date.")
            )
        return data


# Drawn up to 30 times a page: its words are translated once per language
# (clinic.lib.form_fields).
@copy_fields_lightly(translated=True)
class ItemForm(DoseRequiredMixin, forms.ModelForm):
    """One prescribed exercise. Bounds come from the model's validators."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    exercise = forms.UUIDField(widget=forms.HiddenInput)
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(WEEKDAYS_ABBR.items()),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Only on"),
    )

    class Meta:
        model = ProgramItem
        fields = [name for name in ITEM_FIELDS if name != "weekdays"]
        widgets = {"notes": forms.TextInput()}
        labels = {
            "sets": _("Sets"),
            "reps": _("Reps"),
            "side": _("Side"),
            "notes": _("Notes"),
            "times_per_day": _("Per day"),
            "days_per_week": _("Days a week"),
            "duration_seconds": _("Time (s)"),
            "load_kind": _("Load"),
            "load_kg": _("Weight (kg)"),
            "load_band": _("Band"),
            "load_effort": _("Effort 0-10"),
        }

    # The dose a clinician changes most, always in view; every other field (a new dosage
    # field included) goes under "More" without anyone listing it.
    MAIN_FIELDS = ("sets", "reps", "hold_seconds", "times_per_day", "days_per_week")
    # Laid out by hand beside "More": the day boxes and the note.
    OWN_LAYOUT = ("weekdays", "notes")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN_FIELDS]

    def more_fields(self) -> list[forms.BoundField]:
        skip = {*self.MAIN_FIELDS, *self.OWN_LAYOUT}
        return [field for field in self.visible_fields() if field.name not in skip]

    def more_has_errors(self) -> bool:
        return any(self[name].errors for name in self.fields if name not in self.MAIN_FIELDS)

    def clean_weekdays(self) -> int:
        return weekday_bits(self.cleaned_data.get("weekdays") or [])

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("load_kind")
        needed = {"kg": "load_kg", "band": "load_band", "effort": "load_effort"}.get(kind)
        if needed and data.get(needed) in (None, ""):
            self.add_error(needed, gettext("Fill this in, or choose “No load”."))
        return data


def _widget_classes(form: type[forms.BaseForm], size: str = "") -> None:
    """Bootstrap's class on each of `form`'s boxes and lists (tick boxes and hidden fields
    excepted), set once on the class's fields, which each form copies."""
    for form_field in form.base_fields.values():
        widget = form_field.widget
        if widget.is_hidden or isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", f"{css}{size}")


_widget_classes(ProgramForm)
_widget_classes(ItemForm, size=" form-control-sm")


ItemFormSet = forms.formset_factory(
    ItemForm, extra=0, max_num=MAX_ITEMS, validate_max=True, absolute_max=MAX_ITEMS + 1
)


@dataclass
class Row:
    """A program item as posted (raw strings), with its exercise looked up."""

    values: dict[str, Any]
    exercise: Exercise | None = None

    @property
    def dose_line(self) -> str:
        """The dose as one line ("2 sets of 10 reps · hold 5 s · twice a day · every day"),
        from the values as typed: what is not a sensible number yet is left out."""
        view: dict[str, Any] = {}
        for name in ITEM_FIELDS:
            value = self.values.get(name)
            if name == "weekdays":
                days = [parse_int(day, low=0, high=6) for day in value or []]
                view[name] = weekday_bits([day for day in days if day is not None])
            elif name in {"side", "load_kind", "load_band", "load_kg"}:
                view[name] = value or None
            else:
                view[name] = parse_int(value, low=1, high=100_000)
        try:
            return describe_dosage(view)
        except (TypeError, ValueError):
            return ""

    @property
    def estimate_view(self) -> dict:
        view = {name: parse_int(self.values.get(name)) for name in ITEM_FIELDS}
        view["side"] = self.values.get("side")
        return view


@dataclass
class BuilderState:
    rows: list[Row]
    messages: list[str] = field(default_factory=list)

    @property
    def exercises(self) -> list[Exercise]:
        return [row.exercise for row in self.rows if row.exercise]

    @property
    def duplicates(self) -> list[str]:
        seen, dupes = set(), []
        for exercise in self.exercises:
            if exercise.pk in seen and exercise.name not in dupes:
                dupes.append(exercise.name)
            seen.add(exercise.pk)
        return dupes

    @property
    def minutes(self) -> tuple[int, int]:
        return estimate_minutes([row.estimate_view for row in self.rows])


def rows_from_items(items: list[ProgramItem]) -> list[Row]:
    rows = []
    for item in items:
        values = {name: getattr(item, name) for name in ITEM_FIELDS}
        values["weekdays"] = weekday_list(item.weekdays)
        values["id"] = item.pk
        values["exercise"] = str(item.exercise.uuid)
        rows.append(Row(values=values, exercise=item.exercise))
    return rows


def rows_from_post(data, clinic_id) -> list[Row]:
    """The rows as posted; exercises the clinic may not use are dropped."""
    total = min(parse_int(data.get(f"{PREFIX}-TOTAL_FORMS")) or 0, MAX_ITEMS + 1)
    rows = []
    for index in range(total):
        key = f"{PREFIX}-{index}-"
        values = {name: data.get(key + name, "") for name in ITEM_FIELDS if name != "weekdays"}
        values["weekdays"] = data.getlist(key + "weekdays")
        values["id"] = data.get(key + "id", "")
        values["exercise"] = data.get(key + "exercise", "")
        rows.append(Row(values=values))
    attach_exercises(rows, clinic_id)
    return rows


def attach_exercises(rows: list[Row], clinic_id) -> None:
    """One query for all rows' exercises, restricted to what this clinic may use."""
    wanted = {parse_uuid(row.values.get("exercise")) for row in rows} - {None}
    found = {
        exercise.uuid: exercise
        for exercise in Exercise.objects.visible_to_clinic(clinic_id).filter(uuid__in=wanted)
    }
    for row in rows:
        row.exercise = found.get(parse_uuid(row.values.get("exercise")))


def apply_action(state: BuilderState, action: str, clinic_id) -> None:
    """Add, remove or move a row. Unknown or malformed actions change nothing."""
    verb, _, arg = (action or "").partition(":")
    if verb == "add":
        if len(state.rows) >= MAX_ITEMS:
            state.messages.append(f"A program can have at most {MAX_ITEMS} exercises.")
            return
        key = parse_uuid(arg)
        exercise = (
            Exercise.objects.visible_to_clinic(clinic_id).filter(uuid=key).first() if key else None
        )
        if exercise is None:
            state.messages.append("That exercise is not available.")
            return
        values = {name: getattr(exercise, name) for name in ITEM_FIELDS if hasattr(exercise, name)}
        values.update(weekdays=[], id="", exercise=str(exercise.uuid))
        state.rows.append(Row(values=values, exercise=exercise))
        return
    if verb == "move":
        # "move:<index>:<position>": straight to a position (1-based), one round trip.
        where, _, to = arg.partition(":")
        index, target = parse_int(where), parse_int(to)
        if index is None or target is None or not 0 <= index < len(state.rows):
            return
        row = state.rows.pop(index)
        state.rows.insert(min(max(target, 1), len(state.rows) + 1) - 1, row)
        return
    index = parse_int(arg)
    if index is None or not 0 <= index < len(state.rows):
        return
    if verb == "remove":
        state.rows.pop(index)
    elif verb == "up" and index > 0:
        state.rows[index - 1], state.rows[index] = state.rows[index], state.rows[index - 1]
    elif verb == "down" and index < len(state.rows) - 1:
        state.rows[index + 1], state.rows[index] = state.rows[index], state.rows[index + 1]


def posted_action(data) -> str:
    """The builder button pressed; "Move" carries the position chosen beside it."""
    action = (data.get("action") or "")[:60]
    verb, _, index = action.partition(":")
    if verb == "move":
        return f"move:{index}:{(data.get(f'move_to_{index}') or '')[:4]}"
    return action


def unbound_formset(rows: list[Row]) -> forms.BaseFormSet:
    """Show the rows as they are, without validation messages (nothing is being saved)."""
    return ItemFormSet(prefix=PREFIX, initial=[row.values for row in rows])


def bound_formset(rows: list[Row]):
    data = {f"{PREFIX}-TOTAL_FORMS": str(len(rows)), f"{PREFIX}-INITIAL_FORMS": "0"}
    lists = {}
    for index, row in enumerate(rows):
        for name, value in row.values.items():
            key = f"{PREFIX}-{index}-{name}"
            if name == "weekdays":
                lists[key] = [str(day) for day in value]
            else:
                data[key] = "" if value is None else str(value)
    query = QueryDict(mutable=True)
    query.update(data)
    for key, values in lists.items():
        query.setlist(key, values)
    return ItemFormSet(query, prefix=PREFIX)


def cleaned_items(formset, rows: list[Row]) -> list[dict]:
    """Service input from a valid formset: exercise objects and typed values."""
    items = []
    for form, row in zip(formset.forms, rows, strict=True):
        data = dict(form.cleaned_data)
        data.pop("exercise")
        data["id"] = data.get("id")
        data["exercise"] = row.exercise
        items.append(data)
    return items


def search_library(clinic_id, query: str, category: str = "", page: int = 1):
    """Library search for the builder's side panel: one page (names and pictures)."""
    exercises = Exercise.objects.visible_to_clinic(clinic_id).search(query)
    if category in Category.values:
        exercises = exercises.filter(category=category)
    return Paginator(exercises, SEARCH_RESULTS).get_page(page)
