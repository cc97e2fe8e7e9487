"""Progressions: the chart suggests the harder version of an exercise once the patient's
own logs meet its rule, and one click swaps it in a new revision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic.actors import Actor
from clinic.models import AuditEvent
from patients import adherence
from patients.models import PatientProgram, SessionEntry
from patients.practice_log import Done, session_log
from patients.progressions import NotSuggested, progress_item, suggestions
from patients.services import patient_program_start
from programs.dosage import weekday_bits
from programs.models import Exercise, Program
from programs.services import program_save
from tests.conftest import client_for
from tests.factories import IntakeFactory, MorningCheckFactory


@pytest.fixture
def tilt_program(membership_a, patient_a1) -> Program:
    """Pelvic tilt (harder: bridge, after a steady week) and a knee hug, Mon-Fri twice a
    day, assigned ten days ago."""
    actor = Actor.for_member(membership_a)
    program = patient_program_start(actor=actor, patient=patient_a1, source=None)
    tilt = Exercise.objects.get(slug="pelvic-tilt", clinic=None)
    hug = Exercise.objects.get(slug="knee-to-chest-single", clinic=None)
    program = program_save(
        program=program,
        actor=actor,
        expected_revision=program.revision,
        fields={},
        items=[
            {"exercise": tilt, "sets": 2, "times_per_day": 2, "weekdays": weekday_bits(range(5))},
            {"exercise": hug},
        ],
        patient=patient_a1,
    )
    PatientProgram.objects.filter(program=program).update(
        assigned_at=program.assignment.assigned_at - timedelta(days=10)
    )
    program.refresh_from_db()
    return program


def log_days(patient, program, days: int, *, pain=2, sets=2, reps=None, start_ago=0):
    tilt = Exercise.objects.get(slug="pelvic-tilt", clinic=None)
    today = adherence.patient_today(patient)
    for n in range(days):
        session_log(
            patient=patient,
            program=program,
            done=[Done(tilt, sets=sets, reps=reps)],
            pain=pain,
            effort=3,
            comment="",
            client_token=f"progress-{start_ago + n}",
            actor=Actor.for_patient(patient),
            performed_on=today - timedelta(days=start_ago + n),
        )


def names(found) -> list[tuple[str, str]]:
    return [(s.item.exercise.slug, s.harder.slug) for s in found]


def test_a_steady_week_suggests_the_harder_exercise_on_the_chart(
    as_clinician_a, patient_a1, tilt_program
):
    log_days(patient_a1, tilt_program, 5)
    assert names(suggestions(patient_a1, tilt_program)) == [("pelvic-tilt", "glute-bridge")]
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Ready to progress" in page and "Swap in Glute bridge" in page


def test_sessions_ticked_done_on_today_count_as_every_set_done(
    as_patient_a1, patient_a1, tilt_program
):
    """Today's "Done" alone means the amount prescribed, and stores no sets: counted as
    none, a patient who only ever tapped "Done" never earned the suggestion (found by
    review)."""
    tilt = tilt_program.items.get(exercise__slug="pelvic-tilt")
    as_patient_a1.post("/me/log/", {"client_token": "tap", "pain": "1", f"done_{tilt.pk}": "on"})
    assert SessionEntry.objects.get(session__client_token="tap").sets_done is None
    log_days(patient_a1, tilt_program, 4, sets=None, start_ago=1)
    assert names(suggestions(patient_a1, tilt_program)) == [("pelvic-tilt", "glute-bridge")]


def test_fewer_reps_than_prescribed_are_not_a_full_go(as_patient_a1, patient_a1, tilt_program):
    """Under "I did a different amount" the sets box starts empty: a patient who managed 3
    reps of 12 is stored with no sets, and a week of those earned "Ready to progress"
    once a tick alone counted as the dose (found by review)."""
    tilt = tilt_program.items.get(exercise__slug="pelvic-tilt")
    tilt_program.items.filter(pk=tilt.pk).update(reps=12)
    sent = {"client_token": "few", "pain": "1", f"done_{tilt.pk}": "on", f"reps_{tilt.pk}": "3"}
    assert as_patient_a1.post("/me/log/", sent).status_code == 302
    entry = SessionEntry.objects.get(session__client_token="few")
    assert (entry.sets_done, entry.reps_done) == (None, 3)
    log_days(patient_a1, tilt_program, 5, sets=None, reps=3, start_ago=1)
    assert suggestions(patient_a1, tilt_program) == []


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda p, prog: log_days(p, prog, 4), id="only-4-sessions"),
        pytest.param(lambda p, prog: log_days(p, prog, 5, sets=1), id="sets-not-all-done"),
        pytest.param(lambda p, prog: log_days(p, prog, 5, pain=4), id="pain-above-3"),
        pytest.param(lambda p, prog: log_days(p, prog, 5, start_ago=3), id="sessions-too-old"),
    ],
)
def test_the_rule_must_be_met_in_full(patient_a1, tilt_program, spoil):
    spoil(patient_a1, tilt_program)
    assert suggestions(patient_a1, tilt_program) == []


def test_one_painful_session_or_a_worse_morning_holds_it_back(patient_a1, tilt_program):
    log_days(patient_a1, tilt_program, 6)
    assert suggestions(patient_a1, tilt_program)
    today = adherence.patient_today(patient_a1)
    MorningCheckFactory(
        patient=patient_a1, checked_on=today - timedelta(days=2), compared="worse", pain=4
    )
    assert suggestions(patient_a1, tilt_program) == []


def test_a_program_younger_than_the_rule_is_not_judged(
    patient_a1, tilt_program, django_assert_num_queries
):
    log_days(patient_a1, tilt_program, 5)
    PatientProgram.objects.filter(program=tilt_program).update(
        assigned_at=tilt_program.assignment.assigned_at + timedelta(days=6)
    )
    tilt_program.refresh_from_db()
    assert suggestions(patient_a1, tilt_program) == []
    # Nor are the patient's logs read for it (the chart passes the items it has read).
    items = list(tilt_program.items.select_related("exercise__harder"))
    with django_assert_num_queries(0):
        assert suggestions(patient_a1, tilt_program, items=items) == []


def test_a_harder_version_the_precautions_rule_out_is_not_suggested(patient_a1, tilt_program):
    # The bridge is done lying on the back, which pregnancy rules out.
    log_days(patient_a1, tilt_program, 5)
    IntakeFactory(
        patient=patient_a1, diagnosis="Back pain", region="low_back", precautions=["pregnancy"]
    )
    assert suggestions(patient_a1, tilt_program) == []


def test_one_click_swaps_it_in_a_new_revision_keeping_the_schedule(
    as_clinician_a, patient_a1, tilt_program
):
    log_days(patient_a1, tilt_program, 5)
    tilt_item = tilt_program.items.get(exercise__slug="pelvic-tilt")
    hug_before = tilt_program.items.get(exercise__slug="knee-to-chest-single")
    revisions = tilt_program.revisions.count()
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/{tilt_program.uuid}/progress/",
        {"item": tilt_item.pk, "revision": tilt_program.revision},
        follow=True,
    )
    assert "Posterior pelvic tilt is now Glute bridge" in response.content.decode()
    tilt_program.refresh_from_db()
    bridge = Exercise.objects.get(slug="glute-bridge", clinic=None)
    swapped = tilt_program.items.get(pk=tilt_item.pk)
    assert swapped.exercise == bridge and swapped.order == tilt_item.order
    assert (swapped.reps, swapped.hold_seconds) == (bridge.reps, bridge.hold_seconds)
    assert (swapped.times_per_day, swapped.weekdays) == (2, weekday_bits(range(5)))
    hug_after = tilt_program.items.get(pk=hug_before.pk)
    assert (hug_after.exercise_id, hug_after.reps) == (hug_before.exercise_id, hug_before.reps)
    assert tilt_program.revisions.count() == revisions + 1
    assert AuditEvent.objects.filter(action="program.update", object_id=str(tilt_program.uuid))
    # Done: nothing more to suggest, and a second click changes nothing.
    assert suggestions(patient_a1, tilt_program) == []
    again = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/programs/{tilt_program.uuid}/progress/",
        {"item": tilt_item.pk, "revision": tilt_program.revision},
        follow=True,
    )
    assert "no longer ready to progress" in again.content.decode()
    assert tilt_program.revisions.count() == revisions + 1


def test_a_stale_page_gets_the_usual_conflict(membership_a, patient_a1, tilt_program):
    from programs.services import ProgramConflict

    log_days(patient_a1, tilt_program, 5)
    item = tilt_program.items.get(exercise__slug="pelvic-tilt")
    with pytest.raises(ProgramConflict):
        progress_item(
            actor=Actor.for_member(membership_a),
            patient=patient_a1,
            program=tilt_program,
            item_id=item.pk,
            expected_revision=tilt_program.revision - 1,
        )
    with pytest.raises(NotSuggested):
        progress_item(
            actor=Actor.for_member(membership_a),
            patient=patient_a1,
            program=tilt_program,
            item_id=-1,
            expected_revision=tilt_program.revision,
        )
    assert tilt_program.items.filter(exercise__slug="pelvic-tilt").exists()


def test_front_desk_sees_no_suggestion_and_cannot_swap(frontdesk_a, patient_a1, tilt_program):
    log_days(patient_a1, tilt_program, 5)
    desk = client_for(frontdesk_a)
    page = desk.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Ready to progress" not in page
    item = tilt_program.items.get(exercise__slug="pelvic-tilt")
    response = desk.post(
        f"/portal/patients/{patient_a1.uuid}/programs/{tilt_program.uuid}/progress/",
        {"item": item.pk, "revision": tilt_program.revision},
    )
    assert response.status_code == 403
    assert tilt_program.items.filter(exercise__slug="pelvic-tilt").exists()


@pytest.mark.parametrize(
    ("slug", "side", "kept"),
    [
        ("clamshell", "right", "right"),  # harder: side-lying hip abduction, a side at a time
        ("clamshell", "affected", "affected"),
        ("clamshell", "each_side", "each_side"),  # the harder one's own default
    ],
)
def test_a_progression_keeps_a_prescription_for_one_side(
    membership_a, patient_a1, slug, side, kept
):
    """A clamshell for the operated right hip became side-lying hip abduction "on each
    side": the side was lost and the work doubled, on the handout and Today."""
    actor = Actor.for_member(membership_a)
    program = patient_program_start(actor=actor, patient=patient_a1, source=None)
    easier = Exercise.objects.get(slug=slug, clinic=None)
    program = program_save(
        program=program,
        actor=actor,
        expected_revision=program.revision,
        fields={},
        items=[{"exercise": easier, "sets": 2, "reps": 10, "side": side}],
        patient=patient_a1,
    )
    PatientProgram.objects.filter(program=program).update(
        assigned_at=program.assignment.assigned_at - timedelta(days=10)
    )
    program.refresh_from_db()
    today = adherence.patient_today(patient_a1)
    for n in range(7):
        session_log(
            patient=patient_a1,
            program=program,
            done=[Done(easier, sets=2)],
            pain=1,
            effort=3,
            comment="",
            client_token=f"side-{n}",
            actor=Actor.for_patient(patient_a1),
            performed_on=today - timedelta(days=n),
        )
    (suggestion,) = suggestions(patient_a1, program)
    assert suggestion.harder.side == "each_side"
    saved, _ = progress_item(
        actor=actor,
        patient=patient_a1,
        program=program,
        item_id=suggestion.item.pk,
        expected_revision=program.revision,
    )
    (item,) = saved.items.all()
    assert (item.exercise, item.side) == (suggestion.harder, kept)


@pytest.fixture
def tilt_each_side(membership_a, patient_a1) -> Program:
    """Pelvic tilt listed twice (one row a side: 2 sets on each), as a program may list it
    (practice_log.session_rows, by_exercise), ten days ago."""
    actor = Actor.for_member(membership_a)
    program = patient_program_start(actor=actor, patient=patient_a1, source=None)
    tilt = Exercise.objects.get(slug="pelvic-tilt", clinic=None)
    row = {"exercise": tilt, "sets": 2, "reps": 10, "weekdays": weekday_bits(range(7))}
    program = program_save(
        program=program,
        actor=actor,
        expected_revision=program.revision,
        fields={},
        items=[dict(row), dict(row)],
        patient=patient_a1,
    )
    PatientProgram.objects.filter(program=program).update(
        assigned_at=program.assignment.assigned_at - timedelta(days=10)
    )
    program.refresh_from_db()
    return program


def test_one_side_of_an_exercise_listed_twice_is_not_a_full_go(patient_a1, tilt_each_side):
    """Every day the patient logged 2 sets of 10 ("I did a different amount" on one row):
    half of the 4 sets prescribed. Each row was compared with the entry alone (2 >= 2),
    and a week of half doses earned "Ready to progress" (found by review)."""
    log_days(patient_a1, tilt_each_side, 6, sets=2, reps=10)
    assert suggestions(patient_a1, tilt_each_side) == []


def test_an_exercise_listed_twice_is_suggested_once(patient_a1, tilt_each_side):
    """Both sides done every day: one suggestion for the exercise, not one per row (the
    chart showed "Swap in Glute bridge" twice)."""
    log_days(patient_a1, tilt_each_side, 6, sets=4, reps=10)
    assert names(suggestions(patient_a1, tilt_each_side)) == [("pelvic-tilt", "glute-bridge")]
