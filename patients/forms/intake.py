"""Forms of the intake: the referral and precautions, the red-flag screen, the
decisions."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.edits import SeenVersion
from patients.models import Intake, RedFlagScreen
from patients.screening import questions
from programs.precautions import Precaution

ANSWERS = [("no", _("No")), ("yes", _("Yes"))]


class IntakeForm(SeenVersion, forms.ModelForm):
    precautions = forms.MultipleChoiceField(
        choices=Precaution.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Precautions"),
        help_text=_("The builder warns when an exercise involves a movement these rule out."),
    )

    class Meta:
        model = Intake
        fields = [
            "referrer",
            "diagnosis",
            "icd10",
            "region",
            "onset_on",
            "stage",
            "precautions",
            "precaution_notes",
        ]
        labels = {"stage": _("Stage")}
        widgets = {
            "onset_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "precaution_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "stage": _(
                "Only needed when the start date is not known: with a date, the stage "
                "follows from it."
            ),
            "diagnosis": _(
                "As you would say it to the patient, e.g. “low back pain with "
                "sciatica on the left”."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "seen",
            Row(Column("diagnosis"), Column("icd10")),
            Row(Column("region"), Column("referrer")),
            Row(Column("onset_on"), Column("stage")),
            "precautions",
            "precaution_notes",
            Submit("save", gettext("Save intake")),
        )

    def clean_icd10(self) -> str:
        return self.cleaned_data["icd10"].strip().upper()

    def clean_onset_on(self):
        onset = self.cleaned_data["onset_on"]
        if onset and onset > timezone.localdate():
            raise forms.ValidationError(gettext("The start date cannot be in the future."))
        return onset


class ScreenForm(forms.Form):
    """Every question answered, yes or no: a skipped question is not a "no"."""

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for question in questions(kind):
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=ANSWERS,
                widget=forms.RadioSelect,
                help_text=gettext("May point to {concern}.").format(concern=question.concern),
            )

    def answers(self) -> dict[str, bool]:
        return {key: value == "yes" for key, value in self.cleaned_data.items()}


class ScreenDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=RedFlagScreen.Decision.choices,
        widget=forms.RadioSelect,
        label=_("Your decision"),
        error_messages={
            "required": _(
                "Choose a decision: safe to start exercise, or referred for medical review first."
            )
        },
    )
    note = forms.CharField(
        label=_("What you found and why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what you found and why.")},
    )
    # The screen as the page showed it (RedFlagScreen.version).
    seen = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class PrecautionKeepForm(forms.Form):
    exercise = forms.UUIDField(widget=forms.HiddenInput)
    precaution = forms.ChoiceField(choices=Precaution.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why keep it"),
        max_length=500,
        widget=forms.TextInput(attrs={"maxlength": 500}),
        error_messages={"required": _("Say why the exercise should stay.")},
    )
