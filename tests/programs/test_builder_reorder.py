"""The builder moves an exercise straight to a chosen position, in one round trip."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.http import QueryDict

from programs.builder.forms import ItemForm
from programs.builder.rows import BuilderState, Row, apply_action, posted_action
from programs.dosage import ITEM_FIELDS, describe_dosage
from programs.models import ProgramItem
from tests.conftest import spaced
from tests.programs.test_programs import builder_post, edit_url


def state(*names: str) -> BuilderState:
    return BuilderState([Row(values={"name": name}) for name in names])


def names(s: BuilderState) -> list[str]:
    return [row.values["name"] for row in s.rows]


def test_move_to_a_position():
    s = state("a", "b", "c", "d")
    apply_action(s, "move:3:1", clinic_id=None)
    assert names(s) == ["d", "a", "b", "c"]
    apply_action(s, "move:0:4", clinic_id=None)
    assert names(s) == ["a", "b", "c", "d"]


def test_out_of_range_positions_go_to_the_ends_and_nonsense_changes_nothing():
    s = state("a", "b", "c")
    apply_action(s, "move:1:99", clinic_id=None)
    assert names(s) == ["a", "c", "b"]
    apply_action(s, "move:2:-4", clinic_id=None)
    assert names(s) == ["b", "a", "c"]
    for action in ("move:9:1", "move:x:1", "move:1:", "move:1:" + "9" * 500, "move"):
        apply_action(s, action, clinic_id=None)
    assert names(s) == ["b", "a", "c"]


def test_the_move_button_reads_the_position_chosen_beside_it():
    data = QueryDict(mutable=True)
    data.update({"action": "move:2", "move_to_2": "1", "move_to_0": "3"})
    assert posted_action(data) == "move:2:1"
    data["action"] = "up:1"
    assert posted_action(data) == "up:1"


def test_the_dose_reads_as_one_line_from_what_was_typed():
    row = Row(
        values={
            "sets": "2",
            "reps": "10",
            "hold_seconds": "5",
            "times_per_day": "2",
            "days_per_week": "7",
            "side": "both",
            "weekdays": [],
        }
    )
    assert row.dose_line.startswith("2 sets of 10 reps")
    assert "hold 5 s" in spaced(row.dose_line) and "twice a day" in row.dose_line
    typed = Row(values={"reps": "abc", "hold_seconds": "30", "weekdays": ["0", "x"]})
    assert "abc" not in typed.dose_line and "hold 30 s" in spaced(typed.dose_line)
    # A number out of range is named, not drawn as a dose.
    negative = Row(values={"sets": "-3", "hold_seconds": "30", "weekdays": []})
    assert negative.dose_line == "Check these numbers: Sets (1 to 10)."
    assert "Mon" in typed.dose_line


@pytest.mark.parametrize(
    "load",
    [
        {"load_kind": "kg", "load_kg": "0"},
        {"load_kind": "kg", "load_kg": "2.5"},
        {"load_kind": "kg", "load_kg": "2"},
        {"load_kind": "effort", "load_effort": "0", "side": "alternating"},
        {"load_kind": "band", "load_band": "red", "side": "left"},
    ],
)
def test_the_builders_line_is_the_line_every_page_prints(load):
    """Found by the dose review: "8 reps" under the row, "8 reps · 0.0 kg" on the chart,
    Today and the handout; and "2 kg" under the row, "2.0 kg" everywhere else."""
    typed = {
        "sets": "1",
        "reps": "8",
        "hold_seconds": "0",
        "times_per_day": "1",
        "days_per_week": "7",
        **load,
    }
    form = ItemForm(data={**typed, "exercise": str(uuid.uuid4())})
    form.is_valid()
    saved = ProgramItem(**{name: form.cleaned_data.get(name) for name in ITEM_FIELDS})
    if saved.load_kg is not None:  # as the database gives it back: 0 as 0.0
        saved.load_kg = saved.load_kg.quantize(Decimal("0.1"))
    assert Row(values={**typed, "weekdays": []}).dose_line == describe_dosage(saved)


def test_each_rows_position_list_offers_every_position_with_its_own_chosen(
    as_clinician_a, patient_a1, program_a1
):
    """The lists are drawn in Python (programs/templatetags/builder.py), once per row."""
    count = program_a1.items.count()
    assert count >= 3
    page = as_clinician_a.get(
        f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/edit/"
    ).content.decode()
    for row in range(count):
        found = re.search(
            rf'id="move-to-{row}" name="move_to_{row}"[^>]*>(.*?)</select>', page, re.S
        )
        assert found is not None, row
        options = re.findall(r'<option value="(\d+)"( selected)?>(\d+)</option>', found.group(1))
        assert [int(value) for value, _, _ in options] == list(range(1, count + 1))
        assert [int(value) for value, chosen, _ in options if chosen] == [row + 1]
        assert all(value == label for value, _, label in options)


def test_the_breadcrumb_names_where_it_leads(as_clinician_a, membership_a, patient_a1, program_a1):
    """A bare "Back" did not say whether it led to the patient or to the templates."""
    from clinic.actors import Actor
    from programs.models import Program
    from programs.services import program_copy

    page = as_clinician_a.get(
        f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/edit/"
    ).content.decode()
    crumb = f'<li class="breadcrumb-item"><a href="/portal/patients/{patient_a1.uuid}/">'
    assert f"{crumb}{patient_a1.full_name}</a></li>" in page
    template = program_copy(
        source=Program.objects.get(template_key="low-back-early-movement"),
        clinic=membership_a.clinic,
        actor=Actor.for_member(membership_a),
        as_template=True,
    )
    page = as_clinician_a.get(f"/portal/templates/{template.uuid}/edit/").content.decode()
    assert '<li class="breadcrumb-item"><a href="/portal/templates/">Templates</a></li>' in page


def test_a_changed_number_redraws_only_the_dose_lines_and_minutes(
    as_clinician_a, patient_a1, program_a1, django_assert_max_num_queries
):
    """Each change of a dose field posts the builder (htmx, action "refresh"). It answered
    with the whole builder, library search included (103 KB, as much CPU as the page), of
    which the page takes one dose line and the minutes."""
    edit = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/edit/"
    data = builder_post(
        program_a1, **{"items-1-reps": "15", "items-1-sets": "2", "action": "refresh"}
    )
    with django_assert_max_num_queries(6):
        answer = as_clinician_a.post(edit, data, HTTP_HX_REQUEST="true")
    page = answer.content.decode()
    line = re.search(r'<p class="dose-line[^"]*" id="dose-line-1"[^>]*>(.*?)</p>', page).group(1)
    assert "2 sets of 15 reps" in line
    assert len(re.findall('class="dose-line', page)) == program_a1.items.count()
    assert 'id="program-minutes"' in page
    assert "<form" not in page and "library" not in page.lower()
    # Without htmx (Enter pressed in a field, scripts off) it is the whole page, as before.
    whole = as_clinician_a.post(edit, data).content.decode()
    assert "<form" in whole and "2 sets of 15 reps" in whole


def test_a_number_out_of_range_is_named_not_drawn_as_a_dose(as_clinician_a, patient_a1, program_a1):
    """Found by the portal review: sets 9999, reps 100000 and per day 0 were drawn as
    "9999 sets of 100000 reps … once a day", and the program as "About 66660011 min per
    session", while saving refused them."""
    edit = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/edit/"
    typed = {"items-0-sets": "9999", "items-0-reps": "100000", "items-0-times_per_day": "0"}
    data = builder_post(program_a1, **typed, action="refresh")
    page = as_clinician_a.post(edit, data, HTTP_HX_REQUEST="true").content.decode()
    line = re.search(r'<p class="dose-line([^"]*)" id="dose-line-0"[^>]*>(.*?)</p>', page)
    assert "text-danger" in line.group(1)
    assert "Check these numbers: Sets (1 to 10), Reps (1 to 100), Per day (1 to 10)." in line.group(
        2
    )
    assert "9999" not in line.group(2)
    minutes = re.search(r'id="program-minutes"[^>]*>(.*?)</', page, re.S).group(1)
    assert not re.search(r"\d{4,}", minutes), minutes


def test_every_whole_builder_page_of_a_patients_program_is_an_audited_read(
    as_clinician_a, patient_a1, program_a1
):
    """Found by review: only opening the builder was audited; an Add, Move or refused Save
    draws the patient's name, program and precautions again, unrecorded. The dose-line
    redraw echoes the numbers posted and reads nothing of the record."""
    from clinic.models import AuditEvent

    edit = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/edit/"
    reads = AuditEvent.objects.filter(action="program.view", patient_uuid=patient_a1.uuid)
    as_clinician_a.get(edit)
    assert reads.count() == 1
    moved = as_clinician_a.post(edit, builder_post(program_a1, action="down:0"))
    assert moved.status_code == 200 and patient_a1.full_name in moved.content.decode()
    assert reads.count() == 2
    as_clinician_a.post(edit, builder_post(program_a1, action="refresh"), HTTP_HX_REQUEST="true")
    assert reads.count() == 2


def test_completing_is_not_offered_in_the_builder_but_on_the_patients_page(
    as_clinician_a, patient_a1, program_a1
):
    """Found by review: "Completed" saved in the builder skipped the discharge: the
    questionnaires set for discharge were never asked and their schedule went on asking
    for months. The one way to complete is the chart's "Mark completed"."""
    edit = edit_url(patient_a1, program_a1)
    page = as_clinician_a.get(edit).content.decode()
    assert 'value="completed"' not in page and "Mark completed" in page
    refused = as_clinician_a.post(edit, builder_post(program_a1, status="completed"))
    assert refused.status_code == 200
    program_a1.refresh_from_db()
    assert program_a1.status == "active"


def test_a_completed_programs_builder_shows_it_completed_and_keeps_its_notes_editable(
    as_clinician_a, patient_a1, program_a1
):
    """Found by review of the change above: a program completed already lost its status
    from the list (the page said "Active"), and every save of it was refused."""
    status = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/status/"
    as_clinician_a.post(status, {"status": "completed", "confirm": "1"})
    program_a1.refresh_from_db()
    edit = edit_url(patient_a1, program_a1)
    page = as_clinician_a.get(edit).content.decode()
    assert '<option value="completed" selected>' in page
    saved = as_clinician_a.post(edit, builder_post(program_a1, patient_notes="Typo corrected"))
    assert saved.status_code == 302
    program_a1.refresh_from_db()
    assert (program_a1.status, program_a1.patient_notes) == ("completed", "Typo corrected")
