from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.actors import Actor
from clinic.models import AuditEvent
from patients import caseload
from patients.adherence import patient_today
from patients.models import Flag, MorningCheck, Patient, SessionEntry, SessionLog
from patients.practice_log import (
    Done,
    LogRefused,
    flag_check_inactive,
    flags_raise_inactive,
    morning_check_record,
    session_log,
)
from patients.services import patient_program_start
from programs.dosage import describe_done, describe_dosage
from programs.models import Exercise, Program, ProgramItem
from tests.conftest import client_for, days_from_now, line_xs, make_patient, revise
from tests.factories import FlagFactory, MorningCheckFactory, SessionLogFactory
from tests.patients.test_symptoms import BACK_URGENT


def items(program):
    return list(program.items.select_related("exercise"))


def post_session(client, program, *, token="tok-1", done=None, **extra):  # noqa: S107
    data = {"client_token": token, "pain": "3", "effort": "5", "comment": ""}
    for item in done if done is not None else items(program)[:2]:
        data[f"done_{item.pk}"] = "on"
    data.update(extra)
    return client.post("/me/log/", data)


def test_logging_a_session_saves_entries_and_updates_activity(
    as_patient_a1, patient_a1, program_a1
):
    response = post_session(as_patient_a1, program_a1)
    assert response.status_code == 302
    session = SessionLog.objects.get()
    assert (session.pain, session.effort, session.exercises_done) == (3, 5, 2)
    assert session.revision.number == program_a1.revision
    assert session.performed_on == patient_today(patient_a1)
    assert SessionEntry.objects.filter(session=session).count() == 2
    patient_a1.refresh_from_db()
    assert patient_a1.last_activity_at is not None
    assert AuditEvent.objects.filter(action="session.log", patient_uuid=patient_a1.uuid).exists()


# What logging a session costs (issue 18: the session POST is a measured page): the
# session, account and patient reads, the program and its rows, then one transaction.
SESSION_POST_QUERIES = 19


def test_logging_a_session_writes_the_patient_row_once(as_patient_a1, patient_a1, program_a1):
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        response = post_session(as_patient_a1, program_a1)
    assert response.status_code == 302
    writes = [q["sql"] for q in queries if re.match(r'UPDATE "?patients_patient"? ', q["sql"])]
    # The last activity stamped by the caseload figures' own UPDATE, not a second one.
    assert len(writes) == 1 and "last_activity_at" in writes[0]
    assert len(queries) == SESSION_POST_QUERIES
    patient_a1.refresh_from_db()
    assert before <= patient_a1.last_activity_at <= timezone.now()
    assert patient_a1.done_7d is not None


@pytest.fixture
def one_exercise_twice(membership_a, patient_a1, program_a1):
    """The builder saves a program that lists one exercise twice (it warns, "unless you
    meant it": say one row per side): the rows of that exercise."""
    rows = [{"id": i.pk, "exercise": i.exercise} for i in items(program_a1)]
    rows.append({"exercise": rows[0]["exercise"], "sets": 1, "reps": 8, "side": "left"})
    revise(program_a1, membership_a, rows)
    return [i for i in items(program_a1) if i.exercise_id == rows[0]["exercise"].pk]


def test_both_rows_of_an_exercise_listed_twice_are_logged_as_one_entry(
    as_patient_a1, program_a1, one_exercise_twice
):
    first, second = one_exercise_twice
    response = post_session(
        as_patient_a1,
        program_a1,
        done=[first, second],
        **{f"sets_{first.pk}": "2", f"sets_{second.pk}": "1", f"reps_{second.pk}": "8"},
    )
    assert response.status_code == 302
    session = SessionLog.objects.get()
    entry = session.entries.get()
    assert (entry.exercise_id, entry.sets_done, entry.reps_done) == (first.exercise_id, 3, 8)
    assert session.exercises_done == 1
    # And changed within the day the same way.
    # The edit page has one row per exercise (keyed by the exercise), as the log keeps it.
    page = as_patient_a1.get("/me/log/edit/")
    assert [row[0].exercise_id for row in page.context["form"].rows()].count(first.exercise_id) == 1
    data = {"client_token": "tok-1", "pain": "2", "effort": "4", "comment": ""}
    data.update({f"done_{first.exercise_id}": "on", f"sets_{first.exercise_id}": "3"})
    as_patient_a1.post("/me/log/edit/", data)
    session.refresh_from_db()
    assert session.pain == 2
    assert list(session.entries.values_list("sets_done", flat=True)) == [3]


def test_an_amount_written_in_counts_as_done_without_the_tick(as_patient_a1, program_a1):
    """A patient opened "I did a different amount", wrote 1 set of 8 and saved: refused
    with "Tick at least one exercise you did", and the amount folded away out of sight on
    the page sent back (found by the phone review)."""
    first, second = items(program_a1)[:2]
    response = post_session(
        as_patient_a1, program_a1, done=[], **{f"sets_{first.pk}": "1", f"reps_{first.pk}": "8"}
    )
    assert response.status_code == 302
    entry = SessionLog.objects.get().entries.get()
    assert (entry.exercise_id, entry.sets_done, entry.reps_done) == (first.exercise_id, 1, 8)
    # Sent back for another reason (no pain score), the amount stays in sight.
    refused = post_session(
        as_patient_a1, program_a1, token="tok-2", done=[], pain="", **{f"reps_{second.pk}": "8"}
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    box = page[
        page.index(f'id="id_reps_{second.pk}"') - 3000 : page.index(f'id="id_reps_{second.pk}"')
    ]
    assert '<details class="mt-2" open>' in box
    # Numbers it cannot take are refused in the patient's words.
    refusals = (("0", "Write 1 or more, or leave it empty."), ("1.5", "without a dot or comma"))
    for value, words in refusals:
        bad = post_session(as_patient_a1, program_a1, token="tok-4", **{f"sets_{first.pk}": value})
        assert bad.status_code == 400 and words in bad.content.decode()
    # On the edit page the amounts saved are written in already: unticking an exercise
    # takes it out, its amount left as it was (the review of this change).
    session = SessionLog.objects.get()
    edit = {"client_token": "tok-1", "pain": "3", "effort": "5", "comment": ""}
    edit[f"done_{second.exercise_id}"] = "on"
    edit.update({f"sets_{first.exercise_id}": "1", f"reps_{first.exercise_id}": "8"})
    assert as_patient_a1.post("/me/log/edit/", edit).status_code == 302
    assert list(session.entries.values_list("exercise_id", flat=True)) == [second.exercise_id]
    # Nothing written and nothing ticked is still refused.
    empty = post_session(as_patient_a1, program_a1, token="tok-3", done=[])
    assert "Tick at least one exercise you did." in empty.content.decode()


def test_all_done_with_an_exercise_listed_twice_saves_the_session(
    as_patient_a1, program_a1, one_exercise_twice
):
    as_patient_a1.post("/me/log/", {"client_token": "all", "all_done": "1", "pain": "2"})
    session = SessionLog.objects.get()
    exercises = [e.exercise_id for e in session.entries.all()]
    assert len(exercises) == len(set(exercises)) == session.exercises_done


def test_a_double_tapped_submit_creates_one_record(as_patient_a1, program_a1):
    post_session(as_patient_a1, program_a1, token="same")
    again = post_session(as_patient_a1, program_a1, token="same")
    assert again.status_code == 302
    assert SessionLog.objects.count() == 1


def test_i_did_them_all_ticks_everything_due(as_patient_a1, program_a1):
    as_patient_a1.post("/me/log/", {"client_token": "all", "all_done": "1", "pain": "2"})
    session = SessionLog.objects.get()
    due_today = {
        i.exercise_id for i in items(program_a1) if i.days_per_week == 7 and not i.weekdays
    }
    assert {e.exercise_id for e in session.entries.all()} >= due_today
    assert session.exercises_done >= 1


def test_pain_is_asked_before_the_save_buttons_and_needed_to_save(as_patient_a1, program_a1):
    """Before: "I did them all: save" sat above the pain question, so one tap saved a
    session with no pain score and the clinician's pain chart went empty."""
    page = as_patient_a1.get("/me/").content.decode()
    assert page.index("Pain during exercise") < page.index("I did them all: save")
    refused = as_patient_a1.post("/me/log/", {"client_token": "nopain", "all_done": "1"})
    assert refused.status_code == 400
    assert "Choose your pain from 0 to 10" in refused.content.decode()
    assert not SessionLog.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain", "11", "Choose a number from 0 to 10"),
        ("pain", "-1", "Choose a number from 0 to 10"),
        ("effort", "ten", "Choose a number from 0 to 10"),
        ("comment", "x" * 501, "at most 500 characters"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_saved(
    as_patient_a1, program_a1, field, value, message
):
    response = post_session(as_patient_a1, program_a1, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SessionLog.objects.exists()


def test_reps_of_a_hold_only_exercise_are_bounded_without_naming_a_prescription(
    as_patient_a1, membership_a, program_a1
):
    """No reps were prescribed (a hold): the limit is a plain one, not "twice what was
    prescribed (100)", a number the patient was never given."""
    first, *rest = items(program_a1)
    rows = [{"id": first.pk, "exercise": first.exercise, "reps": None, "hold_seconds": 30}]
    revise(program_a1, membership_a, rows + [{"id": i.pk, "exercise": i.exercise} for i in rest])
    response = post_session(as_patient_a1, program_a1, **{f"reps_{first.pk}": "201"})
    page = response.content.decode()
    assert (
        "That is more than 200" in page and "prescribed" not in page.split("That is more")[1][:60]
    )
    assert not SessionLog.objects.exists()


def test_sets_or_reps_beyond_twice_the_prescription_are_refused(as_patient_a1, program_a1):
    first = items(program_a1)[0]
    response = post_session(
        as_patient_a1, program_a1, **{f"reps_{first.pk}": str(2 * first.reps + 1)}
    )
    assert "more than twice what was prescribed" in response.content.decode()
    response = post_session(
        as_patient_a1, program_a1, **{f"sets_{first.pk}": str(2 * first.sets + 1)}
    )
    assert "more than twice what was prescribed" in response.content.decode()
    assert not SessionLog.objects.exists()
    ok = post_session(as_patient_a1, program_a1, **{f"reps_{first.pk}": str(2 * first.reps)})
    assert ok.status_code == 302


def test_an_exercise_outside_the_program_is_refused(
    as_patient_a1, program_a1, membership_a, patient_a2
):
    other = patient_program_start(
        actor=Actor.for_member(membership_a),
        patient=patient_a2,
        source=Program.objects.get(template_key="neck-shoulder-desk"),
    )
    response = post_session(as_patient_a1, program_a1, done=items(other)[:1])
    assert "not in your program" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_another_patients_program_cannot_be_logged_against(patient_a2, program_a1):
    # A2 has no program; posting A1's exercises logs nothing for anyone.
    response = post_session(client_for(patient_a2.user), program_a1)
    assert response.status_code == 302
    assert not SessionLog.objects.exists()


def test_nothing_ticked_is_explained(as_patient_a1, program_a1):
    response = post_session(as_patient_a1, program_a1, done=[])
    assert "Tick at least one exercise" in response.content.decode()


def test_future_days_and_paused_programs_are_refused(patient_a1, program_a1, membership_a):
    exercise = items(program_a1)[0].exercise
    with pytest.raises(LogRefused, match="not come yet"):
        session_log(
            patient=patient_a1,
            program=program_a1,
            done=[Done(exercise)],
            pain=1,
            effort=1,
            comment="",
            client_token="future",
            performed_on=patient_today(patient_a1) + timedelta(days=1),
            actor=Actor.for_patient(patient_a1),
        )
    from programs.services import program_set_status

    paused = program_set_status(
        program=program_a1, actor=Actor.for_member(membership_a), status="paused"
    )
    with pytest.raises(LogRefused, match="paused"):
        session_log(
            patient=patient_a1,
            program=paused,
            done=[Done(exercise)],
            pain=1,
            effort=1,
            comment="",
            client_token="p",
            actor=Actor.for_patient(patient_a1),
        )
    assert not SessionLog.objects.exists()


def test_a_session_can_be_changed_for_24_hours_and_it_is_audited(as_patient_a1, program_a1):
    post_session(as_patient_a1, program_a1)
    form = as_patient_a1.get("/me/log/edit/")
    assert form.status_code == 200
    data = {"client_token": "tok-1", "pain": "6", "effort": "4", "comment": "sore knee"}
    data[f"done_{items(program_a1)[0].exercise_id}"] = "on"  # the edit rows: one per exercise
    as_patient_a1.post("/me/log/edit/", data)
    session = SessionLog.objects.get()
    assert (session.pain, session.comment, session.exercises_done) == (6, "sore knee", 1)
    assert AuditEvent.objects.filter(action="session.edit").exists()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        # A new sign-in: sessions end after 12 hours whatever happens.
        late = client_for(session.patient.user).post(
            "/me/log/edit/", {**data, "pain": "1"}, follow=True
        )
        assert "no session from the last 24 hours" in late.content.decode()
    session.refresh_from_db()
    assert session.pain == 6


def as_shown(client, **changes) -> dict:
    """The edit page's form sent back as the page shows it, with `changes`."""
    form = client.get("/me/log/edit/").context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value not in (None, False, ""):
            data[name] = "on" if value is True else str(value)
    return {**data, **changes}


def test_changing_only_the_pain_keeps_the_sets_of_an_exercise_listed_twice(
    as_patient_a1, program_a1, one_exercise_twice
):
    """One set on each side's row: two sets of the exercise. The edit page put the two in
    both rows, and saving it unchanged made four (or was refused as too many)."""
    first, second = one_exercise_twice
    post_session(
        as_patient_a1,
        program_a1,
        done=[first, second],
        **{f"sets_{first.pk}": "1", f"sets_{second.pk}": "1"},
    )
    session = SessionLog.objects.get()
    assert session.entries.get(exercise=first.exercise).sets_done == 2
    # One row for the exercise, whose dose is both rows' (not "left side only").
    page = as_patient_a1.get("/me/log/edit/")
    (row,) = [r[0] for r in page.context["form"].rows() if r[0].exercise_id == first.exercise_id]
    assert row.side == "both" and "side only" not in describe_dosage(row)
    response = as_patient_a1.post("/me/log/edit/", as_shown(as_patient_a1, pain="2"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.pain == 2
    assert session.entries.get(exercise=first.exercise).sets_done == 2


def test_changing_a_session_keeps_an_exercise_taken_out_of_the_program_since(
    as_patient_a1, membership_a, program_a1
):
    """Logged at 8:00; at 10:00 the clinician takes the first exercise out; at 12:00 the
    patient corrects the pain. The page showed only today's rows and the save deleted
    what was done of the other one."""
    first, second, *rest = items(program_a1)
    post_session(as_patient_a1, program_a1, done=[first, second])
    revise(
        program_a1, membership_a, [{"id": i.pk, "exercise": i.exercise} for i in [second, *rest]]
    )
    response = as_patient_a1.post("/me/log/edit/", as_shown(as_patient_a1, pain="2"))
    assert response.status_code == 302
    session = SessionLog.objects.get()
    assert session.pain == 2 and session.exercises_done == 2
    assert set(session.entries.values_list("exercise_id", flat=True)) == {
        first.exercise_id,
        second.exercise_id,
    }


def test_a_change_goes_to_the_session_the_page_showed_not_a_newer_one(as_patient_a1, program_a1):
    """The edit page shows the latest session; another is logged before it is sent (the
    phone's offline queue, another tab): the change goes to the session that was shown."""
    first = items(program_a1)[:1]
    post_session(as_patient_a1, program_a1, token="morning", done=first, pain="2")
    page = as_patient_a1.get("/me/log/edit/")
    assert page.context["form"].initial["client_token"] == "morning"
    post_session(as_patient_a1, program_a1, token="evening", pain="6")
    data = {"client_token": "morning", "pain": "4", "effort": "5", "comment": "corrected"}
    data[f"done_{first[0].exercise_id}"] = "on"
    as_patient_a1.post("/me/log/edit/", data)
    morning = SessionLog.objects.get(client_token="morning")
    evening = SessionLog.objects.get(client_token="evening")
    assert (morning.pain, morning.comment) == (4, "corrected")
    assert (evening.pain, evening.comment, evening.exercises_done) == (6, "", 2)


def test_a_change_to_a_session_that_is_not_there_changes_nothing(as_patient_a1, program_a1):
    post_session(as_patient_a1, program_a1, token="mine")
    response = as_patient_a1.post(
        "/me/log/edit/", {"client_token": "someone-else", "pain": "9"}, follow=True
    )
    assert "no session from the last 24 hours" in response.content.decode()
    assert SessionLog.objects.get().pain == 3


def _tomorrow_at(patient, hour: int) -> datetime:
    day = days_from_now(1, patient.tzinfo)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_the_next_morning_question_appears_the_day_after(as_patient_a1, patient_a1, program_a1):
    post_session(as_patient_a1, program_a1)
    assert "How do you feel this morning?" not in as_patient_a1.get("/me/").content.decode()
    with time_machine.travel(_tomorrow_at(patient_a1, 8)):
        patient = client_for(patient_a1.user)  # signed in again the next morning
        assert "How do you feel this morning?" in patient.get("/me/").content.decode()
        patient.post("/me/morning/", {"compared": "better", "pain": "2"})
        check = MorningCheck.objects.get()
        assert (check.compared, check.pain) == ("better", 2)
        assert "How do you feel this morning?" not in patient.get("/me/").content.decode()


def test_the_morning_question_asked_in_the_evening_asks_about_the_morning(
    as_patient_a1, patient_a1, program_a1
):
    """Found by review: "How do you feel this morning?" at 22:09, under a session just
    logged: which exercises was it about? From noon it asks how they felt, after
    yesterday's exercises."""
    post_session(as_patient_a1, program_a1)
    with time_machine.travel(_tomorrow_at(patient_a1, 18)):
        page = client_for(patient_a1.user).get("/me/").content.decode()
    assert "How did you feel this morning?" in page and "After yesterday's exercises." in page
    assert "How do you feel this morning?" not in page
    # Below the session form, not the first pain scale on the page: an evening's pain
    # after exercise was answered there as the morning's (found by the phone review).
    assert page.index('class="session-form"') < page.index('id="morning-heading"')
    with time_machine.travel(_tomorrow_at(patient_a1, 8)):
        page = client_for(patient_a1.user).get("/me/").content.decode()
    assert page.index('id="morning-heading"') < page.index('class="session-form"')


def test_today_with_the_morning_question_has_no_id_twice(as_patient_a1, patient_a1, program_a1):
    """The morning question and the session form both have a 0-10 "pain" scale. With the
    same ids, a label points at the first element with its id: tapping "2" in "How did it
    go?" set the morning's pain instead, and the session's stayed empty."""
    import re
    from collections import Counter

    post_session(as_patient_a1, program_a1)
    with time_machine.travel(_tomorrow_at(patient_a1, 8)):
        page = client_for(patient_a1.user).get("/me/").content.decode()
    assert "How do you feel this morning?" in page
    twice = [i for i, n in Counter(re.findall(r'\bid="([^"]+)"', page)).items() if n > 1]
    assert twice == []
    assert 'for="morning_pain_2"' in page and 'for="id_pain_2"' in page


def test_today_reads_todays_sessions_the_editable_one_and_yesterday_together(
    as_patient_a1, patient_a1, program_a1
):
    """The page reads these in one query (patient_area.today._recent_sessions): a session done on
    an earlier day but logged just now is the one to change; one logged 25 hours ago is
    not; today's are listed oldest first."""
    today = patient_today(patient_a1)
    # Logged 25 hours ago: set afterwards, as travelling back 25 hours in the first hour of
    # a day would log "yesterday" on a day before it (refused as a day not come yet).
    old = log_pain(patient_a1, program_a1, 1, today - timedelta(days=1), "old")
    SessionLog.objects.filter(pk=old[0].pk).update(logged_at=timezone.now() - timedelta(hours=25))
    context = as_patient_a1.get("/me/").context
    assert context["morning_form"] is not None  # exercised yesterday
    assert (context["sessions_today"], context["editable"]) == ([], None)
    backdated = log_pain(patient_a1, program_a1, 2, today - timedelta(days=3), "late")
    context = as_patient_a1.get("/me/").context
    assert (context["sessions_today"], context["editable"]) == ([], backdated[0])
    first = log_pain(patient_a1, program_a1, 3, today, "first")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        second = log_pain(patient_a1, program_a1, 4, today, "second")
    SessionLog.objects.filter(pk=backdated[0].pk).update(logged_at=timezone.now())
    context = as_patient_a1.get("/me/").context
    assert context["sessions_today"] == [first[0], second[0]]
    assert context["editable"] == second[0]


def test_a_bad_morning_answer_saves_nothing(as_patient_a1, program_a1):
    as_patient_a1.post("/me/morning/", {"compared": "fantastic", "pain": "12"})
    assert not MorningCheck.objects.exists()


def log_pain(patient, program, pain, day, token):
    return session_log(
        patient=patient,
        program=program,
        done=[Done(items(program)[0].exercise)],
        pain=pain,
        effort=3,
        comment="",
        client_token=token,
        performed_on=day,
        actor=Actor.for_patient(patient),
    )


def test_high_pain_raises_one_flag_with_its_reason(patient_a1, program_a1):
    today = patient_today(patient_a1)
    log_pain(patient_a1, program_a1, 7, today, "a")
    log_pain(patient_a1, program_a1, 8, today, "b")
    flag = Flag.objects.get(kind=Flag.Kind.PAIN_HIGH)
    assert flag.reason.startswith("Pain 7/10") and flag.raised_on == today


def test_pain_rising_against_the_recent_sessions_is_flagged(patient_a1, program_a1):
    today = patient_today(patient_a1)
    log_pain(patient_a1, program_a1, 2, today - timedelta(days=5), "a")
    log_pain(patient_a1, program_a1, 3, today - timedelta(days=3), "b")
    log_pain(patient_a1, program_a1, 4, today - timedelta(days=2), "c")  # 1.5 over 2.5
    assert not Flag.objects.exists()
    log_pain(patient_a1, program_a1, 5, today - timedelta(days=1), "d")  # 2 over 3
    reason = Flag.objects.get(kind=Flag.Kind.PAIN_RISING).reason
    assert "Pain 5/10" in reason and "average of 3.0 over the 3 sessions before" in reason


def test_a_rise_late_in_the_program_is_caught_too(patient_a1, program_a1):
    """Before: rising pain was only compared within the first week of logging."""
    today = patient_today(patient_a1)
    for n, day in enumerate((40, 38, 8, 6, 4)):
        log_pain(patient_a1, program_a1, 2, today - timedelta(days=day), f"early{n}")
    assert not Flag.objects.exists()
    log_pain(patient_a1, program_a1, 5, today, "late")
    assert Flag.objects.filter(kind=Flag.Kind.PAIN_RISING).exists()


def test_one_six_is_not_flagged_but_two_in_a_week_are(patient_a1, program_a1):
    """Patients are told pain above 5 is too much, but the flag used to start at 7."""
    today = patient_today(patient_a1)
    log_pain(patient_a1, program_a1, 6, today - timedelta(days=9), "a")
    log_pain(patient_a1, program_a1, 6, today - timedelta(days=2), "b")
    assert not Flag.objects.filter(kind=Flag.Kind.PAIN_HIGH).exists()
    log_pain(patient_a1, program_a1, 6, today, "c")
    flag = Flag.objects.get(kind=Flag.Kind.PAIN_HIGH)
    assert "twice within a week" in flag.reason


def test_worse_two_mornings_running_is_flagged(patient_a1, program_a1):
    with time_machine.travel(days_from_now(-1, patient_a1.tzinfo)):
        morning_check_record(
            patient=patient_a1, compared="worse", pain=5, actor=Actor.for_patient(patient_a1)
        )
    assert not Flag.objects.exists()
    morning_check_record(
        patient=patient_a1, compared="worse", pain=6, actor=Actor.for_patient(patient_a1)
    )
    assert Flag.objects.get().kind == Flag.Kind.MORNING_WORSE


@pytest.mark.parametrize(("pain", "flagged"), [(6, False), (7, True), (9, True)])
def test_high_pain_the_next_morning_is_flagged_at_once(patient_a1, program_a1, pain, flagged):
    """A morning of 'worse, 9/10' raised nothing (only a second 'worse' morning did), while
    pain of 7 during exercise is flagged at once; the morning after matters most."""
    morning_check_record(
        patient=patient_a1, compared="same", pain=pain, actor=Actor.for_patient(patient_a1)
    )
    raised = Flag.objects.open().filter(patient=patient_a1, kind=Flag.Kind.MORNING_PAIN)
    assert raised.exists() is flagged
    if flagged:
        assert f"Pain {pain}/10 on the morning of" in raised.get().reason


def test_a_five_days_a_week_program_leaves_room_before_the_flag(patient_a1, program_a1):
    # The core-stability template asks for 5 days a week at most: three days' worth of
    # its sessions go by in about four days and a bit, counted in full days.
    log_pain(patient_a1, program_a1, 1, patient_today(patient_a1), "a")
    with time_machine.travel(days_from_now(5, patient_a1.tzinfo)):
        assert flag_check_inactive(patient_a1) is False
    with time_machine.travel(days_from_now(6, patient_a1.tzinfo)):
        assert flags_raise_inactive() == 1
        reason = Flag.objects.get().reason
        assert reason.startswith("Nothing logged since") and "4 days' worth" in reason
        assert flags_raise_inactive() == 0  # one open flag, not a pile


def test_the_inactivity_sweep_raises_what_each_patients_own_check_would_in_five_reads(
    clinic_a, membership_a, patient_a1, patient_a2
):
    """The sweep reads a chunk of patients at once (one at a time it took 26 s of CPU at
    10,000 patients): the same flags as each patient's own check, and reads that do not
    grow with the number of patients."""
    from django.db import transaction

    others = [make_patient(clinic_a, "P", f"Person{n}", login=False) for n in range(4)]
    patients = [patient_a1, patient_a2, *others]
    templates = ["low-back-early-movement", "neck-shoulder-desk", "knee-basics", "hip-basics"]
    programs = []
    for n, (patient, days_ago) in enumerate(zip(patients, [10, 10, 1, 12, 20, 8], strict=True)):
        with time_machine.travel(days_from_now(-days_ago, patient.tzinfo)):
            programs.append(
                patient_program_start(
                    actor=Actor.for_member(membership_a),
                    patient=patient,
                    source=Program.objects.get(template_key=templates[n % len(templates)]),
                )
            )
    log_pain(patient_a1, programs[0], 1, patient_today(patient_a1) - timedelta(days=1), "a")
    Program.objects.filter(pk=programs[3].pk).update(status="paused")

    def raised():
        inactive = Flag.objects.filter(kind=Flag.Kind.INACTIVE)
        return sorted(inactive.values_list("patient_id", "reason"))

    with transaction.atomic():
        for patient in Patient.objects.filter(pk__in=[p.pk for p in patients]):
            flag_check_inactive(patient)
        one_by_one = raised()
        transaction.set_rollback(True)
    assert 2 <= len(one_by_one) <= len(patients) - 3  # the log, the pause, a new program
    assert flags_raise_inactive() == len(one_by_one)
    assert raised() == one_by_one
    # The patients, their programs, the programs' items, their last sessions and their
    # revisions: for the three patients left as for 500.
    with CaptureQueriesContext(connection) as queries:
        assert flags_raise_inactive() == 0
    # and their latest reviewed inactivity flags (one flag for one gap).
    assert len(queries) == 6, [query["sql"] for query in queries]


def test_a_reviewed_inactivity_flag_stays_reviewed_until_the_next_gap(
    clinician_a, patient_a1, program_a1
):
    """Found by the portal review: "Mark reviewed" on "Prescribed sessions missed" said
    "Flag marked as reviewed." over the same flag, raised again at once by the chart's
    own check; the caseload kept the patient under "Needs attention" for ever."""
    chart = f"/portal/patients/{patient_a1.uuid}/"
    inactive = Flag.objects.filter(patient=patient_a1, kind=Flag.Kind.INACTIVE)
    log_pain(patient_a1, program_a1, 1, patient_today(patient_a1), "a")
    with time_machine.travel(days_from_now(8, patient_a1.tzinfo)):
        as_clinician_a = client_for(clinician_a)  # signed in on the day
        as_clinician_a.get(chart)
        flag = inactive.get()
        as_clinician_a.post(f"{chart}flags/{flag.uuid}/review/")
        page = as_clinician_a.get(chart)
        assert page.context["open_flags"] == []
        assert flags_raise_inactive() == 0
        assert inactive.count() == 1
    with time_machine.travel(days_from_now(20, patient_a1.tzinfo)):
        assert flags_raise_inactive() == 0  # the same gap, still within INACTIVE_LOOKBACK
    with time_machine.travel(days_from_now(37, patient_a1.tzinfo)):
        assert flags_raise_inactive() == 1  # four weeks on, still nothing: told again
    inactive.update(reviewed_at=timezone.now())
    with time_machine.travel(days_from_now(38, patient_a1.tzinfo)):
        log_pain(patient_a1, program_a1, 1, patient_today(patient_a1), "b")
    with time_machine.travel(days_from_now(46, patient_a1.tzinfo)):
        client_for(clinician_a).get(chart)  # a session, then a new gap: a new flag
        assert [f.reason[:20] for f in inactive.filter(reviewed_at=None)] == [
            "Nothing logged since"
        ]


def test_reviewing_a_flag_is_audited_and_hides_it(
    as_clinician_a, clinician_a, patient_a1, program_a1
):
    log_pain(patient_a1, program_a1, 9, patient_today(patient_a1), "a")
    flag = Flag.objects.get()
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "High pain during exercise" in chart and "Pain 9/10" in chart
    as_clinician_a.post(f"/portal/patients/{patient_a1.uuid}/flags/{flag.uuid}/review/")
    flag.refresh_from_db()
    assert flag.reviewed_by == clinician_a and flag.reviewed_at is not None
    assert AuditEvent.objects.filter(action="flag.review", patient_uuid=patient_a1.uuid).exists()
    assert (
        "Mark reviewed"
        not in as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    )


def test_the_chart_shows_every_open_flag_and_the_latest_reviews(
    as_clinician_a, clinician_a, patient_a1
):
    """A patient followed for months: twelve flags reviewed over time, then an urgent one.
    The chart read both kinds in one sorted, cut list: PostgreSQL sorts NULL (open) last,
    so the open flag fell off, and both databases listed the oldest reviews."""
    reviewed_from = timezone.now() - timedelta(days=120)
    for n in range(12):
        FlagFactory(
            patient=patient_a1,
            reason=f"old {n}",
            raised_on=date(2026, 1, 1) + timedelta(days=7 * n),
            reviewed_by=clinician_a,
            reviewed_at=reviewed_from + timedelta(days=7 * n),
        )
    FlagFactory(
        patient=patient_a1,
        kind=Flag.Kind.RED_FLAG,
        reason="Saddle numbness reported",
        raised_on=date(2026, 11, 30),
    )
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/")
    assert [f.reason for f in page.context["open_flags"]] == ["Saddle numbness reported"]
    assert [f.reason for f in page.context["reviewed_flags"]] == [
        "old 11", "old 10", "old 9", "old 8", "old 7"
    ]  # fmt: skip


def test_the_chart_shows_adherence_and_the_timeline(
    as_clinician_a, as_patient_a1, patient_a1, program_a1
):
    post_session(as_patient_a1, program_a1, comment="felt good")
    body = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert "Adherence, 7 full days before today" in body and "“felt good”" in body
    assert "Pain 3/10" in body


def test_caseload_sorts_by_adherence_and_filters_needing_attention(
    as_clinician_a, clinic_a, clinician_a, membership_a, patient_a1, patient_a2
):
    with time_machine.travel(days_from_now(-10, patient_a1.tzinfo)):
        mine = patient_program_start(
            actor=Actor.for_member(membership_a),
            patient=patient_a1,
            source=Program.objects.get(template_key="low-back-early-movement"),
        )
        patient_program_start(
            actor=Actor.for_member(membership_a),
            patient=patient_a2,
            source=Program.objects.get(template_key="neck-shoulder-desk"),
        )
    today = patient_today(patient_a1)
    for n in range(1, 4):
        log_pain(patient_a1, mine, 1, today - timedelta(days=n), f"a{n}")
    flags_raise_inactive()  # the daily sweep: Nguyen let ten days go by
    page = as_clinician_a.get("/portal/?sort=adherence").context["page"]
    assert [p.last_name for p in page] == ["Nguyen", "Okafor"]
    assert page[0].done_7d == 0 and page[1].done_7d == 3
    attention = [p.last_name for p in as_clinician_a.get("/portal/?attention=1").context["page"]]
    assert attention == ["Nguyen"]
    log_pain(patient_a1, mine, 9, today, "high")
    attention = [
        p.last_name for p in as_clinician_a.get("/portal/?attention=1&sort=flags").context["page"]
    ]
    assert attention == ["Okafor", "Nguyen"]  # high and rising pain: two flags


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_caseload_queries_stay_constant_with_many_patients_and_logs(
    as_clinician_a, clinic_a, clinician_a, membership_a, patient_a1, program_a1
):
    url = "/portal/?sort=adherence&attention=1"
    few = count_queries(as_clinician_a, url)
    revision = program_a1.revisions.get(number=program_a1.revision)
    extra = [make_patient(clinic_a, "P", f"Person{i:02}", login=False) for i in range(30)]
    SessionLog.objects.bulk_create(
        SessionLog(
            patient=patient,
            program=program_a1,
            revision=revision,
            performed_on=patient_today(patient_a1) - timedelta(days=day),
            logged_at=timezone.now(),
            exercises_done=2,
            client_token=f"{patient.pk}-{day}",
            pain=2,
        )
        for patient in [patient_a1, *extra]
        for day in range(10)
    )
    # Written past the services (which keep the stored figures up to date): bring them up
    # to date, as the first caseload read would (that read alone writes).
    caseload.refresh(Patient.objects.all())
    assert count_queries(as_clinician_a, url) == few


def test_the_today_page_queries_stay_constant(as_patient_a1, patient_a1, program_a1, membership_a):
    # Revised once first: a revised program asks whether its newest sheet is older.
    revise(
        program_a1, membership_a, [{"id": i.pk, "exercise": i.exercise} for i in items(program_a1)]
    )
    few = count_queries(as_patient_a1, "/me/")
    for n in range(12):
        log_pain(
            patient_a1, program_a1, 2, patient_today(patient_a1) - timedelta(days=n % 6), f"t{n}"
        )

    program_a1.refresh_from_db()
    more = [{"id": i.pk, "exercise": i.exercise} for i in items(program_a1)]
    more += [{"exercise": e, "reps": 10} for e in Exercise.objects.filter(clinic=None)[:6]]
    revise(program_a1, membership_a, more)
    assert count_queries(as_patient_a1, "/me/") == few


def test_a_second_patient_reaches_nothing_of_the_first(
    patient_a1, patient_a2, program_a1, as_patient_a1
):
    post_session(as_patient_a1, program_a1, comment="private note")
    other = client_for(patient_a2.user)
    for url in ("/me/", "/me/progress/", "/me/program/", "/me/log/edit/"):
        body = other.get(url, follow=True).content.decode()
        assert "private note" not in body and "Okafor" not in body


def test_a_hostile_item_key_is_refused_not_a_server_error(as_patient_a1, program_a1):
    """Found by tests/fuzz/test_form_fuzzing.py: int() of a 5,000-digit key used to raise."""
    from urllib.parse import urlencode

    data = {"client_token": "t", "pain": "1", "done_" + "9" * 5000: "on"}
    response = as_patient_a1.post(
        "/me/log/", urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "not in your program" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_i_did_them_all_on_a_day_with_nothing_due_keeps_the_extra_session(
    membership_a, patient_a1, as_patient_a1
):
    # Found by the scale-out drill on a Sunday: a 5-days-a-week program whose days were all
    # done Monday to Friday had nothing due, so "I did them all" answered 400 every time.
    template = Program.objects.get(template_key="low-back-core-stability")
    wednesday = datetime(2026, 11, 25, 12, tzinfo=UTC)
    # Started before the days logged: a session of a day before its program is refused.
    with time_machine.travel(wednesday - timedelta(days=7), tick=False):
        program = patient_program_start(
            actor=Actor.for_member(membership_a), patient=patient_a1, source=template
        )
    program.items.update(days_per_week=1, weekdays=0)
    with time_machine.travel(wednesday, tick=False):
        first = as_patient_a1.post(
            "/me/log/", {"client_token": "wed", "all_done": "1", "pain": "2"}
        )
    assert first.status_code == 302
    with time_machine.travel(wednesday + timedelta(days=1), tick=False):
        extra = as_patient_a1.post(
            "/me/log/", {"client_token": "thu", "all_done": "1", "pain": "2"}
        )
    assert extra.status_code == 302
    thursday = SessionLog.objects.get(client_token="thu")
    assert thursday.entries.count() == program.items.count()


def test_a_flag_opened_meanwhile_by_another_request_does_not_lose_this_session(
    monkeypatch, as_patient_a1, patient_a1, program_a1
):
    """Two high-pain sessions at once on PostgreSQL both find no open flag; the second's
    insert meets the one-open-flag constraint. Simulated: the other request's flag is
    committed, and this one's check does not see it."""
    FlagFactory(
        patient=patient_a1,
        reason="the other request",
        raised_on=date.today(),
    )
    monkeypatch.setattr(type(Flag.objects), "open", lambda manager: Flag.objects.none())
    response = post_session(as_patient_a1, program_a1, token="high-pain", pain="8")
    assert response.status_code == 302
    assert SessionLog.objects.filter(client_token="high-pain").exists()
    assert Flag.objects.filter(patient=patient_a1, reviewed_at__isnull=True).count() == 1


def test_two_tabs_changing_one_session_do_not_save_over_each_other(as_patient_a1, program_a1):
    """Tab 1 and tab 2 open the edit page. Tab 1 corrects the pain to 8 (a flag's reason);
    tab 2, still showing pain 2, then saves a comment. The 8 was put back to 2, unseen."""
    post_session(as_patient_a1, program_a1, pain="2")
    tab_2 = as_shown(as_patient_a1, comment="knee a bit stiff")
    response = as_patient_a1.post("/me/log/edit/", as_shown(as_patient_a1, pain="8"))
    assert response.status_code == 302
    response = as_patient_a1.post("/me/log/edit/", tab_2)
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed somewhere else" in page and "pain 8 out of 10" in page
    assert "knee a bit stiff" in page  # the patient's own entries are shown again
    session = SessionLog.objects.get()
    assert (session.pain, session.comment) == (8, "")
    # Saving the page again keeps what it now shows, knowingly.
    form = response.context["form"]
    again = {**tab_2, "seen": form.data["seen"]}
    assert as_patient_a1.post("/me/log/edit/", again).status_code == 302
    session.refresh_from_db()
    assert (session.pain, session.comment) == (2, "knee a bit stiff")


def test_the_second_click_of_a_double_click_on_save_is_no_conflict(as_patient_a1, program_a1):
    post_session(as_patient_a1, program_a1, pain="2")
    data = as_shown(as_patient_a1, pain="5")
    assert as_patient_a1.post("/me/log/edit/", data).status_code == 302
    assert as_patient_a1.post("/me/log/edit/", data).status_code == 302
    assert SessionLog.objects.get().pain == 5


def _log(patient, program, day, comment="", token=None):
    return SessionLogFactory(
        patient=patient,
        program=program,
        performed_on=day,
        exercises_done=3,
        pain=2,
        comment=comment,
        client_token=token or f"t{day}",
    )


def test_sessions_older_than_the_latest_15_are_read_from_the_chart(
    as_clinician_a, patient_a1, program_a1
):
    """The chart shows the 15 latest sessions: what a patient wrote three weeks ago is one
    link away (it was only in a CSV download)."""
    today = patient_today(patient_a1)
    _log(patient_a1, program_a1, today - timedelta(days=20), "Sharp pain at the hip")
    for days in range(1, 16):
        _log(patient_a1, program_a1, today - timedelta(days=days))
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    links = set(re.findall(r'href="(/portal/patients/[^"#]*)"', chart))
    pages = [
        as_clinician_a.get(link).content.decode(errors="replace")
        for link in links
        if not link.endswith((".pdf", ".csv"))
    ]
    assert "Sharp pain at the hip" not in chart
    assert any("Sharp pain at the hip" in page for page in pages)


def test_the_chart_links_to_all_sessions_only_when_it_does_not_show_them_all(
    as_clinician_a, patient_a1, program_a1
):
    today = patient_today(patient_a1)
    for days in range(1, 16):
        _log(patient_a1, program_a1, today - timedelta(days=days))
    url = f"/portal/patients/{patient_a1.uuid}/"
    assert "/sessions/" not in as_clinician_a.get(url).content.decode()
    _log(patient_a1, program_a1, today - timedelta(days=16))
    assert f'href="{url}sessions/"' in as_clinician_a.get(url).content.decode()


def test_all_sessions_pages_newest_first_with_what_was_done_and_changed(
    as_clinician_a, as_patient_a1, patient_a1, program_a1
):
    today = patient_today(patient_a1)
    for days in range(1, 40):
        _log(patient_a1, program_a1, today - timedelta(days=days), f"day {days} note")
    post_session(as_patient_a1, program_a1, comment="first try")
    data = {"client_token": "tok-1", "pain": "6", "effort": "4", "comment": "sore knee"}
    data[f"done_{items(program_a1)[0].exercise_id}"] = "on"
    as_patient_a1.post("/me/log/edit/", data)
    url = f"/portal/patients/{patient_a1.uuid}/sessions/"

    first = as_clinician_a.get(url).content.decode()
    shown = re.findall(r"day (\d+) note", first)
    assert shown == [str(days) for days in range(1, 30)]  # 30 a page: today's, then 1..29
    assert first.index("“sore knee”") < first.index("day 1 note")
    assert "Changed after it was logged" in first and "Pain 6/10 · effort 4/10" in first
    assert items(program_a1)[0].exercise.name in first
    assert "Page 1 of 2" in first and "40 sessions logged" in first
    second = as_clinician_a.get(url + "?page=2").content.decode()
    assert re.findall(r"day (\d+) note", second) == [str(days) for days in range(30, 40)]
    assert "Changed after it was logged" not in second
    assert (
        AuditEvent.objects.filter(
            action="sessions.view", patient_uuid=patient_a1.uuid, actor__isnull=False
        ).count()
        == 2
    )


def test_all_sessions_is_clinical_and_stays_in_the_clinic(
    as_clinician_b, patient_a1, program_a1, frontdesk_a
):
    _log(patient_a1, program_a1, patient_today(patient_a1), "Sharp pain at the hip")
    url = f"/portal/patients/{patient_a1.uuid}/sessions/"
    front_desk = client_for(frontdesk_a).get(url)
    assert front_desk.status_code == 403
    assert "Sharp pain" not in front_desk.content.decode()
    assert as_clinician_b.get(url).status_code == 404


# Counted on this test's page, on its first page and its third alike: the sign-in reads
# (session, user, membership), the patient, the audit write, the count, the page's
# sessions, their entries with exercises and the next mornings.
SESSIONS_PAGE_QUERIES = 9


def test_the_all_sessions_page_queries_are_pinned_whatever_the_history(
    as_clinician_a, patient_a1, program_a1, django_assert_num_queries
):
    url = f"/portal/patients/{patient_a1.uuid}/sessions/"
    today = patient_today(patient_a1)
    first = items(program_a1)[0].exercise
    for days in range(1, 80):
        session = _log(patient_a1, program_a1, today - timedelta(days=days))
        SessionEntry.objects.create(session=session, exercise=first, sets_done=2)
        MorningCheckFactory(
            patient=patient_a1,
            checked_on=session.performed_on + timedelta(days=1),
            compared="same",
            pain=1,
        )
    for page in ("1", "3"):
        with django_assert_num_queries(SESSIONS_PAGE_QUERIES):
            assert as_clinician_a.get(f"{url}?page={page}").status_code == 200


def test_corrections_made_before_the_row_kept_them_are_taken_from_the_audit(
    as_patient_a1, program_a1
):
    """Migration patients 0018: a session corrected before SessionLog.edited_at existed
    shows "changed" from its audit event, the last one standing."""
    import importlib

    from django.apps import apps

    post_session(as_patient_a1, program_a1, comment="first try")
    as_patient_a1.post("/me/log/edit/", as_shown(as_patient_a1, pain="6"))
    session = SessionLog.objects.get()
    corrected = session.edited_at
    assert corrected is not None
    SessionLog.objects.update(edited_at=None)  # as before the migration
    migration = importlib.import_module("patients.migrations.0018_session_edited_at")
    migration.from_the_audit(apps, None)
    session.refresh_from_db()
    last = AuditEvent.objects.filter(action="session.edit").latest("created_at").created_at
    assert session.edited_at == last and abs((last - corrected).total_seconds()) < 5


def _pain_chart(who: str, as_patient, as_clinician, patient) -> str:
    """The pain chart's drawing on the patient's progress page or on the chart."""
    client, url = {
        "patient": (as_patient, "/me/progress/"),
        "clinician": (as_clinician, f"/portal/patients/{patient.uuid}/"),
    }[who]
    page = client.get(url).content.decode()
    chart = page[page.index("Pain during exercise") :]
    return chart[: chart.index("</svg>")]


@pytest.mark.parametrize("who", ["patient", "clinician"])
def test_the_pain_charts_space_sessions_by_the_days_between_them(
    who, as_patient_a1, as_clinician_a, patient_a1, program_a1
):
    """Sessions 1 day apart, then 12 days apart: drawn evenly, the gap of 12 days looked
    no longer than the one day, on the patient's progress page and on the chart."""
    today = patient_today(patient_a1)
    for days_ago in (14, 13, 1):
        _log(patient_a1, program_a1, today - timedelta(days=days_ago))
    chart = _pain_chart(who, as_patient_a1, as_clinician_a, patient_a1)
    first, second, last = line_xs(chart)
    assert last - second == pytest.approx(12 * (second - first), rel=0.01)


@pytest.mark.parametrize("who", ["patient", "clinician"])
def test_the_pain_charts_name_days_as_the_pages_do(
    who, as_patient_a1, as_clinician_a, patient_a1, program_a1
):
    """The chart's pain chart said "05 Nov" where the patient's said "5 Nov", and every
    table on both pages says "5 Nov": one way of naming a day on a chart."""
    today = patient_today(patient_a1)
    day = next(
        today - timedelta(days=n) for n in range(1, 40) if (today - timedelta(days=n)).day < 10
    )
    _log(patient_a1, program_a1, day)
    chart = _pain_chart(who, as_patient_a1, as_clinician_a, patient_a1)
    assert f">{day.day} {day:%b}<" in chart and f">0{day.day} " not in chart


def test_the_weekly_chart_is_told_to_the_patient_in_plain_words():
    """The progress page's sentence under the weekly chart said "averaged 31.2% from 12 Oct
    to 30 Nov; 0 of 8 entries reached the 80% target": a patient's text is plain."""
    from patients.adherence import Period
    from patients.views.patient_area.progress import _weeks_in_words

    monday = date(2026, 11, 2)

    def weeks(*pairs):
        return [
            Period(start=monday + timedelta(weeks=n), done=done, prescribed=prescribed)
            for n, (done, prescribed) in enumerate(pairs)
        ]

    assert _weeks_in_words(weeks((0, 0), (0, 0))) is None
    assert _weeks_in_words(weeks((0, 0), (3, 10))) == (
        "You have done 30% of this week's plan so far."
    )
    # This week (the last) has only begun: the whole weeks before it are counted.
    assert _weeks_in_words(weeks((0, 0), (9, 10), (5, 10), (8, 10), (0, 2))) == (
        "Before this week, you did 73% of the exercises in your plan, and 80% or more in 2 "
        "of 3 weeks."
    )
    # The weeks' exercises together, as the report counts them: a first week of one day
    # (done twice) weighs as one day, not as a week at 200%.
    assert "did 43% of the exercises" in _weeks_in_words(weeks((2, 1), (1, 6), (0, 0)))


def test_the_progress_page_shows_the_plain_sentence(as_patient_a1, program_a1):
    post_session(as_patient_a1, program_a1)
    page = as_patient_a1.get("/me/progress/").content.decode()
    assert "of this week&#x27;s plan so far." in page and "entries" not in page


def test_the_plain_sentence_does_not_count_a_week_that_has_only_begun():
    """by_week ends with the current week, counted up to and including today. On a
    Monday before the patient has logged, a patient who did every session of three
    whole weeks read "On average you did 75% of your plan each week. You did 80% or more
    in 3 of 4 weeks.": a week one morning old counted as a week missed."""
    from patients.adherence import Period
    from patients.views.patient_area.progress import _weeks_in_words

    monday = date(2026, 11, 2)
    weeks = [
        *(Period(start=monday + timedelta(weeks=n), done=7, prescribed=7) for n in range(3)),
        # This week so far: today's session prescribed, not done yet.
        Period(start=monday + timedelta(weeks=3), done=0, prescribed=1),
    ]
    sentence = _weeks_in_words(weeks)
    assert "3 of 4 weeks" not in sentence
    assert "you did 100% of the exercises in your plan" in sentence


def test_flags_name_days_as_the_chart_does(patient_a1, program_a1):
    """The chart's "Needs attention" said "Pain 7/10 during exercise on 02 Dec." beside
    sessions listed as "2 Dec": a flag's day reads as every other day on the page."""
    from patients.practice_log import short_day

    assert short_day(date(2026, 12, 2)) == "2 Dec"
    assert short_day(date(2026, 12, 2), weekday=True) == "Wed 2 Dec"
    from patients.practice_log import _raise_pain_flags

    session = _log(patient_a1, program_a1, date(2026, 12, 2))
    session.pain = 8
    _raise_pain_flags(patient_a1, session)
    flag = Flag.objects.open().get(patient=patient_a1, kind=Flag.Kind.PAIN_HIGH)
    assert flag.reason == "Pain 8/10 during exercise on 2 Dec."


def test_the_weekly_chart_starts_with_the_programs_first_week(as_patient_a1, program_a1):
    """A program begun this week showed seven empty weeks before it on the patient's
    chart (and a report asked from before the start did the same): weeks with no plan
    yet say nothing. A week with a plan and nothing done still shows."""
    from patients.adherence import Period, since_first_planned

    chart = as_patient_a1.get("/me/progress/").context["adherence_chart"]
    assert len(chart.rows) == 1
    monday = date(2026, 11, 2)
    weeks = [
        Period(start=monday, done=0, prescribed=0),
        Period(start=monday + timedelta(weeks=1), done=0, prescribed=5),
        Period(start=monday + timedelta(weeks=2), done=0, prescribed=0),  # paused
        Period(start=monday + timedelta(weeks=3), done=2, prescribed=5),
    ]
    assert since_first_planned(weeks) == weeks[1:]
    assert since_first_planned(weeks[:1]) == weeks[:1]  # this week always


@pytest.mark.parametrize(
    ("sets", "reps", "said"),
    [(1, 1, "(1 set of 1 rep)"), (3, 10, "(3 sets of 10 reps)"), (2, None, "(2 sets)")],
)
def test_the_timeline_says_one_set_and_one_rep_in_the_singular(
    as_clinician_a, patient_a1, program_a1, sets, reps, said
):
    """The chart's timeline read "Bird dog (1 sets × 1 reps)"."""
    session = _log(patient_a1, program_a1, patient_today(patient_a1) - timedelta(days=1))
    exercise = items(program_a1)[0].exercise
    SessionEntry.objects.create(session=session, exercise=exercise, sets_done=sets, reps_done=reps)
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert f"{exercise.name} {said}" in page


def test_once_everything_due_is_done_the_page_offers_no_second_i_did_them_all(
    as_patient_a1, program_a1
):
    """Found on a phone: after saving, every card said "All done for today" but the green
    "I did them all: save" stayed, and a second tap logged the whole day again."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    as_patient_a1.post("/me/log/", {"client_token": "first", "all_done": "1", "pain": "2"})
    page = as_patient_a1.get("/me/").content.decode()
    assert "I did them all: save" not in page
    assert "Save an extra session" in page
    assert "You have done all of today's exercises" in page


def test_i_did_them_all_ticks_only_what_is_left_to_do_today(as_patient_a1, program_a1):
    """One exercise twice a day, the others once: the second "I did them all" (the
    evening's) logs only the one still to do, not the others a second time."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    twice = items(program_a1)[0]
    program_a1.items.filter(pk=twice.pk).update(times_per_day=2)
    as_patient_a1.post("/me/log/", {"client_token": "morning", "all_done": "1", "pain": "2"})
    assert "I did them all: save" in as_patient_a1.get("/me/").content.decode()
    as_patient_a1.post("/me/log/", {"client_token": "evening", "all_done": "1", "pain": "2"})
    evening = SessionLog.objects.get(client_token="evening")
    assert [e.exercise_id for e in evening.entries.all()] == [twice.exercise_id]
    assert evening.exercises_done == 1


def _seen_today(page: str) -> str:
    return re.search(r'name="seen_today" value="(\d+)"', page).group(1)


def test_i_did_them_all_from_a_page_drawn_before_another_tab_saved_asks_again(
    as_patient_a1, program_a1
):
    """Two tabs (or a phone and a laptop) open on Today: "I did them all" saved in one, then
    tapped in the other, logged the whole day a second time. It now comes back with the
    patient's pain and words kept, and saves as an extra session only when asked to."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    stale = as_patient_a1.get("/me/").content.decode()
    assert _seen_today(stale) == "0"
    first = {"client_token": "tab-1", "all_done": "1", "pain": "2", "seen_today": "0"}
    assert as_patient_a1.post("/me/log/", first).status_code == 302
    again = as_patient_a1.post(
        "/me/log/",
        {
            "client_token": "tab-2",
            "all_done": "1",
            "pain": "6",
            "comment": "sore knee",
            "seen_today": _seen_today(stale),
        },
    )
    assert again.status_code == 409
    page = again.content.decode()
    assert "already saved, on another page or phone" in page
    assert "sore knee" in page and 'value="6" checked' in page
    assert "Save an extra session" in page and 'name="all_done"' not in page
    assert SessionLog.objects.count() == 1
    # The page it came back as: every exercise ticked, one tap on "Save an extra session".
    ticked = dict.fromkeys(re.findall(r'name="(done_\d+)" id="[^"]+" checked', page), "on")
    assert len(ticked) == program_a1.items.count()
    extra = as_patient_a1.post(
        "/me/log/",
        {
            "client_token": "tab-2",
            "pain": "6",
            "comment": "sore knee",
            "seen_today": _seen_today(page),
            **ticked,
        },
    )
    assert extra.status_code == 302
    assert SessionLog.objects.get(client_token="tab-2").exercises_done == len(ticked)


def test_i_did_them_all_after_a_save_in_another_tab_still_logs_what_is_left(
    as_patient_a1, program_a1
):
    """Something still to do today (a twice-a-day exercise): the stale page's tap logs it."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    twice = items(program_a1)[0]
    program_a1.items.filter(pk=twice.pk).update(times_per_day=2)
    as_patient_a1.post("/me/log/", {"client_token": "am", "all_done": "1", "pain": "2"})
    response = as_patient_a1.post(
        "/me/log/", {"client_token": "pm", "all_done": "1", "pain": "2", "seen_today": "0"}
    )
    assert response.status_code == 302
    assert [e.exercise_id for e in SessionLog.objects.get(client_token="pm").entries.all()] == [
        twice.exercise_id
    ]


def test_a_session_kept_on_the_phone_from_a_stale_page_is_still_saved(as_patient_a1, program_a1):
    """The phone keeps the page's fields, `seen_today` too; what it sends later was done
    then, and one refused would be dropped from the phone."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    stale = as_patient_a1.get("/me/").content.decode()
    as_patient_a1.post("/me/log/", {"client_token": "online", "all_done": "1", "pain": "2"})
    kept = dict(re.findall(r'name="(exercise_\d+)" value="([^"]+)"', stale))
    kept.update(client_token="kept", all_done="1", pain="3", seen_today=_seen_today(stale))
    kept["made_at"] = str(int(timezone.now().timestamp() * 1000))
    response = as_patient_a1.post("/me/log/sync", kept)
    assert response.json()["state"] == "saved"
    assert SessionLog.objects.count() == 2


def test_an_urgent_sign_ticked_on_a_second_i_did_them_all_reaches_the_clinic(
    as_patient_a1, program_a1
):
    """Found by review: the stale page's "I did them all" came back without saving, and the
    urgent sign ticked on it went nowhere. The sign is told to the clinic and the patient
    gets the advice, as when a session is refused."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    as_patient_a1.post("/me/log/", {"client_token": "tab-1", "all_done": "1", "pain": "2"})
    stale = {"client_token": "tab-2", "all_done": "1", "pain": "3", "seen_today": "0"}
    response = as_patient_a1.post("/me/log/", {**stale, "signs": [BACK_URGENT]})
    assert response.status_code == 302 and response["Location"] == "/me/advice/"
    # The advice page has no "Save an extra session" to press: not told to press it.
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert "Emergency" in advice or "911" in advice or "999" in advice
    assert "Save an extra session" not in advice
    assert SessionLog.objects.count() == 1
    assert BACK_URGENT in Flag.objects.get(kind=Flag.Kind.RED_FLAG).reason


def test_an_urgent_sign_gets_its_advice_when_the_save_cannot_wait_its_turn(
    as_patient_a1, program_a1, monkeypatch
):
    """The lock that orders two tabs' "I did them all" failed (the request's database
    deadline cut the wait) before the form was read: the "not saved" page came without
    the advice for the urgent sign ticked (found by review)."""
    from django.db import OperationalError

    from patients.views.patient_area import today

    def cut(_patient):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(today, "wait_for_other_logs", cut)
    response = as_patient_a1.post(
        "/me/log/",
        {"client_token": "urgent", "all_done": "1", "pain": "2", "signs": [BACK_URGENT]},
    )
    assert response.status_code == 503
    assert response.context["urgent"] is True
    assert BACK_URGENT in response.context["urgent_signs"]


def test_an_urgent_sign_on_a_session_sent_back_for_a_fix_reaches_the_clinic_at_once(
    as_patient_a1, program_a1
):
    """A session refused for another field (no pain score) comes back to be put right; the
    patient may leave instead. The sign is told now, and once more when it is saved, to
    the same open flag."""
    refused = as_patient_a1.post(
        "/me/log/", {"client_token": "t", "all_done": "1", "signs": [BACK_URGENT]}
    )
    assert refused.status_code == 400
    assert Flag.objects.filter(kind=Flag.Kind.RED_FLAG).count() == 1
    # And the patient is told what to do now, above the form (found by review: the advice
    # was only in the page's hidden block, which shows when a log is kept offline).
    page = refused.content.decode()
    shown = page[: page.index('data-offline-advice="urgent"')]
    assert "Get help now" in shown and "We have told your clinician." in shown
    # Beside the page's hidden offline copy of the same advice: no id twice (review), and
    # under the page's own heading.
    twice = [i for i, n in Counter(re.findall(r'\bid="([^"]+)"', page)).items() if n > 1]
    assert (
        twice == []
        and '<h2 id="told-urgent-now"' in shown
        and "<h1" not in shown.split("data-told-advice")[1]
    )
    as_patient_a1.post(
        "/me/log/", {"client_token": "t", "all_done": "1", "pain": "3", "signs": [BACK_URGENT]}
    )
    assert SessionLog.objects.count() == 1
    assert Flag.objects.filter(kind=Flag.Kind.RED_FLAG).count() == 1


@pytest.mark.parametrize(
    ("pain", "said"),
    [
        ("5", "Saved. Well done!"),
        ("6", "Pain above 5 is too much"),
        # Flagged at once: what to do now, that the clinic knows, and whom to call (the
        # phone review found pain 8 answered as pain 6).
        ("8", "Pain of 8 is a lot: stop for today and rest. We have told your clinician."),
        ("8", "If it has not settled by tomorrow morning, call Clinic A on "),
    ],
)
def test_saving_a_session_with_pain_above_the_guide_says_the_guide_again(
    as_patient_a1, program_a1, pain, said
):
    """Found by review: pain 7 of 10 was answered "Saved. Well done!" under a guide that
    says above 5 is too much."""
    response = as_patient_a1.post(
        "/me/log/", {"client_token": f"p{pain}", "all_done": "1", "pain": pain}, follow=True
    )
    page = response.content.decode()
    assert said in page
    assert ("Well done" in page) == (pain == "5")


@pytest.mark.parametrize(
    ("pain", "effort", "said"),
    [(6, 4, "Pain 6/10 · effort 4/10"), (6, None, "Pain 6/10<"), (None, None, "Pain not given<")],
)
def test_the_timeline_says_effort_only_when_given(
    as_clinician_a, patient_a1, program_a1, pain, effort, said
):
    """Found by review: "Pain 3/10 · effort –/10" for a session logged without the
    optional effort."""
    SessionLogFactory(
        patient=patient_a1,
        program=program_a1,
        performed_on=patient_today(patient_a1) - timedelta(days=1),
        pain=pain,
        effort=effort,
    )
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert said in page and "–/10" not in page


def test_the_same_i_did_them_all_sent_again_is_already_saved_not_another_pages(
    as_patient_a1, program_a1
):
    """Found by review: a double tap, or a resend after a lost answer, of the page's own
    "I did them all" met its first save as "saved on another page or phone" (409)."""
    program_a1.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    page = as_patient_a1.get("/me/").content.decode()
    data = {"client_token": "once", "all_done": "1", "pain": "2", "seen_today": _seen_today(page)}
    assert as_patient_a1.post("/me/log/", data).status_code == 302
    again = as_patient_a1.post("/me/log/", data, follow=True)
    assert again.redirect_chain[-1][0] == "/me/"
    assert "This session was already saved." in again.content.decode()
    assert SessionLog.objects.count() == 1


def _late_evening_then(patient, program, *, minutes_after_midnight: int):
    """Today drawn at 23:50 on a Monday (one exercise due on Mondays only), and the clock
    `minutes_after_midnight` into Tuesday when it is sent; (page, client, clock, monday)."""
    start = program.start_date or date.today()
    monday = start + timedelta(days=7 + (7 - start.weekday()) % 7)
    monday_only = items(program)[0]
    program.items.update(days_per_week=7, weekdays=0, times_per_day=1)
    program.items.filter(pk=monday_only.pk).update(days_per_week=1, weekdays=1)
    evening = datetime.combine(monday, datetime.min.time(), patient.tzinfo) + timedelta(
        hours=23, minutes=50
    )
    clock = time_machine.travel(evening, tick=False)
    clock.start()
    client = client_for(patient.user)
    page = client.get("/me/").content.decode()
    clock.stop()
    tuesday = evening + timedelta(minutes=10 + minutes_after_midnight)
    return page, client, time_machine.travel(tuesday, tick=False), monday, monday_only


def _drawn_on(page: str) -> str:
    return re.search(r'name="drawn_on" value="([^"]+)"', page).group(1)


def test_i_did_them_all_just_after_midnight_logs_the_day_the_page_showed(patient_a1, program_a1):
    """Opened at 23:50, "I did them all" at 00:02: it was logged on the new day with the
    new day's list, so the Monday-only exercise done was not logged and Monday read as
    nothing done (found on a phone)."""
    page, client, tuesday, monday, monday_only = _late_evening_then(
        patient_a1, program_a1, minutes_after_midnight=2
    )
    assert _drawn_on(page) == monday.isoformat() and monday_only.exercise.name in page
    with tuesday:
        sent = {"client_token": "late", "all_done": "1", "pain": "2", "drawn_on": monday}
        answer = client.post("/me/log/", sent, follow=True)
    assert "Saved as yesterday&#x27;s session. Well done!" in answer.content.decode()
    session = SessionLog.objects.get()
    assert session.performed_on == monday
    assert set(session.entries.values_list("exercise_id", flat=True)) == {
        item.exercise_id for item in items(program_a1)
    }


def test_a_page_of_an_earlier_day_does_not_tick_the_new_days_list(patient_a1, program_a1):
    """Past the grace after midnight, "I did them all" from the old page would tick a list
    the patient never saw: the page comes back with today's list, nothing saved. Ticked
    one by one, the exercises are logged today (they were done after midnight)."""
    _page, client, tuesday, monday, _monday_only = _late_evening_then(
        patient_a1, program_a1, minutes_after_midnight=4 * 60
    )
    with tuesday:
        client.force_login(patient_a1.user)  # signed in again: the page was idle for hours
        sent = {"client_token": "old", "all_done": "1", "pain": "6", "drawn_on": monday}
        answer = client.post("/me/log/", sent)
        assert answer.status_code == 409
        again = answer.content.decode()
        assert "This page was from an earlier day, so nothing was saved." in again
        assert 'value="6" checked' in again
        assert _drawn_on(again) == (monday + timedelta(days=1)).isoformat()
        assert not SessionLog.objects.exists()
        other = items(program_a1)[1]
        ticked = {"client_token": "one", "pain": "2", f"done_{other.pk}": "on", "drawn_on": monday}
        assert client.post("/me/log/", ticked).status_code == 302
    assert SessionLog.objects.get().performed_on == monday + timedelta(days=1)


def test_a_late_page_sent_back_for_a_fix_keeps_its_day(patient_a1, program_a1):
    """Sent at 00:02 without a pain score, the page came back as the new day's: the
    corrected save then went under it."""
    _page, client, tuesday, monday, monday_only = _late_evening_then(
        patient_a1, program_a1, minutes_after_midnight=2
    )
    with tuesday:
        sent = {"client_token": "fix", f"done_{monday_only.pk}": "on", "drawn_on": monday}
        again = client.post("/me/log/", sent)
        assert again.status_code == 400
        assert _drawn_on(again.content.decode()) == monday.isoformat()
        assert client.post("/me/log/", {**sent, "pain": "3"}).status_code == 302
    assert SessionLog.objects.get().performed_on == monday


def test_a_session_kept_offline_just_after_midnight_keeps_the_day_of_its_page(
    patient_a1, program_a1
):
    """Kept on the phone at 00:02 from a page drawn at 23:50, it was dated by when it was
    made: the new day, with the new day's list (the online save's bug, offline)."""
    page, client, tuesday, monday, monday_only = _late_evening_then(
        patient_a1, program_a1, minutes_after_midnight=2
    )
    with tuesday:
        kept = {
            "client_token": "kept-late",
            "all_done": "1",
            "pain": "2",
            "drawn_on": _drawn_on(page),
            "made_at": str(int(timezone.now().timestamp() * 1000)),
        }
        kept.update({f"exercise_{i.pk}": str(i.exercise.uuid) for i in items(program_a1)})
        back_online = timezone.now() + timedelta(hours=14)
    # Sent that afternoon, once the phone is back online.
    with time_machine.travel(back_online, tick=False):
        client.force_login(patient_a1.user)
        assert client.post("/me/log/sync", kept).json()["state"] == "saved"
    session = SessionLog.objects.get()
    logged = set(session.entries.values_list("exercise_id", flat=True))
    assert (session.performed_on, monday_only.exercise_id in logged) == (monday, True)


def test_saved_meanwhile_just_after_midnight_comes_back_as_the_pages_day(patient_a1, program_a1):
    """Saved in another tab at 23:55, then "I did them all" here at 00:02: the page came
    back as the new day's, without the "Save an extra session" its message names."""
    page, client, tuesday, monday, _monday_only = _late_evening_then(
        patient_a1, program_a1, minutes_after_midnight=2
    )
    sent = {"all_done": "1", "pain": "2", "seen_today": "0", "drawn_on": _drawn_on(page)}
    five_to = datetime.combine(monday, datetime.min.time(), patient_a1.tzinfo) + timedelta(
        hours=23, minutes=55
    )
    with time_machine.travel(five_to, tick=False):
        assert client.post("/me/log/", {**sent, "client_token": "other-tab"}).status_code == 302
    with tuesday:
        answer = client.post("/me/log/", {**sent, "client_token": "this-tab"})
    assert answer.status_code == 409
    again = answer.content.decode()
    assert _drawn_on(again) == monday.isoformat()
    assert "Save an extra session</button>" in again
    assert SessionLog.objects.get().performed_on == monday


def test_today_shows_the_amount_done_when_it_was_not_the_dose(as_patient_a1, program_a1):
    """Found by the phone review: after 1 set of 8 was logged, the card said "All done
    for today" beside "2 sets of 10 reps", as if that was done. It says what was done."""
    item = items(program_a1)[0]
    ProgramItem.objects.filter(pk=item.pk).update(sets=2, reps=10, times_per_day=1)
    other = items(program_a1)[1]
    ProgramItem.objects.filter(pk=other.pk).update(times_per_day=1)
    sent = {"client_token": "amounts", "pain": "2", f"sets_{item.pk}": "1"}
    sent |= {f"reps_{item.pk}": "8", f"done_{other.pk}": "on"}
    as_patient_a1.post("/me/log/", sent)
    page = as_patient_a1.get("/me/").content.decode()
    cards = page.split('class="card shadow-sm mb-3 exercise-card')[1:]
    changed = next(card for card in cards if f'name="done_{item.pk}"' in card)
    ticked = next(card for card in cards if f'name="done_{other.pk}"' in card)
    assert "All done for today" in changed
    assert re.search(r'class="small mb-2 done-amounts">You did: 1 set of 8 reps</p>', changed)
    assert "All done for today" in ticked and "You did:" not in ticked  # as prescribed


def test_the_amount_done_in_words():
    assert describe_done(1, 8) == "1 set of 8 reps"
    assert describe_done(3, 1) == "3 sets of 1 rep"
    assert (describe_done(None, 12), describe_done(1, None)) == ("12 reps", "1 set")
    assert describe_done(None, None) == ""


def test_a_week_with_nothing_to_count_yet_says_so(as_patient_a1, patient_a1, program_a1):
    """Found by the phone review: on a Monday morning the figure read "– of this week's
    plan so far"."""
    monday = patient_today(patient_a1) - timedelta(days=patient_today(patient_a1).weekday())
    program_a1.items.update(weekdays=0, days_per_week=7)
    with time_machine.travel(datetime.combine(monday, time(9), tzinfo=patient_a1.tzinfo)):
        page = as_patient_a1.get("/me/progress/").content.decode()
    assert "Nothing to count yet this week" in page
    assert '–</div><div class="small text-muted">of this week' not in page


def test_the_progress_page_does_not_praise_doing_more_than_the_plan(
    as_patient_a1, program_a1, monkeypatch
):
    """Found by the phone review: "233% of this week's plan so far", and nothing else."""
    from patients import adherence

    post_session(as_patient_a1, program_a1)
    note = "That is more than your plan. Doing more is not always better"
    assert note not in as_patient_a1.get("/me/progress/").content.decode()
    real = adherence.by_week

    def more_than_planned(*args, **kwargs):
        weeks = real(*args, **kwargs)
        last = weeks[-1]
        return [*weeks[:-1], adherence.Period(start=last.start, done=7, prescribed=3)]

    monkeypatch.setattr(adherence, "by_week", more_than_planned)
    page = as_patient_a1.get("/me/progress/").content.decode()
    assert "233%" in page and note in page
    assert adherence.Period(start=date(2026, 11, 2), done=11, prescribed=10).above_plan is False
    assert adherence.Period(start=date(2026, 11, 2), done=12, prescribed=10).above_plan is True
