"""One form, one save (clinic.once): a page sent twice (a double click, a resend) saves
once and goes where the first sending went; two at once are settled by the token."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError

from clinic.models import FormSending
from clinic.once import new_token, page_key, posted_token, send_once
from patients.models import Goal, Measurement, OutcomeResponse, Patient


def _page_token(client, url: str) -> str:
    (token,) = re.findall(r'name="once" value="([^"]+)"', client.get(url).content.decode())
    return token


def _twice(client, url: str, data: dict):
    data = {**data, "once": _page_token(client, url)}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    return first, second


def test_a_new_patient_page_sent_twice_adds_one_patient(as_clinician_a, clinic_a):
    data = {"first_name": "Rita", "last_name": "Novak", "date_of_birth": "1970-01-02"}
    data.update(preferred_language="en", email="", phone="", clinician="")
    first, second = _twice(as_clinician_a, "/portal/patients/new/", data)
    rita = Patient.objects.get(last_name="Novak")
    assert first["Location"] == f"/portal/patients/{rita.uuid}/"
    assert second.redirect_chain[0][0] == first["Location"]
    assert "sent twice" in second.content.decode()


def test_a_visit_sent_twice_records_its_measures_once(as_clinician_a, patient_a1):
    url = f"/portal/patients/{patient_a1.uuid}/measures/new/"
    data = {"measured_on": date.today().isoformat(), "notes": "", "schober": "3"}
    first, second = _twice(as_clinician_a, url, data)
    assert first.status_code == 302
    assert Measurement.objects.filter(visit__patient=patient_a1).count() == 1
    assert "sent twice" in second.content.decode()


def test_a_goal_sent_twice_is_set_once(as_clinician_a, patient_a1):
    url = f"/portal/patients/{patient_a1.uuid}/goals/new/"
    data = {"text": "Walk to the shops", "tracks": "nprs", "target": "3"}
    data["target_on"] = (date.today() + timedelta(days=60)).isoformat()
    first, second = _twice(as_clinician_a, url, data)
    assert first.status_code == 302
    assert Goal.objects.filter(patient=patient_a1).count() == 1
    assert second.redirect_chain[0][0] == first["Location"]


def test_every_new_page_has_its_own_token(as_clinician_a):
    assert _page_token(as_clinician_a, "/portal/patients/new/") != _page_token(
        as_clinician_a, "/portal/patients/new/"
    )


def test_the_loser_of_a_race_is_undone_and_follows_the_winner(db, clinic_a, monkeypatch):
    """Two sendings at once both find no token; the second's token row meets the first's
    (committed meanwhile): its own write is rolled back, and it goes where the first went."""
    import clinic.once
    from tests.conftest import make_patient

    assert send_once("tok", lambda: "/first/") == ("/first/", True)
    looked = clinic.once.led_to
    calls: list[str] = []

    def first_look_misses(token: str):
        # As if the first sending had not committed yet when this one looked.
        calls.append(token)
        return None if len(calls) == 1 else looked(token)

    def racing() -> str:
        make_patient(clinic_a, "Second", "Write")
        return "/second/"

    monkeypatch.setattr(clinic.once, "led_to", first_look_misses)
    assert send_once("tok", racing) == ("/first/", False)
    assert not Patient.objects.filter(last_name="Write").exists()
    assert FormSending.objects.count() == 1


def test_a_failure_of_the_write_itself_is_not_taken_for_a_second_sending(db):
    def broken() -> str:
        raise IntegrityError("something else")

    with pytest.raises(IntegrityError):
        send_once("fresh", broken)
    assert not FormSending.objects.exists()


def test_a_questionnaire_entered_twice_is_recorded_once(as_clinician_a, patient_a1):
    url = f"/portal/patients/{patient_a1.uuid}/outcomes/nprs/new/"
    data = {"completed_on": date.today().isoformat(), "now": "4", "best": "2", "worst": "6"}
    first, second = _twice(as_clinician_a, url, data)
    assert first.status_code == 302
    assert OutcomeResponse.objects.filter(patient=patient_a1, code="nprs").count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "sent twice" in second.content.decode()


def test_the_patients_questionnaire_page_carries_no_form_token(as_patient_a1):
    """The patient answers a request, which takes one answer: the page needs no token."""
    assert 'name="once"' not in as_patient_a1.get("/me/questionnaire/").content.decode()


def test_an_exercise_page_sent_twice_adds_one_exercise(as_admin_a, clinic_a):
    from programs.models import Exercise

    url = "/portal/library/new/"
    data = {
        "name": "Wall slide",
        "lay_name": "Slide up the wall",
        "category": "mobility",
        "position": "standing",
        "style": "dynamic",
        "regions": ["low_back"],
        "equipment": ["none"],
        "cue_setup": "Stand with your back to a wall.",
        "cue_movement": "Slide down a little, then back up.",
        "sets": "1",
        "reps": "10",
        "times_per_day": "1",
        "days_per_week": "7",
        "hold_seconds": "0",
        "rest_seconds": "0",
        "side": "both",
        "illustration": "",
    }
    first, second = _twice(as_admin_a, url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert Exercise.objects.filter(clinic=clinic_a, name="Wall slide").count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "sent twice" in second.content.decode()


def test_an_exercise_edit_page_has_no_token_so_a_second_change_is_saved(as_admin_a, clinic_a):
    """Back to the edit page, another change, Save: that is a new edit, not a resend."""
    from programs.models import Exercise

    mine = Exercise.objects.create(
        clinic=clinic_a, name="Wall slide", lay_name="Slide", category="mobility",
        position="standing", style="dynamic", regions=["low_back"], equipment=["none"], reps=10,
    )  # fmt: skip
    url = f"/portal/library/{mine.uuid}/edit/"
    assert 'name="once"' not in as_admin_a.get(url).content.decode()
    assert 'name="once"' in as_admin_a.get("/portal/library/new/").content.decode()


@pytest.mark.parametrize("sent", ["\x00", "a" * 65, "two words", "<script>", ""])
def test_a_token_that_is_not_one_of_ours_is_not_looked_up(sent, rf):
    """PostgreSQL refuses a NUL byte in a query (a 500, found by the fuzzer on PostgreSQL):
    only new_token's shape is read from a page."""
    assert posted_token(rf.post("/", {"once": sent})) == ""
    token = new_token()
    assert posted_token(rf.post("/", {"once": token})) == token


def test_a_page_key_holds_no_password(rf):
    """The key is kept a day: what was sent is in it, a password is not."""
    token = new_token()

    def key(**fields) -> str:
        request = rf.post("/", {"once": token, **fields})
        request.user = AnonymousUser()
        return page_key(request)

    assert key(new_password1="one", new_password2="one") == key(
        new_password1="two", new_password2="two"
    )
    assert key(title="Week 1") != key(title="Week 2")
