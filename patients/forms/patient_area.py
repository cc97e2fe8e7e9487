"""Forms of the patient area: one short session form, and the next-morning check."""

from __future__ import annotations

import re

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from patients.models import MorningCheck
from patients.practice_log import Done, session_log
from programs.models import ProgramItem
from programs.safety import StopRules

SCALE = [(n, str(n)) for n in range(11)]
FIELD = re.compile(r"^(done|sets|reps)_(\d+)$")


def _scale(label: str, *, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE,
        coerce=int,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose a number from 0 to 10."),
            "required": _("Choose your pain from 0 to 10 (0 means no pain at all)."),
        },
    )


class SessionForm(forms.Form):
    """Ticks per exercise (with optional sets/reps actually done), pain, effort, a comment."""

    client_token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # Asked every time: the pain guide and the clinician's flags depend on it.
    pain = _scale(_("Pain during exercise (0 = none, 10 = worst)"), required=True)
    effort = _scale(_("How hard was it? (0 = very easy, 10 = as hard as I can)"))
    comment = forms.CharField(
        required=False,
        max_length=500,
        label=_("Anything to tell your clinician? (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        items: list[ProgramItem],
        rules: StopRules | None = None,
        second_look: bool = True,
        **kwargs,
    ):
        """`second_look` False: no "more than twice what was prescribed" check (a log
        kept on the phone, whose page is gone); numbers are still bounded."""
        super().__init__(*args, **kwargs)
        self.items = {item.pk: item for item in items}
        self.rules = rules
        self.fields["signs"] = signs_field(rules)
        for item in items:
            sets, reps = (item.sets, item.reps) if second_look else (None, None)
            self.fields[f"done_{item.pk}"] = forms.BooleanField(required=False, label=_("Done"))
            self.fields[f"sets_{item.pk}"] = self._count(_("Sets done"), sets)
            self.fields[f"reps_{item.pk}"] = self._count(_("Reps each set"), reps)

    @staticmethod
    def _count(label: str, prescribed: int | None) -> forms.IntegerField:
        # More than twice the prescription is almost surely a typo, and worth a second look.
        if prescribed:
            limit = 2 * prescribed
            too_many = format_lazy(
                _(
                    "That is more than twice what was prescribed ({prescribed}). "
                    "Please check the number."
                ),
                prescribed=prescribed,
            )
        else:  # nothing prescribed to compare with (a hold or a timed exercise)
            limit = 200
            too_many = format_lazy(
                _("That is more than {limit}. Please check the number."), limit=limit
            )
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=1,
            max_value=limit,
            # In the patient's words, not Django's ("Ensure this value is greater than or
            # equal to 1.", and formal in Spanish where the patient area is not).
            error_messages={
                "max_value": too_many,
                "min_value": _("Write 1 or more, or leave it empty."),
                "invalid": _("Write a whole number, without a dot or comma."),
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
                    _("One of the exercises is not in your program any more. Reload the page.")
                )
        if not any(self._did(pk) for pk in self.items):
            raise forms.ValidationError(_("Tick at least one exercise you did."))
        return data

    def _did(self, pk: int) -> bool:
        """Ticked as done, or with the amount done written in: a patient who wrote "1 set
        of 8" did the exercise, and was refused for not ticking it too (found by the phone
        review)."""
        data = self.cleaned_data
        return bool(data.get(f"done_{pk}") or data.get(f"sets_{pk}") or data.get(f"reps_{pk}"))

    def log(self, *, patient, program, actor, exact_resend: bool = False, **when):
        """Save the valid form through the service, with the signs ticked on it:
        (session, created). `when` passes performed_on or made_at for logs not made today
        on this page; `exact_resend`: session_log's."""
        data = self.cleaned_data
        return session_log(
            patient=patient,
            program=program,
            done=self.done(),
            pain=data["pain"],
            effort=data["effort"],
            comment=data["comment"],
            client_token=data["client_token"],
            actor=actor,
            signs=data["signs"],
            rules=self.rules,
            exact_resend=exact_resend,
            sent_from_a_form=True,
            **when,
        )

    def done(self) -> list[Done]:
        return [
            Done(
                exercise=item.exercise,
                sets=self.cleaned_data.get(f"sets_{pk}"),
                reps=self.cleaned_data.get(f"reps_{pk}"),
            )
            for pk, item in self.items.items()
            if self._did(pk)
        ]

    def rows(
        self,
    ) -> list[tuple[ProgramItem, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (item, self[f"done_{pk}"], self[f"sets_{pk}"], self[f"reps_{pk}"])
            for pk, item in self.items.items()
        ]


class SessionEditForm(SessionForm):
    """The session form of the edit page, which also sends back the version of the session
    it showed (patients.practice_log.session_version)."""

    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def _did(self, pk: int) -> bool:
        """Ticked, only: this page shows a session's amounts already written in, and a
        patient takes an exercise out by unticking it (its amount left as it was)."""
        return bool(self.cleaned_data.get(f"done_{pk}"))

    def clean(self) -> dict:
        data = super().clean()
        # Not sent at all: a page from before this check.
        self.seen = data.pop("seen", "") if self.add_prefix("seen") in self.data else None
        return data

    def changed_meanwhile(self, session, version: str) -> None:
        """Show the patient's entries again, with what the session says now, and take its
        version: saving again keeps their entries, knowingly."""
        data = self.data.copy()
        data[self.add_prefix("seen")] = version
        self.data = data
        self.add_error(
            None,
            format_lazy(
                _(
                    "This session was changed somewhere else (another tab or your phone) "
                    "after you opened this page. It now says pain {pain} out of 10. Nothing "
                    "here is saved yet. Check your answers below, then save again to keep "
                    "them."
                ),
                pain=session.pain,
            ),
        )


def signs_field(rules: StopRules | None) -> forms.MultipleChoiceField:
    """The warning signs of the patient's program, to tick (programs.safety)."""
    signs = [*rules.stop, *rules.urgent] if rules else []
    return forms.MultipleChoiceField(
        label=_("Since your last session, have you had any of these?"),
        choices=[(sign, sign) for sign in signs],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Please tick only the signs in the list.")},
    )


class SymptomForm(forms.Form):
    """Reporting a warning sign on its own, without logging a session."""

    def __init__(self, *args, rules: StopRules, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        self.fields["signs"] = signs_field(rules)
        self.fields["signs"].required = True
        self.fields["signs"].error_messages["required"] = _("Tick what you noticed.")


class MorningCheckForm(forms.Form):
    compared = forms.ChoiceField(
        label=_("Compared with before you exercised, you feel…"),
        choices=MorningCheck.Compared.choices,
        widget=forms.RadioSelect,
    )
    pain = forms.TypedChoiceField(
        label=_("Your pain this morning (0 = none, 10 = worst)"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a number from 0 to 10.")},
    )
