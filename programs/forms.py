from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms

from clinic.images import SanitizedImageField
from programs.models import Category, CueKind, Equipment, Exercise, Position, Region

CUE_FIELDS = [(f"cue_{kind}", kind, label) for kind, label in CueKind.choices]


class LibraryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    category = forms.ChoiceField(required=False, choices=[("", "Any type"), *Category.choices])
    region = forms.ChoiceField(required=False, choices=[("", "Any body area"), *Region.choices])
    position = forms.ChoiceField(required=False, choices=[("", "Any position"), *Position.choices])
    equipment = forms.ChoiceField(
        required=False, choices=[("", "Any equipment"), *Equipment.choices]
    )


class ExerciseForm(forms.ModelForm):
    """A clinic's own exercise. The cues are five plain fields, in the order patients read them."""

    regions = forms.MultipleChoiceField(
        choices=Region.choices, widget=forms.CheckboxSelectMultiple, label="Body areas"
    )
    equipment = forms.MultipleChoiceField(
        choices=Equipment.choices, widget=forms.CheckboxSelectMultiple, initial=["none"]
    )
    photo = SanitizedImageField(
        required=False,
        label="Photo (optional)",
        help_text="JPEG, PNG or WebP, up to 5 MB. It replaces the drawing on pages and handouts.",
    )

    class Meta:
        model = Exercise
        fields = [
            "name",
            "lay_name",
            "category",
            "position",
            "style",
            "regions",
            "equipment",
            "cautions",
            "stop_if",
            "sets",
            "reps",
            "hold_seconds",
            "rest_seconds",
            "duration_seconds",
            "times_per_day",
            "days_per_week",
            "side",
        ]
        widgets = {
            "cautions": forms.Textarea(attrs={"rows": 2}),
            "stop_if": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cues = {cue.kind: cue.text for cue in self.instance.cues.all()} if self.instance.pk else {}
        for name, kind, label in CUE_FIELDS:
            self.fields[name] = forms.CharField(
                label=label,
                max_length=200,
                required=kind in {"setup", "movement"},
                initial=cues.get(kind, ""),
                widget=forms.TextInput(),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name"), Column("lay_name")),
            Row(Column("category"), Column("position"), Column("style")),
            Row(Column("regions"), Column("equipment")),
            Fieldset("Steps (what the patient reads)", *[name for name, _, _ in CUE_FIELDS]),
            Row(Column("cautions"), Column("stop_if")),
            Fieldset(
                "Default dosage",
                Row(Column("sets"), Column("reps"), Column("hold_seconds"), Column("rest_seconds")),
                Row(
                    Column("duration_seconds"),
                    Column("times_per_day"),
                    Column("days_per_week"),
                    Column("side"),
                ),
            ),
            "photo",
            Submit("save", "Save exercise"),
        )

    def clean(self) -> dict:
        data = super().clean()
        if (
            not data.get("reps")
            and not data.get("duration_seconds")
            and not data.get("hold_seconds")
        ):
            self.add_error("reps", "Give the reps, a hold time or a duration.")
        return data

    def cues(self) -> list[tuple[str, str]]:
        return [
            (kind, self.cleaned_data[name].strip())
            for name, kind, _ in CUE_FIELDS
            if self.cleaned_data.get(name, "").strip()
        ]

    def exercise_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
