"""Forms for mobility measures and outcome questionnaires."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients import instrument_items, scoring
from patients.measures import BY_CODE, MEASURES, Measure, slot_key, slot_label, slots
from patients.outcomes import NPRS_RATINGS, SECTION_INSTRUMENTS, Value, scoring_answers

SECTION_CHOICES = [("", _("Not answered")), *[(str(n), str(n)) for n in range(6)]]
SBST_ITEM9 = [(str(n), label) for n, label in enumerate(
    ["Not at all", "Slightly", "Moderately", "Very much", "Extremely"]
)]  # fmt: skip


def value_field(measure: Measure, label: str, *, required: bool = True) -> forms.DecimalField:
    """A measure's value with its plausible bounds and a message that names them."""
    message = gettext("{measure} is recorded from {low} to {high} {unit}. Check the value.").format(
        measure=measure.label, low=f"{measure.low:g}", high=f"{measure.high:g}", unit=measure.unit
    )
    return forms.DecimalField(
        label=gettext("{label} ({unit})").format(label=label, unit=measure.unit),
        required=required,
        min_value=Decimal(str(measure.low)),
        max_value=Decimal(str(measure.high)),
        decimal_places=1,
        max_digits=5,
        error_messages={"min_value": message, "max_value": message},
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )


def _not_future(day: date) -> date:
    if day > timezone.localdate():
        raise forms.ValidationError(gettext("The date cannot be in the future."))
    if day < date(1990, 1, 1):
        raise forms.ValidationError(gettext("Check the year."))
    return day


class VisitForm(forms.Form):
    """Every measure of one visit in one form; fill in only what was measured."""

    measured_on = forms.DateField(
        label=_("Date of the visit"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    sit_reach_zero = forms.DecimalField(
        label=_("Sit-and-reach zero point (cm)"),
        required=False,
        min_value=Decimal(-50),
        max_value=Decimal(50),
        decimal_places=1,
        help_text=_("Where the box's scale reads zero relative to the feet, e.g. 23."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate()
        for measure in MEASURES:
            self.fields[f"{measure.code}_method"] = forms.CharField(
                required=False, max_length=80, initial=measure.method, label=gettext("Method")
            )
        for measure, side in slots():
            key = slot_key(measure, side)
            self.fields[key] = value_field(measure, slot_label(measure, side), required=False)
            self.fields[f"{key}_pain"] = forms.BooleanField(
                required=False, label=gettext("Pain-limited")
            )
            if measure.code == "slr":
                self.fields[f"{key}_symptoms"] = forms.CharField(
                    required=False, max_length=120, label=gettext("Symptom onset and location")
                )

    def clean_measured_on(self) -> date:
        return _not_future(self.cleaned_data["measured_on"])

    def clean(self) -> dict:
        data = super().clean()
        if not any(data.get(slot_key(m, s)) is not None for m, s in slots()):
            raise forms.ValidationError(gettext("Enter at least one measurement."))
        if data.get("sit_reach") is not None and data.get("sit_reach_zero") is None:
            self.add_error(
                "sit_reach_zero", gettext("Give the zero point of the sit-and-reach protocol.")
            )
        return data

    def values(self) -> list[Value]:
        data = self.cleaned_data
        out = []
        for measure, side in slots():
            key = slot_key(measure, side)
            if data.get(key) is None:
                continue
            out.append(
                Value(
                    code=measure.code,
                    side=side,
                    value=data[key],
                    method=data.get(f"{measure.code}_method") or measure.method,
                    pain_limited=data.get(f"{key}_pain", False),
                    zero_point=data.get("sit_reach_zero") if measure.code == "sit_reach" else None,
                    symptoms=data.get(f"{key}_symptoms", ""),
                )
            )
        return out

    def rows(self):
        """(measure, [(side, value field, pain field, symptoms field or None)], method field)."""
        for measure in MEASURES:
            sides = []
            for side in ("left", "right") if measure.sided else ("",):
                key = slot_key(measure, side)
                symptoms = self[f"{key}_symptoms"] if measure.code == "slr" else None
                sides.append((side, self[key], self[f"{key}_pain"], symptoms))
            yield measure, sides, self[f"{measure.code}_method"]


class CorrectionForm(forms.Form):
    method = forms.CharField(required=False, max_length=80)
    pain_limited = forms.BooleanField(required=False)
    zero_point = forms.DecimalField(required=False, decimal_places=1, max_digits=4)
    symptoms = forms.CharField(
        required=False, max_length=120, label=_("Symptom onset and location")
    )
    notes = forms.CharField(required=False, max_length=300, label=_("Why it was corrected"))

    def __init__(self, *args, code: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per measure so its bounds and message fit; shown first.
        self.fields = {"value": value_field(BY_CODE[code], BY_CODE[code].label), **self.fields}

    def corrected(self) -> Value:
        data = self.cleaned_data
        return Value(
            code="",
            side="",
            value=data["value"],
            method=data["method"],
            pain_limited=data["pain_limited"],
            zero_point=data.get("zero_point"),
            symptoms=data["symptoms"],
            notes=data["notes"],
        )


class OutcomeForm(forms.Form):
    """One questionnaire. ODI, NDI and STarT Back show section names only: their wording
    is licensed, and the clinic enters values from its own licensed form."""

    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args,
        code: str,
        for_patient: bool = False,
        activities: list[str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if code not in scoring.INSTRUMENTS:
            raise ValueError(f"Unknown instrument {code!r}")
        self.code = code
        self.instrument = scoring.INSTRUMENTS[code]
        if for_patient:
            del self.fields["completed_on"]
        else:
            self.fields["completed_on"].initial = timezone.localdate()
        SHAPES[code].build(self, activities or [])

    def _scale(self, name: str, label: str, top: int, required: bool = True) -> None:
        self.fields[name] = forms.TypedChoiceField(
            label=label,
            choices=[(n, str(n)) for n in range(top + 1)],
            coerce=int,
            required=required,
            empty_value=None,
            widget=forms.RadioSelect,
            error_messages={
                "invalid_choice": gettext("Choose a number from 0 to {top}.").format(top=top)
            },
        )

    def _build_nprs(self, _activities) -> None:
        for name, label in instrument_items.NPRS_QUESTIONS.items():
            self._scale(name, label, 10)

    def _sections(self) -> None:
        for n, name in enumerate(self.instrument.sections, start=1):
            self.fields[f"section_{n}"] = forms.ChoiceField(
                label=name.capitalize(), choices=SECTION_CHOICES, required=False
            )

    def _build_odi(self, _activities) -> None:
        self._sections()

    def _build_ndi(self, _activities) -> None:
        self._sections()

    def _build_rmdq(self, _activities) -> None:
        for n, text in enumerate(instrument_items.RMDQ_ITEMS, start=1):
            self.fields[f"item_{n}"] = forms.BooleanField(required=False, label=text)

    def _build_lefs(self, _activities) -> None:
        # A blank first choice: a select would otherwise arrive preset to the first
        # answer, and a skipped item would be saved as "Extreme Difficulty".
        choices = [
            ("", gettext("Choose an answer")),
            *[(str(n), label) for n, label in enumerate(instrument_items.LEFS_SCALE)],
        ]
        for n, text in enumerate(instrument_items.LEFS_ACTIVITIES, start=1):
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=text, choices=choices, coerce=int
            )

    def _build_psfs(self, activities: list[str]) -> None:
        for n in range(1, 6):
            self.fields[f"activity_{n}"] = forms.CharField(
                label=gettext("Activity {n}").format(n=n),
                max_length=100,
                required=False,
                initial=activities[n - 1] if n <= len(activities) else "",
            )
            self._scale(
                f"rating_{n}", gettext("Rating for activity {n}").format(n=n), 10, required=False
            )

    def _build_sbst(self, _activities) -> None:
        labels = self.instrument.sections
        for n in range(1, 9):
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=labels[n - 1] if n <= len(labels) else gettext("Item {n}").format(n=n),
                choices=[("0", gettext("Disagree")), ("1", gettext("Agree"))],
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields["item_9"] = forms.TypedChoiceField(
            label=labels[8] if len(labels) > 8 else "Item 9",
            choices=SBST_ITEM9,
            coerce=int,
            widget=forms.RadioSelect,
        )

    def clean_completed_on(self) -> date:
        return _not_future(self.cleaned_data["completed_on"])

    def clean(self) -> dict:
        data = super().clean()
        blank = all(data.get(f"section_{n}", "") == "" for n in range(1, 11))
        if self.code in SECTION_INSTRUMENTS and not self.errors and blank:
            raise forms.ValidationError(
                gettext(
                    "No section has a value. Enter the sections from the patient's form; "
                    "nothing was saved."
                )
            )
        if self.code == "psfs" and not self.errors:
            pairs = [
                (data.get(f"activity_{n}", "").strip(), data.get(f"rating_{n}"))
                for n in range(1, 6)
            ]
            for n, (activity, rating) in enumerate(pairs, start=1):
                if bool(activity) != (rating is not None):
                    self.add_error(
                        f"rating_{n}",
                        gettext("Give each activity a rating, and each rating an activity."),
                    )
            if sum(1 for a, r in pairs if a and r is not None) < 3:
                raise forms.ValidationError(gettext("Name and rate at least 3 activities."))
        if not self.errors:
            try:
                scoring.score(self.code, scoring_answers(self.code, self.answers()))
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        return data

    def answers(self):
        """The cleaned answers in the shape the outcome service stores."""
        return SHAPES[self.code].answers(self.cleaned_data)


def _sections_answers(data: dict) -> list[int | None]:
    return [None if data[f"section_{n}"] == "" else int(data[f"section_{n}"]) for n in range(1, 11)]


def _psfs_answers(data: dict) -> dict:
    pairs = [(data[f"activity_{n}"].strip(), data[f"rating_{n}"]) for n in range(1, 6)]
    pairs = [(a, r) for a, r in pairs if a and r is not None]
    return {"activities": [a for a, _ in pairs], "ratings": [r for _, r in pairs]}


@dataclass(frozen=True)
class Shape:
    """How one questionnaire is asked and read back: the fields it adds to the form, and
    its cleaned data turned into stored answers."""

    build: Callable[[OutcomeForm, list[str]], None]
    answers: Callable[[dict], Any]


# One entry per instrument in patients.scoring.INSTRUMENTS, checked below: a new
# instrument without its form fails at import instead of being read as another one.
SHAPES: dict[str, Shape] = {
    "nprs": Shape(
        OutcomeForm._build_nprs, lambda data: {name: data[name] for name in NPRS_RATINGS}
    ),
    "odi": Shape(OutcomeForm._build_odi, _sections_answers),
    "ndi": Shape(OutcomeForm._build_ndi, _sections_answers),
    "rmdq": Shape(
        OutcomeForm._build_rmdq, lambda data: [bool(data[f"item_{n}"]) for n in range(1, 25)]
    ),
    "lefs": Shape(OutcomeForm._build_lefs, lambda data: [data[f"item_{n}"] for n in range(1, 21)]),
    "psfs": Shape(OutcomeForm._build_psfs, _psfs_answers),
    "sbst": Shape(
        OutcomeForm._build_sbst,
        lambda data: [bool(data[f"item_{n}"]) for n in range(1, 9)] + [data["item_9"]],
    ),
}
if set(SHAPES) != set(scoring.INSTRUMENTS):
    raise ImproperlyConfigured(
        f"Outcome forms and instruments differ: {sorted(set(SHAPES) ^ set(scoring.INSTRUMENTS))}"
    )
