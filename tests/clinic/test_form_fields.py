"""clinic/lib/form_fields.py: forms whose fields are copied lightly (and translated once)
behave and draw as forms whose fields Django deep-copies, and each form's fields are its
own."""

from __future__ import annotations

import copy
from itertools import count

import pytest
from django import forms
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy

from clinic.lib.form_fields import LightlyCopiedFields, copy_fields_lightly
from programs.builder.forms import ItemForm, ProgramForm
from programs.models import Exercise, Program

ROW = {
    "exercise": "9b2f6c1e-8a4b-4c7e-9d3a-2f1e0c4b5a6d",
    "sets": "2",
    "reps": "10",
    "hold_seconds": "5",
    "rest_seconds": "30",
    "times_per_day": "1",
    "days_per_week": "7",
    "side": "both",
    "load_kind": "band",
    "load_band": "red",
    "notes": "Slowly <b>&</b>",
    "weekdays": ["1", "3"],
}
BAD_ROW = ROW | {
    "sets": "-1",
    "reps": "x",
    "side": "<nowhere>",
    "load_kind": "kg",
    "load_band": "purple",
    "weekdays": ["9"],
    "notes": "n" * 400,
}


def posted(row: dict) -> dict:
    """A row as the builder posts it: the third row of the formset."""
    return {f"items-3-{name}": value for name, value in row.items()}


def django_copying(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """The same form, its fields deep-copied for each form as Django does."""
    reference = type(f"Django{form_class.__name__}", (form_class,), {})
    reference.base_fields = copy.deepcopy(dict(form_class.base_fields))
    return reference


def drawn(form: forms.BaseForm) -> dict:
    form.is_bound and form.is_valid()
    return {
        name: (
            str(form[name]),
            str(form[name].label),
            str(form[name].help_text),
            list(form[name].errors),
            [(str(box.choice_label), box.tag()) for box in form[name]]
            if isinstance(form.fields[name].widget, forms.RadioSelect)
            else [],
        )
        for name in form.fields
    }


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "kwargs",
    [{"initial": ROW}, {"data": posted(ROW)}, {"data": posted(BAD_ROW)}, {"data": {}}],
    ids=["initial", "valid", "invalid", "empty"],
)
def test_a_program_row_draws_and_validates_as_with_djangos_copies(kwargs, language):
    with translation.override(language):
        light = ItemForm(prefix="items-3", **kwargs)
        reference = django_copying(ItemForm)(prefix="items-3", **kwargs)
        assert drawn(light) == drawn(reference)
        if light.is_bound:
            assert light.is_valid() == (kwargs["data"] == posted(ROW)) == reference.is_valid()
            assert light.errors == reference.errors
            assert light.cleaned_data == reference.cleaned_data


@pytest.mark.parametrize("is_template", [False, True])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_program_form_draws_as_with_djangos_copies(db, is_template, language):
    program = Program.objects.filter(is_template=is_template).first()
    data = {"title": "", "status": "nope", "start_date": "2026-05-05", "review_date": "x"}
    with translation.override(language):
        for kwargs in ({"instance": program}, {"instance": program, "data": data}):
            light = ProgramForm(is_template=is_template, **kwargs)
            reference = django_copying(ProgramForm)(is_template=is_template, **kwargs)
            assert drawn(light) == drawn(reference)


def test_a_program_rows_words_are_plain_text_in_the_pages_language():
    mondays = set()
    for language in ("en", "es"):
        with translation.override(language):
            form = ItemForm()
            assert type(form.fields["sets"].label) is str
            assert form.fields["sets"].label == translation.gettext("Sets")
            assert type(form.fields["reps"].help_text) is str
            labels = dict(form.fields["side"].choices)
            assert all(type(label) is str for label in labels.values())
            assert labels["both"] == translation.gettext("Both sides")
            monday = dict(form.fields["weekdays"].choices)[0]
            assert type(monday) is str
            assert monday == str(WEEKDAYS_ABBR[0])
            mondays.add(monday)
            # The blank choice a model's optional field adds is worked out once, not per read.
            assert isinstance(form.fields["load_band"].choices, list)
            assert form.fields["load_band"].choices[0][0] == ""
    assert len(mondays) == 2  # "Mon", "lun"


def test_each_form_has_fields_of_its_own():
    first, second = ItemForm(), ItemForm()
    field = first.fields["side"]
    field.widget.attrs["data-x"] = "1"
    field.validators.append(lambda value: None)
    field.error_messages["required"] = "changed"
    field.choices.append(("up", "Upside down"))
    field.widget.choices.append(("up", "Upside down"))
    field.label = "Changed"
    for other in (second.fields["side"], ItemForm.base_fields["side"], ItemForm().fields["side"]):
        assert "data-x" not in other.widget.attrs
        assert len(other.validators) == len(field.validators) - 1
        assert other.error_messages["required"] != "changed"
        assert ("up", "Upside down") not in list(other.choices)
        assert ("up", "Upside down") not in list(other.widget.choices)
        assert other.label != "Changed"
        assert other is not field
        assert other.widget is not field.widget


def test_choices_made_by_a_function_are_made_for_each_form():
    made = count()

    @copy_fields_lightly(translated=True)
    class Form(forms.Form):
        pick = forms.ChoiceField(choices=lambda: [(str(next(made)), gettext_lazy("Both sides"))])

    assert str(Form()["pick"]) != str(Form()["pick"])


def test_fields_with_copies_of_their_own_are_deep_copied(db):
    @copy_fields_lightly()
    class Form(forms.Form):
        exercise = forms.ModelChoiceField(queryset=Exercise.objects.all())
        when = forms.SplitDateTimeField()

    assert isinstance(Form.base_fields, LightlyCopiedFields)
    form = Form()
    base = Form.base_fields
    assert form.fields["exercise"].queryset is not base["exercise"].queryset
    assert form.fields["when"].widget.widgets[0] is not base["when"].widget.widgets[0]


def test_another_catalogue_is_read_again(settings, tmp_path):
    with translation.override("es"):
        ItemForm()
    assert ItemForm.base_fields.languages
    settings.LOCALE_PATHS = [tmp_path]
    assert not ItemForm.base_fields.languages
