from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic import audit
from clinic.models import AuditEvent
from tests.conftest import actor_of, sqlite_plan


def test_admins_see_their_clinic_events_filtered_by_patient(
    as_admin_a, as_clinician_a, as_clinician_b, patient_a1, patient_a2, patient_b1
):
    as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/")
    as_clinician_a.get(f"/portal/patients/{patient_a2.uuid}/")
    as_clinician_b.get(f"/portal/patients/{patient_b1.uuid}/")
    page = as_admin_a.get(f"/portal/audit/?patient={patient_a1.uuid}")
    rows = page.context["rows"]
    assert [name for _, name in rows] == ["Amara Okafor"]
    everything = as_admin_a.get("/portal/audit/").content.decode()
    assert "Arlo Nguyen" in everything and "Bea Silva" not in everything


def test_admins_filter_by_staff_member(
    as_admin_a, as_clinician_a, admin_a, clinician_a, patient_a1
):
    as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/")
    as_admin_a.get(f"/portal/patients/{patient_a1.uuid}/")
    rows = as_admin_a.get(f"/portal/audit/?user={clinician_a.uuid}").context["rows"]
    assert {event.actor for event, _ in rows} == {clinician_a}


def test_filtered_by_patient_and_member_the_log_reads_the_patients_trail(
    as_admin_a, as_clinician_a, admin_a, clinician_a, patient_a1, patient_a2
):
    """Both filters: the rows are that member's events about that patient, and SQLite
    reads them through the patient's index, not through every event of the member (0.5 s
    against 7 ms at 3 million events)."""
    for patient in (patient_a1, patient_a2):
        as_clinician_a.get(f"/portal/patients/{patient.uuid}/")
        as_admin_a.get(f"/portal/patients/{patient.uuid}/")
    url = f"/portal/audit/?patient={patient_a1.uuid}&user={clinician_a.uuid}"
    with CaptureQueriesContext(connection) as queries:
        rows = as_admin_a.get(url).context["rows"]
    assert rows and {(event.actor, name) for event, name in rows} == {(clinician_a, "Amara Okafor")}
    (read,) = [q["sql"] for q in queries if 'FROM "clinic_auditevent"' in q["sql"]]
    if (plan := sqlite_plan(read)) is not None:
        assert any("patient_uuid=?" in step for step in plan), plan
        assert not any("actor_id=?" in step for step in plan), plan


def test_the_log_is_read_only_and_its_queries_do_not_grow(
    as_admin_a, admin_a, clinic_a, patient_a1
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            as_admin_a.get("/portal/audit/")
        return len(queries)

    audit.record(actor_of(admin_a), "patient.view", patient=patient_a1)
    count()  # warm: a first request of the process may fill per-process caches
    few = count()
    for _ in range(80):
        audit.record(actor_of(admin_a), "patient.view", patient=patient_a1)
    assert count() == few
    assert as_admin_a.post("/portal/audit/").status_code == 405


def test_malformed_filters_are_ignored(as_admin_a):
    bad = "?patient=not-a-uuid&user=%00&page=zz&before=-1&after=9" + "9" * 40
    assert as_admin_a.get("/portal/audit/" + bad).status_code == 200


def shown(client, url) -> tuple[list[int], dict]:
    page = client.get(url).context["page"]
    return [event.id for event in page.events], page


def test_older_and_newer_walk_the_whole_log_once_each_way(
    as_admin_a, admin_a, clinician_b, patient_a1, patient_a2, patient_b1
):
    """Pages are found from an event's place in time, not by counting the log: Older and
    Newer go through every event once, in order, ties of the same moment included, and
    keep the filter; an event of another clinic, or one the filter leaves out, is no
    place to start from."""
    from django.utils import timezone

    actor = actor_of(admin_a)
    for n in range(130):
        audit.record(actor, "patient.view", patient=patient_a1 if n % 3 else patient_a2)
    # A busy second: a hundred events at the same moment, ordered among themselves by id,
    # over three pages.
    same = AuditEvent.objects.filter(clinic=patient_a1.clinic).order_by("id")[20:120]
    AuditEvent.objects.filter(pk__in=[e.pk for e in same]).update(created_at=timezone.now())
    other = audit.record(actor_of(clinician_b), "patient.view", patient=patient_b1)
    for query in ("", f"patient={patient_a1.uuid}&"):
        expected = list(
            AuditEvent.objects.filter(
                clinic=patient_a1.clinic,
                **({"patient_uuid": patient_a1.uuid} if query else {}),
            ).values_list("id", flat=True)
        )  # newest first (the model's ordering), as the page shows them
        ids, page = shown(as_admin_a, f"/portal/audit/?{query}")
        walked, pages = list(ids), [page]
        while page.older_than:
            ids, page = shown(as_admin_a, f"/portal/audit/?{query}before={page.older_than}")
            assert len(ids) <= 50
            walked += ids
            pages.append(page)
        assert walked[: len(expected)] == expected[: len(walked)]
        assert len(walked) >= len(expected) - 2  # and the trail reads just now
        # Back again: every page of events newer than the last, up to the newest (which
        # holds the log's own reads of just now too).
        last, back = ids, []
        while page.newer_than:
            ids, page = shown(as_admin_a, f"/portal/audit/?{query}after={page.newer_than}")
            assert len(ids) <= 50
            back = ids + back
        known = set(expected)
        assert page.first and [i for i in back + last if i in known] == expected
    foreign, page = shown(as_admin_a, f"/portal/audit/?before={other.id}")
    assert page.first and other.id not in foreign
    assert foreign[:-1] == shown(as_admin_a, "/portal/audit/")[0][1:]  # and its own read
    left_out = AuditEvent.objects.filter(patient_uuid=patient_a2.uuid).first()
    _, page = shown(as_admin_a, f"/portal/audit/?patient={patient_a1.uuid}&before={left_out.id}")
    assert page.first


def test_denied_portal_access_by_a_patient_is_audited(as_patient_a1, patient_a1):
    as_patient_a1.get("/portal/")
    event = AuditEvent.objects.get(outcome="denied")
    assert event.actor == patient_a1.user and event.object_id == "patients:caseload"


def test_reading_a_patients_trail_is_itself_audited_under_their_name(admin_a, patient_a1):
    """The audit page filtered by a patient shows who read and changed their record: a
    read of it, and it left no trace. The whole clinic's log is recorded once a view."""
    from clinic.models import AuditEvent
    from tests.conftest import client_for

    client = client_for(admin_a)
    client.get(f"/portal/patients/{patient_a1.uuid}/")
    before = AuditEvent.objects.count()
    page = client.get(f"/portal/audit/?patient={patient_a1.uuid}")
    assert page.status_code == 200 and "Amara Okafor" in page.content.decode()
    (event,) = AuditEvent.objects.order_by("id")[before:]
    assert (event.action, event.patient_uuid, event.actor) == (
        "audit.view",
        patient_a1.uuid,
        admin_a,
    )
    client.get("/portal/audit/")
    latest = AuditEvent.objects.order_by("-id").first()
    assert (latest.action, latest.patient_uuid) == ("audit.view", None)
