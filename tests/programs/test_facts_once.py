"""Facts stated once. The builder shows every field of its row form: which fields appear
is decided by the form, not by a list typed into the template (a new dosage field was once
silently left out because the template picked fields by a substring test on a literal
string). The exercise timer's limits come from the model (they had drifted: 20 sets in the
script, 10 in the model). The pain guide is one list, on Today and in the handout (they said
"acceptable if it settles by tomorrow morning" and "Acceptable, if it settles by the next
morning")."""

from __future__ import annotations

import json
import re

import pytest
from django import forms
from django.core.exceptions import ValidationError

from patients.services import patient_program_start
from programs import dosage
from programs.builder.forms import ItemForm
from programs.models import Program, ProgramItem
from programs.pain_guide import ACCEPTABLE_AT_MOST, pain_guide


@pytest.fixture
def builder_url(patient_a1, clinician_a) -> str:
    from tests.conftest import actor_of

    program = patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    return f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/edit/"


def test_every_visible_field_of_a_row_is_on_the_page(as_clinician_a, builder_url):
    page = as_clinician_a.get(builder_url).content.decode()
    for field in ItemForm().visible_fields():
        assert f'name="items-0-{field.name}"' in page, field.name


def test_a_field_added_to_the_row_form_is_shown_without_touching_the_template(
    as_clinician_a, builder_url, monkeypatch
):
    tempo = forms.IntegerField(required=False, label="Tempo")
    monkeypatch.setitem(ItemForm.base_fields, "tempo", tempo)
    page = as_clinician_a.get(builder_url).content.decode()
    assert 'name="items-0-tempo"' in page


def test_an_error_in_a_field_under_more_opens_it(as_clinician_a, builder_url):
    page = as_clinician_a.get(builder_url).content.decode()
    assert '<details class="builder-more mt-2">' in page
    data = {
        "action": "save",
        "revision": "1",
        "title": "Back care",
        "items-TOTAL_FORMS": "1",
        "items-0-exercise": str(
            Program.objects.get(template_key="low-back-early-movement").items.first().exercise.uuid
        ),
        "items-0-sets": "1",
        "items-0-reps": "10",
        "items-0-hold_seconds": "0",
        "items-0-rest_seconds": "9999",
        "items-0-times_per_day": "1",
        "items-0-days_per_week": "7",
        "items-0-side": "both",
    }
    page = as_clinician_a.post(builder_url, data).content.decode()
    assert '<details class="builder-more mt-2" open>' in page


def test_the_dosage_limits_are_the_models_validators():
    found = dosage.limits()
    for name, (low, high) in found.items():
        field = ProgramItem._meta.get_field(name)
        field.run_validators(high)
        field.run_validators(low)
        with pytest.raises(ValidationError):
            field.run_validators(high + 1)
    assert found["sets"] == [1, 10]


def test_the_patient_pages_give_the_timer_the_models_limits(as_patient_a1, program_a1):
    page = as_patient_a1.get("/me/").content.decode()
    match = re.search(r'<script id="dosage-limits" type="application/json">(.*?)</script>', page)
    assert match and json.loads(match.group(1)) == dosage.limits()


def test_today_gives_the_pain_guide_of_the_handout(as_patient_a1, program_a1):
    page = as_patient_a1.get("/me/").content.decode()
    bands = pain_guide()
    assert [band.pain for band in bands] == ["0 to 3", "4 to 5", f"Above {ACCEPTABLE_AT_MOST}"]
    for band in bands:
        assert f'<span class="fw-semibold">{band.pain}:</span> {band.advice}</li>' in page
