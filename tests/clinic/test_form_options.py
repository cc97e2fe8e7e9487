"""clinic/templatetags/form_options.py: the options a template draws by hand are the ones
Django's own iteration of the field gives (same ids, values, labels and checked state),
so every label still points at its input."""

from __future__ import annotations

import pytest
from django import forms

from clinic.templatetags.form_options import options


class Scales(forms.Form):
    pain = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(11)], coerce=int, widget=forms.RadioSelect
    )
    signs = forms.MultipleChoiceField(
        choices=[("numb", "numbness"), ("fever", "fever"), ("fall", "a fall")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mood = forms.ChoiceField(
        choices=[("", "—"), ("up", "Better"), ("up", "Better again")],
        widget=forms.RadioSelect(attrs={"id": "chosen-mood"}),
        required=False,
    )


def djangos(field) -> list[tuple]:
    return [
        (str(r.data["value"]), r.id_for_label, r.choice_label, bool(r.data["selected"]))
        for r in field
    ]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"pain": "4", "signs": ["numb", "fall"], "mood": "up"},
        {"pain": "not a number", "signs": ["fever"]},
    ],
)
@pytest.mark.parametrize("auto_id", ["id_%s", "f-%s", False])
def test_options_are_djangos_own(data, auto_id):
    form = Scales(data, auto_id=auto_id, initial={"pain": 2})
    for name in ("pain", "signs", "mood"):
        assert [tuple(o) for o in options(form[name])] == djangos(form[name]), name


def test_a_single_choice_checks_only_the_first_match():
    # Two options share a value: Django checks only the first, and so do we.
    checked = [o.checked for o in options(Scales({"mood": "up"})["mood"])]
    assert checked == [False, True, False]


def test_grouped_choices_are_refused_not_drawn_flat():
    class Grouped(forms.Form):
        pick = forms.ChoiceField(choices=[("Group", [("a", "A")])], widget=forms.RadioSelect)

    with pytest.raises(TypeError):
        options(Grouped()["pick"])
