"""Forms for goals and discharge."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.once import SentOnce
from clinic.validators import validate_care_day
from patients.goals import PSFS_ACTIVITY, same_activity, scales, tracks_choices
from patients.models import Goal


class GoalForm(SentOnce, forms.ModelForm):
    tracks = forms.ChoiceField(label=_("Shown by"), choices=(), required=False)

    class Meta:
        model = Goal
        fields = ["text", "tracks", "target", "target_on"]
        labels = {"text": _("Goal"), "target": _("Target"), "target_on": _("By")}
        help_texts = {
            "text": _(
                "Specific, in the patient's words: “walk to the shops and back without stopping”."
            ),
            "target": _("The score or measure that shows the goal is met."),
        }
        widgets = {"target_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, activities: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The patient's PSFS activities: a goal shown by one of them must name it.
        self.activities = activities or []
        self.fields["tracks"].choices = tracks_choices()
        for bound in self.visible_fields():
            css = "form-select" if isinstance(bound.field.widget, forms.Select) else "form-control"
            bound.field.widget.attrs.setdefault("class", css)
        self.fields["text"].widget.attrs["list"] = "psfs-activities"

    def clean_target_on(self):
        day = self.cleaned_data["target_on"]
        if day <= timezone.localdate():
            raise forms.ValidationError(gettext("Choose a date after today."))
        if (day - timezone.localdate()).days > 730:
            raise forms.ValidationError(gettext("Choose a date within two years."))
        return day

    def clean(self) -> dict:
        data = super().clean()
        tracks, target = data.get("tracks"), data.get("target")
        if tracks and target is None and "target" not in self.errors:  # refused, not missing
            self.add_error("target", gettext("Give the target, or choose “Not tied to a score”."))
        elif target is not None and not tracks:
            self.add_error("tracks", gettext("Choose the score or measure the target is in."))
        if tracks == PSFS_ACTIVITY and not any(
            same_activity(data.get("text") or "", activity) for activity in self.activities
        ):
            self.add_error(
                "text",
                gettext(
                    "Write one of the patient's PSFS activities, as they named it: {names}."
                ).format(names="; ".join(self.activities))
                if self.activities
                else gettext("The patient has no PSFS yet: choose another score or measure."),
            )
        if tracks and target is not None:
            scale = scales()[tracks]
            if not scale.low <= float(target) <= scale.high:
                self.add_error(
                    "target",
                    gettext("{scale} goes from {low} to {high}.").format(
                        scale=scale.label, low=f"{scale.low:g}", high=f"{scale.high:g}"
                    ),
                )
        return data


GOAL_DECISIONS = [
    (Goal.Status.MET, "Met"),
    (Goal.Status.NOT_MET, "Not met"),
    (Goal.Status.OPEN, "Leave open"),
]


class DischargeForm(SentOnce):
    # The program the page showed: a second post of the same page (a double tap, or two
    # tabs) finds the maintenance copy current instead and is refused.
    program = forms.CharField(required=False, max_length=36, widget=forms.HiddenInput)
    discharged_on = forms.DateField(
        label=_("Discharge date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_care_day],
    )
    summary = forms.CharField(
        label=_("Summary for the letter"),
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done and how it went, for the referrer."),
    )
    plan = forms.CharField(
        label=_("Plan from here"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    maintenance = forms.BooleanField(
        label=_("Keep a maintenance program (the same exercises, 3 days a week)"),
        required=False,
        initial=True,
    )
    letter = forms.BooleanField(
        label=_("Prepare the discharge letter"), required=False, initial=True
    )

    def __init__(self, *args, goals: list[Goal], care_began: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        self.care_began = care_began
        self.fields["discharged_on"].widget.attrs["min"] = care_began.isoformat()
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.text, choices=GOAL_DECISIONS, initial=goal.status
            )

    def clean_discharged_on(self):
        day = self.cleaned_data["discharged_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(gettext("The discharge date cannot be in the future."))
        # Before it, the letter's period held nothing of the care given, and said so to
        # the referrer (found by the portal review: a mistyped year).
        if day < self.care_began:
            raise forms.ValidationError(
                gettext(
                    "The discharge date is before this patient's care began here ({day}). "
                    "Check the date."
                ).format(day=date_format(self.care_began, "j M Y"))
            )
        return day

    def goal_statuses(self) -> dict[int, str]:
        return {goal.pk: self.cleaned_data[f"goal_{goal.pk}"] for goal in self.goals}

    def goal_fields(self):
        return [self[f"goal_{goal.pk}"] for goal in self.goals]
