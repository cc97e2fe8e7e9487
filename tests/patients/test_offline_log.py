"""A session log kept on the patient's phone while offline, sent later (/me/log/sync)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import AuditEvent
from patients.adherence import patient_today
from patients.models import SessionLog


def ms(moment) -> str:
    return str(int(moment.timestamp() * 1000))


def sync(client, program, *, key="phone-key-1", made_at=None, **extra):
    data = {"client_token": key, "pain": "4", "effort": "3", "comment": "on the bus"}
    data["made_at"] = str(int(time.time() * 1000)) if made_at is None else made_at
    for item in list(program.items.all())[:2]:
        data[f"done_{item.pk}"] = "on"
    data.update(extra)
    return client.post("/me/log/sync", data)


def test_a_kept_log_is_saved_once_however_often_it_is_sent(as_patient_a1, program_a1):
    first = sync(as_patient_a1, program_a1)
    assert first.status_code == 200 and first.json()["state"] == "saved"
    again = sync(as_patient_a1, program_a1)
    assert again.status_code == 200 and again.json()["state"] == "duplicate"
    session = SessionLog.objects.get()
    assert (session.pain, session.exercises_done, session.comment) == (4, 2, "on the bus")
    assert AuditEvent.objects.filter(action="session.log").count() == 1


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
    assert "__PRECACHE__" not in text and "/static/clinic/app/offline.html" in text
    assert "http" not in text.split("PRECACHE =")[1].split(";")[0]  # no other origin


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
