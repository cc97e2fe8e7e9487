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
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    (count,) = [sql for sql in reads if "clinic_auditevent" in sql]
    if (plan := sqlite_plan(count)) is not None:
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
    assert as_admin_a.get("/portal/audit/?patient=not-a-uuid&user=%00&page=zz").status_code == 200


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
