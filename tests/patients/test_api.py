"""The REST API on the clinical record: the portal's rules through another door."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import AuditEvent
from patients.adherence import patient_today
from patients.models import (
    Flag,
    Measurement,
    MorningCheck,
    OutcomeResponse,
    Patient,
    PrecautionDecision,
    RedFlagScreen,
    SessionLog,
    Visit,
)
from patients.services import patient_program_start
from programs.models import Exercise, Program, ProgramItem
from programs.services import program_copy
from tests.conftest import actor_of, api_client, api_token_for, make_patient, sqlite_plan
from tests.factories import FlagFactory, IntakeFactory, RedFlagScreenFactory


@pytest.fixture
def api(clinic_a, admin_a):
    return api_client(api_token_for(clinic_a, "all", by=admin_a))


@pytest.fixture
def template(db) -> Program:
    return Program.objects.get(template_key="low-back-early-movement")


def post(client, url: str, data: dict, method: str = "post"):
    return getattr(client, method)(url, data, content_type="application/json")


def test_patients_are_paginated_and_synced_by_updated_since(api, clinic_a, patient_a1, patient_a2):
    first = api.get("/api/v1/patients/?limit=1").json()
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]
    later = timezone.now() + timedelta(seconds=1)
    Patient.objects.filter(pk=patient_a2.pk).update(updated_at=later + timedelta(seconds=1))
    since = later.isoformat().replace("+00:00", "Z")
    synced = api.get("/api/v1/patients/", {"updated_since": since}).json()
    assert [p["id"] for p in synced["results"]] == [str(patient_a2.uuid)]
    bad = api.get("/api/v1/patients/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["error"]["fields"]


@pytest.mark.parametrize("since", [False, True])
def test_the_patient_list_is_read_in_its_order_from_an_index(api, clinic_a, patient_a1, since):
    """A page of the list (or of the sync feed) sorted every patient of the clinic first:
    2.3 ms for the first page at 10,000 patients, 0.04 ms read in order from the index."""
    for i in range(3):
        make_patient(clinic_a, "P", f"Person{i}", login=False)
    query = {"limit": 2} | ({"updated_since": "2000-01-01T00:00:00Z"} if since else {})
    with CaptureQueriesContext(connection) as captured:
        page = api.get("/api/v1/patients/", query).json()
    expected = Patient.objects.filter(clinic=clinic_a).order_by("updated_at", "id")[:2]
    assert [p["id"] for p in page["results"]] == [str(p.uuid) for p in expected]
    (rows,) = [q["sql"] for q in captured if '"patients_patient"."date_of_birth"' in q["sql"]]
    if (plan := sqlite_plan(rows)) is not None:
        assert any("USING INDEX patients_changed" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def test_search_takes_the_term_in_the_body_and_never_logs_it(api, patient_a1, patient_a2, caplog):
    caplog.set_level(logging.DEBUG)
    patient_a1.external_id = "MRN-0042"
    patient_a1.save()
    by_name = post(api, "/api/v1/patients/search/", {"q": "okafor"}).json()
    assert [p["id"] for p in by_name["results"]] == [str(patient_a1.uuid)]
    by_id = post(api, "/api/v1/patients/search/", {"q": "mrn-0042"}).json()
    assert [p["id"] for p in by_id["results"]] == [str(patient_a1.uuid)]
    assert "okafor" not in caplog.text.lower() and "mrn-0042" not in caplog.text.lower()
    assert AuditEvent.objects.filter(action="patient.search").count() == 2
    assert api.get("/api/v1/patients/search/").status_code == 405


def test_create_and_update_use_the_portal_forms_rules(api, clinic_a, clinician_a, patient_a1):
    future = (date.today() + timedelta(days=3)).isoformat()
    refused = post(
        api,
        "/api/v1/patients/",
        {"first_name": "Rita", "last_name": "Novak", "date_of_birth": future},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "date_of_birth": ["The date of birth cannot be in the future."]
    }
    clash = post(
        api,
        "/api/v1/patients/",
        {
            "first_name": "Rita",
            "last_name": "Novak",
            "date_of_birth": "1970-01-02",
            "email": patient_a1.email,
        },
    )
    assert clash.status_code == 400 and "email" in clash.json()["error"]["fields"]
    made = post(
        api,
        "/api/v1/patients/",
        {
            "first_name": " Rita ",
            "last_name": "Novak",
            "date_of_birth": "1970-01-02",
            "clinician": str(clinician_a.uuid),
            "external_id": "EHR-7",
        },
    )
    assert made.status_code == 201, made.content
    patient = Patient.objects.get(uuid=made.json()["id"])
    assert patient.clinic == clinic_a and patient.first_name == "Rita"
    assert patient.clinician == clinician_a and patient.external_id == "EHR-7"
    assert AuditEvent.objects.filter(action="patient.create", patient_uuid=patient.uuid).exists()
    changed = post(api, f"/api/v1/patients/{patient.uuid}/", {"phone": "+1 555 0109"}, "patch")
    assert changed.status_code == 200 and changed.json()["phone"] == "+1 555 0109"
    patient.refresh_from_db()
    assert patient.phone == "+1 555 0109" and patient.first_name == "Rita"
    bad_phone = post(api, f"/api/v1/patients/{patient.uuid}/", {"phone": "call me"}, "patch")
    assert bad_phone.status_code == 400


def rita(**extra) -> dict:
    """A new patient's fields, as the API takes them."""
    return {"first_name": "Rita", "last_name": "Novak", "date_of_birth": "1970-01-02", **extra}


def test_a_clinician_of_another_clinic_cannot_be_assigned(api, clinician_b):
    response = post(api, "/api/v1/patients/", rita(clinician=str(clinician_b.uuid)))
    assert response.status_code == 400 and "clinician" in response.json()["error"]["fields"]


def test_a_positive_screen_blocks_a_program_with_the_portals_reason(api, patient_a1, template):
    from patients.screening import program_start_blocked

    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"saddle": True})
    response = post(
        api, f"/api/v1/patients/{patient_a1.uuid}/programs/", {"template": str(template.uuid)}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "red_flag_screen"
    assert error["message"] == program_start_blocked(patient_a1)
    assert not Program.objects.filter(assignment__patient=patient_a1).exists()
    RedFlagScreen.objects.update(decision=RedFlagScreen.Decision.CLEARED)
    started = post(
        api, f"/api/v1/patients/{patient_a1.uuid}/programs/", {"template": str(template.uuid)}
    )
    assert started.status_code == 201
    program = started.json()
    assert program["title"] == template.title and program["items"]
    assert program["items"][0]["dosage"] and program["revisions"][0]["number"] == 1


def test_a_precaution_conflict_answers_409_until_a_keep_decision_is_sent(
    api, clinic_a, admin_a, patient_a1, template
):
    own = program_copy(source=template, clinic=clinic_a, actor=actor_of(admin_a), as_template=True)
    risky = Exercise.objects.get(slug="knee-to-chest-single", clinic=None)
    ProgramItem.objects.create(program=own, exercise=risky, order=99)
    IntakeFactory(
        patient=patient_a1, diagnosis="Hip replacement", region="hip", precautions=["hip_posterior"]
    )
    url = f"/api/v1/patients/{patient_a1.uuid}/programs/"
    refused = post(api, url, {"template": str(own.uuid)})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "precaution_conflict"
    conflict = next(c for c in error["conflicts"] if c["exercise"] == str(risky.uuid))
    assert conflict["precaution"] == "hip_posterior"
    assert not Program.objects.filter(assignment__patient=patient_a1).exists()
    keep = [
        {"exercise": c["exercise"], "precaution": c["precaution"], "reason": "Checked: within 90°"}
        for c in error["conflicts"]
    ]
    started = post(api, url, {"template": str(own.uuid), "keep": keep})
    assert started.status_code == 201, started.content
    assert PrecautionDecision.objects.filter(patient=patient_a1, exercise=risky).exists()


def test_a_current_program_is_replaced_only_when_asked(api, admin_a, patient_a1, template):
    patient_program_start(actor=actor_of(admin_a), patient=patient_a1, source=template)
    url = f"/api/v1/patients/{patient_a1.uuid}/programs/"
    refused = post(api, url, {"template": str(template.uuid)})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "current_program"
    assert (
        post(api, url, {"template": str(template.uuid), "replace_current": True}).status_code == 201
    )
    statuses = sorted(
        Program.objects.filter(assignment__patient=patient_a1).values_list("status", flat=True)
    )
    assert statuses == ["active", "completed"]


def test_another_clinics_template_is_not_available(api, clinic_b, patient_a1, template):
    from tests.conftest import make_staff

    other = make_staff(clinic_b, "admin.b@example.test", "admin")
    theirs = program_copy(source=template, clinic=clinic_b, actor=actor_of(other), as_template=True)
    response = post(
        api, f"/api/v1/patients/{patient_a1.uuid}/programs/", {"template": str(theirs.uuid)}
    )
    assert response.status_code == 400 and "template" in response.json()["error"]["fields"]


@pytest.fixture
def a1_program(admin_a, patient_a1, template) -> Program:
    return patient_program_start(actor=actor_of(admin_a), patient=patient_a1, source=template)


def test_a_patient_whose_email_another_request_took_meanwhile_is_a_400(api, clinic_a, monkeypatch):
    from patients.api import views
    from tests.patients.test_patient_record import saved_first_by_another_page

    saved_first_by_another_page(monkeypatch, views, "patient_create", clinic_a, "rita@example.test")
    response = post(api, "/api/v1/patients/", rita(email="rita@example.test"))
    assert response.status_code == 400 and "email" in response.json()["error"]["fields"]


def test_logging_a_session_is_idempotent_per_client_token(api, patient_a1, a1_program):
    item = a1_program.items.first()
    body = {
        "client_token": "kiosk-1",
        "pain": 3,
        "effort": 4,
        "exercises": [{"item": item.pk, "sets": 2, "reps": 10}],
    }
    url = f"/api/v1/patients/{patient_a1.uuid}/sessions/"
    first = post(api, url, body)
    assert first.status_code == 201, first.content
    again = post(api, url, body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert SessionLog.objects.filter(patient=patient_a1).count() == 1
    listed = api.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["entries"][0]["sets_done"] == 2
    # The portal form's rules: an exercise not in the program is refused.
    stranger = post(api, url, {**body, "client_token": "kiosk-2", "exercises": [{"item": 999999}]})
    assert stranger.status_code == 400


def test_a_client_token_sent_again_with_another_session_is_refused_not_answered_with_the_first(
    api, patient_a1, a1_program
):
    """Found by review: a kiosk whose counter restarted sent the next session with an old
    client_token and got 200 and the old session; the new one (pain 8, a comment about
    sharp pain) was lost without a word. A token names one session, as a key one request."""
    first, second = a1_program.items.all()[:2]
    url = f"/api/v1/patients/{patient_a1.uuid}/sessions/"
    body = {"client_token": "kiosk-7-0001", "pain": 2, "exercises": [{"item": first.pk}]}
    saved = post(api, url, body)
    assert saved.status_code == 201
    day = saved.json()["performed_on"]
    others = [
        {**body, "pain": 8},
        {**body, "effort": 5},
        {**body, "comment": "sharp pain down the leg"},
        {**body, "exercises": [{"item": first.pk, "sets": 2}]},
        {**body, "exercises": [{"item": first.pk}, {"item": second.pk}]},
        {**body, "performed_on": (date.fromisoformat(day) - timedelta(days=1)).isoformat()},
    ]
    for other in others:
        refused = post(api, url, other)
        assert refused.status_code == 422, other
        assert refused.json()["error"]["code"] == "client_token_reused"
    assert list(SessionLog.objects.values_list("pain", "comment")) == [(2, "")]
    # The same session again (its day said or not, its keys in any order) is the first.
    for same in (body, {**body, "performed_on": day, "comment": "", "effort": None}):
        again = post(api, url, same)
        assert again.status_code == 200 and again.json()["id"] == saved.json()["id"]
    assert SessionLog.objects.count() == 1


def test_a_session_dated_before_its_program_began_is_refused_on_performed_on(
    api, membership_a, patient_a1, a1_program
):
    """Found by review: the API logged a session on 2019-03-01 for a program started today
    (filed under today's revision, in the patient's history and adherence)."""
    from tests.conftest import revise

    url = f"/api/v1/patients/{patient_a1.uuid}/sessions/"
    body = {
        "client_token": "k-old",
        "pain": 9,
        "exercises": [{"item": a1_program.items.first().pk}],
    }
    today = patient_today(patient_a1)
    for day in (date(2019, 3, 1), today - timedelta(days=1)):
        refused = post(api, url, {**body, "performed_on": day.isoformat()})
        assert refused.status_code == 400
        assert "began on" in refused.json()["error"]["fields"]["performed_on"][0]
    assert not SessionLog.objects.exists()
    # Begun three days ago and changed today: a session of two days ago is filed under
    # what was prescribed then, today's under today's revision.
    a1_program.revisions.update(created_at=timezone.now() - timedelta(days=3))
    revise(
        a1_program,
        membership_a,
        [{"id": i.pk, "exercise": i.exercise} for i in a1_program.items.all()],
    )
    item = a1_program.items.first().pk
    for token, day, number in (("k-2", today - timedelta(days=2), 1), ("k-0", today, 2)):
        sent = {
            **body,
            "client_token": token,
            "exercises": [{"item": item}],
            "performed_on": day.isoformat(),
        }
        logged = post(api, url, sent)
        assert logged.status_code == 201, logged.json()
        assert logged.json()["revision"] == number


def test_a_session_or_flag_answered_as_it_was_saved_is_an_audited_read(api, patient_a1, a1_program):
    """Found by review: a session sent again and a flag resolved again answer with the
    stored record, and left no read in the audit log (the Idempotency-Key replays do)."""
    url = f"/api/v1/patients/{patient_a1.uuid}/sessions/"
    body = {
        "client_token": "kiosk-1",
        "pain": 3,
        "exercises": [{"item": a1_program.items.first().pk}],
    }
    assert post(api, url, body).status_code == 201
    assert post(api, url, body).status_code == 200
    session = SessionLog.objects.get()
    read = AuditEvent.objects.filter(action="session.view", patient_uuid=patient_a1.uuid)
    assert list(read.values_list("object_id", flat=True)) == [str(session.uuid)]
    flag = FlagFactory(patient=patient_a1)
    resolve = f"/api/v1/patients/{patient_a1.uuid}/flags/{flag.uuid}/resolve/"
    assert post(api, resolve, {}).status_code == 200
    assert not AuditEvent.objects.filter(action="flags.view", object_id=str(flag.uuid)).exists()
    again = post(api, resolve, {"note": "Sent again."})
    assert again.status_code == 200 and again.json()["note"] == ""  # the first review stands
    assert (
        AuditEvent.objects.filter(
            action="flags.view", patient_uuid=patient_a1.uuid, object_id=str(flag.uuid)
        ).count()
        == 1
    )


def test_high_pain_raises_the_same_flag_as_the_patient_area(api, patient_a1, a1_program):
    item = a1_program.items.first()
    body = {"client_token": "k", "pain": 8, "exercises": [{"item": item.pk}]}
    assert post(api, f"/api/v1/patients/{patient_a1.uuid}/sessions/", body).status_code == 201
    flags = api.get(f"/api/v1/patients/{patient_a1.uuid}/flags/").json()["results"]
    assert [f["kind"] for f in flags] == [Flag.Kind.PAIN_HIGH]
    resolved = post(api, f"/api/v1/patients/{patient_a1.uuid}/flags/{flags[0]['id']}/resolve/", {})
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    assert Flag.objects.get().reviewed_at is not None


def test_it_refuses_to_close_an_urgent_flag_without_a_note_as_the_chart_does(api, patient_a1):
    """Found by review: the chart asks what was done about an urgent symptom before it
    closes; one API call closed a red flag (saddle numbness) with no note at all."""
    flag = FlagFactory(patient=patient_a1, kind=Flag.Kind.RED_FLAG, reason="Saddle numbness.")
    url = f"/api/v1/patients/{patient_a1.uuid}/flags/{flag.uuid}/resolve/"
    for body in ({}, {"note": ""}, {"note": "   "}):
        refused = post(api, url, body)
        assert refused.status_code == 409, body
        error = refused.json()["error"]
        assert error["code"] == "note_required"
        assert "say what was done about this urgent symptom" in error["message"]
        flag.refresh_from_db()
        assert flag.reviewed_at is None
    too_long = post(api, url, {"note": "x" * 501})
    assert too_long.status_code == 400 and "note" in too_long.json()["error"]["fields"]
    closed = post(api, url, {"note": " Phoned:  sent to the emergency room. "})
    assert closed.status_code == 200 and closed.json()["resolved_at"]
    assert closed.json()["note"] == "Phoned: sent to the emergency room."
    flag.refresh_from_db()
    assert flag.review_note == "Phoned: sent to the emergency room."


def test_the_urgent_flag_rule_is_the_review_services_own(admin_a, patient_a1):
    """One rule for the chart and the API: the service refuses, whoever calls it."""
    from patients.practice_log import FlagNoteNeeded, flag_review

    urgent = FlagFactory(patient=patient_a1, kind=Flag.Kind.RED_FLAG, reason="Saddle numbness.")
    with pytest.raises(FlagNoteNeeded):
        flag_review(actor=actor_of(admin_a), flag=urgent)
    lesser = FlagFactory(patient=patient_a1)
    assert flag_review(actor=actor_of(admin_a), flag=lesser)[1] is True
    assert flag_review(actor=actor_of(admin_a), flag=lesser)[1] is False  # the first stands


def test_a_paused_program_refuses_a_log_with_409(api, patient_a1, a1_program):
    Program.objects.filter(pk=a1_program.pk).update(status=Program.Status.PAUSED)
    body = {"client_token": "k", "pain": 2, "exercises": [{"item": a1_program.items.first().pk}]}
    response = post(api, f"/api/v1/patients/{patient_a1.uuid}/sessions/", body)
    assert response.status_code == 409 and "paused" in response.json()["error"]["message"]


def test_morning_check_is_one_a_day(api, patient_a1):
    url = f"/api/v1/patients/{patient_a1.uuid}/morning-checks/"
    assert post(api, url, {"compared": "same", "pain": 2}).status_code == 201
    assert post(api, url, {"compared": "worse", "pain": 4}).status_code == 201
    check = MorningCheck.objects.get(patient=patient_a1)
    assert (check.compared, check.pain) == ("worse", 4)
    assert post(api, url, {"compared": "great", "pain": 2}).status_code == 400


def test_measurements_are_checked_against_each_measures_bounds(api, patient_a1):
    url = f"/api/v1/patients/{patient_a1.uuid}/measurements/"
    today = date.today().isoformat()
    too_big = post(api, url, {"measured_on": today, "values": [{"code": "schober", "value": 90}]})
    assert too_big.status_code == 400 and "schober" in too_big.json()["error"]["fields"]
    no_side = post(api, url, {"measured_on": today, "values": [{"code": "slr", "value": 60}]})
    assert no_side.status_code == 400
    made = post(
        api,
        url,
        {
            "measured_on": today,
            "values": [
                {"code": "schober", "value": 4.5},
                {"code": "slr", "side": "left", "value": 55, "pain_limited": True},
            ],
        },
    )
    assert made.status_code == 201, made.content
    measured = made.json()["measurements"]
    assert {(m["code"], m["unit"]) for m in measured} == {("schober", "cm"), ("slr", "°")}
    assert Measurement.objects.filter(visit__patient=patient_a1).count() == 2
    assert api.get(url).json()["count"] == 2


def test_outcomes_are_scored_as_in_the_portal(api, patient_a1):
    url = f"/api/v1/patients/{patient_a1.uuid}/outcomes/"
    today = date.today().isoformat()
    made = post(
        api,
        url,
        {"code": "nprs", "completed_on": today, "fields": {"best": "2", "worst": "6", "now": "4"}},
    )
    assert made.status_code == 201, made.content
    assert made.json()["value"] == 4 and made.json()["valid"] is True
    odi = {f"section_{n}": "2" for n in range(1, 11)}
    scored = post(api, url, {"code": "odi", "completed_on": today, "fields": odi}).json()
    assert scored["value"] == 40 and scored["band"]
    empty = post(api, url, {"code": "odi", "completed_on": today, "fields": {}})
    assert empty.status_code == 400
    unknown = post(api, url, {"code": "sf36", "completed_on": today, "fields": {}})
    assert unknown.status_code == 400
    assert OutcomeResponse.objects.filter(patient=patient_a1).count() == 2


def test_other_clinics_patients_are_404_for_every_endpoint(clinic_b, patient_a1):
    api = api_client(api_token_for(clinic_b, "all"))
    base = f"/api/v1/patients/{patient_a1.uuid}/"
    for suffix in ("", "programs/", "sessions/", "morning-checks/", "measurements/", "outcomes/"):
        assert api.get(base + suffix).status_code == 404, suffix
    assert post(api, "/api/v1/patients/search/", {"q": "Okafor"}).json()["count"] == 0
    assert api.get("/api/v1/patients/").json()["count"] == 0


def test_reads_of_patient_data_are_audited(api, patient_a1, a1_program):
    base = f"/api/v1/patients/{patient_a1.uuid}/"
    for suffix in ("", "programs/", "sessions/", "measurements/", "outcomes/", "flags/"):
        api.get(base + suffix)
    api.get(base + f"programs/{a1_program.uuid}/")
    actions = set(
        AuditEvent.objects.filter(
            patient_uuid=patient_a1.uuid, api_token__isnull=False
        ).values_list("action", flat=True)
    )
    assert {"patient.view", "program.history", "sessions.view", "measures.view",
            "outcomes.view", "flags.view", "program.view"} <= actions  # fmt: skip


def test_archived_patient_cannot_start_a_program(api, clinic_a, template):
    archived = make_patient(clinic_a, "Old", "Record", login=False, status=Patient.Status.ARCHIVED)
    response = post(
        api, f"/api/v1/patients/{archived.uuid}/programs/", {"template": str(template.uuid)}
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "archived"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", ""),
        ("post", "sessions/"),
        ("post", "morning-checks/"),
        ("post", "measurements/"),
        ("post", "outcomes/"),
    ],
)
def test_an_archived_record_takes_no_change_through_the_api(api, patient_a1, method, path):
    """As in the portal: read-only until restored, whatever the endpoint (the details
    endpoint changed an archived record)."""
    Patient.objects.filter(pk=patient_a1.pk).update(status=Patient.Status.ARCHIVED)
    url = f"/api/v1/patients/{patient_a1.uuid}/{path}"
    response = post(api, url, {"first_name": "Changed"}, method=method)
    assert response.status_code == 409 and response.json()["error"]["code"] == "archived"
    patient_a1.refresh_from_db()
    assert patient_a1.first_name == "Amara"
    assert api.get(url).status_code == 200  # still readable


def test_a_sending_repeated_after_an_archive_is_answered_as_the_first_was(
    api, clinician_a, patient_a1
):
    """A resend (its answer was lost) is answered as the first sending was, whatever
    changed since: an archive must not turn a create, or a session logged, into a 409
    that the integration reads as "not saved" and sends without its key."""
    from patients.services import patient_set_status

    new = {"first_name": "Rita", "last_name": "Novak", "date_of_birth": "1970-01-02"}
    key = {"Idempotency-Key": "create-rita"}
    first = api.post("/api/v1/patients/", new, content_type="application/json", headers=key)
    assert first.status_code == 201
    rita = Patient.objects.get(uuid=first.json()["id"])
    patient_set_status(actor=actor_of(clinician_a), patient=rita, status="archived")
    again = api.post("/api/v1/patients/", new, content_type="application/json", headers=key)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    # Without the key, or with a new one, a write to the archived record is still refused.
    visit = {"measured_on": date.today().isoformat(), "values": []}
    url = f"/api/v1/patients/{rita.uuid}/measurements/"
    fresh = {"Idempotency-Key": "new-one"}
    assert api.post(url, visit, content_type="application/json", headers=fresh).status_code == 409


def test_an_api_edit_racing_an_archive_never_restores_the_record(
    api, clinician_a, patient_a1, monkeypatch
):
    """The service saved the copy the view read before its lock, every field of it: an
    archive committed in between (here, while the form validates) was written back as
    active. The fields are now set on the row as locked."""
    from patients.api import views
    from patients.services import patient_set_status

    validate = views._patient_form

    def while_a_colleague_archives(request, patient, data):
        form = validate(request, patient, data)
        patient_set_status(
            actor=actor_of(clinician_a),
            patient=Patient.objects.get(pk=patient.pk),
            status=Patient.Status.ARCHIVED,
        )
        return form

    monkeypatch.setattr(views, "_patient_form", while_a_colleague_archives)
    response = post(
        api, f"/api/v1/patients/{patient_a1.uuid}/", {"phone": "+44 20 7946 0000"}, "patch"
    )
    assert response.status_code == 200
    patient_a1.refresh_from_db()
    assert (patient_a1.status, patient_a1.phone) == (Patient.Status.ARCHIVED, "+44 20 7946 0000")


def test_a_flag_raised_in_an_evening_west_of_utc_reaches_the_next_sync(api, clinic_a, patient_a1):
    """A flag carries the patient's day; a sync asks "since" a moment in UTC. At 19:30 in
    Chicago (01:30 UTC the next day) a flag dated the 10th is older than a sync from
    18:30 by its date: it never reached the integration."""
    from datetime import UTC, datetime

    import time_machine

    from patients.adherence import patient_today

    clinic_a.timezone = "America/Chicago"
    clinic_a.save(update_fields=["timezone"])
    patient_a1.refresh_from_db()
    with time_machine.travel(datetime(2026, 11, 11, 1, 30, tzinfo=UTC), tick=False):
        last_sync = "2026-11-11T00:30:00Z"
        FlagFactory(
            patient=patient_a1,
            reason="Pain 9/10 during exercise.",
            raised_on=patient_today(patient_a1),
        )
        synced = api.get(f"/api/v1/patients/{patient_a1.uuid}/flags/", {"updated_since": last_sync})
    assert [f["kind"] for f in synced.json()["results"]] == ["pain_high"]


def test_a_morning_answer_changed_the_same_day_reaches_the_next_sync(api, patient_a1, admin_a):
    """The patient may change the day's answer ("better, 2" to "worse, 7"): a sync since
    the first answer gets the second, in the REST list and as a FHIR Observation."""
    from datetime import UTC, datetime

    import time_machine

    from patients.practice_log import morning_check_record

    with time_machine.travel(datetime(2026, 11, 11, 7, tzinfo=UTC), tick=False):
        morning_check_record(patient=patient_a1, compared="better", pain=2, actor=actor_of(admin_a))
    with time_machine.travel(datetime(2026, 11, 11, 9, tzinfo=UTC), tick=False):
        morning_check_record(patient=patient_a1, compared="worse", pain=7, actor=actor_of(admin_a))
        since = "2026-11-11T08:00:00Z"
        rest = api.get(
            f"/api/v1/patients/{patient_a1.uuid}/morning-checks/", {"updated_since": since}
        )
        fhir = api.get(
            "/fhir/R4/Observation", {"patient": str(patient_a1.uuid), "_lastUpdated": "ge" + since}
        )
    assert [r["pain"] for r in rest.json()["results"]] == [7]
    assert [e["resource"]["valueQuantity"]["value"] for e in fhir.json()["entry"]] == [7]


def test_the_outcome_feed_syncs_every_patients_scores(api, clinic_b, patient_a1, patient_a2):
    url_a1 = f"/api/v1/patients/{patient_a1.uuid}/outcomes/"
    url_a2 = f"/api/v1/patients/{patient_a2.uuid}/outcomes/"
    body = {"code": "nprs", "completed_on": date.today().isoformat(),
            "fields": {"best": "1", "worst": "3", "now": "2"}}  # fmt: skip
    assert post(api, url_a1, body).status_code == 201
    mark = timezone.now()
    assert post(api, url_a2, body).status_code == 201
    feed = api.get("/api/v1/outcomes/").json()
    assert [r["patient"] for r in feed["results"]] == [str(patient_a1.uuid), str(patient_a2.uuid)]
    since = mark.isoformat().replace("+00:00", "Z")
    newer = api.get("/api/v1/outcomes/", {"updated_since": since}).json()
    assert [r["patient"] for r in newer["results"]] == [str(patient_a2.uuid)]
    other = api_client(api_token_for(clinic_b, "all"))
    assert other.get("/api/v1/outcomes/").json()["count"] == 0


@pytest.mark.parametrize(
    "value", ["0057-10-06T11:04:21+21:40", "0001-01-01T00:00:00+23:00", "2026-13-01T00:00:00Z"]
)
def test_odd_updated_since_values_are_a_400_or_a_filter_never_a_500(api, patient_a1, value):
    """Found by schemathesis on PostgreSQL: offsets beyond ±15:59 were sent to the database."""
    response = api.get("/api/v1/patients/", {"updated_since": value})
    assert response.status_code in {200, 400}


@pytest.mark.parametrize("url", ["/api/v1/patients/", "/fhir/R4/Patient"])
def test_a_page_of_many_patients_costs_the_same_queries_as_a_page_of_two(
    api, clinic_a, patient_a1, patient_a2, url
):
    """Each patient on the page is audited (one INSERT for all), and nothing is read per
    patient: the queries stay the same as the page grows."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    two = queries()
    for n in range(12):
        make_patient(clinic_a, "Many", f"Patient{n}")
    assert queries() == two
    assert AuditEvent.objects.filter(patient_uuid=patient_a1.uuid).count() == 2


def test_a_measure_sent_twice_in_one_visit_is_refused_not_half_kept(api, patient_a1):
    """The portal's visit form takes one value per measure and side: a second one silently
    replaced the first (201, only the last value stored)."""
    url = f"/api/v1/patients/{patient_a1.uuid}/measurements/"
    today = date.today().isoformat()
    twice = [{"code": "schober", "value": 3.5}, {"code": "schober", "value": 6.0}]
    refused = post(api, url, {"measured_on": today, "values": twice})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["values"] == [
        "Modified Schober is sent twice: send it once."
    ]
    sides = [
        {"code": "slr", "side": side, "value": value}
        for side, value in (("left", 40), ("right", 55), ("left", 45))
    ]
    refused = post(api, url, {"measured_on": today, "values": sides})
    assert refused.json()["error"]["fields"]["values"] == [
        "Straight leg raise (left) is sent twice: send it once."
    ]
    assert not Visit.objects.filter(patient=patient_a1).exists()
    saved = post(api, url, {"measured_on": today, "values": sides[:2]})
    assert saved.status_code == 201
    assert sorted(m["side"] for m in saved.json()["measurements"]) == ["left", "right"]


def test_a_refused_row_of_a_list_is_named_with_a_plain_message(api, patient_a1, a1_program):
    """A row refused inside a list came back as Python's text of DRF's errors
    ("{0: {'value': [ErrorDetail(string=...)]}}"): the caller could not tell which."""
    url = f"/api/v1/patients/{patient_a1.uuid}/measurements/"
    values = [{"code": "schober", "value": 3.5}, {"code": "slr", "side": "left", "value": "x"}]
    refused = post(api, url, {"measured_on": date.today().isoformat(), "values": values})
    assert refused.json()["error"]["fields"] == {"values[1].value": ["A valid number is required."]}
    refused = post(
        api,
        f"/api/v1/patients/{patient_a1.uuid}/programs/",
        {"template": str(a1_program.uuid), "keep": [{"exercise": ["x"]}]},
    )
    assert refused.json()["error"]["fields"] == {"keep[0].exercise": ["Not a valid string."]}


def test_an_exercise_sent_twice_in_one_session_is_refused(api, patient_a1, a1_program):
    item = a1_program.items.first()
    refused = post(
        api,
        f"/api/v1/patients/{patient_a1.uuid}/sessions/",
        {
            "client_token": "twice",
            "pain": 2,
            "exercises": [{"item": item.pk, "sets": 3, "reps": 10}, {"item": item.pk, "sets": 1}],
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["exercises"] == [
        f"Item {item.pk} is sent twice: send it once."
    ]
    assert not SessionLog.objects.filter(patient=patient_a1).exists()


def test_a_patch_changes_only_what_it_sends(api, patient_a1, monkeypatch):
    """The form was filled with the record's other fields as read before the service
    locked the row: a PATCH of the phone wrote back an e-mail corrected meanwhile."""
    from patients.api import views

    update = views.patient_update

    def colleague_saves_first(**fields):
        Patient.objects.filter(pk=patient_a1.pk).update(email="corrected@example.test")
        return update(**fields)

    monkeypatch.setattr(views, "patient_update", colleague_saves_first)
    url = f"/api/v1/patients/{patient_a1.uuid}/"
    response = post(api, url, {"phone": "+1 555 0100"}, method="patch")
    assert response.status_code == 200
    assert response.json()["email"] == "corrected@example.test"
    patient_a1.refresh_from_db()
    assert (patient_a1.phone, patient_a1.email) == ("+1 555 0100", "corrected@example.test")


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/api/v1/patients/not-an-id/", "get"),
        ("/api/v1/patient/", "post"),
        ("/api/v1/patients", "post"),
    ],
)
def test_an_address_the_api_does_not_have_is_its_own_404(client, url, method):
    """A typo or an id that is not one got the portal's HTML page, which an
    integrator's code cannot read."""
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, "{}", content_type="application/json")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (404, "not_found")
    assert "/api/v1/docs/" in error["message"]
    slash_left_off = url == "/api/v1/patients"
    assert ("Did you mean /api/v1/patients/?" in error["message"]) == slash_left_off


def test_a_get_without_the_last_slash_is_sent_to_the_address(client):
    """As Django's APPEND_SLASH did before the API's every address had a route."""
    response = client.get("/api/v1/patients?limit=5")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/patients/?limit=5")
    assert client.get("/api/v1/nothing").status_code == 404


@pytest.mark.parametrize("url", ["/fhir/R4/Patient/12345", "/fhir/R4/Encounter", "/fhir/R4/"])
def test_an_address_the_fhir_server_does_not_have_is_an_operation_outcome(api, url):
    """FHIR clients read refusals as an OperationOutcome; they got the portal's page."""
    response = api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"
    assert "/fhir/R4/metadata" in outcome["issue"][0]["diagnostics"]


# --- Paging by cursor -------------------------------------------------------------------


def _walk(client, url: str, query: dict) -> list[dict]:
    """Every page of a list, following its `next` links; the rows in the order sent."""
    body = client.get(url, query).json()
    rows = list(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        rows += body["results"]
    return rows


@pytest.fixture
def four(clinic_a):
    """Four patients changed a minute apart, an hour ago, in this order."""
    start = timezone.now() - timedelta(hours=1)
    rows = []
    for n, name in enumerate(["Ann", "Bea", "Cy", "Dee"]):
        patient = make_patient(clinic_a, name, "Sync", login=False)
        Patient.objects.filter(pk=patient.pk).update(updated_at=start + timedelta(minutes=n))
        rows.append(patient)
    return rows


def test_it_sends_every_unchanged_patient_to_a_sync_while_another_changes(api, four):
    """Found by the API review: paged by offset, a patient changed during a sync moved to
    the end of the list and the next one slid into the page already read: Cy never came,
    and every later sync asks only for what changed since, so the EHR never had Cy."""
    query = {"updated_since": "2000-01-01T00:00:00Z", "limit": 2}
    first = api.get("/api/v1/patients/", query).json()
    sent = [p["id"] for p in first["results"]]
    assert sent == [str(four[0].uuid), str(four[1].uuid)]
    patch = {"phone": "+1 555 0199"}
    assert post(api, f"/api/v1/patients/{four[0].uuid}/", patch, "patch").status_code == 200
    body = first
    while body["next"]:
        body = api.get(body["next"]).json()
        sent += [p["id"] for p in body["results"]]
    # Ann, changed, comes again at the end; nobody is missed.
    assert sent == [str(p.uuid) for p in (*four, four[0])]


def test_it_pages_by_an_opaque_signed_cursor_and_refuses_page_numbers(api, four):
    first = api.get("/api/v1/patients/", {"limit": 2}).json()
    assert first["count"] == 4 and first["previous"] is None
    following = first["next"]
    assert "limit=2" in following and "offset" not in following
    (cursor,) = parse_qs(urlsplit(following).query)["cursor"]
    # The last row's moment and public id, as the page showed them; never its row number.
    shown = json.loads(signing.b64_decode(cursor.split(":")[0].encode()))
    four[1].refresh_from_db()
    assert shown == [four[1].updated_at.isoformat(), str(four[1].uuid)]
    altered = {"limit": 2, "cursor": cursor[:-2] + "xx"}
    assert api.get("/api/v1/patients/", altered).status_code == 400
    # Made for one list, a cursor is refused by another.
    other = api.get(f"/api/v1/patients/{four[0].uuid}/flags/", {"cursor": cursor})
    assert other.status_code == 400 and "page link" in other.json()["error"]["message"]
    assert api.get("/api/v1/patients/", {"offset": 0}).status_code == 200
    deep = api.get("/api/v1/patients/", {"offset": 2})
    assert deep.status_code == 400
    assert "next" in deep.json()["error"]["fields"]["offset"][0]


def test_it_pages_every_list_each_row_once_in_its_order(api, clinic_a, patient_a1, a1_program):
    """Library, templates, the outcome feed, a patient's sessions and morning checks: a page
    at a time, they hold what one long page holds, in its order."""
    from tests.factories import MorningCheckFactory, SessionLogFactory

    revision = a1_program.revisions.get(number=a1_program.revision)
    for n in range(5):
        day = date(2026, 1, 1) + timedelta(days=n)
        SessionLogFactory(patient=patient_a1, program=a1_program, revision=revision,
                          performed_on=day, exercises_done=1, pain=2)  # fmt: skip
        MorningCheckFactory(patient=patient_a1, checked_on=day, compared="same", pain=2)
    for url in (
        "/api/v1/library/",
        "/api/v1/templates/",
        f"/api/v1/patients/{patient_a1.uuid}/sessions/",
        f"/api/v1/patients/{patient_a1.uuid}/morning-checks/",
    ):
        whole = api.get(url, {"limit": 200}).json()["results"]
        assert len(whole) >= 3, url
        assert _walk(api, url, {"limit": 2}) == whole, url


def test_a_search_pages_by_its_term_without_names_in_its_links(api, clinic_a):
    for n in range(5):
        make_patient(clinic_a, f"Rosa{n}", "Okafor", login=False)
    url = "/api/v1/patients/search/"
    first = post(api, url + "?limit=2", {"q": "okafor"}).json()
    names = [p["first_name"] for p in first["results"]]
    body = first
    while body["next"]:
        assert "Rosa" not in body["next"] and "Okafor" not in body["next"]
        body = post(api, body["next"], {"q": "okafor"}).json()
        names += [p["first_name"] for p in body["results"]]
    assert names == [f"Rosa{n}" for n in range(5)]


def test_a_name_search_renamed_between_pages_misses_no_one(api, clinic_a):
    """Found by the review of the day's diff: the search's cursor named only the last
    person sent, read back by their name now; Bea renamed Zoe after the first page, the
    next began after "Zoe", and Cy and Dee never came. The cursor now holds the names,
    sealed (encrypted): still none in the links."""
    rows = [make_patient(clinic_a, n, "Okafor", login=False) for n in ("Ann", "Bea", "Cy", "Dee")]
    url = "/api/v1/patients/search/"
    first = post(api, url + "?limit=2", {"q": "okafor"}).json()
    assert [p["first_name"] for p in first["results"]] == ["Ann", "Bea"]
    Patient.objects.filter(pk=rows[1].pk).update(first_name="Zoe")
    body, names = first, []
    while body["next"]:
        assert "Okafor" not in body["next"] and "Bea" not in body["next"]
        body = post(api, body["next"], {"q": "okafor"}).json()
        names += [p["first_name"] for p in body["results"]]
    assert names[:2] == ["Cy", "Dee"]


def test_the_library_pages_past_an_exercise_with_a_long_greek_name(api, admin_a):
    """Found by the review of the day's diff: a cursor of more than 400 characters was cut
    and refused, and a page ending on an 80-letter Greek name could not be continued."""
    from programs.services import exercise_save

    # "A" first: early in the library's order, so that a page can end on it.
    name = "A Διάταση οπίσθιων μηριαίων σε ύπτια θέση με ιμάντα και αργή αναπνοή στο τέλος"
    exercise_save(
        actor=actor_of(admin_a),
        fields={
            "name": name,
            "lay_name": name,
            "category": "strength",
            "position": "sitting",
            "style": "isometric",
            "stop_if": "Stop if it hurts.",
        },
        cues=[("setup", "Sit."), ("movement", "Hold for {hold}.")],
    )
    whole = api.get("/api/v1/library/", {"limit": 200}).json()["results"]
    at = [row["name"] for row in whole].index(name)
    first = api.get("/api/v1/library/", {"limit": at + 1}).json()
    assert first["results"][-1]["name"] == name and first["next"]
    following = api.get(first["next"])
    assert following.status_code == 200
    assert following.json()["results"] == whole[at + 1 : at + 1 + at + 1]


def test_a_sealed_cursor_of_another_list_or_altered_is_refused(api, clinic_a):
    for n in range(3):
        make_patient(clinic_a, f"Rosa{n}", "Okafor", login=False)
    url = "/api/v1/patients/search/"
    link = post(api, url + "?limit=1", {"q": "okafor"}).json()["next"]
    cursor = link.split("cursor=")[1].split("&")[0]
    altered = cursor[:-4] + ("AAAA" if not cursor.endswith("AAAA") else "BBBB")
    assert post(api, f"{url}?limit=1&cursor={altered}", {"q": "okafor"}).status_code == 400
    assert api.get("/api/v1/patients/", {"cursor": cursor}).status_code == 400


def test_a_later_page_costs_the_same_queries_as_the_first(api, four):
    def queries(url: str) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            body = api.get(url).json()
        return len(captured), body

    first, body = queries("/api/v1/patients/?limit=1")
    second, body = queries(body["next"])
    assert second == first and body["next"]


@pytest.mark.parametrize("body", [{"q": "okafor"}, {"q": "line one\r\nline two"}])
def test_a_form_body_is_refused_as_a_type_the_api_does_not_take(api, patient_a1, body):
    """Found by the API review: a multipart body was read by the portal's line-break
    middleware first, and DRF, left an empty stream, answered "q: This field is required"
    (400) rather than 415, as it does for a urlencoded body."""
    for sent in (
        api.post("/api/v1/patients/search/", body),  # multipart/form-data
        api.post(
            "/api/v1/patients/search/",
            "q=okafor",
            content_type="application/x-www-form-urlencoded",
        ),
    ):
        assert sent.status_code == 415
        assert sent.json()["error"]["status"] == 415
