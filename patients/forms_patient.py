"""Forms of the patient area: one short session form, and the next-morning check."""

from __future__ import annotations

import re

from django import forms

from patients.models import MorningCheck
from patients.sessions import Done
from programs.models import ProgramItem

SCALE = [(n, str(n)) for n in range(11)]
FIELD = re.compile(r"^(done|sets|reps)_(\d+)$")


def _scale(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a number from 0 to 10."},
    )


class SessionForm(forms.Form):
    """Ticks per exercise (with optional sets/reps actually done), pain, effort, a comment."""

    client_token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    pain = _scale("Pain during exercise (0 = none, 10 = worst)")
    effort = _scale("How hard was it? (0 = very easy, 10 = maximal)")
    comment = forms.CharField(
        required=False,
        max_length=500,
        label="Anything to tell your clinician? (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items: list[ProgramItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = {item.pk: item for item in items}
        for item in items:
            self.fields[f"done_{item.pk}"] = forms.BooleanField(required=False, label="Done")
            self.fields[f"sets_{item.pk}"] = self._count("Sets done", item.sets)
            self.fields[f"reps_{item.pk}"] = self._count("Reps each set", item.reps)

    @staticmethod
    def _count(label: str, prescribed: int | None) -> forms.IntegerField:
        # More than twice the prescription is almost surely a typo, and worth a second look.
        limit = 2 * prescribed if prescribed else 200
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=1,
            max_value=limit,
            error_messages={
                "max_value": f"That is more than twice what was prescribed ({prescribed or 100}). "
                "Please check the number."
            },
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        )

    def clean(self) -> dict:
        data = super().clean()
        known = {str(pk) for pk in self.items}
        for key in self.data:
            match = FIELD.match(key)
            # Compared as text: int() of a hostile 5,000-digit key would raise.
            if match and match.group(2) not in known:
                raise forms.ValidationError(
                    "One of the exercises is not in your program any more. Reload the page."
                )
        if not any(data.get(f"done_{pk}") for pk in self.items):
            raise forms.ValidationError("Tick at least one exercise you did.")
        return data

    def done(self) -> list[Done]:
        return [
            Done(
                exercise=item.exercise,
                sets=self.cleaned_data.get(f"sets_{pk}"),
                reps=self.cleaned_data.get(f"reps_{pk}"),
            )
            for pk, item in self.items.items()
            if self.cleaned_data.get(f"done_{pk}")
        ]

    def rows(
        self,
    ) -> list[tuple[ProgramItem, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (item, self[f"done_{pk}"], self[f"sets_{pk}"], self[f"reps_{pk}"])
            for pk, item in self.items.items()
        ]


class MorningCheckForm(forms.Form):
    compared = forms.ChoiceField(
        label="Compared with before you exercised, you feel…",
        choices=MorningCheck.Compared.choices,
        widget=forms.RadioSelect,
    )
    pain = forms.TypedChoiceField(
        label="Your pain this morning (0 = none, 10 = worst)",
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a number from 0 to 10."},
    )
