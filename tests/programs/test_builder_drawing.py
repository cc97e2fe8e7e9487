"""The builder's row markup drawn in Python (programs/templatetags/builder.py) is the
markup its template loops drew, character for character, errors included."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from programs.builder.forms import ItemForm
from programs.templatetags.builder import dose_field, weekday_boxes
from tests.clinic.test_form_fields import BAD_ROW, ROW, posted

DOSE_FIELD = Template(
    '<label class="form-label small mb-0 text-muted text-nowrap" for="{{ field.id_for_label }}">'
    "{{ field.label|capfirst }}</label>\n{{ field }}\n"
    '{% if field.help_text %}<span class="visually-hidden" id="{{ field.auto_id }}_helptext">'
    "{{ field.help_text }}</span>{% endif %}"
    '{% for error in field.errors %}<div class="invalid-feedback d-block small">{{ error }}</div>'
    "{% endfor %}"
)
WEEKDAY_BOXES = Template(
    '{% for box in field %}<label class="form-check form-check-inline small mb-0">'
    "{{ box.tag }} {{ box.choice_label }}</label>{% endfor %}"
)

FORMS = [{"initial": ROW}, {"data": posted(ROW)}, {"data": posted(BAD_ROW)}, {"data": {}}]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kwargs", FORMS, ids=["initial", "valid", "invalid", "empty"])
def test_dose_fields_and_day_boxes_draw_as_the_template_did(kwargs, language):
    with translation.override(language):
        form = ItemForm(prefix="items-3", **kwargs)
        fields = [*form.main_fields(), *form.more_fields()]
        assert len(fields) > 10
        drawn = [dose_field(field) for field in fields]
        assert drawn == [DOSE_FIELD.render(Context({"field": field})) for field in fields]
        assert ("invalid-feedback" in "".join(drawn)) == (
            "data" in kwargs and kwargs["data"] != posted(ROW)
        )
        days = form["weekdays"]
        assert weekday_boxes(days) == WEEKDAY_BOXES.render(Context({"field": days}))
        assert weekday_boxes(days).count("<input") == 7
