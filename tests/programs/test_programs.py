from __future__ import annotations

import importlib
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from clinic.actors import Actor
from clinic.models import AuditEvent, Membership
from patients.models import PatientProgram
from patients.services import patient_program_start
from programs.builder.rows import BuilderState, apply_action, rows_from_items
from programs.content.exercises import EXERCISES
from programs.dosage import describe_dosage, estimate_minutes, fill_step, session_seconds
from programs.models import Exercise, ExerciseCue, Program, ProgramItem, ProgramRevision
from programs.services import ProgramConflict, exercise_copy, program_copy, program_save
from tests.conftest import client_for, revise, spaced, sqlite_plan
from tests.programs.test_handout_layout import FIELDS


@pytest.fixture
def program_template() -> str:
    """program_a1 (tests/conftest.py) is copied from this template here."""
    return "low-back-early-movement"


@pytest.fixture
def early_movement(program_template):
    return Program.objects.get(template_key=program_template)


def edit_url(patient, program) -> str:
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/edit/"


def builder_post(program, **changes) -> dict:
    """The builder form as the page would submit it for the saved program."""
    data = {
        "action": "save",
        "revision": str(program.revision),
        "title": program.title,
        "goal": program.goal,
        "patient_notes": program.patient_notes,
        "status": program.status,
        "start_date": program.start_date.isoformat() if program.start_date else "",
        "items-INITIAL_FORMS": "0",
    }
    items = list(program.items.select_related("exercise"))
    data["items-TOTAL_FORMS"] = str(len(items))
    for i, item in enumerate(items):
        prefix = f"items-{i}-"
        data[prefix + "id"] = str(item.pk)
        data[prefix + "exercise"] = str(item.exercise.uuid)
        for name in FIELDS:
            value = getattr(item, name)
            data[prefix + name] = "" if value is None else str(value)
    data.update(changes)
    return data


def test_migrate_installs_the_shared_library_and_templates(db):
    assert Exercise.objects.filter(clinic=None).count() >= 80
    assert Program.objects.filter(clinic=None, is_template=True).count() >= 12
    bridge = Exercise.objects.get(slug="glute-bridge")
    assert bridge.cues.count() >= 4 and bridge.reps and bridge.illustration == "glute-bridge"


def test_assigning_a_template_makes_the_patients_own_copy(program_a1, patient_a1, early_movement):
    assert program_a1.pk != early_movement.pk and not program_a1.is_template
    assert PatientProgram.objects.get(program=program_a1).patient == patient_a1
    copied = [(i.exercise_id, i.reps, i.hold_seconds) for i in program_a1.items.all()]
    original = [(i.exercise_id, i.reps, i.hold_seconds) for i in early_movement.items.all()]
    assert copied == original
    assert program_a1.revisions.get().number == 1
    event = AuditEvent.objects.get(action="program.create")
    assert event.patient_uuid == patient_a1.uuid


def test_assigning_from_the_chart_takes_one_click(as_clinician_a, patient_a1, early_movement):
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/start/",
        {"template": str(early_movement.uuid)},
    )
    program = Program.objects.get(assignment__patient=patient_a1)
    assert response["Location"] == edit_url(patient_a1, program)


def test_a_new_program_asks_first_then_completes_the_current_one(
    as_clinician_a, patient_a1, program_a1, early_movement
):
    url = f"/portal/patients/{patient_a1.uuid}/programs/start/"
    ask = as_clinician_a.post(url, {"template": str(early_movement.uuid)})
    assert ask.status_code == 200 and "will be marked completed" in ask.content.decode()
    assert Program.objects.filter(assignment__patient=patient_a1).count() == 1
    as_clinician_a.post(url, {"template": str(early_movement.uuid), "confirm": "1"})
    statuses = sorted(
        Program.objects.filter(assignment__patient=patient_a1).values_list("status", flat=True)
    )
    assert statuses == ["active", "completed"]


@pytest.mark.parametrize("question", ["start", "complete"])
def test_a_question_that_names_the_current_program_audits_the_read(
    as_clinician_a, clinician_a, patient_a1, program_a1, question
):
    """ "Start a new program?" and "Mark completed?" name the patient and their current
    program ("Amara's current program, “…”, will be marked completed"): a clinician who
    then cancels has read the record, and the audit log must say so (found by review)."""
    if question == "start":
        core = Program.objects.get(template_key="low-back-core-stability")
        url, data = "programs/start/", {"template": str(core.uuid)}
    else:
        url, data = f"programs/{program_a1.uuid}/status/", {"status": "completed"}
    asked = as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/{url}", data)
    assert asked.status_code == 200
    assert program_a1.title in asked.content.decode()
    event = AuditEvent.objects.get(actor=clinician_a, action="program.view")
    assert (event.patient_uuid, event.object_id) == (patient_a1.uuid, str(program_a1.uuid))


def test_a_stale_resume_never_gives_the_patient_two_current_programs(
    as_clinician_a, clinician_a, patient_a1, program_a1
):
    """One chart in two windows: the program is paused in the first, a new program started
    in the second (the paused one is completed), then Resume is clicked in the first."""
    base = f"/portal/patients/{patient_a1.uuid}/programs"
    as_clinician_a.post(f"{base}/{program_a1.uuid}/status/", {"status": "paused"})
    core = Program.objects.get(template_key="low-back-core-stability")
    client_for(clinician_a).post(f"{base}/start/", {"template": str(core.uuid), "confirm": "1"})
    new = Program.objects.current_for(patient_a1).get()
    assert new != program_a1
    resumed = as_clinician_a.post(
        f"{base}/{program_a1.uuid}/status/", {"status": "active"}, follow=True
    )
    assert list(Program.objects.current_for(patient_a1)) == [new]
    program_a1.refresh_from_db()
    assert program_a1.status == "completed"
    assert "start it again from the earlier programs" in resumed.content.decode()


def test_the_builder_cannot_make_a_completed_program_current_again(
    as_clinician_a, patient_a1, program_a1, early_movement
):
    start = f"/portal/patients/{patient_a1.uuid}/programs/start/"
    as_clinician_a.post(start, {"template": str(early_movement.uuid), "confirm": "1"})
    program_a1.refresh_from_db()
    response = as_clinician_a.post(
        edit_url(patient_a1, program_a1), builder_post(program_a1, status="active")
    )
    assert response.status_code == 200
    assert "start it again from the earlier programs" in response.content.decode()
    program_a1.refresh_from_db()
    assert program_a1.status == "completed"
    assert Program.objects.current_for(patient_a1).count() == 1


def test_saving_in_the_builder_creates_revision_two_with_a_summary(
    as_clinician_a, patient_a1, program_a1
):
    first = program_a1.items.order_by("order").first()
    response = as_clinician_a.post(
        edit_url(patient_a1, program_a1), builder_post(program_a1, **{"items-0-reps": "12"})
    )
    assert response.status_code == 302
    program_a1.refresh_from_db()
    assert program_a1.revision == 2
    first.refresh_from_db()
    assert first.reps == 12
    revision = program_a1.revisions.get(number=2)
    assert (
        "changed dosage of" in revision.summary.lower() and first.exercise.name in revision.summary
    )
    assert revision.snapshot["items"][0]["reps"] == 12


def test_history_keeps_what_was_prescribed_before(as_clinician_a, patient_a1, program_a1):
    as_clinician_a.post(
        edit_url(patient_a1, program_a1), builder_post(program_a1, **{"items-0-reps": "15"})
    )
    history = as_clinician_a.get(
        f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/history/"
    )
    body = history.content.decode()
    assert "Revision 2" in body and "Revision 1" in body
    assert "15 reps" in body and "10 reps" in body


def _revise_many(program, membership, times: int, start: int = 0, reps: int | None = None):
    items = [
        {"exercise": i.exercise, "order": i.order, "sets": i.sets, "reps": reps or i.reps}
        for i in program.items.order_by("order")
    ]
    for n in range(start, start + times):
        revise(program, membership, items, {"title": f"Core stability {n}"})


def history_url(patient, program) -> str:
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/history/"


def test_history_prints_a_revisions_dates_as_every_other_date(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    """Found by review: "from 2026-11-07", kept as text in the revision, beside "6 Dec
    2026" everywhere else."""
    from datetime import date

    revise(
        program_a1,
        membership_a,
        [{"exercise": i.exercise, "order": i.order} for i in program_a1.items.order_by("order")],
        {"start_date": date(2026, 11, 7), "review_date": date(2026, 12, 5)},
    )
    page = as_clinician_a.get(history_url(patient_a1, program_a1)).content.decode()
    assert "from 7 Nov 2026" in page and "review 5 Dec 2026" in page
    assert "2026-11-07" not in page


def test_program_history_is_paged(as_clinician_a, membership_a, patient_a1, program_a1):
    """A program adjusted at every visit for months: its history was one page of every
    revision."""
    _revise_many(program_a1, membership_a, 60)
    page = as_clinician_a.get(history_url(patient_a1, program_a1)).content.decode()
    shown = len(re.findall(r"Revision \d+", page))
    assert shown <= 50 and "Page 1 of" in page, f"{shown} revisions on one page"


def test_each_history_page_keeps_each_revisions_changes_and_one_current(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    _revise_many(program_a1, membership_a, 3)  # revisions 2..4: the title
    _revise_many(program_a1, membership_a, 1, start=3, reps=14)  # 5: the dosage too
    _revise_many(program_a1, membership_a, 20, start=4, reps=14)  # 6..25: the title
    url = history_url(patient_a1, program_a1)
    first = as_clinician_a.get(url).content.decode()
    assert re.findall(r"Revision (\d+)", first) == [str(n) for n in range(25, 5, -1)]
    assert first.count(">Current<") == 1 and "Page 1 of 2" in first
    last = as_clinician_a.get(url + "?page=2").content.decode()
    assert re.findall(r"Revision (\d+)", last) == ["5", "4", "3", "2", "1"]
    assert ">Current<" not in last and "Page 2 of 2" in last
    # What revision 5 changed from revision 4 is said beside it, whatever the page break
    # between it and revision 6 (which changed the title only).
    five = last[last.index('id="rev-5"') : last.index('id="rev-4"')]
    assert "changed dosage" in five.lower() and "14 reps" in five
    six = first[first.index('id="rev-6"') :]
    assert "changed dosage" not in six.lower() and "14 reps" in six
    assert AuditEvent.objects.filter(action="program.history").count() == 2


# Counted on this test's pages: the sign-in reads, the patient, the program, the audit
# write, the count, the page's revisions with their authors, and their handouts.
HISTORY_QUERIES = 9


def test_program_history_queries_are_pinned_whatever_the_revisions(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    url = history_url(patient_a1, program_a1)
    _revise_many(program_a1, membership_a, 3)
    few = count_queries(as_clinician_a, url)
    _revise_many(program_a1, membership_a, 50, start=3)
    assert count_queries(as_clinician_a, url) == few == HISTORY_QUERIES
    assert count_queries(as_clinician_a, url + "?page=3") == few


def test_add_remove_and_reorder_change_nothing_until_saved(as_clinician_a, patient_a1, program_a1):
    url = edit_url(patient_a1, program_a1)
    names = [i.exercise.name for i in program_a1.items.select_related("exercise")]
    moved = as_clinician_a.post(url, builder_post(program_a1, action="down:0"))
    shown = [row.exercise.name for _, row in moved.context["rows"]]
    assert shown == [names[1], names[0], *names[2:]]
    removed = as_clinician_a.post(url, builder_post(program_a1, action="remove:1"))
    assert len(removed.context["rows"]) == len(names) - 1
    bridge = Exercise.objects.get(slug="glute-bridge")
    added = as_clinician_a.post(url, builder_post(program_a1, action=f"add:{bridge.uuid}"))
    assert added.context["rows"][-1][1].exercise == bridge
    assert added.context["rows"][-1][0].initial["reps"] == bridge.reps  # library default dosage
    program_a1.refresh_from_db()
    assert program_a1.revision == 1
    assert [i.exercise.name for i in program_a1.items.select_related("exercise")] == names


def test_reorder_then_save_keeps_the_new_order_and_item_ids(membership_a, program_a1):
    items = list(program_a1.items.select_related("exercise"))
    state = BuilderState(rows_from_items(items))
    apply_action(state, "up:2", membership_a.clinic_id)
    rows = [
        {"id": r.values["id"], "exercise": r.exercise, "reps": r.values["reps"]} for r in state.rows
    ]
    saved = program_save(
        program=program_a1,
        actor=Actor.for_member(membership_a),
        expected_revision=1,
        fields={},
        items=rows,
    )
    reordered = list(saved.items.all())
    assert [i.pk for i in reordered] == [
        items[0].pk,
        items[2].pk,
        items[1].pk,
        *[i.pk for i in items[3:]],
    ]
    assert [i.order for i in reordered] == list(range(1, len(items) + 1))
    assert saved.revisions.get(number=2).summary == "Changed the order"


def test_a_second_concurrent_save_is_refused_with_who_and_when(
    as_clinician_a, as_admin_a, admin_a, patient_a1, program_a1
):
    url = edit_url(patient_a1, program_a1)
    stale = builder_post(program_a1, **{"items-0-reps": "20"})
    as_admin_a.post(url, builder_post(program_a1, **{"items-0-reps": "11"}))
    response = as_clinician_a.post(url, stale)
    body = response.content.decode()
    assert response.status_code == 200
    assert "changed by Ada Admin" in body and "Reload" in body
    program_a1.refresh_from_db()
    assert program_a1.revision == 2
    assert program_a1.items.order_by("order").first().reps == 11


def test_the_service_refuses_a_stale_revision(membership_a, program_a1):
    before = ProgramItem.objects.filter(program=program_a1).count()
    with pytest.raises(ProgramConflict):
        program_save(
            program=program_a1,
            actor=Actor.for_member(membership_a),
            expected_revision=0,
            fields={},
            items=[],
        )
    assert before and ProgramItem.objects.filter(program=program_a1).count() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("items-0-reps", "101", "less than or equal to 100"),
        ("items-0-reps", "0", "greater than or equal to 1"),
        ("items-0-hold_seconds", "601", "less than or equal to 600"),
        ("items-0-times_per_day", "11", "less than or equal to 10"),
        ("items-0-days_per_week", "8", "less than or equal to 7"),
        ("items-0-sets", "abc", "Enter a whole number"),
        ("items-0-side", "upside-down", "Select a valid choice"),
        ("items-0-notes", "x" * 301, "at most 300 characters"),
        ("title", "", "This field is required"),
        ("review_date", "2000-01-01", "cannot be before the start date"),
    ],
)
def test_bad_dosage_gets_a_clear_message_and_saves_nothing(
    as_clinician_a, patient_a1, program_a1, field, value, message
):
    response = as_clinician_a.post(
        edit_url(patient_a1, program_a1), builder_post(program_a1, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    program_a1.refresh_from_db()
    assert (
        program_a1.revision == 1 and ProgramRevision.objects.filter(program=program_a1).count() == 1
    )


def test_an_item_needs_reps_a_hold_or_a_duration(as_clinician_a, patient_a1, program_a1):
    data = builder_post(program_a1, **{"items-0-reps": "", "items-0-hold_seconds": "0"})
    response = as_clinician_a.post(edit_url(patient_a1, program_a1), data)
    assert "Give the reps, a hold time or a duration" in response.content.decode()


def test_an_item_with_reps_and_a_time_is_refused(as_clinician_a, patient_a1, program_a1):
    """Saved, its dose line said "20 reps" while its steps said "march for 2 minutes": two
    amounts for one exercise (found by review)."""
    data = builder_post(program_a1, **{"items-0-reps": "20", "items-0-duration_seconds": "120"})
    response = as_clinician_a.post(edit_url(patient_a1, program_a1), data)
    assert "Give the reps or a time, not both" in response.content.decode()
    program_a1.refresh_from_db()
    assert program_a1.revision == 1


def test_a_hold_as_long_as_the_time_is_refused(as_clinician_a, patient_a1, program_a1):
    """Saved, "5 s · hold 10 min" was printed, its step said "hold for 10 minutes", and
    Today's timer counted 5 s (found by the dose review)."""
    data = builder_post(
        program_a1,
        **{"items-0-reps": "", "items-0-hold_seconds": "600", "items-0-duration_seconds": "5"},
    )
    response = as_clinician_a.post(edit_url(patient_a1, program_a1), data)
    assert "A hold must be shorter than the time" in response.content.decode()
    program_a1.refresh_from_db()
    assert program_a1.revision == 1
    # Holds inside a time are a dose: tense for 5 s, relax, for 5 minutes (the library's
    # own tense-and-relax).
    data["items-0-hold_seconds"] = "5"
    data["items-0-duration_seconds"] = "300"
    assert as_clinician_a.post(edit_url(patient_a1, program_a1), data).status_code == 302


def test_every_library_exercises_own_dose_passes_the_builders_rules(db):
    """Found by the review of today's diff: a rule on holds refused the library's own
    tense-and-relax, so every program with it could not be saved unchanged."""
    import uuid

    from programs.builder.forms import ItemForm
    from programs.dosage import ITEM_FIELDS

    for exercise in Exercise.objects.filter(clinic=None):
        dose = {
            name: getattr(exercise, name)
            for name in ITEM_FIELDS
            if hasattr(exercise, name) and getattr(exercise, name) is not None
        }
        form = ItemForm(data={**dose, "exercise": str(uuid.uuid4())})
        form.is_valid()
        assert not form.non_field_errors() and not form.errors.get("hold_seconds"), (
            exercise.slug,
            form.errors,
        )


def test_a_load_kind_needs_its_value(as_clinician_a, patient_a1, program_a1):
    data = builder_post(program_a1, **{"items-0-load_kind": "band"})
    assert (
        "choose “No load”"
        in as_clinician_a.post(edit_url(patient_a1, program_a1), data).content.decode()
    )
    data["items-0-load_band"] = "red"
    assert as_clinician_a.post(edit_url(patient_a1, program_a1), data).status_code == 302


def test_long_programs_and_duplicates_are_flagged(as_clinician_a, patient_a1, program_a1):
    url = edit_url(patient_a1, program_a1)
    data = builder_post(program_a1)
    for slug in ("glute-bridge", "bird-dog", "cat-cow"):
        exercise = Exercise.objects.get(slug=slug)
        response = as_clinician_a.post(url, {**data, "action": f"add:{exercise.uuid}"})
        data = rebuild(response)
    body = response.content.decode()
    assert "more than 6 exercises" in body
    assert "Listed twice: Cat-cow" in body


def rebuild(response) -> dict:
    """The next POST the page would send, from the rows it shows."""
    context = response.context
    data = {
        "action": "search",
        "revision": str(context["expected_revision"]),
        "title": "T",
        "status": "active",
    }
    data["items-TOTAL_FORMS"] = str(len(context["rows"]))
    data["items-INITIAL_FORMS"] = "0"
    for i, (_, row) in enumerate(context["rows"]):
        for name, value in row.values.items():
            if name != "weekdays":
                data[f"items-{i}-{name}"] = "" if value is None else str(value)
    return data


def test_a_program_is_capped_at_thirty_exercises(membership_a, program_a1):
    state = BuilderState(rows_from_items(list(program_a1.items.select_related("exercise"))))
    bridge = Exercise.objects.get(slug="glute-bridge")
    for _ in range(40):
        apply_action(state, f"add:{bridge.uuid}", membership_a.clinic_id)
    assert len(state.rows) == 30
    assert "at most 30 exercises" in state.messages[-1]


def test_minutes_are_estimated_from_the_dosage():
    class Item:
        sets, reps, hold_seconds, rest_seconds, duration_seconds = 2, 10, 5, 30, None
        times_per_day, side = 2, "each_side"

    # (10 reps × (4 s + 5 s hold) × 2 sets + 30 s rest) × 2 sides = 420 s = 7 min; twice a day
    assert estimate_minutes([Item()]) == (7, 14)


def test_the_dosage_line_reads_like_a_prescription(program_a1):
    item = program_a1.items.order_by("order").first()
    item.sets, item.reps, item.hold_seconds, item.times_per_day = 2, 10, 5, 2
    item.rest_seconds = 30
    item.weekdays, item.side, item.load_kind, item.load_band = 0b10101, "each_side", "band", "red"
    line = describe_dosage(item)
    assert spaced(line) == (
        "2 sets of 10 reps on each side · hold 5 s · rest 30 s between sets · twice a day · "
        "Mon, Wed, Fri · red band"
    )
    # A time keeps its unit on its line: a phone broke "hold 10 / s".
    assert "hold 5\N{NO-BREAK SPACE}s" in line and "rest 30\N{NO-BREAK SPACE}s" in line


def dose(**fields) -> str:
    return spaced(describe_dosage({"sets": 1, "times_per_day": 1, "days_per_week": 7, **fields}))


def test_rest_shows_only_between_sets():
    """Issue 13: "rest 30 s" on a one-set item left the patient asking: rest after what?"""
    assert "rest" not in dose(reps=10, hold_seconds=5, rest_seconds=30)
    assert "rest 30 s between sets" in dose(sets=2, reps=10, rest_seconds=30)
    assert "rest" not in dose(sets=2, reps=10, rest_seconds=0)


def test_the_side_says_whether_the_count_is_per_side_or_in_all():
    assert dose(reps=10, side="alternating").startswith("10 reps in all, alternating sides · ")
    assert dose(reps=10, side="each_side").startswith("10 reps on each side · ")
    assert dose(sets=2, reps=8, side="each_side").startswith("2 sets of 8 reps on each side · ")
    assert dose(reps=10, side="left").startswith("10 reps, left side only · ")
    assert dose(reps=10, side="affected").startswith("10 reps on your sore side · ")
    assert dose(reps=10, side="both").startswith("10 reps · ")
    # A hold alone is the amount: the side goes with it.
    assert dose(hold_seconds=30, side="each_side").startswith("hold 30 s on each side · ")
    assert dose(sets=3, duration_seconds=20, side="alternating").startswith(
        "3 sets of 20 s in all, alternating sides · "
    )


def test_times_a_day_are_words_not_multipliers():
    """ "2×" reads as "2 sets"; the line says "twice a day"."""
    assert "once a day" in dose(reps=10)
    assert "twice a day" in dose(reps=10, times_per_day=2)
    assert "3 times a day" in dose(reps=10, times_per_day=3)
    assert "×" not in dose(sets=3, reps=10, times_per_day=2)
    assert dose(reps=10, days_per_week=3).endswith("once a day · 3 days a week")
    assert dose(reps=10, days_per_week=1).endswith("1 day a week")


def test_sore_side_exercises_default_to_the_sore_side(db):
    """The pendulum and the quad set are done with the sore arm or knee only."""
    for slug in ("pendulum", "quad-set"):
        exercise = Exercise.objects.get(slug=slug, clinic=None)
        assert exercise.side == "affected"
        assert "sore side" in describe_dosage(exercise)
    quad_set = Program.objects.get(template_key="knee-basics").items.get(exercise__slug="quad-set")
    assert quad_set.side == "affected"
    assert session_seconds(quad_set) == session_seconds({**vars(quad_set), "side": "both"})


def test_existing_installs_get_the_corrected_library(db):
    """0002 installed the library once; 0004 runs the sync again, so a database made
    before this change loses the old defaults and texts. Prescriptions stay as they are."""
    from django.apps import apps

    migration = importlib.import_module(
        "programs.migrations.0004_side_sore_side_and_library_update"
    )
    pendulum = Exercise.objects.get(slug="pendulum", clinic=None)
    tilt = Exercise.objects.get(slug="pelvic-tilt", clinic=None)
    Exercise.objects.filter(pk=pendulum.pk).update(side="each_side", stop_if="Old rule.")
    tilt.cues.filter(kind="movement").update(text="Press your back down. Hold for 5 seconds.")
    template = Program.objects.get(template_key="knee-basics")
    template.items.filter(exercise__slug="quad-set").update(side="each_side")

    migration.update_library(apps, None)

    pendulum.refresh_from_db()
    assert pendulum.side == "affected" and pendulum.stop_if != "Old rule."
    assert "{hold}" in tilt.cues.get(kind="movement").text
    assert template.items.get(exercise__slug="quad-set").side == "affected"
    assert Exercise.objects.filter(clinic=None).count() == len(EXERCISES)


def test_other_clinics_cannot_see_copy_or_use_our_custom_exercises_and_templates(
    membership_a, as_clinician_b, clinician_b, patient_b1, early_movement
):
    ours = exercise_copy(
        actor=Actor.for_member(membership_a), source=Exercise.objects.get(slug="cat-cow")
    )
    template = program_copy(
        source=early_movement,
        clinic=membership_a.clinic,
        actor=Actor.for_member(membership_a),
        as_template=True,
    )
    assert ours.name not in as_clinician_b.get("/portal/library/?q=cat").content.decode()
    assert as_clinician_b.get(f"/portal/library/{ours.uuid}/").status_code == 404
    assert (
        as_clinician_b.post(f"/portal/library/{ours.uuid}/copy/").status_code == 403
    )  # not an admin
    assert as_clinician_b.get(f"/portal/templates/{template.uuid}/edit/").status_code == 404
    assert str(template.uuid) not in as_clinician_b.get("/portal/templates/").content.decode()
    assert (
        str(template.uuid)
        in client_for(membership_a.user).get("/portal/templates/").content.decode()
    )
    start = as_clinician_b.post(
        f"/portal/patients/{patient_b1.uuid}/programs/start/",
        {"template": str(template.uuid)},
        follow=True,
    )
    assert "not available" in start.content.decode()
    assert not Program.objects.filter(assignment__patient=patient_b1).exists()
    mine = patient_program_start(
        actor=Actor.for_member(Membership.objects.get(user=clinician_b)),
        patient=patient_b1,
        source=early_movement,
    )
    added = as_clinician_b.post(
        edit_url(patient_b1, mine), builder_post(mine, action=f"add:{ours.uuid}")
    )
    assert "That exercise is not available." in added.content.decode()
    smuggled = as_clinician_b.post(
        edit_url(patient_b1, mine), builder_post(mine, **{"items-0-exercise": str(ours.uuid)})
    )
    assert "not available to your clinic" in smuggled.content.decode()
    assert ours.pk not in set(mine.items.values_list("exercise_id", flat=True))


def test_shared_exercises_are_read_only(as_admin_a):
    shared = Exercise.objects.get(slug="cat-cow")
    assert as_admin_a.get(f"/portal/library/{shared.uuid}/edit/").status_code == 403
    copied = as_admin_a.post(f"/portal/library/{shared.uuid}/copy/")
    copy = Exercise.objects.get(based_on=shared)
    assert copied["Location"] == f"/portal/library/{copy.uuid}/edit/"
    assert copy.cues.count() == shared.cues.count() and copy.illustration == "cat-cow"


@pytest.mark.parametrize(
    ("params", "expected", "absent"),
    [
        ("q=bridge", "Glute bridge", "Cat-cow"),
        ("q=hug one knee", "Single knee-to-chest", "Glute bridge"),  # lay name
        ("q=draw your shoulder blades back", "Scapular retraction", "Heel raise"),  # cue text
        ("category=breathing", "Diaphragmatic", "Glute bridge"),
        ("region=neck", "Chin tuck", "Glute bridge"),
        ("position=quadruped", "Bird dog", "Glute bridge"),
        ("equipment=band", "Resisted row with band", "Cat-cow"),
    ],
)
def test_library_search_and_filters(as_clinician_a, params, expected, absent):
    body = as_clinician_a.get(f"/portal/library/?{params}").content.decode()
    assert expected.lower() in body.lower()
    assert absent not in body


def make_exercises(n: int, clinic=None) -> None:
    Exercise.objects.bulk_create(
        Exercise(
            clinic=clinic,
            name=f"Generated exercise {i:04}",
            lay_name="Made for load tests",
            category="mobility",
            position="standing",
            style="dynamic",
            regions=["low_back"],
            equipment=["none"],
            reps=10,
        )
        for i in range(n)
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_library_search_queries_are_pinned_whatever_the_library_size(as_clinician_a):
    url = "/portal/library/?q=generated&region=low_back&page=2"
    make_exercises(30)
    small = count_queries(as_clinician_a, url)
    make_exercises(2000)
    assert count_queries(as_clinician_a, url) == small
    assert small <= 7  # session, user, membership, count, page, cues


def test_builder_queries_are_pinned_whatever_the_program_and_library_size(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    url = edit_url(patient_a1, program_a1)
    small = count_queries(as_clinician_a, url)
    make_exercises(2000)
    items = list(program_a1.items.select_related("exercise"))
    rows = [{"id": i.pk, "exercise": i.exercise, "reps": i.reps} for i in items]
    extra = [{"exercise": e, "reps": 10} for e in Exercise.objects.all()[:20]]
    program_save(
        program=program_a1,
        actor=Actor.for_member(membership_a),
        expected_revision=1,
        fields={},
        items=rows + extra,
    )
    assert count_queries(as_clinician_a, url) == small


# Session, user, membership; the patient with their intake (the precautions), the program
# with its last editor (the page's "saved by"), the audit of the read, the items with
# their exercises; the library panel's count and page of results.
BUILDER_GET_QUERIES = 9
# A move: the same (the page is a read of the record, audited too), with the page's
# sending token looked up, and the posted rows' exercises instead of the saved items.
BUILDER_POST_QUERIES = 10


def test_the_builder_page_query_count_is_pinned(as_clinician_a, patient_a1, program_a1):
    program_a1.updated_by = program_a1.assignment.assigned_by
    program_a1.save(update_fields=["updated_by"])
    assert count_queries(as_clinician_a, edit_url(patient_a1, program_a1)) == BUILDER_GET_QUERIES
    with CaptureQueriesContext(connection) as queries:
        response = as_clinician_a.post(
            edit_url(patient_a1, program_a1), builder_post(program_a1, action="down:0")
        )
    assert response.status_code == 200 and "saved by" in response.content.decode()
    assert len(queries) == BUILDER_POST_QUERIES


def test_the_builders_library_panel_reads_no_cues(as_clinician_a, patient_a1, program_a1):
    # The panel shows each result's name, lay name and picture; reading the cues was a
    # query for nothing.
    with CaptureQueriesContext(connection) as queries:
        page = as_clinician_a.get(edit_url(patient_a1, program_a1))
    assert page.content.decode().count('value="add:') == 8  # a page of results
    assert not [
        q["sql"] for q in queries.captured_queries if ExerciseCue._meta.db_table in q["sql"]
    ]


def test_the_builder_post_queries_are_pinned_whatever_the_program_size(
    as_clinician_a, membership_a, patient_a1, program_a1
):
    def post_queries() -> int:
        program_a1.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            as_clinician_a.post(
                edit_url(patient_a1, program_a1), builder_post(program_a1, action="down:0")
            )
        return len(queries)

    small = post_queries()
    items = list(program_a1.items.select_related("exercise"))
    rows = [{"id": i.pk, "exercise": i.exercise, "reps": i.reps} for i in items]
    extra = [{"exercise": i.exercise, "reps": 10} for i in items * 5]
    program_save(
        program=program_a1,
        actor=Actor.for_member(membership_a),
        expected_revision=1,
        fields={},
        items=rows + extra,
    )
    assert post_queries() == small


def test_starting_from_another_clinics_template_is_refused_and_audited(
    as_clinician_a, patient_a1, clinician_b, clinic_b
):
    from clinic.models import AuditEvent
    from tests.conftest import actor_of

    theirs = program_copy(
        source=Program.objects.get(template_key="low-back-early-movement"),
        clinic=clinic_b,
        actor=actor_of(clinician_b),
        as_template=True,
    )
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/start/", {"template": str(theirs.uuid)}
    )
    assert response.status_code == 302
    assert not Program.objects.filter(assignment__patient=patient_a1).exists()
    event = AuditEvent.objects.get(action="access.denied")
    assert event.object_type == "program" and event.object_id == str(theirs.uuid)


def test_a_step_takes_its_amounts_from_the_prescription():
    step = "Hold for {hold}, then relax. Do {reps} in {sets} sets, or walk for {duration}."
    item = {"sets": 2, "reps": 12, "hold_seconds": 30, "duration_seconds": 600}
    assert fill_step(step, item) == (
        "Hold for 30 seconds, then relax. Do 12 in 2 sets, or walk for 10 minutes."
    )
    assert fill_step("Hold for {hold}.", {"hold_seconds": 1}) == "Hold for 1 second."
    assert fill_step("Hold for {hold}.", {"hold_seconds": 90}) == "Hold for 90 seconds."


def test_a_step_without_the_amount_still_reads_naturally():
    nothing = {"sets": 1, "reps": None, "hold_seconds": 0, "duration_seconds": None}
    assert fill_step("Hold for {hold}, then relax.", nothing) == "Hold for a moment, then relax."
    assert fill_step("Do {reps} one way.", nothing) == "Do a few one way."
    assert fill_step("Walk for {duration}.", nothing) == "Walk for a short while."


def test_a_clinics_own_braces_are_printed_as_written_never_evaluated():
    """Clinic-made steps are free text: braces that are not our placeholders, and
    format-string tricks, come out exactly as typed."""
    item = {"hold_seconds": 5}
    for text in (
        "Keep {your} back {straight",
        "{0} {hold.__class__} {hold!r} {hold:>99} {}",
        "Counts {{like}} this } {",
        "{HOLD} { hold }",
    ):
        assert fill_step(text, item) == text
    assert fill_step("{{hold}}", item) == "{5 seconds}"
    rendered = Template("{% load dosage %}{{ text|step_text:item }}").render(
        Context({"text": "<b>Hold</b> for {hold} & {x}", "item": item})
    )
    assert rendered == "&lt;b&gt;Hold&lt;/b&gt; for 5 seconds &amp; {x}"


def test_the_library_shows_steps_filled_from_the_default_dosage(as_clinician_a):
    tilt = Exercise.objects.get(slug="pelvic-tilt", clinic=None)
    page = as_clinician_a.get(f"/portal/library/{tilt.uuid}/").content.decode()
    assert "Hold for 5 seconds, then relax." in page and "{hold}" not in page
    listing = as_clinician_a.get("/portal/library/?q=tilt").content.decode()
    assert "Hold for 5 seconds" in listing and "{hold}" not in listing


def test_a_reworded_dosage_line_is_not_a_changed_dose(membership_a, program_a1):
    """Revisions saved before the dosage line's wording changed hold the old line: the
    next save must not report every exercise's dosage as changed."""
    first = program_a1.revisions.get(number=1)
    for item in first.snapshot["items"]:
        item["dosage"] = "10 reps · 2× a day · each side"  # as the old wording read
    first.save()
    items = [{"id": i.pk, "exercise": i.exercise} for i in program_a1.items.all()]
    saved = program_save(
        program=program_a1,
        actor=Actor.for_member(membership_a),
        expected_revision=1,
        fields={},
        items=items,
    )
    assert saved.revisions.get(number=2).summary == "Saved without changes"
    items[0]["notes"] = "Go gently."
    saved = program_save(
        program=saved,
        actor=Actor.for_member(membership_a),
        expected_revision=2,
        fields={},
        items=items,
    )
    assert saved.revisions.get(number=3).summary == "Saved without changes"
    items[0]["hold_seconds"] = 9
    saved = program_save(
        program=saved,
        actor=Actor.for_member(membership_a),
        expected_revision=3,
        fields={},
        items=items,
    )
    assert saved.revisions.get(number=4).summary.startswith("Changed dosage of ")


def test_a_refused_id_with_control_characters_is_audited_readably(as_clinician_a, patient_a1):
    # PostgreSQL refuses NUL in text columns: the refused id is stored with it replaced.
    from clinic.models import AuditEvent

    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/start/", {"template": "ab\x00c\nd"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="access.denied")
    assert event.object_id == "ab?c?d"


def test_migrate_installs_the_issue_20_library(db):
    """Migration programs 0006: the new exercises with their links and movements, and slow
    breathing in the early-movement back template."""
    lying = Exercise.objects.get(slug="prone-lying", clinic=None)
    elbows = Exercise.objects.get(slug="prone-on-elbows", clinic=None)
    assert lying.harder == elbows and elbows.harder.slug == "prone-press-up"
    assert elbows.easier == lying and elbows.contraindications == ["prone_lying"]
    assert elbows.illustration == "prone-on-elbows" and elbows.cues.count() == 5
    assert Exercise.objects.get(slug="stationary-cycling", clinic=None).equipment == ["bike"]
    early = Program.objects.get(template_key="low-back-early-movement")
    assert early.items.filter(exercise__slug="diaphragmatic-breathing").exists()
    assert Program.objects.get(template_key="leg-pain-nerve-glides").items.count() == 4


def test_a_clinics_templates_are_read_by_their_index_not_through_its_patients_programs(
    clinic_a, clinic_b, admin_a, clinician_b, patient_a1, patient_a2, early_movement
):
    """A clinic holds a program per patient; its templates were read by going through all
    of them (1.8 ms at 10,000 patients). The shared templates and the clinic's own come
    back, never another clinic's, nor a patient's program."""
    admin = Actor.for_member(admin_a.memberships.get())
    own = program_copy(source=early_movement, clinic=clinic_a, actor=admin, as_template=True)
    other = program_copy(
        source=early_movement,
        clinic=clinic_b,
        actor=Actor.for_member(clinician_b.memberships.get()),
        as_template=True,
    )
    patients_programs = [
        patient_program_start(actor=admin, patient=patient, source=early_movement)
        for patient in (patient_a1, patient_a2)
    ]
    templates = Program.objects.templates_for(clinic_a.pk).order_by("clinic_id", "title")
    found = set(templates)
    assert own in found and early_movement in found
    assert other not in found and not found & set(patients_programs)
    assert found == set(Program.objects.filter(clinic=None, is_template=True)) | {own}
    sql, params = templates.values("uuid", "title").query.sql_with_params()
    if (plan := sqlite_plan(sql, params)) is not None:
        assert any("USING INDEX program_templates" in step for step in plan), plan


def test_ticked_days_and_days_a_week_never_disagree(as_clinician_a, patient_a1, program_a1):
    """Found by the clinician review: "Days a week" 3 beside Mon-Fri ticked was saved; the
    handout said Mon-Fri and the builder went on saying 3."""
    url = edit_url(patient_a1, program_a1)
    first = program_a1.items.order_by("order").first()
    week = {"items-0-days_per_week": "3", "items-0-weekdays": ["0", "1", "2", "3", "4"]}
    refused = as_clinician_a.post(url, builder_post(program_a1, **week))
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "5 days are ticked under “Only on”: make this 5, or untick them." in body
    # The banner at the top says where: the field may be far below on a phone.
    assert f"Check: {first.exercise.name} (Days a week)." in body
    assert Program.objects.get(pk=program_a1.pk).revision == program_a1.revision

    # Left at every day, "Days a week" takes the ticked days' count.
    week = {"items-0-days_per_week": "7", "items-0-weekdays": ["0", "2", "4"]}
    assert as_clinician_a.post(url, builder_post(program_a1, **week)).status_code == 302
    first = Program.objects.get(pk=program_a1.pk).items.order_by("order").first()
    assert (first.days_per_week, first.weekdays) == (3, 0b10101)
    assert "Mon, Wed, Fri" in describe_dosage(first)
