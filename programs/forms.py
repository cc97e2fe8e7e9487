from __future__ import annotations

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.edits import SeenVersion, refusal, saved_at
from clinic.lib.images import SanitizedImageField
from clinic.once import SentOnce
from programs.content.exercises import EXERCISES as LIBRARY
from programs.dosage import DOSAGE_FIELDS, PLACEHOLDER_PATTERN
from programs.illustrations import has_illustration
from programs.models import Category, CueKind, Equipment, Exercise, Position, Region
from programs.precautions import Movement

CUE_FIELDS = [(f"cue_{kind}", kind, label) for kind, label in CueKind.choices]


# Numbers typed in a step can contradict the dose prescribed; these are filled from each
# patient's prescription (programs.dosage.fill_step). A step that changes sides is left
# out for a patient prescribed one side (programs.dosage.steps).
STEP_HELP = {
    CueKind.MOVEMENT: _(
        "Write {hold}, {reps}, {sets} or {duration} instead of a number: each "
        "patient's prescription fills it in."
    ),
    CueKind.SIDES: _(
        'Only the move to the other side, such as "Then switch legs." It is left out '
        "for a patient you prescribe one side."
    ),
}


class LibraryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    category = forms.ChoiceField(
        required=False, choices=[("", _("Any type")), *Category.choices], label=_("Category")
    )
    region = forms.ChoiceField(
        required=False, choices=[("", _("Any body area")), *Region.choices], label=_("Region")
    )
    position = forms.ChoiceField(
        required=False, choices=[("", _("Any position")), *Position.choices], label=_("Position")
    )
    equipment = forms.ChoiceField(
        required=False,
        choices=[("", _("Any equipment")), *Equipment.choices],
        label=_("Equipment"),
    )


# The built-in pose pairs a clinic's own exercise may borrow, by the built-in exercise's name.
DRAWINGS = sorted(
    ((entry["slug"], entry["name"]) for entry in LIBRARY if has_illustration(entry["slug"])),
    key=lambda choice: choice[1].lower(),
)


class DoseRequiredMixin:
    """The rules every dosage form shares (an exercise's defaults, a program row): a dose
    is counted in reps, held, or timed; with none of them there is nothing to do. Reps and
    a time are two amounts for one go: the dose line gives the reps (dosage._amount) while
    a step names the time ("march for {duration}"), so the patient read both. A hold
    inside a time is a dose ("tense for 5 s, relax, for 5 minutes"), but not one as long
    as the time: "5 s · hold 10 min" was printed, the step said "hold for 10 minutes",
    and the timer counted 5 s (found by the dose review)."""

    def clean(self) -> dict:
        data = super().clean()
        if not any(data.get(name) for name in ("reps", "hold_seconds", "duration_seconds")):
            self.add_error("reps", gettext("Give the reps, a hold time or a duration."))
        elif data.get("reps") and data.get("duration_seconds"):
            self.add_error(
                "duration_seconds",
                gettext("Give the reps or a time, not both: clear one of them."),
            )
        elif data.get("duration_seconds") and (data.get("hold_seconds") or 0) >= data.get(
            "duration_seconds"
        ):
            self.add_error(
                "hold_seconds",
                gettext("A hold must be shorter than the time: shorten the hold or clear it."),
            )
        return data


class ExerciseForm(SentOnce, SeenVersion, DoseRequiredMixin, forms.ModelForm):
    """A clinic's own exercise. The cues are five plain fields, in the order patients read them.
    The page that adds one is sent once (clinic.once): a double click adds one exercise, not
    two. The edit page has no token: sending it again saves the same words again, and a page
    reopened with Back and changed must not be taken for a resend and dropped. It keeps the
    version it showed, steps included (clinic.edits): a colleague's change saved since (a
    new "Stop if", say) is not undone unseen."""

    saved_text = _(
        "This exercise was saved at {when}, after you opened this page. Nothing of yours is "
        "saved yet."
    )

    regions = forms.MultipleChoiceField(
        choices=Region.choices, widget=forms.CheckboxSelectMultiple, label=_("Body areas")
    )
    equipment = forms.MultipleChoiceField(
        choices=Equipment.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["none"],
        label=_("Equipment"),
    )
    contraindications = forms.MultipleChoiceField(
        choices=Movement.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Movements to check against precautions"),
        help_text=_(
            "Tick what this exercise involves: the builder warns when a patient's "
            "precautions (a hip replacement, osteoporosis…) rule it out."
        ),
    )
    illustration = forms.ChoiceField(
        required=False,
        label=_("Drawing"),
        help_text=_(
            "Start and end pictures drawn from one of the built-in exercises' poses, "
            "on pages, handouts and as a moving picture. A photo, if you add one, is shown "
            "instead."
        ),
    )
    photo = SanitizedImageField(
        required=False,
        label=_("Photo (optional)"),
        help_text=_(
            "JPEG, PNG or WebP, up to 5 MB. It replaces the drawing on pages and handouts."
        ),
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
            "contraindications",
            "illustration",
            *DOSAGE_FIELDS,
        ]
        labels = {
            "name": _("Name"),
            "category": _("Category"),
            "cautions": _("Cautions"),
            "sets": _("Sets"),
            "reps": _("Reps"),
            "times_per_day": _("Times per day"),
            "days_per_week": _("Days per week"),
            "side": _("Side"),
        }
        widgets = {
            "cautions": forms.Textarea(attrs={"rows": 2}),
            "stop_if": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["illustration"].choices = [("", gettext("No drawing")), *DRAWINGS]
        cues = dict(self.related_values(self.instance))
        for name, kind, label in CUE_FIELDS:
            self.fields[name] = forms.CharField(
                label=label,
                max_length=200,
                required=kind in {"setup", "movement"},
                initial=cues.get(kind, ""),
                widget=forms.TextInput(),
                # Numbers typed in a step can contradict the dose prescribed; these are
                # filled from each patient's prescription (programs.dosage.fill_step).
                help_text=STEP_HELP.get(kind, ""),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name"), Column("lay_name")),
            Row(Column("category"), Column("position"), Column("style")),
            Row(Column("regions"), Column("equipment")),
            Fieldset(
                gettext("Steps (what the patient reads)"), *[name for name, _, _ in CUE_FIELDS]
            ),
            Row(Column("cautions"), Column("stop_if")),
            "contraindications",
            Fieldset(
                gettext("Default dosage"),
                # Four to a row, from the model's own list: a new dosage field shows up here.
                *(
                    Row(*(Column(name) for name in DOSAGE_FIELDS[start : start + 4]))
                    for start in range(0, len(DOSAGE_FIELDS), 4)
                ),
            ),
            "illustration",
            "photo",
            "seen",
            Submit("save", gettext("Save exercise")),
        )
        if self.instance.pk is None:
            self.helper.layout.insert(-1, "once")
        else:
            del self.fields["once"]

    def related_values(self, record) -> list[tuple[str, str]]:
        if record is None or record.pk is None:
            return []
        if not hasattr(self, "_steps_of") or self._steps_of[0] is not record:
            # Read once per record: the version and the step fields both use them.
            self._steps_of = (record, record.steps_as_written())
        return self._steps_of[1]

    def related_fields(self) -> list[str]:
        return [name for name, _kind, _label in CUE_FIELDS]

    def cues(self) -> list[tuple[str, str]]:
        return [
            (kind, self.cleaned_data[name].strip())
            for name, kind, _ in CUE_FIELDS
            if self.cleaned_data.get(name, "").strip()
        ]

    def exercise_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


DIGITS = re.compile(r"\d+")


class ExerciseTranslationForm(forms.Form):
    """A clinic's own exercise in another language: each field beside its English."""

    name = forms.CharField(max_length=80)
    lay_name = forms.CharField(label=_("Everyday name"), max_length=80)
    cautions = forms.CharField(max_length=400, required=False, widget=forms.Textarea({"rows": 2}))
    stop_if = forms.CharField(
        label=_("Stop if"), max_length=300, required=False, widget=forms.Textarea({"rows": 2})
    )

    # The version of the translation the page showed (programs.services.
    # translation_version): a colleague's words saved since are not undone unseen.
    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args, english_cues: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.english_cues = english_cues
        initial = (kwargs.get("initial") or {}).get("cues", [])
        for number, english in enumerate(english_cues, start=1):
            self.fields[f"cue_{number}"] = forms.CharField(
                label=gettext("Step {number}").format(number=number),
                max_length=200,
                help_text=gettext("English: {english}").format(english=english),
                initial=initial[number - 1] if number <= len(initial) else "",
            )

    def clean(self) -> dict:
        data = super().clean()
        # A translated step must not contradict the dose: it fills in the same amounts as
        # its English ({hold}, {reps}...) and types no number the English does not have.
        for number, english in enumerate(self.english_cues, start=1):
            text = data.get(f"cue_{number}")
            if not text:
                continue
            if set(PLACEHOLDER_PATTERN.findall(text)) != set(PLACEHOLDER_PATTERN.findall(english)):
                self.add_error(
                    f"cue_{number}",
                    gettext(
                        "Keep the amounts in braces exactly as in the English, such as {hold}: "
                        "each patient's prescription fills them in."
                    ),
                )
            elif set(DIGITS.findall(text)) - set(DIGITS.findall(english)):
                self.add_error(
                    f"cue_{number}",
                    gettext("Write no number the English step does not have."),
                )
        return data

    def translation_fields(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("name", "lay_name", "cautions", "stop_if")
        }

    def seen_version(self) -> str | None:
        """The version the page showed; None from a client that sent none (no page)."""
        return self.cleaned_data.get("seen", "") if "seen" in self.data else None

    def saved_meanwhile(self, row, version: str) -> None:
        """Sent back with the person's entries, what the saved translation now says where
        it differs, and its version: saving again keeps their entries, knowingly."""
        data = self.data.copy()
        data["seen"] = version
        self.data = data
        saved = {
            "name": row.name,
            "lay_name": row.lay_name,
            "cautions": row.cautions,
            "stop_if": row.stop_if,
        }
        saved.update({f"cue_{n}": text for n, text in enumerate(row.cues, start=1)})
        differs = [
            f"{self.fields[name].label or name}: {text or '—'}"
            for name, text in saved.items()
            if name in self.fields and text != self.cleaned_data.get(name, "")
        ]
        saved_text = gettext(
            "This translation was saved at {when}, after you opened this page. Nothing of "
            "yours is saved yet."
        ).format(when=saved_at(row))
        self.add_error(None, refusal(saved_text, differs))

    def cues(self) -> list[str]:
        return [self.cleaned_data[f"cue_{n}"] for n in range(1, len(self.english_cues) + 1)]
