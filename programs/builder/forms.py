"""The builder's forms: the program's own fields, and one form per exercise row (its
dose), in a formset named PREFIX."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.http import QueryDict
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from clinic.lib.form_fields import copy_fields_lightly
from clinic.validators import validate_care_day
from programs.content import leaflets
from programs.dosage import ITEM_FIELDS, weekday_bits
from programs.forms import DoseRequiredMixin
from programs.models import Program, ProgramItem
from programs.services import MAX_ITEMS, PROGRAM_FIELDS

if TYPE_CHECKING:  # rows.py imports PREFIX from here
    from programs.builder.rows import Row

PREFIX = "items"


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
            # Completing is the discharge (its questionnaires asked, its schedules ended):
            # done from the patient's page, by the one service that does all of it. Saved
            # here, a program was completed with the schedules still asking for months. A
            # program completed already keeps its status shown, and its notes can still be
            # put right (program_save refuses making it current again, and says how).
            status = self.fields["status"]
            if self.instance.status != Program.Status.COMPLETED:
                status.choices = [c for c in status.choices if c[0] != Program.Status.COMPLETED]
                status.help_text = _(
                    "To complete the program, use “Mark completed” on the patient's page."
                )

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
        self._days_match_the_ticked_days(data)
        return data

    def _days_match_the_ticked_days(self, data: dict) -> None:
        """Ticked days are the prescription (the handout and the counts read them), so
        "Days a week" must say as many: 3 beside Mon-Fri ticked was saved, and the builder
        went on saying 3 where the handout said Mon-Fri. Left at every day (the default),
        it takes the ticked days' count; another number is asked about."""
        ticked = bin(data.get("weekdays") or 0).count("1")
        days = data.get("days_per_week")
        if not ticked or days is None or days == ticked:
            return
        if days == len(WEEKDAYS_ABBR):
            data["days_per_week"] = ticked
            return
        self.add_error(
            "days_per_week",
            ngettext(
                "{ticked} day is ticked under “Only on”: make this {ticked}, or untick it.",
                "{ticked} days are ticked under “Only on”: make this {ticked}, or untick them.",
                ticked,
            ).format(ticked=ticked),
        )


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
