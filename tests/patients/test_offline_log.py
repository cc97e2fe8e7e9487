"""A session log kept on the patient's phone while offline, sent later (/me/log/sync)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import AuditEvent
from patients.adherence import patient_today
from patients.models import Flag, Patient, SessionLog
from patients.services import patient_program_set_status, patient_program_start
from programs.models import Exercise, Program
from tests.conftest import actor_of, revise
from tests.patients.test_symptoms import BACK_URGENT


def ms(moment) -> str:
    return str(int(moment.timestamp() * 1000))


def kept(program, *, key="phone-key-1", made_at=None, **extra) -> dict:
    """A log as the phone keeps it: the Today form's fields, the first two rows ticked."""
    data = {"client_token": key, "pain": "4", "effort": "3", "comment": "on the bus"}
    data["made_at"] = str(int(time.time() * 1000)) if made_at is None else made_at
    for item in list(program.items.select_related("exercise"))[:2]:
        data[f"done_{item.pk}"] = "on"
        data[f"exercise_{item.pk}"] = str(item.exercise.uuid)
    data.update(extra)
    return data


def sync(client, program, **options):
    return client.post("/me/log/sync", kept(program, **options))


def test_a_kept_log_is_saved_once_however_often_it_is_sent(as_patient_a1, program_a1):
    first = sync(as_patient_a1, program_a1)
    assert first.status_code == 200 and first.json()["state"] == "saved"
    again = sync(as_patient_a1, program_a1)
    assert again.status_code == 200 and again.json()["state"] == "duplicate"
    session = SessionLog.objects.get()
    assert (session.pain, session.exercises_done, session.comment) == (4, 2, "on the bus")
    assert AuditEvent.objects.filter(action="session.log").count() == 1


def test_a_kept_log_sent_again_after_the_patient_corrected_it_is_still_a_duplicate(
    as_patient_a1, program_a1
):
    """The phone resends what it kept, whatever the patient changed since on the edit page:
    told anything but "duplicate", it keeps the log and sends it again. (The API refuses a
    token sent with another session; the patient area does not.)"""
    assert sync(as_patient_a1, program_a1).json()["state"] == "saved"
    session = SessionLog.objects.get()
    edit = {"client_token": "phone-key-1", "pain": "6", "effort": "3", "comment": "on the bus"}
    for entry in session.entries.all():
        edit[f"done_{entry.exercise_id}"] = "on"
    assert as_patient_a1.post("/me/log/edit/", edit).status_code == 302
    again = sync(as_patient_a1, program_a1)
    assert again.status_code == 200 and again.json()["state"] == "duplicate"
    session.refresh_from_db()
    assert session.pain == 6 and SessionLog.objects.count() == 1


def test_it_is_dated_the_day_it_was_made(as_patient_a1, program_a1, patient_a1):
    two_days_ago = timezone.now() - timedelta(days=2)
    sync(as_patient_a1, program_a1, made_at=ms(two_days_ago))
    expected = timezone.localtime(two_days_ago, patient_a1.tzinfo).date()
    assert SessionLog.objects.get().performed_on == expected


def test_a_phone_clock_ahead_never_dates_a_session_in_the_future(
    as_patient_a1, program_a1, patient_a1
):
    sync(as_patient_a1, program_a1, made_at=ms(timezone.now() + timedelta(days=3)))
    assert SessionLog.objects.get().performed_on == patient_today(patient_a1)


def test_a_log_older_than_7_days_is_refused_with_a_clear_message(as_patient_a1, program_a1):
    response = sync(
        as_patient_a1, program_a1, made_at=ms(timezone.now() - timedelta(days=7, minutes=1))
    )
    assert response.status_code == 409
    assert response.json()["state"] == "refused"
    assert "more than 7 days ago" in response.json()["message"]
    assert not SessionLog.objects.exists()


@pytest.mark.parametrize("made_at", ["", "soon", "-5", "9" * 80])
def test_it_refuses_an_unreadable_time(as_patient_a1, program_a1, made_at):
    response = sync(as_patient_a1, program_a1, made_at=made_at)
    assert response.status_code == 400 and response.json()["state"] == "invalid"
    assert not SessionLog.objects.exists()


def test_a_signed_out_phone_keeps_its_log(program_a1):
    response = sync(Client(), program_a1, HTTP_X_LIMBER_RESUME="1")
    assert response.status_code == 302
    assert not SessionLog.objects.exists()


def test_the_app_is_installable_from_our_own_files(client):
    worker = client.get("/me/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    text = worker.content.decode()
    assert "__PRECACHE__" not in text and '["/me/offline/?lang=en", ' in text
    assert "http" not in text.split("PRECACHE =")[1].split(";")[0]  # no other origin


def test_the_no_connection_page_is_in_the_patients_language_and_styled(as_patient_a1, patient_a1):
    """Found by the Spanish review: the page a phone shows offline was English whatever
    the patient's language (with the advice to call for help), and unstyled: its style
    sheets' addresses were relative to /me/progress/, where it was shown."""
    import re

    Patient.objects.filter(pk=patient_a1.pk).update(preferred_language="es")
    today = as_patient_a1.get("/me/").content.decode()
    worker_url = re.search(r'data-service-worker-url="([^"]+)"', today).group(1)
    assert worker_url == "/me/sw.js?lang=es"
    worker = Client().get(worker_url).content.decode()
    precache = json.loads(worker.split("var PRECACHE = ")[1].split(";")[0])
    assert precache[0] == "/me/offline/?lang=es"
    page = Client().get(precache[0])
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="es">' in html
    assert "Sin conexión" in html and "emergencias" in html
    # Each style sheet it links is one the worker keeps, by its full path.
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert sheets and all(sheet.startswith("/static/") and sheet in precache for sheet in sheets)
    # Anything else than a patient language: English.
    assert '<html lang="en">' in Client().get("/me/offline/?lang=xx").content.decode()


def test_signing_out_clears_the_device(as_patient_a1):
    response = as_patient_a1.post("/accounts/logout/")
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_the_idle_sign_out_keeps_the_device_storage(as_patient_a1, settings):
    from clinic.middleware import SEEN

    session = as_patient_a1.session
    session[SEEN] = int(time.time()) - settings.IDLE_TIMEOUT_PATIENT - 5
    session.save()
    response = as_patient_a1.get("/me/")
    assert response.status_code == 302 and "Clear-Site-Data" not in response


def yesterday_ms() -> str:
    return ms(timezone.now() - timedelta(days=1))


def test_the_today_form_names_each_rows_exercise_for_the_phone(as_patient_a1, program_a1):
    page = as_patient_a1.get("/me/").content.decode()
    for item in program_a1.items.select_related("exercise"):
        assert f'name="exercise_{item.pk}" value="{item.exercise.uuid}"' in page


def test_a_kept_log_survives_an_exercise_taken_out_of_the_program_meanwhile(
    as_patient_a1, membership_a, program_a1
):
    """Done offline (pain 7); the clinician takes the first exercise out before the phone is
    back online. The phone deletes a log on any answer, so anything but a save loses it."""
    first, second, *rest = program_a1.items.select_related("exercise")
    phone = kept(program_a1, pain="7")
    revise(
        program_a1, membership_a, [{"id": i.pk, "exercise": i.exercise} for i in [second, *rest]]
    )
    response = as_patient_a1.post("/me/log/sync", phone)
    assert response.json()["state"] == "saved", response.json()
    session = SessionLog.objects.get()
    assert session.pain == 7 and session.exercises_done == 2
    assert set(session.entries.values_list("exercise_id", flat=True)) == {
        first.exercise_id,
        second.exercise_id,
    }
    assert session.revision.number == 1  # what the patient was following then
    assert Flag.objects.filter(kind=Flag.Kind.PAIN_HIGH).exists()


def test_a_kept_log_survives_the_program_being_paused_or_replaced_meanwhile(
    as_patient_a1, clinician_a, patient_a1, program_a1
):
    paused = kept(program_a1, key="before-pause", made_at=yesterday_ms())
    replaced = kept(program_a1, key="before-new-program", made_at=yesterday_ms())
    patient_program_set_status(
        actor=actor_of(clinician_a), patient=patient_a1, program=program_a1, status="paused"
    )
    assert as_patient_a1.post("/me/log/sync", paused).json()["state"] == "saved"
    patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    assert as_patient_a1.post("/me/log/sync", replaced).json()["state"] == "saved"
    assert set(SessionLog.objects.values_list("program", flat=True)) == {program_a1.pk}


def test_a_kept_row_names_only_an_exercise_its_program_prescribed(
    as_patient_a1, membership_a, program_a1
):
    """The exercise named for a row that has left the program must be one the program
    prescribed: a phone cannot log an exercise the patient was never given."""
    first, second, *rest = program_a1.items.select_related("exercise")
    other = Exercise.objects.exclude(pk__in=program_a1.items.values("exercise")).first()
    phone = kept(program_a1, **{f"exercise_{first.pk}": str(other.uuid)})
    revise(
        program_a1, membership_a, [{"id": i.pk, "exercise": i.exercise} for i in [second, *rest]]
    )
    response = as_patient_a1.post("/me/log/sync", phone)
    assert response.json()["state"] == "invalid"
    assert not SessionLog.objects.exists()


def test_the_today_form_still_refuses_a_paused_program(
    as_patient_a1, patient_a1, program_a1, clinician_a
):
    patient_program_set_status(
        actor=actor_of(clinician_a), patient=patient_a1, program=program_a1, status="paused"
    )
    data = kept(program_a1)
    del data["made_at"]
    as_patient_a1.post("/me/log/", data)
    assert not SessionLog.objects.exists()


def test_a_kept_row_swapped_for_another_exercise_meanwhile_logs_what_the_page_showed(
    as_patient_a1, membership_a, program_a1
):
    """Offline, the page showed a row as exercise X; before the phone synced, the clinician
    progressed that row to a harder exercise (the row keeps its id). The log is of X, the
    exercise the patient did, not of the one the row holds now."""
    first, *rest = program_a1.items.select_related("exercise")
    phone = kept(program_a1, pain="6")
    harder = Exercise.objects.exclude(pk__in=program_a1.items.values("exercise")).first()
    rows = [
        {"id": first.pk, "exercise": harder},
        *({"id": i.pk, "exercise": i.exercise} for i in rest),
    ]
    revise(program_a1, membership_a, rows)
    assert as_patient_a1.post("/me/log/sync", phone).json()["state"] == "saved"
    logged = set(SessionLog.objects.get().entries.values_list("exercise_id", flat=True))
    assert first.exercise_id in logged and harder.pk not in logged


def test_invented_rows_cannot_multiply_what_a_kept_log_says_was_done(as_patient_a1, program_a1):
    """Any key that is not a row now was taken for a row taken out since: hundreds of
    invented keys naming one prescribed exercise added their sets into one entry. One
    rebuilt row per exercise; the rest are unknown rows, and the log is refused."""
    first = program_a1.items.select_related("exercise").first()
    phone = kept(program_a1)
    for n in range(300):
        fake = 900_000_000 + n
        phone.update({f"done_{fake}": "on", f"exercise_{fake}": str(first.exercise.uuid)})
    response = as_patient_a1.post("/me/log/sync", phone)
    assert response.status_code == 400 and response.json()["state"] == "invalid"
    assert not SessionLog.objects.exists()


def stamp_of(client) -> str:
    """The stamp the phone keeps with a log: the one on the page it was made on."""
    import re

    page = client.get("/me/").content.decode()
    return re.search(r'data-session-stamp="([0-9a-f]+)"', page).group(1)


@pytest.fixture
def patient_a2_on_the_same_template(clinician_a, patient_a2):
    """A second patient whose program shares exercises with patient_a1's."""
    patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient_a2,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    return patient_a2


def test_a_log_kept_on_a_shared_phone_waits_for_the_patient_who_made_it(
    as_patient_a1, patient_a1, patient_a2_on_the_same_template, program_a1
):
    """A1 logs offline (pain 8, a private comment); their session ends; A2 signs in on the
    same phone, which sends what it kept. It was filed in A2's record: A2 read the comment
    on their edit page, and A2's clinician saw A1's pain."""
    from tests.conftest import client_for

    phone = kept(program_a1, pain="8", comment="A1 only", kept_by=stamp_of(as_patient_a1))
    as_a2 = client_for(patient_a2_on_the_same_template.user)
    response = as_a2.post("/me/log/sync", phone)
    assert (response.status_code, response.json()["state"]) == (409, "elsewhere")
    assert "A1 only" not in response.content.decode()
    assert not SessionLog.objects.exists()
    # A log kept before logs carried a stamp: only rows of A2's own programs could make
    # it A2's, and these are A1's.
    del phone["kept_by"]
    response = as_a2.post("/me/log/sync", phone)
    assert response.status_code == 409 and not SessionLog.objects.exists()
    # A1 signs in again: it is sent, and theirs.
    phone["kept_by"] = stamp_of(as_patient_a1)
    assert as_patient_a1.post("/me/log/sync", phone).json()["state"] == "saved"
    assert SessionLog.objects.get().patient == patient_a1


def test_a_kept_log_with_its_patients_stamp_keeps_the_rows_it_showed(
    as_patient_a1, membership_a, program_a1
):
    """With the stamp, the log is the patient's even when every row it ticked has left the
    program since."""
    rest = list(program_a1.items.select_related("exercise"))[2:]  # kept() ticks the first two
    phone = kept(program_a1, kept_by=stamp_of(as_patient_a1))
    revise(program_a1, membership_a, [{"id": i.pk, "exercise": i.exercise} for i in rest])
    assert as_patient_a1.post("/me/log/sync", phone).json()["state"] == "saved"
    assert SessionLog.objects.get().exercises_done == 2


@pytest.mark.parametrize("status", ["paused", "completed"])
def test_a_kept_log_made_after_the_program_stopped_is_refused(
    as_patient_a1, clinician_a, patient_a1, program_a1, status
):
    """The phone says when a kept log was made; the program as it stood then decides. With
    a made_at of now, the sync logged sessions on a program the Today form refused."""
    patient_program_set_status(
        actor=actor_of(clinician_a), patient=patient_a1, program=program_a1, status=status
    )
    response = sync(as_patient_a1, program_a1)
    assert response.status_code == 409 and response.json()["state"] == "refused"
    assert ("paused" if status == "paused" else "ended") in response.json()["message"]
    assert not SessionLog.objects.exists()


def test_a_kept_log_the_database_could_not_save_stays_on_the_phone(as_patient_a1, program_a1):
    """The session and the urgent sign ticked with it are saved together or not at all;
    not saved, the answer tells the phone to keep it and send it again (any other answer
    takes it off the phone), and the resend saves both."""
    from django.db import OperationalError, connection

    def flag_write_fails(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and "patients_flag" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    phone = kept(program_a1, signs=[BACK_URGENT])
    with connection.execute_wrapper(flag_write_fails):
        response = as_patient_a1.post("/me/log/sync", phone)
    assert response.status_code == 503 and response.json()["state"] == "retry"
    assert "still on this phone" in response.json()["message"]
    assert not SessionLog.objects.exists() and not Flag.objects.exists()
    again = as_patient_a1.post("/me/log/sync", phone)
    assert again.json()["state"] == "saved"
    assert SessionLog.objects.count() == 1
    assert Flag.objects.filter(kind=Flag.Kind.RED_FLAG).count() == 1
    # The phone learns the sign reached the clinic, and is not told "Well done!" beside
    # the advice to get help (found by the phone review).
    assert again.json()["told"] is True and "Well done" not in again.json()["message"]
    assert sync(as_patient_a1, program_a1, key="no-signs").json()["told"] is False


def test_an_urgent_sign_on_a_refused_log_still_reaches_the_clinician(
    as_patient_a1, program_a1, membership_a
):
    """A log kept too long on the phone, or one for a program paused since, is refused,
    and the phone drops it: the urgent sign ticked on it went with it. The sign is
    reported on its own; the session is still refused."""
    too_old = ms(timezone.now() - timedelta(days=8))
    response = sync(as_patient_a1, program_a1, made_at=too_old, signs=[BACK_URGENT])
    assert response.json()["state"] == "refused" and not SessionLog.objects.exists()
    assert response.json()["told"] is True
    assert Flag.objects.filter(kind=Flag.Kind.RED_FLAG, reason__contains="bladder").exists()
    # On Today, with the program paused since the page was opened: the advice page.
    Flag.objects.all().delete()
    patient_program_set_status(
        actor=actor_of(membership_a.user),
        patient=program_a1.assignment.patient,
        program=program_a1,
        status=Program.Status.PAUSED,
    )
    page = kept(program_a1, key="today-key", signs=[BACK_URGENT])
    page.pop("made_at")
    response = as_patient_a1.post("/me/log/", page)
    assert response.status_code == 302 and response["Location"] == "/me/advice/"
    assert not SessionLog.objects.exists()
    assert Flag.objects.filter(kind=Flag.Kind.RED_FLAG).exists()
    advice = as_patient_a1.get("/me/advice/").content.decode()
    assert "Get help now" in advice


def test_an_urgent_sign_on_a_kept_log_the_server_cannot_take_still_reaches_the_clinic(
    as_patient_a1, program_a1
):
    """Found by review: offline, the Today form is kept as typed. One sent without a pain
    score was answered "invalid", which the phone drops (patient-app.js): the session and
    the urgent sign with it, no red flag."""
    response = sync(as_patient_a1, program_a1, pain="", signs=[BACK_URGENT])
    assert response.json()["state"] == "invalid"
    flag = Flag.objects.get(kind=Flag.Kind.RED_FLAG, reviewed_at__isnull=True)
    assert "bladder" in flag.reason


def test_a_kept_log_above_a_dose_lowered_meanwhile_is_saved(
    as_patient_a1, program_a1, membership_a
):
    """Found by review: 6 sets of an exercise prescribed 3 (allowed on the page), then the
    clinician lowered it to 2 before the phone was back online: "more than twice what was
    prescribed" refused the kept log, and the phone dropped it. That check asks for a
    second look, which a log sent later cannot have."""
    first, *rest = list(program_a1.items.select_related("exercise"))
    program_a1.items.filter(pk=first.pk).update(sets=3)
    data = kept(program_a1, **{f"sets_{first.pk}": "6"})
    revise(
        program_a1,
        membership_a,
        [{"id": first.pk, "exercise": first.exercise, "sets": 2}]
        + [{"id": item.pk, "exercise": item.exercise} for item in rest],
    )
    assert as_patient_a1.post("/me/log/sync", data).json()["state"] == "saved"
    assert SessionLog.objects.get().entries.get(exercise=first.exercise).sets_done == 6
    # Still bounded: a number no one does is refused.
    refused = sync(as_patient_a1, program_a1, key="k2", **{f"sets_{first.pk}": "201"})
    assert refused.json()["state"] == "invalid"


def test_a_kept_i_did_them_all_logs_what_was_due_on_the_day_it_was_made(
    as_patient_a1, patient_a1, program_a1
):
    """Found by review: "I did them all" tapped offline on Monday, when only A was due,
    and sent on Tuesday, when B, C and D are: it logged B, C and D on Monday, exercises
    the patient was not asked to do, and not the A they did."""
    today = patient_today(patient_a1)
    yesterday = today - timedelta(days=1)
    Program.objects.filter(pk=program_a1.pk).update(start_date=today - timedelta(days=14))
    first, *rest = list(program_a1.items.select_related("exercise"))
    program_a1.items.filter(pk=first.pk).update(weekdays=1 << yesterday.weekday())
    program_a1.items.exclude(pk=first.pk).update(weekdays=1 << today.weekday())
    data = {"client_token": "monday", "pain": "2", "all_done": "1"}
    data["made_at"] = ms(
        timezone.make_aware(datetime.combine(yesterday, dt_time(18)), patient_a1.tzinfo)
    )
    for item in [first, *rest]:
        data[f"exercise_{item.pk}"] = str(item.exercise.uuid)
    assert as_patient_a1.post("/me/log/sync", data).json()["state"] == "saved"
    session = SessionLog.objects.get()
    assert session.performed_on == yesterday
    assert [entry.exercise_id for entry in session.entries.all()] == [first.exercise_id]
