"""Forms for mobility measures and outcome questionnaires."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.once import SentOnce
from clinic.validators import validate_care_day
from patients.instruments import INSTRUMENTS, AnswerShape, Question
from patients.measures import BY_CODE, MEASURES, Measure, slot_key, slot_label, slots
from patients.models import OutcomeResponse
from patients.outcomes import Value, outcome_record
from programs.models import Region

SECTION_CHOICES = [("", _("Not answered")), *[(str(n), str(n)) for n in range(6)]]


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
        # No max_digits: the bounds keep a value inside the column (Measurement.value,
        # 5 digits), and a second message about digits under the bounds' one read as two
        # faults (the portal review: 99999 degrees got both).
        error_messages={"min_value": message, "max_value": message},
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )


def _not_future(day: date) -> date:
    if day > timezone.localdate():
        raise forms.ValidationError(gettext("The date cannot be in the future."))
    return day


def zero_point_field(**options) -> forms.DecimalField:
    """Where a sit-and-reach box's scale reads zero relative to the feet: one set of bounds
    for the visit form and a correction."""
    return forms.DecimalField(
        required=False,
        min_value=Decimal(-50),
        max_value=Decimal(50),
        decimal_places=1,
        help_text=_("Where the box's scale reads zero relative to the feet, e.g. 23."),
        **options,
    )


class VisitForm(SentOnce):
    """Every measure of one visit in one form; fill in only what was measured."""

    measured_on = forms.DateField(
        label=_("Date of the visit"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_care_day],
    )
    notes = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    sit_reach_zero = zero_point_field(label=_("Sit-and-reach zero point (cm)"))

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
        # Values refused by their own field are not missing: "Enter at least one" above
        # three refused values contradicted what the clinician had typed.
        keys = [slot_key(m, s) for m, s in slots()]
        if not any(data.get(key) is not None or key in self.errors for key in keys):
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

    def regions(self, first: str | None = None) -> list[tuple[str, list]]:
        """The rows by body area, as (its name, its rows): the patient's own area (`first`,
        their intake's) first, then as MEASURES lists them."""
        by_region: dict[str, list] = {}
        for row in self.rows():
            by_region.setdefault(row[0].region, []).append(row)
        order = sorted(by_region, key=lambda region: region != first)
        return [(Region(region).label, by_region[region]) for region in order]


class CorrectionForm(SentOnce):
    method = forms.CharField(required=False, max_length=80)
    pain_limited = forms.BooleanField(required=False)
    # Kept only for a measure read from a zero point (sit-and-reach), within the visit
    # form's bounds: it took any ±999.9 on any measure.
    zero_point = zero_point_field()
    symptoms = forms.CharField(
        required=False, max_length=120, label=_("Symptom onset and location")
    )
    notes = forms.CharField(required=False, max_length=300, label=_("Why it was corrected"))

    def __init__(self, *args, code: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per measure so its bounds and message fit; shown first.
        self.fields = {"value": value_field(BY_CODE[code], BY_CODE[code].label), **self.fields}
        if not BY_CODE[code].zeroed:
            del self.fields["zero_point"]

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


# The patient's own "none of these" on a checklist (OutcomeForm): not an answer stored.
NONE_TICKED = "none_ticked"


class OutcomeForm(SentOnce):
    """One questionnaire, its fields built from the answer shape its instrument declares
    (patients.instruments). Licensed instruments show section names only: the clinic
    enters values from its own licensed form. The clinician's page is sent once
    (clinic.once); the patient's answers a request, which takes one answer already."""

    completed_on = forms.DateField(
        label=_("Completed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_care_day],
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
        if code not in INSTRUMENTS:
            raise ValueError(f"Unknown instrument {code!r}")
        self.code = code
        self.instrument = INSTRUMENTS[code]
        self.shape = SHAPES[code]
        if for_patient:
            del self.fields["completed_on"]
            del self.fields["once"]
        else:
            self.fields["completed_on"].initial = timezone.localdate()
        carried = iter(activities or [])
        for question in self.shape.questions:
            initial = next(carried, "") if question.kind == "activity" else None
            self.fields[question.name] = _field(question, initial)
        if for_patient and all(q.kind == "tick" for q in self.shape.questions):
            # A checklist sent with nothing ticked is the best score there is (the RMDQ's
            # 0): a patient says so, rather than an accidental tap on Save saying it for
            # them (found by the phone review). Our words, not the instrument's.
            none = forms.BooleanField(
                required=False, label=gettext("None of these sentences describe me today.")
            )
            none.ours = True  # type: ignore[attr-defined]
            self.fields[NONE_TICKED] = none

    def clean_completed_on(self) -> date:
        return _not_future(self.cleaned_data["completed_on"])

    def clean(self) -> dict:
        data = super().clean()
        questions = self.shape.questions
        blank = all(data.get(q.name, "") == "" for q in questions if q.kind == "section")
        if self.shape.sections and not self.errors and blank:
            raise forms.ValidationError(
                gettext(
                    "No section has a value. Enter the sections from the patient's form; "
                    "nothing was saved."
                )
            )
        if self.shape.min_activities and not self.errors:
            self._clean_activities(data)
        if NONE_TICKED in self.fields and not self.errors:
            self._clean_none_ticked(data)
        best, worst = data.get("best"), data.get("worst")
        if self.code == "nprs" and None not in (best, worst) and best > worst:
            # The least pain of the day above the most: one of the two is a slip (found
            # by the clinician review: "best 7, worst 2" was saved and averaged).
            self.add_error(
                "best",
                gettext(
                    "This is more than the pain at its worst. Check both numbers: at its "
                    "best is the least pain you had."
                ),
            )
        if not self.errors:
            try:
                self.instrument.score(self.shape.scored(self.answers()))
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        return data

    def _clean_none_ticked(self, data: dict) -> None:
        ticked = any(data.get(q.name) for q in self.shape.questions)
        if not ticked and not data.get(NONE_TICKED):
            self.add_error(
                NONE_TICKED,
                gettext(
                    "Nothing is ticked. If none of the sentences describe you today, tick "
                    "this box to say so."
                ),
            )
        elif ticked and data.get(NONE_TICKED):
            self.add_error(
                NONE_TICKED,
                gettext("You ticked sentences and this box too. Untick the one that is wrong."),
            )

    def _clean_activities(self, data: dict) -> None:
        """Activities and ratings go in pairs, at least the instrument's minimum of them."""
        names = [q.name for q in self.shape.questions if q.kind == "activity"]
        ratings = [q.name for q in self.shape.questions if q.kind == "activity_rating"]
        pairs = [
            (data.get(name, "").strip(), data.get(rating))
            for name, rating in zip(names, ratings, strict=True)
        ]
        for rating, (activity, value) in zip(ratings, pairs, strict=True):
            if bool(activity) != (value is not None):
                self.add_error(
                    rating, gettext("Give each activity a rating, and each rating an activity.")
                )
        if sum(1 for a, r in pairs if a and r is not None) < self.shape.min_activities:
            # Worded for the PSFS's three, the one instrument with named activities.
            raise forms.ValidationError(gettext("Name and rate at least 3 activities."))

    def questions_to_check(self) -> list[forms.BoundField]:
        """The questions sent back with a message, in order: the page lists how many at
        its top and links to the first (_outcome_fields.html)."""
        return [field for field in self.visible_fields() if field.errors]

    def answers(self):
        """The cleaned answers in the shape the outcome service stores."""
        return self.shape.stored(self.cleaned_data)

    def record(self, *, patient, actor) -> OutcomeResponse:
        """Save what a clinician entered (on the portal's page or through the API)."""
        return outcome_record(
            patient=patient,
            code=self.code,
            answers=self.answers(),
            completed_on=self.cleaned_data["completed_on"],
            actor=actor,
            source=OutcomeResponse.Source.CLINICIAN,
        )


def _scale(label: str, top: int, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
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


def _field(question: Question, initial: str | None) -> forms.Field:
    """The form field for one question of an answer shape (see base.Question), carrying
    its scale's anchors for the template (_outcome_fields.html)."""
    field = _unanchored_field(question, initial)
    field.anchors = question.anchors  # type: ignore[attr-defined]
    # Not Django's "This field is required.", which a patient on a long questionnaire
    # found under one item of twenty, with nothing else to say what was wrong.
    field.error_messages["required"] = gettext("This question needs an answer.")
    return field


def _unanchored_field(question: Question, initial: str | None) -> forms.Field:
    n = question.name.rsplit("_", 1)[-1]
    match question.kind:
        case "rating":
            return _scale(question.label, question.top, question.required)
        case "activity_rating":
            label = gettext("Rating for activity {n}").format(n=n)
            return _scale(label, question.top, question.required)
        case "activity":
            return forms.CharField(
                label=gettext("Activity {n}").format(n=n),
                max_length=100,
                required=question.required,
                initial=initial,
            )
        case "section":
            return forms.ChoiceField(
                label=question.label, choices=SECTION_CHOICES, required=question.required
            )
        case "tick":
            return forms.BooleanField(required=question.required, label=question.label)
        case "choice":
            # A blank first choice: a select would otherwise arrive preset to the first
            # answer, and a skipped item would be saved as the first answer.
            choices = [
                ("", gettext("Choose an answer")),
                *[(str(v), label) for v, label in enumerate(question.choices)],
            ]
            return forms.TypedChoiceField(
                label=question.label, choices=choices, coerce=int, required=question.required
            )
        case "agree":
            return forms.TypedChoiceField(
                label=question.label,
                choices=[("0", gettext("Disagree")), ("1", gettext("Agree"))],
                coerce=int,
                widget=forms.RadioSelect,
                required=question.required,
            )
        case "scale":
            return forms.TypedChoiceField(
                label=question.label,
                choices=[(str(v), label) for v, label in enumerate(question.choices)],
                coerce=int,
                widget=forms.RadioSelect,
                required=question.required,
            )
    raise ImproperlyConfigured(f"No form field for a {question.kind!r} question")


# Each instrument's answer shape, as its module declares it.
SHAPES: Mapping[str, AnswerShape] = {
    code: instrument.answer_shape() for code, instrument in INSTRUMENTS.items()
}
